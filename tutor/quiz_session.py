"""A quiz session as a loop without I/O: it says what to ask, takes what the learner
typed, and answers with events for the terminal to show. `tutor quiz` (one terminal UI in
tutor/commands/quiz.py) drives it; tests drive it directly.

::

    session = QuizSession(items, save=...)
    while (ask := session.ask()) is not None:
        text = read(ask.prompt)           # None at end of input: session.stop(...)
        for event in session.answer(text):
            show(event)                   # Invalid, Note, Feedback, Reveal or Answered

A free-text answer with automatic feedback goes through stages: the answer; a
self-check when the grader is unsure of some key points (the learner says which of
them they made); then the verdict (Enter accepts the suggested one). Without feedback
the learner grades themselves.

``answer`` is a generator so that each event can be shown as it happens (a note that the
sentence encoder is loading comes before the wait, not after it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from tutor.answers import (
    Grade,
    InvalidAnswer,
    blank_grade,
    graded_free_text,
    is_blank,
    parse_ticks,
    parse_verdict,
)
from tutor.quiz import QuizItem, Result, Summary, TopicReport, interview_report, summarize

Stage = Literal["answer", "self-grade", "self-check", "verdict"]
Stopped = Literal["end-of-input", "interrupted"]

FREE_TEXT_PROMPT = "Your answer (one line; Enter when done): "
SELF_GRADE_PROMPT = "Did your answer cover the key points? (y/n): "
SELF_CHECK_PROMPT = (
    "Which unsure points (?) did your answer make? Their numbers, e.g. 1,3; all; Enter for none: "
)


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class Ask:
    """What to ask now. ``first``: the item's first ask, so show the question first."""

    item: QuizItem
    number: int
    total: int
    prompt: str
    stage: Stage
    first: bool


@dataclass(frozen=True)
class Invalid:
    """The input could not be read; the same ask comes again."""

    message: str


@dataclass(frozen=True)
class Note:
    text: str


@dataclass(frozen=True)
class Feedback:
    """Automatic feedback on a free-text answer (a :class:`tutor.grading.Feedback`)."""

    feedback: Any


@dataclass(frozen=True)
class Checked:
    """The feedback once the learner has judged the unsure key points."""

    feedback: Any


@dataclass(frozen=True)
class Reveal:
    """Show a free-text question's model answer (and its key points)."""

    item: QuizItem
    key_points: bool = True


@dataclass(frozen=True)
class Answered:
    """The item is graded and its answer saved."""

    item: QuizItem
    grade: Grade


Event = Invalid | Note | Feedback | Checked | Reveal | Answered


# --------------------------------------------------------------------------- free text


class FreeTextGrader:
    """Automatic feedback on free-text answers, loaded on first need.

    The sentence encoder (torch, sentence-transformers, MiniLM: seconds to load) is
    started in a background thread when the first free-text question is shown, so it
    loads while the learner reads; a quiz without one never imports torch. If the model
    is switched off or not installed, that is known at once without torch; if it cannot
    load, the quiz says so once and falls back to self-grading.
    """

    def __init__(self) -> None:
        self.loader: Any = None
        self.unavailable: str | None = None
        self._untold = False  # the learner has not yet been told why

    def warm_up(self) -> None:
        if self.loader is not None or self.unavailable is not None:
            return
        from tutor import grading

        if grading.model_path() is None:
            try:  # only to learn why (off, or not installed): no torch is imported
                grading.load_encoder()
            except grading.GradingUnavailable as exc:
                self._fall_back(str(exc))
                return
        self.loader = grading.BackgroundLoader()
        self.loader.start()

    def feedback(self, item: QuizItem, answer: str) -> Iterator[Note | Any]:
        """Yields notes, then the feedback on ``answer`` (None: grade yourself). An
        empty or off-topic answer is graded without waiting for the encoder."""
        from tutor import grading

        self.warm_up()
        if self.unavailable is None:
            q = item.question
            texts = {"prompt": q.prompt, "model_answer": q.model_answer}
            try:
                try:  # without the model if the answer does not need it
                    yield grading.grade(q.key_points, answer, self._loaded, **texts)
                    return
                except _StillLoading:
                    # Said before the wait, not after it.
                    yield Note("Loading the sentence encoder for feedback (first time only)...")
                yield grading.grade(q.key_points, answer, self.loader.get, **texts)
                return
            except grading.GradingUnavailable as exc:
                self._fall_back(str(exc))
        if self._untold:
            self._untold = False
            yield Note(
                f"No automatic feedback: {self.unavailable}. Grade yourself against the "
                "model answer and key points."
            )
        yield None

    def _loaded(self) -> Any:
        """The encoder if it has finished loading (or failed); else :class:`_StillLoading`."""
        if not self.loader.ready:
            raise _StillLoading
        return self.loader.get()

    def _fall_back(self, reason: str) -> None:
        """Self-grading from now on; the next feedback says why, once."""
        self.unavailable = reason
        self._untold = True


