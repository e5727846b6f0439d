"""Fine-tuning strategies as rules on parameter names: which parameters train, and at
which learning rate. Pure functions of names, so they are unit-tested without a model.

Every parameter sits at a *level*: 0 for the embeddings, 1..L for the encoder layers
(bottom to top), L+1 for what sits on top (BERT's pooler, the classification head).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# bert.encoder.layer.3., roberta.encoder.layer.3., distilbert.transformer.layer.3., layers.3.
_LAYER = re.compile(r"(?:^|\.)layers?\.(\d+)\.")


def level_of(name: str, num_layers: int) -> int:
    match = _LAYER.search(name)
    if match:
        return int(match.group(1)) + 1
    if "embeddings" in name:
        return 0
    return num_layers + 1


def trains(name: str, num_layers: int, top_k: int | None) -> bool:
    """With ``top_k`` layers unfrozen: the top k encoder layers and the head train (0:
    the head alone, the "frozen encoder"); ``None``: everything trains."""
    if top_k is None:
        return True
    return level_of(name, num_layers) > num_layers - top_k


def frozen_below(name: str, num_layers: int, freeze_layers: int) -> bool:
    """Whether ``name`` sits in one of the lowest ``freeze_layers`` encoder layers
    (--freeze-layers). The embeddings are left to --freeze-embeddings; the head and the
    layers above always train. Asking for every layer freezes all but the top one."""
    level = level_of(name, num_layers)
    return 1 <= level <= min(freeze_layers, num_layers - 1)


def layerwise_lr(name: str, num_layers: int, base_lr: float, decay: float) -> float:
    """Discriminative fine-tuning (ULMFiT; Sun et al. 2019): the head and the top layer
    at ``base_lr``, each layer below ``decay`` times its upper neighbour's rate. Lower
    layers hold general features from pre-training: they should change least."""
    return base_lr * decay ** max(0, num_layers - level_of(name, num_layers))


def _no_decay(name: str) -> bool:
    # Weight decay pulls weights towards 0: right for matrices that overfit by growing,
    # wrong for biases and LayerNorm gains.
    return name.endswith("bias") or "LayerNorm" in name or "layer_norm" in name


def layerwise_lr_groups(
    named_parameters: Iterable[tuple[str, Any]],
    num_layers: int,
    *,
    base_lr: float,
    decay: float,
    weight_decay: float,
) -> list[dict[str, Any]]:
    """Optimizer parameter groups, one per (level, decay or not), trainable parameters
    only; each group also carries its ``level`` for reports."""
    groups: dict[tuple[int, bool], dict[str, Any]] = {}
    for name, param in named_parameters:
        if not getattr(param, "requires_grad", True):
            continue
        level = level_of(name, num_layers)
        key = (level, _no_decay(name))
        if key not in groups:
            groups[key] = {
                "params": [],
                "lr": layerwise_lr(name, num_layers, base_lr, decay),
                "weight_decay": 0.0 if key[1] else weight_decay,
                "level": level,
            }
        groups[key]["params"].append(param)
    return [groups[k] for k in sorted(groups)]


def level_name(level: int, num_layers: int) -> str:
    if level == 0:
        return "embeddings"
    if level > num_layers:
        return "head"
    return f"layer {level}"


def count_parameters(model) -> tuple[int, int]:
    """(trainable, total) parameter counts."""
    total = trainable = 0
    for param in model.parameters():
        total += param.numel()
        trainable += param.numel() if param.requires_grad else 0
    return trainable, total


def freeze(model, num_layers: int, top_k: int | None) -> tuple[int, int]:
    """Stop gradients for everything :func:`trains` excludes; returns (trainable, total)."""
    for name, param in model.named_parameters():
        if not trains(name, num_layers, top_k):
            param.requires_grad_(False)
    return count_parameters(model)


def num_layers_of(config) -> int:
    for attr in ("num_hidden_layers", "n_layers", "num_layers"):
        value = getattr(config, attr, None)
        if isinstance(value, int):
            return value
    raise ValueError(f"Cannot tell how many layers a {type(config).__name__} has.")
