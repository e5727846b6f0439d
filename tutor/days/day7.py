"""Day 7: fine-tune a pre-trained BERT for sentiment, evaluate it, show what it learned.

Two steps so the CLI can show the plan before the long part starts:
``plan(options)`` decides hardware, recipe, data and model; ``execute(plan)`` trains,
evaluates, saves the run folder and records the run for `tutor progress`.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tutor import paths, runs
from tutor.days import day7_advice
from tutor.errors import UsageError
from tutor.training.budget import BudgetPlan
from tutor.training.data import TextData, load_files, load_named
from tutor.training.hardware import Hardware, detect_hardware
from tutor.training.hub import hub_status
from tutor.training.models import ResolvedModel, resolve_model, resolve_pooling
from tutor.training.recipes import Recipe, choose_recipe

log = logging.getLogger("tutor")

DAY = "day7"
# Accuracy a run must reach to count as "fine-tuned successfully" in `tutor progress`.
TARGETS = {"gpu": 0.90, "cpu": 0.88, "smoke": None}
# What a plan calls the training examples of each named data set.
NOUNS = {
    "imdb": "reviews",
    "rotten_tomatoes": "sentences",
    "sst2": "sentences",
    "cola": "sentences",
}


@dataclass
class Options:
    profile: str | None = None  # gpu | cpu | smoke; None: from the hardware
    overrides: dict[str, Any] = field(default_factory=dict)
    train_file: Path | None = None
    eval_file: Path | None = None
    text_column: str = "text"
    label_column: str = "label"
    resume: bool = False
    progress: bool = True


@dataclass
class Plan:
    hardware: Hardware
    recipe: Recipe
    data: TextData
    model: ResolvedModel
    run_dir: Path
    resume_from: Path | None = None
    data_spec: dict[str, Any] = field(default_factory=dict)
    budget: BudgetPlan | None = None  # what the time budget decided, if one applied
    # seconds_per_step / seconds_per_eval / train_seconds / eval_seconds, when measured
    estimate: dict[str, float] | None = None
    # Examples in the training and evaluation splits before the run drew its samples.
    pools: tuple[int, int] | None = None

    @property
    def target(self) -> float | None:
        return TARGETS.get(self.recipe.name)


@dataclass
class Result:
    run_dir: Path
    interrupted: bool
    metrics: dict[str, Any]
    files: dict[str, Path]
    passed: bool = False
    # confident_correct / confident_wrong / least_confident (artifacts.sample_predictions)
    samples: dict[str, list[dict[str, Any]]] | None = None


def _incomplete_run() -> Path:
    candidates = sorted(
        (
            p
            for p in paths.runs_dir().glob(f"{DAY}-*")
            if (p / "run.json").is_file() and not (p / "metrics.json").is_file()
        ),
        key=lambda p: p.stat().st_mtime,
    )
    for run_dir in reversed(candidates):
        from tutor.training.finetune import latest_checkpoint

        if latest_checkpoint(run_dir / "checkpoints"):
            return run_dir
    raise UsageError("Nothing to resume: no interrupted day7 run with a checkpoint.")


def _load_data(spec: dict[str, Any], recipe: Recipe, status) -> TextData:
    """The whole data set; the recipe's limits are applied once the budget has set them."""
    if spec.get("train_file"):
        return load_files(
            Path(spec["train_file"]),
            Path(spec["eval_file"]) if spec.get("eval_file") else None,
            text_column=spec["text_column"],
            label_column=spec["label_column"],
            seed=recipe.seed,
        )
    return load_named(recipe.dataset, status, seed=recipe.seed)


def plan(options: Options) -> Plan:
    hw = detect_hardware()
    resume_from = None
    budget = estimate = None
    given: set[str] = set()
    if options.resume:
        from tutor.training.finetune import latest_checkpoint

        run_dir = _incomplete_run()
        saved = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
        # The saved recipe holds what the budget decided: the same plan, not a new one.
        recipe = Recipe.from_dict(saved["recipe"])
        spec = saved["data"]
        if saved.get("budget"):
            budget = BudgetPlan.from_dict(saved["budget"])
        estimate = saved.get("estimate")
        resume_from = latest_checkpoint(run_dir / "checkpoints")
    else:
        recipe = choose_recipe(hw, options.profile, options.overrides)
        given = {k for k, v in options.overrides.items() if v is not None}
        spec = {
            "dataset": None if options.train_file else recipe.dataset,
            "train_file": str(options.train_file) if options.train_file else None,
            "eval_file": str(options.eval_file) if options.eval_file else None,
            "text_column": options.text_column,
            "label_column": options.label_column,
        }
        run_dir = None
    status = hub_status()
    model = resolve_model(recipe.model, status)
    # Checked before a run folder exists (and before the data is read).
    recipe = replace(recipe, pooling=resolve_pooling(model, recipe.pooling))
    data = _load_data(spec, recipe, status)
    if not options.resume and budget_applies(recipe, given):
        recipe, budget, estimate = fit_budget(recipe, hw, model, data, given)
    pools = (len(data.train), len(data.eval))
    data = data.subsample(_train_rows(recipe, budget), recipe.max_eval_samples, recipe.seed)
    if run_dir is None:
        run_dir = runs.new_run_dir(DAY)
    p = Plan(hw, recipe, data, model, run_dir, resume_from, spec, budget, estimate, pools)
    _write_run_json(p, status="running")
    return p


