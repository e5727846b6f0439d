"""Solution of `pretraining_loss`: MLM + NSP from logits."""

from __future__ import annotations

import math

IGNORE_INDEX = -100


def log_softmax(logits: list[float]) -> list[float]:
    top = max(logits)
    log_total = top + math.log(sum(math.exp(z - top) for z in logits))
    return [z - log_total for z in logits]


def mlm_loss(mlm_logits: list[list[list[float]]], labels: list[list[int]]) -> float:
    total, count = 0.0, 0
    # One mean over every chosen position of the batch, as cross_entropy(ignore_index=-100)
    # on the flattened batch computes it: not a mean of per-sequence means.
    for sequence, sequence_labels in zip(mlm_logits, labels):
        for logits, label in zip(sequence, sequence_labels):
            if label == IGNORE_INDEX:
                continue
            total -= log_softmax(logits)[label]
            count += 1
    if count == 0:
        raise ValueError("no position was chosen for MLM: the mean over none is undefined")
    return total / count


def nsp_loss(nsp_logits: list[list[float]], nsp_labels: list[int]) -> float:
    losses = [-log_softmax(logits)[label] for logits, label in zip(nsp_logits, nsp_labels)]
    return sum(losses) / len(losses)


def pretraining_loss(
    mlm_logits: list[list[list[float]]],
    labels: list[list[int]],
    nsp_logits: list[list[float]],
    nsp_labels: list[int],
) -> float:
    return mlm_loss(mlm_logits, labels) + nsp_loss(nsp_logits, nsp_labels)
