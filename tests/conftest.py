from __future__ import annotations

import os
from pathlib import Path

import pytest

# Any hub call must fail fast here instead of hanging: the tests run offline.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO_ROOT = Path(__file__).resolve().parent.parent
# The local GLUE copy beside the clone. A fresh clone has none; TUTOR_DATA_DIR=none hides
# it (tutor.training.data.shared_data_dir honours the same value), as .ci/run does.
SHARED_DATA = (
    REPO_ROOT.parent / "shared-hidden-by-TUTOR_DATA_DIR" / "data"
    if os.environ.get("TUTOR_DATA_DIR", "").strip().lower() == "none"
    else REPO_ROOT.parent / "shared" / "data"
)
# Tests that read ../shared/data when it is there (node id prefixes). Each must pass or
# skip with a reason without it; .ci/run runs them a second time with TUTOR_DATA_DIR=none.
# Day 46 stands for the days that fall back to the packaged reviews without SST-2 (day 45
# takes the same path, experiment.load_text_data); day 49 has its own small fixture.
SHARED_DATA_TESTS = (
    "tests/test_data.py::test_sst2_offline",
    "tests/test_days.py::test_day46",
    "tests/test_days.py::test_day49",
    "tests/test_notebooks.py::test_notebook_runs_in_the_smoke_profile[cola]",
    "tests/test_notebooks.py::test_notebook_runs_in_the_smoke_profile[day45-strategies]",
    "tests/test_notebooks.py::test_draft_runs_in_the_smoke_profile_with_clean_outputs[draft-cola]",
    "tests/test_notebooks.py::test_draft_runs_in_the_smoke_profile_with_clean_outputs[draft-day45",
    "tests/test_lesson_snippets.py::test_lesson_code_blocks_run_as_shown[cola-walkthrough]",
)


# Tests that build the site: the first build of a clone fetches the pinned Mermaid from the
# npm registry (then it is kept in docs/assets/vendor/). Offline: -m "not network".
NETWORK_TESTS = ("tests/test_site.py", "tests/test_site_browser.py")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "shared_data: reads ../shared/data when present; passes or skips without it"
    )
    config.addinivalue_line(
        "markers", "network: builds the site, which fetches Mermaid from the npm registry once"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.startswith(SHARED_DATA_TESTS):
            item.add_marker(pytest.mark.shared_data)
        if item.nodeid.startswith(NETWORK_TESTS):
            item.add_marker(pytest.mark.network)


@pytest.fixture(autouse=True)
def tutor_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own $TUTOR_HOME, so no test sees a learner's real state."""
    home = tmp_path / "tutor-home"
    monkeypatch.setenv("TUTOR_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, 32-wide BERT with random weights and the packaged WordPiece vocabulary,
    saved like a hub checkpoint: fast enough to fine-tune in a test."""
    return save_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


def save_tiny_bert(folder: Path, max_position_embeddings: int = 128) -> Path:
    """Save a 2-layer, 32-wide random BERT with the packaged (real uncased) WordPiece
    vocabulary into ``folder``, like a hub checkpoint."""
    from transformers import AutoTokenizer, BertConfig, BertModel

    from tutor.training.models import packaged_model_path

    tokenizer = AutoTokenizer.from_pretrained(packaged_model_path())
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=max_position_embeddings,
    )
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
