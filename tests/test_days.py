"""`tutor run day45` ... `day50` end to end in the smoke profile: a tiny BERT (or the day's
own tiny pre-training model), a few dozen examples, no hub. Each run must leave its tables,
figures and metrics.json in its run folder and record itself for `tutor progress`."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from tutor import progress
from tutor.cli import cli
from tutor.runs import load_runs

pytestmark = pytest.mark.slow


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _rows(path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _finished(home, day: str, files: tuple[str, ...], metric: str, smoke: bool = True):
    """The run folder holds ``files`` and metrics.json; runs.json has the matching record."""
    (run_dir,) = sorted((home / "runs").glob(f"{day}-*"))
    for name in (*files, "metrics.json", "run.json"):
        assert (run_dir / name).is_file(), name
    for png in run_dir.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    metrics = json.loads((run_dir / "metrics.json").read_text())
    (record,) = [r for r in load_runs() if r["day"] == day]
    assert record["status"] == "completed" and record["smoke"] is smoke
    assert record["metric"] == metric == metrics["metric"]
    assert record["value"] == metrics["value"] and record["run_id"] == run_dir.name
    if smoke:
        assert record["passed"] is False and record["target"] is None
    assert json.loads((run_dir / "run.json").read_text())["status"] == "completed"
    return run_dir, metrics


def test_day45_compares_six_strategies(tiny_bert, tutor_home):
    result = _run("run", "day45", "--profile", "smoke", "--model", str(tiny_bert))
    assert result.exit_code == 0, result.output
    assert "profile 'smoke'" in result.output and "What this means" in result.output
    run_dir, metrics = _finished(
        tutor_home, "day45", ("strategies.md", "strategies.csv", "strategies.png"), "best_accuracy"
    )
    rows = {r["strategy"]: r for r in _rows(run_dir / "strategies.csv")}
    assert list(rows) == ["full", "frozen", "top-k", "discriminative", "constant", "cosine"]
    share = {k: float(r["trainable_share"]) for k, r in rows.items()}
    assert share["frozen"] < share["top-k"] <= share["full"] == share["discriminative"]
    assert {r["schedule"] for r in rows.values()} == {
        "warm-up + linear",
        "constant",
        "warm-up + cosine",
    }
    assert metrics["value"] == max(float(r["dev_accuracy"]) for r in rows.values())
    curves = metrics["curves"]["discriminative"]["evals"]
    assert curves and all(0 <= acc <= 1 for _, acc, _ in curves)


def test_day45_rejects_an_unknown_strategy(tutor_home):
    result = _run("run", "day45", "--profile", "smoke", "--strategies", "full,magic")
    assert result.exit_code == 1 and "Unknown strategy magic" in result.output
    assert not (tutor_home / "runs").exists() or not any((tutor_home / "runs").iterdir())


@pytest.mark.shared_data
def test_day46_learning_curve(tiny_bert, tutor_home):
    result = _run(
        "run", "day46", "--profile", "smoke", "--model", str(tiny_bert), "--sizes", "16,32"
    )
    assert result.exit_code == 0, result.output
    run_dir, metrics = _finished(
        tutor_home,
        "day46",
        ("learning_curve.md", "learning_curve.csv", "learning_curve.png"),
        "transfer_accuracy",
    )
    rows = _rows(run_dir / "learning_curve.csv")
    assert [int(r["train_examples"]) for r in rows] == [16, 32]
    for row in rows:
        for method in ("cls_logreg", "mean_logreg", "fine_tune", "scratch"):
            assert 0 <= float(row[method]) <= 1
    assert metrics["value"] == max(
        float(rows[-1][m]) for m in ("cls_logreg", "mean_logreg", "fine_tune")
    )
    assert 0 < metrics["majority_baseline"] < 1


def test_day47_inspects_a_sentence_pair(tiny_bert, tutor_home):
    result = _run(
        "run",
        "day47",
        "--profile",
        "smoke",
        "--model",
        str(tiny_bert),
        "--layer",
        "2",
        "--head",
        "2",
        "--text",
        "the cat sat",
        "--text-pair",
        "it purred",
    )
    assert result.exit_code == 0, result.output
    run_dir, metrics = _finished(
        tutor_home,
        "day47",
        (
            "parameters.md",
            "embeddings.csv",
            "hidden_states.csv",
            "attention_heads.csv",
            "attention_layer2_head2.png",
            "attention_layer2_heads.png",
        ),
        "completed",
    )
    params = {r["component"]: int(r["this model"]) for r in _rows(run_dir / "parameters.csv")}
    assert params["total"] == sum(v for k, v in params.items() if k != "total")
    assert sum(metrics["bert_base_parameters"].values()) == 109_482_240
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    expected = tokenizer("the cat sat", "it purred")
    tokens = _rows(run_dir / "embeddings.csv")
    assert [t["token"] for t in tokens] == tokenizer.convert_ids_to_tokens(expected["input_ids"])
    assert [int(t["segment"]) for t in tokens] == expected["token_type_ids"]
    assert [t["token"] for t in tokens][:5] == ["[CLS]", "the", "cat", "sat", "[SEP]"]
    assert expected["token_type_ids"] == [0] * 5 + [1] * (len(tokens) - 5)
    assert [int(t["position"]) for t in tokens] == list(range(len(tokens)))
    assert metrics["embedding_check_max_abs_diff"] < 1e-5
    assert len(_rows(run_dir / "attention_heads.csv")) == 2  # the tiny model has 2 heads


def test_day47_checks_layer_and_head_before_making_a_run(tiny_bert, tutor_home):
    result = _run("run", "day47", "--profile", "smoke", "--model", str(tiny_bert), "--layer", "3")
    assert result.exit_code == 1 and "--layer must be 1..2 for this model." in result.output
    assert not (tutor_home / "runs").exists() or not any((tutor_home / "runs").iterdir())


def test_a_non_smoke_run_counts_for_progress(tiny_bert, tutor_home):
    result = _run("run", "day47", "--profile", "cpu", "--model", str(tiny_bert))
    assert result.exit_code == 0, result.output
    _finished(tutor_home, "day47", ("parameters.md",), "completed", smoke=False)
    (record,) = load_runs()
    assert (record["value"], record["target"], record["passed"]) == (1.0, 1.0, True)
    states = {i.id: i.state for d in progress.evaluate().days for i in d.items}
    assert states["day47.inside"] == "verified"


def test_day48_pretrains_with_mlm_and_nsp(tutor_home):
    result = _run("run", "day48", "--profile", "smoke", "--text", "A [MASK] film.")
    assert result.exit_code == 0, result.output
    assert "no MLM head" in result.output
    run_dir, metrics = _finished(
        tutor_home,
        "day48",
        (
            "fill_mask.md",
            "fill_mask.csv",
            "pretraining_log.csv",
            "masking.csv",
            "masked_example.csv",
            "pretraining.png",
        ),
        "heldout_masked_accuracy",
    )
    fills = _rows(run_dir / "fill_mask.csv")
    assert fills[-1]["sentence"] == "A [MASK] film."
    assert all(len(r["after training"].split()) == 5 for r in fills)
    (masking,) = _rows(run_dir / "masking.csv")
    assert int(masking["chosen for prediction"]) > 0
    shares = [float(masking[k]) for k in ("[MASK] share", "random share", "unchanged share")]
    assert sum(shares) == pytest.approx(1.0)
    check = metrics["loss_check"]
    assert check["gathered_loss"] == pytest.approx(check["model_loss"], rel=1e-4)
    log = _rows(run_dir / "pretraining_log.csv")
    assert int(log[0]["step"]) == 0 and int(log[-1]["step"]) == 6


def test_day48_needs_a_mask_in_own_sentences(tutor_home):
    result = _run("run", "day48", "--profile", "smoke", "--text", "no mask here")
    assert result.exit_code == 1 and "has no [MASK]" in result.output


def _tiny_glue(folder):
    """A made-up GLUE-style local copy (sentence<TAB>label), so the test needs no
    ../shared/data: a fresh clone has none."""
    words = ["good", "fine", "great", "bad", "dull", "poor"]
    for task, size in (("sst2", 40), ("cola", 40)):
        (folder / task).mkdir(parents=True)
        for split in ("train", "dev"):
            lines = ["sentence\tlabel"] + [
                f"the film was {words[i % 6]} and {words[(i * 5) % 6]} .\t{int(i % 6 < 3)}"
                for i in range(size)
            ]
            (folder / task / f"{split}.tsv").write_text("\n".join(lines) + "\n", "utf-8")
    return folder


@pytest.mark.shared_data
def test_day49_text_to_text_vs_classifier(tiny_bert, tutor_home, tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_DATA_DIR", str(_tiny_glue(tmp_path / "glue")))
    result = _run("run", "day49", "--profile", "smoke", "--model", str(tiny_bert))
    assert result.exit_code == 0, result.output
    assert "warm-started" in result.output
    run_dir, metrics = _finished(
        tutor_home,
        "day49",
        ("comparison.md", "comparison.csv", "examples.csv", "text_to_text.png"),
        "t2t_accuracy",
    )
    rows = _rows(run_dir / "comparison.csv")
    assert [r["task"] for r in rows] == ["sst2"] * 3 + ["cola"] * 3
    assert metrics["text_to_text_model"] == "warm-start"
    examples = _rows(run_dir / "examples.csv")
    assert examples[0]["input"].startswith("sst2 sentence: ")
    assert examples[-1]["input"].startswith("cola sentence: ")


@pytest.mark.shared_data
def test_day49_t5_needs_the_hub(tiny_bert, tutor_home):
    result = _run(
        "run",
        "day49",
        "--profile",
        "smoke",
        "--model",
        str(tiny_bert),
        "--text-to-text",
        "t5-small",
    )
    assert result.exit_code == 1 and "needs the Hugging Face Hub" in result.output
