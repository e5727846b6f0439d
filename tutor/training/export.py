"""The saved model as an ONNX graph, so that `tutor predict` needs neither torch nor
transformers: ONNX Runtime and the tokenizers library start in well under a second,
where importing transformers' model classes (which pull in much of torch) takes several
(8.1 s per `tutor predict` call on a 2-core laptop, issue 25).

The graph is the same fp32 model as the safetensors weights beside it (no quantization),
so both give the same probabilities; it is an extra file for speed, not a replacement.
The exporter (torch.onnx with dynamo, which needs ``onnxscript``) and ONNX Runtime come
with the ``production`` extra; without them the run saves no graph and `tutor predict`
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
    """Whether the exporter and the runtime that reads its output are installed."""
    return all(importlib.util.find_spec(m) for m in ("onnxscript", "onnx", "onnxruntime"))


def export_onnx(model, path: Path, length: int = 16) -> Path:
    """Export ``model`` (input_ids, attention_mask -> logits) to one self-contained ONNX
    file with the batch size and the sequence length left dynamic."""
    import torch

    class Logits(torch.nn.Module):
        # Only the logits: the runtime returns plain arrays, not a ModelOutput.
        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).logits

    # Traced with padding in the batch, so the attention mask stays part of the graph.
    ids = torch.full((2, length), 1000, dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, length // 2 :] = 0
    batch, seq = torch.export.Dim("batch"), torch.export.Dim("sequence", max=512)
    # The exporter reports each of its passes on stdout and warns about optional
    # packages (torchvision) the graph does not use.
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Logits(model.cpu()).eval(),
            (ids, mask),
            str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["logits"],
            dynamic_shapes=({0: batch, 1: seq}, {0: batch, 1: seq}),
            dynamo=True,
            external_data=False,  # one self-contained file: its size is the model's size
            verbose=False,
        )
    return path


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
            "No ONNX exporter here (pip install 'bert-tutor[production]'): `tutor predict` "
            "will load the model through transformers, which takes a few seconds longer."
        )
        return None
    log.info("Saving the model as an ONNX graph for a fast `tutor predict` ...")
    try:
        return export_for_predict(model.eval(), model_dir)
    except Exception as exc:
        log.warning("Could not export the model to ONNX (%s): `tutor predict` uses torch.", exc)
        return None
