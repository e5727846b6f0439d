"""Classify text with a saved run's model: softmax over the classifier's logits.

Loaded once, a :class:`Classifier` takes any number of texts, in length-sorted batches
padded to their own longest text. Only torch, the tokenizer and the model class are
imported (no datasets, no Trainer), so a call starts in a few seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tutor import runs
from tutor.errors import UsageError


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
    """A fine-tuned day-7 model and its tokenizer, ready to classify."""

    def __init__(self, run_name: str | None = None) -> None:
        self.run_dir = runs.find_run_dir("day7", run_name)
        model_dir = self.run_dir / "model"
        if not (model_dir / "config.json").is_file():
            raise UsageError(f"{self.run_dir} has no saved model (was the run interrupted?).")
        from transformers import AutoTokenizer

        from tutor.training.models import load_trained_classifier, quiet_loading

        with quiet_loading():
            self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.model = load_trained_classifier(model_dir).eval()
        # What the saved tokenizer allows, within the model's position embeddings (runs
        # saved before the tokenizer carried that limit allowed 512 regardless).
        positions = getattr(self.model.config, "max_position_embeddings", 512)
        self.max_length = min(self.tokenizer.model_max_length, positions, 512)
        config = self.model.config
        self.names = [config.id2label[i] for i in range(config.num_labels)]

    def predict(self, texts: Sequence[str], batch_size: int = 32) -> list[Prediction]:
        import torch

        if not texts or any(not t.strip() for t in texts):
            raise UsageError("Give some text to classify.")
        encoded = self.tokenizer(list(texts), truncation=True, max_length=self.max_length)
        ids = encoded["input_ids"]
        # Similar lengths together: a batch is padded to its longest text.
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        results: list[Prediction | None] = [None] * len(texts)
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                chunk = order[start : start + batch_size]
                batch = self.tokenizer.pad(
                    {k: [encoded[k][i] for i in chunk] for k in encoded}, return_tensors="pt"
                )
                logits = self.model(**batch).logits
                probs = torch.softmax(logits.double(), dim=-1)
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


def predict(text: str, run_name: str | None = None) -> Prediction:
    if not text.strip():
        raise UsageError("Give some text to classify.")
    return Classifier(run_name).predict([text])[0]


def predict_many(texts: Sequence[str], run_name: str | None = None) -> list[Prediction]:
    """Every text of ``texts`` (e.g. the lines of a file), with the model loaded once."""
    if not texts:
        raise UsageError("No text to classify: the input has no non-empty lines.")
    return Classifier(run_name).predict(texts)
