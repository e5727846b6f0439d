"""Solution of `compute_metrics`: accuracy and F1 from logits."""

from __future__ import annotations


def argmax(row: list[float]) -> int:
    best = 0
    for i, score in enumerate(row):
        if score > row[best]:  # strictly greater: a tie keeps the first index
            best = i
    return best


def compute_metrics(eval_pred: tuple[list[list[float]], list[int]]) -> dict[str, float]:
    logits, labels = eval_pred
    if not labels or len(logits) != len(labels):
        raise ValueError(
            f"expected one row of logits per label, got {len(logits)} rows and {len(labels)} labels"
        )
    predictions = [argmax(row) for row in logits]  # one class per example (row)
    correct = sum(p == y for p, y in zip(predictions, labels))
    tp = sum(p == 1 and y == 1 for p, y in zip(predictions, labels))
    fp = sum(p == 1 and y != 1 for p, y in zip(predictions, labels))
    fn = sum(p != 1 and y == 1 for p, y in zip(predictions, labels))
    # With tp = 0, precision or recall is 0 (or 0/0): F1 is 0 by convention.
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {"accuracy": correct / len(labels), "f1": float(f1)}
