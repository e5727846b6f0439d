"""Per key point: covered, missed, or unsure; and a score that counts only what is known.

The answer is split into clauses; each clause is compared with each key point by the
cosine of their sentence embeddings. For every key point the evidence is the closest
clause that may count for it: one that reads as a sentence (a term list moves the
embedding towards the key points without claiming anything) and does not contradict
the point (tutor/grading/contradictions.py). Then:

- evidence at or above :data:`COVER_AT` (with the point's numbers, when it has some):
  **covered**;
- evidence below :data:`MISS_BELOW`, or a clause about the point that contradicts it:
  **missed**;
- in between: **unsure**. MiniLM rates a paraphrase and a same-topic wrong claim
  alike in this band, so the grader does not pretend: the learner is shown the point
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

from tutor.grading import quantities as qty
from tutor.grading.contradictions import contradiction, entities_of
from tutor.grading.encoder import Encoder
from tutor.grading.text import content_words, sentence_likeness, stem, units

# Cosine similarities of all-MiniLM-L6-v2 between a clause and a key point, tuned on the
# tuning half of bench/grading_answers plus tests/fixtures/grading/answers.yaml (never on
# the held-out half): bench/grading.py prints the figures.
COVER_AT = 0.68  # a sentence this close to a key point covers it
MISS_BELOW = 0.28  # no sentence this close: the point was not made
OFF_TOPIC_BELOW = 0.3  # no clause reaches this for any key point: off topic
COVER_UNANCHORED = 0.75  # the same without a content word in common with the point
NUMBER_BONUS = 0.1  # a clause giving the point's number is that much more likely about it
PASS_MARK = 0.5  # share of key points from which an answer counts as right
SENTENCE_MIN = 0.5  # sentence-likeness below this: a term list, not a claim
NEAR_TIE = 0.06  # key points this close to a clause's best one are also what it is about

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
    chance: float = 0.0  # if not covered: how likely it was made (ranking only)

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
        """The expected score (each point not judged covered by its chance, a
        contradiction against it): for ranking answers in bench/grading.py, never shown
        as the learner's score."""
        if not self.points:
            return 0.0
        total = sum(1.0 if p.covered else p.chance for p in self.points)
        return max(0.0, total / len(self.points))

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


# For ranking answers only (Feedback.estimate): how likely a point not judged covered
# was made, from its similarity; a contradiction counts against the answer. Tuned on the
# tuning half like the thresholds.
CHANCE_FROM, CHANCE_TO = 0.2, 0.8
CONTRADICTION_CHANCE = -0.5
LISTED_CHANCE = 0.3  # a point only named in a list of terms


def _chance(similarity: float) -> float:
    return min(1.0, max(0.0, (similarity - CHANCE_FROM) / (CHANCE_TO - CHANCE_FROM)))


def _all(key_points: Sequence[str], status: Status) -> tuple[PointResult, ...]:
    return tuple(PointResult(p, status, 0.0, None) for p in key_points)


def _shares_words(answer: str, vocabulary: str) -> bool:
    """The answer uses at least one content word of the question's own text; one that
    shares none is off topic without asking the model (an on-topic paraphrase still
    names what it talks about: attention, layers, labels...)."""
    known = {stem(w) for w in content_words(vocabulary)}
    return any(stem(w) in known for w in content_words(answer))


