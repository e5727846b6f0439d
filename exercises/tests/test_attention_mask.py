"""Tests of exercise `attention_mask`, with the scores of the self-attention lesson's worked
example (the cat sat). Plain Python: these also run in the lesson page."""

from __future__ import annotations

import math

EXERCISE = "attention_mask"

R2 = math.sqrt(2)
SCORES = [[0.0, 6 / R2, 2 / R2], [4 / R2, 0.0, 4 / R2], [2 / R2, 6 / R2, 4 / R2]]
UNMASKED = [[0.0134, 0.9316, 0.0551], [0.4856, 0.0287, 0.4856], [0.0454, 0.7679, 0.1867]]


def close_rows(got, want, tol=1e-4) -> bool:
    return len(got) == len(want) and all(
        len(g) == len(w) and all(abs(a - b) <= tol for a, b in zip(g, w)) for g, w in zip(got, want)
    )


def fmt(rows) -> str:
    return str([[round(x, 4) for x in row] for row in rows])


def test_no_mask_is_a_plain_softmax(exercise):
    got = exercise.masked_weights(SCORES)
    assert close_rows(got, UNMASKED), (
        f"without a mask the weights should be the lesson's {UNMASKED}, got {fmt(got)}: "
        f"a stable softmax along each row"
    )
    big = exercise.masked_weights([[1000.0, 1000.0], [1000.0, -1000.0]], [1, 1])
    assert close_rows(big, [[0.5, 0.5], [1.0, 0.0]]), (
        f"scores of +-1000 gave {big}: subtract the row's maximum before exp"
    )


def test_padding_masks_the_column_of_the_pad(exercise):
    got = exercise.masked_weights(SCORES, attention_mask=[1, 1, 0])
    want = [[0.0142, 0.9858, 0.0], [0.9442, 0.0558, 0.0], [0.0558, 0.9442, 0.0]]
    assert close_rows(got, want), (
        f"with 'sat' as [PAD] (attention_mask [1, 1, 0]) the weights should be {want}, got "
        f"{fmt(got)}: no query may attend to the pad, so mask its COLUMN in every row, "
        f"before the softmax, so that the other weights renormalise"
    )
    for i, row in enumerate(got):
        assert row[2] == 0.0, f"row {i} gives the [PAD] key weight {row[2]}: it must be exactly 0"
        assert abs(sum(row) - 1) < 1e-9, (
            f"row {i} sums to {sum(row):.4f}: zeroing weights after the softmax leaves rows "
            f"that no longer sum to 1; add the mask to the scores instead"
        )


def test_attention_mask_one_means_keep(exercise):
    got = exercise.masked_weights(SCORES, attention_mask=[0, 1, 1])
    for i, row in enumerate(got):
        assert row[0] == 0.0 and row[1] > 0 and row[2] > 0, (
            f"attention_mask [0, 1, 1] marks the FIRST token as padding (BERT: 1 = real "
            f"token, 0 = [PAD]); row {i} is {fmt([row])}"
        )


def test_causal_mask_blocks_the_future(exercise):
    got = exercise.masked_weights(SCORES, causal=True)
    want = [[1.0, 0.0, 0.0], [0.9442, 0.0558, 0.0], [0.0454, 0.7679, 0.1867]]
    assert close_rows(got, want), (
        f"the causal weights should be {want}, got {fmt(got)}: query i may see keys "
        f"j <= i (itself included), so only the pairs with j > i are blocked"
    )


def test_causal_and_padding_together(exercise):
    scores = [[0.5, 1.0, -1.0, 2.0], [1.0, 0.0, 0.0, 3.0], [0.0, 0.0, 0.0, 0.0], [2, 1, 0, -1]]
    got = exercise.masked_weights(scores, attention_mask=[1, 1, 1, 0], causal=True)
    e = math.exp
    want = [
        [1.0, 0.0, 0.0, 0.0],
        [e(1) / (e(1) + 1), 1 / (e(1) + 1), 0.0, 0.0],
        [1 / 3, 1 / 3, 1 / 3, 0.0],
        [e(2) / (e(2) + e(1) + 1), e(1) / (e(2) + e(1) + 1), 1 / (e(2) + e(1) + 1), 0.0],
    ]
    assert close_rows(got, want, 1e-9), (
        f"with a causal mask and the last token as padding, expected {fmt(want)}, got "
        f"{fmt(got)}: a pair is blocked if the key is padding OR lies after the query"
    )


def test_a_fully_masked_row_is_uniform_not_nan(exercise):
    try:
        got = exercise.masked_weights([[1.0, 2.0, 3.0], [0.0, 5.0, 1.0]], attention_mask=[0, 0, 0])
    except (ZeroDivisionError, ValueError, OverflowError) as exc:
        raise AssertionError(
            f"every key masked raised {type(exc).__name__}: add MASK_VALUE (the most negative "
            f"finite float) rather than -inf, and the row becomes uniform instead of 0/0"
        ) from None
    for row in got:
        assert not any(math.isnan(x) for x in row), (
            f"a row whose keys are all masked gave {row}: NaN would poison every later "
            f"layer; with MASK_VALUE instead of -inf the row is uniform"
        )
        assert all(abs(x - 1 / 3) < 1e-9 for x in row), (
            f"a row whose keys are all masked should be uniform (1/3 each), got {row}"
        )


def test_scores_are_not_changed(exercise):
    scores = [[1.0, 2.0], [3.0, 4.0]]
    exercise.masked_weights(scores, attention_mask=[1, 0], causal=True)
    assert scores == [[1.0, 2.0], [3.0, 4.0]], "masked_weights changed the scores it was given"
