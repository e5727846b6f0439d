"""Exercise `param_count`: where BERT's 110 million parameters are.

Fill in the three functions, then run `tutor check param_count` (or press Run tests in
the lesson page). Stuck? `tutor hint param_count`.

Count what `BertModel` holds: every weight matrix AND every bias vector, and each
LayerNorm's two vectors (gain and bias, H entries each).
"""

from __future__ import annotations


def embedding_parameters(
    vocab_size: int, hidden: int, max_position: int = 512, type_vocab: int = 2
) -> int:
    """Token, position and segment (token type) embedding tables, and the LayerNorm."""
    # TODO
    return vocab_size * hidden


def encoder_layer_parameters(hidden: int, intermediate: int, heads: int) -> int:
    """One encoder layer: self-attention (query, key, value and output projections, each
    a hidden x hidden matrix with a bias), its LayerNorm, the feed-forward network
    (hidden -> intermediate -> hidden, with biases) and its LayerNorm."""
    # TODO: does the number of heads change the count?
    raise NotImplementedError("TODO: implement encoder_layer_parameters")


def bert_parameters(
    vocab_size: int,
    hidden: int,
    layers: int,
    heads: int,
    intermediate: int,
    max_position: int = 512,
    type_vocab: int = 2,
    pooler: bool = True,
) -> int:
    """The whole BertModel: embeddings, ``layers`` encoder layers and, if ``pooler``, the
    pooler (a hidden x hidden dense layer with a bias, applied to [CLS])."""
    # TODO
    raise NotImplementedError("TODO: implement bert_parameters")
