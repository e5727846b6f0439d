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
already answered. Every answer and card is checked on reading (:data:`FIELDS`): one that
does not fit is dropped with a warning, the others are kept, and the original file is kept
aside (see :mod:`tutor.state`). :func:`preflight` runs before the first question, so an
answer is never taken that cannot be saved.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StrictBool, StrictStr, StringConstraints

from tutor import paths, scheduling, state

if TYPE_CHECKING:
    from tutor.questions import Question

QUIZ_STATE_VERSION = 1
Mode = Literal["quiz", "review", "interview"]


def _default() -> dict[str, Any]:
    return {"format_version": QUIZ_STATE_VERSION, "answers": [], "cards": {}}


class Answer(BaseModel):
    # Extra keys are allowed: a later version may add some within format_version 1; the
    # ones every reader relies on are checked.
    model_config = ConfigDict(extra="allow", strict=True)

    question_id: Annotated[StrictStr, StringConstraints(min_length=1)]
    level: StrictStr
    topics: list[StrictStr]
    correct: StrictBool
    answered_at: state.IsoTime
    session: StrictStr | None = None
    mode: StrictStr = "quiz"


FIELDS = {
    "answers": state.Entries(Answer),
    "cards": state.Entries(scheduling.CardData, mapping=True),
}


def _check(data: dict[str, Any]) -> list[str]:
    return state.repair(data, FIELDS)


def preflight() -> None:
    """Refuse to start a quiz whose answers could not be saved (see state.preflight)."""
    state.preflight((paths.quiz_state_path(), QUIZ_STATE_VERSION))


def load_quiz_state() -> dict[str, Any]:
    """The quiz state (an empty one if there is no file yet); every entry checked."""
    return state.read_json(
        paths.quiz_state_path(), default=_default, version=QUIZ_STATE_VERSION, check=_check
    )


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
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Append one answer and review the question's card, in one locked atomic write.

    ``extra`` adds keys to the record (a free-text answer's automatic score and whether
    the learner kept or overrode the suggested verdict). Returns the record saved.
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
        **(extra or {}),
    }

    def change(data: dict[str, Any]) -> None:
        data["answers"].append(record)
        data["cards"][question.id] = scheduling.review(data["cards"].get(question.id), correct, now)

    state.update_json(
        paths.quiz_state_path(),
        change,
        default=_default,
        version=QUIZ_STATE_VERSION,
        check=_check,
    )
    return record


def last_correct(data: dict[str, Any]) -> dict[str, bool]:
    """For each answered question id, whether its latest answer was correct."""
    latest: dict[str, bool] = {}
    for answer in data.get("answers", []):
        if isinstance(answer, dict) and isinstance(answer.get("question_id"), str):
            latest[answer["question_id"]] = bool(answer.get("correct"))
    return latest
