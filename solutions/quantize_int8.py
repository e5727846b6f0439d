"""Solution of `quantize_int8`."""

from __future__ import annotations


def quantize(weights: list[float]) -> tuple[list[int], float]:
    if not weights:
        raise ValueError("nothing to quantize: the list is empty")
    largest = max(abs(w) for w in weights)  # the largest MAGNITUDE, negative weights too
    if largest == 0:
        return [0] * len(weights), 1.0
    scale = largest / 127
    # round, not int(): truncation would double the worst error. The clamp guards against
    # a float quotient such as 127.00000000000001.
    q = [max(-127, min(127, round(w / scale))) for w in weights]
    return q, scale


def dequantize(q: list[int], scale: float) -> list[float]:
    return [scale * v for v in q]
