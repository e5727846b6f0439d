"""`tutor run day50` end to end in the smoke profile: the tiny BERT, a few steps on the
fixture benchmarks (tests/fixtures/benchmarks, the layout of ../shared/data), each task
alone and all together; and the offline message when no copy is found."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tutor.cli import cli
from tutor.runs import load_runs

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "fixtures" / "benchmarks"


@pytest.fixture
def fixture_data(monkeypatch):
    monkeypatch.setenv("TUTOR_DATA_DIR", str(FIXTURES))


def _run(*args: str):
    return CliRunner().invoke(cli, ["run", "day50", "--profile", "smoke", *args])


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _run_dir(home: Path) -> Path:
    (run_dir,) = sorted((home / "runs").glob("day50-*"))
    return run_dir


def test_ner_alone(tiny_bert, tutor_home, fixture_data):
    result = _run("--model", str(tiny_bert), "--task", "ner")
    assert result.exit_code == 0, result.output
    run_dir = _run_dir(tutor_home)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    ner = metrics["tasks"]["ner"]
    assert metrics["metric"] == "ner_f1" and metrics["value"] == ner["f1"]
    assert 0.0 <= ner["f1"] <= 1.0 and ner["all_o_f1"] == 0.0
    assert ner["test_examples"] == 8 and ner["steps"] == 3
    assert list(metrics["tasks"]) == ["ner"]  # only the task asked for ran
    samples = _rows(run_dir / "ner_samples.csv")
    # Each sample is a fixture test sentence with its own gold entities.
    assert samples[0]["sentence"].startswith("Anna Berg joined")
    assert samples[0]["gold entities"] == "Anna Berg [PER], Northwind Bank [ORG], Lisbon [LOC]"
    results = _rows(run_dir / "results.csv")
    assert [r["metric"] for r in results] == ["entity F1 (test)"]
    assert results[0]["BERT-base (paper)"] == "0.924"
    assert not (run_dir / "mrpc_samples.csv").exists()


def test_paraphrase_reports_the_baseline(tiny_bert, tutor_home, fixture_data):
    result = _run("--model", str(tiny_bert), "--task", "paraphrase")
    assert result.exit_code == 0, result.output
    run_dir = _run_dir(tutor_home)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    mrpc = metrics["tasks"]["paraphrase"]
    # The fixture's 8 test pairs are half paraphrases: always "paraphrase" is 50 % right.
    assert mrpc["baseline"]["accuracy"] == 0.5
    assert mrpc["baseline"]["f1"] == pytest.approx(2 / 3)
    samples = _rows(run_dir / "mrpc_samples.csv")
    assert samples[0]["sentence 1"] == "Oil prices climbed for a third day."
    assert samples[0]["gold"] == "paraphrase"
    p = float(samples[0]["P(paraphrase)"])
    assert samples[0]["predicted"] == ("paraphrase" if p > 0.5 else "not paraphrase")


def test_similarity_shows_three_rows(tiny_bert, tutor_home, fixture_data):
    result = _run("--model", str(tiny_bert), "--task", "similarity")
    assert result.exit_code == 0, result.output
    run_dir = _run_dir(tutor_home)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    methods = metrics["tasks"]["similarity"]["methods"]
    assert [m["method"] for m in methods] == [
        "zero-shot cosine",
        "cross-encoder",
        "two towers, fine-tuned",
    ]
    assert all(-1.0 <= m["spearman"] <= 1.0 for m in methods)
    assert methods[0]["train_examples"] == 0 and methods[2]["steps"] == 3
    # The headline compares the tuned towers with the zero-shot cosine.
    assert metrics["value"] == methods[2]["spearman"]
    assert metrics["target"] is None  # smoke runs carry no target
    results = _rows(run_dir / "results.csv")
    assert results[0]["metric"] == "Spearman, zero-shot cosine (test)"
    assert len(results) == 3


def test_qa_scores_unseen_articles(tiny_bert, tutor_home, fixture_data):
    result = _run("--model", str(tiny_bert), "--task", "qa")
    assert result.exit_code == 0, result.output
    run_dir = _run_dir(tutor_home)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    qa = metrics["tasks"]["qa"]
    assert qa["test_articles"] == ["Old_observatory", "Salt_marsh"]
    assert set(qa["train_articles"]).isdisjoint(qa["test_articles"])
    # 2 of the 6 test questions have no answer: "no answer" every time gets F1 2/6.
    assert qa["no_answer_baseline"]["f1"] == pytest.approx(2 / 6)
    samples = _rows(run_dir / "qa_samples.csv")
    assert samples[0]["question"] == "When do volunteers count the birds?"
    assert samples[0]["gold"] == "every January"


def test_all_tasks_in_one_run(tiny_bert, tutor_home, fixture_data):
    result = _run("--model", str(tiny_bert))
    assert result.exit_code == 0, result.output
    run_dir = _run_dir(tutor_home)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert list(metrics["tasks"]) == ["ner", "paraphrase", "similarity", "qa"]
    assert metrics["metric"] == "share_of_targets_met"
    for stem in ("results", "ner_samples", "mrpc_samples", "stsb_samples", "qa_samples"):
        assert (run_dir / f"{stem}.md").exists()
    assert (run_dir / "curves.png").stat().st_size > 0
    (record,) = [r for r in load_runs() if r["day"] == "day50"]
    assert record["status"] == "completed" and record["smoke"] is True
    assert record["metric"] == "share_of_targets_met" and record["run_id"] == run_dir.name
    assert record["passed"] is False  # smoke runs prove the pipeline, not the skill


def test_unknown_task_is_refused(tiny_bert, fixture_data):
    result = _run("--model", str(tiny_bert), "--task", "translation")
    assert result.exit_code == 2 and "translation" in result.output


def test_offline_without_data_says_what_to_do(tiny_bert, tutor_home, monkeypatch):
    monkeypatch.setenv("TUTOR_DATA_DIR", "none")
    result = _run("--model", str(tiny_bert), "--task", "similarity")
    assert result.exit_code == 1
    assert "no local copy of the similarity benchmark" in result.output
    assert "sentence-transformers/stsb" in result.output
    assert not (tutor_home / "runs").exists() or not list((tutor_home / "runs").glob("day50-*"))


def test_cpu_profile_sizes_ner_from_its_timed_step(
    tiny_bert, tutor_home, fixture_data, monkeypatch
):
    """The CPU path: the step's time faked (100 s a batch of 32, so 6 minutes read about
    106 examples): all 24 fixture sentences fit once, one step."""
    from tutor.days import day50
    from tutor.training import loops

    timed = []

    def fake_step_time(model, stream, **kwargs):
        timed.append(next(stream)["input_ids"].shape[0])
        return 100.0

    monkeypatch.setattr(loops, "seconds_per_step", fake_step_time)
    p = day50.plan(day50.Options(profile="cpu", model=str(tiny_bert), task="ner", progress=False))
    assert "6.0 min of training" in dict(p.setup.settings)["CoNLL-2003"]
    result = day50.execute(p)
    ner = result.metrics["tasks"]["ner"]
    assert timed == [24]  # timed on the task's own batches (all 24 fixture sentences)
    assert ner["train_examples"] == 24 and ner["steps"] == 1 and ner["epochs"] == 1.0
    assert "measured 0.3 examples/s" in ner["speed"]
    assert result.target == 0.80  # the CPU profile's CoNLL target
    assert any("measured 0.3 examples/s" in n for n in result.notes)
