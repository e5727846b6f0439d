"""Solution of `warmup_schedule`: linear warm-up and decay."""

from __future__ import annotations


def steps_per_epoch(examples: int, batch_size: int) -> int:
    return -(-examples // batch_size)  # ceiling division: the partial batch is a step too


def warmup_steps(total_steps: int, ratio: float = 0.1) -> int:
    return int(ratio * total_steps)


def learning_rate(step: int, peak_lr: float, warmup: int, total: int) -> float:
    if total <= 0 or not 0 <= warmup <= total:
        raise ValueError(f"need 0 <= warmup <= total and total > 0, got {warmup=} {total=}")
    if step < warmup:
        return peak_lr * step / warmup  # step 0 trains at 0: the first update is tiny
    if total == warmup:
        return 0.0
    return peak_lr * max(0.0, (total - step) / (total - warmup))
