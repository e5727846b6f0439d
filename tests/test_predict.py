"""A day-7 run's model/ folder as a Hugging Face user gets it: plain transformers loads
it and agrees with `tutor predict`; the model card; `tutor predict --json`, --file and
standard input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tutor.cli import cli

pytestmark = pytest.mark.slow

TEXTS = ["a warm and funny film", "dull, long and far too loud", "it was fine I guess"]


@pytest.fixture(scope="module")
def smoke_run(tiny_bert, tmp_path_factory):
    """One smoke run on the tiny BERT, shared by this module's tests."""
    home = tmp_path_factory.mktemp("predict-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TUTOR_HOME", str(home))
        args = ["run", "day7", "--profile", "smoke", "--model", str(tiny_bert)]
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (run_dir,) = (home / "runs").iterdir()
    return run_dir


def _predict(*args, input=None):
    return CliRunner().invoke(cli, ["predict", *args], input=input, catch_exceptions=False)


def test_plain_pipeline_gives_what_tutor_predict_gives(smoke_run):
    import torch
    from transformers import AutoModelForSequenceClassification, pipeline

    # No remote code, no load report about missing weights: the standard architecture.
    model = AutoModelForSequenceClassification.from_pretrained(smoke_run / "model")
    assert type(model).__name__ == "BertForSequenceClassification"
    classify = pipeline("text-classification", model=str(smoke_run / "model"), device="cpu")
    long_text = "a surprisingly touching story " * 100  # more tokens than the model has
    for text in [*TEXTS, long_text]:
        result = _predict(str(smoke_run), text, "--json")
        assert result.exit_code == 0, result.output
        ours = json.loads(result.output)
        theirs = {d["label"]: d["score"] for d in classify(text, top_k=None, truncation=True)}
        assert set(theirs) == set(ours["probabilities"]) == {"negative", "positive"}
        for label, p in ours["probabilities"].items():
            assert theirs[label] == pytest.approx(p, abs=1e-5)
        assert ours["label"] == max(theirs, key=theirs.get)
    # The logits too, straight from the Auto class.
    from tutor.training.predict import Classifier

    clf = Classifier(str(smoke_run))
    batch = clf.tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.inference_mode():
        logits = model.eval()(**batch).logits
    for row, pred in zip(logits, clf.predict(TEXTS)):
        assert torch.allclose(row, torch.tensor(pred.logits), atol=1e-5)


def test_json_output_is_label_and_probabilities(smoke_run):
    result = _predict(str(smoke_run), "a warm and funny film", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"label", "probabilities"}
    assert data["label"] in ("negative", "positive")
    assert sum(data["probabilities"].values()) == pytest.approx(1.0)
    assert data["label"] == max(data["probabilities"], key=data["probabilities"].get)


def test_batch_from_a_file_and_from_standard_input(smoke_run, tmp_path):
    single = {t: json.loads(_predict(str(smoke_run), t, "--json").output) for t in TEXTS}
    lines = tmp_path / "texts.txt"
    lines.write_text("\n".join([TEXTS[0], "", TEXTS[1], "   ", TEXTS[2]]) + "\n")
    from_file = _predict(str(smoke_run), "--file", str(lines), "--json")
    assert from_file.exit_code == 0, from_file.output
    rows = [json.loads(line) for line in from_file.output.splitlines()]
    assert [r["text"] for r in rows] == TEXTS  # blank lines skipped, order kept
    for row in rows:
        # Batched with padding, the same numbers as one at a time.
        for label, p in single[row["text"]]["probabilities"].items():
            assert row["probabilities"][label] == pytest.approx(p, abs=1e-5)
    piped = _predict(str(smoke_run), "--file", "-", "--json", input="\n".join(TEXTS))
    assert [json.loads(line)["text"] for line in piped.output.splitlines()] == TEXTS
    plain = _predict(str(smoke_run), "--file", str(lines))
    assert plain.exit_code == 0 and len(plain.output.splitlines()) == 3
    assert all(line.split()[0] in ("negative", "positive") for line in plain.output.splitlines())
    empty = _predict(str(smoke_run), "--file", "-", input="\n\n")
    assert empty.exit_code == 1 and "no non-empty lines" in empty.output
    too_many = _predict(str(smoke_run), "extra", "--file", str(lines))
    assert too_many.exit_code == 2 and "at most RUN" in too_many.output


