"""A plain PyTorch training loop for the experiments the Trainer does not fit: custom
losses (MLM + NSP), encoder-decoders, token-level heads. AdamW, warm-up then linear decay,
one progress bar; bf16 autocast where the recipe asks for it.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from tutor.training.hardware import Hardware


@dataclass
class LoopResult:
    history: list[dict[str, float]]  # one entry per logged step: step, loss, lr, extras
    evaluations: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    steps: int = 0


def device_of(hw: Hardware):
    import torch

    return torch.device(hw.device)


def autocast(hw: Hardware, precision: str):
    """bf16 autocast when asked for; fp16 would need a grad scaler, so it runs in fp32."""
    import contextlib

    import torch

    if precision == "bf16":
        return torch.autocast(device_type=hw.device, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def adamw(model, lr: float, weight_decay: float = 0.01):
    """AdamW without weight decay on biases and LayerNorm gains, like the Trainer's."""
    import torch

    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if param.requires_grad:
            (no_decay if name.endswith("bias") or "LayerNorm" in name else decay).append(param)
    groups = [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=lr)


def batches(
    items: Sequence[Any], batch_size: int, collate: Callable[[list[Any]], Any], seed: int
) -> Iterator[Any]:
    """Endless shuffled epochs over ``items``, ``batch_size`` at a time."""
    rng = random.Random(seed)
    order = list(range(len(items)))
    while True:
        rng.shuffle(order)
        # Full batches only (one smaller batch if there are fewer items than that).
        for start in range(0, max(1, len(order) - batch_size + 1), batch_size):
            yield collate([items[i] for i in order[start : start + batch_size]])


def to_device(batch: dict[str, Any], device) -> dict[str, Any]:
    return {k: v.to(device) if hasattr(v, "to") else v for k, v in batch.items()}


def train_loop(
    model,
    stream: Iterator[dict[str, Any]],
    *,
    steps: int,
    lr: float,
    hw: Hardware,
    precision: str = "fp32",
    warmup_ratio: float = 0.1,
    weight_decay: float = 0.01,
    loss_fn: Callable[[Any, dict[str, Any]], tuple[Any, dict[str, float]]] | None = None,
    evaluate: Callable[[int], dict[str, Any]] | None = None,
    eval_every: int = 0,
    log_every: int = 1,
    desc: str = "Training",
    progress: bool = True,
) -> LoopResult:
    """``steps`` optimizer steps on batches from ``stream``.

    ``loss_fn(model, batch)`` returns the loss and any extra numbers to log (default:
    ``model(**batch).loss``). ``evaluate(step)`` runs every ``eval_every`` steps and at the
    end; the model is in eval mode meanwhile.
    """
    import torch
    from tqdm.auto import tqdm
    from transformers import get_scheduler

    device = device_of(hw)
    model.to(device)
    optimizer = adamw(model, lr, weight_decay)
    scheduler = get_scheduler(
        "linear",
        optimizer,
        num_warmup_steps=math.ceil(warmup_ratio * steps),
        num_training_steps=steps,
    )
    loss_fn = loss_fn or (lambda m, b: (m(**b).loss, {}))
    result = LoopResult(history=[])
    bar = tqdm(total=steps, desc=desc, unit="step", dynamic_ncols=True, disable=not progress)
    t0 = time.perf_counter()
    model.train()
    running: list[float] = []
    for step in range(1, steps + 1):
        batch = to_device(next(stream), device)
        with autocast(hw, precision):
            loss, extras = loss_fn(model, batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        running.append(float(loss.detach()))
        if step % log_every == 0 or step == steps:
            entry = {
                "step": step,
                "loss": sum(running) / len(running),
                "lr": scheduler.get_last_lr()[0],
            }
            entry.update({k: float(v) for k, v in extras.items()})
            result.history.append(entry)
            running = []
            bar.set_postfix(loss=f"{entry['loss']:.4f}")
        bar.update(1)
        if evaluate is not None and (
            (eval_every and step % eval_every == 0 and step != steps) or step == steps
        ):
            model.eval()
            with torch.inference_mode(), autocast(hw, precision):
                scores = evaluate(step)
            model.train()
            result.evaluations.append({"step": step, **scores})
    bar.close()
    model.eval()
    result.seconds = time.perf_counter() - t0
    result.steps = steps
    return result


def seconds_per_step(
    model,
    stream: Iterator[dict[str, Any]],
    *,
    hw: Hardware,
    precision: str = "fp32",
    loss_fn: Callable[[Any, dict[str, Any]], tuple[Any, dict[str, float]]] | None = None,
    lr: float = 1e-4,
) -> float:
    """Seconds per optimizer step of :func:`train_loop`'s step (autocast, backward,
    clipping, AdamW) on ``model``, timed over budget.MEASURED_BATCHES batches after
    budget.WARMUP_BATCHES untimed ones. Use a throwaway model: its weights change."""
    import torch

    from tutor.training import budget

    device = device_of(hw)
    model.to(device).train()
    optimizer = adamw(model, lr)
    loss_fn = loss_fn or (lambda m, b: (m(**b).loss, {}))
    n = budget.WARMUP_BATCHES + budget.MEASURED_BATCHES
    batches_ = [to_device(next(stream), device) for _ in range(n)]

    def step(batch) -> None:
        with autocast(hw, precision):
            loss, _ = loss_fn(model, batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    per_second, _ = budget.measure(step, batches_, lambda b: 1)
    return 1.0 / per_second
