"""Exercise `compute_metrics`: the metrics function `Trainer` calls after each evaluation.

Fill in `compute_metrics`, then run `tutor check compute_metrics` (or press Run tests in
the lesson page). Stuck? `tutor hint compute_metrics`.

`Trainer` passes ``eval_pred = (logits, labels)``: one row of class scores per example
and the true class of each. Here they are plain lists instead of NumPy arrays.
"""

from __future__ import annotations


def argmax(row: list[float]) -> int:
    """The index of the largest score; on a tie, the first such index (as np.argmax)."""
    # TODO
    raise NotImplementedError("TODO: implement argmax")


def compute_metrics(eval_pred: tuple[list[list[float]], list[int]]) -> dict[str, float]:
    """{"accuracy": ..., "f1": ...} as Python floats.

    The prediction of each example is the argmax of its row of logits. "f1" is the F1 of
    class 1 (the positive class): 2 * precision * recall / (precision + recall), and 0.0
    when there is no true positive. Raise ValueError if there are no examples or if the
    number of rows and labels differ.
    """
    # TODO: logits, labels = eval_pred; predict with argmax; count; return the dict.
    raise NotImplementedError("TODO: implement compute_metrics")
