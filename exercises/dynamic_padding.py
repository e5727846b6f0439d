"""Exercise `dynamic_padding`: a collate function that pads each batch to its own longest
sentence, as the CoLA project does.

Fill in `collate`, then run `tutor check dynamic_padding` (or press Run tests in the
lesson page). Stuck? `tutor hint dynamic_padding`.
"""

from __future__ import annotations


def collate(
    features: list[dict], pad_id: int = 0, pad_to_multiple_of: int | None = None
) -> dict[str, list]:
    """Batch ``features``, each {"input_ids": [...], "label": int} (already [CLS] ... [SEP]).

    Returns {"input_ids", "attention_mask", "labels"}: every row padded ON THE RIGHT with
    ``pad_id`` to the length of the batch's longest row (rounded up to a multiple of
    ``pad_to_multiple_of`` when given); attention_mask 1 for real tokens, 0 for padding;
    labels the list of labels. The features must not change. Raise ValueError for an empty
    batch.
    """
    # TODO: find this batch's longest row; pad a COPY of every row.
    width = 64  # a fixed width pads short batches far too much
    return {
        "input_ids": [f["input_ids"] + [pad_id] * (width - len(f["input_ids"])) for f in features],
        "attention_mask": [[1] * width for _ in features],
        "labels": [f["label"] for f in features],
    }
