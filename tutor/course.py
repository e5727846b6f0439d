"""The course as data: its levels, topics, lessons and days, from ``tutor/course.yaml``.

Every topic id, level and tracker item is written once, in that file; the question bank
checks a question's level and topics against it, ``tutor progress`` takes its tracker from
it, and the quiz pages their titles and topic order. :func:`load` reads and checks it
(cross-references included) and raises :class:`tutor.errors.ValidationError` listing
every problem as ``FILE:LINE: message``, as the question loader does. Light: no torch.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from tutor import yaml_lines
from tutor.errors import ValidationError

FORMAT_VERSION = 1
COURSE_FILE = Path(__file__).with_name("course.yaml")

_SLUG = re.compile(r"[a-z0-9-]+")
_DAY = re.compile(r"day[1-9][0-9]*")
_NAME = re.compile(r"[a-z0-9_]+")  # an exercise name (a Python module name)
_PAGE = re.compile(r"(?!/)[^#\s]+\.md")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be empty")
    return value


def _pattern(regex: re.Pattern[str], what: str) -> Any:
    def check(value: str) -> str:
        if not regex.fullmatch(value):
            raise PydanticCustomError(
                "pattern", "'{value}' is not {what}", {"value": value, "what": what}
            )
        return value

    return AfterValidator(check)


Text = Annotated[StrictStr, AfterValidator(_not_blank)]
Slug = Annotated[StrictStr, _pattern(_SLUG, "a slug: use only a-z, 0-9 and '-'")]
DayId = Annotated[StrictStr, _pattern(_DAY, "a day id like day7")]
Name = Annotated[StrictStr, _pattern(_NAME, "an exercise name: use only a-z, 0-9 and '_'")]
Page = Annotated[StrictStr, _pattern(_PAGE, "a docs-relative page like lessons/day07-bert.md")]
# YAML gives lists; the models keep tuples (frozen). Items stay strict (StrictStr, models).
T = TypeVar("T")
Seq = Annotated[tuple[T, ...], Field(strict=False)]
EvidenceKind = Literal["run", "quiz", "exercise", "self"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Level(_Model):
    """A quiz level; ``title`` and ``intro`` head its quiz page."""

    id: Slug
    title: Text
    intro: Text


class Topic(_Model):
    """A question topic; ``lesson`` is the page that teaches it."""

    id: Slug
    title: Text
    lesson: Page


class Lesson(_Model):
    """A lesson page, ``number`` in reading order; ``day`` the course plan's day it covers;
    ``anchors`` the sections of it that other pages and the questions rely on."""

    page: Page
    number: StrictInt
    title: Text
    day: DayId | None = None
    anchors: Seq[Slug] = ()  # the sections other pages and the questions rely on


class Evidence(_Model):
    """What ticks a tracker item (see the comment above ``days:`` in course.yaml)."""

    kind: EvidenceKind
    day: DayId | None = None  # run: the day whose run counts (default: the item's day)
    topics: Seq[Slug] = ()  # quiz
    exercises: Seq[Name] = ()  # exercise

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> Evidence:
        wanted = {"quiz": "topics", "exercise": "exercises"}.get(self.kind)
        for name in ("topics", "exercises"):
            if name == wanted and not getattr(self, name):
                raise PydanticCustomError(
                    "evidence", "{kind} evidence needs '{name}'", {"kind": self.kind, "name": name}
                )
            if name != wanted and getattr(self, name):
                raise PydanticCustomError(
                    "evidence",
                    "{kind} evidence takes no '{name}'",
                    {"kind": self.kind, "name": name},
                )
        if self.day is not None and self.kind != "run":
            raise PydanticCustomError(
                "evidence", "{kind} evidence takes no 'day'", {"kind": self.kind}
            )
        return self


class Item(_Model):
    """A tracker item: a sentence the learner can tick, and the evidence that ticks it."""

    id: StrictStr
    text: Text
    evidence: Annotated[Seq[Evidence], Field(min_length=1)]

    @property
    def self_markable(self) -> bool:
        return any(e.kind == "self" for e in self.evidence)


class Day(_Model):
    """A day of the course plan with its tracker items."""

    id: DayId
    title: Text
    items: Annotated[Seq[Item], Field(min_length=1)]

    @model_validator(mode="after")
    def _run_days(self) -> Day:
        # A run evidence without a day means this day's run: filled in here, so readers
        # never need to know which day an item belongs to.
        items = tuple(
            item.model_copy(
                update={
                    "evidence": tuple(
                        e.model_copy(update={"day": self.id})
                        if e.kind == "run" and e.day is None
                        else e
                        for e in item.evidence
                    )
                }
            )
            for item in self.items
        )
        object.__setattr__(self, "items", items)
        return self

    @property
    def key(self) -> str:
        return self.id

    @property
    def number(self) -> int:
        return int(self.id.removeprefix("day"))


class Course(_Model):
    format_version: Literal[1]
    levels: Annotated[Seq[Level], Field(min_length=1)]
    topics: Annotated[Seq[Topic], Field(min_length=1)]
    lessons: Annotated[Seq[Lesson], Field(min_length=1)]
    days: Seq[Day]

    # ----------------------------------------------------------------- look-ups

    @property
    def level_ids(self) -> tuple[str, ...]:
        return tuple(level.id for level in self.levels)

    @property
    def topic_ids(self) -> tuple[str, ...]:
        """Topic ids in the course's order."""
        return tuple(topic.id for topic in self.topics)

    def level(self, level_id: str) -> Level:
        return _find(self.levels, "id", level_id, "level")

    def topic(self, topic_id: str) -> Topic:
        return _find(self.topics, "id", topic_id, "topic")

    def lesson(self, page: str) -> Lesson:
        return _find(self.lessons, "page", page, "lesson page")

    def day(self, day_id: str) -> Day:
        return _find(self.days, "id", day_id, "day")

    def day_lesson(self, day_id: str) -> Lesson | None:
        """The lesson that covers ``day_id``, if one does."""
        return next((lesson for lesson in self.lessons if lesson.day == day_id), None)

    @property
    def items(self) -> dict[str, Item]:
        return {item.id: item for day in self.days for item in day.items}


