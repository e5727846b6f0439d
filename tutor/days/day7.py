"""Day 7: fine-tune a pre-trained BERT for sentiment, evaluate it, show what it learned.

Two steps so the CLI can show the plan before the long part starts:
``plan(options)`` decides hardware, recipe, data and model; ``execute(plan)`` trains,
evaluates, saves the run folder and records the run for `tutor progress`.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tutor import paths, runs
from tutor.errors import UsageError
from tutor.training.data import TextData, load_files, load_named
from tutor.training.hardware import Hardware, detect_hardware
from tutor.training.hub import hub_status
from tutor.training.models import ResolvedModel, resolve_model, resolve_pooling
from tutor.training.recipes import Recipe, choose_recipe

log = logging.getLogger("tutor")

DAY = "day7"
# Accuracy a run must reach to count as "fine-tuned successfully" in `tutor progress`.
TARGETS = {"gpu": 0.90, "cpu": 0.85, "smoke": None}


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
    if spec.get("train_file"):
        data = load_files(
            Path(spec["train_file"]),
            Path(spec["eval_file"]) if spec.get("eval_file") else None,
            text_column=spec["text_column"],
            label_column=spec["label_column"],
            seed=recipe.seed,
        )
    else:
        data = load_named(recipe.dataset, status, seed=recipe.seed)
    return data.subsample(recipe.max_train_samples, recipe.max_eval_samples, recipe.seed)


def plan(options: Options) -> Plan:
    hw = detect_hardware()
    resume_from = None
    if options.resume:
        from tutor.training.finetune import latest_checkpoint

        run_dir = _incomplete_run()
        saved = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
        recipe = Recipe.from_dict(saved["recipe"])
        spec = saved["data"]
        resume_from = latest_checkpoint(run_dir / "checkpoints")
    else:
        recipe = choose_recipe(hw, options.profile, options.overrides)
        spec = {
            "dataset": None if options.train_file else recipe.dataset,
            "train_file": str(options.train_file) if options.train_file else None,
            "eval_file": str(options.eval_file) if options.eval_file else None,
            "text_column": options.text_column,
            "label_column": options.label_column,
        }
        run_dir = None
    status = hub_status()
    data = _load_data(spec, recipe, status)
    model = resolve_model(recipe.model, status)
    # Resolved (and checked) before a run folder exists; a resumed run keeps its own.
    recipe = replace(recipe, pooling=resolve_pooling(model, recipe.pooling))
    if run_dir is None:
        run_dir = runs.new_run_dir(DAY)
    p = Plan(hw, recipe, data, model, run_dir, resume_from, spec)
    _write_run_json(p, status="running")
    return p


def _write_run_json(p: Plan, status: str, **extra: Any) -> None:
    from tutor.state import write_json_atomic

    if not runs.is_main_process():
        return
    path = p.run_dir / "run.json"
    previous = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    record = {
        "day": DAY,
        "status": status,
        "started_at": previous.get("started_at", runs.now_iso()),
        "recipe": p.recipe.to_dict(),
        "data": p.data_spec,
        "data_source": p.data.source,
        "model": {"requested": p.model.requested, "path": p.model.path, "source": p.model.source},
        "hardware": p.hardware.to_dict(),
        **extra,
    }
    write_json_atomic(path, record)


def _record(p: Plan, status: str, accuracy: float | None) -> bool:
    target = p.target
    if not runs.is_main_process():
        return False
    smoke = p.recipe.name == "smoke"
    passed = bool(accuracy is not None and target is not None and accuracy >= target)
    saved = json.loads((p.run_dir / "run.json").read_text(encoding="utf-8"))
    runs.record_run(
        {
            "run_id": p.run_dir.name,
            "day": DAY,
            "run_dir": str(p.run_dir),
            "status": status,
            "started_at": saved["started_at"],
            "finished_at": runs.now_iso(),
            "metric": "accuracy",
            "value": accuracy,
            "target": target,
            "passed": passed,
            "recipe": p.recipe.name,
            "model": p.model.description,
            "dataset": p.data.source,
            "smoke": smoke,
        }
    )
    return passed


def execute(p: Plan, on_event=None) -> Result:
    import numpy as np
    from sklearn.metrics import confusion_matrix

    from tutor.training import artifacts
    from tutor.training.finetune import build_trainer, classification_metrics, train
    from tutor.training.models import load_classifier, load_tokenizer

    tokenizer = load_tokenizer(p.model)
    model = load_classifier(p.model, p.data.label_names, pooling=p.recipe.pooling)
    trainer, interrupt, eta = build_trainer(
        model,
        tokenizer,
        p.data,
        p.recipe,
        p.hardware,
        p.run_dir / "checkpoints",
        progress=True,
        on_event=on_event,
    )
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

    prediction = trainer.predict(trainer.eval_dataset)
    logits = np.asarray(prediction.predictions, dtype=np.float64)
    labels = np.asarray(prediction.label_ids)
    # Softmax turns logits into probabilities; subtracting the max first keeps exp() finite.
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probs = shifted / shifted.sum(axis=-1, keepdims=True)
    preds = probs.argmax(axis=-1)
    scores = classification_metrics(labels, preds, len(p.data.label_names))
    matrix = confusion_matrix(labels, preds, labels=list(range(len(p.data.label_names)))).tolist()

    folder = p.run_dir
    model_dir = folder / "model"
    trainer.save_model(str(model_dir))  # safetensors weights + config + tokenizer
    if not trainer.is_world_process_zero():  # the other ranks of a multi-GPU run stop here
        return Result(folder, False, {"accuracy": scores["accuracy"]}, {})
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
        "eval_loss": float(prediction.metrics.get("test_loss", float("nan"))),
        "train_loss": _final_train_loss(outcome.log_history),
        "confusion_matrix": matrix,
        "label_names": p.data.label_names,
        "train_examples": len(p.data.train),
        "eval_examples": len(p.data.eval),
        "train_samples_per_second": outcome.train_samples_per_second,
        "train_seconds": round(outcome.train_seconds, 1),
        "steps": outcome.global_step,
        # > 0: the saved (and evaluated) weights are the mean of this many snapshots.
        "averaged_snapshots": outcome.extra.get("averaged_snapshots", 0),
        "eta_note": outcome.eta_note,
        "resumed_from_step": int(p.resume_from.name.split("-")[-1]) if p.resume_from else None,
        "hardware": p.hardware.to_dict(),
        "recipe": p.recipe.to_dict(),
        "model": p.model.description,
        "data": p.data.source,
        "target_accuracy": p.target,
        "finished_at": runs.now_iso(),
    }
    metrics_path = artifacts.write_metrics(metrics, folder)
    # The final model is saved; intermediate checkpoints (optimizer state included) are
    # several times its size and only ever needed to resume.
    shutil.rmtree(folder / "checkpoints", ignore_errors=True)
    _write_run_json(p, status="completed")
    passed = _record(p, "completed", scores["accuracy"])
    return Result(
        folder,
        False,
        metrics,
        {
            "model": model_dir,
            "metrics": metrics_path,
            "training log": log_md,
            "training log (CSV)": log_csv,
            "curves": curves,
            "confusion matrix": cm_png,
            "sample predictions": samples_path,
        },
        passed,
    )


def _final_train_loss(history: list[dict[str, Any]]) -> float | None:
    for entry in reversed(history):
        if "train_loss" in entry:
            return float(entry["train_loss"])
    return None
