"""The question bank: models, the loader's FILE:LINE messages, the CLI, and a fuzz test."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor import course
from tutor.cli import cli
from tutor.errors import UsageError, ValidationError
from tutor.question_bank import Bank, load_bank
from tutor.questions import (
    FreeText,
    MultipleChoice,
    Numeric,
    SingleChoice,
    TrueFalse,
)

LEVELS = course.level_ids()
TOPICS = course.topic_ids()

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "questions"
SHIPPED = REPO_ROOT / "questions"

# Line numbers matter: the expected messages below point into this text.
BASE = textwrap.dedent(
    """\
    format_version: 1
    questions:
      - id: q-one
        level: easy
        topics: [softmax]
        type: single_choice
        prompt: "P?"
        choices:
          - text: "A"
            why: "WA"
          - text: "B"
            why: "WB"
          - text: "C"
            why: "WC"
        answer: 0
        explanation: "E."
        lesson: lessons/day07-bert.md#softmax
    """
)
TOPIC_LIST = ", ".join(TOPICS)
TYPE_LIST = "single_choice, multiple_choice, true_false, numeric, free_text"
SINGLE_KEYS = "id, level, topics, type, prompt, choices, answer, explanation, lesson, source"
FREE_KEYS = "id, level, topics, type, prompt, model_answer, key_points, explanation, lesson, source"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files are named relative to the working directory: run where they are written."""
    monkeypatch.chdir(tmp_path)


def problems_of(text: str, name: str = "q.yaml") -> list[str]:
    Path(name).write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        load_bank([Path(name)])
    return info.value.problems


