"""Exercise `attention_mask`: padding and causal masks in attention, in plain Python.

Fill in `masked_weights`, then run `tutor check attention_mask` (or press Run tests in the
lesson page). Stuck? `tutor hint attention_mask`.
"""

from __future__ import annotations

import math
import sys

# What libraries add instead of a true -infinity: the most negative finite float. A row
# whose keys are all masked then gives a uniform row, not 0/0 = NaN.
MASK_VALUE = -sys.float_info.max


def masked_weights(
    scores: list[list[float]],
    attention_mask: list[int] | None = None,
    causal: bool = False,
) -> list[list[float]]:
    """The attention weights softmax(scores + M), row by row.

    ``scores[i][j]`` is the (already scaled) score of query i for key j. ``attention_mask``
    is BERT's input of that name, one entry per key: 1 for a real token, 0 for [PAD].
    ``causal`` also blocks every key after the query (j > i). A blocked (i, j) pair gets
    weight exactly 0 and each row's other weights still sum to 1; a row in which every
    key is blocked gets equal weights (what MASK_VALUE gives).
    """
    # TODO: block the masked pairs BEFORE the softmax (add MASK_VALUE), then a stable softmax.
    return [[math.exp(s) for s in row] for row in scores]
