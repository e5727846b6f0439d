"""The quiz state file ``$TUTOR_HOME/quiz.json``: every answer given, and one FSRS card
per answered question. `tutor progress` reads it too, so its format is fixed::

    {"format_version": 1,
     "answers": [{"question_id": "softmax-outputs-sum", "level": "easy",
                  "topics": ["softmax"], "correct": true,
                  "answered_at": "2026-11-23T10:15:00+00:00",
                  "session": "20261123-101500-ab12", "mode": "quiz"}],
     "cards": {"softmax-outputs-sum": {...fsrs Card.to_dict()...}}}

:func:`record_answer` saves the answer and the card together, under the state lock,
after every single answer, so two quizzes at once lose nothing and Ctrl-C loses nothing
already answered. A corrupt file is moved aside with a warning (see :mod:`tutor.state`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any, Literal

from tutor import paths, scheduling, state

if TYPE_CHECKING:
    from tutor.questions import Question

QUIZ_STATE_VERSION = 1
Mode = Literal["quiz", "review"]


def _default() -> dict[str, Any]:
    return {"format_version": QUIZ_STATE_VERSION, "answers": [], "cards": {}}


def _check_shape(data: dict[str, Any]) -> None:
    """A file with the right version but the wrong shape is corrupt too: move it aside
    and continue from an empty state (``data`` is reset in place)."""
    answers, cards = data.get("answers"), data.get("cards")
    if isinstance(answers, list) and isinstance(cards, dict):
        return
    path = paths.quiz_state_path()
    if path.exists():
        state.move_aside(path, "'answers' must be a list and 'cards' an object")
    data.clear()
    data.update(_default())


def load_quiz_state() -> dict[str, Any]:
    """The quiz state (an empty one if there is no file yet)."""
    data = state.read_json(paths.quiz_state_path(), default=_default, version=QUIZ_STATE_VERSION)
    _check_shape(data)
    return data


def new_session_id(now: dt.datetime | None = None) -> str:
    now = now or scheduling.utc_now()
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def record_answer(
    question: Question,
    correct: bool,
    *,
    session: str,
    mode: Mode = "quiz",
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Append one answer and review the question's card, in one locked atomic write.

    Returns the answer record that was saved.
    """
    now = now or scheduling.utc_now()
    record = {
        "question_id": question.id,
        "level": question.level,
        "topics": list(question.topics),
        "correct": bool(correct),
        "answered_at": now.astimezone(dt.timezone.utc).isoformat(timespec="seconds"),
        "session": session,
        "mode": mode,
    }

    def change(data: dict[str, Any]) -> None:
        _check_shape(data)
        data["answers"].append(record)
        data["cards"][question.id] = scheduling.review(data["cards"].get(question.id), correct, now)

    state.update_json(paths.quiz_state_path(), change, default=_default, version=QUIZ_STATE_VERSION)
    return record


def last_correct(data: dict[str, Any]) -> dict[str, bool]:
    """For each answered question id, whether its latest answer was correct."""
    latest: dict[str, bool] = {}
    for answer in data.get("answers", []):
        if isinstance(answer, dict) and isinstance(answer.get("question_id"), str):
            latest[answer["question_id"]] = bool(answer.get("correct"))
    return latest
