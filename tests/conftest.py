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


# The "tutor" logger as it is before any CLI invocation: no handler, propagating.
_PRISTINE_LOGGER = (
    list(logging.getLogger("tutor").handlers),
    logging.getLogger("tutor").level,
    logging.getLogger("tutor").propagate,
)


@pytest.fixture(autouse=True)
def tutor_logger_pristine():
    """A CLI invocation points the "tutor" logger at its own handler and stops it
    propagating (tutor.cli._setup_logging). Each test starts from the logger as it was
    before any invocation, not as the previous test left it: a session-scoped fixture that
    ran the CLI in-process (which ones run depends on ../shared being there) would
    otherwise leave caplog deaf for every later test."""
    log = logging.getLogger("tutor")
    log.handlers[:], log.level, log.propagate = _PRISTINE_LOGGER[0][:], *_PRISTINE_LOGGER[1:]
    yield
    log.handlers[:], log.level, log.propagate = _PRISTINE_LOGGER[0][:], *_PRISTINE_LOGGER[1:]


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, 32-wide BERT with random weights and the packaged WordPiece vocabulary,
    saved like a hub checkpoint: fast enough to fine-tune in a test."""
    return save_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))
