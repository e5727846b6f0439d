"""Day 49: T5's text-to-text framing against a BERT classifier.

One encoder-decoder learns SST-2 and CoLA together from prefixed inputs ("sst2 sentence:
...", "cola sentence: ...") and answers with words ("positive", "unacceptable"); the day-7
classifier learns each task with its own head, on the same examples. With hub access the
text-to-text model is google-t5/t5-small; offline it is an encoder-decoder warm-started
from the packaged MiniLM on both sides. The run says which one ran.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tutor.days import experiment
from tutor.days.experiment import DayResult, ResultTable, Setup
from tutor.days.options import Day49Options as Options
from tutor.errors import OfflineError, UsageError
from tutor.training.budget import scaled
from tutor.training.data import TextData

log = logging.getLogger("tutor")

DAY = "day49"
TARGETS = {"gpu": 0.88, "cpu": 0.75}  # text-to-text accuracy on SST-2 dev
BUDGETS: dict[str, dict[str, Any]] = {
    "gpu": {"train": None, "eval": None, "epochs": 1.0},
    "cpu": {"train": 2000, "eval": None, "epochs": 1.0},
    "smoke": {"train": 24, "eval": 16, "epochs": 1.0},
}
T5_LR = 3e-4  # T5 fine-tunes well at a larger rate than BERT (Adam; the paper used Adafactor)
TRANSLATE = ["The film was wonderful.", "I did not like the ending.", "The actors were very good."]


@dataclass
class Plan:
    setup: Setup
    data: dict[str, TextData]
    kind: str  # "t5-small" or "warm-start"
    epochs: float
    notes: list[str] = field(default_factory=list)


def plan(options: Options) -> Plan:
    from tutor.training.text2text import TASKS

    unknown = [t for t in options.tasks if t not in TASKS]
    if unknown or not options.tasks:
        raise UsageError(f"--tasks: choose from {', '.join(TASKS)}.")
    if options.text_to_text not in ("auto", "t5-small", "warm-start"):
        raise UsageError("--text-to-text: auto, t5-small or warm-start.")
    setup = experiment.prepare(
        DAY,
        profile=options.profile,
        seed=options.seed,
        model=options.model,
        progress=options.progress,
    )
    b = experiment.budget(BUDGETS, setup.profile, train=options.max_train_samples)
    notes: list[str] = []
    kind = options.text_to_text
    if kind == "auto":
        kind = "t5-small" if setup.status.online and not setup.smoke else "warm-start"
        if kind == "warm-start" and not setup.smoke:
            notes.append(
                f"google-t5/t5-small needs the Hugging Face Hub ({setup.status.reason}): the "
                "text-to-text model is an encoder-decoder warm-started from "
                f"{setup.model.description} instead. It is not T5, but it is trained the T5 "
                "way: prefixed inputs, label words as outputs, one loss."
            )
    elif kind == "t5-small" and not setup.status.online:
        raise OfflineError(
            f"--text-to-text t5-small needs the Hugging Face Hub ({setup.status.reason}); "
            "use --text-to-text warm-start offline."
        )
    data = {}
    for task in options.tasks:
        try:
            fallback = "rotten_tomatoes" if task == "sst2" else None
            loaded = experiment.load_text_data(task, setup.status, setup.seed, fallback)
        except OfflineError as exc:
            notes.append(f"{task} skipped: {exc.message}")
            continue
        if options.max_train_samples is None and not data:  # sized to this machine's speed
            b["train"] = scaled(b["train"], experiment.measure_scale(setup, loaded))
        data[task] = loaded.subsample(b["train"], b["eval"], setup.seed)
    if not data:
        raise OfflineError("No task data available: " + " ".join(notes))
    description = {
        "t5-small": "google-t5/t5-small (60M, pre-trained text-to-text on C4 + a task mixture)",
        "warm-start": f"encoder-decoder warm-started from {setup.model.description} (both sides)",
    }[kind]
    r = setup.recipe
    experiment.open_run(
        setup,
        [
            ("text-to-text", description),
            ("classifier", f"{setup.model.description} + one classification head per task"),
            *(
                (task, f"{d.source}: {len(d.train):,} train / {len(d.eval):,} dev")
                for task, d in data.items()
            ),
            (
                "budget",
                f"{b['epochs']:g} epoch over the same examples for both; batch {r.batch_size}; "
                f"lr {T5_LR if kind == 't5-small' else r.learning_rate:g} (text-to-text), "
                f"{r.learning_rate:g} (classifier)",
            ),
        ],
    )
    return Plan(setup, data, kind, b["epochs"], notes)


def _text_to_text_model(p: Plan):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    from tutor.training.finetune import freeze_word_embeddings
    from tutor.training.models import load_tokenizer, quiet_loading
    from tutor.training.text2text import T5_SMALL, warm_started

    s = p.setup
    if p.kind == "t5-small":
        with quiet_loading():
            tokenizer = AutoTokenizer.from_pretrained(T5_SMALL)
            model = AutoModelForSeq2SeqLM.from_pretrained(T5_SMALL, use_safetensors=True)
        return model, tokenizer, T5_LR
    tokenizer = load_tokenizer(s.model)
    model = warm_started(s.model.path, tokenizer)
    if s.recipe.freeze_embeddings:
        # Both word-embedding tables (the decoder's doubles as its output layer): the LM
        # head's own transform and bias still learn which words to say.
        freeze_word_embeddings(model.encoder)
        freeze_word_embeddings(model.decoder)
    return model, tokenizer, s.recipe.learning_rate


def _evaluate_t2t(p: Plan, model, tokenizer, when: str) -> dict[str, dict[str, Any]]:
    from tutor.training.loops import device_of
    from tutor.training.text2text import TASKS, as_text_to_text, generate, scores

    s = p.setup
    out = {}
    for name, d in p.data.items():
        pairs = as_text_to_text(TASKS[name], d.eval["text"], d.eval["label"])
        outputs = generate(
            model,
            tokenizer,
            [src for src, _ in pairs],
            batch_size=s.recipe.eval_batch_size,
            max_length=s.recipe.max_length,
            device=device_of(s.hardware),
            desc=f"Generating answers ({name}, {when})" if s.progress else None,
        )
        out[name] = {"outputs": outputs, **scores(outputs, list(d.eval["label"]), TASKS[name])}
    return out


def _translate(p: Plan, model, tokenizer) -> list[str]:
    from tutor.training.loops import device_of
    from tutor.training.text2text import TRANSLATION_PREFIX, generate

    return generate(
        model,
        tokenizer,
        [TRANSLATION_PREFIX + t for t in TRANSLATE],
        batch_size=8,
        max_length=64,
        device=device_of(p.setup.hardware),
    )


def _train_t2t(p: Plan):
    import math

    from transformers import set_seed

    from tutor.training.loops import batches, train_loop
    from tutor.training.text2text import TASKS, as_text_to_text, collate, seq2seq_loss

    s = p.setup
    set_seed(s.seed)
    model, tokenizer, lr = _text_to_text_model(p)
    params = sum(x.numel() for x in model.parameters())
    model.to(s.hardware.device)
    before = _evaluate_t2t(p, model, tokenizer, "before")
    translations_before = _translate(p, model, tokenizer) if p.kind == "t5-small" else []
    pairs = [
        pair
        for name, d in p.data.items()
        for pair in as_text_to_text(TASKS[name], d.train["text"], d.train["label"])
    ]
    steps = max(1, math.ceil(len(pairs) * p.epochs / s.recipe.batch_size))
    result = train_loop(
        model,
        batches(pairs, s.recipe.batch_size, collate(tokenizer, s.recipe.max_length), s.seed),
        steps=steps,
        lr=lr,
        hw=s.hardware,
        precision=s.recipe.precision,
        warmup_ratio=s.recipe.warmup_ratio,
        loss_fn=seq2seq_loss,
        log_every=max(1, steps // 50),
        desc="Text-to-text",
        progress=s.progress,
    )
    after = _evaluate_t2t(p, model, tokenizer, "after")
    translations_after = _translate(p, model, tokenizer) if p.kind == "t5-small" else []
    return {
        "before": before,
        "after": after,
        "history": result.history,
        "seconds": result.seconds,
        "steps": steps,
        "params": params,
        "translations": list(zip(TRANSLATE, translations_before, translations_after)),
    }


def _train_classifier(p: Plan, name: str, tokenizer) -> dict[str, Any]:
    import numpy as np
    from transformers import set_seed

    from tutor.training.finetune import classification_metrics
    from tutor.training.models import load_classifier

    s = p.setup
    d = p.data[name]
    set_seed(s.seed)
    model = load_classifier(s.model, d.label_names)
    params = sum(x.numel() for x in model.parameters())
    trainer, outcome = experiment.train_in_run(
        s,
        model,
        tokenizer,
        d,
        replace(s.recipe, epochs=p.epochs, evals_per_epoch=1),
        label=f"BERT classifier ({name})",
        evaluate=False,
    )
    prediction = trainer.predict(trainer.eval_dataset)
    preds = np.asarray(prediction.predictions).argmax(-1)
    labels = np.asarray(prediction.label_ids)
    metrics = classification_metrics(labels, preds, len(d.label_names))
    return {
        **metrics,
        "predictions": [d.label_names[i] for i in preds.tolist()],
        "predicted_ids": preds.tolist(),
        "seconds": outcome.train_seconds,
        "steps": outcome.global_step,
        "params": params,
    }


def execute(p: Plan) -> DayResult:
    from tutor.training.models import load_tokenizer

    s = p.setup
    with experiment.recording(s):
        t2t = _train_t2t(p)
        tokenizer = load_tokenizer(s.model)
        classifiers = {name: _train_classifier(p, name, tokenizer) for name in p.data}
        rows = _rows(p, t2t, classifiers)
        examples = _examples(p, t2t, classifiers)
        figure = plot(rows, t2t["history"], s.run_dir / "text_to_text.png")
        headline_task = "sst2" if "sst2" in p.data else next(iter(p.data))
        tables = [
            ResultTable("comparison", "Text-to-text vs BERT classifier, same examples", rows),
            ResultTable("examples", "Dev examples: what each model answered", examples),
        ]
        if t2t["translations"]:
            tables.append(
                ResultTable(
                    "translations",
                    "t5-small translating (a task it was pre-trained on), before and after",
                    [
                        {"English": e, "before fine-tuning": b, "after fine-tuning": a}
                        for e, b, a in t2t["translations"]
                    ],
                )
            )
        return experiment.finish(
            s,
            metric="t2t_accuracy",
            value=t2t["after"][headline_task]["accuracy"],
            target=TARGETS.get(s.profile) if headline_task == "sst2" else None,
            tables=tables,
            figures={"figure": figure},
            interpretation=interpret(p, t2t, classifiers),
            notes=[*p.notes, "One seed: rerun with --seed to see how much of a gap is luck."],
            metrics={
                "text_to_text_model": p.kind,
                "text_to_text_steps": t2t["steps"],
                "text_to_text_parameters": t2t["params"],
                "headline_task": headline_task,
                "history": t2t["history"],
                "data": {name: d.source for name, d in p.data.items()},
            },
            dataset=", ".join(d.source for d in p.data.values()),
        )


def _rows(p: Plan, t2t, classifiers) -> list[dict[str, Any]]:
    label = "t5-small" if p.kind == "t5-small" else "warm-started enc-dec"
    rows = []
    for name in p.data:
        b, a, c = t2t["before"][name], t2t["after"][name], classifiers[name]
        rows.append(
            {
                "task": name,
                "model": f"{label}, before fine-tuning",
                "accuracy": b["accuracy"],
                "mcc": b["mcc"],
                "not a label word": b["invalid_share"],
                "parameters": t2t["params"],
                "train_seconds": None,
            }
        )
        rows.append(
            {
                "task": name,
                "model": f"{label}, fine-tuned (both tasks)",
                "accuracy": a["accuracy"],
                "mcc": a["mcc"],
                "not a label word": a["invalid_share"],
                "parameters": t2t["params"],
                "train_seconds": round(t2t["seconds"], 1),
            }
        )
        rows.append(
            {
                "task": name,
                "model": "BERT classifier (own head)",
                "accuracy": c["accuracy"],
                "mcc": c["mcc"],
                "not a label word": 0.0,
                "parameters": c["params"],
                "train_seconds": round(c["seconds"], 1),
            }
        )
    return rows


def _examples(p: Plan, t2t, classifiers, k: int = 4) -> list[dict[str, Any]]:
    from tutor.training.text2text import TASKS

    rows = []
    for name, d in p.data.items():
        for i in range(min(k, len(d.eval))):
            rows.append(
                {
                    "input": TASKS[name].prefix + d.eval[i]["text"],
                    "gold": TASKS[name].label_words[d.eval[i]["label"]],
                    "text-to-text answer": t2t["after"][name]["outputs"][i],
                    "classifier": classifiers[name]["predictions"][i],
                }
            )
    return rows


def interpret(p: Plan, t2t, classifiers) -> list[str]:
    name = "t5-small" if p.kind == "t5-small" else "The warm-started encoder-decoder"
    lines = [
        f"Text-to-text model: {'google-t5/t5-small' if p.kind == 't5-small' else 'an encoder-decoder warm-started from ' + p.setup.model.description} "
        f"({t2t['params'] / 1e6:.1f}M parameters, {t2t['steps']} steps on both tasks mixed)."
    ]
    for task, d in p.data.items():
        b, a, c = t2t["before"][task], t2t["after"][task], classifiers[task]
        band = experiment.noise_band(max(a["accuracy"], c["accuracy"]), len(d.eval))
        diff = a["accuracy"] - c["accuracy"]
        verdict = "within noise of" if abs(diff) < band else "ahead of" if diff > 0 else "behind"
        labels = list(d.eval["label"])
        majority = max(labels.count(y) for y in set(labels)) / max(1, len(labels))
        lines.append(
            f"{task}: text-to-text {a['accuracy']:.1%} (MCC {a['mcc']:.2f}) is {verdict} the "
            f"BERT classifier's {c['accuracy']:.1%} (MCC {c['mcc']:.2f}); majority class "
            f"{majority:.1%}, noise band ±{experiment.points(band)}."
        )
        if b["invalid_share"] > 0.5 and a["invalid_share"] < b["invalid_share"]:
            lines.append(
                f"{task}: before fine-tuning {b['invalid_share']:.0%} of the answers were not a "
                f"label word at all; after, {a['invalid_share']:.0%}: the output format itself "
                "was learnt from the examples."
            )
        elif a["invalid_share"] > 0.5:
            lines.append(
                f"{task}: {a['invalid_share']:.0%} of the text-to-text answers are still not a "
                "label word: this budget was too short to learn even the output format."
            )
        elif p.kind == "t5-small" and b["invalid_share"] <= 0.5:
            lines.append(
                f"{task}: t5-small already answered with label words before fine-tuning "
                f"({b['accuracy']:.1%}): the task prefix is one it met in pre-training."
            )
        common = max(set(labels), key=labels.count)
        t2t_common = sum(x == common for x in a["predicted"]) / max(1, len(labels))
        clf_common = classifiers[task]["predicted_ids"].count(common) / max(1, len(labels))
        if t2t_common >= 0.9 and clf_common >= 0.9:
            lines.append(
                f"{task}: both models answer the majority class for 90 %+ of the dev set (MCC "
                "near 0 says the same): this budget is too small for the task to be learnt."
            )
    classifier_seconds = sum(c["seconds"] for c in classifiers.values())
    classifier_params = next(iter(classifiers.values()))["params"]
    lines.append(
        f"{name} is one model for {len(p.data)} task(s), {t2t['params'] / 1e6:.1f}M "
        f"parameters, {t2t['seconds']:.0f} s of training; the classifiers are "
        f"{len(classifiers)} models of {classifier_params / 1e6:.1f}M, {classifier_seconds:.0f} s "
        "in all. For plain classification an encoder with a head is the cheaper tool; "
        "text-to-text pays off when the answers are text."
    )
    return lines


def plot(rows: list[dict[str, Any]], history: list[dict[str, Any]], path: Path) -> Path:
    from tutor.training.artifacts import pyplot

    plt = pyplot()
    fig, (ax_bar, ax_loss) = plt.subplots(1, 2, figsize=(12, 4.5))
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    models = list(dict.fromkeys(r["model"] for r in rows))
    width = 0.8 / len(models)
    for j, model in enumerate(models):
        values = [
            next(r["accuracy"] for r in rows if r["task"] == t and r["model"] == model)
            for t in tasks
        ]
        bars = ax_bar.bar([i + j * width for i in range(len(tasks))], values, width, label=model)
        ax_bar.bar_label(bars, fmt="%.2f", fontsize=7)
    ax_bar.set_xticks([i + 0.4 - width / 2 for i in range(len(tasks))])
    ax_bar.set_xticklabels(tasks)
    ax_bar.set(title="Dev accuracy", ylabel="accuracy", ylim=(0, 1.35))
    ax_bar.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax_bar.legend(fontsize=8, loc="upper left")
    if history:
        ax_loss.plot([h["step"] for h in history], [h["loss"] for h in history])
    ax_loss.set(
        title="Text-to-text training loss (cross-entropy on answer tokens)",
        xlabel="step",
        ylabel="loss",
    )
    for ax in (ax_bar, ax_loss):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
