"""Experiment: `tutor run day7` with a mean-pooling head instead of BERT's [CLS] pooler.

all-MiniLM-L6-v2 was trained as a sentence encoder on the masked mean of its last hidden
states, not on [CLS]. This script swaps the classifier for one that reads that mean (the
same weights, the same classification layer) and runs day 7 unchanged otherwise. Not part
of the package: `tutor predict` would load a run saved by it with a [CLS] head, so it runs
in a throw-away TUTOR_HOME. It prints the day-7 result table; compare with the same
command without this script.

    TUTOR_HOME=$(mktemp -d) HF_HUB_OFFLINE=1 \
        python bench/mean_pooling.py run day7 --profile cpu --dataset sst2
"""

from __future__ import annotations

import sys


def mean_pooled_loader():
    import torch
    from transformers import BertForSequenceClassification
    from transformers.modeling_outputs import SequenceClassifierOutput

    from tutor.training import models

    class MeanPooled(BertForSequenceClassification):
        def forward(
            self, input_ids=None, attention_mask=None, token_type_ids=None, labels=None, **_
        ):
            hidden = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
            logits = self.classifier(self.dropout(pooled))
            loss = None
            if labels is not None:
                loss = torch.nn.functional.cross_entropy(logits.float(), labels)
            return SequenceClassifierOutput(loss=loss, logits=logits)

    real = models.load_classifier

    def load(model, label_names):
        return real(model, label_names, model_class=MeanPooled)

    models.load_classifier = load


if __name__ == "__main__":
    mean_pooled_loader()
    from tutor.cli import cli

    cli(sys.argv[1:])