def _find(entries: tuple[Any, ...], attr: str, value: str, what: str) -> Any:
    for entry in entries:
        if getattr(entry, attr) == value:
            return entry
    known = ", ".join(getattr(e, attr) for e in entries)
    raise KeyError(f"no {what} '{value}' in the course data (known: {known})")


# --------------------------------------------------------------------------- loading


@functools.lru_cache(maxsize=8)
def load(path: Path | None = None) -> Course:
    """The course data (default: the shipped ``tutor/course.yaml``), checked and cached."""
    path = COURSE_FILE if path is None else Path(path)
    course, problems = _read(path)
    if problems or course is None:
        where = yaml_lines.display(path)
        raise ValidationError(
            [f"{where}:{line}: {msg}" for line, msg in sorted(problems, key=yaml_lines.first)]
        )
    return course


def _read(path: Path) -> tuple[Course | None, list[yaml_lines.Problem]]:
    text = yaml_lines.read_text(path)
    if not isinstance(text, str):
        return None, [text]
    parsed = yaml_lines.parse(text)
    if yaml_lines.is_problem(parsed):
        return None, [parsed]  # type: ignore[list-item]
    root, data = parsed  # type: ignore[misc]
    problems = yaml_lines.duplicate_keys(root)
    if root is None or not isinstance(data, dict):
        what = "empty" if root is None else yaml_lines.kind(data)
        line = 1 if root is None else root.start_mark.line + 1
        return None, [
            *problems,
            (line, f"the file is {what}; it must be a mapping of {_keys(Course)}"),
        ]
    try:
        course = Course.model_validate(data)
    except PydanticValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            # A model-level check on an entry (e.g. evidence) is reported at its kind.
            line = yaml_lines.line(root, loc)
            problems.append(
                (line, f"field '{yaml_lines.field_name(loc, 'course')}': {_message(err, loc)}")
            )
        return None, problems
    for loc, message in cross_reference_problems(course):
        problems.append(
            (yaml_lines.line(root, loc), f"field '{yaml_lines.field_name(loc)}': {message}")
        )
    return (None if problems else course), problems


