"""Solution of `sop_pairs`."""

from __future__ import annotations

import itertools
import random


def sop_examples(segments: list[list[str]], rng: random.Random) -> list[dict]:
    examples = []
    for a, b in itertools.pairwise(segments):
        swapped = not rng.random() < 0.5
        first, second = (b, a) if swapped else (a, b)
        examples.append(
            {
                "tokens": ["[CLS]", *first, "[SEP]", *second, "[SEP]"],
                "token_type_ids": [0] * (len(first) + 2) + [1] * (len(second) + 1),
                "label": int(swapped),  # 1: the two segments are in the wrong order
            }
        )
    return examples
