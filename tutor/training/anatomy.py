"""Where a BERT's parameters live, by component, counted two ways: from the built model's
parameter names, and from the configuration with the closed-form formula (which the tests
check against the built model)."""

from __future__ import annotations

from collections.abc import Iterable

COMPONENTS = ("embeddings", "attention", "feed-forward", "pooler", "head")
FORMULAS = {
    "embeddings": "(V + P + T)·H + 2H",
    "attention": "L·(4H² + 4H + 2H)",
    "feed-forward": "L·(2HI + I + H + 2H)",
    "pooler": "H² + H",
    "head": "task-specific",
}


def component_of(name: str) -> str:
    """embeddings / attention (Q, K, V, output projection and its LayerNorm) /
    feed-forward (the two dense layers and their LayerNorm) / pooler / head."""
    if "embeddings" in name:
        return "embeddings"
    if ".attention." in name or ".crossattention." in name:
        return "attention"
    if ".intermediate." in name or ".output." in name:
        return "feed-forward"
    if "pooler" in name:
        return "pooler"
    return "head"


def count_by_component(named_sizes: Iterable[tuple[str, int]]) -> dict[str, int]:
    counts = dict.fromkeys(COMPONENTS, 0)
    for name, size in named_sizes:
        counts[component_of(name)] += size
    return counts


def model_counts(model) -> dict[str, int]:
    return count_by_component((n, p.numel()) for n, p in model.named_parameters())


def formula_counts(config) -> dict[str, int]:
    """The same counts from a BertConfig's sizes alone."""
    h, i, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    v, pos, t = config.vocab_size, config.max_position_embeddings, config.type_vocab_size
    return {
        "embeddings": (v + pos + t) * h + 2 * h,
        "attention": layers * (4 * h * h + 4 * h + 2 * h),
        "feed-forward": layers * (2 * h * i + i + h + 2 * h),
        "pooler": h * h + h,
        "head": 0,
    }


def bert_base_counts() -> dict[str, int]:
    """BERT-base (``BertConfig()``'s defaults) built on PyTorch's meta device: real module
    shapes, no memory, no download."""
    import torch
    from transformers import BertConfig, BertModel

    with torch.device("meta"):
        model = BertModel(BertConfig())
    return model_counts(model)
