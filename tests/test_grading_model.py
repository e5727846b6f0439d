"""The learned part of the grader: the per-point features (tutor/grading/features.py),
the logistic weights and their band (tutor/grading/model.py, weights.json), and the
refit script (bench/grader_fit.py) on small hand-made cases. No model is loaded: the
encoders are stand-ins, so every figure here is computed by hand."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.grading_stand_ins import BagOfWords, similarity_only
from tutor import grading
from tutor.grading.contradictions import role_swap
from tutor.grading.features import FEATURES, measure
from tutor.grading.model import Weights
from tutor.grading.scoring import WORDS_AT, backed, status_of

ROOT = Path(__file__).resolve().parent.parent
POINTS = [
    "Hide some tokens and predict the originals from the rest of the sentence",
    "Mask 15 percent of the positions",
]
PROMPT = "How is BERT pre-trained with masked language modelling?"
MODEL = (
    "Choose 15 percent of the positions, hide those tokens and predict the originals "
    "from the rest of the sentence; the loss counts only those positions."
)


def features(answer: str, prompt: str = PROMPT) -> list[dict[str, float]]:
    found = measure(POINTS, answer, BagOfWords(), prompt=prompt, model_answer=MODEL)
    assert not isinstance(found, str), found
    return [dict(zip(FEATURES, row, strict=True)) for row in found.rows]


# --------------------------------------------------------------------------- features


def test_words_share_counts_the_points_own_content_words():
    first, second = features("We hide some tokens and predict the originals.")
    # point 0: hide, tokens, predict, originals of hide/tokens/predict/originals/rest/sentence
    assert first["words"] == pytest.approx(4 / 6)
    assert second["words"] == 0.0  # mask, 15, percent, positions: none said


def test_numbers_are_given_missing_or_irrelevant():
    given = features("We mask 15% of the positions and predict the originals.")
    other = features("We mask half of the positions and predict the originals.")
    assert given[1]["numbers"] == 1.0 and other[1]["numbers"] == -1.0
    assert given[0]["numbers"] == 0.0  # the first point has no number


def test_a_contradiction_is_charged_to_its_own_point_and_counted_for_the_answer():
    wrong = features(
        "We hide some tokens and predict the originals from the rest of the sentence. "
        "We mask 50 percent of the positions."
    )
    assert [row["contradicted"] for row in wrong] == [0.0, 1.0]
    assert wrong[0]["contradictions"] == wrong[1]["contradictions"] == 0.5


def test_a_term_list_reads_as_no_sentence():
    listed = features("hide, tokens, predict, originals, mask, positions, percent")
    said = features("We hide some tokens and predict the originals.")
    assert listed[0]["sentences"] < grading.SENTENCE_MIN <= said[0]["sentences"]
    # nothing in a list may count as the point's best clause
    assert listed[0]["best"] == 0.0 and listed[0]["best_any"] > 0.5


def test_a_restated_question_is_closer_to_the_prompt_than_to_the_model_answer():
    restated = features("How is BERT pre-trained with masked language modelling, then?")
    answered = features("We hide some tokens and predict the originals from the rest.")
    assert restated[0]["prompt_over_model"] > 0 > answered[0]["prompt_over_model"]


def test_empty_and_unrelated_answers_are_notes_without_the_model():
    def no_model():
        raise AssertionError("the model was loaded")

    assert measure(POINTS, " .. ", no_model) == "empty answer"
    assert measure(POINTS, "Pasta with basil.", no_model, prompt=PROMPT) == "off topic"


# --------------------------------------------------------------------------- weights


def test_probability_is_the_logistic_of_the_standardised_features():
    weights = Weights(("best", "words"), (0.5, 0.2), (0.1, 0.4), (2.0, -1.0), 0.3, 0.8, 0.2)
    row = [0.0] * len(FEATURES)
    row[FEATURES.index("best")], row[FEATURES.index("words")] = 0.7, 0.6
    z = 0.3 + 2.0 * (0.7 - 0.5) / 0.1 - 1.0 * (0.6 - 0.2) / 0.4
    assert weights.probability(row) == pytest.approx(1 / (1 + math.exp(-z)))
    with pytest.raises(ValueError, match="feature row"):
        weights.probability([0.1, 0.2])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"features": ["best", "nope"], "mean": [0, 0], "scale": [1, 1], "coef": [1, 1]},
            "unknown features",
        ),
        ({"coef": [1.0, 2.0]}, "differ in length"),
        ({"cover_at": 0.1}, "miss_below <= cover_at"),
        ({"scale": [0.0]}, "positive"),
        ({"intercept": None}, "malformed"),
    ],
)
def test_bad_weights_are_refused_with_a_reason(change, message):
    good = similarity_only().to_dict()
    with pytest.raises(ValueError, match=message):
        Weights.from_dict({**good, **change})


def test_the_shipped_weights_load_and_read_known_features():
    data = json.loads((ROOT / "tutor" / "grading" / "weights.json").read_text("utf-8"))
    shipped = grading.shipped()
    assert shipped == Weights.from_dict(data["model"])
    assert set(shipped.features) <= set(FEATURES)
    assert 0 < shipped.miss_below <= shipped.cover_at < 1
    assert data["cross_validated"]["n"] == data["fitted_on"]["answers"]


# --------------------------------------------------------------------------- the band


@pytest.mark.parametrize(
    ("chance", "contradicted", "listy", "status"),
    [
        (0.95, False, False, "covered"),
        (0.80, False, False, "covered"),  # the band's upper edge covers
        (0.79, False, False, "unsure"),
        (0.20, False, False, "unsure"),  # its lower edge is still unsure
        (0.19, False, False, "missed"),
        (0.95, True, False, "missed"),  # a contradiction outweighs any probability
        (0.95, False, True, "unsure"),  # a term list never covers, the learner judges
        (0.10, False, True, "missed"),
    ],
)
def test_the_band_decides_covered_unsure_or_missed(chance, contradicted, listy, status):
    assert status_of(chance, contradicted, listy, 0.8, 0.2) == status


def test_a_point_no_sentence_comes_near_is_never_credited():
    assert status_of(0.99, False, False, 0.8, 0.2, near=False) == "unsure"
    assert status_of(0.10, False, False, 0.8, 0.2, near=False) == "missed"
    # in grade(): a good answer on the first point says nothing of the second
    weights = Weights(("length",), (0.0,), (1.0,), (1.0,), 5.0, 0.8, 0.2)  # always ~1
    said = "We hide some tokens and predict the originals from the rest of the sentence."
    feedback = grading.grade(POINTS, said, BagOfWords(), weights=weights)
    assert all(p.chance > 0.99 for p in feedback.points)
    assert feedback.covered == POINTS[:1] and feedback.unsure == POINTS[1:]


def row(best: float, words: float, numbers: float = 0.0) -> list[float]:
    values = dict.fromkeys(FEATURES, 0.0) | {"best": best, "words": words, "numbers": numbers}
    return [values[f] for f in FEATURES]


def test_a_covered_point_needs_its_own_words_or_numbers():
    rows = [row(0.7, WORDS_AT), row(0.7, WORDS_AT - 0.01), row(0.7, 0.0, numbers=1.0)]
    assert backed(rows, [0, 1, 2]) == [True, False, True]
    assert backed(rows, [0, 1, 2], slack=0.05) == [True, True, True]
    # however high the probability, an unbacked point is left to the learner
    assert status_of(0.99, False, False, 0.8, 0.2, support=False) == "unsure"
    assert status_of(0.10, False, False, 0.8, 0.2, support=False) == "missed"


def test_one_clause_backs_only_the_point_it_is_closest_to():
    rows = [row(0.6, 0.5), row(0.5, 0.5), row(0.55, 0.5)]
    assert backed(rows, [3, 3, 4]) == [True, False, True]
    assert backed(rows, [3, 3, 3]) == [True, False, False]
    assert backed(rows, None) == [True, True, True]  # no clause known: words decide


def test_grade_credits_one_clause_to_one_point_and_asks_about_the_other():
    weights = Weights(("length",), (0.0,), (1.0,), (1.0,), 5.0, 0.8, 0.2)  # always ~1
    points = ["The encoder reads the whole sentence", "The encoder reads words in both directions"]
    said = "The encoder reads the whole sentence."
    feedback = grading.grade(points, said, BagOfWords(), weights=weights)
    assert all(p.chance > 0.99 and p.clause == said for p in feedback.points)
    assert feedback.covered == points[:1] and feedback.unsure == points[1:]


def test_a_narrower_band_abstains_less():
    said = "We hide some tokens and predict the originals from the rest of the sentence."
    wide = similarity_only(cover_at=0.999, miss_below=0.001)
    narrow = similarity_only(cover_at=0.6, miss_below=0.4)
    assert grading.grade(POINTS, said, BagOfWords(), weights=wide).unsure == POINTS
    judged = grading.grade(POINTS, said, BagOfWords(), weights=narrow)
    assert judged.unsure == [] and judged.covered == POINTS[:1]


# --------------------------------------------------------------------------- refit


@pytest.fixture(scope="module")
def grader_fit():
    spec = importlib.util.spec_from_file_location("grader_fit", ROOT / "bench" / "grader_fit.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["grader_fit"] = module
    spec.loader.exec_module(module)
    return module


def synthetic_cases(fit_module):
    """Three questions; in each, good answers have close clauses using the point's
    words on every point, partial ones on half of them, wrong ones on none (the "best"
    and "words" features); "length" is noise, and the rest zero."""
    rng = np.random.default_rng(0)
    cases = []
    for q in ("q1", "q2", "q3"):
        for grade in (2, 2, 1, 0, 0):
            rows = np.zeros((4, len(FEATURES)))
            rows[:, FEATURES.index("length")] = rng.normal(3.0, 0.5)
            best = {2: [0.8] * 4, 1: [0.8, 0.8, 0.2, 0.2], 0: [0.2] * 4}[grade]
            rows[:, FEATURES.index("best")] = best
            rows[:, FEATURES.index("words")] = [0.5 if b > 0.5 else 0.0 for b in best]
            cases.append(fit_module.Case(q, grade, "synthetic", rows, False, None))
    return cases


def test_refit_learns_what_separates_the_grades_and_writes_the_shipped_shape(grader_fit):
    cases = synthetic_cases(grader_fit)
    doc = grader_fit.document(cases, l2=1.0, features=("best", "length"))
    shipped = json.loads((ROOT / "tutor" / "grading" / "weights.json").read_text("utf-8"))
    assert doc.keys() == shipped.keys() and doc["model"].keys() == shipped["model"].keys()
    weights = Weights.from_dict(doc["model"])
    assert weights.coef[0] > 1.0  # "best" carries the grade...
    assert abs(weights.coef[1]) < weights.coef[0] / 3  # ...the noise far less
    figures = doc["cross_validated"]
    assert figures["n"] == 15 and figures["wrong_pass"] == figures["good_fail"] == 0
    assert figures["spearman"] > 0.9 and figures["abstain"] == 0


def test_cross_validation_never_sees_the_question_it_predicts(grader_fit, monkeypatch):
    cases = synthetic_cases(grader_fit)
    seen = []
    fit = grader_fit.fit

    def spy(train, l2, features=None):
        seen.append({c.question for c in train})
        return fit(train, l2, features)

    monkeypatch.setattr(grader_fit, "fit", spy)
    grader_fit.cross_validate(cases, 1.0, ("best",))
    assert sorted(map(sorted, seen)) == [["q1", "q2"], ["q1", "q3"], ["q2", "q3"]]


# --------------------------------------------------------------------------- swapped roles

STUDENT = "A small student model is trained to imitate a large teacher model"


@pytest.mark.parametrize(
    ("clause", "swapped"),
    [
        ("The large teacher model is trained to match them.", True),
        ("Quantisation trains a smaller student model.", False),  # no role of this point
        ("A small student is trained to imitate the teacher.", False),
        ("The teacher is trained first, then the student is trained to imitate it.", False),
        ("The student learns to copy the teacher's outputs.", False),  # no shared word
        ("The teacher is imitated by a small trained student.", False),  # passive: unclear
    ],
)
def test_role_swap_finds_a_word_said_of_the_other_term(clause, swapped):
    assert (role_swap(clause, STUDENT) is not None) is swapped


def test_role_swap_works_for_any_pair_of_terms_given():
    terms = {"alpha": frozenset({"beta"}), "beta": frozenset({"alpha"})}
    point = "Alpha compresses the input, while beta expands it"
    assert role_swap("Beta compresses the input.", point, terms)
    assert role_swap("Alpha compresses the input.", point, terms) is None
    assert role_swap("Beta compresses the input.", point, {}) is None  # no roles: no finding


def test_a_swapped_clause_leaves_its_point_unsure_not_covered():
    points = [STUDENT, "Mask 15 percent of the positions"]
    weights = Weights(("length",), (0.0,), (1.0,), (1.0,), 5.0, 0.8, 0.2)  # always ~1
    right = grading.grade(
        points, "A small student model is trained to imitate it.", BagOfWords(), weights=weights
    )
    swapped = grading.grade(
        points, "The large teacher model is trained to imitate it.", BagOfWords(), weights=weights
    )
    assert right.points[0].status == "covered"
    assert swapped.points[0].chance > 0.99 and swapped.points[0].status == "unsure"
