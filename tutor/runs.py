"""Run folders and the record of finished runs that `tutor progress` reads.

Each `tutor run dayNN` works in its own folder ``$TUTOR_HOME/runs/<day>-<timestamp>``.
When it finishes (or is interrupted) it is appended to ``$TUTOR_HOME/runs.json``:

    {"format_version": 1, "runs": [
        {"run_id": "day7-20261123-101500", "day": "day7", "run_dir": "...",
         "status": "completed" | "interrupted", "started_at": iso, "finished_at": iso,
         "metric": "accuracy", "value": 0.91, "target": 0.85, "passed": true,
         "recipe": "cpu", "model": "...", "dataset": "...", "smoke": false,
         "advice": ["..."], "next_command": "tutor run day7 --time-budget 26"}]}
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from tutor import paths, state
from tutor.errors import UsageError

RUNS_VERSION = 1


def _default() -> dict[str, Any]:
    return {"format_version": RUNS_VERSION, "runs": []}


Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class RunRecord(BaseModel):
    # Extra keys allowed: each day may record more about its run; these are the ones
    # `tutor progress` reads.
    model_config = ConfigDict(extra="allow", strict=True)

    run_id: StrictStr
    day: StrictStr
    run_dir: StrictStr | None = None
    status: StrictStr | None = None
    started_at: state.IsoTime | None = None
    finished_at: state.IsoTime | None = None
    metric: StrictStr | None = None
    value: Number | None = None
    target: Number | None = None
    passed: StrictBool = False
    recipe: StrictStr | None = None
    model: StrictStr | None = None
    dataset: StrictStr | None = None
    smoke: StrictBool = False
    # A run that missed its target: what would change the outcome (days/day7_advice),
    # and the command of the most promising change, which `tutor progress` shows.
    advice: list[StrictStr] = Field(default_factory=list)
    next_command: StrictStr | None = None


FIELDS = {"runs": state.Entries(RunRecord)}


def _check(data: dict[str, Any]) -> list[str]:
    return state.repair(data, FIELDS)


def preflight() -> None:
    """Before a run starts: its folder and its record can be written."""
    state.preflight((paths.run_records_path(), RUNS_VERSION), folders=(paths.runs_dir(),))


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def is_main_process() -> bool:
    """False on the non-zero ranks of a torchrun / accelerate launch, which must not
    write run folders or records."""
    return int(os.environ.get("RANK", "0")) == 0


def new_run_dir(day: str) -> Path:
    """A fresh folder for one run of ``day``; never reuses an existing one.

    Under a distributed launcher every rank must agree on the folder without talking to
    the others first: it is named after the launcher's run id instead of the time.
    """
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        run_id = os.environ.get("TORCHELASTIC_RUN_ID") or os.environ.get("MASTER_PORT", "ddp")
        run_dir = paths.runs_dir() / f"{day}-ddp-{run_id}"
        run_dir.mkdir(parents=True, exist_ok=True)
        return run_dir
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = paths.runs_dir() / f"{day}-{stamp}"
    run_dir, n = base, 1
    while run_dir.exists():
        n += 1
        run_dir = base.with_name(f"{base.name}-{n}")
    run_dir.mkdir(parents=True)
    return run_dir


def mark_failed(run_dir: Path, error: BaseException) -> None:
    """A run that stopped on an error while its run.json still says "running" is marked
    "failed", with the reason, so the folder is not taken for one that is still going.
    (Ctrl-C and interrupted runs keep the status their day gave them.)"""
    path = run_dir / "run.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(record, dict) or record.get("status") != "running":
            return
        reason = getattr(error, "message", None) or str(error) or type(error).__name__
        record.update(status="failed", reason=reason, finished_at=now_iso())
        state.write_json_atomic(path, record)
    except (OSError, ValueError):
        pass  # the error being reported matters more than this note


def load_runs() -> list[dict[str, Any]]:
    return state.read_json(
        paths.run_records_path(), default=_default, version=RUNS_VERSION, check=_check
    )["runs"]


def record_run(record: RunRecord | dict[str, Any]) -> None:
    """Append (or replace, by run_id) a run record."""
    if isinstance(record, RunRecord):
        record = record.model_dump(mode="json")

    def change(data: dict[str, Any]) -> None:
        data["runs"] = [r for r in data["runs"] if r.get("run_id") != record["run_id"]]
        data["runs"].append(record)

    state.update_json(
        paths.run_records_path(), change, default=_default, version=RUNS_VERSION, check=_check
    )


def find_run_dir(day: str | None = None, name: str | None = None) -> Path:
    """The run folder named ``name`` (a path or a folder under runs/), else the latest one
    of ``day`` (any day if None) that has a saved model."""
    if name:
        candidate = Path(name)
        for path in (candidate, paths.runs_dir() / name):
            if path.is_dir():
                return path
        raise UsageError(f"No run folder '{name}' (looked in {paths.runs_dir()}).")
    pattern = f"{day}-*" if day else "*"
    found = sorted(
        (p for p in paths.runs_dir().glob(pattern) if (p / "model").is_dir()),
        key=lambda p: p.stat().st_mtime,
    )
    if not found:
        what = f"{day} " if day else ""
        raise UsageError(f"No finished {what}run yet: run `tutor run day7` first.")
    return found[-1]