def _train_rows(recipe: Recipe, budget: BudgetPlan | None) -> int | None:
    """The training examples the run keeps: those it plans to read, and with --replan
    some more (tutor.training.replan), so that a run faster than its probe can read
    them."""
    if not (recipe.replan and budget) or recipe.max_train_samples is None:
        return recipe.max_train_samples
    from tutor.training.replan import REPLAN_HEADROOM

    return min(budget.pool, math.ceil(recipe.max_train_samples * REPLAN_HEADROOM))


def budget_applies(recipe: Recipe, given: set[str]) -> bool:
    """A time budget sizes the run unless the learner fixed the number of examples."""
    return recipe.time_budget is not None and "max_train_samples" not in given


def fit_budget(
    recipe: Recipe, hw: Hardware, model: ResolvedModel, data: TextData, given: set[str]
) -> tuple[Recipe, BudgetPlan, dict[str, float]]:
    """Measure this machine, then fix the input shape, the examples read and the passes
    (so the learning-rate schedule) within ``recipe.time_budget`` minutes. What the
    learner gave (--precision, --max-length, --batch-size, --epochs) is kept."""
    import random

    from tutor.training import budget as b
    from tutor.training.finetune import encode_texts
    from tutor.training.models import load_classifier, load_tokenizer

    tokenizer = load_tokenizer(model)
    seconds = recipe.time_budget * 60
    rng = random.Random(recipe.seed)
    pool = len(data.train)
    # Enough texts for the largest batch.
    wanted = (b.WARMUP_BATCHES + b.MEASURED_BATCHES) * max(32, recipe.batch_size)
    # A small data set is drawn with repeats: the timing needs full batches.
    take = (
        rng.sample(range(pool), wanted)
        if pool >= wanted
        else [rng.randrange(pool) for _ in range(wanted)]
    )
    texts = [data.train[i]["text"] for i in take]
    labels = [int(data.train[i]["label"]) for i in take]
    lengths = [len(x) for x in encode_texts(tokenizer, texts, 512, "head")]
    if "max_length" in given:
        candidate_lengths = [recipe.max_length]
    else:
        from transformers import AutoConfig

        # Never longer than the model's position embeddings (a small test model has 128).
        limit = getattr(AutoConfig.from_pretrained(model.path), "max_position_embeddings", 512)
        preferred = [256, 128] if b.is_long(lengths) else [128]
        candidate_lengths = [n for n in preferred if n <= limit] or [min(limit, 512)]
    if "precision" in given:
        precisions = [recipe.precision]
    else:
        precisions = ["bf16", "fp32"] if hw.bf16 else ["fp32"]

    def batch_for(length: int) -> int:
        return recipe.batch_size if "batch_size" in given else (16 if length >= 256 else 32)

    def load():
        return load_classifier(model, data.label_names, pooling=recipe.pooling)

    def rate(shape: b.Shape) -> b.Rate:
        log.info("Measuring training speed: %s ...", shape.describe())
        return b.probe(
            load,
            tokenizer,
            texts,
            labels,
            shape=shape,
            truncation=recipe.truncation,
            learning_rate=recipe.learning_rate,
            freeze_embeddings=recipe.freeze_embeddings,
            freeze_layers=recipe.freeze_layers,
            hw=hw,
            seed=recipe.seed,
        )

    eval_n = min(len(data.eval), recipe.max_eval_samples or len(data.eval))
    shape, rates, reason = b.choose_shape(
        rate, precisions, candidate_lengths, batch_for, seconds, pool, eval_examples=eval_n
    )
    chosen = next(r for r in rates if r.shape == shape)
    eval_texts = data.eval.select(range(min(eval_n, 2 * recipe.eval_batch_size)))["text"]
    eval_rate = b.probe_eval(
        load,
        tokenizer,
        eval_texts,
        # --eval-max-length: evaluation reads longer inputs than training.
        shape=replace(shape, max_length=recipe.eval_max_length or shape.max_length),
        truncation=recipe.truncation,
        eval_batch_size=recipe.eval_batch_size,
        hw=hw,
    )
    measuring = sum(r.seconds for r in rates)
    per_eval = eval_n / eval_rate
    # --mid-eval-samples: the evaluations during training read a sample (0: none); the
    # final one reads everything.
    sample = recipe.mid_eval_samples
    mid = None if sample is None or sample >= eval_n else sample / eval_rate
    # The budget pays for the evaluations too: the whole run stays inside it.
    fitted, evals = b.fit_with_evaluations(
        chosen.samples_per_second,
        max(0.0, seconds - measuring),
        pool,
        shape.batch_size,
        recipe.epochs,
        eval_seconds=per_eval,
        evals_per_epoch=0 if sample == 0 else recipe.evals_per_epoch,
        final_eval=recipe.average_from is not None or mid is not None,
        fixed_epochs=recipe.epochs if "epochs" in given else None,
        mid_eval_seconds=mid,
    )
    plan = b.BudgetPlan(
        minutes=recipe.time_budget,
        shape=shape,
        samples_per_second=chosen.samples_per_second,
        eval_samples_per_second=eval_rate,
        train_samples=fitted.train_samples,
        pool=pool,
        epochs=fitted.epochs,
        steps=fitted.steps,
        measuring_seconds=round(measuring, 1),
        rates=rates,
        reason=reason,
        noun=NOUNS.get(data.name, "examples"),
        evaluations=evals,
        eval_seconds=round(per_eval, 1),
        share=b.SUSTAINED_SHARE,
    )
    recipe = replace(
        recipe,
        precision=shape.precision,
        max_length=shape.max_length,
        batch_size=shape.batch_size,
        max_train_samples=fitted.train_samples,
        epochs=fitted.epochs,
    )
    estimate = {
        "seconds_per_step": shape.batch_size / (chosen.samples_per_second * plan.share),
        "seconds_per_eval": per_eval,
        "train_seconds": plan.train_seconds,
        "eval_seconds": b.evaluation_cost(evals, per_eval, mid),
        "evaluations": evals,
        # What is left of the budget once measuring is done: training and evaluations.
        "deadline_seconds": max(0.0, seconds - measuring),
    }
    return recipe, plan, estimate


