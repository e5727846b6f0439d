"""Re-planning a budgeted run after its first minute of real steps (--replan).

The budget sizes a run from a probe of about 30 s; whole runs have trained 7-16 %
slower or faster than their probes said (tutor.training.budget, SUSTAINED_SHARE). After
a minute of real steps the run knows its own speed: it refits the number of steps so
that training and the evaluations still to come end at the budget's deadline, and
stretches or squeezes the learning-rate schedule to the new end (warm-up is over by
then; the linear decay still ends at zero on the last step).

A run can only take more steps than planned if it has the examples to take them on:
with --replan the plan keeps REPLAN_HEADROOM times the examples it means to read
(tutor.days.day7), and the Trainer is given the planned steps (max_steps) rather than
passes over them. :func:`replan_steps` is the decision, a pure function of measured
times; :func:`replan_callback` applies it.
"""

from __future__ import annotations

import math
import time

REPLAN_AFTER_SECONDS = 60.0
# Within this share of the plan, the plan stands: a changed schedule has a cost too.
REPLAN_TOLERANCE = 0.05
# Examples kept beyond the planned ones, so that a faster run can read more.
REPLAN_HEADROOM = 1.25


def replan_steps(
    *,
    elapsed: float,
    steps_done: int,
    seconds_per_step: float,
    planned_steps: int,
    deadline: float,
    evaluation_seconds_left: float,
    available_steps: int,
    tolerance: float = REPLAN_TOLERANCE,
) -> int | None:
    """The total steps that end training, and the ``evaluation_seconds_left``, at
    ``deadline`` seconds (counted, like ``elapsed``, from the first step), at the measured
    ``seconds_per_step``; at most ``available_steps`` (the examples there are), at least
    one more than done. None when that is within ``tolerance`` of ``planned_steps``."""
    if steps_done <= 0 or seconds_per_step <= 0:
        return None
    left = max(0.0, deadline - elapsed - evaluation_seconds_left)
    total = steps_done + math.floor(left / seconds_per_step)
    total = max(steps_done + 1, min(total, available_steps))
    if abs(total - planned_steps) <= tolerance * planned_steps:
        return None
    return total


def _linear_lambda(warmup: int, total: int):
    """transformers' linear schedule with warm-up, to ``total`` steps."""

    def factor(step: int) -> float:
        if step < warmup:
            return step / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))

    return factor


def replan_callback(eta, available_steps: int, after: float = REPLAN_AFTER_SECONDS):
    """A TrainerCallback that re-plans once, ``after`` seconds into training, from the
    step and evaluation times ``eta`` (finetune's Eta callback) has measured."""
    from transformers import TrainerCallback

    class Replan(TrainerCallback):
        def __init__(self) -> None:
            self.done = False
            self.change: tuple[int, int] | None = None  # (planned, new) steps

        def on_step_end(self, args, state, control, lr_scheduler=None, **kwargs):
            if self.done or eta.deadline is None or eta.first_step is None:
                return
            elapsed = time.perf_counter() - eta.t_start
            per_step = eta.seconds_per_step()
            if elapsed < after or per_step is None or eta.steps_timed < 3:
                return
            self.done = True
            steps_left = state.max_steps - state.global_step
            evals_left = (eta.remaining(state) or 0.0) - per_step * steps_left
            new = replan_steps(
                elapsed=elapsed,
                steps_done=state.global_step,
                seconds_per_step=per_step,
                planned_steps=state.max_steps,
                deadline=eta.deadline,
                evaluation_seconds_left=max(0.0, evals_left),
                available_steps=available_steps,
            )
            if new is None or lr_scheduler is None or args.lr_scheduler_type != "linear":
                return
            warmup = args.get_warmup_steps(state.max_steps)
            lr_scheduler.lr_lambdas = [_linear_lambda(warmup, new) for _ in lr_scheduler.lr_lambdas]
            self.change = (state.max_steps, new)
            state.max_steps = new

    return Replan()
