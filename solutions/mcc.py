"""Solution of `mcc`."""

from __future__ import annotations

import math


def confusion(labels: list[int], predictions: list[int]) -> tuple[int, int, int, int]:
    if not labels or len(labels) != len(predictions):
        raise ValueError(
            f"need as many predictions as labels (and at least one), got "
            f"{len(labels)} labels and {len(predictions)} predictions"
        )
    pairs = list(zip(labels, predictions))
    tp = sum(y == 1 and p == 1 for y, p in pairs)
    tn = sum(y == 0 and p == 0 for y, p in pairs)
    fp = sum(y == 0 and p == 1 for y, p in pairs)
    fn = sum(y == 1 and p == 0 for y, p in pairs)
    return tp, tn, fp, fn


def mcc(labels: list[int], predictions: list[int]) -> float:
    tp, tn, fp, fn = confusion(labels, predictions)
    denominator = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    if denominator == 0:
        return 0.0  # 0/0: the convention of scikit-learn and of GLUE
    return (tp * tn - fp * fn) / denominator
