"""Solution of `dynamic_padding`."""

from __future__ import annotations


def collate(
    features: list[dict], pad_id: int = 0, pad_to_multiple_of: int | None = None
) -> dict[str, list]:
    if not features:
        raise ValueError("cannot collate an empty batch")
    width = max(len(f["input_ids"]) for f in features)  # this batch's longest, not a fixed 64
    if pad_to_multiple_of:
        width = -(-width // pad_to_multiple_of) * pad_to_multiple_of
    input_ids, attention_mask = [], []
    for f in features:
        ids = f["input_ids"]
        padding = width - len(ids)
        input_ids.append(ids + [pad_id] * padding)  # a new list: the feature stays as it was
        attention_mask.append([1] * len(ids) + [0] * padding)
    return {
        "input_ids": input_ids,
        "attention_mask": attention_mask,
        "labels": [f["label"] for f in features],
    }
