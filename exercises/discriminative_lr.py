"""Exercise `discriminative_lr`: discriminative learning rates and no-decay groups.

Fill in `parameter_groups`, then run `tutor check discriminative_lr`.
Stuck? `tutor hint discriminative_lr`.
"""

from __future__ import annotations

from typing import Any

from transformers import BertForSequenceClassification


def parameter_groups(
    model: BertForSequenceClassification,
    *,
    base_lr: float,
    decay: float,
    weight_decay: float,
) -> list[dict[str, Any]]:
    """Optimizer parameter groups with layer-wise learning rates.

    With L encoder layers (``model.config.num_hidden_layers``):

    - the classifier, the pooler and encoder layer L-1 (the top one) get ``base_lr``;
    - encoder layer i gets ``base_lr * decay ** (L - 1 - i)``;
    - the embeddings get ``base_lr * decay ** L``, the lowest rate;
    - biases and LayerNorm weights get weight_decay 0.0, all other weights ``weight_decay``;
    - parameters with requires_grad False are left out.

    Returns a list of dicts {"params": [...], "lr": ..., "weight_decay": ...}, none empty,
    that torch.optim.AdamW accepts.
    """
    # TODO: sort every trainable parameter into a group by its name.
    raise NotImplementedError("TODO: implement parameter_groups")
