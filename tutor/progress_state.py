"""The progress state file ``$TUTOR_HOME/progress.json`` and the exercise records in it.

Versioned JSON written atomically under a lock (see :mod:`tutor.state`)::

    {"format_version": 1,
     "self_assessed": {"day7.paradigm": {"marked_at": iso}},
     "exercises": {"softmax": {"day": "day7", "path": "...", "started_at": iso,
                               "passed_at": iso, "revealed_at": iso,
                               "last_checked_at": iso, "last_check_passed": true}},
     "resets": {"day7": iso}}

Every entry is checked against its model on reading (one that does not fit is dropped
with a warning); an exercise's record is changed through :class:`ExerciseRecord`. What the
tracker makes of the state is :mod:`tutor.progress`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, StrictBool, StrictStr

from tutor import paths, state
from tutor.runs import now_iso

PROGRESS_VERSION = 1
# A future format adds a step here: MIGRATIONS[1] turns a version-1 dict into version 2.
MIGRATIONS: dict[int, state.Migration] = {}

ExerciseStatus = Literal["not started", "started", "passed", "solution revealed"]


def _default() -> dict[str, Any]:
    return {"format_version": PROGRESS_VERSION, "self_assessed": {}, "exercises": {}, "resets": {}}


class SelfMark(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    marked_at: state.IsoTime


class ExerciseRecord(BaseModel):
    """What is known of one exercise: where the learner's copy is and what happened."""

    model_config = ConfigDict(extra="forbid", strict=True)

    day: StrictStr | None = None
    path: StrictStr | None = None
    started_at: state.IsoTime | None = None
    passed_at: state.IsoTime | None = None
    revealed_at: state.IsoTime | None = None
    last_checked_at: state.IsoTime | None = None
    last_check_passed: StrictBool | None = None

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


FIELDS = {
    "self_assessed": state.Entries(SelfMark, mapping=True),
    "exercises": state.Entries(ExerciseRecord, mapping=True),
    "resets": state.Entries(state.IsoTime, mapping=True),
}


def _check(data: dict[str, Any]) -> list[str]:
    return state.repair(data, FIELDS)


def preflight() -> None:
    """Before a change: the state folder can be written and progress.json can be read."""
    state.preflight((paths.progress_state_path(), PROGRESS_VERSION))


def load_state() -> dict[str, Any]:
    return state.read_json(
        paths.progress_state_path(),
        default=_default,
        version=PROGRESS_VERSION,
        migrations=MIGRATIONS,
        check=_check,
    )


def update_state(change: Callable[[dict[str, Any]], Any]) -> Any:
    preflight()
    return state.update_json(
        paths.progress_state_path(),
        change,
        default=_default,
        version=PROGRESS_VERSION,
        migrations=MIGRATIONS,
        check=_check,
    )


# --------------------------------------------------------------------------- exercises


def _record(data: dict[str, Any], name: str) -> ExerciseRecord:
    # Entries were checked against ExerciseRecord on reading (state.repair).
    raw = data["exercises"].get(name)
    return ExerciseRecord.model_validate(raw) if isinstance(raw, dict) else ExerciseRecord()


def _put(data: dict[str, Any], name: str, record: ExerciseRecord) -> None:
    data["exercises"][name] = record.to_json()


def exercise_record(name: str) -> dict[str, Any]:
    """The exercise's record as saved ({} if none)."""
    record = load_state()["exercises"].get(name)
    return record if isinstance(record, dict) else {}


def record_exercise_started(name: str, day: str, path: str) -> None:
    """A fresh start: any earlier result of this exercise is dropped with the old file."""
    update_state(
        lambda data: _put(data, name, ExerciseRecord(day=day, path=path, started_at=now_iso()))
    )


def restore_exercise_record(name: str, record: dict[str, Any] | None) -> None:
    """Put back an exercise's earlier record (None: none), undoing a failed start."""

    def change(data: dict[str, Any]) -> None:
        if record is None:
            data["exercises"].pop(name, None)
        else:
            _put(data, name, ExerciseRecord.model_validate(record))

    update_state(change)


def record_exercise_path(name: str, day: str, path: str) -> None:
    """Where the learner's existing copy is, without touching its results."""

    def change(data: dict[str, Any]) -> None:
        record = _record(data, name)
        started = record.started_at or now_iso()
        _put(
            data, name, record.model_copy(update={"day": day, "path": path, "started_at": started})
        )

    update_state(change)


def record_exercise_checked(name: str, day: str, path: str, passed: bool) -> None:
    def change(data: dict[str, Any]) -> None:
        record = _record(data, name)
        now = now_iso()
        update: dict[str, Any] = {
            "day": day,
            "path": path,
            "last_checked_at": now,
            "last_check_passed": passed,
            "started_at": record.started_at or now,
        }
        # Passing is an achievement kept until the learner starts over or resets: a
        # later broken edit does not take it away.
        if passed and not record.passed_at:
            update["passed_at"] = now
        _put(data, name, record.model_copy(update=update))

    update_state(change)


def record_solution_revealed(name: str, day: str) -> None:
    def change(data: dict[str, Any]) -> None:
        record = _record(data, name)
        if not isinstance(data["exercises"].get(name), dict):
            record = ExerciseRecord(day=day)
        _put(data, name, record.model_copy(update={"revealed_at": record.revealed_at or now_iso()}))

    update_state(change)


def clear_exercise_results(data: dict[str, Any], name: str) -> bool:
    """Keep only where the learner's file is (it stays, so the exercise stays started);
    True if results were dropped."""
    record = _record(data, name)
    kept = ExerciseRecord(day=record.day, path=record.path, started_at=record.started_at)
    changed = kept != record
    _put(data, name, kept)
    return changed


def exercise_status(record: dict[str, Any]) -> ExerciseStatus:
    if _revealed_first(record):
        return "solution revealed"
    if record.get("passed_at"):
        return "passed"
    if record.get("path") or record.get("started_at"):
        return "started"
    return "not started"


def _revealed_first(record: dict[str, Any]) -> bool:
    revealed, passed = parse_time(record.get("revealed_at")), parse_time(record.get("passed_at"))
    return revealed is not None and (passed is None or revealed <= passed)


def parse_time(value: Any) -> dt.datetime | None:
    """An ISO timestamp as an aware UTC datetime (naive ones are taken as UTC)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(dt.timezone.utc)
