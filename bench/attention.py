"""Attention kernels on the CPU: SDPA (transformers' default) against "eager" attention.

Not a test: it prints its figures. One training step (forward, backward, AdamW update,
word embeddings frozen as in the CPU recipe) of the packaged MiniLM classifier on random
token ids, per kernel, precision, batch size and sequence length; the best of a few
steps after a warm-up one. `tutor.training.hardware.choose_attention` follows from it.

    python bench/attention.py [--steps 3] [--lengths 32,128,256] [--batches 16,32]
"""

from __future__ import annotations

import argparse
import itertools
import time


def step_seconds(model, optimizer, batch: int, length: int, bf16: bool, steps: int) -> float:
    import torch

    ids = torch.randint(1000, 20000, (batch, length))
    mask = torch.ones_like(ids)
    labels = torch.randint(0, 2, (batch,))
    times = []
    for _ in range(steps + 1):  # the first step warms up the kernels and is dropped
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        times.append(time.perf_counter() - start)
    return min(times[1:])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--lengths", default="32,128,256")
    parser.add_argument("--batches", default="16,32")
    ns = parser.parse_args(argv)
    import torch
    from transformers import AutoModelForSequenceClassification
    from transformers.utils import logging

    from tutor.training.hardware import detect_hardware
    from tutor.training.models import packaged_model_path

    logging.set_verbosity_error()
    torch.manual_seed(0)
    hw = detect_hardware()
    print(f"{hw.name}, native bf16: {hw.bf16}, torch {torch.__version__}")
    lengths = [int(x) for x in ns.lengths.split(",")]
    batches = [int(x) for x in ns.batches.split(",")]
    print(
        f"{'precision':<10}{'batch':>6}{'tokens':>8}{'sdpa s/step':>13}{'eager s/step':>14}"
        f"{'eager speed-up':>16}"
    )
    models = {}
    for attn in ("sdpa", "eager"):
        model = AutoModelForSequenceClassification.from_pretrained(
            str(packaged_model_path()), num_labels=2, attn_implementation=attn
        ).train()
        model.get_input_embeddings().weight.requires_grad_(False)
        trainable = [p for p in model.parameters() if p.requires_grad]
        models[attn] = (model, torch.optim.AdamW(trainable, lr=1e-5))
    precisions = ["bf16", "fp32"] if hw.bf16 else ["fp32"]
    for precision, batch, length in itertools.product(precisions, batches, lengths):
        seconds = {
            attn: step_seconds(m, opt, batch, length, precision == "bf16", ns.steps)
            for attn, (m, opt) in models.items()
        }
        print(
            f"{precision:<10}{batch:>6}{length:>8}{seconds['sdpa']:>13.2f}"
            f"{seconds['eager']:>14.2f}{seconds['sdpa'] / seconds['eager']:>15.2f}x"
        )


if __name__ == "__main__":
    main()
