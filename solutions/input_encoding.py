"""Solution of exercise `input_encoding`: BERT's inputs for a sentence pair, by hand."""

from __future__ import annotations

from collections.abc import Callable


def encode_pair(
    text_a: str,
    text_b: str,
    *,
    tokenize: Callable[[str], list[str]],
    vocab: dict[str, int],
    max_length: int,
) -> dict[str, list[int]]:
    """Encode a sentence pair the way BERT reads it, padded to ``max_length``."""
    a, b = tokenize(text_a), tokenize(text_b)
    tokens = ["[CLS]", *a, "[SEP]", *b, "[SEP]"]
    if len(tokens) > max_length:
        raise ValueError(f"the pair needs {len(tokens)} tokens, more than max_length={max_length}")
    unk = vocab["[UNK]"]
    padding = max_length - len(tokens)
    return {
        "input_ids": [vocab.get(t, unk) for t in tokens] + [vocab["[PAD]"]] * padding,
        # The segment embedding tells the model which sentence a token belongs to.
        "token_type_ids": [0] * (len(a) + 2) + [1] * (len(b) + 1) + [0] * padding,
        "attention_mask": [1] * len(tokens) + [0] * padding,
    }