def test_base_question_is_valid():
    Path("q.yaml").write_text(BASE)
    bank = load_bank([Path("q.yaml")])
    assert [q.id for q in bank] == ["q-one"]
    question = bank.get("q-one")
    assert isinstance(question, SingleChoice)
    assert question.correct_indices == (0,)
    assert question.lesson_page == "lessons/day07-bert.md"
    assert question.lesson_anchor == "softmax"
    assert bank.locations["q-one"] == (Path("q.yaml"), 3)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            'prompt: "P?"',
            'prompt: "P?',
            [
                "q.yaml:9: YAML syntax error: while parsing a block mapping that starts at "
                "line 3: expected <block end>, but found '<scalar>'"
            ],
            id="yaml-syntax",
        ),
        pytest.param(
            '    explanation: "E."\n',
            "",
            [
                "q.yaml:3: question 'q-one' field 'explanation': missing "
                "(a single_choice question needs it)"
            ],
            id="missing-field",
        ),
        pytest.param(
            "    answer: 0\n",
            '    answer: 0\n    hint: "x"\n',
            [
                f"q.yaml:16: question 'q-one' field 'hint': unknown key; "
                f"a single_choice question takes: {SINGLE_KEYS}"
            ],
            id="unknown-key",
        ),
        pytest.param(
            'text: "A"',
            'text: "A"\n        note: x',
            [
                "q.yaml:10: question 'q-one' field 'choices[0].note': unknown key; "
                "a choice takes: text, why"
            ],
            id="unknown-key-in-choice",
        ),
        pytest.param(
            "answer: 0",
            'answer: "b"',
            [
                "q.yaml:15: question 'q-one' field 'answer': must be an integer "
                "(a choice index from 0), not a string"
            ],
            id="wrong-type",
        ),
        pytest.param(
            "answer: 0",
            "answer: 3",
            [
                "q.yaml:15: question 'q-one' field 'answer': answer 3 is out of range: "
                "there are 3 choices, numbered 0 to 2"
            ],
            id="answer-out-of-range",
        ),
        pytest.param(
            "answer: 0",
            "answer: [0, 2]",
            [
                "q.yaml:15: question 'q-one' field 'answer': "
                "single_choice has 2 answers; use multiple_choice"
            ],
            id="single-choice-with-two-answers",
        ),
        pytest.param(
            'type: single_choice\n    prompt: "P?"\n',
            'type: multiple_choice\n    prompt: "P?"\n',
            [
                "q.yaml:15: question 'q-one' field 'answer': multiple_choice needs a list of "
                "at least 2 answers; for one answer use single_choice"
            ],
            id="multiple-choice-with-one-int",
        ),
        pytest.param(
            '    prompt: "P?"\n',
            '    prompt: "P?"\n    type: multiple_choice\n',
            [
                "q.yaml:8: key 'type' appears twice in the same mapping",
                "q.yaml:16: question 'q-one' field 'answer': multiple_choice needs a list of "
                "at least 2 answers; for one answer use single_choice",
            ],
            id="duplicate-key",
        ),
        pytest.param(
            'prompt: "P?"',
            'prompt: "   "',
            ["q.yaml:7: question 'q-one' field 'prompt': must not be empty"],
            id="empty-prompt",
        ),
        pytest.param(
            'explanation: "E."',
            'explanation: ""',
            ["q.yaml:16: question 'q-one' field 'explanation': must not be empty"],
            id="empty-explanation",
        ),
        pytest.param(
            'text: "B"',
            'text: ""',
            ["q.yaml:11: question 'q-one' field 'choices[1].text': must not be empty"],
            id="empty-choice-text",
        ),
        pytest.param(
            'why: "WC"',
            "why:",
            ["q.yaml:14: question 'q-one' field 'choices[2].why': must not be empty"],
            id="empty-why",
        ),
        pytest.param(
            "[softmax]",
            "[softmax, attention]",
            [
                f"q.yaml:5: question 'q-one' field 'topics[1]': unknown topic 'attention'; "
                f"the topics are: {TOPIC_LIST}"
            ],
            id="unknown-topic",
        ),
        pytest.param(
            "[softmax]",
            "[softmax, mlm, nsp, t5]",
            ["q.yaml:5: question 'q-one' field 'topics': needs 1 to 3 topics, got 4"],
            id="too-many-topics",
        ),
        pytest.param(
            "level: easy",
            "level: hard",
            ["q.yaml:4: question 'q-one' field 'level': must be easy or medium, not 'hard'"],
            id="bad-level",
        ),
        pytest.param(
            "format_version: 1\n",
            "",
            ["q.yaml:1: field 'format_version': missing; start the file with 'format_version: 1'"],
            id="missing-format-version",
        ),
        pytest.param(
            "format_version: 1",
            "format_version: 2",
            [
                "q.yaml:1: field 'format_version': 2 is not supported "
                "(this bert-tutor reads format_version 1)"
            ],
            id="unsupported-format-version",
        ),
        pytest.param(
            "lessons/day07-bert.md#softmax",
            "lessons/day07-bert#softmax",
            [
                "q.yaml:17: question 'q-one' field 'lesson': 'lessons/day07-bert#softmax' is not "
                "a docs-relative 'page.md#anchor' (e.g. lessons/day07-bert.md#softmax)"
            ],
            id="lesson-without-md",
        ),
        pytest.param(
            "lessons/day07-bert.md#softmax",
            "lessons/day07-bert.md",
            [
                "q.yaml:17: question 'q-one' field 'lesson': 'lessons/day07-bert.md' is not "
                "a docs-relative 'page.md#anchor' (e.g. lessons/day07-bert.md#softmax)"
            ],
            id="lesson-without-anchor",
        ),
        pytest.param(
            "type: single_choice",
            "type: essay",
            [f"q.yaml:6: question 'q-one' field 'type': unknown type 'essay'; one of: {TYPE_LIST}"],
            id="unknown-type",
        ),
        pytest.param(
            "q-one",
            "Q One",
            [
                "q.yaml:3: question 'Q One' field 'id': 'Q One' is not a slug: "
                "use only a-z, 0-9 and '-'"
            ],
            id="bad-id",
        ),
        pytest.param(
            'text: "B"',
            'text: "a"',
            ["q.yaml:11: question 'q-one' field 'choices[1].text': same text as choice 0"],
            id="duplicate-choice-text",
        ),
        pytest.param(
            'text: "B"',
            "text: yes",
            [
                "q.yaml:11: question 'q-one' field 'choices[1].text': must be text, "
                "not a boolean (true); quote it in YAML"
            ],
            id="unquoted-yes",
        ),
    ],
)
def test_each_problem_has_file_line_question_field(old: str, new: str, expected: list[str]):
    assert old in BASE
    assert problems_of(BASE.replace(old, new, 1)) == expected


def test_free_text_with_choice_keys_reports_every_key():
    assert problems_of(BASE.replace("single_choice", "free_text")) == [
        "q.yaml:3: question 'q-one' field 'model_answer': missing (a free_text question needs it)",
        "q.yaml:3: question 'q-one' field 'key_points': missing (a free_text question needs it)",
        f"q.yaml:8: question 'q-one' field 'choices': unknown key; "
        f"a free_text question takes: {FREE_KEYS}",
        f"q.yaml:15: question 'q-one' field 'answer': unknown key; "
        f"a free_text question takes: {FREE_KEYS}",
    ]


