"""A quiz, without any I/O: pick questions, shuffle their choices, grade typed answers
and sum up a session. `tutor quiz` (tutor/commands/quiz.py) drives it.

Choices are shown in a shuffled order and lettered a, b, c...; a :class:`QuizItem`
keeps the mapping from shown position to the choice's index in the YAML file, so
grading and feedback always talk about the real choices.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tutor import history, scheduling
from tutor.questions import (
    Bank,
    Choice,
    FreeText,
    MultipleChoice,
    Numeric,
    Question,
    SingleChoice,
    TrueFalse,
)

LETTERS = "abcdefghijklmnopqrstuvwxyz"
DOCS_DIR = "docs"
# Where `mkdocs serve` puts the course site (its default dev_addr).
LOCAL_SITE = "http://127.0.0.1:8000/"

_TRUE = {"t", "true", "y", "yes"}
_FALSE = {"f", "false", "n", "no"}


class InvalidAnswer(ValueError):
    """The typed answer cannot be read for this question; ask again (not counted)."""


# --------------------------------------------------------------------------- items


@dataclass(frozen=True)
class QuizItem:
    """A question as shown: ``order[k]`` is the file index of the choice shown k-th."""

    question: Question
    order: tuple[int, ...] = ()

    @property
    def choices(self) -> list[Choice]:
        """The choices in the order shown (empty for non-choice questions)."""
        q = self.question
        if not isinstance(q, (SingleChoice, MultipleChoice)):
            return []
        return [q.choices[i] for i in self.order]

    def letter(self, index: int) -> str:
        """The letter shown for the choice with file index ``index``."""
        return LETTERS[self.order.index(index)]

    @property
    def correct_letters(self) -> list[str]:
        q = self.question
        if not isinstance(q, (SingleChoice, MultipleChoice)):
            return []
        return sorted(self.letter(i) for i in q.correct_indices)

    def expected_input(self) -> str:
        """What to type, e.g. 'one letter, a-d' (for prompts and re-asks)."""
        q = self.question
        n = len(self.order)
        span = f"a-{LETTERS[n - 1]}"
        if isinstance(q, SingleChoice):
            return f"a letter {span} or a number 1-{n}"
        if isinstance(q, MultipleChoice):
            return f"all the right letters {span}, e.g. a,c"
        if isinstance(q, TrueFalse):
            return "t or f"
        if isinstance(q, Numeric):
            return f"a number, in {q.unit}" if q.unit else "a number"
        return "y or n"


def shuffle_choices(question: Question, rng: random.Random) -> QuizItem:
    """A :class:`QuizItem` with the choices (if any) in a random order."""
    if isinstance(question, (SingleChoice, MultipleChoice)):
        order = list(range(len(question.choices)))
        rng.shuffle(order)
        return QuizItem(question, tuple(order))
    return QuizItem(question)


def _rng(seed: int | random.Random | None) -> random.Random:
    return seed if isinstance(seed, random.Random) else random.Random(seed)


def pick_questions(
    bank: Bank,
    *,
    level: str | None = None,
    topic: str | None = None,
    count: int = 10,
    seed: int | random.Random | None = None,
) -> list[Question]:
    """Up to ``count`` questions of ``level``/``topic``, in random order (fixed by ``seed``)."""
    pool = list(bank.filter(level=level, topic=topic))
    return _rng(seed).sample(pool, min(max(count, 0), len(pool)))


def pick_review(
    bank: Bank,
    quiz_state: Mapping[str, Any],
    *,
    level: str | None = None,
    topic: str | None = None,
    count: int = 10,
    now: dt.datetime | None = None,
) -> list[Question]:
    """Up to ``count`` questions whose card is due at ``now``: the ones last answered
    wrongly first, then by due date (earliest first)."""
    now = now or scheduling.utc_now()
    pool = {q.id: q for q in bank.filter(level=level, topic=topic)}
    due = scheduling.due_ids(quiz_state.get("cards", {}), now, among=pool)
    last = history.last_correct(dict(quiz_state))
    due.sort(key=lambda qid: last.get(qid, True))  # stable: missed (False) first
    return [pool[qid] for qid in due[: max(count, 0)]]


def next_review(
    bank: Bank,
    quiz_state: Mapping[str, Any],
    *,
    level: str | None = None,
    topic: str | None = None,
) -> dt.datetime | None:
    """When the next question of ``level``/``topic`` falls due (None: none answered yet)."""
    ids = [q.id for q in bank.filter(level=level, topic=topic)]
    return scheduling.next_due(quiz_state.get("cards", {}), among=ids)


def prepare(
    questions: Iterable[Question], seed: int | random.Random | None = None
) -> list[QuizItem]:
    """Quiz items for ``questions``, each with its choices shuffled."""
    rng = _rng(seed)
    return [shuffle_choices(q, rng) for q in questions]


def build_quiz(
    bank: Bank,
    *,
    level: str | None = None,
    topic: str | None = None,
    count: int = 10,
    seed: int | None = None,
) -> list[QuizItem]:
    """Pick and prepare a quiz in one go; the same seed gives the same quiz."""
    rng = _rng(seed)
    return prepare(pick_questions(bank, level=level, topic=topic, count=count, seed=rng), rng)


# --------------------------------------------------------------------------- grading


@dataclass(frozen=True)
class Grade:
    """How an answer was graded. ``chosen`` holds the file indices of the picked choices
    (choice questions); ``value`` the parsed answer (true/false, numeric, self-grade).
    For a free-text answer, ``feedback`` is the automatic feedback (a
    :class:`tutor.grading.Feedback`, None when self-graded) and ``overridden`` whether the
    learner's verdict differs from the one it suggested."""

    correct: bool
    chosen: tuple[int, ...] = ()
    value: bool | float | None = None
    feedback: Any = None
    overridden: bool = False
    empty: bool = False

    @property
    def score(self) -> float | None:
        return None if self.feedback is None else self.feedback.score

    def record_extra(self) -> dict[str, Any]:
        """What history keeps beyond right/wrong for a free-text answer."""
        if self.empty:
            return {"empty": True}
        if self.feedback is None:
            return {}
        return {"score": round(self.feedback.score, 3), "overridden": self.overridden}


