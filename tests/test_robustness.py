"""Hostile input through the CLI: an unwritable or odd state folder, state files with
entries of the wrong type, bad option values, awkward data files and question files.

Each case asserts the exit code, the one line that explains it, and that answers saved
before are still in quiz.json. (The property-based versions are in
test_state_properties.py.)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tutor import paths
from tutor.cli import cli

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "questions"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(autouse=True)
def fixture_bank(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_QUESTIONS_DIR", str(FIXTURES))


def invoke(*args: str, stdin: str | None = None):
    result = CliRunner().invoke(cli, list(args), input=stdin)
    # Every failure here must be a handled one: click's exit, never a Python exception.
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.output,
        result.exception,
    )
    assert "Traceback" not in result.output
    return result


def error_line(result) -> str:
    """The one 'Error: ...' line of a failed command (exactly one, and a single line)."""
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.output
    return lines[0]


ANSWERS = [
    {
        "question_id": qid,
        "level": "easy",
        "topics": topics,
        "correct": correct,
        "answered_at": "2026-11-20T10:00:00+00:00",
        "session": "20261120-100000-ab12",
        "mode": "quiz",
    }
    for qid, topics, correct in (
        ("fx-softmax-sum", ["softmax"], True),
        ("fx-mlm-targets", ["mlm", "bert-inputs"], False),
        ("fx-nsp-removed", ["nsp", "model-comparison"], True),
    )
]


def write_quiz(home: Path, answers: list | None = None, **extra) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "quiz.json"
    data = {"format_version": 1, "answers": answers or ANSWERS, "cards": {}, **extra}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def saved_answers(home: Path) -> list[dict]:
    return json.loads((home / "quiz.json").read_text(encoding="utf-8"))["answers"]


# --------------------------------------------------------------------------- state folder


def test_tutor_home_that_is_a_file_stops_the_quiz_before_question_one(tutor_home: Path):
    tutor_home.parent.mkdir(parents=True, exist_ok=True)
    tutor_home.write_text("not a folder")
    result = invoke("quiz", "easy", "--count", "1", "--seed", "1", stdin="a\n")
    assert result.exit_code == 1
    line = error_line(result)
    assert f"{tutor_home} is a file, not a folder" in line and "TUTOR_HOME" in line
    assert "Question 1" not in result.output


def test_quiz_json_that_is_a_folder_stops_the_quiz_before_question_one(tutor_home: Path):
    (tutor_home / "quiz.json").mkdir(parents=True)
    result = invoke("quiz", "easy", "--count", "1", stdin="a\n")
    assert result.exit_code == 1
    assert "quiz.json is a folder where a state file belongs: move it away" in error_line(result)
    assert "Question 1" not in result.output


def test_unwritable_state_keeps_earlier_answers_and_asks_nothing(tutor_home: Path):
    # A lock that cannot be taken stands for any state that cannot be written; it works
    # for root too, who can write into a read-only folder.
    write_quiz(tutor_home)
    (tutor_home / "quiz.json.lock").mkdir()
    result = invoke("quiz", "easy", "--count", "1", stdin="a\n")
    assert result.exit_code == 1
    assert "quiz.json.lock is a folder" in error_line(result)
    assert "Question 1" not in result.output
    assert saved_answers(tutor_home) == ANSWERS


@pytest.mark.skipif(IS_ROOT, reason="root can write into a read-only folder")
def test_read_only_state_folder_stops_the_quiz_and_keeps_answers(tutor_home: Path):
    write_quiz(tutor_home)
    tutor_home.chmod(0o555)
    try:
        result = invoke("quiz", "easy", "--count", "1", stdin="a\n")
    finally:
        tutor_home.chmod(0o755)
    assert result.exit_code == 1
    line = error_line(result)
    assert f"Cannot save anything in {tutor_home}" in line and "TUTOR_HOME" in line
    assert "Question 1" not in result.output
    assert saved_answers(tutor_home) == ANSWERS


def test_future_format_version_is_refused_before_question_one(tutor_home: Path):
    path = write_quiz(tutor_home)
    data = json.loads(path.read_text())
    data["format_version"] = 7
    path.write_text(json.dumps(data))
    result = invoke("quiz", "easy", "--count", "1", stdin="a\n")
    assert result.exit_code == 1
    assert "format_version 7, newer than this bert-tutor" in error_line(result)
    assert "Question 1" not in result.output
    assert json.loads(path.read_text()) == data


def test_progress_mark_and_check_stop_on_unwritable_state(tutor_home: Path):
    write_quiz(tutor_home)
    (tutor_home / "progress.json.lock").mkdir()
    mark = invoke("progress", "mark", "day49.when")
    assert mark.exit_code == 1
    assert "progress.json.lock is a folder" in error_line(mark)
    workspace = tutor_home / "workspace"
    workspace.mkdir()
    (workspace / "softmax.py").write_text("x = 1\n")
    check = invoke("check", "softmax")
    assert check.exit_code == 1
    assert "progress.json.lock is a folder" in error_line(check)
    assert saved_answers(tutor_home) == ANSWERS


def test_start_leaves_nothing_behind_when_progress_cannot_be_saved(tutor_home: Path):
    write_quiz(tutor_home)
    (tutor_home / "progress.json").mkdir()
    result = invoke("start", "cls_head")
    assert result.exit_code == 1
    assert "progress.json is a folder" in error_line(result)
    assert not (tutor_home / "workspace" / "cls_head.py").exists()
    assert saved_answers(tutor_home) == ANSWERS


def test_start_into_an_unwritable_folder_records_nothing(tutor_home: Path, tmp_path: Path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the workspace folder should be")
    result = invoke("start", "cls_head", "--dir", str(blocker / "ws"))
    assert result.exit_code == 1
    assert "Cannot write" in error_line(result) and "--dir" in error_line(result)
    state = tutor_home / "progress.json"
    assert not state.exists() or "cls_head" not in json.loads(state.read_text())["exercises"]


def test_start_rolls_back_its_record_when_the_file_cannot_be_put_in_place(
    tutor_home: Path, monkeypatch: pytest.MonkeyPatch
):
    import tutor.exercises

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tutor.exercises, "_put_in_place", refuse)
    result = invoke("start", "cls_head")
    assert result.exit_code == 1
    assert "Permission denied" in error_line(result)
    workspace = tutor_home / "workspace"
    assert not (workspace / "cls_head.py").exists()
    assert not [p for p in workspace.iterdir() if "cls_head" in p.name]
    assert "cls_head" not in json.loads((tutor_home / "progress.json").read_text())["exercises"]


# --------------------------------------------------------------------------- nested state


def test_answer_with_wrong_nested_type_is_set_aside_and_the_rest_kept(tutor_home: Path):
    bad = dict(ANSWERS[1], topics=5)
    write_quiz(tutor_home, [ANSWERS[0], bad, ANSWERS[2]])
    result = invoke("progress")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning")]
    assert len(warnings) == 1 and "quiz.json" in warnings[0] and "kept it as" in warnings[0]
    assert "answers[1].topics" in warnings[0]
    assert saved_answers(tutor_home) == [ANSWERS[0], ANSWERS[2]]
    (kept,) = tutor_home.glob("quiz.json.corrupt-*")
    assert json.loads(kept.read_text())["answers"][1] == bad
    again = invoke("progress")
    assert again.exit_code == 0 and "Warning" not in again.stderr


@pytest.mark.parametrize(
    "progress_state",
    [
        {"self_assessed": {"day49.when": {"marked_at": 5}}},
        {"resets": {"day7": 5}},
        {"exercises": {"softmax": {"day": "day7", "path": 5}}},
        {"exercises": {"softmax": "started"}},
        {"self_assessed": []},
    ],
    ids=["marked_at", "resets", "exercise-path", "exercise-not-object", "not-an-object"],
)
def test_progress_state_with_wrong_nested_types(tutor_home: Path, progress_state: dict):
    write_quiz(tutor_home)
    path = tutor_home / "progress.json"
    path.write_text(json.dumps({"format_version": 1, **progress_state}), encoding="utf-8")
    for args in (("progress",), ("progress", "--json"), ("exercises",)):
        result = invoke(*args)
        assert result.exit_code == 0, result.output
    check = invoke("check")
    assert check.exit_code == 1
    assert "No exercise started yet" in error_line(check)
    assert len(list(tutor_home.glob("progress.json.corrupt-*"))) == 1
    assert saved_answers(tutor_home) == ANSWERS
    mark = invoke("progress", "mark", "day49.when")
    assert mark.exit_code == 0, mark.output


def test_run_record_and_card_of_the_wrong_type(tutor_home: Path):
    card = {"card_id": 1, "state": 2, "step": None, "stability": "high", "difficulty": 5.0}
    write_quiz(tutor_home, cards={"fx-softmax-sum": card})
    runs = {"format_version": 1, "runs": [{"run_id": "day7-x", "day": "day7", "value": "0.9"}]}
    (tutor_home / "runs.json").write_text(json.dumps(runs), encoding="utf-8")
    result = invoke("progress")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("Warning") == 2  # one per file
    review = invoke("quiz", "easy", "--review")
    assert review.exit_code == 0, review.output
    assert saved_answers(tutor_home) == ANSWERS


# --------------------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--epochs", "nan", "'nan' is not a finite number"),
        ("--epochs", "inf", "inf is not in the range 0<x<=1000"),
        ("--epochs", "0", "0.0 is not in the range 0<x<=1000"),
        ("--lr", "-1e-5", "is not in the range 0<x<1"),
        ("--lr", "nan", "not a finite number"),
        ("--average-from", "1", "is not in the range 0<=x<1"),
        ("--batch-size", "0", "0 is not in the range x>=1"),
        ("--max-length", "513", "513 is not in the range 1<=x<=512"),
        ("--seed", "-1", "-1 is not in the range 0<=x<=4294967295"),
        ("--model", "./my-bert", "no folder ./my-bert here"),
        ("--model", "not a model/at/all", "neither a model folder here nor a valid"),
    ],
)
def test_bad_run_options_are_usage_errors_before_any_run_folder(
    tutor_home: Path, option: str, value: str, says: str
):
    result = invoke("run", "day7", "--profile", "smoke", option, value)
    assert result.exit_code == 2
    line = error_line(result)
    assert f"Invalid value for '{option}'" in line and says in line, line
    assert not (tutor_home / "runs").exists()


def test_model_folder_without_config_is_refused(tutor_home: Path, tmp_path: Path):
    result = invoke("run", "day7", "--profile", "smoke", "--model", str(tmp_path))
    assert result.exit_code == 2
    assert "is a folder but not a saved model (it has no config.json)" in error_line(result)


def test_eval_file_alone_is_refused(tutor_home: Path, tmp_path: Path):
    eval_file = tmp_path / "eval.csv"
    eval_file.write_text("text,label\ngood,1\nbad,0\n")
    result = invoke("run", "day7", "--profile", "smoke", "--eval-file", str(eval_file))
    assert result.exit_code == 2
    assert "--eval-file needs --train-file" in error_line(result)
    assert not (tutor_home / "runs").exists()


def test_other_days_check_their_numbers_too(tutor_home: Path):
    for args in (
        ("day45", "--layer-decay", "nan"),
        ("day45", "--top-k", "0"),
        ("day46", "--sizes", "100,-3"),
        ("day47", "--head", "0"),
        ("day48", "--steps", "0"),
        ("day50", "--task", "translation"),
    ):
        result = invoke("run", *args, "--profile", "smoke")
        assert result.exit_code == 2, (args, result.output)
        assert "Invalid value" in error_line(result)
    assert not (tutor_home / "runs").exists()


def test_run_stops_before_work_when_the_state_folder_is_a_file(tutor_home: Path):
    tutor_home.parent.mkdir(parents=True, exist_ok=True)
    tutor_home.write_text("")
    result = invoke("run", "day7", "--profile", "smoke")
    assert result.exit_code == 1
    assert "is a file, not a folder" in error_line(result)


# --------------------------------------------------------------------------- data files


def run_on(train: Path, monkeypatch: pytest.MonkeyPatch):
    """`tutor run day7` on ``train`` up to the end of the plan: execute is replaced by a
    stop that fails like a crash would (so the run folder must then say 'failed')."""
    from tutor.days import day7
    from tutor.errors import TutorError

    def stop(plan, on_event=None):
        raise TutorError("stopped before training (test)")

    monkeypatch.setattr(day7, "execute", stop)
    return invoke("run", "day7", "--profile", "smoke", "--train-file", str(train))


def test_csv_with_a_byte_order_mark_is_read(tutor_home: Path, tmp_path: Path, monkeypatch):
    train = tmp_path / "excel.csv"
    rows = "".join(f"{'good' if i % 2 else 'bad'} film {i},{i % 2}\r\n" for i in range(20))
    train.write_bytes(b"\xef\xbb\xbf" + f"text,label\r\n{rows}".encode())
    result = run_on(train, monkeypatch)
    assert result.exit_code == 1
    assert "stopped before training (test)" in error_line(result)
    (run_dir,) = (tutor_home / "runs").iterdir()
    record = json.loads((run_dir / "run.json").read_text())
    assert record["status"] == "failed" and record["reason"] == "stopped before training (test)"


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        (
            "number.jsonl",
            b'{"text": "fine", "label": 1}\n{"text": 5, "label": 0}\n',
            "number.jsonl: line 2: field 'text' must be a string, not a number (5).",
        ),
        (
            "label.jsonl",
            b'{"text": "fine", "label": [1]}\n',
            "label.jsonl: line 1: field 'label' must be an integer or a string, not a list.",
        ),
        (
            "semicolons.csv",
            b"text;label\ngood;1\n",
            "The header looks separated by semicolons: save the file with commas",
        ),
        ("commas.tsv", b"text,label\ngood,1\n", "The header looks separated by commas"),
        (
            "latin1.csv",
            "text,label\ngood,1\ncaf\u00e9,0\n".encode("latin-1"),
            "latin1.csv: line 3: not UTF-8 text",
        ),
    ],
)
def test_bad_data_files_name_the_line_and_leave_no_run_folder(
    tutor_home: Path, tmp_path: Path, monkeypatch, name: str, content: bytes, says: str
):
    train = tmp_path / name
    train.write_bytes(content)
    result = run_on(train, monkeypatch)
    assert result.exit_code == 1
    assert says in error_line(result)
    assert not (tutor_home / "runs").exists() or not any((tutor_home / "runs").iterdir())


# --------------------------------------------------------------------------- question files

QUESTION = """\
format_version: 1
questions:
  - id: q-one
    level: easy
    topics: [softmax]
    type: single_choice
    prompt: "What do softmax outputs sum to?"
    choices:
      - {text: "1", why: "A probability distribution."}
      - {text: "The number of classes", why: "No."}
      - {text: "0", why: "No."}
    answer: 0
    explanation: "E."
    lesson: lessons/a.md#softmax
