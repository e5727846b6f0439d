"""Exercise `warmup_schedule`: linear warm-up then linear decay of the learning rate.

Fill in the functions, then run `tutor check warmup_schedule` (or press Run tests in the
lesson page). Stuck? `tutor hint warmup_schedule`.

The schedule of the Day 45 lesson (and of transformers' get_linear_schedule_with_warmup),
with t_w warm-up steps and T steps in all:

    lr(t) = peak * t / t_w                    for t < t_w
    lr(t) = peak * max(0, (T - t) / (T - t_w))  for t >= t_w
"""

from __future__ import annotations


def steps_per_epoch(examples: int, batch_size: int) -> int:
    """How many batches one pass over ``examples`` takes (the last batch may be partial)."""
    # TODO
    return examples // batch_size


def warmup_steps(total_steps: int, ratio: float = 0.1) -> int:
    """The warm-up length as the lesson computes it: int(ratio * total_steps)."""
    # TODO
    raise NotImplementedError("TODO: implement warmup_steps")


def learning_rate(step: int, peak_lr: float, warmup: int, total: int) -> float:
    """The learning rate at optimizer step ``step`` (0 = the first step). Raise ValueError
    if ``total`` is not positive or ``warmup`` is negative or larger than ``total``."""
    # TODO
    raise NotImplementedError("TODO: implement learning_rate")
