"""Tests of exercise `gradual_unfreezing`, on the parameter names of a 12-layer
BertForSequenceClassification (and of a 6-layer one)."""

from __future__ import annotations

EXERCISE = "gradual_unfreezing"

EMB = "bert.embeddings.word_embeddings.weight"
HEAD = ("classifier.weight", "classifier.bias", "bert.pooler.dense.weight")


def layer(i: int, rest: str = "attention.self.query.weight") -> str:
    return f"bert.encoder.layer.{i}.{rest}"


def trainable_layers(exercise, epoch: int, num_layers: int) -> list[int]:
    return [i for i in range(num_layers) if exercise.is_trainable(layer(i), epoch, num_layers)]


def test_layer_of(exercise):
    for name, want in (
        (EMB, "embeddings"),
        ("bert.embeddings.LayerNorm.bias", "embeddings"),
        (layer(0), 0),
        (layer(1, "output.dense.bias"), 1),
        (layer(10, "output.LayerNorm.weight"), 10),
        (layer(11), 11),
        ("bert.pooler.dense.bias", "head"),
        ("classifier.weight", "head"),
    ):
        got = exercise.layer_of(name)
        assert got == want, f"layer_of({name!r}) = {got!r}, expected {want!r}"


def test_layer_of_rejects_other_names(exercise):
    for name in ("lm_head.weight", "encoder.layer.3.weight", "bert.encoder.layer.x.weight"):
        try:
            got = exercise.layer_of(name)
        except ValueError:
            continue
        raise AssertionError(
            f"layer_of({name!r}) returned {got!r}: not a parameter name we know, raise ValueError"
        )


def test_epoch_0_trains_the_head_and_the_top_layer(exercise):
    assert all(exercise.is_trainable(n, 0, 12) for n in HEAD), (
        "the head (pooler, classifier) trains from epoch 0"
    )
    got = trainable_layers(exercise, 0, 12)
    assert got == [11], (
        f"at epoch 0 only the top encoder layer (11 of 0..11) trains besides the head, got "
        f"layers {got}: unfreeze from the top, where features are most task-specific"
    )
    assert not exercise.is_trainable(EMB, 0, 12), "the embeddings are frozen at epoch 0"


def test_one_more_layer_per_epoch_from_the_top_down(exercise):
    for epoch in range(12):
        got = trainable_layers(exercise, epoch, 12)
        want = list(range(11 - epoch, 12))
        assert got == want, (
            f"at epoch {epoch} layers {want[0]}..11 should train, got {got}: epoch e "
            f"trains the top e + 1 layers"
        )


def test_two_digit_layers_are_not_confused(exercise):
    # Layer 1 must stay frozen while layers 10 and 11 train.
    name = layer(1, "output.dense.weight")
    assert not exercise.is_trainable(name, 1, 12), (
        f"{name} trained at epoch 1 (only layers 10 and 11 should): 'layer.1' is a prefix "
        f"of 'layer.10' and 'layer.11', so match the number as a whole"
    )


def test_embeddings_unfreeze_last(exercise):
    assert not exercise.is_trainable(EMB, 11, 12), (
        "at epoch 11 all 12 layers train, but the embeddings wait one more epoch"
    )
    assert exercise.is_trainable(EMB, 12, 12) and exercise.is_trainable(EMB, 20, 12), (
        "from epoch 12 (after all 12 layers) the embeddings train too, and they stay unfrozen"
    )
    assert trainable_layers(exercise, 30, 12) == list(range(12)), "late epochs train every layer"


def test_a_six_layer_model(exercise):
    got = [trainable_layers(exercise, e, 6) for e in (0, 2, 5)]
    assert got == [[5], [3, 4, 5], [0, 1, 2, 3, 4, 5]], (
        f"with 6 layers, epochs 0, 2 and 5 should train layers [5], [3, 4, 5], [0..5]; got "
        f"{got}: use num_layers, not 12"
    )
    assert exercise.is_trainable(EMB, 6, 6) and not exercise.is_trainable(EMB, 5, 6), (
        "with 6 layers the embeddings unfreeze at epoch 6"
    )
