"""The question types: one pydantic model per type, checked field by field.

Each type is a class (:class:`SingleChoice`, :class:`MultipleChoice`, :class:`TrueFalse`,
:class:`Numeric`, :class:`FreeText`); a question's level and topics must be ones the course
data names (:mod:`tutor.course`). Files of questions are loaded by :mod:`tutor.question_bank`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from tutor import course

FORMAT_VERSION = 1

TYPES: tuple[str, ...] = (
    "single_choice",
    "multiple_choice",
    "true_false",
    "numeric",
    "free_text",
)

_SLUG = re.compile(r"[a-z0-9-]+")
_LESSON = re.compile(r"(?!/)[^#\s]+\.md#[^#\s]+")
_MAX_CHOICES = 26  # lettered a-z in the quiz


# --------------------------------------------------------------------------- models


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be empty")
    # Control characters (a YAML "\a" or "\x1b" escape) would reach the learner's
    # terminal as bells or escape sequences; line breaks and tabs are text.
    bad = next((ch for ch in value if unicodedata.category(ch) == "Cc" and ch not in "\n\t"), None)
    if bad is not None:
        raise PydanticCustomError(
            "control_character",
            "contains the control character U+{code}; remove it",
            {"code": f"{ord(bad):04X}"},
        )
    return value


def _slug(value: str) -> str:
    if not _SLUG.fullmatch(value):
        raise PydanticCustomError(
            "slug", "'{value}' is not a slug: use only a-z, 0-9 and '-'", {"value": value}
        )
    return value


def _lesson(value: str) -> str:
    if not _LESSON.fullmatch(value):
        raise PydanticCustomError(
            "lesson",
            "'{value}' is not a docs-relative 'page.md#anchor' "
            "(e.g. lessons/day07-bert.md#softmax)",
            {"value": value},
        )
    return value


def _level(value: Any) -> Any:
    levels = course.level_ids()
    if value not in levels:
        raise PydanticCustomError(
            "level",
            "must be {levels}, not {value}",
            {"levels": " or ".join(levels), "value": repr(value)},
        )
    return value


def _topic(value: Any) -> Any:
    topics = course.topic_ids()
    if value not in topics:
        raise PydanticCustomError(
            "topic",
            "unknown topic {value}; the topics are: {topics}",
            {"value": repr(value), "topics": ", ".join(topics)},
        )
    return value


Text = Annotated[StrictStr, AfterValidator(_not_blank)]
# A level and a topic are checked against the course data (tutor/course.yaml), their one home.
Level = Annotated[StrictStr, BeforeValidator(_level)]
Topic = Annotated[StrictStr, BeforeValidator(_topic)]
FiniteNumber = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Choice(_Strict):
    """One option of a choice question; ``why`` says why it is right or wrong."""

    text: Text
    why: Text


class _QuestionBase(_Strict):
    id: Annotated[StrictStr, AfterValidator(_slug)]
    level: Level
    topics: list[Topic]
    prompt: Text
    explanation: Text
    lesson: Annotated[StrictStr, AfterValidator(_lesson)]
    source: Text | None = None

    @field_validator("topics")
    @classmethod
    def _topics_count_and_unique(cls, topics: list[str]) -> list[str]:
        if not 1 <= len(topics) <= 3:
            raise PydanticCustomError(
                "topic_count", "needs 1 to 3 topics, got {n}", {"n": len(topics)}
            )
        seen: set[str] = set()
        for i, topic in enumerate(topics):
            if topic in seen:
                raise PydanticCustomError(
                    "duplicate", "topic '{topic}' is listed twice", {"topic": topic, "at": (i,)}
                )
            seen.add(topic)
        return topics

    @property
    def lesson_page(self) -> str:
        """The docs-relative page of :attr:`lesson`, without the anchor."""
        return self.lesson.split("#", 1)[0]

    @property
    def lesson_anchor(self) -> str:
        return self.lesson.split("#", 1)[1]


class _ChoiceQuestion(_QuestionBase):
    choices: list[Choice]

    @field_validator("choices")
    @classmethod
    def _choices_ok(cls, choices: list[Choice]) -> list[Choice]:
        if len(choices) < 2:
            raise PydanticCustomError(
                "choice_count", "needs at least 2 choices, got {n}", {"n": len(choices)}
            )
        if len(choices) > _MAX_CHOICES:
            raise PydanticCustomError(
                "choice_count", "at most 26 choices (a-z), got {n}", {"n": len(choices)}
            )
        seen: dict[str, int] = {}
        for i, choice in enumerate(choices):
            key = choice.text.strip().casefold()
            if key in seen:
                raise PydanticCustomError(
                    "duplicate",
                    "same text as choice {first}",
                    {"first": seen[key], "at": (i, "text")},
                )
            seen[key] = i
        return choices

    @property
    def correct_indices(self) -> tuple[int, ...]:
        """Indices (into :attr:`choices`, file order) of the correct choices."""
        raise NotImplementedError


def _check_index(index: int, info: ValidationInfo, at: tuple[Any, ...] = ()) -> None:
    choices = info.data.get("choices")
    if choices is None:  # choices themselves are invalid: reported there
        return
    if not 0 <= index < len(choices):
        raise PydanticCustomError(
            "answer_range",
            "answer {index} is out of range: there are {n} choices, numbered 0 to {last}",
            {"index": index, "n": len(choices), "last": len(choices) - 1, "at": at},
        )


class SingleChoice(_ChoiceQuestion):
    type: Literal["single_choice"]
    answer: StrictInt

    @field_validator("answer", mode="before")
    @classmethod
    def _not_a_list(cls, value: Any) -> Any:
        if isinstance(value, list):
            if len(value) == 1:
                raise PydanticCustomError(
                    "answer_list", "single_choice takes one index, not a list: write answer: N"
                )
            raise PydanticCustomError(
                "answer_list",
                "single_choice has {n} answers; use multiple_choice",
                {"n": len(value)},
            )
        return value

    @field_validator("answer")
    @classmethod
    def _in_range(cls, value: int, info: ValidationInfo) -> int:
        _check_index(value, info)
        return value

    @property
    def correct_indices(self) -> tuple[int, ...]:
        return (self.answer,)


class MultipleChoice(_ChoiceQuestion):
    type: Literal["multiple_choice"]
    answer: list[StrictInt]

    @field_validator("answer", mode="before")
    @classmethod
    def _a_list(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            raise PydanticCustomError(
                "answer_count",
                "multiple_choice needs a list of at least 2 answers; "
                "for one answer use single_choice",
            )
        return value

    @field_validator("answer")
    @classmethod
    def _count_unique_in_range(cls, value: list[int], info: ValidationInfo) -> list[int]:
        if len(value) < 2:
            raise PydanticCustomError(
                "answer_count",
                "multiple_choice has {n} answer{s}; it needs at least 2 "
                "(use single_choice for one)",
                {"n": len(value), "s": "" if len(value) == 1 else "s"},
            )
        seen: set[int] = set()
        for i, index in enumerate(value):
            if index in seen:
                raise PydanticCustomError(
                    "duplicate", "answer {index} is listed twice", {"index": index, "at": (i,)}
                )
            seen.add(index)
            _check_index(index, info, (i,))
        return value

    @property
    def correct_indices(self) -> tuple[int, ...]:
        return tuple(sorted(self.answer))


class TrueFalse(_QuestionBase):
    type: Literal["true_false"]
    answer: StrictBool


class Numeric(_QuestionBase):
    type: Literal["numeric"]
    answer: FiniteNumber
    tolerance: FiniteNumber
    unit: Text | None = None

    @field_validator("tolerance")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise PydanticCustomError("tolerance", "must be greater than 0, got {v}", {"v": value})
        return value


class FreeText(_QuestionBase):
    type: Literal["free_text"]
    model_answer: Text
    key_points: list[Text]

    @field_validator("key_points")
    @classmethod
    def _non_empty(cls, value: list[str]) -> list[str]:
        if not value:
            raise PydanticCustomError("key_points", "needs at least one key point")
        return value


class CommonFields(_QuestionBase):
    """The fields of every question type, for reporting an item whose type is unknown."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


