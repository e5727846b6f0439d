"""Tests of exercise `t5_format`, with the examples of the T5 paper's Figure 1 (Day 49)."""

from __future__ import annotations

EXERCISE = "t5_format"


def test_cola(exercise):
    got = exercise.to_text("cola", {"sentence": "The course is jumping well.", "label": 0})
    assert tuple(got) == ("cola sentence: The course is jumping well.", "unacceptable"), (
        f"got {got}: the input is the prefix 'cola sentence: ' and the sentence; label 0 is "
        f"'unacceptable', 1 is 'acceptable'"
    )
    got = exercise.to_text("cola", {"sentence": "They drank the pub dry.", "label": 1})
    assert got[1] == "acceptable", f"CoLA label 1 is 'acceptable', got {got[1]!r}"


def test_sst2(exercise):
    got = exercise.to_text("sst2", {"sentence": "a warm, funny film", "label": 1})
    assert tuple(got) == ("sst2 sentence: a warm, funny film", "positive"), f"got {got}"


def test_mnli_puts_the_hypothesis_first(exercise):
    example = {"premise": "A man plays a guitar.", "hypothesis": "A man makes music.", "label": 0}
    got = exercise.to_text("mnli", example)
    want = ("mnli hypothesis: A man makes music. premise: A man plays a guitar.", "entailment")
    assert tuple(got) == want, (
        f"expected {want}, got {got}: T5's MNLI prefix is 'mnli hypothesis: ... premise: ...'"
    )
    labels = [exercise.to_text("mnli", {**example, "label": i})[1] for i in range(3)]
    assert labels == ["entailment", "neutral", "contradiction"], (
        f"MNLI labels 0, 1, 2 gave {labels}"
    )


def test_stsb_rounds_to_the_nearest_fifth(exercise):
    example = {
        "sentence1": "The rhino grazed on the grass.",
        "sentence2": "A rhino is grazing in a field.",
    }
    source, target = exercise.to_text("stsb", {**example, "label": 3.75})
    assert source == (
        "stsb sentence1: The rhino grazed on the grass. sentence2: A rhino is grazing in a field."
    ), f"got {source!r}"
    assert target == "3.8", f"3.75 rounds to the nearest 0.2, 3.8; got {target!r}"
    for score, want in (
        (3.69, "3.6"),
        (3.71, "3.8"),
        (0.0, "0.0"),
        (5.0, "5.0"),
        (2.13, "2.2"),
        (4.49, "4.4"),
    ):
        got = exercise.to_text("stsb", {**example, "label": score})[1]
        assert got == want, (
            f"score {score} should become {want!r}, got {got!r}: round to the nearest 0.2 "
            f"(round(x * 5) / 5), then write one decimal"
        )


def test_unknown_task(exercise):
    try:
        got = exercise.to_text("squad", {"question": "q"})
    except ValueError:
        return
    except Exception as exc:
        raise AssertionError(
            f"an unknown task should raise ValueError, got {type(exc).__name__}"
        ) from None
    raise AssertionError(f"an unknown task should raise ValueError, got {got}")


def test_outputs_back_to_labels(exercise):
    for task, text, want in (
        ("cola", "acceptable", 1),
        ("cola", "unacceptable", 0),
        ("cola", " acceptable\n", 1),
        ("sst2", "negative", 0),
        ("mnli", "contradiction", 2),
        ("mnli", "neutral", 1),
    ):
        got = exercise.from_text(task, text)
        assert got == want, f"from_text({task!r}, {text!r}) = {got!r}, expected {want}"


def test_invalid_outputs_are_none(exercise):
    for task, text in (
        ("cola", "not acceptable"),
        ("cola", "positive"),
        ("sst2", "Positive!"),
        ("mnli", ""),
        ("stsb", "very similar"),
        ("stsb", "7.4"),
    ):
        got = exercise.from_text(task, text)
        assert got is None, (
            f"from_text({task!r}, {text!r}) = {got!r}: an output that is not one of the "
            f"task's labels counts as wrong, so return None (never a default class)"
        )


def test_stsb_outputs_are_floats(exercise):
    got = exercise.from_text("stsb", "3.8")
    assert isinstance(got, float) and abs(got - 3.8) < 1e-12, (
        f"from_text('stsb', '3.8') = {got!r}, expected 3.8"
    )
    assert exercise.from_text("stsb", "0.0") == 0.0, "'0.0' is a valid score (0.0), not None"
