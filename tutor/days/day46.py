"""Day 46: transfer learning. Feature-based (a frozen encoder's [CLS] or mean-pooled
vectors + logistic regression) vs fine-tuning, and both vs the same architecture trained
from random weights, over a learning curve of training-set sizes.

The subsets are nested (each contains the smaller ones) and every method sees the same
examples, so the curve measures the amount of labelled data and the method, nothing else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tutor.days import experiment
from tutor.days.experiment import DayResult, ResultTable, Setup
from tutor.days.options import MIN_CURVE_SIZE
from tutor.days.options import Day46Options as Options
from tutor.errors import UsageError
from tutor.training.budget import scaled
from tutor.training.data import TextData

DAY = "day46"
TARGETS = {"gpu": 0.88, "cpu": 0.80}
BUDGETS: dict[str, dict[str, Any]] = {
    "gpu": {"sizes": (100, 300, 1000, 3000, 10000), "eval": None, "epochs": 3, "min_steps": 60},
    "cpu": {"sizes": (100, 300, 1000, 3000), "eval": None, "epochs": 2, "min_steps": 30},
    "smoke": {"sizes": (16, 32), "eval": 24, "epochs": 1, "min_steps": 2},
}
METHODS = {
    "cls_logreg": "frozen [CLS] + logistic regression",
    "mean_logreg": "frozen mean-pooled + logistic regression",
    "fine_tune": "fine-tuned (pre-trained init)",
    "scratch": "same architecture from scratch",
}


@dataclass
class Plan:
    setup: Setup
    data: TextData
    sizes: list[int]
    epochs: float
    min_steps: int


def plan(options: Options) -> Plan:
    if any(n < MIN_CURVE_SIZE for n in options.sizes):
        raise UsageError(f"--sizes must be at least {MIN_CURVE_SIZE} examples each.")
    setup = experiment.prepare(
        DAY,
        profile=options.profile,
        seed=options.seed,
        model=options.model,
        dataset=options.dataset,
        progress=options.progress,
    )
    b = experiment.budget(BUDGETS, setup.profile)
    sizes = sorted(set(options.sizes or b["sizes"]))
    full = experiment.load_text_data(
        options.dataset, setup.status, setup.seed, fallback="rotten_tomatoes"
    )
    if not options.sizes:  # the default curve, sized to this machine's measured speed
        scale = experiment.measure_scale(setup, full)
        sizes = sorted({max(2, scaled(n, scale)) for n in sizes})
    data = full.subsample(None, b["eval"], setup.seed)
    if sizes[-1] > len(data.train):
        raise UsageError(f"--sizes: {data.name} has only {len(data.train):,} training examples.")
    r = setup.recipe
    experiment.open_run(
        setup,
        [
            ("data", data.source),
            (
                "sizes",
                ", ".join(f"{n:,}" for n in sizes) + f" training examples (nested); "
                f"{len(data.eval):,} dev",
            ),
            (
                "fine-tuning",
                f"{b['epochs']:g} epochs (at least {b['min_steps']} steps), batch "
                f"{r.batch_size}, lr {r.learning_rate:g}; from scratch: the same",
            ),
            (
                "features",
                "[CLS] and mean of the last layer, logistic regression (C by 3-fold CV "
                "on the training subset)",
            ),
        ],
    )
    return Plan(setup, data, sizes, b["epochs"], b["min_steps"])


def encode_features(model, tokenizer, texts: list[str], setup: Setup, desc: str):
    """Last-layer [CLS] vectors and attention-masked mean vectors of a frozen encoder."""
    import numpy as np
    import torch
    from tqdm.auto import tqdm

    from tutor.training.loops import autocast, device_of

    device = device_of(setup.hardware)
    model.to(device).eval()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths batch well
    size = setup.recipe.eval_batch_size
    cls = np.zeros((len(texts), model.config.hidden_size), dtype=np.float32)
    mean = np.zeros_like(cls)
    for start in tqdm(
        range(0, len(order), size), desc=desc, unit="batch", disable=not setup.progress
    ):
        idx = order[start : start + size]
        batch = tokenizer(
            [texts[i] for i in idx],
            truncation=True,
            max_length=setup.recipe.max_length,
            padding=True,
            return_tensors="pt",
        ).to(device)
        with torch.inference_mode(), autocast(setup.hardware, setup.recipe.precision):
            hidden = model(**batch).last_hidden_state.float()
        mask = batch["attention_mask"].unsqueeze(-1).float()
        cls[idx] = hidden[:, 0].cpu().numpy()
        mean[idx] = ((hidden * mask).sum(1) / mask.sum(1)).cpu().numpy()
    return cls, mean


def logistic_regression_accuracy(train_x, train_y, eval_x, eval_y, seed: int) -> float:
    """Standardised features, L2 logistic regression with C chosen by cross-validation on
    the training examples only (the dev set is never used to tune)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    del seed  # lbfgs is deterministic
    counts = np.bincount(train_y)
    counts = counts[counts > 0]
    if len(counts) < 2:  # one class only: the best a classifier can do is predict it
        return float(np.mean(np.asarray(eval_y) == train_y[0]))
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    folds = int(min(3, counts.min()))
    if folds >= 2:
        model = GridSearchCV(model, {"logisticregression__C": [0.01, 0.1, 1.0, 10.0]}, cv=folds)
    return float(model.fit(train_x, train_y).score(eval_x, eval_y))