def grade(
    key_points: Sequence[str],
    answer: str,
    encoder: Encoder | Callable[[], Encoder],
    *,
    context: str = "",
    point_vectors: Any = None,
    rescore: Callable[[Sequence[str], Sequence[str], Any], Any] | None = None,
) -> Feedback:
    """Grade ``answer`` against ``key_points``; see the module docstring for how.

    ``encoder`` may be a zero-argument callable returning the encoder: it is called only
    when the answer needs the model (not for an empty answer, nor one that shares no
    word with the key points or ``context``, the question's prompt and model answer).
    ``point_vectors`` are the key points' embeddings if already computed. ``rescore``,
    if given, maps (units, key points, cosine matrix) to the similarity matrix used
    instead (bench/grading.py's ``--cross-encoder`` experiment).
    """
    import numpy as np

    pieces = units(answer)
    texts = [text for text, _ in pieces]
    if not texts:
        return Feedback(_all(key_points, "missed"), ("empty answer",))
    if not _shares_words(answer, " ".join([*key_points, context])):
        return Feedback(_all(key_points, "missed"), ("off topic",))
    if not hasattr(encoder, "encode"):
        encoder = encoder()  # type: ignore[operator]
    if point_vectors is None:
        point_vectors = encoder.encode(list(key_points))  # type: ignore[union-attr]
    sims = np.asarray(encoder.encode(texts)) @ np.asarray(point_vectors).T  # type: ignore[union-attr]
    if float(sims.max()) < OFF_TOPIC_BELOW:
        return Feedback(_all(key_points, "missed"), ("off topic",))
    if rescore is not None:
        sims = np.asarray(rescore(texts, key_points, sims))

    entities = entities_of(key_points)
    likeness = [sentence_likeness(t) for t in texts]
    listy = sum(likeness) / len(likeness) < SENTENCE_MIN
    if listy:
        # An answer that reads as a list of terms as a whole is one, even where a
        # fragment of it ("Query, key, value.") passes for a short sentence.
        likeness = [min(value, SENTENCE_MIN / 2) for value in likeness]
    point_facts = [qty.facts(p) for p in key_points]
    context_facts = qty.facts(context)
    said = [qty.quantities(t) for t in texts]
    n_units, n_points = sims.shape

    # problems[u][k]: why unit u contradicts point k. A unit is judged against the points
    # it is about (its closest and near ties); the numbers of the other points and of
    # the model answer are true facts, never a disagreement with this one.
    problems: list[dict[int, str]] = [{} for _ in range(n_units)]
    for u, text in enumerate(texts):
        near = np.flatnonzero(sims[u] >= sims[u].max() - NEAR_TIE)
        for k in near:
            known = [q for j in range(n_points) if j != k for q in point_facts[j]] + context_facts
            why = contradiction(text, key_points[k], entities, known)
            if why:
                problems[u][int(k)] = why
    for u, (_, parent) in enumerate(pieces):
        # A sentence is as wrong as any of its clauses: "X is cheap, and Y is expensive"
        # must not cover "Y is cheap" through its other half.
        if parent is not None:
            for k, why in problems[u].items():
                problems[parent].setdefault(k, why)

    # A clause sharing no content word with a point but a name ("BERT is the
    # encoder-decoder model" for "BERT is pre-trained with MLM") is close through the
    # name alone: it needs a higher similarity to count as covering it.
    point_stems = [{stem(w) for w in content_words(p)} - entities for p in key_points]
    anchored = [
        [bool({stem(w) for w in content_words(t)} & ps) for ps in point_stems] for t in texts
    ]
    points = []
    for k, point in enumerate(key_points):
        points.append(
            _judge(k, point, sims, texts, likeness, problems, said, point_facts[k], anchored)
        )
    notes: list[str] = []
    if listy:
        notes.append("reads like a list of terms: say how they connect, in sentences")
    return Feedback(tuple(points), tuple(notes))


def _judge(
    k: int,
    point: str,
    sims: Any,
    texts: Sequence[str],
    likeness: Sequence[float],
    problems: Sequence[dict[int, str]],
    said: Sequence[Sequence[qty.Quantity]],
    facts: Sequence[qty.Quantity],
    anchored: Sequence[Sequence[bool]],
) -> PointResult:
    best: tuple[float, int, str | None] | None = None  # (evidence, unit, soft problem)
    against: tuple[float, int, str] | None = None  # the closest contradicting unit
    for u in range(len(texts)):
        sim = float(sims[u, k])
        if k in problems[u]:
            if sim >= MISS_BELOW and (against is None or sim > against[0]):
                against = (sim, u, problems[u][k])
            continue
        evidence, soft = sim, None
        if facts:
            if qty.supports(said[u], facts):
                evidence += NUMBER_BONUS
            elif sim >= MISS_BELOW:
                # "15% of positions; 80% [MASK]..." is about its numbers: a clause
                # without them is on the topic, not yet the point.
                evidence, soft = min(evidence, COVER_AT - 1e-6), "without its numbers"
        if not anchored[u][k] and sim < COVER_UNANCHORED:
            evidence = min(evidence, COVER_AT - 1e-6)
        if likeness[u] < SENTENCE_MIN:
            # A term list names the point's words without claiming anything: never
            # covered, however close (a dense expert note can look like one, so not
            # missed either: the learner judges).
            evidence, soft = min(evidence, COVER_AT - 1e-6), "a list of terms"
        if best is None or evidence > best[0]:
            best = (evidence, u, soft)
    if best is not None and best[0] >= COVER_AT:
        return PointResult(point, "covered", best[0], texts[best[1]])
    if against is not None and (best is None or against[0] >= best[0] - NEAR_TIE):
        return PointResult(
            point, "missed", against[0], texts[against[1]], against[2], chance=CONTRADICTION_CHANCE
        )
    if best is None or best[0] < MISS_BELOW:
        sim = 0.0 if best is None else best[0]
        clause = None if best is None else texts[best[1]]
        listed = best is not None and best[2] == "a list of terms"
        problem = "a list of terms" if listed else None
        return PointResult(point, "missed", sim, clause, problem, chance=_chance(sim))
    evidence, u, soft = best
    chance = _chance(evidence) * (LISTED_CHANCE if soft == "a list of terms" else 1.0)
    return PointResult(point, "unsure", evidence, texts[u], soft, chance=chance)
