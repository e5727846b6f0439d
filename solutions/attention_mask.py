"""Solution of `attention_mask`: padding and causal masks in attention."""

from __future__ import annotations

import math
import sys

MASK_VALUE = -sys.float_info.max


def masked_weights(
    scores: list[list[float]],
    attention_mask: list[int] | None = None,
    causal: bool = False,
) -> list[list[float]]:
    weights = []
    for i, row in enumerate(scores):
        # Adding MASK_VALUE (not multiplying the weights by 0 afterwards) lets the softmax
        # renormalise over the keys that remain.
        blocked = [
            (attention_mask is not None and attention_mask[j] == 0) or (causal and j > i)
            for j in range(len(row))
        ]
        shifted = [MASK_VALUE if b else s for s, b in zip(row, blocked)]
        top = max(shifted)
        exps = [math.exp(s - top) for s in shifted]  # a blocked pair: exp(-huge) = 0.0
        total = sum(exps)
        weights.append([e / total for e in exps])
    return weights
