"""Tests of exercise `dynamic_padding`, with the CoLA lesson's two sentences: "they drank
the pub dry" and "they drank the pub" ([CLS] = 101, [SEP] = 102, [PAD] = 0)."""

from __future__ import annotations

EXERCISE = "dynamic_padding"

DRY = {"input_ids": [101, 2027, 10749, 1996, 9047, 4318, 102], "label": 1}
PUB = {"input_ids": [101, 2027, 10749, 1996, 9047, 102], "label": 0}


def copy(feature: dict) -> dict:
    return {"input_ids": list(feature["input_ids"]), "label": feature["label"]}


def test_the_lessons_batch(exercise):
    got = exercise.collate([copy(DRY), copy(PUB)])
    assert got["input_ids"] == [DRY["input_ids"], PUB["input_ids"] + [0]], (
        f"input_ids should be the two rows padded on the right to 7, the longest row of THIS "
        f"batch (not a fixed max_length); got {got['input_ids']}"
    )
    assert got["attention_mask"] == [[1] * 7, [1] * 6 + [0]], (
        f"attention_mask should be [1]*7 and [1]*6 + [0] (the lesson's tensor([1, 1, 1, 1, 1, 1, 0])), "
        f"got {got['attention_mask']}: 1 for a real token, 0 for padding"
    )
    assert got["labels"] == [1, 0], f"labels should be [1, 0], got {got['labels']}"


def test_padding_goes_on_the_right(exercise):
    got = exercise.collate(
        [{"input_ids": [101, 7, 102], "label": 0}, {"input_ids": [101, 102], "label": 1}]
    )
    assert got["input_ids"][1] == [101, 102, 0], (
        f"the short row became {got['input_ids'][1]}: BERT pads on the right, after [SEP], "
        f"so that [CLS] stays at position 0"
    )
    assert got["attention_mask"][1] == [1, 1, 0], (
        f"its mask should be [1, 1, 0], got {got['attention_mask'][1]}"
    )


def test_pad_id_and_multiple(exercise):
    features = [{"input_ids": [1, 2, 3, 4, 5], "label": 1}, {"input_ids": [1, 2], "label": 0}]
    got = exercise.collate([copy(f) for f in features], pad_id=-1, pad_to_multiple_of=8)
    assert got["input_ids"] == [[1, 2, 3, 4, 5, -1, -1, -1], [1, 2] + [-1] * 6], (
        f"with pad_id -1 and pad_to_multiple_of 8, the longest row 5 rounds UP to 8: got "
        f"{got['input_ids']}"
    )
    assert got["attention_mask"] == [[1] * 5 + [0] * 3, [1] * 2 + [0] * 6], (
        f"got {got['attention_mask']}"
    )
    exact = exercise.collate([{"input_ids": list(range(8)), "label": 0}], pad_to_multiple_of=8)
    assert exact["input_ids"] == [list(range(8))], (
        "a row of exactly 8 needs no padding to a multiple of 8"
    )


def test_every_batch_has_its_own_width(exercise):
    short = exercise.collate([{"input_ids": [101, 5, 102], "label": 0}])
    assert short["input_ids"] == [[101, 5, 102]] and short["attention_mask"] == [[1, 1, 1]], (
        f"a batch of one 3-token sentence needs no padding at all, got {short}"
    )


def test_features_are_not_changed(exercise):
    features = [copy(DRY), copy(PUB)]
    exercise.collate(features)
    assert features == [DRY, PUB], (
        "collate changed the features (padding appended to the caller's lists?): pad a copy, "
        "or the next epoch starts from padded sentences"
    )


def test_empty_batch(exercise):
    try:
        got = exercise.collate([])
    except ValueError:
        return
    except Exception as exc:
        raise AssertionError(
            f"an empty batch should raise ValueError, got {type(exc).__name__}"
        ) from None
    raise AssertionError(f"an empty batch should raise ValueError, got {got}")
