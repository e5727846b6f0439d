"""quiz.json: its exact format, saving after every answer, locking, corrupt files."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
from pathlib import Path

import fsrs
import pytest

from tutor import paths
from tutor import quiz_history as history
from tutor.errors import StateError
from tutor.question_bank import load_bank

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "questions"
T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def bank():
    return load_bank([FIXTURES])


def test_empty_state_without_a_file(tutor_home: Path):
    assert history.load_quiz_state() == {"format_version": 1, "answers": [], "cards": {}}
    assert not (tutor_home / "quiz.json").exists()


def test_record_answer_writes_the_agreed_format(tutor_home: Path, bank):
    saved = history.record_answer(
        bank.get("fx-mlm-targets"), False, session="sess-1", mode="review", now=T0
    )
    data = json.loads((tutor_home / "quiz.json").read_text(encoding="utf-8"))
    assert set(data) == {"format_version", "answers", "cards"}
    assert data["format_version"] == history.QUIZ_STATE_VERSION == 1
    assert data["answers"] == [
        {
            "question_id": "fx-mlm-targets",
            "level": "easy",
            "topics": ["mlm", "bert-inputs"],
            "correct": False,
            "answered_at": "2026-03-01T09:00:00+00:00",
            "session": "sess-1",
            "mode": "review",
        }
    ]
    assert saved == data["answers"][0]
    card = fsrs.Card.from_dict(data["cards"]["fx-mlm-targets"])
    assert card.last_review == T0
    assert history.load_quiz_state() == data


def test_each_answer_updates_the_same_card(tutor_home: Path, bank):
    q = bank.get("fx-softmax-sum")
    history.record_answer(q, True, session="a", now=T0)
    history.record_answer(q, True, session="a", now=T0 + dt.timedelta(minutes=10))
    data = history.load_quiz_state()
    assert len(data["answers"]) == 2 and list(data["cards"]) == ["fx-softmax-sum"]
    assert fsrs.Card.from_dict(data["cards"]["fx-softmax-sum"]).state is fsrs.State.Review
    assert history.last_correct(data) == {"fx-softmax-sum": True}


def _answer_many(home: str, tag: str, n: int) -> None:
    os.environ["TUTOR_HOME"] = home
    bank = load_bank([FIXTURES])
    ids = [q.id for q in bank]
    for i in range(n):
        history.record_answer(bank.get(ids[i % len(ids)]), i % 2 == 0, session=tag)


def test_two_quizzes_at_once_lose_nothing(tutor_home: Path):
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_answer_many, args=(str(tutor_home), t, 20)) for t in "ab"]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    data = history.load_quiz_state()
    sessions = [a["session"] for a in data["answers"]]
    assert sessions.count("a") == 20 and sessions.count("b") == 20
    assert len(data["cards"]) == 6
    assert list(tutor_home.glob("quiz.json.corrupt-*")) == []


@pytest.mark.parametrize(
    "content",
    ["{not json", '{"format_version": 1, "answers": {}, "cards": {}}', "[]"],
    ids=["not-json", "wrong-shape", "no-version"],
)
def test_corrupt_file_is_moved_aside_not_replaced(tutor_home: Path, bank, caplog, content):
    tutor_home.mkdir(parents=True)
    path = paths.quiz_state_path()
    path.write_text(content, encoding="utf-8")
    with caplog.at_level("WARNING", logger="tutor"):
        assert history.load_quiz_state()["answers"] == []
    kept = list(tutor_home.glob("quiz.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == content
    assert "kept it as" in caplog.text

    path.write_text(content, encoding="utf-8")  # also when an answer is being saved
    history.record_answer(bank.get("fx-softmax-sum"), True, session="s")
    assert len(list(tutor_home.glob("quiz.json.corrupt-*"))) == 2
    assert len(history.load_quiz_state()["answers"]) == 1


def test_newer_file_is_refused(tutor_home: Path, bank):
    tutor_home.mkdir(parents=True)
    paths.quiz_state_path().write_text('{"format_version": 2}', encoding="utf-8")
    with pytest.raises(StateError, match="newer"):
        history.record_answer(bank.get("fx-softmax-sum"), True, session="s")
