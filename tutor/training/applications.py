"""What the day-50 applications share: how long each may train (sized from a measured
speed with tutor.training.budget), length-bucketed batches, padding, and batched
inference.

Every task pre-tokenizes its examples once into dicts of lists (``input_ids`` and the
rest); batches are cut from examples of similar length, so a batch of short sentences
is not padded to the longest sentence of the corpus.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from tutor.training.hardware import Hardware

# A bucket holds this many batches' worth of examples, sorted by length before they are
# cut into batches: similar lengths in a batch, yet a different mix every epoch.
BUCKET_BATCHES = 50
EVAL_BATCH = 64


@dataclass
class Context:
    """What every task needs: the encoder, its tokenizer, the machine and the shape."""

    model_path: str
    tokenizer: Any
    hw: Hardware
    precision: str
    seed: int
    batch_size: int = 32
    max_length: int = 128
    progress: bool = True


@dataclass
class Budget:
    """How a task trains: ``seconds`` of training sized from a measured speed (None:
    ``epochs`` over everything), or a fixed number of ``steps`` (the smoke profile)."""

    lr: float
    epochs: float
    seconds: float | None = None
    steps: int | None = None
    max_train: int | None = None  # at most this many training examples
    max_test: int | None = None  # at most this many test examples (smoke)


@dataclass
class Sized:
    examples: list[dict[str, Any]]  # the training examples to read
    steps: int
    epochs: float
    speed: str  # how it was decided, in words


def bucketed(
    examples: Sequence[dict[str, Any]],
    batch_size: int,
    collate: Callable[[list[dict[str, Any]]], dict[str, Any]],
    seed: int,
) -> Iterator[dict[str, Any]]:
    """Endless epochs of length-bucketed, shuffled batches of ``examples``."""
    rng = random.Random(seed)
    order = list(range(len(examples)))
    width = batch_size * BUCKET_BATCHES
    while True:
        rng.shuffle(order)
        groups: list[list[int]] = []
        for start in range(0, len(order), width):
            bucket = sorted(order[start : start + width], key=lambda i: _length(examples[i]))
            groups += [bucket[i : i + batch_size] for i in range(0, len(bucket), batch_size)]
        rng.shuffle(groups)
        for group in groups:
            yield collate([examples[i] for i in group])


def _length(example: dict[str, Any]) -> int:
    return len(example["input_ids"])


def pad(examples: list[dict[str, Any]], pad_id: int, keys: dict[str, int]) -> dict[str, Any]:
    """Tensors of ``examples``' fields: each list padded to the longest of its field
    (``*input_ids`` with ``pad_id``, the others with their value in ``keys``, else 0);
    single numbers (a pair's label) as they are."""
    import torch

    batch = {}
    for key in examples[0]:
        if isinstance(examples[0][key], list):
            fill = pad_id if key.endswith("input_ids") else keys.get(key, 0)
            width = max(len(e[key]) for e in examples)
            batch[key] = torch.tensor([e[key] + [fill] * (width - len(e[key])) for e in examples])
        else:
            batch[key] = torch.tensor([e[key] for e in examples])
    return batch


SEQUENCE_KEYS = {"attention_mask": 0, "token_type_ids": 0, "labels": -100}


def limit(rows: Sequence[Any], budget: Budget, seed: int) -> list[Any]:
    """The training rows in a seeded random order, at most ``budget.max_train`` of them:
    cut before tokenizing, so a smoke run does not encode a whole corpus."""
    rows = list(rows)
    random.Random(seed).shuffle(rows)
    return rows if budget.max_train is None else rows[: budget.max_train]


def size(
    ctx: Context,
    budget: Budget,
    examples: list[dict[str, Any]],
    make_model: Callable[[], Any],
    collate: Callable[[list[dict[str, Any]]], dict[str, Any]],
    loss_fn: Callable | None = None,
) -> Sized:
    """How many examples and steps this task trains on.

    Fixed steps (smoke) or no time limit (GPU): as asked. Otherwise the task's own
    training step is timed on a throwaway copy of the model (loops.seconds_per_step) and
    budget.fit turns the rate into examples, passes and steps that fit in
    ``budget.seconds`` at budget.SUSTAINED_SHARE of that rate."""
    from tutor.training import budget as b
    from tutor.training.loops import seconds_per_step

    rng = random.Random(ctx.seed)
    pool = list(examples)
    rng.shuffle(pool)
    if budget.max_train is not None:
        pool = pool[: budget.max_train]
    bs = ctx.batch_size
    if budget.steps is not None:
        return Sized(pool, budget.steps, budget.steps * bs / max(1, len(pool)), "fixed steps")
    if budget.seconds is None:
        steps = max(1, math.ceil(math.ceil(len(pool) / bs) * budget.epochs))
        return Sized(pool, steps, budget.epochs, "full data, no time limit")
    per_step = seconds_per_step(
        make_model(),
        bucketed(pool, bs, collate, ctx.seed),
        hw=ctx.hw,
        precision=ctx.precision,
        loss_fn=loss_fn,
        lr=budget.lr,
    )
    rate = bs / per_step * b.SUSTAINED_SHARE
    fit = b.fit(rate, budget.seconds, len(pool), bs, budget.epochs)
    speed = (
        f"measured {bs / per_step:.1f} examples/s; {budget.seconds / 60:.1f} min of "
        f"training read {fit.train_samples:,} of {len(pool):,} examples, "
        f"{fit.epochs:g} pass(es), {fit.steps} steps"
    )
    return Sized(pool[: fit.train_samples], fit.steps, fit.epochs, speed)


class Adapter:
    """Wraps a model for :func:`predict`, which moves it to the device and switches it to
    eval mode; a subclass's ``__call__`` says how a batch reaches ``inner``."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def to(self, device):
        self.inner.to(device)
        return self

    def eval(self):
        self.inner.eval()
        return self


def predict(
    ctx: Context,
    model,
    examples: Sequence[dict[str, Any]],
    collate: Callable[[list[dict[str, Any]]], dict[str, Any]],
    read: Callable[[Any, dict[str, Any]], list[Any]],
) -> list[Any]:
    """``read(outputs, batch)`` for every example, in the examples' order: batches of
    similar lengths (less padding), the answers put back where they came from."""
    import torch

    from tutor.training.loops import autocast, device_of, to_device

    device = device_of(ctx.hw)
    model.to(device).eval()
    order = sorted(range(len(examples)), key=lambda i: _length(examples[i]))
    results: list[Any] = [None] * len(examples)
    with torch.inference_mode(), autocast(ctx.hw, ctx.precision):
        for start in range(0, len(order), EVAL_BATCH):
            chunk = order[start : start + EVAL_BATCH]
            batch = to_device(collate([examples[i] for i in chunk]), device)
            for i, value in zip(chunk, read(model(**batch), batch), strict=True):
                results[i] = value
    return results


def train(ctx: Context, model, sized: Sized, budget: Budget, collate, desc: str, loss_fn=None):
    """Train ``model`` for the sized steps on bucketed batches (loops.train_loop)."""
    from tutor.training.loops import train_loop

    return train_loop(
        model,
        bucketed(sized.examples, ctx.batch_size, collate, ctx.seed),
        steps=sized.steps,
        lr=budget.lr,
        hw=ctx.hw,
        precision=ctx.precision,
        loss_fn=loss_fn,
        log_every=max(1, sized.steps // 100),
        desc=desc,
        progress=ctx.progress,
    )


def load_model(kind, path: str, **kwargs):
    """A pre-trained encoder with a task head (``kind``: an Auto class name, or a model
    class), from safetensors, without the new-head warnings."""
    import transformers

    from tutor.training.models import quiet_loading

    cls = getattr(transformers, kind) if isinstance(kind, str) else kind
    with quiet_loading():
        return cls.from_pretrained(path, use_safetensors=True, **kwargs)
