"""Property-based tests (hypothesis): whatever the state files hold and whatever options
are typed, the commands that read them end with a result or one error line, never a
traceback, and an answer saved before a file was damaged is still in quiz.json after.

Few examples each and no deadline: every example runs real commands through CliRunner.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor import scheduling
from tutor.cli import cli

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "questions"
# The fixture bank's questions with a typed answer: a free-text answer is graded with a
# sentence encoder, which these tests do not need and would spend most of their time on.
QUESTION_IDS = [
    ("fx-softmax-sum", ["softmax"]),
    ("fx-mlm-targets", ["mlm", "bert-inputs"]),
    ("fx-nsp-removed", ["nsp", "model-comparison"]),
    ("fx-bert-base-params", ["bert-architecture"]),
]
SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Any JSON value, nested a little: what a damaged or hand-edited file may hold.
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["2026-11-20T10:00:00+00:00", "2026-13-45", "", "day7", "easy"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


@pytest.fixture(scope="module", autouse=True)
def typed_bank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The fixture bank without its free-text question, as the bank of every example."""
    import yaml

    raw = yaml.safe_load((FIXTURES / "bank.yaml").read_text(encoding="utf-8"))
    raw["questions"] = [q for q in raw["questions"] if q["type"] != "free_text"]
    folder = tmp_path_factory.mktemp("typed-bank")
    (folder / "bank.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    global BANK_DIR
    BANK_DIR = folder
    yield


BANK_DIR = FIXTURES


@contextlib.contextmanager
def fresh_home() -> Iterator[Path]:
    """A new $TUTOR_HOME per example (the autouse tutor_home fixture is per test)."""
    with tempfile.TemporaryDirectory(prefix="tutor-prop-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        env = {"TUTOR_HOME": str(home), "TUTOR_QUESTIONS_DIR": str(BANK_DIR)}
        with mock.patch.dict(os.environ, env):
            yield home


def invoke(*args: str, stdin: str = "") -> Any:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        result.output,
        repr(result.exception),
    )
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1, result.output
    return result


def _paths(value: Any) -> Iterator[tuple[Any, Any]]:
    """Every (container, key) in a JSON document, outermost first."""
    if isinstance(value, dict):
        for key in list(value):
            yield value, key
            yield from _paths(value[key])
    elif isinstance(value, list):
        for index in range(len(value)):
            yield value, index
            yield from _paths(value[index])


def mutate(data: st.DataObject, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with one or two places replaced by a random value, deleted, or given
    an extra key."""
    doc = copy.deepcopy(document)
    for _ in range(data.draw(st.integers(1, 2))):
        spots = list(_paths(doc))
        if not spots:
            break
        container, key = data.draw(st.sampled_from(spots))
        action = data.draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "replace":
            container[key] = data.draw(JSON_VALUES)
        elif action == "delete":
            del container[key]
        elif isinstance(container[key], dict):
            container[key][data.draw(st.text(max_size=6))] = data.draw(JSON_VALUES)
    return doc


def valid_quiz(data: st.DataObject) -> dict[str, Any]:
    now = dt.datetime(2026, 11, 20, 10, tzinfo=dt.timezone.utc)
    answers, cards = [], {}
    for i in range(data.draw(st.integers(1, 6))):
        qid, topics = data.draw(st.sampled_from(QUESTION_IDS))
        correct = data.draw(st.booleans())
        when = now + dt.timedelta(minutes=i)
        answers.append(
            {
                "question_id": qid,
                "level": "easy",
                "topics": topics,
                "correct": correct,
                "answered_at": when.isoformat(timespec="seconds"),
                "session": "20261120-100000-ab12",
                "mode": "quiz",
            }
        )
        cards[qid] = scheduling.review(cards.get(qid), correct, when)
    return {"format_version": 1, "answers": answers, "cards": cards}


def saved_answers(home: Path) -> list[Any]:
    path = home / "quiz.json"
    if not path.is_file():
        return []
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("answers", [])
    except (ValueError, AttributeError):
        return []


def kept_answers(original: dict[str, Any], damaged: Any) -> list[dict[str, Any]]:
    """The answers recorded before the damage that the damage did not touch."""
    answers = damaged.get("answers") if isinstance(damaged, dict) else None
    if not isinstance(answers, list):
        return []
    return [a for a in answers if a in original["answers"]]


READERS = [
    ("progress", "--json"),
    ("progress",),
    ("exercises",),
    ("quiz", "easy", "--review", "--count", "2"),
]


@SETTINGS
@given(data=st.data())
def test_damaged_quiz_state_never_gives_a_traceback_nor_loses_an_untouched_answer(data):
    with fresh_home() as home:
        original = valid_quiz(data)
        damaged = mutate(data, original)
        (home / "quiz.json").write_text(json.dumps(damaged), encoding="utf-8")
        kept = kept_answers(original, damaged)
        for args in READERS:
            invoke(*args, stdin="a\n1\nt\n")
            assert all(a in saved_answers(home) for a in kept), args
        # Answering a question writes the file: the untouched answers are still there.
        result = invoke("quiz", "easy", "--count", "1", "--seed", "3", stdin="a\n")
        after = saved_answers(home)
        assert all(a in after for a in kept)
        if result.exit_code == 0:
            assert len(after) >= len(kept) + 1


@SETTINGS
@given(data=st.data())
def test_damaged_cards_never_stop_a_review(data):
    with fresh_home() as home:
        original = valid_quiz(data)
        damaged = copy.deepcopy(original)
        qid = data.draw(st.sampled_from(sorted(damaged["cards"])))
        wrapped = mutate(data, {"card": damaged["cards"][qid]})
        if "card" in wrapped:
            damaged["cards"][qid] = wrapped["card"]
        else:
            del damaged["cards"][qid]
        (home / "quiz.json").write_text(json.dumps(damaged), encoding="utf-8")
        for args in (("quiz", "easy", "--review"), ("quiz", "easy", "--count", "5")):
            invoke(*args, stdin="a\n1\nt\nb\n2\n")
            assert all(a in saved_answers(home) for a in original["answers"])


@SETTINGS
@given(data=st.data(), cut=st.integers(min_value=0), byte=st.integers(0, 255))
def test_truncated_or_garbled_state_files_are_set_aside_without_a_traceback(data, cut, byte):
    with fresh_home() as home:
        name = data.draw(st.sampled_from(["quiz.json", "progress.json", "runs.json"]))
        text = json.dumps(valid_quiz(data)).encode()
        cut %= len(text)
        garbled = text[:cut] + bytes([byte]) + text[cut + 1 :]
        (home / name).write_bytes(data.draw(st.sampled_from([text[:cut], garbled])))
        for args in (*READERS, ("progress", "mark", "day49.when")):
            invoke(*args, stdin="a\n")


def valid_progress() -> dict[str, Any]:
    return {
        "format_version": 1,
        "self_assessed": {
            "day49.when": {"marked_at": "2026-11-20T10:00:00+00:00"},
            "day7.paradigm": {"marked_at": "2026-11-21T10:00:00+00:00"},
        },
        "exercises": {
            "softmax": {
                "day": "day7",
                "path": "/nowhere/softmax.py",
                "started_at": "2026-11-20T10:00:00+00:00",
                "passed_at": "2026-11-20T11:00:00+00:00",
                "last_checked_at": "2026-11-20T11:00:00+00:00",
                "last_check_passed": True,
            }
        },
        "resets": {"day45": "2026-11-19T10:00:00+00:00"},
    }


def valid_runs() -> dict[str, Any]:
    return {
        "format_version": 1,
        "runs": [
            {
                "run_id": f"day7-2026112{i}-101500",
                "day": "day7",
                "run_dir": f"/nowhere/day7-{i}",
                "status": "completed",
                "started_at": "2026-11-20T10:15:00+00:00",
                "finished_at": "2026-11-20T10:30:00+00:00",
                "metric": "accuracy",
                "value": 0.9,
                "target": 0.85,
                "passed": True,
                "recipe": "cpu",
                "model": "MiniLM",
                "dataset": "imdb",
                "smoke": False,
            }
            for i in range(2)
        ],
    }


@SETTINGS
@given(data=st.data(), which=st.sampled_from(["progress.json", "runs.json"]))
def test_damaged_progress_and_run_records_never_give_a_traceback(data, which):
    with fresh_home() as home:
        quiz = valid_quiz(data)
        (home / "quiz.json").write_text(json.dumps(quiz), encoding="utf-8")
        original = valid_progress() if which == "progress.json" else valid_runs()
        damaged = mutate(data, original)
        (home / which).write_text(json.dumps(damaged), encoding="utf-8")
        for args in (*READERS, ("progress", "mark", "day49.when"), ("check",)):
            invoke(*args, stdin="a\n")
        # (A review may add answers; none of the earlier ones may go.)
        assert all(a in saved_answers(home) for a in quiz["answers"])
        saved = json.loads((home / which).read_text(encoding="utf-8"))
        if which == "runs.json" and isinstance(damaged.get("runs"), list):
            untouched = [r for r in damaged["runs"] if r in original["runs"]]
            assert all(r in saved["runs"] for r in untouched)


# --------------------------------------------------------------------------- options

NUMBERISH = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(2**40), max_value=2**40).map(str),
    st.sampled_from(["nan", "-inf", "1e309", "0", "0.5", "1", "2", "-1", "", "1,5", "x"]),
    st.text(max_size=8),
)
RUN_OPTIONS = [
    "--epochs",
    "--lr",
    "--batch-size",
    "--max-length",
    "--average-from",
    "--seed",
    "--max-train-samples",
    "--max-eval-samples",
    "--model",
]


@pytest.fixture(scope="module")
def train_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "train.csv"
    rows = "".join(f"{'good' if i % 2 else 'bad'} film {i},{i % 2}\n" for i in range(24))
    path.write_text("text,label\n" + rows, encoding="utf-8")
    return path


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(options=st.dictionaries(st.sampled_from(RUN_OPTIONS), NUMBERISH, min_size=1, max_size=3))
def test_random_run_options_give_a_usage_error_or_a_run(options, train_csv, monkeypatch):
    """Up to the start of training (execute is replaced by a stop): a refused option
    leaves no run folder, and a run that stops is marked failed, never left 'running'."""
    from tutor.days import day7
    from tutor.errors import TutorError

    def stop(plan, on_event=None):
        raise TutorError("stopped before training (test)")

    monkeypatch.setattr(day7, "execute", stop)
    with fresh_home() as home:
        args = ["run", "day7", "--profile", "smoke", "--train-file", str(train_csv)]
        for option, value in options.items():
            args += [f"{option}={value}"]
        result = invoke(*args)
        assert result.exit_code in (1, 2), result.output
        folders = list((home / "runs").glob("day7-*")) if (home / "runs").exists() else []
        if result.exit_code == 2 or "stopped before training" not in result.output:
            assert folders == [], result.output
        for folder in folders:
            assert json.loads((folder / "run.json").read_text())["status"] == "failed"


@SETTINGS
@given(
    level=st.sampled_from(["easy", "medium"]) | st.text(max_size=6),
    extra=st.lists(
        st.tuples(st.sampled_from(["--count", "--seed", "--topic"]), NUMBERISH), max_size=3
    ),
    review=st.booleans(),
    answers=st.lists(st.text(max_size=6), max_size=6),
)
def test_random_quiz_options_and_answers_never_give_a_traceback(level, extra, review, answers):
    with fresh_home() as home:
        args = ["quiz", level, *(f"{option}={value}" for option, value in extra)]
        if review:
            args.append("--review")
        stdin = "".join(a.replace("\n", " ") + "\n" for a in answers)
        result = invoke(*args, stdin=stdin)
        assert result.exit_code in (0, 1, 2), result.output
        if result.exit_code == 0 and not review:
            saved = saved_answers(home)
            assert all(a["question_id"].startswith("fx-") for a in saved)
