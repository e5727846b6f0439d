"""A wall-clock budget instead of fixed sizes: measure, then decide, then train.

Laptops differ by 2-4x in training throughput (native bf16 or not, cores, load), so a
recipe with a fixed number of examples takes 12 minutes on one and 30 on the next. With
a budget, the run first times a few real training steps of the real model on real
batches (after warm-up steps that pay for kernel selection and memory allocation), and
only then fixes how many examples it reads, how many passes it makes and therefore the
learning-rate schedule. The schedule must be known before it starts: a linear decay
that is stretched half-way through is not the same schedule.

The decisions (:func:`fit`, :func:`choose_shape`) are pure functions of measured rates,
unit-tested with a fake clock; :func:`measure` times any step function with any clock;
:func:`probe` is the part that runs torch.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

# Long texts are worth 256 tokens only when that still leaves this many examples to
# learn from. On IMDB, 6,000 reviews at 256 tokens beat 12,000 at 128 in the same time
# (88.1 % against 87.5 % held-out, bf16 CPU); in fp32, 4,128-4,416 reviews at 256 tokens
# gave 87.75-89.00 % (seeds 1-3) where AVX2 laptops reading 5,472 at 128 got 86.5 and
# 86.65 %; 1,600 at 256 fell to 85.2 % (README Benchmarks, issue 25). The line is drawn
# below the fp32 runs and well above the failure.
LONG_MIN_SAMPLES = 3_500
# A text set is "long" when at least this share of a sample exceeds 128 tokens.
LONG_SHARE = 0.25
WARMUP_BATCHES = 2
MEASURED_BATCHES = 6
# Fast batches are timed again, in turn, for this long: short sentences train at 30
# batches a second, and 6 of them (0.7 s) read 188 samples/s where SST-2 trained at 294.
# Timing them for 8 s straight after their first pass still read 215 (of 304): each new
# sentence length's first step is slow, so the first pass now only warms up.
MIN_MEASURED_SECONDS = 8.0
# Past this share of the budget spent measuring, no further precision is tried.
MAX_MEASURING_SHARE = 0.15
# The probe times about 30 s of steps; a run lasts ten minutes. In fp32 at 256 tokens the
# whole runs trained 7-16 % slower than their probes said (probes 7.1-7.75 samples/s,
# sustained 6.6-6.7, three runs, same texts; bf16 matched to 1 %), and the same probe on
# the same texts varies by about 7 % between runs. Plans assume this share of the measured
# speed, so that a run ends inside its budget rather than past it.
SUSTAINED_SHARE = 0.92
# Evaluating reads texts about this many times faster than training does at the same
# length (no backward pass, no optimiser step): 2,000 reviews at 256 tokens took 111 s
# where training read 5.1/s (3.5x); 68 s where it read 9.0/s (3.3x). Only used to
# foresee the final evaluation's cost before its own probe runs.
EVAL_SPEEDUP = 3.3


@dataclass(frozen=True)
class Shape:
    precision: str
    max_length: int
    batch_size: int

    def describe(self) -> str:
        return f"{self.precision}, {self.max_length} tokens, batch {self.batch_size}"


@dataclass(frozen=True)
class Rate:
    shape: Shape
    samples_per_second: float
    seconds: float  # what measuring it cost, warm-up included


@dataclass(frozen=True)
class Fit:
    train_samples: int  # distinct examples read
    epochs: float  # passes over them
    steps: int  # optimizer steps: what the learning-rate schedule spans


def measure(
    step: Callable[[Any], None],
    batches: Sequence[Any],
    size: Callable[[Any], int],
    *,
    warmup: int = WARMUP_BATCHES,
    clock: Callable[[], float] = time.perf_counter,
    min_seconds: float = 0.0,
) -> tuple[float, float]:
    """Samples per second of ``step`` over ``batches[warmup:]``, and the seconds it all
    took. The first ``warmup`` batches run untimed. If one pass over the others takes
    less than ``min_seconds``, that pass counts as warm-up too and they run again, in
    turn, for ``min_seconds`` of timing."""
    if len(batches) <= warmup:
        raise ValueError("measure() needs at least one batch after the warm-up ones")
    start = clock()
    for batch in batches[:warmup]:
        step(batch)
    timed = batches[warmup:]
    t0 = clock()
    for batch in timed:
        step(batch)
    samples = sum(size(batch) for batch in timed)
    if clock() - t0 < min_seconds:
        # Fast steps: the first pass paid for every new input shape (the CPU kernels are
        # chosen per shape, which a long run does once); it only warmed up. Time more.
        t0, samples, done = clock(), 0, 0
        while clock() - t0 < min_seconds:
            batch = timed[done % len(timed)]
            step(batch)
            samples += size(batch)
            done += 1
    end = clock()
    return samples / max(end - t0, 1e-9), end - start


def fit(
    samples_per_second: float,
    seconds: float,
    pool: int,
    batch_size: int,
    max_epochs: float,
    *,
    fixed_epochs: float | None = None,
) -> Fit:
    """How much of a ``pool`` of training examples ``seconds`` of training can read.

    Fewer than the pool: one pass over that many, in whole batches (a random subset,
    drawn by the seed). The whole pool or more: all of it, for as many passes as fit, at
    most ``max_epochs`` (rounded down to a tenth of a pass). ``fixed_epochs`` (the
    learner's --epochs): that many passes over as many examples as fit. At least one
    batch.
    """
    capacity = max(0.0, samples_per_second * seconds)
    if fixed_epochs is not None:
        n = min(pool, max(batch_size, int(capacity / fixed_epochs // batch_size) * batch_size))
        return Fit(n, fixed_epochs, max(1, math.ceil(math.ceil(n / batch_size) * fixed_epochs)))
    if capacity < pool:
        n = max(batch_size, int(capacity // batch_size) * batch_size)
        n = min(n, pool)
        return Fit(n, 1.0, max(1, math.ceil(n / batch_size)))
    epochs = min(float(max_epochs), math.floor(10 * capacity / pool) / 10)
    steps_per_epoch = math.ceil(pool / batch_size)
    return Fit(pool, epochs, max(1, math.ceil(steps_per_epoch * epochs)))


def evaluations(steps: int, steps_per_epoch: int, per_epoch: int, final: bool = False) -> int:
    """How many evaluations a run of ``steps`` makes: one every ``steps_per_epoch /
    per_epoch`` steps (as the Trainer's eval_steps), one more at the end if the last step
    is not on that grid, or if ``final`` (averaged weights are evaluated after training).
    ``per_epoch`` 0: no evaluation during training, the final one only."""
    if per_epoch <= 0:
        return 1
    every = min(steps, max(1, math.ceil(steps_per_epoch / per_epoch)))
    return steps // every + int(steps % every != 0 or final)


def evaluation_cost(evals: int, eval_seconds: float, mid_eval_seconds: float | None) -> float:
    """Seconds of ``evals`` evaluations: each ``eval_seconds``; with ``mid_eval_seconds``
    (mid-run evaluations on a sample, --mid-eval-samples) all but the last cost that,
    and the last, final one reads the whole held-out set."""
    if mid_eval_seconds is None:
        return evals * eval_seconds
    return max(0, evals - 1) * mid_eval_seconds + eval_seconds


def fit_with_evaluations(
    samples_per_second: float,
    seconds: float,
    pool: int,
    batch_size: int,
    max_epochs: float,
    *,
    eval_seconds: float,
    evals_per_epoch: int,
    final_eval: bool = False,
    fixed_epochs: float | None = None,
    share: float = SUSTAINED_SHARE,
    mid_eval_seconds: float | None = None,
) -> tuple[Fit, int]:
    """:func:`fit` for a budget that also pays for the run's evaluations (``eval_seconds``
    each; see :func:`evaluation_cost` for ``mid_eval_seconds``), planned at ``share`` of
    the measured speed. More passes mean more evaluations and so less time to train:
    the count is settled by refitting until it holds. Returns the fit and the number of
    evaluations it makes. ``evals_per_epoch`` 0: the final evaluation only."""
    rate = samples_per_second * share
    evals = evals_per_epoch + int(final_eval or evals_per_epoch == 0)
    for _ in range(5):
        f = fit(
            rate,
            max(0.0, seconds - evaluation_cost(evals, eval_seconds, mid_eval_seconds)),
            pool,
            batch_size,
            max_epochs,
            fixed_epochs=fixed_epochs,
        )
        per_epoch = max(1, math.ceil(f.train_samples / batch_size))
        need = evaluations(f.steps, per_epoch, evals_per_epoch, final_eval)
        if need <= evals:
            break
        evals = need
    return f, need


def choose_shape(
    rate: Callable[[Shape], Rate],
    precisions: Sequence[str],
    lengths: Sequence[int],
    batch_for: Callable[[int], int],
    seconds: float,
    pool: int,
    min_samples: int = LONG_MIN_SAMPLES,
    eval_examples: int = 0,
) -> tuple[Shape, list[Rate], str]:
    """The input shape to train with, from measured rates: the fastest precision (same
    accuracy, so only speed counts), then the longest input length that still reads
    ``min_samples`` examples (or the whole pool) in ``seconds``; the shortest if none
    does. What a length reads is counted as the plan will count it: at SUSTAINED_SHARE
    of the probe, after the final evaluation of ``eval_examples`` texts at that length.
    ``rate`` measures one shape; each shape is measured once. Returns the shape, every
    rate measured, and the reason in words."""
    measured: dict[Shape, Rate] = {}

    def get(shape: Shape) -> Rate:
        if shape not in measured:
            measured[shape] = rate(shape)
        return measured[shape]

    first = lengths[0]
    by_precision: list[Rate] = []
    reasons = []
    for p in precisions:
        spent = sum(m.seconds for m in measured.values())
        if by_precision and spent > MAX_MEASURING_SHARE * seconds:
            # A machine this busy spends its budget on training, not on comparisons.
            reasons.append(f"measuring took {spent:.0f} s: {p} not compared")
            break
        by_precision.append(get(Shape(p, first, batch_for(first))))
    best = max(by_precision, key=lambda r: r.samples_per_second)
    precision = best.shape.precision
    if len(by_precision) > 1:
        other = min(by_precision, key=lambda r: r.samples_per_second)
        reasons.insert(
            0,
            f"{precision} is {best.samples_per_second / other.samples_per_second:.1f}x "
            f"as fast as {other.shape.precision} here",
        )
    want = min(min_samples, pool)
    chosen = None
    for length in lengths:
        r = get(Shape(precision, length, batch_for(length)))
        spent = sum(m.seconds for m in measured.values())
        evaluating = eval_examples / (EVAL_SPEEDUP * r.samples_per_second)
        left = max(0.0, seconds - spent - evaluating)
        reads = r.samples_per_second * SUSTAINED_SHARE * left
        if reads >= want or length == lengths[-1]:
            chosen = r
            break
        reasons.append(
            f"{length} tokens would read only {int(reads):,} examples (fewer than {want:,})"
        )
    assert chosen is not None
    return chosen.shape, list(measured.values()), "; ".join(reasons)


@dataclass
class BudgetPlan:
    """What the budget decided and from which measurements; saved in run.json so that a
    resumed run continues the same plan and a rerun can reproduce it."""

    minutes: float
    shape: Shape
    samples_per_second: float  # training, of the chosen shape
    eval_samples_per_second: float | None
    train_samples: int
    pool: int
    epochs: float
    steps: int
    measuring_seconds: float
    rates: list[Rate] = field(default_factory=list)
    reason: str = ""
    noun: str = "examples"
    # Runs planned before evaluations counted against the budget have neither.
    evaluations: int = 0
    eval_seconds: float = 0.0  # each
    share: float = 1.0  # of the measured speed the plan assumes (SUSTAINED_SHARE)

    @property
    def train_seconds(self) -> float:
        rate = self.samples_per_second * self.share
        return self.steps * self.shape.batch_size / max(rate, 1e-9)

    def summary(self) -> str:
        passes = f" x {self.epochs:g} passes" if self.epochs != 1 else ""
        whole = " (all of them)" if self.train_samples == self.pool else ""
        return (
            f"measured {self.samples_per_second:.1f} samples/s ({self.shape.describe()}) "
            f"→ {self.train_samples:,} {self.noun}{whole}{passes} fit in "
            f"{self.train_seconds / 60:.1f} min"
            + (
                f" beside {self.evaluations} evaluation(s) of {self.eval_seconds:.0f} s"
                if self.evaluations
                else ""
            )
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["summary"] = self.summary()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BudgetPlan:
        data = {k: v for k, v in data.items() if k != "summary"}
        data["shape"] = Shape(**data["shape"])
        data["rates"] = [
            Rate(Shape(**r["shape"]), r["samples_per_second"], r["seconds"])
            for r in data.get("rates", [])
        ]
        return cls(**data)


# --- the week's experiments (days 45-50): their sizes from a measured speed -----------
# The one place where work is sized by measured speed: day 7 fits examples and passes to
# a time budget (fit, above); the week's days scale their profile's example counts
# (scale_for) or fit their steps (fit_steps) to what the same probe measured.

# The CPU profiles' example counts were sized on a 2-core CPU with native bf16 that trains
# MiniLM on short sentences (128 tokens, batch 32) at about this rate (README, Benchmarks).
REFERENCE_SAMPLES_PER_SECOND = 170.0
# A slower machine reads proportionally fewer examples, but never fewer than this share:
# below it the experiments stop showing what they are about.
MIN_SCALE = 0.25


def scale_for(samples_per_second: float, reference: float = REFERENCE_SAMPLES_PER_SECOND) -> float:
    """How much of the profile's example counts this machine reads in the same time:
    the measured rate over the reference one, between MIN_SCALE and 1."""
    return min(1.0, max(MIN_SCALE, samples_per_second / reference))


def scaled(count: int | None, scale: float | None) -> int | None:
    """``count`` examples times ``scale`` (None: unchanged)."""
    if count is None or scale is None:
        return count
    return max(1, int(count * scale))


def fit_steps(seconds_per_step: float, steps: int, minutes: float, floor: int) -> tuple[int, str]:
    """The steps that fit in ``minutes`` at the measured speed (planned at
    SUSTAINED_SHARE of it), between ``floor`` and ``steps``, and the plan in words."""
    per_step = seconds_per_step / SUSTAINED_SHARE
    fitted = max(floor, min(steps, int(minutes * 60 / per_step)))
    words = (
        f"measured {seconds_per_step:.2f} s/step → {fitted} steps, about "
        f"{fitted * per_step / 60:.1f} min of training"
    )
    if fitted == floor and floor * per_step > minutes * 60:
        words += f" (the fewest that show the pattern: more than {minutes:g} min here)"
    return fitted, words


def is_long(lengths: Sequence[int], limit: int = 128, share: float = LONG_SHARE) -> bool:
    """Whether texts of these token counts lose much at ``limit`` tokens."""
    return bool(lengths) and sum(n > limit for n in lengths) >= share * len(lengths)


# --- measuring with torch ------------------------------------------------------------


def probe(
    load_model: Callable[[], Any],
    tokenizer,
    texts: Sequence[str],
    labels: Sequence[int],
    *,
    shape: Shape,
    truncation: str,
    learning_rate: float,
    freeze_embeddings: bool,
    hw,
    seed: int,
    freeze_layers: int = 0,
) -> Rate:
    """Time training steps of a fresh copy of the model on ``shape``-sized batches of
    ``texts``, as the Trainer would run them: length-grouped batches padded to their
    own longest text, AdamW (fused), gradient clipping, bf16 autocast if asked for.

    The warm-up batches are drawn at random; the measured ones are the rest sorted by
    length and cut into batches, so they span the data's lengths as a length-grouped
    epoch does. The model is thrown away afterwards: these steps do not count."""
    import contextlib

    import torch
    from transformers import DataCollatorWithPadding

    from tutor.training.finetune import encode_texts, freeze_lower_layers, freeze_word_embeddings
    from tutor.training.hardware import choose_attention

    model = load_model()
    if freeze_embeddings:
        freeze_word_embeddings(model)
    freeze_lower_layers(model, freeze_layers)  # frozen layers skip their backward pass
    attention = choose_attention(hw, shape.precision, shape.max_length)
    if attention and model.config._attn_implementation != attention:
        model.set_attn_implementation(attention)
    model.train()
    ids = encode_texts(tokenizer, list(texts), shape.max_length, truncation)
    order = list(range(len(ids)))
    random.Random(seed).shuffle(order)
    bs = shape.batch_size
    warm, rest = order[: WARMUP_BATCHES * bs], order[WARMUP_BATCHES * bs :]
    warm.sort(key=lambda i: -len(ids[i]))  # the longest first, as group_by_length does
    rest.sort(key=lambda i: len(ids[i]))
    groups = [warm[i : i + bs] for i in range(0, len(warm), bs)]
    measured = [rest[i : i + bs] for i in range(0, len(rest) - bs + 1, bs)]
    random.Random(seed + 1).shuffle(measured)
    collator = DataCollatorWithPadding(tokenizer)
    batches = [
        collator(
            [
                {"input_ids": ids[i], "attention_mask": [1] * len(ids[i]), "labels": labels[i]}
                for i in g
            ]
        )
        for g in groups + measured
    ]
    params = [p for p in model.parameters() if p.requires_grad]
    try:
        optimizer = torch.optim.AdamW(params, lr=learning_rate, fused=True)
    except (RuntimeError, TypeError):  # no fused kernel for this device
        optimizer = torch.optim.AdamW(params, lr=learning_rate)
    bf16 = shape.precision == "bf16"

    def step(batch) -> None:
        ctx = (
            torch.autocast(device_type=hw.device, dtype=torch.bfloat16)
            if bf16
            else contextlib.nullcontext()
        )
        with ctx:
            loss = model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    start = time.perf_counter()
    rate, _ = measure(
        step,
        batches,
        lambda b: int(b["input_ids"].shape[0]),
        min_seconds=MIN_MEASURED_SECONDS,
    )
    return Rate(shape, rate, time.perf_counter() - start)


def probe_eval(
    load_model: Callable[[], Any],
    tokenizer,
    texts: Sequence[str],
    *,
    shape: Shape,
    truncation: str,
    eval_batch_size: int,
    hw,
) -> float:
    """Samples per second of evaluation (forward only) at ``shape``: one warm-up batch,
    one timed batch."""
    import contextlib

    import torch
    from transformers import DataCollatorWithPadding

    from tutor.training.finetune import encode_texts

    # The library's default kernel (SDPA), as evaluation uses (finetune.build_trainer).
    model = load_model().eval()
    ids = encode_texts(tokenizer, list(texts), shape.max_length, truncation)
    collator = DataCollatorWithPadding(tokenizer)
    groups = [ids[i : i + eval_batch_size] for i in range(0, len(ids), eval_batch_size)][:2]
    batches = [
        collator([{"input_ids": x, "attention_mask": [1] * len(x)} for x in g]) for g in groups
    ]
    if len(batches) < 2:
        batches = batches * 2
    ctx = (
        torch.autocast(device_type=hw.device, dtype=torch.bfloat16)
        if shape.precision == "bf16"
        else contextlib.nullcontext()
    )

    def step(batch) -> None:
        with torch.inference_mode(), ctx:
            model(**batch)

    rate, _ = measure(step, batches, lambda b: int(b["input_ids"].shape[0]), warmup=1)
    return rate
