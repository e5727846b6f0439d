"""Solution of `span_corruption`."""

from __future__ import annotations


def sentinel(i: int) -> str:
    return f"<extra_id_{i}>"


def sentinel_id(i: int, vocab_size: int = 32100) -> int:
    if not 0 <= i < 100:
        raise ValueError(f"T5 has sentinels 0 to 99, not {i}")
    return vocab_size - 1 - i  # counting down from the end of the vocabulary


def span_budget(
    length: int, noise_density: float = 0.15, mean_span_length: float = 3.0
) -> tuple[int, int]:
    noise = min(max(round(length * noise_density), 1), length - 1)
    spans = max(round(noise / mean_span_length), 1)
    return noise, spans


def corrupt(tokens: list[str], spans: list[tuple[int, int]]) -> tuple[list[str], list[str]]:
    ordered = sorted(spans)  # sentinels follow the text from left to right
    previous_end = None
    for start, length in ordered:
        if length < 1 or start < 0 or start + length > len(tokens):
            raise ValueError(f"span ({start}, {length}) does not fit {len(tokens)} tokens")
        if previous_end is not None and start <= previous_end:
            raise ValueError(f"span ({start}, {length}) overlaps or touches the one before")
        previous_end = start + length
    inputs, targets, position = [], [], 0
    for i, (start, length) in enumerate(ordered):
        inputs += [*tokens[position:start], sentinel(i)]
        targets += [sentinel(i), *tokens[start : start + length]]
        position = start + length
    inputs += tokens[position:]
    targets.append(sentinel(len(ordered)))  # the final sentinel closes the targets
    return inputs, targets
