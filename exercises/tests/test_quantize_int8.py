"""Tests of exercise `quantize_int8`, with the production lesson's four weights."""

from __future__ import annotations

import random

EXERCISE = "quantize_int8"

LESSON = [0.31, -1.12, 0.07, 0.86]


def test_the_lessons_weights(exercise):
    q, scale = exercise.quantize(LESSON)
    assert abs(scale - 1.12 / 127) < 1e-12, (
        f"the scale should be max|w| / 127 = 1.12 / 127 = 0.008819, got {scale}: the largest "
        f"MAGNITUDE (here a negative weight) maps to 127"
    )
    assert list(q) == [35, -127, 8, 98], (
        f"the int8 values should be [35, -127, 8, 98] as in the lesson, got {q}: round "
        f"w / scale to the nearest integer (not towards 0)"
    )
    assert all(type(v) is int for v in q), (
        f"the int8 values should be Python ints, got {[type(v).__name__ for v in q]}"
    )


def test_dequantize(exercise):
    back = exercise.dequantize([35, -127, 8, 98], 1.12 / 127)
    want = [0.30866, -1.12, 0.07055, 0.86425]
    assert all(abs(b - w) < 1e-5 for b, w in zip(back, want)), (
        f"dequantize should give s * q = {want}, got {[round(b, 5) for b in back]}"
    )


def test_error_is_at_most_half_a_step(exercise):
    rng = random.Random(0)
    for _ in range(20):
        weights = [rng.gauss(0.0, 0.05) for _ in range(200)]
        q, scale = exercise.quantize(weights)
        assert all(-127 <= v <= 127 for v in q), (
            f"values must lie in [-127, 127], got {min(q)}..{max(q)}"
        )
        back = exercise.dequantize(q, scale)
        worst = max(abs(b - w) for b, w in zip(back, weights))
        assert worst <= scale / 2 + 1e-12, (
            f"a weight came back {worst:.6f} away, more than half a step ({scale / 2:.6f}): "
            f"round to the NEAREST integer, and scale by the largest |w| (not the mean)"
        )
        assert max(abs(v) for v in q) == 127, "the largest |w| should map to exactly +-127"


def test_positive_maximum(exercise):
    q, scale = exercise.quantize([2.54, -0.5, 1.0])
    assert abs(scale - 0.02) < 1e-12 and list(q) == [127, -25, 50], (
        f"expected scale 0.02 and [127, -25, 50], got {scale}, {q}"
    )


def test_all_zero_weights(exercise):
    try:
        q, scale = exercise.quantize([0.0, 0.0, 0.0])
    except ZeroDivisionError:
        raise AssertionError(
            "an all-zero tensor divided by zero: max|w| is 0, so the scale would be 0; use "
            "scale 1.0 (every weight is then exactly 0)"
        ) from None
    assert list(q) == [0, 0, 0] and scale == 1.0, (
        f"expected [0, 0, 0] and scale 1.0, got {q}, {scale}"
    )
    back = exercise.dequantize(q, scale)
    assert back == [0.0, 0.0, 0.0], f"zeros should come back as zeros, got {back}"


def test_empty_is_an_error(exercise):
    try:
        got = exercise.quantize([])
    except ValueError:
        return
    except Exception as exc:
        raise AssertionError(
            f"an empty list should raise ValueError, got {type(exc).__name__}"
        ) from None
    raise AssertionError(f"an empty list should raise ValueError, got {got}")


def test_weights_are_not_changed(exercise):
    weights = list(LESSON)
    exercise.quantize(weights)
    assert weights == LESSON, "quantize changed the weights it was given"
