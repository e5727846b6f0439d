"""Tests of exercise `compute_metrics`: accuracy and positive-class F1 from logits."""

from __future__ import annotations

EXERCISE = "compute_metrics"

# 6 examples, 2 classes. Predictions (argmax): 1, 0, 1, 1, 0, 0; labels: 1, 0, 0, 1, 1, 0.
LOGITS = [[0.1, 2.0], [1.5, -0.3], [0.2, 0.9], [-1.0, 0.0], [3.0, 2.9], [0.0, -2.0]]
LABELS = [1, 0, 0, 1, 1, 0]


def test_argmax(exercise):
    for row, want in (([0.1, 2.0, -1.0], 1), ([5.0, 2.0], 0), ([-3.0, -1.0, -2.0], 1)):
        got = exercise.argmax(row)
        assert got == want, f"argmax({row}) = {got}, expected {want}"
    got = exercise.argmax([1.0, 3.0, 3.0])
    assert got == 1, f"argmax([1, 3, 3]) = {got}: on a tie take the FIRST largest (as np.argmax)"


def test_accuracy_and_f1(exercise):
    got = exercise.compute_metrics((LOGITS, LABELS))
    assert set(got) == {"accuracy", "f1"}, (
        f"return exactly the keys accuracy and f1, got {sorted(got)}"
    )
    assert abs(got["accuracy"] - 4 / 6) < 1e-12, (
        f"accuracy should be 4/6 = 0.6667, got {got['accuracy']}: compare the argmax of "
        f"each ROW (one example) with its label"
    )
    # tp = 2, fp = 1, fn = 1: precision 2/3, recall 2/3, F1 2/3.
    assert abs(got["f1"] - 2 / 3) < 1e-12, (
        f"F1 of class 1 should be 0.6667 (tp 2, fp 1, fn 1), got {got['f1']}"
    )


def test_f1_is_not_accuracy(exercise):
    logits = [[0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0], [1.0, 0.0]]
    labels = [1, 0, 0, 0, 0]
    got = exercise.compute_metrics((logits, labels))
    # tp 1, fp 2, fn 0: precision 1/3, recall 1, F1 0.5; accuracy 3/5.
    assert abs(got["accuracy"] - 0.6) < 1e-12, f"accuracy should be 0.6, got {got['accuracy']}"
    assert abs(got["f1"] - 0.5) < 1e-12, (
        f"F1 should be 0.5 (precision 1/3, recall 1), got {got['f1']}: "
        f"F1 = 2PR / (P + R), the harmonic mean, for class 1 only"
    )


def test_no_positive_prediction_gives_f1_zero(exercise):
    try:
        got = exercise.compute_metrics(([[2.0, 1.0], [3.0, 0.0]], [1, 0]))
    except ZeroDivisionError:
        raise AssertionError(
            "no example was predicted positive and compute_metrics divided by zero: with "
            "no true positive, F1 is 0.0"
        ) from None
    assert got["f1"] == 0.0 and got["accuracy"] == 0.5, f"expected f1 0.0, accuracy 0.5, got {got}"


def test_three_classes(exercise):
    logits = [[0.1, 0.2, 3.0], [2.0, 0.0, 1.0], [0.0, 5.0, 1.0], [0.0, 0.0, 1.0]]
    got = exercise.compute_metrics((logits, [2, 0, 1, 1]))
    # predictions 2, 0, 1, 2: accuracy 3/4; class 1: tp 1, fp 0, fn 1: F1 2/3.
    assert abs(got["accuracy"] - 0.75) < 1e-12 and abs(got["f1"] - 2 / 3) < 1e-12, (
        f"with 3 classes expected accuracy 0.75 and class-1 F1 0.6667, got {got}"
    )


def test_values_are_python_floats(exercise):
    got = exercise.compute_metrics(([[0.0, 1.0]], [1]))
    assert all(type(v) is float for v in got.values()), (
        f"Trainer logs these values as JSON: return Python floats, got "
        f"{ {k: type(v).__name__ for k, v in got.items()} }"
    )
    assert got == {"accuracy": 1.0, "f1": 1.0}, (
        f"one right positive example: expected 1.0 and 1.0, got {got}"
    )


def test_mismatched_or_empty_input(exercise):
    for logits, labels, why in (
        ([[0.0, 1.0]], [1, 0], "1 row of logits for 2 labels"),
        ([], [], "no examples"),
    ):
        try:
            exercise.compute_metrics((logits, labels))
        except ValueError:
            continue
        except Exception as exc:
            raise AssertionError(
                f"{why}: expected ValueError, got {type(exc).__name__}: {exc}"
            ) from None
        raise AssertionError(f"{why}: expected a ValueError, nothing was raised")