def test_model_card_has_the_hub_fields_and_sections(smoke_run):
    from huggingface_hub import ModelCard

    card = ModelCard.load(smoke_run / "model" / "README.md")
    data = card.data.to_dict()
    metrics = json.loads((smoke_run / "metrics.json").read_text())
    assert data["pipeline_tag"] == "text-classification" and data["language"] == "en"
    assert data["metrics"] == ["accuracy", "f1"] and data["datasets"] == ["stanfordnlp/imdb"]
    assert "bert-tutor" in data["tags"]
    # A local folder is no hub id: no base_model (and no licence it would imply).
    assert "base_model" not in data and "license" not in data
    (result,) = [r for r in card.data.eval_results if r.metric_type == "accuracy"]
    assert result.metric_value == round(metrics["accuracy"], 4)
    assert result.dataset_name.startswith("32 held-out examples of IMDB")
    text = card.text
    for section in (
        "## Model description",
        "## Training and evaluation data",
        "## Training procedure",
        "## Results",
        "## Intended use",
        "## Limits",
    ):
        assert section in text
    assert f"| accuracy | {metrics['accuracy']:.4f} |" in text
    assert 'pipeline("text-classification"' in text


def test_model_card_names_the_base_model_from_the_hub():
    """The packaged MiniLM stands for its hub id, which the card names with its licence."""
    from huggingface_hub import ModelCard

    from tutor.training.artifacts import model_card
    from tutor.training.hardware import Hardware
    from tutor.training.recipes import MINILM, Recipe

    metrics = {
        "accuracy": 0.9,
        "f1": 0.9,
        "mcc": 0.8,
        "eval_loss": 0.3,
        "eval_examples": 872,
        "train_examples": 67_349,
        "steps": 4_210,
        "train_seconds": 700.0,
        "train_samples_per_second": 190.0,
        "averaged_snapshots": 0,
    }
    facts = {
        "base_model": MINILM,
        "base_description": "all-MiniLM-L6-v2 (packaged copy)",
        "dataset_id": "nyu-mll/glue",
        "dataset_config": "sst2",
        "dataset_name": "SST-2 (GLUE)",
        "data_source": "SST-2 (GLUE), local copy",
        "label_names": ["negative", "positive"],
        "metrics": metrics,
        "recipe": Recipe(name="cpu", model=MINILM, dataset="sst2"),
        "hardware": Hardware("cpu", "CPU (2 threads)"),
        "budget": "measured 190.0 samples/s → ...",
        "run_id": "day7-x",
    }
    card = ModelCard(model_card(facts))
    data = card.data.to_dict()
    assert (data["base_model"], data["license"]) == (MINILM, "apache-2.0")
    (result,) = [r for r in card.data.eval_results if r.metric_type == "accuracy"]
    assert result.dataset_config == "sst2" and result.dataset_type == "nyu-mll/glue"
    assert "measured 190.0 samples/s" in card.text


@pytest.fixture(scope="module")
def onnx_run(smoke_run, tmp_path_factory):
    """A copy of the smoke run with the ONNX graph a cpu or gpu run saves beside its model."""
    import shutil

    from tutor.training.export import can_export, export_for_predict
    from tutor.training.models import load_trained_classifier

    if not can_export():
        pytest.skip("needs the production extra (onnx, onnxscript, onnxruntime)")
    copy = tmp_path_factory.mktemp("onnx-run") / smoke_run.name
    shutil.copytree(smoke_run, copy)
    assert export_for_predict(load_trained_classifier(copy / "model"), copy / "model")
    return copy


def test_the_onnx_graph_predicts_what_the_model_does(smoke_run, onnx_run):
    from tutor.training.predict import Classifier

    fast, plain = Classifier(str(onnx_run)), Classifier(str(smoke_run))
    assert (fast.runtime, plain.runtime) == ("onnx", "torch")
    texts = [*TEXTS, "a surprisingly touching story " * 100]  # the last one is truncated
    for a, b in zip(fast.predict(texts), plain.predict(texts)):
        assert a.label == b.label
        assert a.logits == pytest.approx(b.logits, abs=1e-4)


def test_predict_with_the_graph_loads_neither_torch_nor_transformers(onnx_run, tutor_home):
    import subprocess
    import sys

    code = (
        "import sys; from tutor.cli import main; sys.argv = ['tutor', 'predict', "
        f"{str(onnx_run)!r}, 'a warm and funny film', '--json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('torch', 'transformers', 'datasets') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert json.loads(out[0])["label"] in ("negative", "positive")
    assert out[-1] == "[]"
