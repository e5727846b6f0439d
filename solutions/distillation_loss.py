"""Solution of `distillation_loss`."""

from __future__ import annotations

import math


def softmax(logits: list[float], temperature: float = 1.0) -> list[float]:
    scaled = [z / temperature for z in logits]
    top = max(scaled)
    exps = [math.exp(z - top) for z in scaled]
    total = sum(exps)
    return [e / total for e in exps]


def kl_divergence(p: list[float], q: list[float]) -> float:
    return sum(pi * math.log(pi / qi) for pi, qi in zip(p, q) if pi > 0)


def distillation_loss(
    student: list[list[float]],
    teacher: list[list[float]],
    labels: list[int],
    temperature: float = 4.0,
    alpha: float = 0.5,
) -> tuple[float, float, float]:
    n = len(labels)
    # The teacher's softened distribution is the target: KL(teacher || student).
    soft = (
        sum(
            kl_divergence(softmax(t, temperature), softmax(s, temperature))
            for s, t in zip(student, teacher)
        )
        / n
    )
    # The hard term uses the student's ordinary (T = 1) distribution.
    hard = sum(-math.log(softmax(s)[y]) for s, y in zip(student, labels)) / n
    # T^2 keeps the soft term's gradients on the hard term's scale.
    total = alpha * temperature**2 * soft + (1 - alpha) * hard
    return total, soft, hard