def test_multiple_choice_answer_problems_point_at_the_item():
    text = BASE.replace("single_choice", "multiple_choice").replace(
        "answer: 0", "answer:\n      - 0\n      - 7"
    )
    assert problems_of(text) == [
        "q.yaml:17: question 'q-one' field 'answer[1]': answer 7 is out of range: "
        "there are 3 choices, numbered 0 to 2"
    ]
    one = BASE.replace("single_choice", "multiple_choice").replace("answer: 0", "answer: [1]")
    assert problems_of(one) == [
        "q.yaml:15: question 'q-one' field 'answer': multiple_choice has 1 answer; "
        "it needs at least 2 (use single_choice for one)"
    ]
    twice = BASE.replace("single_choice", "multiple_choice").replace("answer: 0", "answer: [1, 1]")
    assert problems_of(twice) == [
        "q.yaml:15: question 'q-one' field 'answer[1]': answer 1 is listed twice"
    ]


def test_numeric_and_true_false_fields():
    numeric = textwrap.dedent(
        """\
        format_version: 1
        questions:
          - id: n
            level: medium
            topics: [bert-architecture]
            type: numeric
            prompt: "How many?"
            answer: .nan
            tolerance: 0
            explanation: "E."
            lesson: a.md#b
          - id: tf
            level: easy
            topics: [nsp]
            type: true_false
            prompt: "True?"
            answer: 1
            explanation: "E."
            lesson: a.md#b
        """
    )
    assert problems_of(numeric) == [
        "q.yaml:8: question 'n' field 'answer': must be a finite number",
        "q.yaml:9: question 'n' field 'tolerance': must be greater than 0, got 0.0",
        "q.yaml:17: question 'tf' field 'answer': must be true or false, not an integer (1)",
    ]


def test_duplicate_id_names_both_places(tmp_path: Path):
    Path("a.yaml").write_text(BASE)
    Path("b.yaml").write_text(BASE.replace("level: easy", "level: medium"))
    with pytest.raises(ValidationError) as info:
        load_bank([Path("a.yaml"), Path("b.yaml")])
    assert info.value.problems == [
        "b.yaml:3: question 'q-one' field 'id': duplicate id; also defined at a.yaml:3"
    ]


def test_duplicate_id_is_found_even_when_the_question_is_invalid():
    two = BASE + BASE.split("questions:\n", 1)[1].replace('prompt: "P?"', 'prompt: ""')
    assert problems_of(two) == [
        "q.yaml:18: question 'q-one' field 'id': duplicate id; also defined at q.yaml:3",
        "q.yaml:22: question 'q-one' field 'prompt': must not be empty",
    ]


def test_every_problem_of_every_file_at_once():
    Path("good.yaml").write_text(BASE.replace("q-one", "q-good"))
    Path("bad.yaml").write_text(
        BASE.replace("level: easy", "level: hard").replace("answer: 0", "answer: 9")
    )
    Path("broken.yaml").write_text("format_version: 1\nquestions: [\n")
    with pytest.raises(ValidationError) as info:
        load_bank([Path("good.yaml"), Path("bad.yaml"), Path("broken.yaml"), Path("none.yaml")])
    problems = info.value.problems
    assert problems == [
        "bad.yaml:4: question 'q-one' field 'level': must be easy or medium, not 'hard'",
        "bad.yaml:15: question 'q-one' field 'answer': answer 9 is out of range: "
        "there are 3 choices, numbered 0 to 2",
        "broken.yaml:3: YAML syntax error: while parsing a flow node: "
        "expected the node content, but found '<stream end>'",
        "none.yaml:1: no such file",
    ]
    assert str(info.value.format_message()).startswith("4 problems found:\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "q.yaml:1: the file is empty; it must be a mapping with format_version and questions"),
        (
            "- 1\n",
            "q.yaml:1: the file is a list; it must be a mapping with format_version and questions",
        ),
        (
            "format_version: 1\n",
            "q.yaml:1: field 'questions': missing; list the questions under 'questions:'",
        ),
        (
            "format_version: 1\nquestions: 3\n",
            "q.yaml:2: field 'questions': must be a list of questions, not an integer (3)",
        ),
        (
            "format_version: 1\nquestions: []\nextra: 1\n",
            "q.yaml:3: field 'extra': unknown key; "
            "a question file takes: format_version, questions",
        ),
        (
            "format_version: 1\nquestions:\n  - just text\n",
            "q.yaml:3: question #1: must be a mapping, not a string",
        ),
        (
            "format_version: '1'\nquestions: []\n",
            "q.yaml:1: field 'format_version': '1' is not "
            "supported (this bert-tutor reads format_version 1)",
        ),
        (
            "x: !!int abc\n",
            "q.yaml:1: YAML error: cannot read this value: invalid literal for "
            "int() with base 10: 'abc'",
        ),
    ],
)
def test_file_level_problems(text: str, expected: str):
    assert expected in problems_of(text)


