"""Exercise `sliding_windows`: a document longer than the model's limit, cut into
overlapping windows, and the windows' scores combined into one.

Fill in `windows` and `aggregate`, then run `tutor check sliding_windows` (or press Run
tests in the lesson page). Stuck? `tutor hint sliding_windows`.
"""

from __future__ import annotations


def windows(
    ids: list[int], max_length: int, stride: int, cls_id: int = 101, sep_id: int = 102
) -> list[list[int]]:
    """Cut the text's token ids (without special tokens) as the tokenizer does with
    ``max_length``, ``stride`` and ``return_overflowing_tokens=True``.

    Each window is [CLS] + up to max_length - 2 text tokens + [SEP]. ``stride`` is the
    number of text tokens two consecutive windows SHARE, so each window starts
    (max_length - 2) - stride tokens after the previous one. The last window ends with the
    text's last token; stop there (no window that adds nothing new). A text that fits
    gives one window. Raise ValueError if the stride leaves no room to move on
    (stride >= max_length - 2) or is negative.
    """
    # TODO
    raise NotImplementedError("TODO: implement windows")


def aggregate(
    probabilities: list[float], how: str = "mean", lengths: list[int] | None = None
) -> float:
    """One document score from each window's probability of the positive class:
    "mean", "weighted" (the mean weighted by ``lengths``, the text tokens of each window),
    "max", or "vote" (the fraction of windows above 0.5). Raise ValueError for an unknown
    ``how`` or no windows."""
    # TODO
    raise NotImplementedError("TODO: implement aggregate")
