"""Tests of exercise `electra_labels`, with the lesson's example: "the cat sat on the mat",
"sat" masked and the generator's sample "lay"."""

from __future__ import annotations

import math

EXERCISE = "electra_labels"

ORIGINAL = ["[CLS]", "the", "cat", "sat", "on", "the", "mat", "[SEP]", "[PAD]", "[PAD]"]
MASK = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]


def bce(z: float, y: int) -> float:
    p = 1 / (1 + math.exp(-z))
    return -(y * math.log(p) + (1 - y) * math.log(1 - p))


def test_corrupt(exercise):
    got = exercise.corrupt(ORIGINAL, {3: "lay"})
    want = ["[CLS]", "the", "cat", "lay", "on", "the", "mat", "[SEP]", "[PAD]", "[PAD]"]
    assert got == want, f"expected {want}, got {got}"
    assert ORIGINAL[3] == "sat", "corrupt changed the original list: copy it first"
    got = exercise.corrupt(["a", "b", "c"], {0: "x", 2: "c"})
    assert got == ["x", "b", "c"], f"got {got}"


def test_the_lessons_labels(exercise):
    corrupted = ["[CLS]", "the", "cat", "lay", "on", "the", "mat", "[SEP]", "[PAD]", "[PAD]"]
    got = exercise.discriminator_labels(ORIGINAL, corrupted)
    assert got == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0], (
        f"got {got}: every token gets a label, 1 only where the token was replaced ('lay')"
    )


def test_a_sample_equal_to_the_original_is_original(exercise):
    # "cat" and "mat" were masked; the generator sampled "cat" again and "rug".
    corrupted = exercise.corrupt(ORIGINAL, {2: "cat", 6: "rug"})
    got = exercise.discriminator_labels(ORIGINAL, corrupted)
    assert got == [0, 0, 0, 0, 0, 0, 1, 0, 0, 0], (
        f"got {got}: the generator sampled the original 'cat' at position 2, and that "
        f"token counts as ORIGINAL (0); only 'rug' is replaced"
    )


def test_loss_is_a_mean_over_real_tokens(exercise):
    logits = [-2.0, -1.0, 0.5, 3.0, -0.5, -2.0, 1.0, -3.0, 4.0, 4.0]
    labels = [0, 0, 0, 1, 0, 0, 1, 0, 0, 0]
    got = exercise.discriminator_loss(logits, labels, MASK)
    want = sum(bce(z, y) for z, y in zip(logits[:8], labels[:8])) / 8
    assert abs(got - want) < 1e-9, (
        f"expected {want:.6f}, got {got:.6f}: average the binary cross-entropy over the 8 "
        f"real tokens; the 2 [PAD] positions count in neither the sum nor the divisor"
    )


def test_loss_values(exercise):
    got = exercise.discriminator_loss([0.0], [1], [1])
    assert abs(got - math.log(2)) < 1e-12, (
        f"a logit of 0 gives p = 0.5 and loss ln 2 = 0.6931, got {got}"
    )
    got = exercise.discriminator_loss([2.0, -1.0], [1, 1], [1, 1])
    want = (bce(2.0, 1) + bce(-1.0, 1)) / 2
    assert abs(got - want) < 1e-12, (
        f"expected {want:.6f}, got {got:.6f}: the label 1 term is -ln sigmoid(z)"
    )
    got = exercise.discriminator_loss([2.0], [0], [1])
    assert abs(got - bce(2.0, 0)) < 1e-12, (
        f"label 0 with logit 2 should give {bce(2.0, 0):.6f}, got {got:.6f}"
    )


def test_large_logits(exercise):
    try:
        got = exercise.discriminator_loss([1000.0, -1000.0, 1000.0], [1, 0, 0], [1, 1, 1])
    except (OverflowError, ValueError) as exc:
        raise AssertionError(
            f"logits of +-1000 raised {type(exc).__name__}: sigmoid rounds to exactly 0 or 1 "
            f"and ln(0) fails; use max(z, 0) - z * y + ln(1 + e^-|z|)"
        ) from None
    assert abs(got - 1000.0 / 3) < 1e-9, (
        f"two confident right answers (loss 0) and one confident wrong (loss 1000): mean "
        f"333.33, got {got}"
    )


def test_all_padding_is_an_error(exercise):
    try:
        got = exercise.discriminator_loss([1.0, 2.0], [0, 0], [0, 0])
    except ValueError:
        return
    except ZeroDivisionError:
        raise AssertionError(
            "an all-zero attention mask divided by zero: raise a ValueError instead"
        ) from None
    raise AssertionError(f"an all-zero attention mask should raise ValueError, got {got}")