def cross_reference_problems(course: Course) -> list[tuple[tuple[Any, ...], str]]:
    """(location, message) for every id that is duplicated or names nothing."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    for field in ("levels", "topics", "lessons", "days"):
        attr = "page" if field == "lessons" else "id"
        seen: set[str] = set()
        for i, entry in enumerate(getattr(course, field)):
            value = getattr(entry, attr)
            if value in seen:
                problems.append(((field, i, attr), f"'{value}' is listed twice"))
            seen.add(value)
    pages = {lesson.page for lesson in course.lessons}
    days = {day.id for day in course.days}
    topics = course.topic_ids
    for i, lesson in enumerate(course.lessons):
        if lesson.number != i + 1:
            problems.append(
                (
                    ("lessons", i, "number"),
                    f"is {lesson.number}; the lessons are numbered in order, so {i + 1}",
                )
            )
        if lesson.day is not None and lesson.day not in days:
            problems.append(
                (
                    ("lessons", i, "day"),
                    f"unknown day '{lesson.day}'; the days are: {', '.join(days)}",
                )
            )
    for i, topic in enumerate(course.topics):
        if topic.lesson not in pages:
            problems.append(
                (("topics", i, "lesson"), f"'{topic.lesson}' is not one of the lessons")
            )
    items: set[str] = set()
    for d, day in enumerate(course.days):
        for n, item in enumerate(day.items):
            at = ("days", d, "items", n)
            if not item.id.startswith(f"{day.id}.") or not _SLUG.fullmatch(
                item.id.split(".", 1)[1]
            ):
                problems.append(((*at, "id"), f"'{item.id}' must be '{day.id}.' and a slug"))
            if item.id in items:
                problems.append(((*at, "id"), f"'{item.id}' is listed twice"))
            items.add(item.id)
            for e, evidence in enumerate(item.evidence):
                for t, topic in enumerate(evidence.topics):
                    if topic not in topics:
                        problems.append(
                            (
                                (*at, "evidence", e, "topics", t),
                                f"unknown topic '{topic}'; the topics are: {', '.join(topics)}",
                            )
                        )
                if evidence.kind == "run" and evidence.day not in days:
                    problems.append(((*at, "evidence", e, "day"), f"unknown day '{evidence.day}'"))
    return problems


def _keys(model: type[BaseModel]) -> str:
    return ", ".join(model.model_fields)


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model whose field ``loc`` ends in (for listing the keys it takes)."""
    model: Any = Course
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if isinstance(model, type) else None
        if field is None:
            return None
        annotation = field.annotation
        while get_origin(annotation) is not None and not (
            isinstance(annotation, type) and issubclass(annotation, BaseModel)
        ):
            inner = [a for a in get_args(annotation) if a is not Ellipsis and a is not type(None)]
            if not inner:
                return None
            annotation = inner[0]
        model = annotation
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _message(err: Any, loc: tuple[Any, ...]) -> str:
    kind = err["type"]
    value = err.get("input")
    if kind == "missing":
        return "missing"
    if kind == "extra_forbidden":
        model = _model_at(loc)
        return f"unknown key; it takes: {_keys(model)}" if model else "unknown key"
    if kind == "literal_error":
        return f"must be {err['ctx']['expected']}, not {value!r}"
    if kind == "string_type":
        return f"must be text, not {yaml_lines.kind(value)}"
    if kind in ("int_type", "int_from_float"):
        return f"must be an integer, not {yaml_lines.kind(value)}"
    if kind in ("tuple_type", "list_type"):
        return f"must be a list, not {yaml_lines.kind(value)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be a mapping, not {yaml_lines.kind(value)}"
    if kind == "too_short":
        return "must not be empty"
    msg = str(err.get("msg", kind))
    return msg[:1].lower() + msg[1:]


# --------------------------------------------------------------------------- for readers


def level_ids() -> tuple[str, ...]:
    """The quiz levels, easiest first."""
    return load().level_ids


def topic_ids() -> tuple[str, ...]:
    """The question topics in the course's order (the order of a quiz page's sections)."""
    return load().topic_ids


def level_title(level_id: str) -> str:
    return load().level(level_id).title


def level_intro(level_id: str) -> str:
    return load().level(level_id).intro


def topic_title(topic_id: str) -> str:
    return load().topic(topic_id).title
