"""`tutor export [RUN] --onnx [DIR]`: the folder the day-7 lesson page loads (the page
itself is checked in tests/test_live_browser.py)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tutor.cli import cli

pytestmark = pytest.mark.slow

TEXTS = ["a warm and funny film", "dull, long and far too loud", "Café ÉLAN! 😀 " * 40]


@pytest.fixture(scope="module")
def smoke_run(tiny_bert, tmp_path_factory):
    home = tmp_path_factory.mktemp("export-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TUTOR_HOME", str(home))
        args = ["run", "day7", "--profile", "smoke", "--model", str(tiny_bert)]
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (run_dir,) = (home / "runs").iterdir()
    return run_dir


def _cli(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_export_writes_model_tokenizer_and_description(smoke_run, tmp_path):
    out = tmp_path / "my-model"
    result = _cli("export", str(smoke_run), "--onnx", str(out))
    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    names = {p.name for p in out.iterdir()}
    assert {"model.onnx", "vocab.txt", "tokenizer.json", "tutor-export.json"} <= names
    config = json.loads((out / "tutor-export.json").read_text())
    assert config["format"] == "tutor-export"
    assert config["labels"] == ["negative", "positive"]
    assert config["max_length"] == 128  # the tiny BERT's position embeddings
    assert config["pooling"] == "cls"
    assert config["tokenizer"]["lowercase"] is True
    vocab = (out / "vocab.txt").read_text().split("\n")
    assert vocab[101] == "[CLS]" and vocab[102] == "[SEP]" and vocab[100] == "[UNK]"
    # No partial or old folders left beside it.
    assert [p.name for p in tmp_path.iterdir()] == ["my-model"]


def test_onnx_probabilities_equal_tutor_predict(smoke_run, tmp_path):
    import numpy as np
    import onnxruntime as ort
    from transformers import AutoTokenizer

    out = tmp_path / "exported"
    assert _cli("export", str(smoke_run), "--onnx", str(out)).exit_code == 0
    config = json.loads((out / "tutor-export.json").read_text())
    session = ort.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"])
    tokenizer = AutoTokenizer.from_pretrained(out)
    for text in TEXTS:
        expected = json.loads(_cli("predict", str(smoke_run), text, "--json").output)
        enc = tokenizer(text, truncation=True, max_length=config["max_length"], return_tensors="np")
        (logits,) = session.run(None, {k: enc[k].astype(np.int64) for k in enc})
        p = np.exp(logits[0].astype(np.float64) - logits[0].max())
        p /= p.sum()
        got = dict(zip(config["labels"], p.tolist()))
        for label, value in expected["probabilities"].items():
            assert got[label] == pytest.approx(value, abs=1e-5)


def test_default_folder_is_inside_the_latest_run_and_export_again_replaces_it(
    smoke_run, monkeypatch
):
    monkeypatch.setenv("TUTOR_HOME", str(smoke_run.parent.parent))
    first = _cli("export", "--onnx")
    assert first.exit_code == 0, first.output
    target = smoke_run / "onnx"
    assert (target / "model.onnx").is_file()
    (target / "model.onnx").write_bytes(b"stale")
    again = _cli("export", "--onnx")
    assert again.exit_code == 0, again.output
    assert (target / "model.onnx").stat().st_size > 1000
    assert not [p for p in smoke_run.iterdir() if p.name.startswith(".onnx")]


def test_bad_run_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["export", "no-such-run", "--onnx", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert "No run folder 'no-such-run'" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "x").exists()


def test_no_run_yet_says_what_to_do():
    result = CliRunner().invoke(cli, ["export", "--onnx"])
    assert result.exit_code == 1
    assert "tutor run day7" in result.output


def test_run_without_saved_model_is_refused(tutor_home):
    run = tutor_home / "runs" / "day7-20260101-000000"
    run.mkdir(parents=True)
    result = CliRunner().invoke(cli, ["export", str(run), "--onnx"])
    assert result.exit_code == 1
    assert "no saved model" in result.output


def test_refuses_to_write_into_a_folder_that_is_not_an_export(smoke_run, tmp_path):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    result = CliRunner().invoke(cli, ["export", str(smoke_run), "--onnx", str(busy)])
    assert result.exit_code == 1
    assert "not empty" in result.output
    assert [p.name for p in busy.iterdir()] == ["notes.txt"]


def test_format_must_be_named():
    result = CliRunner().invoke(cli, ["export"])
    assert result.exit_code == 2
    assert "--onnx" in result.output


def test_a_mean_pooled_run_exports_its_own_head(tiny_bert, tmp_path, monkeypatch):
    import numpy as np
    import onnxruntime as ort
    from transformers import AutoTokenizer

    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))
    args = ["run", "day7", "--profile", "smoke", "--model", str(tiny_bert), "--pooling", "mean"]
    assert _cli(*args).exit_code == 0
    out = tmp_path / "mean"
    assert _cli("export", "--onnx", str(out)).exit_code == 0
    config = json.loads((out / "tutor-export.json").read_text())
    assert config["pooling"] == "mean"
    session = ort.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"])
    tokenizer = AutoTokenizer.from_pretrained(out)
    for text in TEXTS[:2]:
        expected = json.loads(_cli("predict", text, "--json").output)["probabilities"]
        enc = tokenizer(text, truncation=True, max_length=config["max_length"], return_tensors="np")
        (logits,) = session.run(None, {k: enc[k].astype(np.int64) for k in enc})
        p = np.exp(logits[0].astype(np.float64) - logits[0].max())
        got = dict(zip(config["labels"], (p / p.sum()).tolist()))
        assert got == pytest.approx(expected, abs=1e-5)
