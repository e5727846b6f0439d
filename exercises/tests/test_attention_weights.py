"""Tests of exercise `attention_weights`, with the worked example of the self-attention
lesson (the cat sat, d_k = d_v = 2). Plain Python: these also run in the lesson page."""

from __future__ import annotations

import math

EXERCISE = "attention_weights"

# The worked example's projections: q, k, v of "the", "cat", "sat".
Q = [[2.0, 0.0], [0.0, 2.0], [2.0, 1.0]]
K = [[0.0, 2.0], [3.0, 0.0], [1.0, 2.0]]
V = [[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]
WEIGHTS = [[0.0134, 0.9316, 0.0551], [0.4856, 0.0287, 0.4856], [0.0454, 0.7679, 0.1867]]
OUTPUT = [[0.0684, 1.9182], [0.9713, 0.5431], [0.2321, 1.7225]]


def close(a: float, b: float, tol: float = 1e-4) -> bool:
    return abs(a - b) <= tol


def test_softmax_of_a_small_row(exercise):
    got = exercise.softmax([1.0, 2.0, 3.0])
    expected = [0.0900306, 0.2447285, 0.6652410]
    assert isinstance(got, list) and len(got) == 3, f"softmax must return a list of 3, got {got!r}"
    assert all(close(g, e, 1e-6) for g, e in zip(got, expected)), (
        f"softmax([1, 2, 3]) gave {got}, expected {expected}: each weight is "
        f"exp(s_i) / sum_j exp(s_j)"
    )
    assert close(sum(exercise.softmax([0.3, -1.2, 4.0, 0.0])), 1.0, 1e-9), (
        "softmax weights must sum to 1: did you divide by the sum of the exponentials?"
    )


def test_softmax_does_not_overflow(exercise):
    try:
        got = exercise.softmax([1000.0, 999.0, 1000.0])
    except OverflowError:
        raise AssertionError(
            "softmax([1000, 999, 1000]) overflowed: exp(1000) is too large for a float. "
            "Subtract the row's maximum before exponentiating; the result does not change."
        ) from None
    expected = [0.4223188, 0.1553624, 0.4223188]
    assert all(close(g, e, 1e-6) for g, e in zip(got, expected)), (
        f"softmax([1000, 999, 1000]) gave {got}, expected {expected}"
    )
    wide = exercise.softmax([1000.0, -1000.0])
    assert close(wide[0], 1.0, 1e-12) and wide[1] < 1e-300, (
        f"softmax([1000, -1000]) gave {wide}, expected [1, 0]: shift by the MAXIMUM (the "
        f"largest exponent becomes 0), not by the minimum or the mean"
    )
    low = exercise.softmax([-1000.0, -1001.0])
    assert all(not math.isnan(x) for x in low) and close(low[0], 0.7310586, 1e-6), (
        f"softmax([-1000, -1001]) gave {low}: all exponentials underflow to 0 unless you "
        f"subtract the maximum, and 0/0 is not a weight"
    )


def test_softmax_leaves_its_input_alone(exercise):
    row = [3.0, 1.0, 2.0]
    exercise.softmax(row)
    assert row == [3.0, 1.0, 2.0], "softmax changed the list it was given: build a new one"


def test_worked_example_weights(exercise):
    weights, _ = exercise.attention(Q, K, V)
    assert len(weights) == 3 and all(len(r) == 3 for r in weights), (
        f"weights must be 3 x 3 (one row per query, one column per key), got {weights}"
    )
    for i, (row, want) in enumerate(zip(weights, WEIGHTS)):
        assert close(sum(row), 1.0, 1e-9), (
            f"row {i} of the weights sums to {sum(row):.4f}: each row is a softmax over the "
            f"keys and must sum to 1 (did you normalise columns instead of rows?)"
        )
        assert all(close(g, e) for g, e in zip(row, want)), (
            f"row {i} ('{['the', 'cat', 'sat'][i]}') of the weights is "
            f"{[round(x, 4) for x in row]}, the lesson's is {want}: scores are q_i . k_j "
            f"divided by sqrt(d_k) = sqrt(2), then a softmax along the row"
        )


def test_worked_example_output(exercise):
    _, output = exercise.attention(Q, K, V)
    for i, (row, want) in enumerate(zip(output, OUTPUT)):
        assert len(row) == 2 and all(close(g, e) for g, e in zip(row, want)), (
            f"output row {i} is {[round(x, 4) for x in row]}, expected {want}: "
            f"out_i = sum_j a_ij * v_j, the weighted average of the value rows"
        )


def test_scaling_uses_the_key_size(exercise):
    # d_k = 4, but 2 queries, 3 keys and d_v = 1: only sqrt(d_k) is the right divisor.
    q = [[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]
    k = [[1.0, 1.0, 1.0, 1.0], [2.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 3.0]]
    v = [[1.0], [2.0], [4.0]]
    weights, output = exercise.attention(q, k, v)
    assert len(weights) == 2 and all(len(r) == 3 for r in weights), (
        f"2 queries and 3 keys give weights of 2 rows x 3 columns, got "
        f"{[len(r) for r in weights]} (did you mix up rows and columns?)"
    )
    # Scores: row 0 = (2, 2, 0) / 2, row 1 = (2, 0, 3) / 2.
    expected = [[0.4223188, 0.4223188, 0.1553624], [0.3314989, 0.1219516, 0.5465494]]
    for i in range(2):
        assert all(close(g, e, 1e-6) for g, e in zip(weights[i], expected[i])), (
            f"with d_k = 4 the weights of query {i} should be {expected[i]}, got "
            f"{[round(x, 6) for x in weights[i]]}: divide the dot products by sqrt(d_k), "
            f"the length of a key (here 2), not d_k itself nor the number of tokens"
        )
    want_out = [sum(w * x[0] for w, x in zip(expected[i], v)) for i in range(2)]
    assert all(len(output[i]) == 1 and close(output[i][0], want_out[i], 1e-6) for i in range(2)), (
        f"output {output}, expected {[[round(x, 6)] for x in want_out]}: each output row has "
        f"d_v = 1 entry"
    )


def test_large_scores_do_not_overflow(exercise):
    q = [[400.0, 400.0]]
    k = [[2.0, 2.0], [1.0, 1.0]]
    v = [[1.0, 0.0], [0.0, 1.0]]
    try:
        weights, output = exercise.attention(q, k, v)
    except OverflowError:
        raise AssertionError(
            "attention overflowed with scores around 1000: use the stable softmax "
            "(subtract each row's maximum) inside attention too"
        ) from None
    assert close(weights[0][0], 1.0, 1e-9) and close(output[0][0], 1.0, 1e-9), (
        f"a score gap of about 566 puts all the weight on the first key, got {weights}"
    )
