"""Solution of `sliding_windows`."""

from __future__ import annotations


def windows(
    ids: list[int], max_length: int, stride: int, cls_id: int = 101, sep_id: int = 102
) -> list[list[int]]:
    room = max_length - 2  # [CLS] and [SEP] take two places
    if stride < 0 or stride >= room:
        raise ValueError(
            f"stride {stride} must be at least 0 and below the {room} text tokens of a window"
        )
    step = room - stride  # consecutive windows share `stride` tokens
    result, start = [], 0
    while True:
        piece = ids[start : start + room]
        result.append([cls_id, *piece, sep_id])
        if start + room >= len(ids):
            return result  # this window reached the end of the text
        start += step


def aggregate(
    probabilities: list[float], how: str = "mean", lengths: list[int] | None = None
) -> float:
    if not probabilities:
        raise ValueError("no windows to aggregate")
    if how == "mean":
        return sum(probabilities) / len(probabilities)
    if how == "weighted":
        if lengths is None or len(lengths) != len(probabilities):
            raise ValueError("'weighted' needs one length per window")
        return sum(p * n for p, n in zip(probabilities, lengths)) / sum(lengths)
    if how == "max":
        return max(probabilities)
    if how == "vote":
        return sum(p > 0.5 for p in probabilities) / len(probabilities)
    raise ValueError(f"unknown aggregation {how!r}: mean, weighted, max or vote")
