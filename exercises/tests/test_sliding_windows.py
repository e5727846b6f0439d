"""Tests of exercise `sliding_windows`, with the production lesson's example: a
"document" of the 100 tokens 1 ... 100, max_length 32, stride 10."""

from __future__ import annotations

import itertools

EXERCISE = "sliding_windows"
CLS, SEP = 101, 102
DOC = list(range(1, 101))
P = [0.22, 0.31, 0.48, 0.83, 0.91]


def inner(window: list[int]) -> list[int]:
    return window[1:-1]


def test_the_lessons_windows(exercise):
    got = exercise.windows(DOC, 32, 10, CLS, SEP)
    spans = [(inner(w)[0], inner(w)[-1], len(w)) for w in got]
    want = [(1, 30, 32), (21, 50, 32), (41, 70, 32), (61, 90, 32), (81, 100, 22)]
    assert spans == want, (
        f"expected windows (first, last token, length) {want}, got {spans}: each holds "
        f"32 - 2 = 30 text tokens and starts 30 - 10 = 20 after the previous one (the "
        f"stride is the OVERLAP, not the step)"
    )
    for w in got:
        assert w[0] == CLS and w[-1] == SEP, (
            f"every window is [CLS] ... [SEP], got {w[:2]}...{w[-2:]}"
        )


def test_every_token_is_covered_in_order(exercise):
    for length, max_length, stride in ((100, 32, 10), (57, 12, 3), (10, 8, 0), (31, 10, 7)):
        doc = list(range(1, length + 1))
        got = exercise.windows(doc, max_length, stride, CLS, SEP)
        seen = sorted({t for w in got for t in inner(w)})
        assert seen == doc, (
            f"{length} tokens, max_length {max_length}, stride {stride}: some tokens are in no window"
        )
        for a, b in itertools.pairwise(got):
            shared = len(set(inner(a)) & set(inner(b)))
            assert shared == stride, (
                f"consecutive windows should share exactly {stride} tokens, got {shared}"
            )
        assert all(len(w) <= max_length for w in got), (
            f"a window is longer than max_length {max_length}"
        )
        assert inner(got[-1])[-1] == length, "the last window ends with the text's last token"
        assert len(got) == 1 or inner(got[-2])[-1] < length, (
            f"{length} tokens, max_length {max_length}, stride {stride}: the window before the "
            f"last already reached the end; stop there, the last window adds nothing new"
        )


def test_exact_end(exercise):
    # 50 tokens, 30 per window, step 20: windows 1-30, 21-50, and no third.
    got = exercise.windows(list(range(1, 51)), 32, 10, CLS, SEP)
    assert [(inner(w)[0], inner(w)[-1]) for w in got] == [(1, 30), (21, 50)], (
        f"50 tokens give two windows, 1-30 and 21-50; got "
        f"{[(inner(w)[0], inner(w)[-1]) for w in got]}"
    )


def test_a_short_text_is_one_window(exercise):
    got = exercise.windows([5, 6, 7], 32, 10, CLS, SEP)
    assert got == [[CLS, 5, 6, 7, SEP]], f"a text that fits is one window, got {got}"
    got = exercise.windows(list(range(30)), 32, 10, CLS, SEP)
    assert len(got) == 1, f"30 text tokens fill exactly one 32-token window, got {len(got)}"


def test_bad_strides(exercise):
    for stride in (30, 31, -1):
        try:
            got = exercise.windows(DOC, 32, stride, CLS, SEP)
        except ValueError:
            continue
        raise AssertionError(
            f"stride {stride} with 30 text tokens per window should raise ValueError (the "
            f"windows could never move on), got {len(got)} windows"
        )


def test_aggregate_as_in_the_lesson(exercise):
    checks = (
        ("mean", None, 0.55),
        ("weighted", [30, 30, 30, 30, 20], 0.524),
        ("max", None, 0.91),
        ("vote", None, 0.4),
    )
    for how, lengths, want in checks:
        got = exercise.aggregate(P, how, lengths)
        assert abs(got - want) < 5e-4, (
            f"aggregate({P}, {how!r}) should be {want} as in the lesson, got {got}"
        )


def test_aggregate_more_cases(exercise):
    assert abs(exercise.aggregate([0.9, 0.1], "weighted", [10, 30]) - 0.3) < 1e-12, (
        "weighted by lengths 10 and 30: (0.9 x 10 + 0.1 x 30) / 40 = 0.3"
    )
    assert exercise.aggregate([0.5, 0.5, 0.51], "vote") == 1 / 3, "a vote counts windows ABOVE 0.5"
    got = exercise.aggregate([0.7], "mean")
    assert got == 0.7, f"the mean of one window is its probability 0.7, got {got}"
    for args in (([], "mean"), ([0.5], "median"), ([0.5, 0.6], "weighted")):
        try:
            exercise.aggregate(*args)
        except ValueError:
            continue
        raise AssertionError(f"aggregate{args} should raise ValueError")
