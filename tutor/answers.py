"""Reading what a learner types and the :class:`Grade` it earns; no I/O.

The question types (:mod:`tutor.questions`) judge answers with these readers; the quiz
session (:mod:`tutor.quiz_session`) and the history record the resulting grade.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

LETTERS = "abcdefghijklmnopqrstuvwxyz"

_TRUE = {"t", "true", "y", "yes"}
_FALSE = {"f", "false", "n", "no"}
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


class InvalidAnswer(ValueError):
    """The typed answer cannot be read for this question; ask again (not counted)."""


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


def positions(text: str, n: int) -> list[int]:
    """Shown positions (0-based) typed as letters and/or 1-based numbers."""
    tokens = [t.strip("().") for t in re.split(r"[\s,;]+", text.strip().lower()) if t]
    found: list[int] = []
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
            if pos not in found:
                found.append(pos)
    if not found:
        raise InvalidAnswer("no choice given")
    return found


def parse_bool(text: str) -> bool:
    """t/f/true/false/yes/no/y/n, any case."""
    word = text.strip().lower().rstrip(".!")
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise InvalidAnswer(f"'{text.strip()}' is neither true nor false")


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
    """The unsure key points the learner says they made, of ``count``: 1-based numbers
    ("1,3", "2 4") or "all"; Enter (or "none") for none. Returns 0-based positions."""
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
