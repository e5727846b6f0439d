"""Weight averaging (SWA) over the end of training: the mean is exact, survives a
checkpoint + resume, and is only loaded into the model when training completes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from tutor.training.averaging import AVERAGE_FILE, average_callback, averaged_snapshots


def _model():
    model = torch.nn.Linear(2, 1)
    model.bias.requires_grad_(False)  # frozen: never averaged
    return model


def _step(callback, model, state, args, value: float) -> None:
    with torch.no_grad():
        model.weight.fill_(value)
    state.global_step += 1
    callback.on_step_end(args, state, None, model=model)


def test_mean_of_the_second_half_is_loaded_at_the_end(tmp_path):
    model, args = _model(), SimpleNamespace(output_dir=str(tmp_path))
    bias = model.bias.detach().clone()
    state = SimpleNamespace(global_step=0, max_steps=8)
    callback = average_callback(start=0.5)
    callback.on_train_begin(args, state, None)
    for value in range(1, 9):  # weights 1..8 after steps 1..8
        _step(callback, model, state, args, float(value))
    callback.on_train_end(args, state, None, model=model)
    # ~80 snapshots wanted, 4 steps available: every step from step 4 on (weights 4..8).
    assert averaged_snapshots([callback]) == 5
    assert torch.allclose(model.weight, torch.full_like(model.weight, 6.0))
    assert torch.equal(model.bias, bias)


def test_the_average_survives_a_checkpoint_and_resume(tmp_path):
    args = SimpleNamespace(output_dir=str(tmp_path))
    model, state = _model(), SimpleNamespace(global_step=0, max_steps=8)
    first = average_callback(start=0.5)
    first.on_train_begin(args, state, None)
    for value in range(1, 7):
        _step(first, model, state, args, float(value))
    checkpoint = tmp_path / "checkpoint-6"
    checkpoint.mkdir()
    first.on_save(args, state, None)
    assert (checkpoint / AVERAGE_FILE).is_file()
    first.on_train_end(args, state, None, model=model)  # interrupted: weights untouched
    assert torch.allclose(model.weight, torch.full_like(model.weight, 6.0))

    resumed = average_callback(start=0.5)
    resumed.on_train_begin(args, SimpleNamespace(global_step=6, max_steps=8), None)
    state = SimpleNamespace(global_step=6, max_steps=8)
    for value in (7, 8):
        _step(resumed, model, state, args, float(value))
    resumed.on_train_end(args, state, None, model=model)
    assert averaged_snapshots([resumed]) == 5
    assert torch.allclose(model.weight, torch.full_like(model.weight, 6.0))


def test_no_average_before_the_start():
    assert averaged_snapshots([object()]) == 0
    with pytest.raises(ValueError, match="between 0 and 1"):
        average_callback(start=1.0)
