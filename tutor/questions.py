"""The question types: one pydantic model per type, checked field by field.

Each type is a class (:class:`SingleChoice`, :class:`MultipleChoice`, :class:`TrueFalse`,
:class:`Numeric`, :class:`FreeText`); a question's level and topics must be ones the course
data names (:mod:`tutor.course`). Files of questions are loaded by :mod:`tutor.question_bank`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, ClassVar, Literal, Union

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
from tutor.answers import (
    LETTERS,
    Grade,
    InvalidAnswer,
    is_close,
    parse_bool,
    parse_number,
    positions,
)

FORMAT_VERSION = 1

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

    # ------------------------------------------------------------- behaviour of a type
    # Each type says what input it expects, how a typed answer is judged, how the right
    # answer and the verdict read in the terminal, and which Jinja template renders it on
    # a quiz page (docs/overrides/quiz/<type>.html). ``order`` is the order the choices
    # are shown in (file indices; empty for a question without choices).
    # tests/test_question_types.py fails if a type lacks any of these.

    page_template: ClassVar[str]
    # What a quiz page calls the type, e.g. "One answer".
    type_label: ClassVar[str]
    # Shown under the prompt in the terminal, e.g. "(more than one is right)".
    terminal_note: ClassVar[str | None] = None

    def expected_input(self, order: tuple[int, ...] = ()) -> str:
        """What to type, e.g. 'a letter a-d or a number 1-4' (for prompts and re-asks)."""
        raise NotImplementedError(type(self).__name__)

    def judge(self, answer: str, order: tuple[int, ...] = ()) -> Grade:
        """Grade a typed answer; raises :class:`InvalidAnswer` if it cannot be read."""
        raise NotImplementedError(type(self).__name__)

    def right_answer(self, order: tuple[int, ...] = ()) -> str:
        """The right answer as the learner would see it: 'b', 'a, c', 'true', '0.665 M'."""
        raise NotImplementedError(type(self).__name__)

    def verdict(self, grade: Grade, order: tuple[int, ...] = ()) -> str:
        """One line saying how the answer was judged, shown after it."""
        if grade.correct:
            return "✓ Correct."
        return f"✗ Wrong: the answer is {self.right_answer(order)}."

    def shown_choices(self, order: tuple[int, ...] = ()) -> list[Choice]:
        """The choices in the order shown (none for a question without choices)."""
        return []

    def explained_choices(
        self, grade: Grade, order: tuple[int, ...] = ()
    ) -> list[tuple[int, bool, bool]]:
        """(file index, picked, right) of the choices to explain after an answer, in shown
        order: after a mistake every choice; after a right answer the ones picked."""
        return []


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

    def shown_choices(self, order: tuple[int, ...] = ()) -> list[Choice]:
        return [self.choices[i] for i in order]

    def _span(self, order: tuple[int, ...]) -> str:
        return f"a-{LETTERS[len(order) - 1]}"

    def right_answer(self, order: tuple[int, ...] = ()) -> str:
        return ", ".join(sorted(LETTERS[order.index(i)] for i in self.correct_indices))

    def explained_choices(
        self, grade: Grade, order: tuple[int, ...] = ()
    ) -> list[tuple[int, bool, bool]]:
        right = set(self.correct_indices)
        shown = order if not grade.correct else [i for i in order if i in grade.chosen]
        return [(i, i in grade.chosen, i in right) for i in shown]


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
    page_template: ClassVar[str] = "quiz/single_choice.html"
    type_label: ClassVar[str] = "One answer"

    def expected_input(self, order: tuple[int, ...] = ()) -> str:
        return f"a letter {self._span(order)} or a number 1-{len(order)}"

    def judge(self, answer: str, order: tuple[int, ...] = ()) -> Grade:
        picked = positions(answer, len(order))
        if len(picked) != 1:
            raise InvalidAnswer("pick one choice only")
        chosen = (order[picked[0]],)
        return Grade(chosen[0] == self.answer, chosen)

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
    page_template: ClassVar[str] = "quiz/multiple_choice.html"
    type_label: ClassVar[str] = "Several answers"
    terminal_note: ClassVar[str | None] = "(more than one is right)"

    def expected_input(self, order: tuple[int, ...] = ()) -> str:
        return f"all the right letters {self._span(order)}, e.g. a,c"

    def judge(self, answer: str, order: tuple[int, ...] = ()) -> Grade:
        chosen = tuple(sorted(order[p] for p in positions(answer, len(order))))
        return Grade(set(chosen) == set(self.answer), chosen)

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
    page_template: ClassVar[str] = "quiz/true_false.html"
    type_label: ClassVar[str] = "True or false"

    def expected_input(self, order: tuple[int, ...] = ()) -> str:
        return "t or f"

    def judge(self, answer: str, order: tuple[int, ...] = ()) -> Grade:
        value = parse_bool(answer)
        return Grade(value == self.answer, value=value)

    def right_answer(self, order: tuple[int, ...] = ()) -> str:
        return "true" if self.answer else "false"

    def verdict(self, grade: Grade, order: tuple[int, ...] = ()) -> str:
        if grade.correct:
            return "✓ Correct."
        return f"✗ Wrong: the statement is {'True' if self.answer else 'False'}."


class Numeric(_QuestionBase):
    type: Literal["numeric"]
    answer: FiniteNumber
    tolerance: FiniteNumber
    unit: Text | None = None
    page_template: ClassVar[str] = "quiz/numeric.html"
    type_label: ClassVar[str] = "Calculation"

    def expected_input(self, order: tuple[int, ...] = ()) -> str:
        return f"a number, in {self.unit}" if self.unit else "a number"

    def judge(self, answer: str, order: tuple[int, ...] = ()) -> Grade:
        number = parse_number(answer, self.unit)
        return Grade(is_close(number, self.answer, self.tolerance), value=number)

    def right_answer(self, order: tuple[int, ...] = ()) -> str:
        text = f"{self.answer:g} (± {self.tolerance:g})"
        return f"{text} {self.unit}" if self.unit else text

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
    page_template: ClassVar[str] = "quiz/free_text.html"
    type_label: ClassVar[str] = "Explain"

    # A free-text answer is typed as text, then judged in two steps: automatic feedback
    # (tutor.grading, through the quiz session) and the learner's verdict. ``judge`` reads
    # the self-grade given when there is no automatic feedback.
    def expected_input(self, order: tuple[int, ...] = ()) -> str:
        return "y or n"

    def judge(self, answer: str, order: tuple[int, ...] = ()) -> Grade:
        try:
            value = parse_bool(answer)
        except InvalidAnswer:
            raise InvalidAnswer(f"'{answer.strip()}' is not y or n") from None
        return Grade(value, value=value)

    def right_answer(self, order: tuple[int, ...] = ()) -> str:
        return self.model_answer

    def verdict(self, grade: Grade, order: tuple[int, ...] = ()) -> str:
        if grade.empty:
            return "✗ Empty answer: counted as missed."
        if grade.feedback is not None and grade.feedback.off_topic:
            return "✗ Off topic: no part of the answer is about a key point; counted as missed."
        said = "✓ Counted as right" if grade.correct else "✗ Counted as missed"
        if grade.feedback is not None and grade.overridden:
            return f"{said} (your call; the feedback suggested the other way)."
        return f"{said}."

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
QUESTION_MODELS: dict[str, type[_QuestionBase]] = {
    "single_choice": SingleChoice,
    "multiple_choice": MultipleChoice,
    "true_false": TrueFalse,
    "numeric": Numeric,
    "free_text": FreeText,
}
QUESTION_ADAPTER: TypeAdapter[Any] = TypeAdapter(Question)
# The type names, in the order error messages list them.
TYPES: tuple[str, ...] = tuple(QUESTION_MODELS)


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
