"""Solution of exercise `discriminative_lr`: discriminative learning rates and no-decay groups."""

from __future__ import annotations

import re
from typing import Any

from transformers import BertForSequenceClassification

LAYER = re.compile(r"^bert\.encoder\.layer\.(\d+)\.")


def parameter_groups(
    model: BertForSequenceClassification,
    *,
    base_lr: float,
    decay: float,
    weight_decay: float,
) -> list[dict[str, Any]]:
    """Optimizer parameter groups with layer-wise learning rates."""
    num_layers = model.config.num_hidden_layers

    def lr_for(name: str) -> float:
        # Lower layers hold general features learned in pre-training: change them least.
        if name.startswith("bert.embeddings."):
            return base_lr * decay**num_layers
        match = LAYER.match(name)
        if match:
            return base_lr * decay ** (num_layers - 1 - int(match.group(1)))
        return base_lr  # the pooler and the classifier

    groups: dict[tuple[float, float], list[Any]] = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        # Decaying a bias or a LayerNorm gain towards 0 only hurts: they are not weights
        # that overfit by growing.
        no_decay = name.endswith("bias") or "LayerNorm" in name
        key = (lr_for(name), 0.0 if no_decay else weight_decay)
        groups.setdefault(key, []).append(param)
    return [{"params": ps, "lr": lr, "weight_decay": wd} for (lr, wd), ps in groups.items()]
