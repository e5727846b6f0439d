"""Exercise `cls_head`: a classification head on [CLS].

Finish `ClsClassifier`, then run `tutor check cls_head`.
Stuck? `tutor hint cls_head`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F  # noqa: F401  (you will need it for the loss)
from torch import nn
from transformers import BertConfig, BertModel


class ClsClassifier(nn.Module):
    """A BertModel encoder with dropout and a linear classifier on the [CLS] token."""

    def __init__(self, config: BertConfig, num_labels: int, dropout: float = 0.1) -> None:
        super().__init__()
        # No pooler: the head reads the final hidden state of [CLS] directly.
        self.bert = BertModel(config, add_pooling_layer=False)
        # TODO: a dropout layer (self.dropout) and a linear layer (self.classifier) from
        # the hidden size to num_labels.
        self.dropout = None
        self.classifier = None

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor | None]:
        """Return {"logits": (batch, num_labels), "loss": mean cross-entropy or None}."""
        # TODO: encode, take position 0 of last_hidden_state, dropout, classifier, loss.
        raise NotImplementedError("TODO: implement forward")
