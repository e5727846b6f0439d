"""Tests of exercise `span_corruption`, with the T5 paper's Figure 2 example (Day 49)."""

from __future__ import annotations

EXERCISE = "span_corruption"

TEXT = ["Thank", "you", "for", "inviting", "me", "to", "your", "party", "last", "week", "."]


def s(i: int) -> str:
    return f"<extra_id_{i}>"


def expect_value_error(call, why: str) -> None:
    try:
        got = call()
    except ValueError:
        return
    except Exception as exc:
        raise AssertionError(
            f"{why}: expected ValueError, got {type(exc).__name__}: {exc}"
        ) from None
    raise AssertionError(f"{why}: expected ValueError, got {got!r}")


def test_the_papers_example(exercise):
    inputs, targets = exercise.corrupt(TEXT, [(2, 2), (8, 1)])
    want_in = ["Thank", "you", s(0), "me", "to", "your", "party", s(1), "week", "."]
    want_out = [s(0), "for", "inviting", s(1), "last", s(2)]
    assert inputs == want_in, f"inputs should be {' '.join(want_in)}, got {' '.join(inputs)}"
    assert targets == want_out, (
        f"targets should be {' '.join(want_out)}, got {' '.join(targets)}: each sentinel "
        f"introduces the span it replaced, and one more sentinel ends the targets"
    )


def test_sentinels_follow_the_text_left_to_right(exercise):
    try:
        inputs, targets = exercise.corrupt(TEXT, [(8, 1), (0, 1), (4, 2)])
    except ValueError as exc:
        raise AssertionError(
            f"the spans (8,1), (0,1), (4,2) are valid but came in another order, and corrupt "
            f"raised ValueError: {exc}. Sort the spans by start before anything else"
        ) from None
    want_in = [s(0), "you", "for", "inviting", s(1), "your", "party", s(2), "week", "."]
    want_out = [s(0), "Thank", s(1), "me", "to", s(2), "last", s(3)]
    assert inputs == want_in and targets == want_out, (
        f"spans given as (8,1), (0,1), (4,2): the LEFTMOST span gets <extra_id_0>. Expected "
        f"inputs {' '.join(want_in)} / targets {' '.join(want_out)}, got {' '.join(inputs)} / "
        f"{' '.join(targets)}"
    )


def test_spans_at_both_ends(exercise):
    inputs, targets = exercise.corrupt(["a", "b", "c", "d"], [(0, 1), (3, 1)])
    assert inputs == [s(0), "b", "c", s(1)] and targets == [s(0), "a", s(1), "d", s(2)], (
        f"spans at the very start and end: got {inputs} / {targets}"
    )
    inputs, targets = exercise.corrupt(["a", "b"], [])
    assert inputs == ["a", "b"] and targets == [s(0)], (
        f"with no span the inputs are unchanged and the targets only the final sentinel, got {inputs} / {targets}"
    )


def test_the_tokens_are_not_changed(exercise):
    tokens = list(TEXT)
    exercise.corrupt(tokens, [(2, 2)])
    assert tokens == TEXT, "corrupt changed the list of tokens it was given"


def test_bad_spans(exercise):
    expect_value_error(
        lambda: exercise.corrupt(TEXT, [(2, 3), (4, 1)]), "overlapping spans (2,3) and (4,1)"
    )
    expect_value_error(
        lambda: exercise.corrupt(TEXT, [(2, 2), (4, 1)]), "touching spans (2,2) and (4,1)"
    )
    expect_value_error(lambda: exercise.corrupt(TEXT, [(10, 2)]), "a span past the end")
    expect_value_error(lambda: exercise.corrupt(TEXT, [(3, 0)]), "an empty span")


def test_sentinel_ids_count_down(exercise):
    got = [exercise.sentinel_id(i) for i in (0, 1, 2, 99)]
    assert got == [32099, 32098, 32097, 32000], (
        f"sentinel ids 0, 1, 2, 99 should be 32099, 32098, 32097, 32000, got {got}: T5's "
        f"<extra_id_0> is the LAST id of the 32,100-entry vocabulary and the others count down"
    )
    assert exercise.sentinel_id(0, vocab_size=250112) == 250111, "use the vocab_size you are given"
    expect_value_error(lambda: exercise.sentinel_id(100), "sentinel 100 (T5 has 0 to 99)")
    expect_value_error(lambda: exercise.sentinel_id(-1), "sentinel -1")


def test_span_budget(exercise):
    for length, want in ((512, (77, 26)), (11, (2, 1)), (100, (15, 5)), (40, (6, 2))):
        got = tuple(exercise.span_budget(length))
        assert got == want, (
            f"span_budget({length}) = {got}, expected {want}: noise tokens "
            f"round({length} x 0.15), spans round(noise / 3)"
        )
    assert tuple(exercise.span_budget(3)) == (1, 1), "3 tokens: at least 1 noise token and 1 span"
    assert tuple(exercise.span_budget(2, noise_density=0.9)) == (1, 1), (
        "at most length - 1 noise tokens: something must stay in the input"
    )
    assert tuple(exercise.span_budget(100, 0.5, 10.0)) == (50, 5), (
        "use noise_density and mean_span_length"
    )
