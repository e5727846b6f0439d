"""Fine-tuning benchmark: the default CPU recipe against the Hugging Face guides' recipes.

Not a test: it prints its figures. Three parts (``--part``, default all):

speed   On SST-2, same model (the packaged MiniLM), same training examples, batch 32:
        (a) the "Fine-tune a pretrained model" guide's recipe: every example padded to
            the tokenizer's maximum length (padding="max_length"), random batches, fp32;
        (b) the text-classification task guide's recipe: dynamic padding with
            DataCollatorWithPadding, random batches, fp32;
        the default CPU recipe of `tutor run day7`.
        Prints samples/s, the ratios, and SST-2 dev accuracy after the same number of
        examples (after --a-examples for all three, after --examples for (b) and ours:
        (a) is too slow to read them all).
sst2    `tutor run day7 --profile cpu --dataset sst2`: SST-2 dev accuracy, wall time.
imdb    `tutor run day7 --profile cpu`: held-out IMDB accuracy, wall time.

    python bench/finetune.py                  # all parts, ~40 min on 2 cores
    python bench/finetune.py --part speed --examples 2048 --a-examples 128
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _data(n_train: int, seed: int):
    from tutor.training.data import load_named

    return load_named("sst2", seed=seed).subsample(n_train, None, seed)


def _train_and_eval(name, model, tokenizer, train_ds, eval_ds, collator, args, stop_at, eval_at):
    """Train with Trainer; evaluate after ``eval_at`` optimizer steps (a list) and stop
    after ``stop_at`` steps. Returns samples/s over training time only and accuracies."""
    import numpy as np
    from transformers import Trainer, TrainerCallback

    from tutor.training.finetune import classification_metrics

    class Control(TrainerCallback):
        def __init__(self) -> None:
            self.train_seconds = 0.0
            self.t = 0.0

        def on_step_begin(self, a, state, control, **kw):
            self.t = time.perf_counter()

        def on_step_end(self, a, state, control, **kw):
            self.train_seconds += time.perf_counter() - self.t
            if state.global_step in eval_at:
                control.should_evaluate = True
            if state.global_step >= stop_at:
                control.should_training_stop = True

    def metrics(p):
        logits, labels = p
        return classification_metrics(labels, np.argmax(logits, -1), 2)

    control = Control()
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=eval_ds,
        processing_class=tokenizer,
        data_collator=collator,
        compute_metrics=metrics,
        callbacks=[control],
    )
    trainer.train()
    steps = trainer.state.global_step
    accs = {
        e["step"]: e["eval_accuracy"] for e in trainer.state.log_history if "eval_accuracy" in e
    }
    samples = steps * args.per_device_train_batch_size
    return {
        "recipe": name,
        "steps": steps,
        "samples_per_s": samples / control.train_seconds,
        "train_seconds": control.train_seconds,
        "acc": accs,
    }


def part_speed(n_examples: int, a_examples: int, a_minutes: float, seed: int) -> None:
    import math

    from transformers import DataCollatorWithPadding, TrainingArguments, default_data_collator

    from tutor.training.finetune import build_trainer
    from tutor.training.hardware import detect_hardware
    from tutor.training.models import load_classifier, load_tokenizer, resolve_model
    from tutor.training.recipes import MINILM, choose_recipe

    batch = 32
    hw = detect_hardware()
    data = _data(n_examples, seed)
    resolved = resolve_model(MINILM)
    tokenizer = load_tokenizer(resolved)
    steps_all, steps_a = n_examples // batch, max(1, a_examples // batch)
    out = Path(tempfile.mkdtemp(prefix="bench-finetune-"))
    print(f"SST-2: {n_examples} training examples (seeded), {len(data.eval)} dev; batch {batch}")
    print(f"hardware: {hw.name}, native bf16: {hw.bf16}; model: {resolved.description}\n")

    def guide_args(name, lr, steps):
        return TrainingArguments(
            output_dir=str(out / name),
            per_device_train_batch_size=batch,
            per_device_eval_batch_size=64,
            learning_rate=lr,
            max_steps=steps,
            weight_decay=0.01,
            eval_strategy="no",
            save_strategy="no",
            report_to="none",
            use_cpu=True,
            logging_strategy="no",
            seed=seed,
            disable_tqdm=True,
        )

    results = []
    # (a) padding="max_length": every example padded to the tokenizer's maximum length.
    max_len = tokenizer.model_max_length

    def pad_full(b):
        return tokenizer(b["text"], padding="max_length", truncation=True, max_length=max_len)

    train_a = data.train.map(pad_full, batched=True, remove_columns=["text"])
    eval_a = data.eval.map(pad_full, batched=True, remove_columns=["text"])
    # The schedule is that of the full budget; (a) stops early (after a_examples or
    # a_minutes), so its first steps see the same learning rates as a full run would.
    t0 = time.perf_counter()
    probe = _train_and_eval(
        "(a) guide: padding=max_length",
        load_classifier(resolved, data.label_names),
        tokenizer,
        train_a,
        eval_a,
        default_data_collator,
        guide_args("a", 5e-5, steps_all),
        stop_at=2,
        eval_at=[],
    )
    per_step = (time.perf_counter() - t0) / 2
    steps_a = max(1, min(steps_a, math.floor(a_minutes * 60 / per_step)))
    print(f"(a) ~{per_step:.1f} s/step: reading {steps_a * batch} examples for its accuracy")
    del probe
    results.append(
        _train_and_eval(
            "(a) guide: padding=max_length",
            load_classifier(resolved, data.label_names),
            tokenizer,
            train_a,
            eval_a,
            default_data_collator,
            guide_args("a", 5e-5, steps_all),
            stop_at=steps_a,
            eval_at=[steps_a],
        )
    )

    # (b) dynamic padding, random batches.
    def tok(b):
        return tokenizer(b["text"], truncation=True)

    train_b = data.train.map(tok, batched=True, remove_columns=["text"])
    eval_b = data.eval.map(tok, batched=True, remove_columns=["text"])
    results.append(
        _train_and_eval(
            "(b) guide: DataCollatorWithPadding",
            load_classifier(resolved, data.label_names),
            tokenizer,
            train_b,
            eval_b,
            DataCollatorWithPadding(tokenizer),
            guide_args("b", 2e-5, steps_all),
            stop_at=steps_all,
            eval_at=[steps_a, steps_all],
        )
    )

    # The default CPU recipe of `tutor run day7`, through its own Trainer set-up.
    recipe = choose_recipe(
        hw, "cpu", {"dataset": "sst2", "batch_size": batch, "max_train_samples": n_examples}
    )
    trainer, _, _ = build_trainer(
        load_classifier(resolved, data.label_names),
        tokenizer,
        data,
        recipe,
        hw,
        out / "default",
        progress=False,
    )
    ours = _train_and_eval(
        f"tutor day7 cpu recipe ({recipe.precision})",
        trainer.model,
        tokenizer,
        trainer.train_dataset,
        trainer.eval_dataset,
        trainer.data_collator,
        _no_eval(trainer.args, steps_all),
        stop_at=steps_all,
        eval_at=[steps_a, steps_all],
    )
    results.append(ours)

    a, b = results[0]["samples_per_s"], results[1]["samples_per_s"]
    print(
        f"\n{'recipe':<40} {'samples/s':>10} {'x (a)':>8} {'x (b)':>7} "
        f"{f'acc@{steps_a * batch}':>10} {f'acc@{steps_all * batch}':>10}"
    )
    for r in results:
        print(
            f"{r['recipe']:<40} {r['samples_per_s']:>10.1f} {r['samples_per_s'] / a:>8.1f} "
            f"{r['samples_per_s'] / b:>7.2f} {_pct(r['acc'].get(steps_a)):>10} "
            f"{_pct(r['acc'].get(steps_all)):>10}"
        )


def _no_eval(args, steps):
    from dataclasses import replace

    return replace(
        args,
        max_steps=steps,
        eval_strategy="no",
        save_strategy="no",
        logging_strategy="no",
        disable_tqdm=True,
    )


def _pct(x):
    return "-" if x is None else f"{x:.2%}"


def part_day7(dataset: str) -> None:
    from tutor.days import day7

    t0 = time.perf_counter()
    plan = day7.plan(day7.Options(profile="cpu", overrides={"dataset": dataset}))
    result = day7.execute(plan)
    wall = time.perf_counter() - t0
    m = result.metrics
    print(
        f"\n{dataset}: `tutor run day7 --profile cpu --dataset {dataset}`: accuracy "
        f"{m['accuracy']:.2%} on {m['eval_examples']} held-out examples, "
        f"{m['train_examples']} trained; training {m['train_seconds'] / 60:.1f} min, "
        f"wall time {wall / 60:.1f} min, {m['train_samples_per_second']:.1f} samples/s"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=["speed", "sst2", "imdb", "all"], default="all")
    parser.add_argument("--examples", type=int, default=4096)
    parser.add_argument("--a-examples", type=int, default=256)
    parser.add_argument("--a-minutes", type=float, default=8.0, help="time cap for (a)")
    parser.add_argument("--seed", type=int, default=42)
    ns = parser.parse_args(argv)
    # The benchmark's runs must not land in the learner's own progress.
    os.environ.setdefault("TUTOR_HOME", tempfile.mkdtemp(prefix="bench-home-"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    if ns.part in ("speed", "all"):
        part_speed(ns.examples, ns.a_examples, ns.a_minutes, ns.seed)
    if ns.part in ("sst2", "all"):
        part_day7("sst2")
    if ns.part in ("imdb", "all"):
        part_day7("imdb")


if __name__ == "__main__":
    main()
