"""Weight averaging: the model that is saved is the mean of the weights over the last part
of training, not the weights after the final step.

Stochastic weight averaging (Izmailov et al. 2018, "Averaging Weights Leads to Wider
Optima and Better Generalization") takes equal-weight snapshots along the end of the
trajectory. Fine-tuning runs that see the data more than once wobble from one evaluation
to the next; the average sits between the wobbles and costs one copy of the trainable
weights, updated every few dozen steps.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

AVERAGE_FILE = "weight_average.safetensors"
# About this many equally spaced snapshots, however long the run: enough for a smooth
# mean, few enough that taking them costs nothing next to training.
SNAPSHOTS = 80


def averaged_snapshots(callbacks: Iterable[object]) -> int:
    """How many snapshots the weight-average callback among ``callbacks`` took (0: none)."""
    return max((getattr(cb, "average_count", 0) for cb in callbacks), default=0)


def average_callback(start: float):
    """A TrainerCallback that averages the trainable weights from ``start`` (a fraction of
    the training steps) to the last step, and loads the average into the model when
    training completes. The running average is saved with every checkpoint and read back
    on resume, so an interrupted run loses none of it."""
    if not 0 <= start < 1:
        raise ValueError(f"the average must start between 0 and 1 of training, not {start}")
    import torch
    from safetensors.torch import load_file, save_file
    from transformers import TrainerCallback

    class WeightAverage(TrainerCallback):
        def __init__(self) -> None:
            self.mean: dict[str, torch.Tensor] = {}
            self.average_count = 0

        def _due(self, state) -> bool:
            first = max(1, math.ceil(start * state.max_steps))
            every = max(1, round((state.max_steps - first) / SNAPSHOTS))
            step = state.global_step
            return step >= first and ((step - first) % every == 0 or step == state.max_steps)

        def on_train_begin(self, args, state, control, **kwargs):
            saved = Path(args.output_dir) / f"checkpoint-{state.global_step}" / AVERAGE_FILE
            if state.global_step and saved.is_file():
                tensors = load_file(saved)
                self.average_count = int(tensors.pop("__count__").item())
                self.mean = tensors

        def on_step_end(self, args, state, control, model=None, **kwargs):
            if model is None or not self._due(state):
                return
            self.average_count += 1
            with torch.no_grad():
                for name, param in model.named_parameters():
                    if not param.requires_grad:
                        continue
                    value = param.detach().float()
                    if name in self.mean:
                        # Running mean: m += (x - m) / n, exact for equal weights.
                        self.mean[name].add_(value - self.mean[name], alpha=1 / self.average_count)
                    else:
                        self.mean[name] = value.clone()

        def on_save(self, args, state, control, **kwargs):
            folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            if self.average_count and folder.is_dir():
                tensors = {**self.mean, "__count__": torch.tensor(self.average_count)}
                save_file(tensors, str(folder / AVERAGE_FILE))

        def on_train_end(self, args, state, control, model=None, **kwargs):
            if model is None or not self.average_count or state.global_step < state.max_steps:
                return  # an interrupted run keeps training weights; the average is saved
            with torch.no_grad():
                params = dict(model.named_parameters())
                for name, mean in self.mean.items():
                    params[name].copy_(mean.to(params[name].dtype))

    return WeightAverage()