def _fine_tune(p: Plan, subset, n: int, tokenizer, pretrained: bool) -> float:
    from transformers import AutoConfig, AutoModelForSequenceClassification, set_seed

    from tutor.training.models import load_classifier, quiet_loading

    s = p.setup
    set_seed(s.seed)
    names = p.data.label_names
    if pretrained:
        model = load_classifier(s.model, names)
    else:
        with quiet_loading():
            config = AutoConfig.from_pretrained(
                s.model.path,
                num_labels=len(names),
                id2label=dict(enumerate(names)),
                label2id={x: i for i, x in enumerate(names)},
            )
            model = AutoModelForSequenceClassification.from_config(config)
    steps_per_epoch = math.ceil(n / s.recipe.batch_size)
    epochs = max(p.epochs, p.min_steps / steps_per_epoch)
    recipe = replace(
        s.recipe,
        epochs=epochs,
        evals_per_epoch=1,
        # Random word embeddings must learn; pre-trained ones may stay as the recipe says.
        freeze_embeddings=s.recipe.freeze_embeddings and pretrained,
    )
    trainer, _ = experiment.train_in_run(
        s,
        model,
        tokenizer,
        replace(p.data, train=subset),
        recipe,
        label=f"{'fine-tune' if pretrained else 'scratch'} n={n}",
        evaluate=False,
    )
    return float(trainer.evaluate()["eval_accuracy"])


def execute(p: Plan) -> DayResult:
    import numpy as np
    from transformers import AutoModel

    from tutor.training.models import load_tokenizer, quiet_loading

    s = p.setup
    with experiment.recording(s):
        tokenizer = load_tokenizer(s.model)
        subsets = experiment.nested_subsets(p.data, p.sizes, s.seed)
        largest = subsets[p.sizes[-1]]
        with quiet_loading():
            encoder = AutoModel.from_pretrained(s.model.path, use_safetensors=True)
        train_cls, train_mean = encode_features(
            encoder, tokenizer, list(largest["text"]), s, "Features (train)"
        )
        eval_cls, eval_mean = encode_features(
            encoder, tokenizer, list(p.data.eval["text"]), s, "Features (dev)"
        )
        del encoder
        train_y = np.asarray(largest["label"])
        eval_y = np.asarray(p.data.eval["label"])
        rows = []
        for n in p.sizes:
            row: dict[str, Any] = {"train_examples": n}
            row["cls_logreg"] = logistic_regression_accuracy(
                train_cls[:n], train_y[:n], eval_cls, eval_y, s.seed
            )
            row["mean_logreg"] = logistic_regression_accuracy(
                train_mean[:n], train_y[:n], eval_mean, eval_y, s.seed
            )
            row["fine_tune"] = _fine_tune(p, subsets[n], n, tokenizer, pretrained=True)
            row["scratch"] = _fine_tune(p, subsets[n], n, tokenizer, pretrained=False)
            rows.append(row)
        majority = float(np.bincount(eval_y).max() / len(eval_y))
        figure = plot(rows, majority, s.run_dir / "learning_curve.png")
        top = rows[-1]
        best_transfer = max(top["cls_logreg"], top["mean_logreg"], top["fine_tune"])
        return experiment.finish(
            s,
            metric="transfer_accuracy",
            value=best_transfer,
            target=TARGETS.get(s.profile),
            tables=[ResultTable("learning_curve", "Dev accuracy by training-set size", rows)],
            figures={"figure": figure},
            interpretation=interpret(rows, majority, len(p.data.eval)),
            notes=[
                "One seed per point: rerun with --seed to see the spread.",
                "Feature-based methods encode each text once; fine-tuning and training from "
                "scratch run the whole model forwards and backwards every step.",
            ],
            metrics={
                "majority_baseline": majority,
                "pretraining_gain": best_transfer - top["scratch"],
                "eval_examples": len(p.data.eval),
                "data": p.data.source,
                "methods": METHODS,
            },
            dataset=p.data.source,
        )


