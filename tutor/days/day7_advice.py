"""What would change the outcome of a day-7 run that missed its target.

Running the same command again on the same machine reads the same number of examples at
the same length and lands within a few tenths of a point of the same accuracy, so
"run it again" is no advice. What does change the outcome, from the run's own
measurements (its budget's rates and evaluation cost): more time, so more examples; on
long texts, 256 tokens with enough time to read enough of them at that length; a GPU.

Pure functions of the run's metrics (metrics.json), so they are unit-tested with made-up
rates and can be stored with the run for `tutor progress` to show.
"""

from __future__ import annotations

import math
from typing import Any

# At 256 tokens a run needs at least this many reviews to beat 128 tokens (README
# Benchmarks: 6,000 reviews at 256 tokens reached 88.1 %, 12,000 at 128 reached 87.5 %;
# with 1,600 at 256 an AVX2 run reached only 85.2 %). The budget's own floor:
from tutor.training.budget import LONG_MIN_SAMPLES

# What to advise reading at 256 tokens: the fp32 runs that met 88 % read 4,128-4,416
# reviews there (README Benchmarks); LONG_MIN_SAMPLES is only the least worth choosing.
ADVISED_LONG_SAMPLES = max(LONG_MIN_SAMPLES, 4_500)

LONG = 256


def _minutes(
    samples: int, rate: float, *, share: float, measuring: float, evals: int, per_eval: float
) -> int:
    """Whole minutes of budget that measure, read ``samples`` examples at ``rate``
    (planned at ``share`` of it, as the budget plans) and run ``evals`` evaluations."""
    seconds = measuring + samples / max(rate * share, 1e-9) + evals * per_eval
    return max(1, math.ceil(seconds / 60))


def _rate_at(budget: dict[str, Any], length: int) -> float | None:
    """The measured training rate at ``length`` tokens in the run's precision, if the
    budget measured one."""
    precision = budget["shape"]["precision"]
    for r in budget.get("rates") or []:
        shape = r["shape"]
        if shape["max_length"] == length and shape["precision"] == precision:
            return float(r["samples_per_second"])
    return None


def missed(metrics: dict[str, Any]) -> bool:
    target = metrics.get("target_accuracy")
    accuracy = metrics.get("accuracy")
    return target is not None and accuracy is not None and accuracy < target


def advice(metrics: dict[str, Any]) -> list[str]:
    """Sentences naming what would change the outcome of this run, most promising first;
    empty when the run reached its target (or had none)."""
    return [line for line, _ in _options(metrics)]


def next_command(metrics: dict[str, Any]) -> str | None:
    """The command of the most promising change, for `tutor progress` (None: none)."""
    return next((cmd for _, cmd in _options(metrics) if cmd), None)


def _options(metrics: dict[str, Any]) -> list[tuple[str, str | None]]:
    if not missed(metrics):
        return []
    hardware = metrics.get("hardware") or {}
    recipe = metrics.get("recipe") or {}
    budget = metrics.get("budget")
    out: list[tuple[str, str | None]] = []
    if budget:
        out += _budget_options(metrics, budget)
    elif recipe.get("max_train_samples"):
        n = int(metrics.get("train_examples") or recipe["max_train_samples"])
        out.append(
            (
                f"More examples: this run read the {n:,} that --max-train-samples fixed; "
                f"--max-train-samples {2 * n} reads twice as many (or leave it out, and the "
                "time budget sizes the run).",
                f"tutor run day7 --max-train-samples {2 * n}",
            )
        )
    if hardware.get("device") == "cpu":
        pool = (budget or {}).get("pool")
        all_of = f"all {pool:,} training examples" if pool else "the whole training set"
        out.append(
            (
                "A GPU (CUDA, or Apple MPS): there the run chooses the gpu recipe, "
                f"BERT-base on {all_of}, without a time budget.",
                None,
            )
        )
    elif hardware.get("device") in ("cuda", "mps"):
        epochs = float(recipe.get("epochs") or 2)
        out.append(
            (
                f"One more pass over the data: --epochs {epochs + 1:g}.",
                f"tutor run day7 --epochs {epochs + 1:g}",
            )
        )
    return out


def _budget_options(metrics: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, str | None]]:
    noun = b.get("noun") or "examples"
    length = int(b["shape"]["max_length"])
    n, pool = int(b["train_samples"]), int(b["pool"])
    share = float(b.get("share") or 1.0)
    measuring = float(b.get("measuring_seconds") or 0.0)
    evals = int(b.get("evaluations") or 0)
    per_eval = float(b.get("eval_seconds") or 0.0)
    rate = float(b["samples_per_second"])
    out: list[tuple[str, str | None]] = []
    long_rate = _rate_at(b, LONG) if length < LONG else None
    if long_rate:
        # The budget measured 256 tokens and found too few reviews would fit: with more
        # time they do. Evaluating at 256 tokens costs about twice as much as at 128.
        want = min(pool, max(ADVISED_LONG_SAMPLES, n // 2))
        minutes = _minutes(
            want,
            long_rate,
            share=share,
            measuring=measuring,
            evals=evals,
            per_eval=per_eval * LONG / length,
        )
        out.append(
            (
                f"Longer inputs with the time to use them: --time-budget {minutes} "
                f"--max-length {LONG} reads about {want:,} {noun} at {LONG} tokens here "
                f"(measured {long_rate:.1f} samples/s at {LONG}, against {rate:.1f} at "
                f"{length}); this run read {n:,} at {length}.",
                f"tutor run day7 --time-budget {minutes:g} --max-length {LONG}",
            )
        )
    if n < pool:
        more = min(pool, 2 * n)
        minutes = _minutes(
            more, rate, share=share, measuring=measuring, evals=evals, per_eval=per_eval
        )
        out.append(
            (
                f"More time, more {noun}: --time-budget {minutes} reads about {more:,} "
                f"{noun} at {length} tokens here (this run: {n:,} in "
                f"{float(b['minutes']):g} min).",
                f"tutor run day7 --time-budget {minutes:g}",
            )
        )
    if length < LONG and not long_rate:
        out.append(
            (
                f"--max-length {LONG} keeps more of each text; it reads fewer of them in "
                "the same time, so give it a larger --time-budget too.",
                None,
            )
        )
    return out
