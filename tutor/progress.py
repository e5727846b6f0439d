"""Learner progress: tracker items per day, each ticked by evidence the tool can check.

The items are course data (``tutor/course.yaml``, loaded by :mod:`tutor.course`). Each
item names the evidence that ticks it:

``run``       a recorded ``tutor run dayNN`` that met its target (``passed``) and was not a
              smoke-profile run (``$TUTOR_HOME/runs.json``, see :mod:`tutor.runs`). Smoke
              runs are recorded there too, but they prove the pipeline, not the skill.
``quiz``      mastery of a set of topics in the quiz history (``$TUTOR_HOME/quiz.json``, see
              :mod:`tutor.quiz_history`); the rule is :data:`MASTERY_RULE`.
``exercise``  exercises passed with ``tutor check`` (kept in progress.json),
              without their solution revealed before they passed.
``self``      only a person can judge it: ``tutor progress mark ITEM`` ticks it, shown as
              self-assessed, never as verified.

An item is *verified* when all its checkable (run, quiz, exercise) evidence holds;
*self-assessed* when the learner marked it but checkable evidence is missing (or it has
none); otherwise *todo*.

The state (self-assessments, exercise records, resets) is ``$TUTOR_HOME/progress.json``,
read and written by :mod:`tutor.progress_state`.

Reset (``tutor progress reset [--day D]``) never deletes quiz history or run records: they
belong to ``tutor quiz`` and ``tutor run`` and serve more than this tracker. It clears the
day's self-assessments and exercise results (the learner's files stay) and records the
time of the reset; evidence older than that (runs finished, quiz answers given before it)
no longer counts for that day's items. Times have one-second resolution, so evidence from
the very second of a reset still counts.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from tutor import course, runs
from tutor import quiz_history as history
from tutor.course import Day, Evidence, EvidenceKind, Item
from tutor.errors import UsageError
from tutor.progress_state import (  # noqa: F401  (the tracker's state; tutor.exercises uses these names)
    MIGRATIONS,
    PROGRESS_VERSION,
    ExerciseRecord,
    ExerciseStatus,
    SelfMark,
    clear_exercise_results,
    exercise_record,
    exercise_status,
    load_state,
    parse_time,
    preflight,
    record_exercise_checked,
    record_exercise_path,
    record_exercise_started,
    record_solution_revealed,
    restore_exercise_record,
    update_state,
)
from tutor.runs import now_iso

MASTERY_THRESHOLD = 0.8
MASTERY_MIN_QUESTIONS = 5
MASTERY_RULE = (
    f"Quiz mastery of a topic set: at least {MASTERY_THRESHOLD:.0%} correct over your latest "
    f"answer to each question tagged with any of those topics, with at least "
    f"{MASTERY_MIN_QUESTIONS} distinct questions answered."
)

ItemState = Literal["verified", "self-assessed", "todo"]


# --------------------------------------------------------------------------- the tracker
# The days, their items and each item's evidence are course data (tutor/course.yaml).


def tracker() -> tuple[Day, ...]:
    """The days of the tracker, in course order."""
    return course.load().days


def _days() -> dict[str, Day]:
    return {day.key: day for day in tracker()}


def _items() -> dict[str, Item]:
    return course.load().items


def __getattr__(name: str) -> Any:
    # The old constant names, for code written before the tracker became data.
    if name == "TRACKER":
        return tracker()
    if name == "DAYS":
        return _days()
    if name == "ITEMS":
        return _items()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def find_item(item_id: str) -> Item:
    items = _items()
    if item_id in items:
        return items[item_id]
    close = difflib.get_close_matches(item_id, list(items), n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else " `tutor progress` lists them."
    raise UsageError(f"No tracker item '{item_id}'.{hint}")


def parse_day(text: str) -> str:
    """'7', 'day7', 'Day 7' -> 'day7'; only days the tracker has."""
    digits = text.strip().lower().removeprefix("day").strip()
    key = f"day{digits}"
    if key not in _days():
        known = ", ".join(d.key for d in tracker())
        raise UsageError(f"No day '{text}' in the tracker (days: {known}).")
    return key


# --------------------------------------------------------------------------- changes


def mark(item_id: str) -> Item:
    """Tick a self-assessed item."""
    item = find_item(item_id)
    if not item.self_markable:
        raise UsageError(
            f"'{item.id}' is ticked by evidence the tool checks, not by hand: "
            f"{'; '.join(_describe(e) for e in item.evidence)}."
        )

    def change(data: dict[str, Any]) -> None:
        data["self_assessed"][item.id] = SelfMark(marked_at=now_iso()).model_dump()

    update_state(change)
    return item


def unmark(item_id: str) -> bool:
    """Untick a self-assessed item; False if it was not marked."""
    item = find_item(item_id)
    return bool(update_state(lambda data: data["self_assessed"].pop(item.id, None) is not None))


@dataclass
class ResetResult:
    days: list[str]
    self_cleared: list[str]
    exercises_cleared: list[str]
    at: str


def reset(day: str | None = None) -> ResetResult:
    """Start ``day`` (every day if None) afresh; see the module docstring for what that means."""
    days = [parse_day(day)] if day else [d.key for d in tracker()]
    at = now_iso()

    def change(data: dict[str, Any]) -> ResetResult:
        by_key = _days()
        item_ids = {item.id for key in days for item in by_key[key].items}
        self_cleared = sorted(i for i in data["self_assessed"] if i in item_ids or not day)
        for item_id in self_cleared:
            del data["self_assessed"][item_id]
        cleared = []
        for name, record in list(data["exercises"].items()):
            if not isinstance(record, dict) or (day and record.get("day") not in days):
                continue
            if clear_exercise_results(data, name):
                cleared.append(name)
        for key in days:
            data["resets"][key] = at
        return ResetResult(days, self_cleared, sorted(cleared), at)

    return update_state(change)


# --------------------------------------------------------------------------- evaluation


@dataclass
class EvidenceStatus:
    kind: EvidenceKind
    satisfied: bool
    detail: str
    action: str | None = None  # a command that would tick it, when it is not satisfied
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "satisfied": self.satisfied,
            "detail": self.detail,
            "action": self.action,
            **self.data,
        }


@dataclass
class ItemStatus:
    id: str
    text: str
    state: ItemState
    evidence: list[EvidenceStatus]
    self_markable: bool
    marked_at: str | None

    @property
    def checkable(self) -> list[EvidenceStatus]:
        return [e for e in self.evidence if e.kind != "self"]

    @property
    def action(self) -> str | None:
        """What to do next for this item: the first missing checkable evidence, else mark."""
        for status in self.checkable:
            if not status.satisfied:
                return status.action
        if self.self_markable and not self.marked_at:
            return f"tutor progress mark {self.id}"
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "state": self.state,
            "self_markable": self.self_markable,
            "marked_at": self.marked_at,
            "action": self.action if self.state != "verified" else None,
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass
class DayStatus:
    key: str
    title: str
    reset_at: str | None
    items: list[ItemStatus]

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.key,
            "title": self.title,
            "reset_at": self.reset_at,
            "items": [i.to_dict() for i in self.items],
        }


@dataclass
class NextStep:
    item_id: str
    text: str
    command: str
    verify: bool  # True: the item is self-assessed and this would verify it

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item_id, "text": self.text, "command": self.command}


@dataclass
class Report:
    days: list[DayStatus]
    next_step: NextStep | None

    @property
    def counts(self) -> dict[str, int]:
        counts = {"verified": 0, "self-assessed": 0, "todo": 0}
        for day in self.days:
            for item in day.items:
                counts[item.state] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": PROGRESS_VERSION,
            "mastery_rule": MASTERY_RULE,
            "counts": self.counts,
            "days": [d.to_dict() for d in self.days],
            "next_step": self.next_step.to_dict() if self.next_step else None,
        }


@dataclass
class Mastery:
    topics: tuple[str, ...]
    correct: int
    answered: int

    @property
    def rate(self) -> float:
        return self.correct / self.answered if self.answered else 0.0

    @property
    def mastered(self) -> bool:
        return self.answered >= MASTERY_MIN_QUESTIONS and self.rate >= MASTERY_THRESHOLD


def quiz_mastery(
    answers: Iterable[dict[str, Any]], topics: Iterable[str], since: dt.datetime | None = None
) -> Mastery:
    """Mastery of ``topics`` from quiz answers (see :data:`MASTERY_RULE`), counting only
    answers given at or after ``since``."""
    wanted = tuple(topics)
    latest: dict[str, tuple[dt.datetime, int, bool]] = {}
    for order, answer in enumerate(answers):
        if not isinstance(answer, dict) or not isinstance(answer.get("question_id"), str):
            continue
        tags = answer.get("topics") or []
        if not isinstance(tags, list) or not set(tags) & set(wanted):
            continue
        when = parse_time(answer.get("answered_at"))
        if when is None or (since is not None and when < since):
            continue
        key = (when, order)
        previous = latest.get(answer["question_id"])
        if previous is None or key >= previous[:2]:
            latest[answer["question_id"]] = (when, order, bool(answer.get("correct")))
    correct = sum(1 for _, _, ok in latest.values() if ok)
    return Mastery(wanted, correct, len(latest))


def evaluate() -> Report:
    """Every tracker item with its state and the evidence behind it."""
    progress_state = load_state()
    run_records = [r for r in runs.load_runs() if isinstance(r, dict)]
    answers = history.load_quiz_state().get("answers", [])
    days = []
    for day in tracker():
        reset_at = progress_state["resets"].get(day.key)
        since = parse_time(reset_at)
        items = [
            _item_status(item, progress_state, run_records, answers, since) for item in day.items
        ]
        days.append(DayStatus(day.key, day.title, reset_at, items))
    return Report(days, _next_step(days))


def _item_status(
    item: Item,
    progress_state: dict[str, Any],
    run_records: list[dict[str, Any]],
    answers: list[dict[str, Any]],
    since: dt.datetime | None,
) -> ItemStatus:
    marked = progress_state["self_assessed"].get(item.id)
    marked_at = marked.get("marked_at") if isinstance(marked, dict) else None
    statuses = []
    for evidence in item.evidence:
        if evidence.kind == "run":
            statuses.append(_run_status(evidence.day or "", run_records, since))
        elif evidence.kind == "quiz":
            statuses.append(_quiz_status(evidence.topics, answers, since))
        elif evidence.kind == "exercise":
            statuses.append(_exercise_status(evidence.exercises, progress_state["exercises"]))
        else:
            statuses.append(_self_status(item, marked_at))
    checkable = [s for s in statuses if s.kind != "self"]
    if checkable and all(s.satisfied for s in checkable):
        item_state: ItemState = "verified"
    elif item.self_markable and marked_at:
        item_state = "self-assessed"
    else:
        item_state = "todo"
    return ItemStatus(item.id, item.text, item_state, statuses, item.self_markable, marked_at)


def _run_status(
    day: str, run_records: list[dict[str, Any]], since: dt.datetime | None
) -> EvidenceStatus:
    action = f"tutor run {day}"
    mine = [
        r
        for r in run_records
        if r.get("day") == day and _counts_since(parse_time(r.get("finished_at")), since)
    ]
    good = [r for r in mine if r.get("passed") is True and not r.get("smoke")]
    if good:
        best = max(good, key=lambda r: str(r.get("finished_at")))
        date = str(best.get("finished_at", ""))[:10]
        return EvidenceStatus(
            "run",
            True,
            f"{day} run {date}, {_metric(best)}",
            data={"day": day, "run_id": best.get("run_id")},
        )
    real = [r for r in mine if not r.get("smoke")]
    if real:
        last = max(real, key=lambda r: str(r.get("finished_at")))
        target = last.get("target")
        wanted = f" (target {_number(target)})" if target is not None else ""
        status = last.get("status")
        how = f"{status}, " if status and status != "completed" else ""
        detail = f"latest {day} run did not pass: {how}{_metric(last)}{wanted}"
        action = last.get("next_command") or action  # what would change it (day7_advice)
    elif mine:
        detail = f"only smoke-profile {day} runs so far; they do not count"
    else:
        detail = f"no {day} run yet"
    return EvidenceStatus("run", False, detail, action, data={"day": day, "run_id": None})


def _quiz_status(
    topics: tuple[str, ...], answers: list[dict[str, Any]], since: dt.datetime | None
) -> EvidenceStatus:
    mastery = quiz_mastery(answers, topics, since)
    names = ", ".join(topics)
    data = {"topics": list(topics), "correct": mastery.correct, "answered": mastery.answered}
    if mastery.answered:
        score = f"{mastery.correct}/{mastery.answered} right ({mastery.rate:.0%})"
    else:
        score = "no answers yet"
    if mastery.mastered:
        return EvidenceStatus("quiz", True, f"quiz {names}: {score}", data=data)
    need = f"needs ≥ {MASTERY_THRESHOLD:.0%} over ≥ {MASTERY_MIN_QUESTIONS} questions"
    return EvidenceStatus(
        "quiz", False, f"quiz {names}: {score}; {need}", _quiz_action(topics, answers), data
    )


def _quiz_action(topics: tuple[str, ...], answers: list[dict[str, Any]]) -> str:
    """Quiz the least-practised topic at the easiest level until a few of its questions are
    answered there, then the next level (a heuristic: the quiz command takes one level and
    one topic)."""
    first, *rest = course.level_ids()
    after = rest[0] if rest else first
    seen: dict[str, set[str]] = {t: set() for t in topics}
    easy: dict[str, set[str]] = {t: set() for t in topics}
    for answer in answers:
        if not isinstance(answer, dict):
            continue
        for topic in answer.get("topics") or []:
            if topic in seen:
                seen[topic].add(str(answer.get("question_id")))
                if answer.get("level") == first:
                    easy[topic].add(str(answer.get("question_id")))
    topic = min(topics, key=lambda t: len(seen[t]))
    level = first if len(easy[topic]) < 3 else after
    return f"tutor quiz {level} --topic {topic}"


def _exercise_status(names: tuple[str, ...], records: dict[str, Any]) -> EvidenceStatus:
    parts, action, passed = [], None, []
    for name in names:
        record = records.get(name)
        record = record if isinstance(record, dict) else {}
        status = exercise_status(record)
        if status == "passed":
            passed.append(name)
            parts.append(f"exercise {name} passed {str(record['passed_at'])[:10]}")
            continue
        if status == "solution revealed":
            parts.append(f"exercise {name}: solution revealed before it passed")
            step = f"tutor start {name} --force"
        elif status == "started":
            parts.append(f"exercise {name} started, not passed yet")
            step = f"tutor check {name}"
        else:
            parts.append(f"exercise {name} not started")
            step = f"tutor start {name}"
        action = action or step
    return EvidenceStatus(
        "exercise",
        len(passed) == len(names),
        "; ".join(parts),
        action,
        data={"exercises": list(names), "passed": passed},
    )


def _self_status(item: Item, marked_at: str | None) -> EvidenceStatus:
    if marked_at:
        return EvidenceStatus("self", True, f"self-assessed {marked_at[:10]}")
    return EvidenceStatus("self", False, "not self-assessed", f"tutor progress mark {item.id}")


def _next_step(days: list[DayStatus]) -> NextStep | None:
    items = [item for day in days for item in day.items]
    for item in items:
        if item.state == "todo" and item.action:
            return NextStep(item.id, item.text, item.action, verify=False)
    for item in items:
        if item.state == "self-assessed" and item.checkable and item.action:
            return NextStep(item.id, item.text, item.action, verify=True)
    return None


def _describe(evidence: Evidence) -> str:
    if evidence.kind == "run":
        return f"a passing non-smoke `tutor run {evidence.day}`"
    if evidence.kind == "quiz":
        return f"quiz mastery of {', '.join(evidence.topics)}"
    if evidence.kind == "exercise":
        return f"exercise {', '.join(evidence.exercises)} passed (`tutor check`)"
    return "your own judgement (`tutor progress mark`)"


# --------------------------------------------------------------------------- helpers


def _counts_since(when: dt.datetime | None, since: dt.datetime | None) -> bool:
    if since is None:
        return True
    return when is not None and when >= since


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _metric(record: dict[str, Any]) -> str:
    metric = record.get("metric") or "metric"
    value = record.get("value")
    return f"{metric} {_number(value)}" if value is not None else f"{metric} not measured"