def _positions(text: str, n: int) -> list[int]:
    """Shown positions (0-based) typed as letters and/or 1-based numbers."""
    tokens = [t.strip("().") for t in re.split(r"[\s,;]+", text.strip().lower()) if t]
    positions: list[int] = []
    for token in tokens:
        if not token:
            continue
        if token.isdigit():
            picked = [int(token) - 1]
        elif token.isalpha() and token.isascii():
            picked = [LETTERS.index(ch) for ch in token]
        else:
            raise InvalidAnswer(f"'{token}' is not a choice")
        for pos in picked:
            if not 0 <= pos < n:
                shown = token if len(token) == 1 or token.isdigit() else LETTERS[pos]
                raise InvalidAnswer(f"there is no choice '{shown}'")
            if pos not in positions:
                positions.append(pos)
    if not positions:
        raise InvalidAnswer("no choice given")
    return positions


def parse_bool(text: str) -> bool:
    """t/f/true/false/yes/no/y/n, any case."""
    word = text.strip().lower().rstrip(".!")
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise InvalidAnswer(f"'{text.strip()}' is neither true nor false")


_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def parse_number(text: str, unit: str | None = None) -> float:
    """A number such as ``0.665``, ``1e-3``, ``110,000``, ``2/3`` or ``110M`` (unit given)."""
    raw = text.strip()
    s = raw.replace("_", "").replace(" ", "")
    if unit and s.lower().endswith(unit.replace(" ", "").lower()):
        s = s[: len(s) - len(unit.replace(" ", ""))]
    if _THOUSANDS.fullmatch(s):
        s = s.replace(",", "")
    try:
        if s.count("/") == 1:
            num, den = s.split("/")
            value = float(num) / float(den)
        else:
            value = float(s)
    except (ValueError, ZeroDivisionError):
        raise InvalidAnswer(f"'{raw}' is not a number") from None
    if not math.isfinite(value):
        raise InvalidAnswer(f"'{raw}' is not a finite number")
    return value


def is_close(value: float, target: float, tolerance: float) -> bool:
    """Within the absolute ``tolerance`` (plus float rounding slack)."""
    return abs(value - target) <= tolerance + 1e-9 * max(1.0, abs(target))


