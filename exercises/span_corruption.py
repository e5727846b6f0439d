"""Exercise `span_corruption`: T5's pre-training inputs and targets, with sentinels.

Fill in the functions, then run `tutor check span_corruption` (or press Run tests in the
lesson page). Stuck? `tutor hint span_corruption`.
"""

from __future__ import annotations


def sentinel(i: int) -> str:
    """The i-th sentinel token of T5's vocabulary: "<extra_id_0>", "<extra_id_1>", ..."""
    return f"<extra_id_{i}>"


def sentinel_id(i: int, vocab_size: int = 32100) -> int:
    """The id of sentinel i. T5's 100 sentinels are the LAST ids of the vocabulary, counting
    down: <extra_id_0> is vocab_size - 1 (32099), <extra_id_1> is 32098, and so on. Raise
    ValueError for i outside 0 ... 99."""
    # TODO
    raise NotImplementedError("TODO: implement sentinel_id")


def span_budget(
    length: int, noise_density: float = 0.15, mean_span_length: float = 3.0
) -> tuple[int, int]:
    """How much to corrupt, as T5's code decides it: ``(noise_tokens, spans)`` with
    noise_tokens = round(length * noise_density), kept between 1 and length - 1, and
    spans = round(noise_tokens / mean_span_length), at least 1."""
    # TODO
    raise NotImplementedError("TODO: implement span_budget")


def corrupt(tokens: list[str], spans: list[tuple[int, int]]) -> tuple[list[str], list[str]]:
    """Apply span corruption to ``tokens``. ``spans`` lists ``(start, length)`` pairs, in any
    order. Sentinels are numbered from the LEFT of the text: the first span (by position)
    gets sentinel(0), the next sentinel(1), ...

    Returns ``(inputs, targets)``: the inputs have each span replaced by its sentinel; the
    targets are each sentinel followed by the tokens it replaced, and one final sentinel.
    Raise ValueError for a span of length < 1, outside the tokens, or overlapping or
    touching another span (two touching spans would be one span).
    """
    # TODO
    raise NotImplementedError("TODO: implement corrupt")
