"""Exercise `gradual_unfreezing`: which parameters train at each epoch (ULMFiT's schedule).

Fill in `layer_of` and `is_trainable`, then run `tutor check gradual_unfreezing` (or press
Run tests in the lesson page). Stuck? `tutor hint gradual_unfreezing`.

Parameter names are those of a BertForSequenceClassification, for example
"bert.embeddings.word_embeddings.weight", "bert.encoder.layer.10.output.dense.bias",
"bert.pooler.dense.weight" and "classifier.weight".
"""

from __future__ import annotations

import re  # noqa: F401 (you will need it)


def layer_of(name: str) -> int | str:
    """Where a parameter sits: the encoder layer's index (an int), "embeddings" or "head"
    (the pooler and the classifier). Raise ValueError for any other name."""
    # TODO
    raise NotImplementedError("TODO: implement layer_of")


def is_trainable(name: str, epoch: int, num_layers: int) -> bool:
    """Gradual unfreezing: at epoch 0 only the head and the TOP encoder layer train; each
    later epoch unfreezes one more layer, from the top down (epoch e trains layers
    num_layers - 1 - e ... num_layers - 1); once every layer trains, the next epoch
    unfreezes the embeddings too. The head always trains."""
    # TODO
    return True