def grade(item: QuizItem, answer: str) -> Grade:
    """Grade a typed answer; raises :class:`InvalidAnswer` if it cannot be read.

    For a free-text question ``answer`` is the learner's self-grade (y/n), given after
    seeing the model answer and key points.
    """
    q = item.question
    if isinstance(q, SingleChoice):
        positions = _positions(answer, len(item.order))
        if len(positions) != 1:
            raise InvalidAnswer("pick one choice only")
        chosen = (item.order[positions[0]],)
        return Grade(chosen[0] == q.answer, chosen)
    if isinstance(q, MultipleChoice):
        chosen = tuple(sorted(item.order[p] for p in _positions(answer, len(item.order))))
        return Grade(set(chosen) == set(q.answer), chosen)
    if isinstance(q, TrueFalse):
        value = parse_bool(answer)
        return Grade(value == q.answer, value=value)
    if isinstance(q, Numeric):
        number = parse_number(answer, q.unit)
        return Grade(is_close(number, q.answer, q.tolerance), value=number)
    if isinstance(q, FreeText):
        try:
            value = parse_bool(answer)
        except InvalidAnswer:
            raise InvalidAnswer(f"'{answer.strip()}' is not y or n") from None
        return Grade(value, value=value)
    raise TypeError(f"unknown question type {type(q).__name__}")  # pragma: no cover


def is_blank(answer: str | None) -> bool:
    """An answer with nothing in it (only spaces, punctuation or control characters)."""
    return not answer or not re.search(r"\w", answer)


def blank_grade() -> Grade:
    """An empty free-text answer: missed, whatever is typed next (never counts as right)."""
    return Grade(False, value=False, empty=True)


def parse_verdict(text: str, suggested: bool) -> bool:
    """The learner's final say on a free-text answer: Enter keeps ``suggested``."""
    if not text.strip():
        return suggested
    try:
        return parse_bool(text)
    except InvalidAnswer:
        raise InvalidAnswer(
            f"'{text.strip()}' is not y or n (Enter keeps the suggestion)"
        ) from None


def parse_ticks(text: str, count: int) -> set[int]:
    """The unsure key points the learner says they made: 1-based numbers ("1,3", "2 4")
    or "all"; Enter for none. Returns 0-based positions."""
    text = text.strip().lower()
    if text in ("", "none", "n", "no", "0", "-"):
        return set()
    if text in ("all", "a", "y", "yes"):
        return set(range(count))
    try:
        numbers = {int(t) for t in re.split(r"[\s,;]+", text) if t}
    except ValueError:
        raise InvalidAnswer(f"'{text}' is not a list of point numbers (e.g. 1,3)") from None
    if any(n < 1 or n > count for n in numbers):
        raise InvalidAnswer(f"point numbers go from 1 to {count}")
    return {n - 1 for n in numbers}


def graded_free_text(feedback: Any, verdict: bool) -> Grade:
    """A free-text answer with automatic ``feedback``; the ``verdict`` is what counts."""
    return Grade(
        verdict, value=verdict, feedback=feedback, overridden=verdict != feedback.suggested
    )


def free_text_only(bank: Bank) -> Bank:
    """The free-text questions of ``bank`` (a mock interview asks only these)."""
    return Bank(tuple(q for q in bank if isinstance(q, FreeText)), bank.files, bank.locations)


def format_answer(item: QuizItem) -> str:
    """The right answer as the learner would see it, e.g. 'b', 'a, c', 'true', '0.665 M'."""
    q = item.question
    if isinstance(q, (SingleChoice, MultipleChoice)):
        return ", ".join(item.correct_letters)
    if isinstance(q, TrueFalse):
        return "true" if q.answer else "false"
    if isinstance(q, Numeric):
        text = f"{q.answer:g} (± {q.tolerance:g})"
        return f"{text} {q.unit}" if q.unit else text
    if isinstance(q, FreeText):
        return q.model_answer
    raise TypeError(type(q).__name__)  # pragma: no cover


# --------------------------------------------------------------------------- summary


def lesson_path(lesson: str) -> str:
    """The lesson link as a path in the repository, e.g. docs/lessons/day07-bert.md#softmax."""
    return f"{DOCS_DIR}/{lesson}"


