"""Exercise `attention_weights`: scaled dot-product attention by hand, in plain Python.

Fill in `softmax` and `attention`, then run `tutor check attention_weights` (or press
Run tests in the lesson page). Stuck? `tutor hint attention_weights`.

Vectors are lists of floats and matrices are lists of rows, so every step is visible.
"""

from __future__ import annotations

import math  # noqa: F401 (you will need it)


def softmax(scores: list[float]) -> list[float]:
    """The softmax of one row of scores: non-negative weights that sum to 1.

    Must not overflow for large scores such as [1000.0, 999.0].
    """
    # TODO: exponentiate (safely!) and divide by the sum of the exponentials.
    raise NotImplementedError("TODO: implement softmax")


def attention(
    queries: list[list[float]], keys: list[list[float]], values: list[list[float]]
) -> tuple[list[list[float]], list[list[float]]]:
    """Scaled dot-product attention, softmax(Q K^T / sqrt(d_k)) V.

    ``queries`` has one row (of length d_k) per querying token, ``keys`` one row (length
    d_k) per token attended to, ``values`` one row (length d_v) per token attended to.
    Returns ``(weights, output)``: ``weights[i][j]`` is how much query i attends to key j
    (each row sums to 1) and ``output[i]`` is the weighted sum of the value rows.
    """
    # TODO: scores[i][j] = (q_i . k_j) / sqrt(d_k); softmax each row; mix the values.
    raise NotImplementedError("TODO: implement attention")