"""


def validate(*files: Path):
    return invoke("questions", "validate", *(str(f) for f in files))


def test_validate_lists_every_problem_of_an_item(tmp_path: Path):
    text = QUESTION.replace("    type: single_choice\n", "").replace(
        '    prompt: "What do softmax outputs sum to?"\n', ""
    )
    path = tmp_path / "q.yaml"
    path.write_text(text.replace('explanation: "E."', 'explanation: ""'))
    result = validate(path)
    assert result.exit_code == 1
    assert "3 problems found" in result.output
    for field in ("type", "prompt", "explanation"):
        assert f"question 'q-one' field '{field}'" in result.output, field


def test_validate_names_the_line_of_an_encoding_error(tmp_path: Path):
    path = tmp_path / "q.yaml"
    path.write_bytes(QUESTION.replace("E.", "Caf\u00e9.").encode("latin-1"))
    result = validate(path)
    assert result.exit_code == 1
    assert "q.yaml:13: not UTF-8 text (invalid continuation byte)" in result.output


def test_validate_refuses_control_characters(tmp_path: Path):
    path = tmp_path / "q.yaml"
    path.write_text(QUESTION.replace("outputs sum", "outputs\\x1b[31m sum"))
    result = validate(path)
    assert result.exit_code == 1
    assert (
        "q.yaml:7: question 'q-one' field 'prompt': contains the control character U+001B"
        in result.output
    )


def checkout(tmp_path: Path, lessons: list[str]) -> Path:
    """A minimal repository: mkdocs.yml, docs/lessons/a.md, and questions/q.yaml with one
    question per lesson link."""
    (tmp_path / "mkdocs.yml").write_text("site_name: t\n")
    (tmp_path / "docs" / "lessons").mkdir(parents=True)
    (tmp_path / "docs" / "lessons" / "a.md").write_text(
        "# Page\n\n## Softmax {#softmax}\n\n## Plain *heading*, with words\n\n"
        "```python\n## not-a-heading\n```\n",
        encoding="utf-8",
    )
    items = QUESTION.split("questions:\n", 1)[1]
    body = "".join(
        items.replace("q-one", f"q-{i}").replace("lessons/a.md#softmax", lesson)
        for i, lesson in enumerate(lessons)
    )
    (tmp_path / "questions").mkdir()
    path = tmp_path / "questions" / "q.yaml"
    path.write_text("format_version: 1\nquestions:\n" + body)
    return path


def test_validate_checks_lesson_pages_and_anchors(tmp_path: Path):
    path = checkout(
        tmp_path,
        [
            "lessons/a.md#softmax",
            "lessons/a.md#plain-heading-with-words",
            "lessons/a.md#not-a-heading",
            "lessons/a.md#softmx",
            "lessons/missing.md#x",
        ],
    )
    result = validate(path)
    assert result.exit_code == 1
    assert "3 problems found" in result.output
    assert "question 'q-2' field 'lesson': docs/lessons/a.md has no section #not-a-heading" in (
        result.output
    )
    assert "docs/lessons/a.md has no section #softmx; did you mean #softmax?" in result.output
    assert "question 'q-4' field 'lesson': no lesson page docs/lessons/missing.md" in result.output


def test_validate_without_docs_skips_the_link_check_and_says_so(tmp_path: Path):
    path = tmp_path / "q.yaml"
    path.write_text(QUESTION.replace("lessons/a.md", "lessons/nowhere.md"))
    result = validate(path)
    assert result.exit_code == 0, result.output
    assert "Lesson links not checked: no docs/ folder beside these question files." in (
        result.output
    )


def test_validate_reports_how_often_the_right_option_is_the_longest(tmp_path: Path):
    path = checkout(tmp_path, ["lessons/a.md#softmax"] * 3)
    text = path.read_text()
    # q-1: the right option "1" becomes the longest text; q-0 and q-2 keep a longer wrong one.
    first, second, third = text.split("  - id: ")[1:]
    second = second.replace('{text: "1",', '{text: "Exactly one, for every input row",')
    path.write_text(
        "format_version: 1\nquestions:\n" + "".join("  - id: " + q for q in (first, second, third))
    )
    result = validate(path)
    assert result.exit_code == 0, result.output
    assert "Lesson links resolve to pages and sections in" in result.output
    assert (
        "Right option is the longest in 1 of 3 single-choice questions (33%; within the 40% "
        "target)." in result.output
    )


# --------------------------------------------------------------------------- tutor check


def test_check_shows_the_tests_own_message_without_pytest_internals(tutor_home: Path):
    started = invoke("start", "softmax")
    assert started.exit_code == 0, started.output
    learner = tutor_home / "workspace" / "softmax.py"
    solution = (paths.solutions_dir() / "softmax.py").read_text(encoding="utf-8")
    broken = solution.replace(
        "return exp / exp.sum(dim=-1, keepdim=True)",
        "return exp / (exp.sum(dim=-1, keepdim=True) + 0.1)",
    )
    assert broken != solution
    learner.write_text(broken, encoding="utf-8")
    result = invoke("check", "softmax")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    at = lines.index("  ✗ test_rows_sum_to_one")
    assert lines[at + 1].strip() == "each row must sum to 1"
    for internal in ("0x", "where", "full report", "built-in method", "AssertionError"):
        assert internal not in result.output, internal


def test_failure_messages_are_cleaned_of_pytest_internals():
    from tutor.exercise_runner import _clean

    junit = (
        "AssertionError: each row must sum to 1\nassert False\n"
        " +  where False = <built-in method allclose of type object at 0x7f61b2acea40>"
        "(tensor([0.9]), tensor([1.]))\n"
        " +    where <built-in method allclose of type object at 0x7f61b2acea40> = "
        "torch.allclose\n  [+3 more lines; full report in element text]"
    )
    assert _clean(junit, "") == "each row must sum to 1"
    plain = "assert <function f at 0x10> == 3\n +  where 1 = f()"
    assert _clean(plain, "") == "assert f == 3"
    details = "def test():\n>   x()\nE   NotImplementedError: TODO: implement softmax\n"
    assert _clean("", details) == "NotImplementedError: TODO: implement softmax"
