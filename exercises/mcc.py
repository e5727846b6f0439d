"""Exercise `mcc`: the Matthews correlation coefficient, CoLA's metric, by hand.

Fill in `confusion` and `mcc`, then run `tutor check mcc` (or press Run tests in the lesson
page). Stuck? `tutor hint mcc`.

Labels and predictions are 0 or 1; 1 (acceptable) is the positive class.
"""

from __future__ import annotations

import math  # noqa: F401 (you will need it)


def confusion(labels: list[int], predictions: list[int]) -> tuple[int, int, int, int]:
    """``(tp, tn, fp, fn)``. Raise ValueError if the lists are empty or differ in length."""
    # TODO
    raise NotImplementedError("TODO: implement confusion")


def mcc(labels: list[int], predictions: list[int]) -> float:
    """(TP * TN - FP * FN) / sqrt((TP + FP)(TP + FN)(TN + FP)(TN + FN)), and 0.0 when the
    denominator is 0 (a constant prediction, or a single class in the labels)."""
    # TODO
    raise NotImplementedError("TODO: implement mcc")