Question = Annotated[
    Union[SingleChoice, MultipleChoice, TrueFalse, Numeric, FreeText],  # noqa: UP007
    Field(discriminator="type"),
]
ChoiceQuestion = Union[SingleChoice, MultipleChoice]  # noqa: UP007
QUESTION_MODELS: dict[str, type[BaseModel]] = {
    "single_choice": SingleChoice,
    "multiple_choice": MultipleChoice,
    "true_false": TrueFalse,
    "numeric": Numeric,
    "free_text": FreeText,
}
QUESTION_ADAPTER: TypeAdapter[Any] = TypeAdapter(Question)


# Names that moved out of this module when it was split by concern; kept importable for
# code written before (tutor/site.py) until it imports them from their new home.
_MOVED = {
    "Bank": "tutor.question_bank",
    "load_bank": "tutor.question_bank",
    "question_files": "tutor.question_bank",
    "LONGEST_RIGHT_TARGET": "tutor.question_bank",
    "docs_dir_for": "tutor.lesson_links",
    "lesson_link_problem": "tutor.lesson_links",
    "page_anchors": "tutor.lesson_links",
}


def __getattr__(name: str) -> Any:
    if name == "LEVELS":
        return course.level_ids()
    if name == "TOPICS":
        return course.topic_ids()
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
