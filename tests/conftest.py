from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from tests.helpers import save_tiny_bert

# Any hub call must fail fast here instead of hanging: the tests run offline.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# Markers are set in the test modules themselves (pytestmark, or a decorator); shared
# helpers live in tests/helpers.py.


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "shared_data: reads ../shared/data when present; passes or skips without it"
    )
    config.addinivalue_line(
        "markers", "network: builds the site, which fetches Mermaid from the npm registry once"
    )


@pytest.fixture(autouse=True)
def tutor_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own $TUTOR_HOME, so no test sees a learner's real state."""
    home = tmp_path / "tutor-home"
    monkeypatch.setenv("TUTOR_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def tutor_logger_as_found():
    """A CLI invocation points the "tutor" logger at its own handler and stops it
    propagating (tutor.cli._setup_logging); put it back after each test, so that caplog
    sees the core's warnings whatever ran before."""
    log = logging.getLogger("tutor")
    saved = (list(log.handlers), log.level, log.propagate)
    yield
    log.handlers[:], log.level, log.propagate = saved[0], saved[1], saved[2]


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, 32-wide BERT with random weights and the packaged WordPiece vocabulary,
    saved like a hub checkpoint: fast enough to fine-tune in a test."""
    return save_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))
