"""The saved model as an ONNX graph, so that `tutor predict` needs neither torch nor
transformers: ONNX Runtime and the tokenizers library start in well under a second,
where importing transformers' model classes (which pull in much of torch) takes several
(8.1 s per `tutor predict` call on a 2-core laptop, issue 25).

The graph is the same fp32 model as the safetensors weights beside it (no quantization),
so both give the same probabilities; it is an extra file for speed, not a replacement.
The exporter (torch.onnx, which needs ``onnx``) and ONNX Runtime come with the ``ml``
extra; without them the run saves no graph and `tutor predict`
loads the model through transformers, as before.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import warnings
from pathlib import Path

ONNX_FILE = "model.onnx"


def can_export() -> bool:
    """Whether the exporter (torch.onnx needs ``onnx``) and the runtime that reads its
    output are installed."""
    return all(importlib.util.find_spec(m) for m in ("onnx", "onnxruntime"))


def export_onnx(model, path: Path) -> Path:
    """``model`` as one self-contained ONNX file (logits from input_ids, token_type_ids
    and attention_mask; batch and length dynamic): the same graph `tutor export` writes
    for the lesson page (:func:`tutor.export_onnx.classifier_to_onnx`)."""
    from tutor.export_onnx import classifier_to_onnx

    # The exporter warns about optional packages the graph does not use.
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return classifier_to_onnx(model.cpu(), path)


def export_for_predict(model, model_dir: Path) -> Path | None:
    """``model_dir/model.onnx`` for `tutor predict`; None when the exporter is missing."""
    if not can_export():
        return None
    import logging

    # torch.onnx logs every unused optional operator set it skips at WARNING.
    quiet = logging.getLogger("torch.onnx")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        return export_onnx(model, Path(model_dir) / ONNX_FILE)
    finally:
        quiet.setLevel(level)


def export_after_run(recipe, model, model_dir: Path) -> Path | None:
    """At the end of a run: model/model.onnx, unless the recipe skips it (smoke) or the
    exporter is not installed (said once, as a note). A failed export is a warning: the
    run's results stand without it."""
    import logging

    log = logging.getLogger("tutor")
    if not recipe.onnx_for_predict:
        return None
    if not can_export():
        log.info(
            "No ONNX exporter here (pip install 'bert-tutor[ml]'): `tutor predict` "
            "will load the model through transformers, which takes a few seconds longer."
        )
        return None
    log.info("Saving the model as an ONNX graph for a fast `tutor predict` ...")
    try:
        return export_for_predict(model.eval(), model_dir)
    except Exception as exc:
        log.warning("Could not export the model to ONNX (%s): `tutor predict` uses torch.", exc)
        return None
