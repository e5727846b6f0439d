"""Solution of `gradual_unfreezing`."""

from __future__ import annotations

import re

# The layer's number must be a whole dotted component: "layer.1." must not match
# "layer.10.".
LAYER = re.compile(r"^bert\.encoder\.layer\.(\d+)\.")


def layer_of(name: str) -> int | str:
    match = LAYER.match(name)
    if match:
        return int(match.group(1))
    if name.startswith("bert.embeddings."):
        return "embeddings"
    if name.startswith(("bert.pooler.", "classifier.")):
        return "head"
    raise ValueError(f"not a parameter of BertForSequenceClassification: {name!r}")


def is_trainable(name: str, epoch: int, num_layers: int) -> bool:
    where = layer_of(name)
    if where == "head":
        return True
    if where == "embeddings":
        return epoch >= num_layers  # after all num_layers layers (epochs 0 .. L-1)
    return where >= num_layers - 1 - epoch
