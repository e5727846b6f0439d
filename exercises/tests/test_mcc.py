"""Tests of exercise `mcc`, with the CoLA lesson's confusion matrix: TP 313, TN 42,
FP 120, FN 41 (MCC 0.1812, accuracy 68.8 %)."""

from __future__ import annotations

EXERCISE = "mcc"


def lists(tp: int, tn: int, fp: int, fn: int) -> tuple[list[int], list[int]]:
    labels = [1] * tp + [0] * tn + [0] * fp + [1] * fn
    predictions = [1] * tp + [0] * tn + [1] * fp + [0] * fn
    return labels, predictions


def test_confusion(exercise):
    labels, predictions = [1, 0, 1, 1, 0, 0, 1, 1], [1, 0, 0, 1, 1, 0, 0, 1]
    got = tuple(exercise.confusion(labels, predictions))
    assert got == (3, 2, 1, 2), (
        f"expected (tp, tn, fp, fn) = (3, 2, 1, 2), got {got}: 1 is the positive class; a "
        f"true negative is label 0 predicted 0; a false positive is a "
        f"PREDICTED 1 whose label is 0, a false negative a predicted 0 whose label is 1"
    )


def test_the_lessons_matrix(exercise):
    labels, predictions = lists(313, 42, 120, 41)
    got = exercise.mcc(labels, predictions)
    assert abs(got - 0.181195) < 1e-5, (
        f"MCC of the lesson's matrix should be 0.1812, got {got:.4f}: (313 x 42 - 120 x 41) / "
        f"sqrt(433 x 354 x 162 x 83)"
    )


def test_perfect_inverse_and_chance(exercise):
    labels = [1, 0, 1, 1, 0, 1, 0, 0]
    assert abs(exercise.mcc(labels, labels) - 1.0) < 1e-12, "perfect predictions give +1"
    inverse = [1 - y for y in labels]
    assert abs(exercise.mcc(labels, inverse) + 1.0) < 1e-12, (
        f"always-wrong predictions give -1, got {exercise.mcc(labels, inverse)}"
    )
    chance = [1, 1, 0, 0, 1, 1, 0, 0]  # 2 TP, 2 TN, 2 FP, 2 FN
    assert abs(exercise.mcc(labels, chance)) < 1e-12, "as many right as wrong in every cell gives 0"


def test_constant_predictions_give_zero(exercise):
    labels, _ = lists(313, 42, 120, 41)
    for constant in (1, 0):
        try:
            got = exercise.mcc(labels, [constant] * len(labels))
        except ZeroDivisionError:
            raise AssertionError(
                f"predicting {constant} for every sentence divided by zero: one factor of the "
                f"denominator is 0; return 0.0 then, as scikit-learn does"
            ) from None
        assert got == 0.0, (
            f"predicting {constant} every time should give MCC 0.0, got {got}: MCC does not "
            f"reward predicting the majority class (accuracy would be 68.6 %)"
        )
    assert exercise.mcc([1, 1, 1], [1, 0, 1]) == 0.0, (
        "labels of a single class give a zero denominator: 0.0"
    )


def test_asymmetric_matrices(exercise):
    for cells, want in (
        ((5, 3, 1, 2), 0.4485426),
        ((10, 1, 0, 9), 0.2294157),
        ((1, 50, 3, 0), 0.4856429),
    ):
        labels, predictions = lists(*cells)
        got = exercise.mcc(labels, predictions)
        assert abs(got - want) < 1e-6, (
            f"TP, TN, FP, FN = {cells} should give MCC {want:.4f}, got {got:.4f}: the "
            f"denominator is the square root of the PRODUCT of the four sums"
        )


def test_order_does_not_matter(exercise):
    labels, predictions = lists(313, 42, 120, 41)
    labels_r, predictions_r = labels[::-1], predictions[::-1]
    first, second = exercise.mcc(labels, predictions), exercise.mcc(labels_r, predictions_r)
    assert abs(first - second) < 1e-12, (
        f"the same pairs in reverse order gave MCC {second} instead of {first}: MCC depends "
        f"only on the four counts"
    )


def test_bad_input(exercise):
    for labels, predictions, why in (
        ([1, 0], [1], "2 labels, 1 prediction"),
        ([], [], "no examples"),
    ):
        try:
            exercise.mcc(labels, predictions)
        except ValueError:
            continue
        except Exception as exc:
            raise AssertionError(f"{why}: expected ValueError, got {type(exc).__name__}") from None
        raise AssertionError(f"{why}: expected ValueError")