def lesson_url(lesson: str, site: str = LOCAL_SITE) -> str:
    """The lesson link as a page of the built site: MkDocs serves ``lessons/x.md`` at
    ``lessons/x/`` (directory URLs), e.g. http://127.0.0.1:8000/lessons/day07-bert/#softmax."""
    page, _, anchor = lesson.partition("#")
    path = page.removesuffix(".md")
    path = "" if path == "index" else path.removesuffix("/index") + "/"
    return f"{site}{path}" + (f"#{anchor}" if anchor else "")


@dataclass(frozen=True)
class Result:
    question: Question
    correct: bool
    grade: Grade | None = None


@dataclass
class Summary:
    """Score of a session; ``per_topic`` maps topic -> (correct, answered)."""

    score: int = 0
    total: int = 0
    per_topic: dict[str, tuple[int, int]] = field(default_factory=dict)
    missed: list[Question] = field(default_factory=list)

    @property
    def lessons(self) -> list[str]:
        """Lesson paths of the missed questions, without repeats, in order."""
        return list(dict.fromkeys(lesson_path(q.lesson) for q in self.missed))

    @property
    def lesson_urls(self) -> list[str]:
        """The same lessons as pages of the locally served site."""
        return list(dict.fromkeys(lesson_url(q.lesson) for q in self.missed))

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "total": self.total,
            "per_topic": {t: {"score": s, "total": n} for t, (s, n) in self.per_topic.items()},
            "missed": [
                {"id": q.id, "lesson": lesson_path(q.lesson), "url": lesson_url(q.lesson)}
                for q in self.missed
            ],
        }


def summarize(results: Sequence[Result]) -> Summary:
    summary = Summary()
    for result in results:
        summary.total += 1
        summary.score += result.correct
        for topic in result.question.topics:
            right, seen = summary.per_topic.get(topic, (0, 0))
            summary.per_topic[topic] = (right + result.correct, seen + 1)
        if not result.correct:
            summary.missed.append(result.question)
    return summary


# --------------------------------------------------------------------------- interview


@dataclass
class TopicReport:
    """A mock interview's result on one topic: key points covered and missed."""

    topic: str
    answered: int = 0
    right: int = 0
    scores: list[float] = field(default_factory=list)
    strengths: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)

    @property
    def mean_score(self) -> float | None:
        return sum(self.scores) / len(self.scores) if self.scores else None

    def to_dict(self) -> dict[str, Any]:
        mean = self.mean_score
        return {
            "answered": self.answered,
            "right": self.right,
            "mean_score": None if mean is None else round(mean, 3),
            "strengths": self.strengths,
            "gaps": self.gaps,
        }


def interview_report(results: Sequence[Result]) -> list[TopicReport]:
    """Strengths (key points covered) and gaps (key points missed) per topic, each
    question counted under all its topics (as the score table does), weakest topic
    first. Only what was judged counts: the grader's confident judgements and the
    learner's self-check; a point left unsure is neither. A self-graded answer counts
    its key points as covered if the learner counted it right; an empty one misses them
    all."""
    topics: dict[str, TopicReport] = {}
    for result in results:
        q = result.question
        if not isinstance(q, FreeText):
            continue
        grade = result.grade
        feedback = grade.feedback if grade else None
        if feedback is not None:
            covered, missed = feedback.covered, feedback.missed
        else:
            covered = list(q.key_points) if result.correct else []
            missed = [] if result.correct else list(q.key_points)
        for topic in q.topics:
            report = topics.setdefault(topic, TopicReport(topic))
            report.answered += 1
            report.right += result.correct
            if feedback is not None:
                report.scores.append(feedback.score)
            elif grade is not None and grade.empty:
                report.scores.append(0.0)
            for point in q.key_points:
                target = (
                    report.strengths
                    if point in covered
                    else report.gaps
                    if point in missed
                    else None
                )
                if target is not None and point not in target:
                    target.append(point)

    def weakness(report: TopicReport) -> tuple[float, float]:
        share = report.right / report.answered if report.answered else 0.0
        mean = report.mean_score
        return (share, mean if mean is not None else share)

    return sorted(topics.values(), key=weakness)
