"""Solution of exercise `nsp_pairs`: next-sentence-prediction examples from documents."""

from __future__ import annotations

import random
from typing import Any

Sentence = list[str]


def make_nsp_examples(
    documents: list[list[Sentence]], *, rng: random.Random
) -> list[dict[str, Any]]:
    """One NSP example for every sentence A that has a successor in its document."""
    if len(documents) < 2:
        raise ValueError("NotNext pairs need at least two documents")
    examples = []
    for index, doc in enumerate(documents):
        others = [j for j, other in enumerate(documents) if j != index and other]
        for i in range(len(doc) - 1):
            a = doc[i]
            if rng.random() < 0.5:
                b, is_next = doc[i + 1], True
            else:
                if not others:
                    raise ValueError("NotNext pairs need sentences in another document")
                # B from another document: a random sentence of the same document could be
                # the true successor or too close in topic to be a clear negative.
                b, is_next = rng.choice(documents[rng.choice(others)]), False
            examples.append(
                {
                    "tokens": ["[CLS]", *a, "[SEP]", *b, "[SEP]"],
                    "segment_ids": [0] * (len(a) + 2) + [1] * (len(b) + 1),
                    "is_next": is_next,
                    "label": 0 if is_next else 1,
                }
            )
    return examples
