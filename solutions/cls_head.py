"""Solution of exercise `cls_head`: a classification head on [CLS]."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from transformers import BertConfig, BertModel


class ClsClassifier(nn.Module):
    """A BertModel encoder with dropout and a linear classifier on the [CLS] token."""

    def __init__(self, config: BertConfig, num_labels: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.bert = BertModel(config, add_pooling_layer=False)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(config.hidden_size, num_labels)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor | None]:
        """Return {"logits": (batch, num_labels), "loss": mean cross-entropy or None}."""
        hidden = self.bert(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        # Pre-training (NSP) taught [CLS] to summarise the whole sequence: it is the one
        # position whose state is about the input as a whole.
        logits = self.classifier(self.dropout(hidden[:, 0]))
        loss = F.cross_entropy(logits, labels) if labels is not None else None
        return {"logits": logits, "loss": loss}
