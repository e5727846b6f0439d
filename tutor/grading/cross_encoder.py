"""A cross-encoder for grading, fine-tuned from the packaged MiniLM on paraphrase data.

Not used by :func:`tutor.grading.grade` yet: this is the next step that
bench/grading.py's figures call for (see the README). A bi-encoder embeds the clause and
the key point apart, so "equal sampling overfits small tasks" and "equal sampling is
optimal" land close together; a cross-encoder reads both in one pass and can weigh the
words that differ. It is trained from all-MiniLM-L6-v2's weights (num_labels=1, a fresh
head) on STS-B (similarity 0-5, scaled to 0-1) and MRPC (paraphrase or not) pairs from a
local copy of GLUE (``../shared/data`` here; the user's machine would ship the trained
model as an artefact, or train it once on first use).

A full run (about 9,800 pairs, one epoch) is minutes of CPU; only tiny slices are
trained in the tests.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def read_pairs(data_dir: Path, limit: int | None = None) -> list[tuple[str, str, float]]:
    """(sentence, sentence, similarity in [0, 1]) from ``stsb/train.csv`` and
    ``mrpc/train.txt`` under ``data_dir``, alternating the two so that a slice has both;
    ``limit`` pairs at most."""
    stsb: list[tuple[str, str, float]] = []
    with (data_dir / "stsb" / "train.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) >= 7:
                stsb.append((row[5], row[6], float(row[4]) / 5.0))
    mrpc: list[tuple[str, str, float]] = []
    with (data_dir / "mrpc" / "train.txt").open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)  # header
        for row in reader:
            if len(row) == 5:
                mrpc.append((row[3], row[4], float(row[0])))
    if not stsb or not mrpc:
        raise ValueError(f"no STS-B or MRPC pairs under {data_dir}")
    mixed = [p for pair in zip(stsb, mrpc, strict=False) for p in pair]
    longer = stsb if len(stsb) > len(mrpc) else mrpc
    mixed += longer[min(len(stsb), len(mrpc)) :]
    return mixed[:limit] if limit is not None else mixed


def train(
    base: Path,
    pairs: Sequence[tuple[str, str, float]],
    out: Path,
    *,
    epochs: int = 1,
    batch_size: int = 16,
    seed: int = 0,
) -> Path:
    """Fine-tune a cross-encoder from the encoder at ``base`` on ``pairs``; saved (as
    safetensors) to ``out``, which is returned."""
    from datasets import Dataset
    from sentence_transformers.cross_encoder import (
        CrossEncoder,
        CrossEncoderTrainer,
        CrossEncoderTrainingArguments,
    )
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss

    model = CrossEncoder(str(base), num_labels=1, local_files_only=True, device="cpu")
    data = Dataset.from_dict(
        {
            "sentence1": [a for a, _, _ in pairs],
            "sentence2": [b for _, b, _ in pairs],
            "label": [float(s) for _, _, s in pairs],
        }
    )
    args = CrossEncoderTrainingArguments(
        output_dir=str(out / "checkpoints"),
        num_train_epochs=epochs,
        per_device_train_batch_size=batch_size,
        learning_rate=2e-5,
        warmup_ratio=0.1,
        seed=seed,
        save_strategy="no",
        report_to="none",
        use_cpu=True,
        disable_tqdm=True,
        logging_strategy="no",
    )
    trainer = CrossEncoderTrainer(
        model=model, args=args, train_dataset=data, loss=BinaryCrossEntropyLoss(model)
    )
    trainer.train()
    model.save_pretrained(str(out), safe_serialization=True)
    return out


class PairScorer:
    """A trained cross-encoder: :meth:`score` gives each (clause, key point) pair a
    probability-like similarity in [0, 1]."""

    def __init__(self, path: Path):
        from sentence_transformers.cross_encoder import CrossEncoder

        self.model = CrossEncoder(str(path), local_files_only=True, device="cpu")

    def score(self, pairs: Sequence[tuple[str, str]]) -> Any:
        return self.model.predict(list(pairs), show_progress_bar=False, convert_to_numpy=True)
