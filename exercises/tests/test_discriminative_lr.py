"""Tests of exercise `discriminative_lr` on a tiny BertForSequenceClassification built from
a BertConfig (no download)."""

from __future__ import annotations

import math

import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification

EXERCISE = "discriminative_lr"

LAYERS = 3
BASE_LR, DECAY, WEIGHT_DECAY = 1e-4, 0.5, 0.01


def tiny_model() -> BertForSequenceClassification:
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=50,
        hidden_size=16,
        num_hidden_layers=LAYERS,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
        num_labels=2,
    )
    return BertForSequenceClassification(config)


def expected_lr(name: str) -> float:
    if name.startswith("bert.embeddings."):
        return BASE_LR * DECAY**LAYERS
    if name.startswith("bert.encoder.layer."):
        layer = int(name.split(".")[3])
        return BASE_LR * DECAY ** (LAYERS - 1 - layer)
    return BASE_LR


def expected_weight_decay(name: str) -> float:
    return 0.0 if name.endswith("bias") or "LayerNorm" in name else WEIGHT_DECAY


def settings(model, groups) -> dict[str, tuple[float, float]]:
    """Parameter name -> (lr, weight_decay) of the group that holds it."""
    names = {id(p): n for n, p in model.named_parameters()}
    found: dict[str, tuple[float, float]] = {}
    for group in groups:
        for param in group["params"]:
            name = names[id(param)]
            assert name not in found, f"{name} is in more than one group"
            found[name] = (group["lr"], group["weight_decay"])
    return found


@pytest.fixture(scope="module")
def model():
    return tiny_model()


@pytest.fixture(scope="module")
def groups(exercise, model):
    return exercise.parameter_groups(model, base_lr=BASE_LR, decay=DECAY, weight_decay=WEIGHT_DECAY)


def test_every_parameter_is_in_exactly_one_group(model, groups):
    assert set(settings(model, groups)) == {n for n, _ in model.named_parameters()}


def test_groups_are_dicts_with_params_lr_and_weight_decay(groups):
    for group in groups:
        assert {"params", "lr", "weight_decay"} <= set(group)
        assert len(list(group["params"])) > 0, "an empty group"


def test_learning_rates_decay_layer_by_layer(model, groups):
    for name, (lr, _) in settings(model, groups).items():
        assert math.isclose(lr, expected_lr(name)), f"{name}: lr {lr}, expected {expected_lr(name)}"


def test_head_and_top_layer_get_base_lr_and_embeddings_the_lowest(model, groups):
    found = settings(model, groups)
    assert found["classifier.weight"][0] == pytest.approx(BASE_LR)
    assert found["bert.pooler.dense.weight"][0] == pytest.approx(BASE_LR)
    top = f"bert.encoder.layer.{LAYERS - 1}.output.dense.weight"
    assert found[top][0] == pytest.approx(BASE_LR)
    lowest = min(lr for lr, _ in found.values())
    assert found["bert.embeddings.word_embeddings.weight"][0] == pytest.approx(lowest)
    assert lowest < found["bert.encoder.layer.0.output.dense.weight"][0]


def test_no_weight_decay_for_biases_and_layernorm(model, groups):
    for name, (_, wd) in settings(model, groups).items():
        want = expected_weight_decay(name)
        assert wd == pytest.approx(want), f"{name}: weight_decay {wd}, expected {want}"


def test_frozen_parameters_are_left_out(exercise):
    model = tiny_model()
    for param in model.bert.embeddings.parameters():
        param.requires_grad = False
    groups = exercise.parameter_groups(
        model, base_lr=BASE_LR, decay=DECAY, weight_decay=WEIGHT_DECAY
    )
    found = settings(model, groups)
    assert not any(n.startswith("bert.embeddings.") for n in found), "frozen parameters included"
    assert "classifier.weight" in found


def test_adamw_accepts_the_groups_and_trains(exercise):
    model = tiny_model()
    groups = exercise.parameter_groups(
        model, base_lr=BASE_LR, decay=DECAY, weight_decay=WEIGHT_DECAY
    )
    optimizer = torch.optim.AdamW(groups, lr=1.0)  # every group sets its own lr
    before = model.classifier.weight.detach().clone()
    out = model(input_ids=torch.tensor([[2, 5, 6, 3]]), labels=torch.tensor([1]))
    out.loss.backward()
    optimizer.step()
    change = (model.classifier.weight.detach() - before).abs().max().item()
    assert 0 < change < 1e-3, "the classifier should move by about base_lr, not by 1.0"
