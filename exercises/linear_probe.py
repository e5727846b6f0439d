"""Exercise `linear_probe`: the feature-based approach, a classifier trained on frozen features.

Fill in `sigmoid`, `predict_proba` and `train_probe`, then run `tutor check linear_probe`
(or press Run tests in the lesson page). Stuck? `tutor hint linear_probe`.

The features (one list of floats per example) came out of a frozen encoder once; only a
logistic-regression head on top of them is trained, by full-batch gradient descent on the
mean binary cross-entropy.
"""

from __future__ import annotations

import math  # noqa: F401 (you will need it)


def sigmoid(z: float) -> float:
    """1 / (1 + e^-z), without overflow for any z (try z = -1000 and z = 1000)."""
    # TODO: for z < 0 use the equivalent form e^z / (1 + e^z), whose exponent is negative.
    raise NotImplementedError("TODO: implement sigmoid")


def predict_proba(weights: list[float], bias: float, x: list[float]) -> float:
    """P(label 1 | x) = sigmoid(w . x + b)."""
    # TODO
    raise NotImplementedError("TODO: implement predict_proba")


def train_probe(
    features: list[list[float]], labels: list[int], lr: float = 0.5, epochs: int = 100
) -> tuple[list[float], float]:
    """Train the head: weights and bias start at 0; each epoch takes ONE step along the
    gradient of the mean binary cross-entropy over all examples:

        p_i = sigmoid(w . x_i + b)
        grad_w = (1/n) sum_i (p_i - y_i) x_i,   grad_b = (1/n) sum_i (p_i - y_i)
        w <- w - lr * grad_w,                   b <- b - lr * grad_b

    Returns ``(weights, bias)``; ``features`` must not change (they are frozen).
    """
    # TODO
    raise NotImplementedError("TODO: implement train_probe")
