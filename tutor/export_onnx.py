"""BERT models to ONNX for the browser (onnxruntime-web): the packaged MiniLM with its
attention probabilities, and a learner's fine-tuned classifier.

torch is imported inside the functions: `tutor --help` and the site build without torch
never load it.

Why plain float32 weights. The lesson widgets promise the browser's numbers agree with
Python within 1e-3 (attention weights against torch's eager attention, the cosine of two
sentences against sentence-transformers). Measured on the packaged MiniLM (11 sentences, up to 182 tokens):

======================================  =======  =====================  ================
weights stored as                       size     max attention error    similarity error
======================================  =======  =====================  ================
float32                                 90 MB    4e-6                   1e-7
word embeddings float16, rest float32   67 MB    9.8e-4 (at the limit)  3e-5
float16                                 45 MB    1.5e-3                 7e-5
int8 weights, per-channel scales        23 MB    7.6e-2                 4.2e-3
======================================  =======  =====================  ================

(int8: weight-only, symmetric, one scale per output channel, dequantised at load, so the
arithmetic stays float32; dynamic int8 quantisation of the activations would only add
error.) Attention rows are often peaked (one token takes most of the weight), so a small
change in a query or key moves a probability by far more than the weights' own rounding.
Only float32 keeps the promise; the README gives the size this adds to the site.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

INPUTS = ("input_ids", "token_type_ids", "attention_mask")
# ONNX opset: 17 has LayerNormalization, which onnxruntime-web runs natively.
OPSET = 17


def _export(module: Any, out: Path, outputs: dict[str, dict[int, str]]) -> Path:
    """Trace ``module`` on a short batch and write it to ``out`` (whole file, then renamed:
    an interrupted export never leaves a half-written model that looks finished)."""
    import torch

    out.parent.mkdir(parents=True, exist_ok=True)
    sample = {
        "input_ids": torch.tensor([[101, 7592, 2088, 1010, 2023, 2003, 102]]),
        "token_type_ids": torch.zeros(1, 7, dtype=torch.long),
        "attention_mask": torch.ones(1, 7, dtype=torch.long),
    }
    dynamic = {name: {0: "batch", 1: "sequence"} for name in INPUTS}
    partial = out.with_name(out.name + ".part")
    with torch.inference_mode(False), torch.no_grad():
        # The TorchScript exporter: the graph it traces from transformers' BERT runs at any
        # sequence length (checked against torch by the tests), and needs no onnxscript.
        torch.onnx.export(
            module.eval(),
            tuple(sample[name] for name in INPUTS),
            str(partial),
            input_names=list(INPUTS),
            output_names=list(outputs),
            dynamic_axes={**dynamic, **outputs},
            opset_version=OPSET,
            dynamo=False,
        )
    os.replace(partial, out)
    return out


def encoder_to_onnx(model_dir: str | Path, out: Path) -> Path:
    """The encoder in ``model_dir`` (a BERT checkpoint without a head) as ONNX with two
    outputs: ``token_embeddings`` [batch, sequence, hidden] (the last hidden states, for
    mean pooling) and ``attentions`` [batch, layer, head, sequence, sequence] (softmax
    probabilities of every layer, computed by eager attention as torch does)."""
    import torch
    from transformers import AutoModel

    from tutor.training.models import quiet_loading

    with quiet_loading():
        bert = AutoModel.from_pretrained(model_dir, attn_implementation="eager")

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, token_type_ids, attention_mask):
            output = self.bert(
                input_ids=input_ids,
                token_type_ids=token_type_ids,
                attention_mask=attention_mask,
                output_attentions=True,
            )
            return output.last_hidden_state, torch.stack(output.attentions, dim=1)

    outputs = {
        "token_embeddings": {0: "batch", 1: "sequence"},
        "attentions": {0: "batch", 3: "sequence", 4: "sequence_key"},
    }
    return _export(Encoder(), out, outputs)


def classifier_to_onnx(model: Any, out: Path) -> Path:
    """A fine-tuned sequence classifier (any head: the standard [CLS] one or tutor's
    mean-pooled one) as ONNX with one output, ``logits`` [batch, labels]. The page applies
    the softmax, in double precision as `tutor predict` does."""
    import torch

    class Logits(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, token_type_ids, attention_mask):
            return self.model(
                input_ids=input_ids, token_type_ids=token_type_ids, attention_mask=attention_mask
            ).logits

    return _export(Logits(), out, {"logits": {0: "batch"}})