def _write_run_json(p: Plan, status: str, **extra: Any) -> None:
    from tutor.days.experiment import save_run_json

    if not runs.is_main_process():
        return
    path = p.run_dir / "run.json"
    previous = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    save_run_json(
        p.run_dir,
        {
            "day": DAY,
            "status": status,
            "started_at": previous.get("started_at", runs.now_iso()),
            "recipe": p.recipe.to_dict(),
            "data": p.data_spec,
            "data_source": p.data.source,
            "model": {
                "requested": p.model.requested,
                "path": p.model.path,
                "source": p.model.source,
            },
            "hardware": p.hardware.to_dict(),
            "budget": p.budget.to_dict() if p.budget else None,
            "estimate": p.estimate,
            **extra,
        },
    )


def _record(
    p: Plan, status: str, accuracy: float | None, metrics: dict[str, Any] | None = None
) -> bool:
    """Record the run for `tutor progress` (the shared run bookkeeping of experiment)."""
    from tutor.days.experiment import run_record

    target = p.target
    if not runs.is_main_process():
        return False
    passed = bool(accuracy is not None and target is not None and accuracy >= target)
    saved = json.loads((p.run_dir / "run.json").read_text(encoding="utf-8"))
    # What would change the outcome, for `tutor progress` (day7_advice).
    extra: dict[str, Any] = {}
    if metrics:
        extra = {"advice": metrics["advice"], "next_command": metrics["next_command"]}
    elif status == "interrupted":
        extra = {"advice": [], "next_command": "tutor run day7 --resume"}
    runs.record_run(
        run_record(
            DAY,
            p.run_dir,
            status=status,
            started_at=saved["started_at"],
            metric="accuracy",
            value=accuracy,
            target=target,
            passed=passed,
            recipe=p.recipe.name,
            model=p.model.description,
            smoke=p.recipe.name == "smoke",
            dataset=p.data.source,
            **extra,
        )
    )
    return passed


