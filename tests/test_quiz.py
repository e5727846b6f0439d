"""Quiz core (picking, shuffling, grading, summary) and `tutor quiz` end to end."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tutor import quiz
from tutor import quiz_history as history
from tutor.cli import cli
from tutor.question_bank import load_bank

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "questions"


@pytest.fixture(autouse=True)
def fixture_bank(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_QUESTIONS_DIR", str(FIXTURES))
    # Self-grading here: the automatic feedback has its own tests (tests/test_grading.py).
    monkeypatch.setenv("TUTOR_GRADING_MODEL", "off")


@pytest.fixture
def bank():
    return load_bank([FIXTURES])


def item_of(bank, qid: str, order: tuple[int, ...] | None = None) -> quiz.QuizItem:
    question = bank.get(qid)
    if order is None:
        order = tuple(range(len(getattr(question, "choices", []))))
    return quiz.QuizItem(question, order)


# --------------------------------------------------------------------------- grading


def test_single_choice_letters_numbers_and_shuffle(bank):
    item = item_of(bank, "fx-softmax-sum", (2, 0, 1))  # shown: a)=#2, b)=#0 (right), c)=#1
    assert item.correct_letters == ["b"]
    assert [c.text for c in item.choices] == ["The number of classes", "1", "0"]
    for text in ("b", "B", " b) ", "2", "(b)"):
        grade = quiz.grade(item, text)
        assert grade.correct and grade.chosen == (0,), text
    wrong = quiz.grade(item, "a")
    assert not wrong.correct and wrong.chosen == (2,)
    for bad in ("z", "4", "0", "", "a,b", "b?"):
        with pytest.raises(quiz.InvalidAnswer):
            quiz.grade(item, bad)


def test_multiple_choice_any_order_and_spacing(bank):
    item = item_of(bank, "fx-mlm-targets")  # right: a, b, d
    for text in ("a,b,d", "d, a ,b", "a b d", "ABD", "1,2,4", "a,b,d,a"):
        assert quiz.grade(item, text).correct, text
    for text in ("a,b", "a,b,c,d", "c"):
        assert not quiz.grade(item, text).correct, text
    with pytest.raises(quiz.InvalidAnswer, match="no choice 'e'"):
        quiz.grade(item, "a,e")
    assert quiz.grade(item, "b,a").chosen == (0, 1)


def test_true_false_words(bank):
    item = item_of(bank, "fx-nsp-removed")  # answer: false
    for text in ("f", "F", "false", "no", "n", "No."):
        assert quiz.grade(item, text).correct, text
    for text in ("t", "true", "yes", "Y"):
        assert not quiz.grade(item, text).correct, text
    with pytest.raises(quiz.InvalidAnswer):
        quiz.grade(item, "maybe")


def test_numeric_tolerance_and_formats(bank):
    item = item_of(bank, "fx-bert-base-params")  # 110 ± 5, unit M
    for text in ("110", "105", "115", "110M", "110 m", "1.1e2", "112.5"):
        assert quiz.grade(item, text).correct, text
    for text in ("104.9", "115.01", "340", "-110"):
        assert not quiz.grade(item, text).correct, text
    for bad in ("lots", "", "inf", "1/0", "nan"):
        with pytest.raises(quiz.InvalidAnswer):
            quiz.grade(item, bad)
    assert quiz.parse_number("0.665") == 0.665
    assert quiz.parse_number("110,000") == 110000
    assert quiz.parse_number("2/4") == 0.5
    assert quiz.is_close(0.665, 0.67, 0.005)


def test_free_text_is_self_graded(bank):
    item = item_of(bank, "fx-transfer-why")
    assert quiz.grade(item, "y").correct and quiz.grade(item, "yes").correct
    assert not quiz.grade(item, "n").correct
    with pytest.raises(quiz.InvalidAnswer, match="not y or n"):
        quiz.grade(item, "I think so")


def test_format_answer(bank):
    assert quiz.format_answer(item_of(bank, "fx-mlm-targets", (3, 2, 1, 0))) == "a, c, d"
    assert quiz.format_answer(item_of(bank, "fx-nsp-removed")) == "false"
    assert quiz.format_answer(item_of(bank, "fx-bert-base-params")) == "110 (± 5) M"


# --------------------------------------------------------------------------- picking


def test_pick_is_seeded_filtered_and_capped(bank):
    a = quiz.build_quiz(bank, level="easy", count=3, seed=11)
    b = quiz.build_quiz(bank, level="easy", count=3, seed=11)
    assert [(i.question.id, i.order) for i in a] == [(i.question.id, i.order) for i in b]
    assert len(a) == 3 and all(i.question.level == "easy" for i in a)
    assert len(quiz.pick_questions(bank, level="easy", count=50, seed=1)) == 5
    assert [q.id for q in quiz.pick_questions(bank, topic="t5")] == ["fx-t5-text-to-text"]
    many = {tuple(i.order) for _ in range(30) for i in quiz.prepare([bank.get("fx-mlm-targets")])}
    assert len(many) > 1  # the choices really are shuffled
    for item in quiz.prepare(bank, random.Random(3)):
        if item.order:
            assert sorted(item.order) == list(range(len(item.question.choices)))


def test_summary_per_topic_and_lessons(bank):
    results = [
        quiz.Result(bank.get("fx-softmax-sum"), True),
        quiz.Result(bank.get("fx-mlm-targets"), False),
        quiz.Result(bank.get("fx-nsp-removed"), False),
        quiz.Result(bank.get("fx-bert-base-params"), True),
    ]
    summary = quiz.summarize(results)
    assert (summary.score, summary.total) == (2, 4)
    assert summary.per_topic == {
        "softmax": (1, 1),
        "mlm": (0, 1),
        "bert-inputs": (0, 1),
        "nsp": (0, 1),
        "model-comparison": (0, 1),
        "bert-architecture": (1, 1),
    }
    assert summary.lessons == [
        "docs/lessons/day07-bert.md#mlm",
        "docs/lessons/day08-variants.md#roberta",
    ]
    assert summary.lesson_urls == [
        "http://127.0.0.1:8000/lessons/day07-bert/#mlm",
        "http://127.0.0.1:8000/lessons/day08-variants/#roberta",
    ]
    assert summary.to_dict()["missed"] == [
        {
            "id": "fx-mlm-targets",
            "lesson": "docs/lessons/day07-bert.md#mlm",
            "url": "http://127.0.0.1:8000/lessons/day07-bert/#mlm",
        },
        {
            "id": "fx-nsp-removed",
            "lesson": "docs/lessons/day08-variants.md#roberta",
            "url": "http://127.0.0.1:8000/lessons/day08-variants/#roberta",
        },
    ]


def test_lesson_urls_follow_mkdocs_directory_urls():
    assert quiz.lesson_url("lessons/day45-fine-tuning.md#warm-up") == (
        "http://127.0.0.1:8000/lessons/day45-fine-tuning/#warm-up"
    )
    assert quiz.lesson_url("index.md") == "http://127.0.0.1:8000/"
    assert quiz.lesson_url("quiz/index.md#easy", site="https://x.org/c/") == (
        "https://x.org/c/quiz/#easy"
    )


# --------------------------------------------------------------------------- the command


def answer_lines(item: quiz.QuizItem, right: bool) -> list[str]:
    """What a learner types to answer ``item`` rightly or wrongly."""
    q = item.question
    if q.type == "single_choice":
        letters = "abcdefghijklmnopqrstuvwxyz"[: len(item.order)]
        return [
            item.correct_letters[0]
            if right
            else next(c for c in letters if c not in item.correct_letters)
        ]
    if q.type == "multiple_choice":
        return [" , ".join(reversed(item.correct_letters)) if right else item.correct_letters[0]]
    if q.type == "true_false":
        return ["T" if q.answer == right else "no"]
    if q.type == "numeric":
        return [f"{q.answer + (1 if right else 100) * q.tolerance / 2:g}{q.unit or ''}"]
    return ["my own words", "y" if right else "n"]


def scripted_input(seed: int, count: int, rights: list[bool], invalid: bool = False) -> str:
    items = quiz.build_quiz(load_bank([FIXTURES]), level="easy", count=count, seed=seed)
    lines: list[str] = []
    for item, right in zip(items, rights, strict=False):
        if invalid:  # not an answer for any type: re-asked, never counted
            lines.append("zz9")
        lines.extend(answer_lines(item, right))
    return "\n".join(lines) + "\n"


def quiz_state() -> dict:
    return json.loads(history.paths.quiz_state_path().read_text(encoding="utf-8"))


def test_scripted_quiz_exact_score(tutor_home: Path):
    rights = [True, True, False, True, False]
    stdin = scripted_input(seed=7, count=5, rights=rights, invalid=True)
    result = CliRunner().invoke(cli, ["quiz", "easy", "--count", "5", "--seed", "7"], input=stdin)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "Score: 3/5 (60%)" in result.output
    assert result.output.count("Not an answer:") == 5
    assert result.output.count("✓ ") >= 3
    missed = [
        item.question
        for item, right in zip(
            quiz.build_quiz(load_bank([FIXTURES]), level="easy", count=5, seed=7), rights
        )
        if not right
    ]
    tail = result.output.split("Read again on the course site")[1].splitlines()[1:]
    assert tail == list(dict.fromkeys(f"  {quiz.lesson_url(q.lesson)}" for q in missed))
    state = quiz_state()
    assert [a["correct"] for a in state["answers"]] == rights
    assert len(state["cards"]) == 5
    assert {a["mode"] for a in state["answers"]} == {"quiz"}
    assert len({a["session"] for a in state["answers"]}) == 1


def test_scripted_quiz_json(tutor_home: Path):
    rights = [False, True, True]
    items = quiz.build_quiz(load_bank([FIXTURES]), level="easy", count=3, seed=2)
    stdin = scripted_input(seed=2, count=3, rights=rights)
    result = CliRunner().invoke(
        cli, ["quiz", "easy", "--count", "3", "--seed", "2", "--json"], input=stdin
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["score"], data["total"], data["planned"]) == (2, 3, 3)
    assert data["completed"] is True and data["stopped"] is None
    missed = items[0].question
    assert data["missed"] == [
        {
            "id": missed.id,
            "lesson": f"docs/{missed.lesson}",
            "url": quiz.lesson_url(missed.lesson),
        }
    ]
    assert sum(t["total"] for t in data["per_topic"].values()) == sum(
        len(i.question.topics) for i in items
    )
    assert "Question 1/3" in result.stderr


def test_input_ending_early_keeps_answers(tutor_home: Path):
    stdin = scripted_input(seed=5, count=5, rights=[True, False])  # 2 of 5 answers
    result = CliRunner().invoke(cli, ["quiz", "easy", "--count", "5", "--seed", "5"], input=stdin)
    assert result.exit_code == 0, result.output
    assert "Input ended after 2 of 5 questions; 2 answers saved." in result.output
    assert "Score: 1/2 (50%)" in result.output
    assert [a["correct"] for a in quiz_state()["answers"]] == [True, False]


def test_ctrl_c_stops_cleanly_and_keeps_answers(tutor_home: Path, monkeypatch):
    from tutor.commands.quiz_terminal import PlainSurface

    real_read = PlainSurface.read

    def read_then_interrupt(self, prompt):  # Ctrl-C while the third answer is typed
        saved = history.paths.quiz_state_path()
        if saved.exists() and len(quiz_state()["answers"]) == 2:
            raise KeyboardInterrupt
        return real_read(self, prompt)

    monkeypatch.setattr(PlainSurface, "read", read_then_interrupt)
    stdin = scripted_input(seed=5, count=5, rights=[True] * 5)
    result = CliRunner().invoke(
        cli, ["quiz", "easy", "--count", "5", "--seed", "5", "--json"], input=stdin
    )
    assert result.exit_code == 130
    assert "Stopped; 2 answers saved." in result.stderr
    assert json.loads(result.stdout)["stopped"] == "interrupted"
    assert len(quiz_state()["answers"]) == 2


def test_corrupt_quiz_json_is_moved_aside_with_warning(tutor_home: Path):
    tutor_home.mkdir(parents=True)
    (tutor_home / "quiz.json").write_text("{half a file", encoding="utf-8")
    stdin = scripted_input(seed=1, count=1, rights=[True])
    result = CliRunner().invoke(cli, ["quiz", "easy", "--count", "1", "--seed", "1"], input=stdin)
    assert result.exit_code == 0, result.output
    assert "Warning:" in result.output and "kept it as" in result.output
    kept = list(tutor_home.glob("quiz.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "{half a file"
    assert len(quiz_state()["answers"]) == 1


def test_review_asks_due_questions_missed_first(tutor_home: Path, bank):
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2)
    history.record_answer(bank.get("fx-nsp-removed"), True, session="s0", now=past)
    history.record_answer(bank.get("fx-softmax-sum"), False, session="s0", now=past)
    history.record_answer(bank.get("fx-t5-text-to-text"), False, session="s0", now=past)
    result = CliRunner().invoke(cli, ["quiz", "easy", "--review"], input="a\n")
    assert result.exit_code == 0, result.output
    assert "Review: 2 easy questions." in result.output
    first, second = result.output.index("Question 1/2"), result.output.index("Question 2/2")
    assert "What do softmax outputs sum to?" in result.output[first:second]
    assert "RoBERTa keeps next sentence prediction." in result.output[second:]
    answers = quiz_state()["answers"]
    assert answers[-1]["mode"] == "review" and answers[-1]["question_id"] == "fx-softmax-sum"


def test_review_with_nothing_due_says_when(tutor_home: Path, bank):
    none_yet = CliRunner().invoke(cli, ["quiz", "easy", "--review"])
    assert none_yet.exit_code == 0
    assert "you have not answered any easy questions yet" in none_yet.output

    history.record_answer(bank.get("fx-nsp-removed"), True, session="s0")
    result = CliRunner().invoke(cli, ["quiz", "easy", "--review"])
    assert result.exit_code == 0
    assert "Nothing to review in easy questions right now; the next is due in 10 minutes" in (
        result.output
    )
    as_json = CliRunner().invoke(cli, ["quiz", "easy", "--review", "--json"])
    data = json.loads(as_json.stdout)
    assert data["total"] == 0 and data["next_due"].startswith(str(dt.date.today().year))


def test_quiz_usage_errors():
    runner = CliRunner()
    bad_topic = runner.invoke(cli, ["quiz", "easy", "--topic", "nope"])
    assert bad_topic.exit_code == 1 and "Unknown topic 'nope'" in bad_topic.output
    empty = runner.invoke(cli, ["quiz", "medium", "--topic", "mlm"])
    assert empty.exit_code == 1 and "no medium questions on mlm" in empty.output
    assert runner.invoke(cli, ["quiz", "hard"]).exit_code == 2
    assert runner.invoke(cli, ["quiz", "easy", "--count", "0"]).exit_code == 2


def test_quiz_with_invalid_bank_lists_problems(tmp_path: Path, monkeypatch):
    (tmp_path / "b.yaml").write_text("format_version: 3\nquestions: []\n", encoding="utf-8")
    monkeypatch.setenv("TUTOR_QUESTIONS_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["quiz", "easy"])
    assert result.exit_code == 1
    assert "b.yaml:1: field 'format_version': 3 is not supported" in result.output


def test_quiz_loads_no_ml_stack(tmp_path: Path):
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from tutor.cli import cli\n"
        "r = CliRunner().invoke(cli, ['quiz', 'easy', '--count', '2', '--seed', '1'],"
        " input='a\\na\\nx\\ny\\n')\n"
        "assert r.exit_code == 0, r.output\n"
        "print(' '.join(m for m in ('torch', 'transformers', 'datasets') if m in sys.modules))\n"
    )
    env = {**os.environ, "TUTOR_HOME": str(tmp_path / "home")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == []
    assert (tmp_path / "home" / "quiz.json").exists()


# --------------------------------------------------------------------------- feedback (issue 14)


def run_one(qid: str, lines: list[str], tmp_path: Path, monkeypatch, bank_text: str | None = None):
    """`tutor quiz` on a bank holding only question ``qid`` (the choices in file order)."""
    source = bank_text or (FIXTURES / "bank.yaml").read_text(encoding="utf-8")
    folder = tmp_path / "one"
    folder.mkdir(exist_ok=True)
    (folder / "bank.yaml").write_text(source, encoding="utf-8")
    monkeypatch.setenv("TUTOR_QUESTIONS_DIR", str(folder))
    question = load_bank([folder]).get(qid)
    monkeypatch.setattr(quiz, "pick_questions", lambda pool, count=10, seed=None, **kw: [question])
    monkeypatch.setattr(
        quiz,
        "prepare",
        lambda qs, seed=None: [item_of(load_bank([folder]), q.id) for q in qs],
    )
    return CliRunner().invoke(cli, ["quiz", question.level], input="\n".join(lines) + "\n")


def test_a_mistake_explains_every_option_and_marks_them_apart(tmp_path, monkeypatch):
    # fx-mlm-targets in file order: a) [MASK] right, b) random right, c) [SEP] wrong,
    # d) unchanged right. Pick a and c: one right pick, one wrong pick, two missed.
    result = run_one("fx-mlm-targets", ["a,c"], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "✗ Wrong: the answer is a, b, d." in out
    assert "✓ a) [your pick, right] [MASK]: 80% of the time." in out
    assert "! b) [right, not picked] A random token: 10% of the time." in out
    assert "✗ c) [your pick, wrong] [SEP]: Special tokens are never the replacement." in out
    assert "! d) [right, not picked] Itself, unchanged: 10% of the time." in out


def test_a_wrong_single_choice_explains_the_options_not_picked(tmp_path, monkeypatch):
    result = run_one("fx-softmax-sum", ["b"], tmp_path, monkeypatch)
    out = result.output
    assert "✗ b) [your pick, wrong] 0: Every output is positive." in out
    assert "! a) [right, not picked] 1: They share one denominator." in out
    assert "· c) [wrong] The number of classes: Each output is a fraction of 1." in out
    right = run_one("fx-softmax-sum", ["a"], tmp_path, monkeypatch)
    assert "✓ a) [your pick, right] 1:" in right.output
    assert "[wrong]" not in right.output  # after a right answer only the pick is explained


def test_true_false_feedback_in_words(tmp_path, monkeypatch):
    result = run_one("fx-nsp-removed", ["t"], tmp_path, monkeypatch)
    assert "✗ Wrong: the statement is False." in result.output


def test_summary_lists_missed_questions_and_the_review_command(tutor_home: Path):
    stdin = scripted_input(seed=7, count=5, rights=[True, False, True, False, True])
    result = CliRunner().invoke(cli, ["quiz", "easy", "--count", "5", "--seed", "7"], input=stdin)
    items = quiz.build_quiz(load_bank([FIXTURES]), level="easy", count=5, seed=7)
    missed = [items[1].question.id, items[3].question.id]
    tail = result.output.split("Missed:")[1]
    assert [line.split(":")[0].strip() for line in tail.splitlines()[1:3]] == missed
    assert "They come back for review: tutor quiz easy --review" in tail


def test_control_characters_from_yaml_never_reach_the_terminal(bank, capsys):
    # `tutor questions validate` rejects them; the terminal quiz strips them anyway, in
    # case a bank that was never validated is used (TUTOR_QUESTIONS_DIR).
    from tutor.commands.quiz_terminal import TerminalUI

    question = bank.get("fx-softmax-sum")
    choices = list(question.choices)
    choices[1] = choices[1].model_copy(update={"why": "Every\x1b]0;pwned\x07 output"})
    evil = question.model_copy(
        update={
            "prompt": "What do \x1b[2J\x1b[31msoftmax\u202e outputs\r sum to?\a",
            "choices": choices,
        }
    )
    item = quiz.QuizItem(evil, (0, 1, 2))
    ui = TerminalUI()
    ui.question(item, 1, 1)
    ui.feedback(item, quiz.grade(item, "b"))
    out = capsys.readouterr().out
    assert "What do [2J[31msoftmax outputs sum to?" in out
    assert "Every]0;pwned output" in out
    bad = [ch for ch in out if (ord(ch) < 32 and ch not in "\n\t") or 0x7F <= ord(ch) < 0xA0]
    assert bad == [] and "\u202e" not in out


def test_empty_free_text_answer_never_counts(tutor_home: Path, tmp_path, monkeypatch):
    # An empty answer is missed at once: the "y" after it is not a self-grade (the quiz
    # has ended), so it cannot turn into a right answer or count towards mastery.
    result = run_one("fx-transfer-why", ["", "y"], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "✗ Empty answer: counted as missed." in result.output
    assert "Did your answer cover the key points?" not in result.output
    assert "Score: 0/1 (0%)" in result.output
    answers = quiz_state()["answers"]
    assert [(a["correct"], a.get("empty")) for a in answers] == [(False, True)]
    from tutor import progress

    assert progress.quiz_mastery(answers, ["transfer-learning"], None).correct == 0


def test_without_the_model_the_quiz_says_it_self_grades(tutor_home: Path, tmp_path, monkeypatch):
    result = run_one("fx-transfer-why", ["my own words", "y"], tmp_path, monkeypatch)
    assert "No automatic feedback: automatic feedback is off" in result.output
    assert "Did your answer cover the key points? (y/n):" in result.output
    assert [a["correct"] for a in quiz_state()["answers"]] == [True]
