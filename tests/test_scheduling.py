"""Spaced repetition on fsrs, and review picking with a controlled clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import fsrs
import pytest

from tutor import quiz, scheduling
from tutor import quiz_history as history
from tutor.question_bank import load_bank

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "questions"
T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def bank():
    return load_bank([FIXTURES])


def test_right_is_good_and_wrong_is_again():
    assert scheduling.rating_for(True) is fsrs.Rating.Good
    assert scheduling.rating_for(False) is fsrs.Rating.Again
    good = scheduling.review(None, True, T0)
    again = scheduling.review(None, False, T0)
    assert fsrs.Card.from_dict(good).due == T0 + dt.timedelta(minutes=10)
    assert fsrs.Card.from_dict(again).due == T0 + dt.timedelta(minutes=1)
    assert good["last_review"] == again["last_review"] == T0.isoformat()


def test_cards_round_trip_and_graduate():
    card = scheduling.review(None, True, T0)
    card = scheduling.review(card, True, T0 + dt.timedelta(minutes=10))
    restored = fsrs.Card.from_dict(card)
    assert restored.to_dict() == card
    assert restored.state is fsrs.State.Review
    assert restored.due - (T0 + dt.timedelta(minutes=10)) >= dt.timedelta(days=1)
    lapsed = fsrs.Card.from_dict(scheduling.review(card, False, restored.due))
    assert lapsed.state is fsrs.State.Relearning
    assert lapsed.due == restored.due + dt.timedelta(minutes=10)


def test_unreadable_card_starts_afresh(caplog):
    with caplog.at_level("WARNING", logger="tutor"):
        card = scheduling.review({"due": "soon"}, True, T0)
    assert fsrs.Card.from_dict(card).due == T0 + dt.timedelta(minutes=10)
    assert scheduling.card_from_dict("nope") is None
    assert scheduling.due_at({"x": 1}) is None


def test_due_ids_and_next_due():
    cards = {
        "late": scheduling.review(None, True, T0),  # due T0+10min
        "early": scheduling.review(None, False, T0),  # due T0+1min
        "broken": {"state": 1},
    }
    assert scheduling.due_ids(cards, T0) == []
    assert scheduling.due_ids(cards, T0 + dt.timedelta(minutes=2)) == ["early"]
    assert scheduling.due_ids(cards, T0 + dt.timedelta(hours=1)) == ["early", "late"]
    assert scheduling.due_ids(cards, T0 + dt.timedelta(hours=1), among=["late"]) == ["late"]
    assert scheduling.next_due(cards) == T0 + dt.timedelta(minutes=1)
    assert scheduling.next_due(cards, among=["late"]) == T0 + dt.timedelta(minutes=10)
    assert scheduling.next_due(cards, among=["none"]) is None


def test_review_picks_due_questions_missed_first(bank):
    for qid, right, minutes in [
        ("fx-softmax-sum", True, 0),  # due T0+10
        ("fx-nsp-removed", False, 0),  # due T0+1
        ("fx-bert-base-params", True, 5),  # due T0+15
        ("fx-mlm-targets", False, 30),  # due T0+31
        ("fx-t5-text-to-text", False, 0),  # medium
    ]:
        history.record_answer(
            bank.get(qid), right, session="s", now=T0 + dt.timedelta(minutes=minutes)
        )
    state = history.load_quiz_state()

    def picked(minutes: int, **kw) -> list[str]:
        now = T0 + dt.timedelta(minutes=minutes)
        return [q.id for q in quiz.pick_review(bank, state, level="easy", now=now, **kw)]

    assert picked(0) == []
    assert picked(2) == ["fx-nsp-removed"]
    assert picked(12) == ["fx-nsp-removed", "fx-softmax-sum"]
    assert picked(40) == [
        "fx-nsp-removed",
        "fx-mlm-targets",  # missed ones first, then by due date
        "fx-softmax-sum",
        "fx-bert-base-params",
    ]
    assert picked(40, count=2) == ["fx-nsp-removed", "fx-mlm-targets"]
    assert picked(40, topic="softmax") == ["fx-softmax-sum"]
    assert [
        q.id
        for q in quiz.pick_review(bank, state, level="medium", now=T0 + dt.timedelta(minutes=2))
    ] == ["fx-t5-text-to-text"]
    assert quiz.next_review(bank, state, level="easy") == T0 + dt.timedelta(minutes=1)

    # answering the missed one right moves it behind: its latest answer is now right
    history.record_answer(
        bank.get("fx-nsp-removed"),
        True,
        session="s2",
        now=T0 + dt.timedelta(minutes=40),
        mode="review",
    )
    state = history.load_quiz_state()
    assert picked(40) == ["fx-mlm-targets", "fx-softmax-sum", "fx-bert-base-params"]
    assert picked(60)[-1] == "fx-nsp-removed"
