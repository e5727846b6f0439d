"""`tutor progress`: tracker items ticked by runs, quiz mastery, exercises and self-marks."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from click.testing import CliRunner

from tutor import course, paths, progress, progress_state, runs
from tutor.cli import cli


def invoke(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), input=input)


def report() -> dict[str, Any]:
    result = invoke("progress", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def item(data: dict[str, Any], item_id: str) -> dict[str, Any]:
    return next(i for d in data["days"] for i in d["items"] if i["id"] == item_id)


def evidence(data: dict[str, Any], item_id: str, kind: str) -> dict[str, Any]:
    return next(e for e in item(data, item_id)["evidence"] if e["kind"] == kind)


def iso(delta: dt.timedelta = dt.timedelta(0)) -> str:
    return (dt.datetime.now(dt.timezone.utc) + delta).isoformat(timespec="seconds")


HOUR = dt.timedelta(hours=1)


def record_run(day: str = "day7", *, passed: bool = True, smoke: bool = False, **extra: Any):
    n = len(runs.load_runs())
    record = {
        "run_id": f"{day}-test-{n}",
        "day": day,
        "run_dir": "/nowhere",
        "status": "completed",
        "started_at": iso(-2 * HOUR),
        "finished_at": iso(-HOUR),
        "metric": "accuracy",
        "value": 0.912,
        "target": 0.85,
        "passed": passed,
        "recipe": "cpu",
        "model": "tiny",
        "dataset": "sst2",
        "smoke": smoke,
    }
    record.update(extra)
    runs.record_run(record)
    return record


def write_quiz(answers: list[tuple[str, list[str], bool, str]]) -> None:
    """quiz.json in the format tutor/quiz_history.py writes (the contract between the two)."""
    records = [
        {
            "question_id": qid,
            "level": "easy",
            "topics": topics,
            "correct": correct,
            "answered_at": when,
            "session": "s1",
            "mode": "quiz",
        }
        for qid, topics, correct, when in answers
    ]
    path = paths.quiz_state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"format_version": 1, "answers": records, "cards": {}}), "utf-8")


def answers(topic: str, results: list[bool], when: str | None = None) -> list[tuple]:
    when = when or iso(-HOUR)
    return [(f"{topic}-q{i}", [topic], ok, when) for i, ok in enumerate(results)]


# --------------------------------------------------------------------------- the table


def test_tracker_table_is_consistent_with_topics_exercises_and_days():
    from tutor.exercises import load_manifest

    TOPICS = course.topic_ids()

    manifest = {e.name: e for e in load_manifest()}
    used_exercises = set()
    ids = [i.id for d in progress.tracker() for i in d.items]
    assert len(ids) == len(set(ids)), "item ids must be unique"
    assert [d.key for d in progress.tracker()] == [f"day{n}" for n in (7, 45, 46, 47, 48, 49, 50)]
    for day in progress.tracker():
        runs_ = [e for i in day.items for e in i.evidence if e.kind == "run"]
        assert [e.day for e in runs_] == [day.key], day.key
        for it in day.items:
            assert it.id.startswith(day.key + "."), it.id
            assert it.evidence, it.id
            for ev in it.evidence:
                assert set(ev.topics) <= set(TOPICS), (it.id, ev.topics)
                if ev.kind == "run":
                    assert ev.day == day.key, it.id
                for name in ev.exercises:
                    assert manifest[name].day_key == day.key, (it.id, name)
                    used_exercises.add(name)
    assert used_exercises <= set(manifest)
    # Every exercise, in-page or terminal, counts towards an item (passed with `tutor check`).
    assert set(manifest) <= used_exercises, set(manifest) - used_exercises


def test_day7_items_named_in_the_course_plan_are_there():
    texts = {i.text: i for i in course.load().day("day7").items}
    kinds = {text: {e.kind for e in it.evidence} for text, it in texts.items()}
    assert kinds["I can describe the pre-training/fine-tuning paradigm"] == {"self", "quiz"}
    assert kinds["I can explain what makes BERT bidirectional"] == {"quiz"}
    assert kinds["I understand the role and properties of softmax"] == {"quiz", "exercise"}
    finetune = "I have successfully fine-tuned a pre-trained BERT model on a sentiment task"
    assert kinds[finetune] == {"run"}
    metrics = "I can write a compute_metrics for Trainer that turns logits into the task's metrics"
    assert kinds[metrics] == {"exercise"}
    assert len(kinds) == 5, "day 7 holds these five items only"


# What the course plan puts on each day: the quiz topics its items test. Its exercises are
# those the manifest files under that day (each lesson's exercises, issue 22).
COURSE_PLAN = {
    "day7": {"pretraining-finetuning", "bidirectionality", "mlm", "softmax", "cross-entropy"},
    "day45": {"fine-tuning-practice", "task-heads", "evaluation"},
    "day46": {"transfer-learning", "pretraining-finetuning"},
    "day47": {"bert-architecture", "bert-inputs"},
    "day48": {"mlm", "nsp"},
    "day49": {"t5", "model-comparison"},
    "day50": {"task-heads", "evaluation"},
}


@pytest.mark.parametrize("day", list(COURSE_PLAN))
def test_each_day_tests_the_topics_and_exercises_of_its_lesson(day):
    from tutor.exercises import load_manifest

    exercises = {e.name for e in load_manifest() if e.day_key == day}
    evidence = [e for i in course.load().day(day).items for e in i.evidence]
    assert {t for e in evidence for t in e.topics} == COURSE_PLAN[day]
    assert {x for e in evidence for x in e.exercises} == exercises
    assert exercises, f"{day} has no exercise"
    assert 2 <= len(course.load().day(day).items) <= 6


# --------------------------------------------------------------------------- empty state


def test_fresh_learner_sees_every_item_to_do_and_the_first_step():
    result = invoke("progress")
    assert result.exit_code == 0, result.output
    total = sum(len(d.items) for d in progress.tracker())
    assert f"✓ 0 verified · ◐ 0 self-assessed · ✗ {total} to do" in result.output
    assert "  ✗ I can describe the pre-training/fine-tuning paradigm  [day7.paradigm]" in (
        result.output
    )
    assert "Next: tutor quiz easy --topic pretraining-finetuning  (for day7.paradigm:" in (
        result.output
    )
    assert progress.MASTERY_RULE in result.output
    assert not paths.progress_state_path().exists(), "looking must not write state"


# --------------------------------------------------------------------------- runs


def test_a_passing_day7_run_ticks_the_fine_tuning_item_with_its_evidence():
    record_run(finished_at="2026-11-23T10:15:00+00:00", value=0.912)
    result = invoke("progress")
    assert (
        "  ✓ I have successfully fine-tuned a pre-trained BERT model on a sentiment task"
        in result.output
    )
    assert "✓ day7 run 2026-11-23, accuracy 0.912" in result.output
    assert item(report(), "day7.finetune")["state"] == "verified"


def test_a_smoke_run_is_recorded_but_does_not_count():
    record_run(smoke=True)
    data = report()
    assert item(data, "day7.finetune")["state"] == "todo"
    run_evidence = evidence(data, "day7.finetune", "run")
    assert "smoke" in run_evidence["detail"]
    assert run_evidence["action"] == "tutor run day7"


def test_a_run_below_target_does_not_count_and_says_why():
    record_run(passed=False, value=0.7)
    run_evidence = evidence(report(), "day7.finetune", "run")
    assert not run_evidence["satisfied"]
    assert "accuracy 0.700" in run_evidence["detail"]
    assert "target 0.850" in run_evidence["detail"]


def test_a_run_of_another_day_ticks_only_that_day():
    record_run("day45")
    data = report()
    assert item(data, "day45.strategies")["state"] == "verified"
    assert item(data, "day7.finetune")["state"] == "todo"


# --------------------------------------------------------------------------- quiz


def test_quiz_mastery_ticks_quiz_items_through_the_history_module():
    from tutor import quiz_history as history
    from tutor.question_bank import load_bank

    topics = {"bidirectionality", "mlm"}
    questions = [q for q in load_bank().filter() if set(q.topics) & topics][:5]
    assert len(questions) == 5
    for question in questions:
        history.record_answer(question, True, session="s")
    data = report()
    assert item(data, "day7.bidirectional")["state"] == "verified"
    assert evidence(data, "day7.bidirectional", "quiz")["detail"].startswith(
        "quiz bidirectionality, mlm: 5/5 right (100%)"
    )


def test_below_80_percent_does_not_tick():
    write_quiz(answers("transfer-learning", [True, True, True, False, False]))
    data = report()
    assert item(data, "day46.transfer")["state"] == "todo"
    assert evidence(data, "day46.transfer", "quiz")["correct"] == 3


@pytest.mark.parametrize(
    ("results", "mastered"),
    [
        ([True] * 4 + [False], True),  # exactly 80 %
        ([True] * 4, False),  # too few questions
        ([True] * 7 + [False] * 2, False),  # 78 %
        ([True] * 5, True),
    ],
)
def test_mastery_rule(results, mastered):
    got = progress.quiz_mastery(
        [
            {"question_id": q, "topics": t, "correct": ok, "answered_at": w}
            for q, t, ok, w in answers("t5", results)
        ],
        ["t5"],
    )
    assert got.mastered is mastered
    assert (got.correct, got.answered) == (sum(results), len(results))


def test_only_the_latest_answer_to_each_question_counts():
    history = answers("t5", [True] * 5, when=iso(-2 * HOUR))
    # Two questions answered again later, wrong: 3/5 now.
    history += [("t5-q0", ["t5"], False, iso(-HOUR)), ("t5-q1", ["t5"], False, iso(-HOUR))]
    write_quiz(history)
    data = report()
    assert item(data, "day49.t5")["state"] == "todo"
    assert (
        evidence(data, "day49.t5", "quiz")["correct"],
        evidence(data, "day49.t5", "quiz")["answered"],
    ) == (3, 5)


def test_questions_of_other_topics_do_not_count():
    write_quiz(answers("t5", [True] * 5))
    assert item(report(), "day49.compare")["state"] == "todo"


# --------------------------------------------------------------------------- mark / unmark


def test_mark_and_unmark_a_self_assessed_item():
    result = invoke("progress", "mark", "day49.when")
    assert result.exit_code == 0, result.output
    assert "◐ day49.when marked as self-assessed" in result.output
    shown = invoke("progress").output
    assert "  ◐ I can explain to someone else when fine-tuning BERT" in shown
    assert item(report(), "day49.when")["state"] == "self-assessed"

    result = invoke("progress", "unmark", "day49.when")
    assert result.exit_code == 0
    assert item(report(), "day49.when")["state"] == "todo"
    assert "was not marked" in invoke("progress", "unmark", "day49.when").output


def test_a_self_mark_never_shows_as_verified_but_evidence_does():
    invoke("progress", "mark", "day7.paradigm")
    assert item(report(), "day7.paradigm")["state"] == "self-assessed"
    write_quiz(answers("pretraining-finetuning", [True] * 5))
    assert item(report(), "day7.paradigm")["state"] == "verified"


def test_items_with_checkable_evidence_cannot_be_marked_by_hand():
    result = invoke("progress", "mark", "day7.finetune")
    assert result.exit_code == 1
    assert "tutor run day7" in result.output
    assert "Traceback" not in result.output


def test_unknown_item_suggests_a_close_one():
    result = invoke("progress", "mark", "day7.paradigmm")
    assert result.exit_code == 1
    assert "Did you mean day7.paradigm" in result.output


# --------------------------------------------------------------------------- next step


def test_next_step_is_the_first_unticked_items_action():
    write_quiz(answers("pretraining-finetuning", [True] * 5))
    data = report()
    assert data["next_step"] == {
        "item": "day7.bidirectional",
        "text": item(data, "day7.bidirectional")["text"],
        "command": "tutor quiz easy --topic bidirectionality",
    }
    assert "Next: tutor quiz easy --topic bidirectionality" in invoke("progress").output


# --------------------------------------------------------------------------- reset


def test_reset_asks_first_and_keeps_everything_when_refused():
    invoke("progress", "mark", "day7.paradigm")
    result = invoke("progress", "reset", input="n\n")
    assert result.exit_code == 1
    assert "quiz history" in result.output and "run records" in result.output
    assert item(report(), "day7.paradigm")["state"] == "self-assessed"


def test_reset_confirmed_clears_marks_and_ignores_older_evidence_but_keeps_the_records():
    invoke("progress", "mark", "day7.paradigm")
    record_run()
    write_quiz(answers("transfer-learning", [True] * 5))
    runs_before = paths.run_records_path().read_bytes()
    quiz_before = paths.quiz_state_path().read_bytes()

    result = invoke("progress", "reset", input="y\n")
    assert result.exit_code == 0, result.output
    data = report()
    for item_id in ("day7.paradigm", "day7.finetune", "day46.transfer"):
        assert item(data, item_id)["state"] == "todo", item_id
    assert paths.run_records_path().read_bytes() == runs_before
    assert paths.quiz_state_path().read_bytes() == quiz_before

    record_run(finished_at=iso())  # a run after the reset counts again
    assert item(report(), "day7.finetune")["state"] == "verified"


def test_reset_of_one_day_leaves_the_other_days_alone():
    invoke("progress", "mark", "day7.paradigm")
    invoke("progress", "mark", "day49.when")
    record_run("day45")
    result = invoke("progress", "reset", "--day", "7", "--yes")
    assert result.exit_code == 0, result.output
    data = report()
    assert item(data, "day7.paradigm")["state"] == "todo"
    assert item(data, "day49.when")["state"] == "self-assessed"
    assert item(data, "day45.strategies")["state"] == "verified"


def test_reset_of_an_unknown_day_is_refused():
    result = invoke("progress", "reset", "--day", "12", "--yes")
    assert result.exit_code == 1
    assert "day7, day45" in result.output


# --------------------------------------------------------------------------- --json


def test_json_matches_the_text_view():
    invoke("progress", "mark", "day49.when")
    record_run()
    data = report()
    text = invoke("progress").output
    symbols = {"verified": "✓", "self-assessed": "◐", "todo": "✗"}
    shown = dict(
        (m.group(2), m.group(1)) for m in re.finditer(r"^  ([✓◐✗]) .*  \[(\S+)\]$", text, re.M)
    )
    expected = {i["id"]: symbols[i["state"]] for d in data["days"] for i in d["items"]}
    assert shown == expected
    assert data["counts"] == {"verified": 1, "self-assessed": 1, "todo": len(expected) - 2}
    assert f"Next: {data['next_step']['command']}" in text


# --------------------------------------------------------------------------- state file


def test_corrupt_state_is_reported_and_kept_aside():
    path = paths.progress_state_path()
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    result = invoke("progress")
    assert result.exit_code == 0, result.output
    assert "Warning" in result.stderr and "progress.json" in result.stderr
    kept = list(path.parent.glob("progress.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "{not json"
    assert invoke("progress", "mark", "day49.when").exit_code == 0
    assert item(report(), "day49.when")["state"] == "self-assessed"


def test_state_of_the_wrong_shape_is_kept_aside_too():
    path = paths.progress_state_path()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"format_version": 1, "exercises": []}), encoding="utf-8")
    assert invoke("progress", "mark", "day49.when").exit_code == 0
    assert list(path.parent.glob("progress.json.corrupt-*"))
    assert item(report(), "day49.when")["state"] == "self-assessed"


def test_state_from_a_newer_version_is_refused_and_untouched():
    path = paths.progress_state_path()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"format_version": 99}), encoding="utf-8")
    result = invoke("progress", "mark", "day49.when")
    assert result.exit_code == 1
    assert "newer" in result.output
    assert json.loads(path.read_text(encoding="utf-8")) == {"format_version": 99}


def test_state_is_versioned_json_and_a_migration_hook_upgrades_it(monkeypatch):
    invoke("progress", "mark", "day49.when")
    saved = json.loads(paths.progress_state_path().read_text(encoding="utf-8"))
    assert saved["format_version"] == progress.PROGRESS_VERSION == 1
    assert set(saved["self_assessed"]) == {"day49.when"}

    def to_v2(data: dict[str, Any]) -> dict[str, Any]:
        data["self_assessed"] = {k.upper(): v for k, v in data["self_assessed"].items()}
        return data

    monkeypatch.setattr(progress_state, "PROGRESS_VERSION", 2)
    monkeypatch.setitem(progress_state.MIGRATIONS, 1, to_v2)
    upgraded = progress.load_state()
    assert upgraded["format_version"] == 2
    assert set(upgraded["self_assessed"]) == {"DAY49.WHEN"}
