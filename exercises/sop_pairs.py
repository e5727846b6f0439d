"""Exercise `sop_pairs`: ALBERT's sentence-order prediction (SOP) examples.

Fill in `sop_examples`, then run `tutor check sop_pairs` (or press Run tests in the lesson
page). Stuck? `tutor hint sop_pairs`.

Where BERT's NSP takes its negative B from another document, SOP takes two CONSECUTIVE
segments of the same document and swaps them, so the task is about order (coherence),
not topic.
"""

from __future__ import annotations

import random


def sop_examples(segments: list[list[str]], rng: random.Random) -> list[dict]:
    """One example for every pair of consecutive segments (i, i + 1) of a document.

    With probability 0.5 (draw ``rng.random() < 0.5``) the pair stays in order, label 0;
    otherwise it is swapped, label 1. Each example is a dict with "tokens"
    ([CLS] first [SEP] second [SEP]), "token_type_ids" (0 up to and including the first
    [SEP], 1 after it) and "label". Use only ``rng`` for randomness.
    """
    # TODO
    raise NotImplementedError("TODO: implement sop_examples")
