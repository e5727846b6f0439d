"""An opt-in classification head on the mean of the token vectors (``--pooling mean``).

The default head is BERT's own, the one ``AutoModelForSequenceClassification`` builds: a
linear layer on the pooled [CLS] vector (a dense + tanh layer that pre-training's
next-sentence task trained). Every Hugging Face tool loads that folder as it is.

A sentence encoder such as all-MiniLM-L6-v2 was trained on something else: the mean of
its last hidden states over the real tokens. A head on that mean scored 0.8-1.1 points
higher on held-out IMDB in the runs measured here (README, Benchmarks), but no standard
transformers architecture computes it: BertForSequenceClassification always reads the
pooler's tanh(W h_[CLS] + b), which no choice of weights turns into a token mean.

So a mean-pooled run saves a config whose ``model_type`` is :data:`MEAN_MODEL_TYPE`, a
name transformers does not know: ``AutoModelForSequenceClassification`` and ``pipeline``
refuse the folder with an error instead of building a [CLS] head on a freshly
initialised pooler and predicting noise. :func:`tutor.training.models.load_trained_classifier`
rebuilds it, as it does the runs saved before this change (``model_type`` "bert" with
``"tutor_pooling": "mean"``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

Pooling = Literal["cls", "mean"]
# The config.json key a mean-pooled run saves; absent means [CLS], the transformers default.
CONFIG_KEY = "tutor_pooling"
# The model_type a mean-pooled run saves: unknown to transformers, so plain loading fails
# loudly. Runs saved before it existed have model_type "bert" and CONFIG_KEY only.
MEAN_MODEL_TYPE = "tutor-mean-pooled-bert"


def saved_pooling(model_dir: str | Path) -> Pooling:
    """The pooling a fine-tuned model folder was trained with (config.json's CONFIG_KEY)."""
    config = json.loads((Path(model_dir) / "config.json").read_text(encoding="utf-8"))
    mean = config.get(CONFIG_KEY) == "mean" or config.get("model_type") == MEAN_MODEL_TYPE
    return "mean" if mean else "cls"


def pretrained_pooling(model_dir: str | Path) -> Pooling:
    """The sentence vector an encoder was pre-trained to produce: "mean" where its
    sentence-transformers pooling module (1_Pooling/config.json) averages the tokens,
    else "cls", BERT's own pooled [CLS]."""
    try:
        config = json.loads(
            (Path(model_dir) / "1_Pooling" / "config.json").read_text(encoding="utf-8")
        )
    except (OSError, ValueError):
        return "cls"
    return "mean" if isinstance(config, dict) and config.get("pooling_mode_mean_tokens") else "cls"


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
    from transformers import BertConfig, BertForSequenceClassification
    from transformers.modeling_outputs import SequenceClassifierOutput

    class MeanPooledBertConfig(BertConfig):
        model_type = MEAN_MODEL_TYPE

    class MeanPooledBertForSequenceClassification(BertForSequenceClassification):
        config_class = MeanPooledBertConfig
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
            if labels is not None and self.num_labels == 1:
                # A regression head (day 50's STS-B cross-encoder), as BERT's own does.
                loss = torch.nn.functional.mse_loss(
                    logits.float().view(-1), labels.float().view(-1)
                )
            elif labels is not None:
                # Single-label classification (day 7, MRPC); the loss in float32 whatever
                # the autocast precision.
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