def execute(p: Plan) -> Result:
    import numpy as np
    from sklearn.metrics import confusion_matrix

    from tutor.training import artifacts
    from tutor.training.finetune import (
        build_trainer,
        classification_metrics,
        no_library_bars,
        train,
    )
    from tutor.training.models import load_classifier, load_tokenizer

    tokenizer = load_tokenizer(p.model)
    model = load_classifier(p.model, p.data.label_names, pooling=p.recipe.pooling)
    replanning = p.recipe.replan and p.budget is not None
    trainer, interrupt, eta = build_trainer(
        model,
        tokenizer,
        p.data,
        p.recipe,
        p.hardware,
        p.run_dir / "checkpoints",
        progress=runs.is_main_process(),  # one progress bar, not one per process
        estimate=p.estimate,
        optimizer=_layerwise_optimizer(model, p.recipe),
        # --replan: the planned steps over more examples than they read (headroom).
        args_overrides={"max_steps": p.budget.steps} if replanning else None,
    )
    if replanning:
        from tutor.training.replan import replan_callback

        per_epoch = math.ceil(len(p.data.train) / p.recipe.batch_size)
        available = max(p.budget.steps, math.floor(per_epoch * max(1.0, p.recipe.epochs)))
        trainer.add_callback(replan_callback(eta, available))
    outcome = train(trainer, interrupt, eta, resume_from=p.resume_from)
    if outcome.interrupted:
        _write_run_json(
            p, status="interrupted", step=outcome.global_step, max_steps=outcome.max_steps
        )
        _record(p, "interrupted", None)
        return Result(
            p.run_dir,
            True,
            {
                "step": outcome.global_step,
                "max_steps": outcome.max_steps,
                "checkpoint": str(outcome.checkpoint_dir),
            },
            {},
        )

    started = time.perf_counter()
    logits, labels, eval_loss, reused = _final_evaluation(p, trainer, outcome)
    final_eval_seconds = 0.0 if reused else time.perf_counter() - started
    # Softmax turns logits into probabilities; subtracting the max first keeps exp() finite.
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probs = shifted / shifted.sum(axis=-1, keepdims=True)
    preds = probs.argmax(axis=-1)
    scores = classification_metrics(labels, preds, len(p.data.label_names))
    matrix = confusion_matrix(labels, preds, labels=list(range(len(p.data.label_names)))).tolist()

    folder = p.run_dir
    model_dir = folder / "model"
    # The saved tokenizer cuts inputs where the model's position embeddings end, so that
    # pipeline(..., truncation=True) gives what `tutor predict` gives on any text.
    limit = getattr(trainer.model.config, "max_position_embeddings", None)
    if limit and tokenizer.model_max_length > limit:
        tokenizer.model_max_length = limit
    with no_library_bars():
        trainer.save_model(str(model_dir))  # safetensors weights + config + tokenizer
    if not trainer.is_world_process_zero():  # the other ranks of a multi-GPU run stop here
        return Result(folder, False, {"accuracy": scores["accuracy"]}, {})
    from tutor.training.export import export_after_run

    exporting = time.perf_counter()
    graph = export_after_run(p.recipe, trainer.model, model_dir)
    export_seconds = time.perf_counter() - exporting
    rows = artifacts.training_log(outcome.log_history, outcome.extra.get("eval_times"))
    log_csv, log_md = artifacts.write_training_log(rows, folder)
    curves = artifacts.plot_curves(outcome.log_history, folder / "curves.png")
    cm_png = artifacts.plot_confusion(matrix, p.data.label_names, folder / "confusion_matrix.png")
    samples = artifacts.sample_predictions(
        list(p.data.eval["text"]), labels.tolist(), probs.tolist(), p.data.label_names
    )
    samples_path = artifacts.write_predictions(samples, folder)
    metrics = {
        "day": DAY,
        "accuracy": scores["accuracy"],
        "f1": scores["f1"],
        "mcc": scores["mcc"],
        "eval_loss": eval_loss,
        "train_loss": _final_train_loss(outcome.log_history),
        "confusion_matrix": matrix,
        "label_names": p.data.label_names,
        "train_examples": len(p.data.train),
        "eval_examples": len(p.data.eval),
        # Training only (the steps and checkpoint saves): evaluations are counted apart.
        "train_samples_per_second": outcome.train_samples_per_second,
        "train_seconds": round(outcome.train_seconds, 3),
        # Every evaluation: those during training and the final one (0 s when the last
        # one during training already saw the saved weights).
        "eval_seconds": round(outcome.eval_seconds + final_eval_seconds, 3),
        "evaluations": outcome.evaluations + int(not reused),
        # Saving model/model.onnx for `tutor predict` (outside the time budget).
        "export_seconds": round(export_seconds, 1) if graph else None,
        "steps": outcome.global_step,
        # > 0: the saved (and evaluated) weights are the mean of this many snapshots.
        "averaged_snapshots": outcome.extra.get("averaged_snapshots", 0),
        # Mid-run evaluations given up to end within the time budget (steps).
        "skipped_evaluations": outcome.extra.get("skipped_evaluations", []),
        "budget": p.budget.to_dict() if p.budget else None,
        "estimate": p.estimate,
        "resumed_from_step": int(p.resume_from.name.split("-")[-1]) if p.resume_from else None,
        "hardware": p.hardware.to_dict(),
        "recipe": p.recipe.to_dict(),
        "model": p.model.description,
        "data": p.data.source,
        "target_accuracy": p.target,
        "finished_at": runs.now_iso(),
    }
    metrics["advice"] = day7_advice.advice(metrics)
    metrics["next_command"] = day7_advice.next_command(metrics)
    metrics_path = artifacts.write_metrics(metrics, folder)
    card = artifacts.write_model_card(model_dir, _card_facts(p, metrics))
    # The final model is saved; intermediate checkpoints (optimizer state included) are
    # several times its size and only ever needed to resume.
    shutil.rmtree(folder / "checkpoints", ignore_errors=True)
    _write_run_json(p, status="completed")
    passed = _record(p, "completed", scores["accuracy"], metrics)
    return Result(
        folder,
        False,
        metrics,
        {
            "model": model_dir,
            "model card": card,
            "metrics": metrics_path,
            "training log": log_md,
            "training log (CSV)": log_csv,
            "curves": curves,
            "confusion matrix": cm_png,
            "sample predictions": samples_path,
            **({"model for tutor predict": graph} if graph else {}),
        },
        passed,
        samples,
    )


