"""Solution of `bio_alignment`."""

from __future__ import annotations

IGNORE_INDEX = -100


def align_labels(
    word_ids: list[int | None],
    word_tags: list[str],
    label2id: dict[str, int],
    label_all_pieces: bool = False,
) -> list[int]:
    labels, previous = [], None
    for word_id in word_ids:
        if word_id is None:
            labels.append(IGNORE_INDEX)  # [CLS], [SEP], [PAD]
        elif word_id != previous:
            labels.append(label2id[word_tags[word_id]])  # the first piece of a word
        elif label_all_pieces:
            tag = word_tags[word_id]
            # A later piece continues the entity its word began: inside, not beginning.
            labels.append(label2id["I-" + tag[2:] if tag.startswith("B-") else tag])
        else:
            labels.append(IGNORE_INDEX)
        previous = word_id
    return labels


def word_predictions(
    word_ids: list[int | None], predicted_ids: list[int], id2label: dict[int, str]
) -> list[str]:
    tags, previous = [], None
    for word_id, predicted in zip(word_ids, predicted_ids):
        if word_id is not None and word_id != previous:
            tags.append(id2label[predicted])
        previous = word_id
    return tags