def test_bank_filter_and_counts():
    bank = load_bank([FIXTURES])
    assert len(bank) == 6
    assert bank.count_by_level() == {"easy": 5, "medium": 1}
    assert [q.id for q in bank.filter(level="medium")] == ["fx-t5-text-to-text"]
    assert [q.id for q in bank.filter(topic="mlm")] == ["fx-mlm-targets"]
    assert len(bank.filter(level="medium", topic="mlm")) == 0
    assert {type(q) for q in bank} == {SingleChoice, MultipleChoice, TrueFalse, Numeric, FreeText}
    assert "fx-nsp-removed" in bank and "nope" not in bank
    with pytest.raises(UsageError, match="Unknown topic 'attention'"):
        bank.filter(topic="attention")
    with pytest.raises(UsageError, match="Unknown level"):
        bank.filter(level="hard")


def test_default_bank_comes_from_env_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("TUTOR_QUESTIONS_DIR", str(FIXTURES))
    assert len(load_bank()) == 6
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("TUTOR_QUESTIONS_DIR", str(empty))
    with pytest.raises(ValidationError, match="no question files"):
        load_bank()


def test_levels_in_commands_match_the_models():
    from tutor.commands import questions as questions_cmd
    from tutor.commands import quiz as quiz_cmd

    assert list(quiz_cmd.LEVELS.choices) == list(questions_cmd.LEVELS.choices) == list(LEVELS)


# --------------------------------------------------------------------------- CLI


def test_cli_validate_ok_and_failing():
    runner = CliRunner()
    ok = runner.invoke(cli, ["questions", "validate", str(FIXTURES)])
    assert ok.exit_code == 0, ok.output
    assert ok.output.splitlines()[0] == "6 questions OK (5 easy, 1 medium) in 1 file"

    Path("bad.yaml").write_text(
        BASE.replace("answer: 0", "answer: [0, 1]").replace('why: "WB"', 'why: ""')
    )
    bad = runner.invoke(cli, ["questions", "validate", "bad.yaml", str(FIXTURES / "bank.yaml")])
    assert bad.exit_code == 1
    assert "2 problems found:" in bad.output
    assert "bad.yaml:12: question 'q-one' field 'choices[1].why': must not be empty" in bad.output
    assert (
        "bad.yaml:15: question 'q-one' field 'answer': single_choice has 2 answers; "
        "use multiple_choice" in bad.output
    )
    assert "Traceback" not in bad.output


