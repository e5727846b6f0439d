"""What every day's experiment shares: the recipe for the hardware, the run folder, the
result tables and figures, and the record that `tutor progress` reads.

A day module does ``setup = prepare(...)`` (hardware, recipe, model; no folder yet),
loads its data, calls ``open_run(setup, ...)`` once it knows the run can start, does its
work inside ``with recording(setup):`` and ends with ``finish(setup, ...)``. Day 7 has
its own richer flow (resume, predict) but keeps its books the same way: its run.json
through :func:`save_run_json`, its record as a ``runs.RunRecord`` from :func:`run_record`.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tutor import runs
from tutor.errors import OfflineError
from tutor.training.budget import REFERENCE_SAMPLES_PER_SECOND, scale_for
from tutor.training.data import TextData, load_named
from tutor.training.hardware import Hardware, detect_hardware
from tutor.training.hub import HubStatus, hub_status
from tutor.training.models import ResolvedModel, resolve_model
from tutor.training.recipes import Recipe, choose_recipe


@dataclass
class Setup:
    day: str
    hardware: Hardware
    recipe: Recipe  # model, learning rate, batch size, precision, seed of the profile
    status: HubStatus
    model: ResolvedModel | None
    run_dir: Path | None = None
    settings: list[tuple[str, str]] = field(default_factory=list)  # shown before the run
    started: float = 0.0
    started_at: str = ""
    progress: bool = True
    speed: str | None = None  # what measure_scale found, shown with the settings

    @property
    def profile(self) -> str:
        return self.recipe.name

    @property
    def smoke(self) -> bool:
        return self.recipe.name == "smoke"

    @property
    def seed(self) -> int:
        return self.recipe.seed

    def describe(self) -> list[tuple[str, str]]:
        r = self.recipe
        rows = [
            ("hardware", self.hardware.describe(r.precision)),
            ("profile", f"{r.name}, seed {r.seed}"),
        ]
        if self.model is not None:
            rows.append(("model", self.model.description))
        rows += self.settings
        if self.speed:
            rows.append(("speed", self.speed))
        rows.append(("run folder", str(self.run_dir)))
        return rows


@dataclass
class ResultTable:
    stem: str  # file name without extension
    title: str
    rows: list[dict[str, Any]]
    show: list[str] | None = None  # the columns worth a terminal's width (files get all)


@dataclass
class DayResult:
    day: str
    run_dir: Path
    metric: str
    value: float | None
    target: float | None
    passed: bool
    smoke: bool
    tables: list[ResultTable]
    interpretation: list[str]
    notes: list[str]
    files: dict[str, Path]
    metrics: dict[str, Any]
    wall_seconds: float


def prepare(
    day: str,
    *,
    profile: str | None,
    seed: int | None = None,
    model: str | None = None,
    dataset: str = "sst2",
    overrides: dict[str, Any] | None = None,
    resolve: bool = True,
    progress: bool = True,
) -> Setup:
    """Hardware, the profile's recipe (with the learner's model and seed) and the model.

    ``dataset`` picks the recipe's input shape (tokens, batch size): the days read short
    sentences unless the learner asks for long reviews. Data sizes and epochs are each
    day's own.
    """
    hw = detect_hardware()
    given = {"seed": seed, "model": model, "dataset": dataset, **(overrides or {})}
    recipe = choose_recipe(hw, profile, given)
    status = hub_status()
    resolved = resolve_model(recipe.model, status) if resolve else None
    return Setup(day, hw, recipe, status, resolved, progress=progress)


def load_text_data(name: str, status: HubStatus, seed: int, fallback: str | None = None):
    """A named data set; offline without a local copy, ``fallback`` (e.g. the packaged
    Rotten Tomatoes sentences in place of SST-2) with a notice, else the OfflineError."""
    try:
        return load_named(name, status, seed=seed)
    except OfflineError:
        if fallback is None:
            raise
        import logging

        logging.getLogger("tutor").warning(
            "No copy of %s here: using %s instead.", name, fallback.replace("_", " ")
        )
        return load_named(fallback, status, seed=seed)


def measure_scale(setup: Setup, data: TextData) -> float | None:
    """On the CPU profile: time a few training steps of the day's encoder on the day's
    sentences (tutor.training.budget.probe) and return :func:`scale_for` of the rate,
    noted in the settings the day shows. None on the other profiles (GPU: full sizes;
    smoke: seconds anyway) or without a model."""
    if setup.profile != "cpu" or setup.model is None:
        return None
    import logging
    import random

    from tutor.training import budget as b
    from tutor.training.models import load_classifier, load_tokenizer

    r = setup.recipe
    rng = random.Random(setup.seed)
    n = (b.WARMUP_BATCHES + b.MEASURED_BATCHES) * r.batch_size
    pool = len(data.train)
    take = [rng.randrange(pool) for _ in range(n)]
    logging.getLogger("tutor").info("Measuring training speed on this machine ...")
    rate = b.probe(
        lambda: load_classifier(setup.model, data.label_names),
        load_tokenizer(setup.model),
        [data.train[i]["text"] for i in take],
        [int(data.train[i]["label"]) for i in take],
        shape=b.Shape(r.precision, min(r.max_length, 128), r.batch_size),
        truncation=r.truncation,
        learning_rate=r.learning_rate,
        freeze_embeddings=r.freeze_embeddings,
        hw=setup.hardware,
        seed=setup.seed,
    )
    scale = scale_for(rate.samples_per_second)
    setup.speed = (
        f"measured {rate.samples_per_second:.0f} samples/s ({rate.shape.describe()}) against "
        f"{REFERENCE_SAMPLES_PER_SECOND:.0f} where the sizes were set: x{scale:.2f} examples"
    )
    return scale


def nested_subsets(data: TextData, sizes: list[int], seed: int) -> dict[int, Any]:
    """Training subsets that grow by adding examples (each contains the smaller ones), so
    a learning curve measures the amount of data, not which examples were drawn."""
    shuffled = data.train.shuffle(seed=seed)
    return {n: shuffled.select(range(min(n, len(shuffled)))) for n in sizes}


def budget(table: dict[str, dict[str, Any]], profile: str, **given: Any) -> dict[str, Any]:
    """The day's budget for ``profile`` with the learner's options (None: not given)."""
    chosen = dict(table[profile])
    chosen.update({k: v for k, v in given.items() if v is not None})
    return chosen


def train_in_run(
    setup: Setup,
    model,
    tokenizer,
    data: TextData,
    recipe: Recipe,
    *,
    label: str,
    evaluate: bool = True,
    optimizer=None,
    callbacks: tuple = (),
):
    """Train ``model`` with day 7's Trainer set-up inside the run folder.

    No checkpoints are kept: these runs take minutes, so Ctrl-C ends the day (recorded
    as interrupted) rather than pausing it. ``evaluate=False`` skips the periodic dev
    evaluations when the caller evaluates once at the end. Returns (trainer, outcome).
    """
    import shutil

    from tutor.training.finetune import build_trainer, train

    out = setup.run_dir / "checkpoints"
    overrides = {"save_strategy": "no"} | ({} if evaluate else {"eval_strategy": "no"})
    trainer, interrupt, eta = build_trainer(
        model,
        tokenizer,
        data,
        recipe,
        setup.hardware,
        out,
        progress=setup.progress and runs.is_main_process(),
        optimizer=optimizer,
        args_overrides=overrides,
        progress_label=label,
    )
    for callback in callbacks:
        trainer.add_callback(callback)
    outcome = train(trainer, interrupt, eta)
    shutil.rmtree(out, ignore_errors=True)
    if outcome.interrupted:
        raise KeyboardInterrupt
    return trainer, outcome


def open_run(setup: Setup, settings: list[tuple[str, str]] | None = None) -> Setup:
    """Create the run folder and write its ``run.json`` (status "running")."""
    setup.settings = settings or []
    setup.run_dir = runs.new_run_dir(setup.day)
    setup.started = time.perf_counter()
    setup.started_at = runs.now_iso()
    _write_run_json(setup, "running")
    return setup


def _write_run_json(setup: Setup, status: str) -> None:
    assert setup.run_dir is not None
    save_run_json(
        setup.run_dir,
        {
            "day": setup.day,
            "status": status,
            "started_at": setup.started_at,
            "recipe": setup.recipe.to_dict(),
            "model": None
            if setup.model is None
            else {"requested": setup.model.requested, "path": setup.model.path},
            "hardware": setup.hardware.to_dict(),
            "settings": dict(setup.settings),
        },
    )


@contextlib.contextmanager
def recording(setup: Setup) -> Iterator[None]:
    """Ctrl-C (or a crash) leaves the run marked "interrupted" in run.json and runs.json."""
    try:
        yield
    except BaseException:
        if setup.run_dir is not None and runs.is_main_process():
            _write_run_json(setup, "interrupted")
            runs.record_run(_record(setup, "interrupted", "-", None, None, False))
        raise


def run_record(
    day: str,
    run_dir: Path,
    *,
    status: str,
    started_at: str,
    metric: str,
    value: float | None,
    target: float | None,
    passed: bool,
    recipe: str,
    model: str | None,
    smoke: bool,
    **extra: Any,
) -> runs.RunRecord:
    """The record `tutor progress` reads, for every day (day 7 included): one shape,
    checked by runs.RunRecord."""
    return runs.RunRecord(
        run_id=run_dir.name,
        day=day,
        run_dir=str(run_dir),
        status=status,
        started_at=started_at,
        finished_at=runs.now_iso(),
        metric=metric,
        value=None if value is None else float(value),
        target=None if target is None else float(target),
        passed=passed,
        recipe=recipe,
        model=model,
        smoke=smoke,
        **extra,
    )


def save_run_json(run_dir: Path, record: dict[str, Any]) -> None:
    """A run folder's run.json, written atomically, by the first process of a torchrun
    only (the others share the folder)."""
    from tutor.state import write_json_atomic

    if runs.is_main_process():
        write_json_atomic(run_dir / "run.json", record)


def _record(
    setup: Setup, status: str, metric: str, value: float | None, target: float | None, passed: bool
) -> runs.RunRecord:
    assert setup.run_dir is not None
    return run_record(
        setup.day,
        setup.run_dir,
        status=status,
        started_at=setup.started_at,
        metric=metric,
        value=value,
        target=target,
        passed=passed,
        recipe=setup.profile,
        model=setup.model.description if setup.model else None,
        smoke=setup.smoke,
    )


def finish(
    setup: Setup,
    *,
    metric: str,
    value: float | None,
    target: float | None,
    tables: list[ResultTable],
    figures: dict[str, Path],
    interpretation: list[str],
    notes: list[str] | None = None,
    metrics: dict[str, Any] | None = None,
    dataset: str | None = None,
) -> DayResult:
    """Write the tables and metrics.json, mark the run completed and record it.

    ``passed`` needs a target, a value that reaches it and a non-smoke profile: smoke runs
    prove the pipeline, not the skill, and are recorded with ``smoke: true``.
    """
    from tutor.training import artifacts

    assert setup.run_dir is not None
    folder = setup.run_dir
    target = None if setup.smoke else target
    passed = bool(value is not None and target is not None and value >= target)
    files: dict[str, Path] = {}
    for table in tables:
        csv_path, md_path = artifacts.write_table(table.rows, folder, table.stem)
        files[f"{table.stem} (table)"] = md_path
        files[f"{table.stem} (CSV)"] = csv_path
    files.update(figures)
    wall = time.perf_counter() - setup.started
    everything = {
        "day": setup.day,
        "profile": setup.profile,
        "metric": metric,
        "value": value,
        "target": target,
        "passed": passed,
        "smoke": setup.smoke,
        **(metrics or {}),
        "tables": {t.stem: t.rows for t in tables},
        "interpretation": interpretation,
        "notes": notes or [],
        "wall_seconds": round(wall, 1),
        "model": setup.model.description if setup.model else None,
        "recipe": setup.recipe.to_dict(),
        "hardware": setup.hardware.to_dict(),
        "settings": dict(setup.settings),
        "finished_at": runs.now_iso(),
    }
    files["metrics"] = artifacts.write_metrics(_json_safe(everything), folder)
    if runs.is_main_process():
        _write_run_json(setup, "completed")
        record = _record(setup, "completed", metric, value, target, passed)
        if dataset:
            record.dataset = dataset
        runs.record_run(record)
    return DayResult(
        setup.day,
        folder,
        metric,
        value,
        target,
        passed,
        setup.smoke,
        tables,
        interpretation,
        notes or [],
        files,
        everything,
        wall,
    )


def _json_safe(value: Any) -> Any:
    """NaN and infinities are not JSON: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


# --- small shared pieces of the interpretations --------------------------------------


def noise_band(accuracy: float, n: int) -> float:
    """Half-width of a 95 % interval for the difference of two accuracies near
    ``accuracy`` measured on ``n`` examples each: differences inside it may be luck."""
    if n <= 0:
        return float("nan")
    p = min(max(accuracy, 0.0), 1.0)
    return 1.96 * math.sqrt(2 * p * (1 - p) / n)


def points(x: float) -> str:
    """0.0312 -> "3.1 points"."""
    return f"{100 * x:.1f} point{'s' if round(100 * abs(x), 1) != 1 else ''}"
