"""Classify text with a saved run's model: softmax over the classifier's logits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tutor import runs
from tutor.errors import UsageError


@dataclass(frozen=True)
class Prediction:
    text: str
    run_dir: Path
    label: str
    probabilities: dict[str, float]  # label -> probability, summing to 1
    logits: list[float]


def predict(text: str, run_name: str | None = None) -> Prediction:
    if not text.strip():
        raise UsageError("Give some text to classify.")
    run_dir = runs.find_run_dir("day7", run_name)
    model_dir = run_dir / "model"
    if not (model_dir / "config.json").is_file():
        raise UsageError(f"{run_dir} has no saved model (was the run interrupted?).")
    import torch
    from transformers import AutoTokenizer

    from tutor.training.models import load_trained_classifier, quiet_loading

    with quiet_loading():
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = load_trained_classifier(model_dir)
    model.eval()
    max_length = min(512, getattr(model.config, "max_position_embeddings", 512))
    with torch.inference_mode():
        logits = model(
            **tokenizer(text, truncation=True, max_length=max_length, return_tensors="pt")
        ).logits[0]
    probs = torch.softmax(logits.double(), dim=-1).tolist()
    names = [model.config.id2label[i] for i in range(len(probs))]
    best = max(range(len(probs)), key=probs.__getitem__)
    return Prediction(text, run_dir, names[best], dict(zip(names, probs)), logits.tolist())
