"""Classification as text-to-text, T5 style: the input carries a task prefix, the model
generates the label as a word, one cross-entropy loss on output tokens for every task.

Two models can play T5's part: ``google-t5/t5-small`` itself (hub), or, offline, an
encoder-decoder warm-started from a BERT checkpoint on both sides (Rothe et al. 2020,
"Leveraging Pre-trained Checkpoints for Sequence Generation Tasks"): the decoder's
cross-attention is new and learns during fine-tuning.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

T5_SMALL = "google-t5/t5-small"


@dataclass(frozen=True)
class Task:
    name: str
    prefix: str  # exactly T5's (Raffel et al. 2020, appendix D)
    label_words: tuple[str, ...]  # index = class id


TASKS = {
    "sst2": Task("sst2", "sst2 sentence: ", ("negative", "positive")),
    "cola": Task("cola", "cola sentence: ", ("unacceptable", "acceptable")),
}
TRANSLATION_PREFIX = "translate English to German: "


def as_text_to_text(task: Task, texts: Sequence[str], labels: Sequence[int]):
    """(source, target) pairs: "sst2 sentence: a fine film" -> "positive"."""
    return [(task.prefix + t, task.label_words[y]) for t, y in zip(texts, labels)]


def parse_label(output: str, task: Task) -> int | None:
    """The class a generated text names, or None when it is not one of the label words
    (a text-to-text model can answer anything; such answers count as wrong)."""
    words = output.strip().lower().split()
    if not words:
        return None
    first = words[0].strip(".,!?;:'\"")
    return task.label_words.index(first) if first in task.label_words else None


def warm_started(encoder_path: str, tokenizer):
    """BERT encoder + BERT decoder (causal self-attention, new cross-attention), both
    initialised from ``encoder_path``; the decoder starts from [CLS] and stops at [SEP]."""
    from transformers import EncoderDecoderModel

    from tutor.training.models import quiet_loading

    with quiet_loading():
        model = EncoderDecoderModel.from_encoder_decoder_pretrained(encoder_path, encoder_path)
    for config in (model.config, model.generation_config):
        config.decoder_start_token_id = tokenizer.cls_token_id
        config.pad_token_id = tokenizer.pad_token_id
        config.eos_token_id = tokenizer.sep_token_id
    return model


def collate(tokenizer, max_length: int):
    """Batches of (source, target) pairs: padded sources, target ids with -100 on padding
    (ignored by the loss). A BERT tokenizer's leading [CLS] is dropped from the targets:
    it is the decoder's start token, which the model prepends itself."""
    import torch

    def run(pairs: list[tuple[str, str]]) -> dict[str, Any]:
        enc = tokenizer(
            [s for s, _ in pairs],
            truncation=True,
            max_length=max_length,
            padding=True,
            return_tensors="pt",
        )
        targets = tokenizer([t for _, t in pairs])["input_ids"]
        cls = getattr(tokenizer, "cls_token_id", None)
        targets = [ids[1:] if cls is not None and ids and ids[0] == cls else ids for ids in targets]
        width = max(len(ids) for ids in targets)
        labels = torch.full((len(targets), width), -100, dtype=torch.long)
        for i, ids in enumerate(targets):
            labels[i, : len(ids)] = torch.tensor(ids)
        return {
            "input_ids": enc["input_ids"],
            "attention_mask": enc["attention_mask"],
            "labels": labels,
        }

    return run


def seq2seq_loss(model, batch: dict[str, Any]):
    with warnings.catch_warnings():
        # EncoderDecoderModel warns on every call that it computes the loss itself now.
        warnings.simplefilter("ignore", FutureWarning)
        return model(**batch).loss, {}


def generate(
    model,
    tokenizer,
    sources: Sequence[str],
    *,
    batch_size: int,
    max_length: int,
    device,
    desc: str | None = None,
) -> list[str]:
    """Greedy decoding, a few tokens: the answers are single words. ``desc`` names a
    progress bar (none without it)."""
    import torch
    from tqdm.auto import tqdm

    outputs: list[str] = []
    model.eval()
    starts = range(0, len(sources), batch_size)
    for start in tqdm(starts, desc=desc, unit="batch", disable=desc is None):
        enc = tokenizer(
            list(sources[start : start + batch_size]),
            truncation=True,
            max_length=max_length,
            padding=True,
            return_tensors="pt",
        ).to(device)
        with torch.inference_mode():
            ids = model.generate(**enc, max_new_tokens=6, num_beams=1, do_sample=False)
        outputs += tokenizer.batch_decode(ids, skip_special_tokens=True)
    return [o.strip() for o in outputs]


def scores(outputs: Sequence[str], labels: Sequence[int], task: Task) -> dict[str, float]:
    """Accuracy, MCC and the share of answers that were not a label word at all; the
    parsed class per answer (-1: not a label word)."""
    from sklearn.metrics import matthews_corrcoef

    predicted = [parse_label(o, task) for o in outputs]
    invalid = sum(p is None for p in predicted)
    # An invalid answer is a class of its own (-1) for MCC: it carries no information,
    # so answering nothing but nonsense scores 0, not -1.
    coded = [-1 if p is None else p for p in predicted]
    n = max(1, len(labels))
    return {
        "accuracy": sum(p == y for p, y in zip(predicted, labels)) / n,
        "mcc": float(matthews_corrcoef(labels, coded)) if len(set(labels)) > 1 else 0.0,
        "invalid_share": invalid / n,
        "predicted": coded,
    }
