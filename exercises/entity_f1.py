"""Exercise `entity_f1`: scoring NER on entities, not tokens, as CoNLL-2003 and seqeval do.

Fill in `entities` and `entity_scores`, then run `tutor check entity_f1` (or press Run
tests in the lesson page). Stuck? `tutor hint entity_f1`.
"""

from __future__ import annotations


def entities(tags: list[str]) -> set[tuple[str, int, int]]:
    """The entity spans (type, first word, last word) of one sentence's BIO tags.

    A "B-X" starts an entity of type X; "I-X" continues the entity before it if that one
    has type X, and otherwise starts a new entity of type X (the reading of conlleval and
    seqeval); "O" is outside any entity.
    """
    # TODO
    raise NotImplementedError("TODO: implement entities")


def entity_scores(gold: list[list[str]], predicted: list[list[str]]) -> dict[str, float]:
    """Micro-averaged {"precision", "recall", "f1"} over all sentences: a predicted entity
    is correct only if a gold entity has exactly the same type, first and last word.
    Counts are summed over the sentences before dividing; a ratio whose denominator is 0
    is 0.0. Raise ValueError if the sentences, or the tags of a sentence, do not pair up."""
    # TODO
    raise NotImplementedError("TODO: implement entity_scores")
