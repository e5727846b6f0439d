"""Solution of `attention_weights`: scaled dot-product attention by hand."""

from __future__ import annotations

import math


def softmax(scores: list[float]) -> list[float]:
    # Subtracting the maximum changes nothing mathematically (it cancels in the ratio) but
    # keeps every exponent <= 0, so exp never overflows.
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def attention(
    queries: list[list[float]], keys: list[list[float]], values: list[list[float]]
) -> tuple[list[list[float]], list[list[float]]]:
    d_k = len(keys[0])
    scale = math.sqrt(d_k)
    weights = [
        softmax([sum(qm * km for qm, km in zip(q, k)) / scale for k in keys]) for q in queries
    ]
    d_v = len(values[0])
    output = [
        [sum(row[j] * values[j][m] for j in range(len(values))) for m in range(d_v)]
        for row in weights
    ]
    return weights, output
