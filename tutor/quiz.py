"""A quiz, without any I/O: pick questions, shuffle their choices, grade typed answers
and sum up a session. The loop is :class:`tutor.quiz_session.QuizSession`; `tutor quiz`
(tutor/commands/quiz.py) drives it; each question type judges its own answers.

Choices are shown in a shuffled order and lettered a, b, c...; a :class:`QuizItem`
keeps the mapping from shown position to the choice's index in the YAML file, so
grading and feedback always talk about the real choices.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tutor import quiz_history as history
from tutor import scheduling
from tutor.answers import (  # noqa: F401  (the quiz's names for them)
    LETTERS,
    Grade,
    InvalidAnswer,
    blank_grade,
    graded_free_text,
    is_blank,
    is_close,
    parse_bool,
    parse_number,
    parse_ticks,
    parse_verdict,
)
from tutor.question_bank import Bank
from tutor.questions import Choice, FreeText, Question

DOCS_DIR = "docs"
# Where `mkdocs serve` puts the course site (its default dev_addr).
LOCAL_SITE = "http://127.0.0.1:8000/"

# --------------------------------------------------------------------------- items


@dataclass(frozen=True)
class QuizItem:
    """A question as shown: ``order[k]`` is the file index of the choice shown k-th.

    What the learner sees and how an answer is judged belong to the question's type
    (:mod:`tutor.questions`); the item adds the shuffled order."""

    question: Question
    order: tuple[int, ...] = ()

    @property
    def choices(self) -> list[Choice]:
        """The choices in the order shown (empty for non-choice questions)."""
        return self.question.shown_choices(self.order)

    def letter(self, index: int) -> str:
        """The letter shown for the choice with file index ``index``."""
        return LETTERS[self.order.index(index)]

    @property
    def correct_letters(self) -> list[str]:
        correct = getattr(self.question, "correct_indices", ())
        return sorted(self.letter(i) for i in correct)

    def expected_input(self) -> str:
        """What to type, e.g. 'one letter, a-d' (for prompts and re-asks)."""
        return self.question.expected_input(self.order)


def shuffle_choices(question: Question, rng: random.Random) -> QuizItem:
    """A :class:`QuizItem` with the choices (if any) in a random order."""
    order = list(range(len(getattr(question, "choices", ()))))
    rng.shuffle(order)
    return QuizItem(question, tuple(order))


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
# Reading answers lives in tutor.answers and judging them with each question type; these
# are the quiz's names for them.


def grade(item: QuizItem, answer: str) -> Grade:
    """Grade a typed answer; raises :class:`InvalidAnswer` if it cannot be read.

    For a free-text question ``answer`` is the learner's self-grade (y/n), given after
    seeing the model answer and key points.
    """
    return item.question.judge(answer, item.order)


def format_answer(item: QuizItem) -> str:
    """The right answer as the learner would see it, e.g. 'b', 'a, c', 'true', '0.665 M'."""
    return item.question.right_answer(item.order)


def free_text_only(bank: Bank) -> Bank:
    """The free-text questions of ``bank`` (a mock interview asks only these)."""
    return Bank(tuple(q for q in bank if isinstance(q, FreeText)), bank.files, bank.locations)


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
                if point in covered:
                    target = report.strengths
                elif point in missed:
                    target = report.gaps
                else:
                    continue  # left unsure: neither a strength nor a gap
                if point not in target:
                    target.append(point)

    def weakness(report: TopicReport) -> tuple[float, float]:
        share = report.right / report.answered if report.answered else 0.0
        mean = report.mean_score
        return (share, mean if mean is not None else share)

    return sorted(topics.values(), key=weakness)