def test_cli_list(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TUTOR_QUESTIONS_DIR", str(FIXTURES))
    result = CliRunner().invoke(cli, ["questions", "list", "--level", "easy"])
    assert result.exit_code == 0, result.output
    assert "fx-bert-base-params" in result.output and "numeric" in result.output
    assert "fx-t5-text-to-text" not in result.output
    assert result.output.strip().splitlines()[-1] == "5 questions"
    topic = CliRunner().invoke(cli, ["questions", "list", "--topic", "t5"])
    assert topic.output.strip().splitlines()[-1] == "1 question"
    bad = CliRunner().invoke(cli, ["questions", "list", "--topic", "nope"])
    assert bad.exit_code == 1 and "Unknown topic 'nope'" in bad.output


# --------------------------------------------------------------------------- the shipped bank

needs_shipped = pytest.mark.skipif(
    not (SHIPPED / "easy.yaml").exists(),
    reason="questions/easy.yaml is not written yet (the content lands separately)",
)


@needs_shipped
def test_shipped_bank_validates(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("TUTOR_QUESTIONS_DIR", raising=False)
    bank = load_bank()
    assert len(bank) > 0
    assert {p.name for p in bank.files} >= {"easy.yaml"}


@needs_shipped
def test_shipped_bank_lists_at_least_40_easy(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("TUTOR_QUESTIONS_DIR", raising=False)
    result = CliRunner().invoke(cli, ["questions", "list", "--level", "easy"])
    assert result.exit_code == 0, result.output
    count = re.fullmatch(r"(\d+) questions?", result.output.strip().splitlines()[-1])
    assert count is not None and int(count.group(1)) >= 40


# --------------------------------------------------------------------------- fuzzing

VALID_BANK = (FIXTURES / "bank.yaml").read_text(encoding="utf-8")
GARBAGE = st.sampled_from(
    [
        "",
        "- ",
        ":",
        "[",
        "]",
        "{",
        "}",
        "'",
        '"',
        "&a",
        "*a",
        "!!int x",
        "!!binary @",
        "? [a]",
        "<<: *a",
        "\t",
        "---",
        "...",
        "%YAML 1.1",
        "null",
        "~",
        "-1",
        "1e999",
        ".nan",
        "true",
        "yes",
        "[1, 2]",
        "{a: b}",
        "- - -",
        "answer: [0, 0]",
        "type: numeric",
        "extra: 1",
        "#",
        "|",
        ">",
        "é",
        "\x00",
        "\ufeff",
        "  id: x",
    ]
)


@st.composite
def mutated_bank(draw: st.DrawFn) -> str:
    """The fixture bank with a few structural or textual mutations."""
    data = yaml.safe_load(VALID_BANK)
    values = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3, 30),
        st.floats(allow_nan=True),
        st.text(max_size=8),
        st.lists(st.integers(-1, 5), max_size=4),
        st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
    )
    for _ in range(draw(st.integers(1, 4))):
        questions = data.get("questions") if isinstance(data, dict) else None
        op = draw(st.sampled_from(["delete", "retype", "add", "top", "item"]))
        if op == "top" or not isinstance(questions, list) or not questions:
            key = draw(st.sampled_from(["format_version", "questions", "extra"]))
            if isinstance(data, dict):
                data[key] = draw(values)
            continue
        index = draw(st.integers(0, len(questions) - 1))
        question = questions[index]
        if not isinstance(question, dict) or not question:
            questions[index] = draw(values)
            continue
        key = draw(st.sampled_from(sorted(question)))
        if op == "delete":
            del question[key]
        elif op == "retype":
            question[key] = draw(values)
        elif op == "add":
            question[
                draw(
                    st.sampled_from(
                        [
                            "hint",
                            "answer",
                            "choices",
                            "tolerance",
                            "unit",
                            "model_answer",
                            "key_points",
                            "type",
                        ]
                    )
                )
            ] = draw(values)
        elif isinstance(question.get("choices"), list) and question["choices"]:
            choice = question["choices"][0]
            if isinstance(choice, dict) and choice:
                choice[draw(st.sampled_from([*sorted(choice), "extra"]))] = draw(values)
        else:
            questions.append(draw(values))
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    lines = text.splitlines()
    for _ in range(draw(st.integers(0, 2))):  # raw textual garbage on top
        at = draw(st.integers(0, len(lines)))
        lines.insert(at, draw(st.text(max_size=3)) + draw(GARBAGE))
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(text)))
        return "\n".join(lines)[:cut]
    return "\n".join(lines)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.one_of(mutated_bank(), st.text(max_size=200), st.binary(max_size=100)))
def test_fuzz_never_a_traceback(tmp_path: Path, content: str | bytes):
    path = tmp_path / "fuzz.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    try:
        bank = load_bank([path])
    except ValidationError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert re.match(r".+:\d+: ", problem), problem
    else:
        assert isinstance(bank, Bank)
        assert all(q.level in LEVELS for q in bank)


@pytest.mark.parametrize("bad_type", ["[]", "{kind: easy}"])
def test_a_type_that_is_not_a_name_is_reported_on_its_line(bad_type: str):
    # Found by the fuzz test: a list or mapping as `type` once raised "unhashable type".
    text = (
        "format_version: 1\nquestions:\n  - id: q1\n    level: easy\n    topics: [softmax]\n"
        f"    type: {bad_type}\n    prompt: What?\n    lesson: lessons/day07-bert.md#softmax\n"
    )
    (problem,) = [p for p in problems_of(text) if "field 'type'" in p]
    assert problem.startswith("q.yaml:6: question 'q1' field 'type': unknown type"), problem
    assert "one of: single_choice" in problem and "unhashable" not in problem