def interpret(rows: list[dict[str, Any]], majority: float, n_eval: int) -> list[str]:
    first, last = rows[0], rows[-1]
    band = experiment.noise_band(last["fine_tune"], n_eval)

    def best_transfer(row: dict[str, Any]) -> tuple[str, float]:
        key = max(("cls_logreg", "mean_logreg", "fine_tune"), key=lambda k: row[k])
        return key, row[key]

    key0, acc0 = best_transfer(first)
    lines = [
        f"With {first['train_examples']:,} labelled examples: {acc0:.1%} with the pre-trained "
        f"encoder ({METHODS[key0]}), {first['scratch']:.1%} with the same network from random "
        f"weights; always answering the majority class gives {majority:.1%}.",
    ]
    key1, acc1 = best_transfer(last)
    gain = acc1 - last["scratch"]
    verdict = (
        f"a gain of {experiment.points(gain)} from pre-training"
        if gain > band
        else f"a difference of {experiment.points(gain)}, within noise"
    )
    lines.append(
        f"At {last['train_examples']:,} examples: {METHODS[key1]} {acc1:.1%} vs from scratch "
        f"{last['scratch']:.1%}, {verdict} (differences under {experiment.points(band)} can "
        f"be luck on {n_eval} dev examples)."
    )
    beaten = [r for r in rows if r["scratch"] >= acc0 - band]
    if beaten and beaten[0] is first:
        lines.append(
            f"From scratch is already within noise of the pre-trained encoder at "
            f"{first['train_examples']:,} examples: no visible edge from pre-training at this size."
        )
    elif beaten:
        lines.append(
            f"Training from scratch needs {beaten[0]['train_examples']:,} examples to come "
            f"within noise of what the pre-trained encoder did with {first['train_examples']:,}."
        )
    else:
        lines.append(
            f"Even with {last['train_examples']:,} examples, training from scratch stays below "
            f"what the pre-trained encoder did with {first['train_examples']:,}: what "
            "pre-training learnt from unlabelled text is worth more than all these labels."
        )
    if all(r["scratch"] <= majority + band for r in rows):
        lines.append(
            "From scratch never gets clearly past always answering the majority class: with "
            f"the same steps as fine-tuning, {last['train_examples']:,} sentences are far too "
            "few for millions of random weights to learn what words mean, let alone sentiment."
        )
    feature_best = [max(r["cls_logreg"], r["mean_logreg"]) for r in rows]
    ahead = [r for r, f in zip(rows, feature_best) if r["fine_tune"] - f > band]
    if ahead:
        lines.append(
            f"Fine-tuning pulls clearly ahead of frozen features from "
            f"{ahead[0]['train_examples']:,} examples on: with enough labels, adapting the "
            "encoder itself beats reading its fixed features."
        )
    else:
        gap = last["fine_tune"] - feature_best[-1]
        lines.append(
            f"Fine-tuning vs the best frozen features at {last['train_examples']:,} examples: "
            f"{gap * 100:+.1f} points, not clearly beyond noise: on this budget a linear model "
            "on fixed pre-trained vectors is about as good, and far cheaper."
        )
    mean_minus_cls = sum(r["mean_logreg"] - r["cls_logreg"] for r in rows) / len(rows)
    which = "mean-pooled vectors" if mean_minus_cls > 0 else "[CLS] vectors"
    lines.append(
        f"Frozen features: {which} do better by {experiment.points(abs(mean_minus_cls))} on "
        "average. Without fine-tuning, [CLS] is only as good as the pre-training objective "
        "made it."
    )
    return lines


def plot(rows: list[dict[str, Any]], majority: float, path: Path) -> Path:
    from tutor.training.artifacts import pyplot

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(10.5, 5))
    sizes = [r["train_examples"] for r in rows]
    styles = {"cls_logreg": "s--", "mean_logreg": "D--", "fine_tune": "o-", "scratch": "^-"}
    for key, label in METHODS.items():
        ax.plot(sizes, [r[key] for r in rows], styles[key], label=label)
    ax.axhline(majority, color="grey", linestyle=":", label="majority class")
    ax.set_xscale("log")
    ax.set_xticks(sizes)
    ax.set_xticklabels([f"{n:,}" for n in sizes])
    ax.set(
        xlabel="labelled training examples (log scale)",
        ylabel="dev accuracy",
        title="Why pre-training matters: accuracy vs labelled data",
    )
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
