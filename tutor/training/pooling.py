"""Which vector of the encoder the classification head reads: [CLS] or the token mean.

BERT's own recipe puts the head on the pooled [CLS] vector (a dense + tanh layer that
pre-training's next-sentence task trained). A sentence encoder such as all-MiniLM-L6-v2
was trained on something else: the mean of its last hidden states over the real tokens
(its sentence-transformers ``1_Pooling/config.json`` says so), and its pooler weights
are left over from before that training. A head on the vector the encoder was trained
to produce starts from a better place: the CPU recipe's held-out IMDB accuracy went from
88.1 and 88.4 % with [CLS] to 89.2 % (README, Benchmarks).

A run fine-tuned with mean pooling saves ``"tutor_pooling": "mean"`` in its config.json.
Load it with :func:`tutor.training.models.load_trained_classifier`: a plain
``AutoModelForSequenceClassification`` would rebuild a [CLS] head on a freshly
initialised pooler (it warns about the missing ``pooler.*`` weights) and predict noise.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Literal

Pooling = Literal["cls", "mean"]
# The config.json key a mean-pooled run saves; absent means [CLS], the transformers default.
CONFIG_KEY = "tutor_pooling"


def declared_pooling(read: Callable[[str], str]) -> Pooling | None:
    """The pooling a sentence-transformers model declares, None if it declares none.

    ``read`` returns the text of one of the model's files by its relative name (from a
    folder or from the hub) and raises OSError if there is no such file. The Pooling
    module's folder comes from ``modules.json``; its config names the pooling. Only the
    two poolings a head here can use are reported.
    """
    try:
        modules = json.loads(read("modules.json"))
        folder = next(m["path"] for m in modules if m.get("type", "").endswith(".Pooling"))
        config = json.loads(read(f"{folder}/config.json"))
    except (OSError, ValueError, StopIteration, KeyError, TypeError, AttributeError):
        return None
    if config.get("pooling_mode_mean_tokens"):
        return "mean"
    if config.get("pooling_mode_cls_token"):
        return "cls"
    return None


def saved_pooling(model_dir: str | Path) -> Pooling:
    """The pooling a fine-tuned model folder was trained with (config.json's CONFIG_KEY)."""
    config = json.loads((Path(model_dir) / "config.json").read_text(encoding="utf-8"))
    return "mean" if config.get(CONFIG_KEY) == "mean" else "cls"


def mean_pooling_class():
    """The BERT sequence classifier with its head on the masked token mean.

    Built on first use so that importing this module does not import torch."""
    global _MEAN_POOLED
    if _MEAN_POOLED is None:
        _MEAN_POOLED = _build_mean_pooled()
    return _MEAN_POOLED


_MEAN_POOLED = None


def _build_mean_pooled():
    import torch
    from transformers import BertForSequenceClassification
    from transformers.modeling_outputs import SequenceClassifierOutput

    class MeanPooledBertForSequenceClassification(BertForSequenceClassification):
        # The [CLS] pooler is not used: not built, not saved, its checkpoint weights skipped.
        _keys_to_ignore_on_load_unexpected = (r"pooler\.",)

        def __init__(self, config):
            setattr(config, CONFIG_KEY, "mean")
            super().__init__(config)
            self.bert.pooler = None

        def forward(
            self,
            input_ids=None,
            attention_mask=None,
            token_type_ids=None,
            position_ids=None,
            inputs_embeds=None,
            labels=None,
            **kwargs,
        ):
            outputs = self.bert(
                input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
                position_ids=position_ids,
                inputs_embeds=inputs_embeds,
                return_dict=True,
                **kwargs,
            )
            pooled = mean_pool(outputs.last_hidden_state, attention_mask)
            logits = self.classifier(self.dropout(pooled))
            loss = None
            if labels is not None:
                # Single-label classification, the only kind day 7 trains; the loss in
                # float32 whatever the autocast precision.
                loss = torch.nn.functional.cross_entropy(
                    logits.float().view(-1, self.num_labels), labels.view(-1)
                )
            return SequenceClassifierOutput(
                loss=loss,
                logits=logits,
                hidden_states=outputs.hidden_states,
                attentions=outputs.attentions,
            )

    return MeanPooledBertForSequenceClassification


def mean_pool(hidden, attention_mask):
    """The mean of ``hidden`` (batch, tokens, width) over the tokens the mask keeps.

    Padding must not count: a batch pads every text to its longest member, and a short
    sentence's mean would otherwise depend on what it was batched with."""
    if attention_mask is None:
        return hidden.mean(dim=1)
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)
