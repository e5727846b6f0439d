"""Tests of exercise `qa_span`, on the Day 50 lesson's input: [CLS] who wrote bert ? [SEP]
bert was written by devlin and colleagues at google . [SEP] (17 tokens; the passage is
tokens 6 to 15)."""

from __future__ import annotations

EXERCISE = "qa_span"

CONTEXT = [0] * 6 + [1] * 10 + [0]


def scores(n: int, high: dict[int, float]) -> list[float]:
    return [high.get(i, 0.0) for i in range(n)]


def test_the_answer_devlin(exercise):
    start = scores(17, {10: 5.0, 6: 1.0})
    end = scores(17, {10: 4.0, 12: 3.5})
    got = exercise.best_span(start, end, CONTEXT)
    assert tuple(got[:2]) == (10, 10) and abs(got[2] - 9.0) < 1e-12, (
        f"expected the span (10, 10) 'devlin' with score 9.0, got {got}"
    )


def test_end_before_start_is_not_allowed(exercise):
    start = scores(17, {12: 6.0})
    end = scores(17, {8: 6.0, 13: 1.0})
    got = exercise.best_span(start, end, CONTEXT)
    assert tuple(got[:2]) == (12, 13), (
        f"got {got}: the highest start is 12 and the highest end 8, but a span cannot end "
        f"before it starts (j >= i); the best allowed span is (12, 13)"
    )


def test_question_tokens_are_not_answers(exercise):
    start = scores(17, {3: 9.0, 7: 2.0})  # "bert" in the QUESTION scores highest
    end = scores(17, {3: 9.0, 7: 2.0})
    got = exercise.best_span(start, end, CONTEXT)
    assert tuple(got[:2]) == (7, 7), (
        f"got {got}: token 3 is in the question; only passage tokens (context_mask 1) "
        f"may start or end the answer"
    )
    start = scores(17, {15: 5.0, 16: 9.0})
    end = scores(17, {16: 9.0, 15: 1.0})
    got = exercise.best_span(start, end, CONTEXT)
    assert tuple(got[:2]) == (15, 15), f"the final [SEP] (16) is not part of the passage, got {got}"


def test_not_the_two_argmaxes(exercise):
    # Best start 6, best end 15: but (6, 15) is too long, and 9 + 12 is the best span.
    start = scores(17, {6: 5.0, 9: 4.0})
    end = scores(17, {15: 5.0, 12: 4.5})
    got = exercise.best_span(start, end, CONTEXT, max_answer_length=5)
    assert tuple(got[:2]) == (9, 12) and abs(got[2] - 8.5) < 1e-12, (
        f"with max_answer_length=5, (6, 15) is 10 tokens long and not allowed; the best "
        f"allowed span is (9, 12) with 8.5, got {got}: score every allowed (i, j) pair "
        f"instead of taking the best start and the best end separately"
    )


def test_max_answer_length_counts_tokens(exercise):
    start = scores(17, {6: 5.0})
    end = scores(17, {9: 5.0, 10: 5.5, 8: 1.0})
    got = exercise.best_span(start, end, CONTEXT, max_answer_length=4)
    assert tuple(got[:2]) == (6, 9), (
        f"with max_answer_length=4 the span (6, 9) has 4 tokens and is allowed, (6, 10) "
        f"has 5 and is not; got {got}"
    )


def test_ties_keep_the_first_span(exercise):
    got = exercise.best_span([0.0, 1.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0, 1, 1, 0])
    assert tuple(got[:2]) == (1, 1), (
        f"(1, 1), (1, 2) and (2, 2) tie at 2.0: keep the first, (1, 1); got {got}"
    )


def test_no_passage_is_an_error(exercise):
    try:
        got = exercise.best_span([1.0, 2.0], [1.0, 2.0], [0, 0])
    except ValueError:
        return
    raise AssertionError(f"with no passage token there is no span; expected ValueError, got {got}")


def test_no_answer_when_cls_wins_by_more_than_the_threshold(exercise):
    start = scores(17, {0: 6.0, 10: 2.0})
    end = scores(17, {0: 6.0, 10: 2.0})  # null 12.0, best span 4.0
    assert exercise.answer(start, end, CONTEXT) is None, (
        "the [CLS] score 12.0 beats the best span's 4.0: answer None (no answer)"
    )
    got = exercise.answer(start, end, CONTEXT, null_threshold=8.0)
    assert got is not None and tuple(got) == (10, 10), (
        f"with null_threshold 8.0 the margin of exactly 8.0 is not MORE than the threshold: "
        f"answer (10, 10), got {got}"
    )
    got = exercise.answer(scores(17, {10: 3.0}), scores(17, {10: 3.0}), CONTEXT)
    assert got is not None and tuple(got) == (10, 10), (
        f"the span (10, 10) scores 6.0 against [CLS]'s 0.0: answer it, got {got}"
    )
