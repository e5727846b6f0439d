"""`tutor export`: a day-7 run's fine-tuned classifier as a folder the day-7 lesson page
can load from the learner's disk (docs/assets/javascripts/live.js, "your own model").

The folder holds:

- ``model.onnx``: the classifier, inputs ``input_ids``, ``token_type_ids``,
  ``attention_mask``, output ``logits`` (tutor.export_onnx);
- ``vocab.txt`` and the run's ``tokenizer.json`` / ``tokenizer_config.json``;
- ``tutor-export.json``: what the page needs besides: the labels in logit order, the
  longest input (what `tutor predict` truncates to), the pooling, the tokenizer's
  normalisation options.

The page computes what `tutor predict --json` prints (tests/test_live_browser.py checks it
within 1e-3). torch is imported only by the export itself.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tutor.errors import UsageError

CONFIG_NAME = "tutor-export.json"
FORMAT = "tutor-export"
FORMAT_VERSION = 1
DEFAULT_DIR_NAME = "onnx"  # inside the run folder
COPIED = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


@dataclass(frozen=True)
class ExportResult:
    run_dir: Path
    out_dir: Path
    labels: list[str]
    size_bytes: int


def _check_target(out: Path) -> None:
    """Refuse to overwrite anything but an earlier export."""
    if out.is_file():
        raise UsageError(f"{out} is a file; give a folder for the export.")
    if out.is_dir() and any(out.iterdir()) and not (out / CONFIG_NAME).is_file():
        raise UsageError(
            f"{out} is not empty and is not an earlier export; give a new or empty folder."
        )


def export_run(run_name: str | None = None, out_dir: str | Path | None = None) -> ExportResult:
    """Export the day-7 run ``run_name`` (a folder or a name under runs/; default: the
    latest) into ``out_dir`` (default: the run's ``onnx/`` folder).

    The folder is written beside its final place and renamed into it, so an interrupted
    export leaves the earlier one (or nothing), never half a model.
    """
    from tutor.site.live_model import tokenizer_settings, write_vocab
    from tutor.training.pooling import saved_pooling
    from tutor.training.predict import Classifier

    classifier = Classifier(run_name)  # UsageError for a missing run or an unsaved model
    model_dir = classifier.run_dir / "model"
    try:
        settings = tokenizer_settings(model_dir)
    except ValueError as exc:
        raise UsageError(f"This run cannot be exported for the page: {exc}.") from exc
    out = Path(out_dir).expanduser() if out_dir else classifier.run_dir / DEFAULT_DIR_NAME
    _check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)

    from tutor.export_onnx import classifier_to_onnx

    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        classifier_to_onnx(classifier.model, work / "model.onnx")
        write_vocab(model_dir, work / "vocab.txt")
        for name in COPIED:
            if (model_dir / name).is_file():
                shutil.copyfile(model_dir / name, work / name)
        config = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "run": classifier.run_dir.name,
            "labels": classifier.names,
            "max_length": classifier.max_length,
            "pooling": saved_pooling(model_dir),
            "model": "model.onnx",
            "vocab": "vocab.txt",
            "tokenizer": settings,
        }
        (work / CONFIG_NAME).write_text(json.dumps(config, indent=1), encoding="utf-8")
        if out.exists():
            old = out.with_name(f".{out.name}-old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(out, old)
            os.replace(work, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(work, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    size = sum(p.stat().st_size for p in out.iterdir() if p.is_file())
    return ExportResult(classifier.run_dir, out, classifier.names, size)
