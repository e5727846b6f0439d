"""Exercise `distillation_loss`: knowledge distillation's loss, soft and hard terms.

Fill in the functions, then run `tutor check distillation_loss` (or press Run tests in the
lesson page). Stuck? `tutor hint distillation_loss`.

For a batch of examples (lists of logits, one row per example), the production lesson's

    L = alpha * T^2 * KL(softmax(z_t / T) || softmax(z_s / T)) + (1 - alpha) * CE(y, softmax(z_s))

with both terms averaged over the batch (what reduction="batchmean" and cross_entropy's
default mean give).
"""

from __future__ import annotations

import math  # noqa: F401 (you will need it)


def softmax(logits: list[float], temperature: float = 1.0) -> list[float]:
    """softmax(logits / temperature), stable for large logits."""
    # TODO
    raise NotImplementedError("TODO: implement softmax")


def kl_divergence(p: list[float], q: list[float]) -> float:
    """KL(p || q) = sum_i p_i ln(p_i / q_i); a term with p_i = 0 adds 0."""
    # TODO
    raise NotImplementedError("TODO: implement kl_divergence")


def distillation_loss(
    student: list[list[float]],
    teacher: list[list[float]],
    labels: list[int],
    temperature: float = 4.0,
    alpha: float = 0.5,
) -> tuple[float, float, float]:
    """``(total, soft, hard)``: soft is the mean KL of the softened distributions (the
    teacher's first), hard the mean cross-entropy of the student at temperature 1 against
    the labels, total = alpha * T^2 * soft + (1 - alpha) * hard."""
    # TODO
    raise NotImplementedError("TODO: implement distillation_loss")
