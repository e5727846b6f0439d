"""Spaced repetition for the question bank, on top of the ``fsrs`` package (v6 API).

Each question the learner has answered has an FSRS card, stored as ``Card.to_dict()``
in quiz.json. A correct answer is reviewed as ``Rating.Good``, a wrong one (or a
self-graded "no" on a free-text question) as ``Rating.Again``. With fsrs's default
learning steps a missed question is due again after a minute and a right one after ten
minutes, then days later as it graduates to review.

Every function takes an explicit ``now`` (timezone-aware UTC) so tests can control time.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

import fsrs
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from tutor.state import AwareTime

log = logging.getLogger("tutor")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@functools.lru_cache(maxsize=1)
def scheduler() -> fsrs.Scheduler:
    """The scheduler every card is reviewed with (no fuzzing: due dates are reproducible)."""
    return fsrs.Scheduler(enable_fuzzing=False)


def rating_for(correct: bool) -> fsrs.Rating:
    return fsrs.Rating.Good if correct else fsrs.Rating.Again


Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class CardData(BaseModel):
    """A card as quiz.json stores it (``fsrs.Card.to_dict()``), every field checked, so
    that a card read back can always be reviewed. Bounds are generous versions of what
    fsrs produces: stability in days (clamped to at least 0.001 by fsrs), difficulty
    from 1 to 10."""

    model_config = ConfigDict(extra="forbid", strict=True)

    card_id: StrictInt
    state: Annotated[StrictInt, Field(ge=1, le=3)]  # Learning, Review, Relearning
    step: Annotated[StrictInt, Field(ge=0, le=100)] | None
    stability: Annotated[Number, Field(ge=0, le=1e6)] | None
    difficulty: Annotated[Number, Field(ge=0, le=10)] | None
    due: AwareTime
    last_review: AwareTime | None


def card_from_dict(data: Any) -> fsrs.Card | None:
    """The card stored as ``data``, or None if it is not a readable card dict."""
    if not isinstance(data, dict):
        return None
    try:
        card = fsrs.Card.from_dict(data)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    if card.due.tzinfo is None:
        return None
    return card


def review(card_data: Mapping[str, Any] | None, correct: bool, now: dt.datetime) -> dict[str, Any]:
    """Review the card stored as ``card_data`` (None or unreadable: a new card) at ``now``;
    returns the updated card as a dict for quiz.json."""
    card = card_from_dict(card_data) if card_data is not None else None
    if card is not None:
        try:
            updated, _log = scheduler().review_card(card, rating_for(correct), review_datetime=now)
            return updated.to_dict()
        except (ArithmeticError, IndexError, TypeError, ValueError):
            pass  # e.g. a due date near year 9999: the card cannot move on
    if card_data is not None:
        log.warning("A spaced-repetition card in quiz.json was unreadable; started it afresh.")
    updated, _log = scheduler().review_card(
        fsrs.Card(due=now), rating_for(correct), review_datetime=now
    )
    return updated.to_dict()


def due_at(card_data: Any) -> dt.datetime | None:
    card = card_from_dict(card_data)
    return card.due if card is not None else None


def due_ids(
    cards: Mapping[str, Any], now: dt.datetime, among: Iterable[str] | None = None
) -> list[str]:
    """Ids whose card is due at ``now`` (earliest due first), optionally only ``among``."""
    wanted = set(among) if among is not None else None
    due: list[tuple[dt.datetime, str]] = []
    for qid, data in cards.items():
        if wanted is not None and qid not in wanted:
            continue
        when = due_at(data)
        if when is not None and when <= now:
            due.append((when, qid))
    return [qid for _when, qid in sorted(due)]


def next_due(cards: Mapping[str, Any], among: Iterable[str] | None = None) -> dt.datetime | None:
    """The earliest due date of the cards (optionally only those ``among``), or None."""
    wanted = set(among) if among is not None else None
    dates = [
        when
        for qid, data in cards.items()
        if (wanted is None or qid in wanted) and (when := due_at(data)) is not None
    ]
    return min(dates) if dates else None
