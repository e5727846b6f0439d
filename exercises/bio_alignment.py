"""Exercise `bio_alignment`: NER labels per word, aligned to WordPiece tokens, and back.

Fill in `align_labels` and `word_predictions`, then run `tutor check bio_alignment` (or
press Run tests in the lesson page). Stuck? `tutor hint bio_alignment`.

``word_ids`` is what a fast tokenizer's ``enc.word_ids()`` returns: for each token, the
index of the word it came from, or None for [CLS], [SEP] and [PAD].
"""

from __future__ import annotations

IGNORE_INDEX = -100


def align_labels(
    word_ids: list[int | None],
    word_tags: list[str],
    label2id: dict[str, int],
    label_all_pieces: bool = False,
) -> list[int]:
    """One label id per token.

    Special tokens get IGNORE_INDEX. The first piece of each word gets its word's tag. The
    other pieces of a word get IGNORE_INDEX, or, with ``label_all_pieces``, the tag of the
    word with a "B-" turned into "I-" (a piece that continues an entity is inside it).
    """
    # TODO: remember the previous token's word id.
    raise NotImplementedError("TODO: implement align_labels")


def word_predictions(
    word_ids: list[int | None], predicted_ids: list[int], id2label: dict[int, str]
) -> list[str]:
    """One predicted tag per word, read at each word's FIRST piece (the positions that
    carried a label in training); the other pieces and the special tokens are dropped."""
    # TODO
    raise NotImplementedError("TODO: implement word_predictions")
