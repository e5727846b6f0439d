"""Solution of `electra_labels`."""

from __future__ import annotations

import math


def corrupt(original: list[str], samples: dict[int, str]) -> list[str]:
    corrupted = list(original)
    for position, token in samples.items():
        corrupted[position] = token
    return corrupted


def discriminator_labels(original: list[str], corrupted: list[str]) -> list[int]:
    # Compare tokens, not "was this position masked": a sample equal to the original is
    # an original token.
    return [int(a != b) for a, b in zip(original, corrupted)]


def discriminator_loss(logits: list[float], labels: list[int], attention_mask: list[int]) -> float:
    total, count = 0.0, 0
    for z, y, real in zip(logits, labels, attention_mask):
        if not real:
            continue
        # -[y ln s(z) + (1 - y) ln(1 - s(z))], rewritten so that no exp overflows.
        total += max(z, 0.0) - z * y + math.log1p(math.exp(-abs(z)))
        count += 1
    if count == 0:
        raise ValueError("no real token: the attention mask is all 0")
    return total / count
