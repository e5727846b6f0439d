"""Tests of exercise `cls_head` on a tiny BERT built from a BertConfig (no download)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from transformers import BertConfig

EXERCISE = "cls_head"

CONFIG = dict(
    vocab_size=60,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=64,
    max_position_embeddings=32,
)
NUM_LABELS = 3
# [CLS] tokens [SEP] [PAD]...: two rows, the second padded.
INPUT_IDS = torch.tensor([[2, 10, 11, 12, 13, 3], [2, 20, 21, 3, 0, 0]])
MASK = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]])
LABELS = torch.tensor([2, 0])


def build(exercise, dropout: float = 0.1):
    torch.manual_seed(0)
    return exercise.ClsClassifier(BertConfig(**CONFIG), NUM_LABELS, dropout=dropout)


@pytest.fixture
def model(exercise):
    return build(exercise).eval()


def test_logits_have_shape_batch_by_labels(model):
    out = model(INPUT_IDS, attention_mask=MASK)
    assert out["logits"].shape == (2, NUM_LABELS)


def test_loss_is_none_without_labels(model):
    assert model(INPUT_IDS, attention_mask=MASK)["loss"] is None


def test_loss_is_the_mean_cross_entropy(model):
    out = model(INPUT_IDS, attention_mask=MASK, labels=LABELS)
    assert out["loss"].dim() == 0, "the loss is a scalar"
    torch.testing.assert_close(out["loss"], F.cross_entropy(out["logits"], LABELS))


def test_the_head_reads_the_cls_position(model):
    with torch.no_grad():
        out = model(INPUT_IDS, attention_mask=MASK)["logits"]
        hidden = model.bert(input_ids=INPUT_IDS, attention_mask=MASK).last_hidden_state
        want = model.classifier(hidden[:, 0])
    torch.testing.assert_close(out, want, msg="logits must be classifier(hidden state of [CLS])")


def test_padding_changes_nothing(model):
    with torch.no_grad():
        short = model(INPUT_IDS[1:, :4], attention_mask=MASK[1:, :4])["logits"]
        padded = model(INPUT_IDS[1:], attention_mask=MASK[1:])["logits"]
    torch.testing.assert_close(short, padded, msg="pass attention_mask to the encoder")


def test_dropout_uses_the_given_rate(exercise):
    model = build(exercise, dropout=0.3)
    assert isinstance(model.dropout, torch.nn.Dropout), "self.dropout must be an nn.Dropout"
    assert model.dropout.p == pytest.approx(0.3), "use the dropout argument"


def test_gradients_reach_the_head_and_the_encoder(exercise):
    model = build(exercise).train()
    model(INPUT_IDS, attention_mask=MASK, labels=LABELS)["loss"].backward()
    head = model.classifier.weight.grad
    embeddings = model.bert.embeddings.word_embeddings.weight.grad
    assert head is not None and head.abs().sum() > 0, "no gradient in the classifier"
    assert embeddings is not None and embeddings.abs().sum() > 0, "no gradient in the encoder"
