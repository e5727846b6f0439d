"""Solution of `linear_probe`: logistic regression on frozen features."""

from __future__ import annotations

import math


def sigmoid(z: float) -> float:
    # Each branch exponentiates a non-positive number, so neither overflows.
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def predict_proba(weights: list[float], bias: float, x: list[float]) -> float:
    return sigmoid(sum(w * v for w, v in zip(weights, x)) + bias)


def train_probe(
    features: list[list[float]], labels: list[int], lr: float = 0.5, epochs: int = 100
) -> tuple[list[float], float]:
    n, d = len(features), len(features[0])
    weights, bias = [0.0] * d, 0.0
    for _ in range(epochs):
        grad_w, grad_b = [0.0] * d, 0.0
        for x, y in zip(features, labels):
            error = predict_proba(weights, bias, x) - y
            for m in range(d):
                grad_w[m] += error * x[m]
            grad_b += error
        # The MEAN gradient: the step size then does not grow with the data set.
        weights = [w - lr * g / n for w, g in zip(weights, grad_w)]
        bias -= lr * grad_b / n
    return weights, bias
