"""What the grader measures about one key point in one answer: a row of numbers per
point, which :mod:`.model` turns into the probability that the point was made.

Every feature is defined the same way for any question (no word, number or threshold
of a particular question), so weights fitted on some questions apply to others:

- how close the answer comes to the point (the best clause that may count for it, the
  best sentence, the whole answer), and whether that clause is about this point more
  than about the others;
- how many of the point's own words the answer uses;
- whether its numbers are given, and whether a clause about the point contradicts it
  (:mod:`.contradictions`, charged to that point only);
- what the answer as a whole looks like: close to the model answer, or only to the
  prompt (a restated question or a term list asserts nothing); written in sentences;
  its length; how many of the question's points it contradicts.

The weights file names the features its model reads (bench/grader_fit.py's ``USED``);
the answer-level ones after ``length`` are measured too, so that a refit can try them, but
did not help under cross-validation and are not read by the shipped weights. The last,
``swapped``, is a gate on "covered" (tutor/grading/scoring.py), not a model input.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tutor.grading import quantities as qty
from tutor.grading.contradictions import contradiction, entities_of, role_swap
from tutor.grading.text import content_words, sentence_likeness, stem, units

SENTENCE_MIN = 0.5  # sentence-likeness below this: a term list, not a claim
NEAR_TIE = 0.06  # key points this close to a clause's best one are also what it is about
ABOUT_AT = 0.28  # a contradicting clause this close to a point is about it
# No sentence this close to a point: it is never credited as covered, however good the
# rest of the answer (leave-one-question-out on the tuning half: same errors and
# abstentions as without the rule, and no point credited that nothing in the answer says).
NEAR_POINT = 0.3

FEATURES = (
    "best",  # cosine of the closest clause that may count (a sentence, not contradicting)
    "best_any",  # cosine of the closest clause of any kind
    "whole",  # cosine of the whole answer
    "focus",  # best minus that clause's mean cosine to the question's points
    "words",  # share of the point's content words (stems) in the answer
    "numbers",  # +1 the point's numbers are given, -1 it has numbers not given, 0 none
    "contradicted",  # a clause about the point contradicts it
    "contradictions",  # share of the question's points the answer contradicts
    "model",  # cosine of the whole answer with the model answer
    "prompt_over_model",  # its cosine with the prompt minus that with the model answer
    "sentences",  # mean sentence-likeness of the answer's clauses
    "length",  # log(1 + content words of the answer)
    "breadth",  # mean over the question's points of their "best"
    "model_best",  # cosine of the answer's clause closest to the model answer
    "model_words",  # share of the model answer's content words (stems) in the answer
    "novel_words",  # share of the answer's content words found nowhere in the question
    "model_contradictions",  # share of the answer's clauses contradicting the model answer
    # 1 when the closest usable clause says of a course term what the point says of its
    # counterpart (contradictions.role_swap); not a model input: scoring.backed() reads
    # it, and the point is left to the learner rather than credited.
    "swapped",
)
# The features computed once per answer (the same for each of its points).
ANSWER_LEVEL = ("model", "prompt_over_model", "model_best", "model_words", "novel_words")


@dataclass
class Evidence:
    """Per key point: its feature row, the clause that came closest and its cosine,
    and why a close clause did not count (a contradiction, a term list)."""

    texts: list[str]
    rows: list[list[float]]
    clause: list[int | None]
    similarity: list[float]
    problem: list[str | None]
    listy: bool
    notes: list[str] = field(default_factory=list)


def _stems(text: str) -> set[str]:
    return {stem(w) for w in content_words(text)}


def evidence(
    key_points: Sequence[str],
    pieces: Sequence[tuple[str, int | None]],
    sims: Any,
    whole: Any,
    answer_level: dict[str, float],
    answer: str,
    model_answer: str = "",
) -> Evidence:
    """The feature rows of ``key_points`` for an answer split into ``pieces``
    (:func:`tutor.grading.text.units`), with ``sims`` the cosine of each piece with
    each point, ``whole`` the cosine of the whole answer with each point, and
    ``answer_level`` the features of :data:`ANSWER_LEVEL`."""
    import numpy as np

    sims = np.asarray(sims, dtype=float)
    texts = [t for t, _ in pieces]
    n_units, n_points = sims.shape
    entities = entities_of(key_points)
    likeness = [sentence_likeness(t) for t in texts]
    mean_likeness = sum(likeness) / len(likeness)
    listy = mean_likeness < SENTENCE_MIN
    if listy:
        # An answer that reads as a list of terms as a whole is one, even where a
        # fragment of it ("Query, key, value.") passes for a short sentence.
        likeness = [min(v, SENTENCE_MIN / 2) for v in likeness]
    point_facts = [qty.facts(p) for p in key_points]
    context_facts = qty.facts(model_answer)
    said = [qty.quantities(t) for t in texts]
    stated = qty.quantities(answer)

    # problems[u][k]: why unit u contradicts point k. A unit is judged against the points
    # it is about (its closest and near ties); the numbers of the other points and of
    # the model answer are true facts, never a disagreement with this one.
    problems: list[dict[int, str]] = [{} for _ in range(n_units)]
    for u, text in enumerate(texts):
        for k in np.flatnonzero(sims[u] >= sims[u].max() - NEAR_TIE):
            known = [q for j in range(n_points) if j != k for q in point_facts[j]]
            why = contradiction(text, key_points[k], entities, [*known, *context_facts], stated)
            if why:
                problems[u][int(k)] = why
    for u, (_, parent) in enumerate(pieces):
        # A sentence is as wrong as any of its clauses: "X is cheap, and Y is expensive"
        # must not cover "Y is cheap" through its other half.
        if parent is not None:
            for k, why in problems[u].items():
                problems[parent].setdefault(k, why)

    answer_stems = _stems(answer)
    mean_sim = sims.mean(axis=1)
    contradicted = [
        any(k in problems[u] and sims[u, k] >= ABOUT_AT for u in range(n_units))
        for k in range(n_points)
    ]
    share_contradicted = sum(contradicted) / n_points
    length = math.log1p(len(content_words(answer)))
    # Clauses saying the opposite of a sentence of the model answer (its facts, not the
    # key points' wording: a wrong answer may contradict what no key point words).
    model_sentences = [t for t, parent in units(model_answer) if parent is None]
    model_entities = entities_of([*key_points, *model_sentences])
    against_model = sum(
        any(contradiction(t, m, model_entities, context_facts) for m in model_sentences)
        for t, parent in pieces
        if parent is None
    )
    n_sentences = sum(parent is None for _, parent in pieces)
    best_of: list[float] = []
    for k in range(n_points):
        usable = [u for u in range(n_units) if k not in problems[u] and likeness[u] >= SENTENCE_MIN]
        best_of.append(max((float(sims[u, k]) for u in usable), default=0.0))
    breadth = sum(best_of) / n_points
    out = Evidence(texts, [], [], [], [], listy)
    for k, point in enumerate(key_points):
        usable = [u for u in range(n_units) if k not in problems[u] and likeness[u] >= SENTENCE_MIN]
        best_u = max(usable, key=lambda u: sims[u, k]) if usable else None
        any_u = int(np.argmax(sims[:, k]))
        best = float(sims[best_u, k]) if best_u is not None else 0.0
        focus = best - float(mean_sim[best_u]) if best_u is not None else 0.0
        stems = _stems(point) - entities
        share = len(stems & answer_stems) / len(stems) if stems else 0.0
        numbers = 0.0
        if point_facts[k]:
            numbers = 1.0 if any(qty.supports(s, point_facts[k]) for s in said) else -1.0
        out.rows.append(
            [
                best,
                float(sims[any_u, k]),
                float(whole[k]),
                focus,
                share,
                numbers,
                float(contradicted[k]),
                share_contradicted,
                answer_level["model"],
                answer_level["prompt_over_model"],
                mean_likeness,
                length,
                breadth,
                answer_level["model_best"],
                answer_level["model_words"],
                answer_level["novel_words"],
                against_model / n_sentences,
                float(best_u is not None and role_swap(texts[best_u], point) is not None),
            ]
        )
        shown = best_u if best_u is not None else any_u
        out.clause.append(shown)
        out.similarity.append(float(sims[shown, k]))
        against = [u for u in range(n_units) if k in problems[u] and sims[u, k] >= ABOUT_AT]
        if contradicted[k]:
            u = max(against, key=lambda u: sims[u, k])
            out.problem.append(problems[u][k])
        elif best_u is None and likeness[any_u] < SENTENCE_MIN:
            out.problem.append("a list of terms")
        else:
            out.problem.append(None)
    return out


OFF_TOPIC_BELOW = 0.2  # no clause reaches this cosine with any key point: off topic
# (0.3 ruled a plain-word paraphrase off topic on the tuning half; the model judges the rest)


def _shares_words(answer: str, vocabulary: str) -> bool:
    """The answer uses at least one content word of the question's own text; one that
    shares none is off topic without asking the model (an on-topic paraphrase still
    names what it talks about: attention, layers, labels...)."""
    known = {stem(w) for w in content_words(vocabulary)}
    return any(stem(w) in known for w in content_words(answer))


def measure(
    key_points: Sequence[str],
    answer: str,
    encoder: Any,
    *,
    prompt: str = "",
    model_answer: str = "",
    context: str = "",
    point_vectors: Any = None,
    rescore: Any = None,
) -> Evidence | str:
    """The evidence for each key point, or a note when the answer needs no model:
    ``"empty answer"``, or ``"off topic"`` (no word of the question's text, or no
    clause near any point). ``encoder`` may be a zero-argument callable returning the
    encoder: it is called only when the answer needs the model."""
    import numpy as np

    pieces = units(answer)
    if not pieces:
        return "empty answer"
    if not _shares_words(answer, " ".join([*key_points, prompt, model_answer, context])):
        return "off topic"
    if not hasattr(encoder, "encode"):
        encoder = encoder()
    if point_vectors is None:
        point_vectors = encoder.encode(list(key_points))
    texts = [t for t, _ in pieces]
    whole_text = " ".join(texts)
    extra = [whole_text, prompt or context, model_answer or context]
    vectors = np.asarray(encoder.encode([*texts, *extra]))
    points = np.asarray(point_vectors)
    sims = vectors[: len(texts)] @ points.T
    if float(sims.max()) < OFF_TOPIC_BELOW:
        return "off topic"
    if rescore is not None:
        sims = np.asarray(rescore(texts, key_points, sims))
    whole, prompt_vec, model_vec = vectors[len(texts) :]
    model_text = model_answer or context
    model_stems = _stems(model_text)
    question_stems = _stems(" ".join([*key_points, prompt, model_text]))
    answer_stems = [stem(w) for w in content_words(answer)]
    answer_level = {
        "model": float(whole @ model_vec),
        "prompt_over_model": float(whole @ prompt_vec) - float(whole @ model_vec),
        "model_best": float((vectors[: len(texts)] @ model_vec).max()),
        "model_words": len(model_stems & set(answer_stems)) / max(1, len(model_stems)),
        "novel_words": sum(s not in question_stems for s in answer_stems)
        / max(1, len(answer_stems)),
    }
    return evidence(key_points, pieces, sims, whole @ points.T, answer_level, answer, model_text)