class _StillLoading(Exception):
    """The answer needs the encoder and it is still loading."""


# --------------------------------------------------------------------------- the session


@dataclass
class QuizSession:
    """The questions of one quiz and the answers given so far.

    ``save(item, grade)`` keeps an answer (the command passes the quiz history's
    ``record_answer``); it runs inside ``atomic()`` together with counting the answer, so
    that an answer is counted exactly when it is saved (the command defers Ctrl-C there).
    """

    items: list[QuizItem]
    save: Callable[[QuizItem, Grade], Any]
    grader: Any = field(default_factory=FreeTextGrader)
    atomic: Callable[[], contextlib.AbstractContextManager[Any]] = contextlib.nullcontext
    results: list[Result] = field(default_factory=list)
    stopped: Stopped | None = None
    _stage: Stage = "answer"
    _asked: bool = False
    _feedback: Any = None

    @property
    def current(self) -> QuizItem | None:
        done = len(self.results)
        if self.stopped is not None or done >= len(self.items):
            return None
        return self.items[done]

    def ask(self) -> Ask | None:
        """What to ask next; None when every question is answered or the quiz stopped."""
        item = self.current
        if item is None:
            return None
        first = not self._asked
        if first and item.question.type == "free_text":
            self.grader.warm_up()  # loads while the learner reads and types
        self._asked = True
        return Ask(
            item, len(self.results) + 1, len(self.items), self._prompt(item), self._stage, first
        )

    def _prompt(self, item: QuizItem) -> str:
        if self._stage == "verdict":
            word = "right" if self._feedback.suggested else "missed"
            return f"Count it as {word}? Enter accepts; y = right, n = missed: "
        if self._stage == "self-grade":
            return SELF_GRADE_PROMPT
        if self._stage == "self-check":
            return SELF_CHECK_PROMPT
        if item.question.type == "free_text":
            return FREE_TEXT_PROMPT
        return f"Your answer ({item.expected_input()}): "

    def answer(self, text: str) -> Iterator[Event]:
        """Take what the learner typed for the current ask; yield what to show."""
        item = self.current
        if item is None:
            raise RuntimeError("the quiz is over: nothing is being asked")
        if item.question.type == "free_text" and self._stage == "answer":
            yield from self._free_text(item, text)
            return
        if self._stage == "self-check":
            yield from self._self_check(item, text)
            return
        try:
            if self._stage == "verdict":
                grade = graded_free_text(
                    self._feedback, parse_verdict(text, self._feedback.suggested)
                )
            else:
                grade = item.question.judge(text, item.order)
        except InvalidAnswer as exc:
            yield Invalid(f"{exc}.")
            return
        yield self._finish(item, grade)

    def _free_text(self, item: QuizItem, text: str) -> Iterator[Event]:
        if is_blank(text):
            yield Reveal(item)
            yield self._finish(item, blank_grade())
            return
        feedback = None
        for step in self.grader.feedback(item, text):  # the one place feedback is made
            if isinstance(step, Note):
                yield step
            else:
                feedback = step
        if feedback is None:
            yield Reveal(item)
            self._stage = "self-grade"
            return
        yield Feedback(feedback)
        self._feedback = feedback
        if feedback.unsure:
            # The grader could not tell for these points: the learner judges them.
            self._stage = "self-check"
            return
        yield from self._after_feedback(item)

    def _self_check(self, item: QuizItem, text: str) -> Iterator[Event]:
        try:
            ticks = parse_ticks(text, len(self._feedback.unsure))
        except InvalidAnswer as exc:
            yield Invalid(f"{exc}.")
            return
        self._feedback = self._feedback.self_check(ticks)
        yield Checked(self._feedback)
        yield from self._after_feedback(item)

    def _after_feedback(self, item: QuizItem) -> Iterator[Event]:
        """The model answer, then the verdict (none for an off-topic answer)."""
        feedback = self._feedback
        yield Reveal(item, key_points=False)
        if feedback.off_topic:
            # Like an empty answer: never counts as right, so no verdict is asked.
            yield self._finish(item, graded_free_text(feedback, False))
            return
        self._stage = "verdict"

    def _finish(self, item: QuizItem, grade: Grade) -> Answered:
        with self.atomic():  # saved and counted together
            self.save(item, grade)
            self.results.append(Result(item.question, grade.correct, grade))
        self._stage, self._asked, self._feedback = "answer", False, None
        return Answered(item, grade)

    def stop(self, reason: Stopped) -> None:
        """End the quiz early: at the end of input, or on Ctrl-C."""
        self.stopped = reason

    def summary(self) -> Summary:
        return summarize(self.results)

    def interview_report(self) -> list[TopicReport]:
        return interview_report(self.results)
