"""Exercise `input_encoding`: BERT's inputs for a sentence pair, by hand.

Fill in `encode_pair`, then run `tutor check input_encoding`.
Stuck? `tutor hint input_encoding`.
"""

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
    """Encode a sentence pair the way BERT reads it, padded to ``max_length``.

    ``tokenize`` splits a text into word pieces (e.g. ["the", "cat", "##s"]); ``vocab``
    maps each token, including "[CLS]", "[SEP]", "[PAD]" and "[UNK]", to its id.

    Returns a dict of three lists of length ``max_length``:

    - ``"input_ids"``: the ids of [CLS] A [SEP] B [SEP], then [PAD] ids; a token missing
      from the vocabulary gets the id of [UNK]
    - ``"token_type_ids"``: 0 for [CLS], A and the first [SEP]; 1 for B and the last [SEP];
      0 for padding
    - ``"attention_mask"``: 1 for real tokens, 0 for padding

    Raises ValueError if the pair does not fit in ``max_length``.
    """
    # TODO: lay out the tokens, look up their ids, build the type ids and mask, then pad.
    raise NotImplementedError("TODO: implement encode_pair")
