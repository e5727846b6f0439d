"""Tests of exercise `pretraining_loss`, with the worked example of the Day 48 lesson:
chosen positions whose true tokens get probabilities 0.5465, 0.20 and 0.90, and NSP
probability 0.95 for the true label."""

from __future__ import annotations

import math

EXERCISE = "pretraining_loss"
X = -100


def logits_for(probabilities: list[float]) -> list[float]:
    """Logits whose softmax is exactly `probabilities` (plus an arbitrary shift)."""
    return [math.log(p) + 3.0 for p in probabilities]


# One sequence of 5 positions, a vocabulary of 3; positions 1, 2 and 4 were chosen.
LESSON_LOGITS = [
    [
        logits_for([0.2, 0.3, 0.5]),
        logits_for([0.5465, 0.3, 0.1535]),  # true token 0: p = 0.5465
        logits_for([0.4, 0.20, 0.4]),  # true token 1: p = 0.20
        logits_for([0.1, 0.1, 0.8]),
        logits_for([0.05, 0.05, 0.90]),  # true token 2: p = 0.90
    ]
]
LESSON_LABELS = [[X, 0, 1, X, 2]]
NSP_LOGITS = [logits_for([0.95, 0.05])]
NSP_LABELS = [0]


def test_log_softmax(exercise):
    got = exercise.log_softmax([1.0, 2.0, 3.0])
    want = [-2.4076059, -1.4076059, -0.4076059]
    assert all(abs(g - w) < 1e-6 for g, w in zip(got, want)), (
        f"log_softmax([1, 2, 3]) = {got}, expected {want}"
    )
    try:
        big = exercise.log_softmax([1000.0, 0.0])
    except (OverflowError, ValueError):
        raise AssertionError(
            "log_softmax([1000, 0]) failed: exp(1000) overflows. Use "
            "z - max - ln(sum(exp(z - max)))"
        ) from None
    assert abs(big[0]) < 1e-9 and abs(big[1] + 1000.0) < 1e-9, (
        f"log_softmax([1000, 0]) = {big}, expected [0, -1000]"
    )


def test_mlm_loss_of_the_lesson(exercise):
    got = exercise.mlm_loss(LESSON_LOGITS, LESSON_LABELS)
    want = -(math.log(0.5465) + math.log(0.20) + math.log(0.90)) / 3
    assert abs(got - want) < 1e-9, (
        f"L_MLM should be {want:.4f} (the lesson's 0.773), got {got:.4f}: the mean of -ln p "
        f"over the 3 chosen positions only; positions labelled -100 count in neither the "
        f"sum nor the divisor"
    )


def test_nsp_and_total_of_the_lesson(exercise):
    nsp = exercise.nsp_loss(NSP_LOGITS, NSP_LABELS)
    assert abs(nsp - -math.log(0.95)) < 1e-9, f"L_NSP should be -ln 0.95 = 0.0513, got {nsp:.4f}"
    total = exercise.pretraining_loss(LESSON_LOGITS, LESSON_LABELS, NSP_LOGITS, NSP_LABELS)
    want = -(math.log(0.5465) + math.log(0.20) + math.log(0.90)) / 3 - math.log(0.95)
    assert abs(total - want) < 1e-9, (
        f"the pre-training loss should be {want:.4f} (the lesson's 0.824), got {total:.4f}: "
        f"BERT SUMS the two terms, L = L_MLM + L_NSP (not their mean)"
    )


def test_mlm_mean_is_over_the_whole_batch(exercise):
    # Sequence 0 has one chosen position (p = 0.5), sequence 1 has three (p = 0.8 each).
    logits = [
        [logits_for([0.5, 0.5]), logits_for([0.5, 0.5])],
        [logits_for([0.8, 0.2]), logits_for([0.2, 0.8]), logits_for([0.8, 0.2])],
    ]
    labels = [[0, X], [0, 1, 0]]
    got = exercise.mlm_loss(logits, labels)
    want = -(math.log(0.5) + 3 * math.log(0.8)) / 4
    assert abs(got - want) < 1e-9, (
        f"expected {want:.4f}, got {got:.4f}: the MLM loss is ONE mean over the 4 chosen "
        f"positions of the batch (what cross_entropy on the flattened batch gives), not "
        f"the mean of each sequence's mean"
    )


def test_nsp_is_a_mean_over_the_batch(exercise):
    logits = [logits_for([0.9, 0.1]), logits_for([0.3, 0.7]), logits_for([0.6, 0.4])]
    got = exercise.nsp_loss(logits, [0, 1, 1])
    want = -(math.log(0.9) + math.log(0.7) + math.log(0.4)) / 3
    assert abs(got - want) < 1e-9, (
        f"L_NSP over 3 sequences should be {want:.4f}, got {got:.4f}: average -ln p(true "
        f"label) over the batch, and read the label of each sequence (1 = NotNext)"
    )


def test_large_logits_are_stable(exercise):
    logits = [[[1000.0, 0.0, -1000.0], [0.0, 1000.0, 999.0]]]
    try:
        got = exercise.mlm_loss(logits, [[0, 2]])
    except (OverflowError, ValueError):
        raise AssertionError(
            "large logits made mlm_loss fail: use the stable log_softmax"
        ) from None
    want = (0.0 + (1.0 + math.log(1 + math.exp(-1.0)))) / 2
    assert abs(got - want) < 1e-9, f"expected {want:.6f} for logits of 1000, got {got:.6f}"


def test_no_chosen_position_is_an_error(exercise):
    try:
        got = exercise.mlm_loss(LESSON_LOGITS, [[X, X, X, X, X]])
    except ValueError:
        return
    except ZeroDivisionError:
        raise AssertionError(
            "with no chosen position mlm_loss divided by zero: check first and raise a "
            "ValueError that says no position was chosen"
        ) from None
    raise AssertionError(f"with every label -100 mlm_loss returned {got}; expected a ValueError")
