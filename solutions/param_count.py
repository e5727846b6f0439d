"""Solution of `param_count`: counting BERT's parameters."""

from __future__ import annotations


def embedding_parameters(
    vocab_size: int, hidden: int, max_position: int = 512, type_vocab: int = 2
) -> int:
    tables = (vocab_size + max_position + type_vocab) * hidden
    return tables + 2 * hidden  # LayerNorm: a gain and a bias per hidden unit


def encoder_layer_parameters(hidden: int, intermediate: int, heads: int) -> int:
    # The heads split the hidden size (H/A each); together they are still H x H matrices,
    # so the count does not depend on the number of heads.
    attention = 4 * (hidden * hidden + hidden)  # Q, K, V and the output projection
    feed_forward = hidden * intermediate + intermediate + intermediate * hidden + hidden
    layer_norms = 2 * (2 * hidden)
    return attention + feed_forward + layer_norms


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
    total = embedding_parameters(vocab_size, hidden, max_position, type_vocab)
    total += layers * encoder_layer_parameters(hidden, intermediate, heads)
    if pooler:
        total += hidden * hidden + hidden
    return total
