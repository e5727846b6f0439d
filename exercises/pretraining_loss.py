"""Exercise `pretraining_loss`: BERT's pre-training loss, MLM + NSP, from logits.

Fill in the functions, then run `tutor check pretraining_loss` (or press Run tests in the
lesson page). Stuck? `tutor hint pretraining_loss`.

Logits are plain lists: ``mlm_logits[b][i]`` is the list of vocabulary scores at position
i of sequence b; ``nsp_logits[b]`` the two scores (IsNext, NotNext) of sequence b.
"""

from __future__ import annotations

import math  # noqa: F401 (you will need it)

IGNORE_INDEX = -100  # the label of every position that was not chosen for MLM


def log_softmax(logits: list[float]) -> list[float]:
    """ln softmax(logits), computed stably (logits of 1000 must work)."""
    # TODO
    raise NotImplementedError("TODO: implement log_softmax")


def mlm_loss(mlm_logits: list[list[list[float]]], labels: list[list[int]]) -> float:
    """The mean cross-entropy over the chosen positions of the whole batch (labels not
    equal to IGNORE_INDEX). Raise ValueError if no position was chosen."""
    # TODO
    raise NotImplementedError("TODO: implement mlm_loss")


def nsp_loss(nsp_logits: list[list[float]], nsp_labels: list[int]) -> float:
    """The mean cross-entropy of the NSP predictions over the batch."""
    # TODO
    raise NotImplementedError("TODO: implement nsp_loss")


def pretraining_loss(
    mlm_logits: list[list[list[float]]],
    labels: list[list[int]],
    nsp_logits: list[list[float]],
    nsp_labels: list[int],
) -> float:
    """BERT's pre-training loss: L = L_MLM + L_NSP."""
    # TODO
    raise NotImplementedError("TODO: implement pretraining_loss")
