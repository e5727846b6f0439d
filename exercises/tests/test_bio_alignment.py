"""Tests of exercise `bio_alignment`, with the Day 50 lesson's sentence "Angela Merkel
visited Wolfsburg on Tuesday" (mer ##kel, wolf ##sburg)."""

from __future__ import annotations

EXERCISE = "bio_alignment"
X = -100

TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]
LABEL2ID = {tag: i for i, tag in enumerate(TAGS)}
ID2LABEL = dict(enumerate(TAGS))

# [CLS] angela mer ##kel visited wolf ##sburg on tuesday [SEP]
WORD_IDS = [None, 0, 1, 1, 2, 3, 3, 4, 5, None]
WORD_TAGS = ["B-PER", "I-PER", "O", "B-LOC", "O", "O"]


def names(ids) -> list:
    return [ID2LABEL.get(i, i) for i in ids]


def test_lessons_table(exercise):
    got = exercise.align_labels(WORD_IDS, WORD_TAGS, LABEL2ID)
    want = [X, 1, 2, X, 0, 3, X, 0, 0, X]
    assert got == want, (
        f"expected {names(want)}, got {names(got)}: the first piece of each word gets the "
        f"word's tag; later pieces (##kel, ##sburg) and [CLS]/[SEP] get -100"
    )


def test_special_tokens_are_ignored_not_outside(exercise):
    got = exercise.align_labels([None, 0, None, None], ["O"], LABEL2ID)
    assert got == [X, 0, X, X], (
        f"got {names(got)}: [CLS], [SEP] and [PAD] are not words; they get -100 (ignored "
        f"by the loss), not the label of O"
    )


def test_a_word_of_three_pieces_starting_an_entity(exercise):
    # [CLS] volks ##wag ##en chief [SEP]
    word_ids, tags = [None, 0, 0, 0, 1, None], ["B-ORG", "O"]
    got = exercise.align_labels(word_ids, tags, LABEL2ID)
    assert got == [X, 5, X, X, 0, X], (
        f"expected only the first piece of 'volkswagen' labelled, got {names(got)}"
    )
    got = exercise.align_labels(word_ids, tags, LABEL2ID, label_all_pieces=True)
    want = [X, 5, 6, 6, 0, X]
    assert got == want, (
        f"with label_all_pieces expected {names(want)}, got {names(got)}: the pieces after "
        f"the first continue the entity, so B-ORG becomes I-ORG on them"
    )


def test_label_all_pieces_on_the_lesson(exercise):
    got = exercise.align_labels(WORD_IDS, WORD_TAGS, LABEL2ID, label_all_pieces=True)
    want = [X, 1, 2, 2, 0, 3, 4, 0, 0, X]
    assert got == want, (
        f"expected {names(want)}, got {names(got)}: ##kel continues I-PER (stays I-PER), "
        f"##sburg continues B-LOC (becomes I-LOC), and special tokens stay -100"
    )


def test_two_sequences_of_a_pair(exercise):
    # A pair of one-word question and a passage: word ids restart after [SEP], so word 0
    # is on both sides of it.
    word_ids = [None, 0, None, 0, 0, 1, None]
    got = exercise.align_labels(word_ids, ["B-LOC", "O"], LABEL2ID)
    assert got == [X, 3, X, 3, X, 0, X], (
        f"got {names(got)}: after a special token, word 0 starts again, so its first "
        f"piece is labelled again (compare with the previous TOKEN's word id)"
    )


def test_word_predictions(exercise):
    predicted = [0, 1, 2, 5, 0, 3, 4, 0, 0, 0]
    got = exercise.word_predictions(WORD_IDS, predicted, ID2LABEL)
    want = ["B-PER", "I-PER", "O", "B-LOC", "O", "O"]
    assert got == want, (
        f"expected one tag per word {want}, got {got}: read the prediction at each word's "
        f"first piece and skip the other pieces and the special tokens"
    )
    assert len(exercise.word_predictions([None, 0, 0, 0, None], [1, 1, 2, 2, 0], ID2LABEL)) == 1, (
        "one word of three pieces gives one predicted tag"
    )


def test_inputs_are_not_changed(exercise):
    word_ids, tags = list(WORD_IDS), list(WORD_TAGS)
    exercise.align_labels(word_ids, tags, LABEL2ID, label_all_pieces=True)
    assert word_ids == WORD_IDS and tags == WORD_TAGS, "align_labels changed its inputs"
