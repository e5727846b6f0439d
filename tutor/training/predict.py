"""Classify text with a saved run's model: softmax over the classifier's logits.

Loaded once, a :class:`Classifier` takes any number of texts, in length-sorted batches
padded to their own longest text. With the run's ONNX graph it imports only ONNX Runtime,
tokenizers and numpy; without it, torch, the tokenizer and the model class (never
datasets or the Trainer).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tutor import runs
from tutor.errors import UsageError
from tutor.training.export import ONNX_FILE


@dataclass(frozen=True)
class Prediction:
    text: str
    run_dir: Path
    label: str
    probabilities: dict[str, float]  # label -> probability, summing to 1
    logits: list[float]

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "probabilities": self.probabilities}


class Classifier:
    """A fine-tuned day-7 model and its tokenizer, ready to classify.

    With the ONNX graph a run saves (tutor.training.export) and ONNX Runtime installed,
    only onnxruntime, tokenizers and numpy are loaded: no torch, no transformers, so a
    call starts in about a second. Otherwise the model loads through transformers."""

    def __init__(self, run_name: str | None = None, *, runtime: str = "auto") -> None:
        self.run_dir = runs.find_run_dir("day7", run_name)
        model_dir = self.run_dir / "model"
        if not (model_dir / "config.json").is_file():
            raise UsageError(f"{self.run_dir} has no saved model (was the run interrupted?).")
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        self.names = [str(config["id2label"][str(i)]) for i in range(len(config["id2label"]))]
        graph = model_dir / ONNX_FILE
        use_onnx = runtime == "onnx" or (
            runtime == "auto" and graph.is_file() and _installed("onnxruntime", "tokenizers")
        )
        self.runtime = "onnx" if use_onnx else "torch"
        if use_onnx:
            self._load_onnx(model_dir, config)
        else:
            self._load_torch(model_dir)

    def _load_torch(self, model_dir: Path) -> None:
        from transformers import AutoTokenizer

        from tutor.training.models import load_trained_classifier, quiet_loading

        with quiet_loading():
            self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.model = load_trained_classifier(model_dir).eval()
        # What the saved tokenizer allows, within the model's position embeddings (runs
        # saved before the tokenizer carried that limit allowed 512 regardless).
        positions = getattr(self.model.config, "max_position_embeddings", 512)
        self.max_length = min(self.tokenizer.model_max_length, positions, 512)

    def _load_onnx(self, model_dir: Path, config: dict[str, Any]) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        settings = json.loads((model_dir / "tokenizer_config.json").read_text(encoding="utf-8"))
        limit = settings.get("model_max_length") or 512
        self.max_length = int(min(limit, config.get("max_position_embeddings", 512), 512))
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # The same ids transformers' fast tokenizer gives with truncation=True: it wraps
        # this very tokenizer.json. Padding is done per batch below.
        self._tokenizer.enable_truncation(self.max_length)
        self._tokenizer.no_padding()
        pad = settings.get("pad_token") or "[PAD]"
        self._pad_id = self._tokenizer.token_to_id(pad if isinstance(pad, str) else "[PAD]") or 0
        options = ort.SessionOptions()
        options.log_severity_level = 3  # errors only
        self._session = ort.InferenceSession(
            str(model_dir / ONNX_FILE), options, providers=["CPUExecutionProvider"]
        )

    def _encode(self, texts: Sequence[str]) -> list[list[int]]:
        if self.runtime == "onnx":
            return [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        return self.tokenizer(list(texts), truncation=True, max_length=self.max_length)["input_ids"]

    def _logits(self, ids: list[list[int]]):
        """Logits (numpy, float64) of a batch of token ids, padded to its longest."""
        import numpy as np

        width = max(len(x) for x in ids)
        batch = np.full((len(ids), width), self._pad_id if self.runtime == "onnx" else 0)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for row, x in enumerate(ids):
            batch[row, : len(x)] = x
            mask[row, : len(x)] = 1
        if self.runtime == "onnx":
            feeds = {"input_ids": batch.astype(np.int64), "attention_mask": mask}
            return self._session.run(["logits"], feeds)[0].astype(np.float64)
        import torch

        padded = self.tokenizer.pad({"input_ids": ids}, return_tensors="pt")
        with torch.inference_mode():
            return self.model(**padded).logits.double().numpy()

    def predict(self, texts: Sequence[str], batch_size: int = 32) -> list[Prediction]:
        import numpy as np

        if not texts or any(not t.strip() for t in texts):
            raise UsageError("Give some text to classify.")
        ids = self._encode(texts)
        # Similar lengths together: a batch is padded to its longest text.
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        results: list[Prediction | None] = [None] * len(texts)
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            logits = self._logits([ids[i] for i in chunk])
            # Softmax; subtracting the max first keeps exp() finite.
            shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
            probs = shifted / shifted.sum(axis=-1, keepdims=True)
            for row, i in enumerate(chunk):
                p = probs[row].tolist()
                best = max(range(len(p)), key=p.__getitem__)
                results[i] = Prediction(
                    texts[i],
                    self.run_dir,
                    self.names[best],
                    dict(zip(self.names, p)),
                    logits[row].tolist(),
                )
        return [r for r in results if r is not None]


def _installed(*modules: str) -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in modules)


def predict(text: str, run_name: str | None = None) -> Prediction:
    if not text.strip():
        raise UsageError("Give some text to classify.")
    return Classifier(run_name).predict([text])[0]


def predict_many(texts: Sequence[str], run_name: str | None = None) -> list[Prediction]:
    """Every text of ``texts`` (e.g. the lines of a file), with the model loaded once."""
    if not texts:
        raise UsageError("No text to classify: the input has no non-empty lines.")
    return Classifier(run_name).predict(texts)
