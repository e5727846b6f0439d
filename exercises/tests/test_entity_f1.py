"""Tests of exercise `entity_f1`, with the Day 50 lesson's worked example (P = R = F1 = 0.50
while token accuracy is 81.8 %)."""

from __future__ import annotations

EXERCISE = "entity_f1"

GOLD = ["B-PER", "I-PER", "O", "B-LOC", "O", "O", "O", "B-ORG", "O", "B-PER", "I-PER"]
PRED = ["B-PER", "O", "O", "B-ORG", "O", "O", "O", "B-ORG", "O", "B-PER", "I-PER"]


def close(a: float, b: float) -> bool:
    return abs(a - b) < 1e-12


def test_entities_of_the_lesson(exercise):
    got = exercise.entities(GOLD)
    want = {("PER", 0, 1), ("LOC", 3, 3), ("ORG", 7, 7), ("PER", 9, 10)}
    assert set(got) == want, (
        f"the gold entities should be {sorted(want)}, got {sorted(got)}: (type, first word, "
        f"last word), the last word INCLUDED"
    )
    got = exercise.entities(PRED)
    want = {("PER", 0, 0), ("ORG", 3, 3), ("ORG", 7, 7), ("PER", 9, 10)}
    assert set(got) == want, f"the predicted entities should be {sorted(want)}, got {sorted(got)}"


def test_entities_at_the_end_and_back_to_back(exercise):
    got = exercise.entities(["O", "B-LOC", "I-LOC"])
    assert set(got) == {("LOC", 1, 2)}, (
        f"an entity that ends the sentence must be closed too, got {got}"
    )
    got = exercise.entities(["B-PER", "B-PER", "I-PER"])
    assert set(got) == {("PER", 0, 0), ("PER", 1, 2)}, (
        f"B-PER B-PER I-PER is two persons, (0, 0) and (1, 2); got {sorted(got)}: a B- "
        f"always starts a new entity"
    )


def test_stray_i_tags(exercise):
    got = exercise.entities(["O", "I-ORG", "I-ORG", "O"])
    assert set(got) == {("ORG", 1, 2)}, (
        f"an I-ORG after O starts an entity (conlleval's reading): expected ORG (1, 2), got {sorted(got)}"
    )
    got = exercise.entities(["B-PER", "I-LOC", "I-LOC"])
    assert set(got) == {("PER", 0, 0), ("LOC", 1, 2)}, (
        f"I-LOC cannot continue a PER: B-PER I-LOC I-LOC is PER (0, 0) and LOC (1, 2), got {sorted(got)}"
    )
    got = exercise.entities(["O", "O"])
    assert set(got) == set(), f"all O: no entity, got {got}"


def test_the_lessons_scores(exercise):
    got = exercise.entity_scores([GOLD], [PRED])
    assert set(got) == {"precision", "recall", "f1"}, (
        f"return precision, recall and f1, got {sorted(got)}"
    )
    for key in ("precision", "recall", "f1"):
        assert close(got[key], 0.5), (
            f"{key} should be 0.50 (2 of 4 predicted entities match a gold one exactly), "
            f"got {got[key]}: a span that is too short or has the wrong type does not count, "
            f"and this is not token accuracy (9 of 11)"
        )


def test_precision_and_recall_differ(exercise):
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-ORG"]]
    pred = [["B-PER", "I-PER", "O", "O"], ["B-MISC", "B-ORG"]]
    got = exercise.entity_scores(gold, pred)
    # gold: 3 entities; predicted: 3; correct: PER (0, 1) and ORG (1, 1) of sentence 2.
    assert close(got["precision"], 2 / 3) and close(got["recall"], 2 / 3), (
        f"3 gold and 3 predicted entities, 2 exactly right: P = R = 0.667, got {got} (MISC "
        f"(0, 0) matches nothing, and the LOC was missed)"
    )
    pred = [["B-PER", "I-PER", "O", "O"], ["O", "O"]]
    got = exercise.entity_scores(gold, pred)
    assert close(got["precision"], 1.0) and close(got["recall"], 1 / 3) and close(got["f1"], 0.5), (
        f"1 correct of 1 predicted and of 3 gold: P 1.0, R 0.333, F1 0.5; got {got}: recall "
        f"divides by the GOLD entities, precision by the predicted ones"
    )


def test_micro_average_over_sentences(exercise):
    gold = [["B-PER"], ["B-LOC", "O", "B-LOC", "O", "B-LOC"]]
    pred = [["B-PER"], ["B-LOC", "O", "O", "O", "O"]]
    got = exercise.entity_scores(gold, pred)
    # Summed: 2 correct, 2 predicted, 4 gold. Averaging per sentence would give R = 2/3.
    assert close(got["precision"], 1.0) and close(got["recall"], 0.5), (
        f"expected P 1.0 and R 0.5 (2 correct of 2 predicted and of 4 gold, counted over "
        f"ALL sentences before dividing), got {got}"
    )


def test_nothing_predicted_or_nothing_to_find(exercise):
    try:
        got = exercise.entity_scores([["B-PER", "O"]], [["O", "O"]])
    except ZeroDivisionError:
        raise AssertionError(
            "with no predicted entity, precision is 0/0: return 0.0 (and F1 0.0) instead of dividing"
        ) from None
    assert got == {"precision": 0.0, "recall": 0.0, "f1": 0.0}, (
        f"nothing predicted: all 0.0, got {got}"
    )
    got = exercise.entity_scores([["O", "O"]], [["B-PER", "O"]])
    assert got == {"precision": 0.0, "recall": 0.0, "f1": 0.0}, (
        f"a wrong entity and none to find: all 0.0, got {got}"
    )


def test_mismatched_input(exercise):
    for gold, pred, why in (
        ([GOLD], [PRED, PRED], "1 gold sentence, 2 predicted"),
        ([GOLD], [PRED[:-1]], "11 gold tags, 10 predicted"),
    ):
        try:
            exercise.entity_scores(gold, pred)
        except ValueError:
            continue
        raise AssertionError(f"{why}: expected ValueError")
