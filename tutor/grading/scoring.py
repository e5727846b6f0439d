"""Per key point: covered, missed, or unsure; and a score that counts only what is known.

The answer is split into clauses and compared with the key points, the prompt and the
model answer by the cosine of their sentence embeddings; :mod:`.features` turns that,
the point's own words and numbers and any contradiction of the point into one row of
features per point, and :mod:`.model` (weights fitted across the questions of the
tuning half, tutor/grading/weights.json) into the probability that the point was made.
Then:

- probability at or above the model's ``cover_at``: **covered**, but only with a second,
  independent kind of evidence from the point's own clause (:func:`backed`): the answer
  uses enough of the point's own words or gives its numbers, and the clause that comes
  closest to the point is not closer to another point. Otherwise **unsure**: a wrong
  "covered" costs the learner more than an honest "can't tell". Never covered for an
  answer that reads as a list of terms (it names the points without claiming them);
- below ``miss_below``, or a clause about the point that contradicts it: **missed**;
- in between: **unsure**. The grader does not pretend: the learner is shown the point
  and ticks it if they made it (:meth:`Feedback.self_check`).

The score is the share of key points covered, counting only confident judgements and
the learner's ticks. Until the unsure points are settled the verdict may be open
(:attr:`Feedback.suggested` is None): it is "right" only if the points already covered
reach :data:`PASS_MARK`, "missed" only if they could not even with every unsure point.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from tutor.grading import model
from tutor.grading.encoder import Encoder
from tutor.grading.features import FEATURES, NEAR_POINT, SENTENCE_MIN, measure
from tutor.grading.model import Weights

PASS_MARK = 0.5  # share of key points from which an answer counts as right
# The second kind of evidence a "covered" needs (besides the probability, which leans on
# the answer as a whole): this share of the point's own content words in the answer, or
# its numbers. Chosen with the band by leave-one-question-out CV on the tuning half
# (bench/grader_fit.py; a wrong pass there costs 10, a failed good answer 3, an answer
# left to the self-check 0.3).
WORDS_AT = 0.3
__all__ = ["PASS_MARK", "SENTENCE_MIN", "WORDS_AT", "Feedback", "PointResult", "backed", "grade"]

Status = Literal["covered", "missed", "unsure"]


@dataclass(frozen=True)
class PointResult:
    """How one key point fared: the closest usable clause and its similarity, the
    status, who decided it (``grader`` or ``learner``), and why a close clause did not
    count (``problem``)."""

    point: str
    status: Status
    similarity: float
    clause: str | None
    problem: str | None = None
    by: Literal["grader", "learner"] = "grader"
    chance: float = 0.0  # the grader's probability that the point was made

    @property
    def covered(self) -> bool:
        return self.status == "covered"

    @property
    def contradicted(self) -> bool:
        return self.problem is not None and self.problem not in SOFT_PROBLEMS


SOFT_PROBLEMS = ("a list of terms", "without its numbers")


@dataclass(frozen=True)
class Feedback:
    points: tuple[PointResult, ...]
    notes: tuple[str, ...] = ()

    # ---------------------------------------------------------------- per point
    @property
    def covered(self) -> list[str]:
        return [p.point for p in self.points if p.status == "covered"]

    @property
    def missed(self) -> list[str]:
        return [p.point for p in self.points if p.status == "missed"]

    @property
    def unsure(self) -> list[str]:
        return [p.point for p in self.points if p.status == "unsure"]

    @property
    def contradicted(self) -> list[PointResult]:
        return [p for p in self.points if p.status == "missed" and p.contradicted]

    # ---------------------------------------------------------------- the answer
    @property
    def score(self) -> float:
        """Share of the key points covered: confident judgements and ticks only."""
        return len(self.covered) / len(self.points) if self.points else 0.0

    @property
    def best_case(self) -> float:
        """The score if every unsure point were ticked."""
        return (len(self.covered) + len(self.unsure)) / len(self.points) if self.points else 0.0

    @property
    def estimate(self) -> float:
        """The expected score, the mean probability of the points (the learner's ticks
        aside): for ranking answers in bench/grading.py, never shown as the learner's
        score."""
        if not self.points:
            return 0.0
        return sum(p.chance for p in self.points) / len(self.points)

    @property
    def confident(self) -> bool:
        """Every key point judged (by the grader or the learner)."""
        return not self.unsure

    @property
    def off_topic(self) -> bool:
        """No clause of the answer came near any key point: it scores 0 and, like an
        empty answer, never counts as right (the learner cannot override it)."""
        return "off topic" in self.notes

    @property
    def suggested(self) -> bool | None:
        """What the quiz proposes to count: True (right), False (missed), or None when
        it depends on the unsure points."""
        if self.off_topic or "empty answer" in self.notes:
            return False
        if self.score >= PASS_MARK:
            return True
        if self.best_case < PASS_MARK:
            return False
        return None

    def self_check(self, ticks: Sequence[bool] | set[int]) -> Feedback:
        """The feedback once the learner has judged the unsure points: ``ticks`` is one
        bool per unsure point (in order), or the set of their 0-based positions among
        the unsure points that the learner made. Unticked ones count as missed."""
        unsure = [i for i, p in enumerate(self.points) if p.status == "unsure"]
        if isinstance(ticks, set):
            if any(t < 0 or t >= len(unsure) for t in ticks):
                raise ValueError(f"ticks must be between 1 and {len(unsure)}")
            chosen = [n in ticks for n in range(len(unsure))]
        else:
            chosen = list(ticks)
            if len(chosen) != len(unsure):
                raise ValueError(f"{len(unsure)} unsure point(s), {len(chosen)} tick(s)")
        points = list(self.points)
        for i, made in zip(unsure, chosen, strict=True):
            points[i] = replace(points[i], status="covered" if made else "missed", by="learner")
        return Feedback(tuple(points), self.notes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 3),
            "suggested": self.suggested,
            "covered": self.covered,
            "missed": self.missed,
            "unsure": self.unsure,
            "ticked": [p.point for p in self.points if p.by == "learner" and p.covered],
            "problems": {p.point: p.problem for p in self.points if p.problem},
            "notes": list(self.notes),
        }


def status_of(
    chance: float,
    contradicted: bool,
    listy: bool,
    cover_at: float,
    miss_below: float,
    near: bool = True,
    support: bool = True,
) -> Status:
    """A point's status from its probability and the band (bench/grader_fit.py chooses
    the band with this same rule). ``near``: some sentence of the answer comes within
    :data:`~tutor.grading.features.NEAR_POINT` of the point; ``support``: the point's
    own clause backs it (:func:`backed`)."""
    if contradicted:
        # A clause about this point says its opposite: never covered, whatever the rest
        # of the answer is worth.
        return "missed"
    if chance >= cover_at and not listy and near and support:
        # Much of the probability comes from the answer as a whole; a point that no
        # sentence comes near, or whose clause neither uses its words nor is about it
        # more than another point, is left to the learner, never credited unasked.
        return "covered"
    if chance < miss_below:
        return "missed"
    return "unsure"


def backed(
    rows: Sequence[Sequence[float]], clause: Sequence[int | None] | None, slack: float = 0.0
) -> list[bool]:
    """Per key point, whether evidence other than the probability supports a "covered":
    the answer uses at least :data:`WORDS_AT` (less ``slack``) of the point's content
    words or gives its numbers, and the point's closest clause (``clause[k]``, as in
    :class:`~tutor.grading.features.Evidence`) is not closer to another key point. One
    clause close to three points ("the [CLS] head predicts the start") makes one of them
    at most: the others are the answer's overall impression, not something it said.
    ``rows`` are feature rows in :data:`~tutor.grading.features.FEATURES` order."""
    words, numbers, best, swapped = (
        FEATURES.index(f) for f in ("words", "numbers", "best", "swapped")
    )
    out = []
    for k, row in enumerate(rows):
        said = (row[words] >= WORDS_AT - slack or row[numbers] > 0) and not row[swapped]
        own = clause is None or not any(
            j != k and clause[j] == clause[k] and rows[j][best] > row[best]
            for j in range(len(rows))
        )
        out.append(bool(said and own))
    return out


def _all(key_points: Sequence[str], status: Status) -> tuple[PointResult, ...]:
    return tuple(PointResult(p, status, 0.0, None) for p in key_points)


def grade(
    key_points: Sequence[str],
    answer: str,
    encoder: Encoder | Callable[[], Encoder],
    *,
    prompt: str = "",
    model_answer: str = "",
    context: str = "",
    point_vectors: Any = None,
    rescore: Callable[[Sequence[str], Sequence[str], Any], Any] | None = None,
    weights: Weights | None = None,
) -> Feedback:
    """Grade ``answer`` against ``key_points``; see the module docstring for how.

    ``encoder`` may be a zero-argument callable returning the encoder: it is called only
    when the answer needs the model (not for an empty answer, nor one that shares no
    word with the key points, the ``prompt``, the ``model_answer`` or ``context``).
    ``context`` stands in for the prompt and the model answer when those are not given
    separately. ``point_vectors`` are the key points' embeddings if already computed.
    ``rescore``, if given, maps (units, key points, cosine matrix) to the similarity
    matrix used instead (bench/grading.py's ``--cross-encoder`` experiment).
    ``weights`` replaces the shipped model (tutor/grading/weights.json).
    """
    found = measure(
        key_points,
        answer,
        encoder,
        prompt=prompt,
        model_answer=model_answer,
        context=context,
        point_vectors=point_vectors,
        rescore=rescore,
    )
    if isinstance(found, str):
        return Feedback(_all(key_points, "missed"), (found,))
    weights = weights or model.shipped()
    support = backed(found.rows, found.clause)
    points = []
    for k, point in enumerate(key_points):
        chance = weights.probability(found.rows[k])
        problem = found.problem[k]
        clause = found.texts[found.clause[k]] if found.clause[k] is not None else None
        contradicted = problem is not None and problem not in SOFT_PROBLEMS
        near = found.rows[k][FEATURES.index("best")] >= NEAR_POINT
        status = status_of(
            chance,
            contradicted,
            found.listy,
            weights.cover_at,
            weights.miss_below,
            near,
            support[k],
        )
        points.append(
            PointResult(point, status, found.similarity[k], clause, problem, chance=chance)
        )
    notes = (
        ["reads like a list of terms: say how they connect, in sentences"] if found.listy else []
    )
    return Feedback(tuple(points), tuple(notes))