def _layerwise_optimizer(model, recipe: Recipe):
    """AdamW with layer-wise learning rates (--layer-decay), None for the Trainer's own.
    Frozen parameters (the word embeddings on the CPU) are left out."""
    if recipe.layer_decay is None:
        return None
    import torch

    from tutor.training.finetune import freeze_for
    from tutor.training.strategies import layerwise_lr_groups, num_layers_of

    freeze_for(model, recipe)
    groups = layerwise_lr_groups(
        model.named_parameters(),
        num_layers_of(model.config),
        base_lr=recipe.learning_rate,
        decay=recipe.layer_decay,
        weight_decay=recipe.weight_decay,
    )
    return torch.optim.AdamW(groups, lr=recipe.learning_rate)


def _final_evaluation(p: Plan, trainer, outcome):
    """Logits, labels and loss of the saved weights on the evaluation set, and whether
    they were reused: when the last periodic evaluation ran on exactly those weights (at
    the last step, no averaging), its logits are reused instead of evaluating everything
    a second time."""
    import numpy as np

    last = trainer.last_eval
    evals = [e for e in outcome.log_history if "eval_loss" in e]
    if (
        trainer.full_eval_dataset is trainer.eval_dataset  # not a sample (--mid-eval-samples)
        and last.get("logits") is not None
        and evals
        and evals[-1].get("step") == outcome.global_step
        and p.recipe.average_from is None
        and p.resume_from is None
    ):
        logits, labels, loss = last["logits"], last["labels"], evals[-1]["eval_loss"]
        reused = True
    else:
        reused = False
        prediction = trainer.predict(trainer.full_eval_dataset)
        logits, labels = prediction.predictions, prediction.label_ids
        loss = prediction.metrics.get("test_loss", float("nan"))
    return np.asarray(logits, dtype=np.float64), np.asarray(labels), float(loss), reused


def _card_facts(p: Plan, metrics: dict[str, Any]) -> dict[str, Any]:
    """What the model card says, from the plan and the measured metrics."""
    from tutor.training.data import NAMED

    named = NAMED.get(p.data_spec.get("dataset") or "")
    return {
        "base_model": p.model.requested if p.model.source != "local" else None,
        "base_description": p.model.description,
        "dataset_id": named.hub_id if named else None,
        "dataset_config": named.hub_config if named else None,
        "dataset_name": named.description if named else p.data.name,
        "data_source": p.data.source,
        "label_names": p.data.label_names,
        "metrics": metrics,
        "recipe": p.recipe,
        "hardware": p.hardware,
        "budget": p.budget.summary() if p.budget else None,
        "run_id": p.run_dir.name,
    }


def _final_train_loss(history: list[dict[str, Any]]) -> float | None:
    for entry in reversed(history):
        if "train_loss" in entry:
            return float(entry["train_loss"])
    return None
