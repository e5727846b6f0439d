"""Day 45: fine-tuning strategies compared on the same data, model and budget.

Full fine-tuning, a frozen encoder (head only), the top k layers unfrozen, discriminative
(layer-wise decaying) learning rates, and three learning-rate schedules. Each strategy
starts from the same pre-trained weights and the same head initialisation, sees the same
examples in the same order for the same number of steps; only the strategy differs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tutor.days import experiment
from tutor.days.experiment import DayResult, ResultTable, Setup
from tutor.days.options import Day45Options as Options
from tutor.errors import UsageError
from tutor.training.budget import scaled
from tutor.training.data import TextData

DAY = "day45"
TARGETS = {"gpu": 0.90, "cpu": 0.80}
# Data per strategy: the CPU profile fits six short runs in a few minutes on two cores.
BUDGETS: dict[str, dict[str, Any]] = {
    "gpu": {"train": None, "eval": None, "epochs": 1.0, "evals": 4},
    "cpu": {"train": 4000, "eval": None, "epochs": 1.0, "evals": 3},
    "smoke": {"train": 48, "eval": 32, "epochs": 1.0, "evals": 1},
}
# A lone linear head on frozen features moves too little at a fine-tuning rate in a short
# budget; linear probes are trained at a larger one.
FROZEN_LR_FACTOR = 10.0


@dataclass(frozen=True)
class Strategy:
    key: str
    label: str
    trains: str  # what trains, in words
    top_k: int | None = None  # None: every layer trains; 0: the head alone
    scheduler: str = "linear"
    layer_decay: float | None = None
    lr_factor: float = 1.0


def strategies(top_k: int, layer_decay: float) -> dict[str, Strategy]:
    return {
        s.key: s
        for s in (
            Strategy("full", "full fine-tuning", "everything", scheduler="linear"),
            Strategy(
                "frozen",
                "frozen encoder",
                "the head (pooler + classifier)",
                top_k=0,
                lr_factor=FROZEN_LR_FACTOR,
            ),
            Strategy("top-k", f"top-{top_k} layers", f"top {top_k} layers + head", top_k=top_k),
            Strategy(
                "discriminative",
                f"discriminative LRs (x{layer_decay:g}/layer)",
                "everything, lower layers slower",
                layer_decay=layer_decay,
            ),
            Strategy("constant", "constant LR", "everything", scheduler="constant"),
            Strategy("cosine", "warm-up + cosine", "everything", scheduler="cosine"),
        )
    }


@dataclass
class Plan:
    setup: Setup
    data: TextData
    strategies: list[Strategy]
    epochs: float
    evals: int


def plan(options: Options) -> Plan:
    if not 0 < options.layer_decay <= 1:
        raise UsageError("--layer-decay must be in (0, 1]: each layer down learns slower.")
    if options.top_k < 1:
        raise UsageError("--top-k must be at least 1 (the frozen encoder is its own strategy).")
    known = strategies(options.top_k, options.layer_decay)
    chosen = list(options.strategies) or list(known)
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise UsageError(f"Unknown strategy {', '.join(unknown)}; choose from {', '.join(known)}.")
    setup = experiment.prepare(
        DAY,
        profile=options.profile,
        seed=options.seed,
        model=options.model,
        dataset=options.dataset,
        progress=options.progress,
    )
    b = experiment.budget(BUDGETS, setup.profile, train=options.max_train_samples)
    data = experiment.load_text_data(
        options.dataset, setup.status, setup.seed, fallback="rotten_tomatoes"
    )
    if options.max_train_samples is None:  # sized to this machine's measured speed
        b["train"] = scaled(b["train"], experiment.measure_scale(setup, data))
    data = data.subsample(b["train"], b["eval"], setup.seed)
    r = setup.recipe
    experiment.open_run(
        setup,
        [
            ("data", data.source),
            ("examples", f"{len(data.train):,} train / {len(data.eval):,} dev, same for all"),
            (
                "budget",
                f"{b['epochs']:g} epoch(s) per strategy, batch {r.batch_size}, peak lr "
                f"{r.learning_rate:g} (frozen encoder x{FROZEN_LR_FACTOR:g}), "
                f"warm-up {r.warmup_ratio:.0%}",
            ),
            ("strategies", ", ".join(known[s].label for s in chosen)),
        ],
    )
    return Plan(setup, data, [known[s] for s in chosen], b["epochs"], b["evals"])


def _lr_recorder():
    """A Trainer callback that keeps the learning rate each optimizer step used (first
    parameter group), read from the scheduler rather than the sparser training log."""
    from transformers import TrainerCallback

    class Recorder(TrainerCallback):
        def __init__(self) -> None:
            self.rates: list[tuple[int, float]] = []

        def on_step_begin(self, args, state, control, lr_scheduler=None, **kwargs):
            if lr_scheduler is not None:
                self.rates.append((state.global_step + 1, lr_scheduler.get_last_lr()[0]))

    return Recorder()


def _run_strategy(p: Plan, strategy: Strategy, tokenizer) -> dict[str, Any]:
    import torch
    from transformers import set_seed

    from tutor.training import strategies as rules
    from tutor.training.finetune import freeze_word_embeddings
    from tutor.training.models import load_classifier

    s = p.setup
    set_seed(s.seed)  # the same head initialisation for every strategy
    model = load_classifier(s.model, p.data.label_names)
    layers = rules.num_layers_of(model.config)
    if s.recipe.freeze_embeddings:
        freeze_word_embeddings(model)
    trainable, total = rules.freeze(model, layers, strategy.top_k)
    lr = s.recipe.learning_rate * strategy.lr_factor
    optimizer, level_lrs = None, {}
    if strategy.layer_decay is not None:
        groups = rules.layerwise_lr_groups(
            model.named_parameters(),
            layers,
            base_lr=lr,
            decay=strategy.layer_decay,
            weight_decay=s.recipe.weight_decay,
        )
        optimizer = torch.optim.AdamW(groups, lr=lr)
        level_lrs = {g["level"]: g["lr"] for g in groups}
    else:
        for name, param in model.named_parameters():
            if param.requires_grad:
                level_lrs[rules.level_of(name, layers)] = lr
    recipe = replace(
        s.recipe,
        learning_rate=lr,
        scheduler=strategy.scheduler,
        epochs=p.epochs,
        evals_per_epoch=p.evals,
        freeze_embeddings=False,  # done above, before the optimizer saw the parameters
    )
    rates = _lr_recorder()
    trainer, outcome = experiment.train_in_run(
        s,
        model,
        tokenizer,
        p.data,
        recipe,
        label=strategy.label,
        optimizer=optimizer,
        callbacks=(rates,),
    )
    history = outcome.log_history
    evals = [e for e in history if "eval_loss" in e]
    if not evals or evals[-1].get("step") != outcome.global_step:
        trainer.evaluate()
        history = list(trainer.state.log_history)
        evals = [e for e in history if "eval_loss" in e]
    losses = [e["loss"] for e in history if "loss" in e and "eval_loss" not in e]
    return {
        "strategy": strategy,
        "layers": layers,
        "trainable": trainable,
        "total": total,
        "lr": lr,
        "level_lrs": level_lrs,
        "evals": [(e["step"], e["eval_accuracy"], e["eval_loss"]) for e in evals],
        "lrs": rates.rates,
        "train_loss": losses[-1] if losses else None,
        "seconds": outcome.train_seconds,
        "steps": outcome.global_step,
    }


def execute(p: Plan) -> DayResult:
    from tutor.training.models import load_tokenizer

    s = p.setup
    with experiment.recording(s):
        tokenizer = load_tokenizer(s.model)
        outcomes = [_run_strategy(p, strategy, tokenizer) for strategy in p.strategies]
        rows = [_row(o) for o in outcomes]
        figure = plot(outcomes, s.run_dir / "strategies.png")
        best = max(rows, key=lambda r: r["dev_accuracy"])
        lines = interpret(rows, len(p.data.eval))
        return experiment.finish(
            s,
            metric="best_accuracy",
            value=best["dev_accuracy"],
            target=TARGETS.get(s.profile),
            tables=[
                ResultTable(
                    "strategies",
                    "Strategies on the same data and budget",
                    rows,
                    show=[
                        "description",
                        "trainable_share",
                        "peak_lr",
                        "dev_accuracy",
                        "dev_loss",
                        "train_seconds",
                    ],
                )
            ],
            figures={"figure": figure},
            interpretation=lines,
            notes=_notes(p),
            metrics={
                "best_strategy": best["strategy"],
                "train_examples": len(p.data.train),
                "eval_examples": len(p.data.eval),
                "data": p.data.source,
                "curves": {
                    o["strategy"].key: {"evals": o["evals"], "learning_rates": o["lrs"]}
                    for o in outcomes
                },
            },
            dataset=p.data.source,
        )


def _notes(p: Plan) -> list[str]:
    notes = []
    if p.setup.recipe.freeze_embeddings:
        notes.append(
            "The word-embedding table stays frozen in every strategy (the CPU recipe's speed-up); "
            "position and segment embeddings train where the strategy says so."
        )
    notes.append("One seed: rerun with --seed to see how much of a difference is luck.")
    return notes


def _row(o: dict[str, Any]) -> dict[str, Any]:
    strategy: Strategy = o["strategy"]
    accuracies = [a for _, a, _ in o["evals"]]
    return {
        "strategy": strategy.key,
        "description": strategy.label,
        "trains": strategy.trains,
        "trainable_params": o["trainable"],
        "trainable_share": round(o["trainable"] / o["total"], 4),
        "peak_lr": o["lr"],
        "schedule": "constant"
        if strategy.scheduler == "constant"
        else f"warm-up + {strategy.scheduler}",
        "dev_accuracy": accuracies[-1],
        "best_dev_accuracy": max(accuracies),
        "dev_loss": o["evals"][-1][2],
        "train_loss": o["train_loss"],
        "steps": o["steps"],
        "train_seconds": round(o["seconds"], 1),
    }


def interpret(rows: list[dict[str, Any]], n_eval: int) -> list[str]:
    """What the numbers say, worded from the numbers (one seed: differences inside the
    noise band are called ties)."""
    by = {r["strategy"]: r for r in rows}
    best = max(rows, key=lambda r: r["dev_accuracy"])
    band = experiment.noise_band(best["dev_accuracy"], n_eval)
    lines = [
        f"Best: {best['description']} at {best['dev_accuracy']:.1%} dev accuracy. With "
        f"{n_eval} dev examples, differences under about {experiment.points(band)} can be luck."
    ]

    def compare(a: str, b: str, b_name: str) -> str:
        diff = by[a]["dev_accuracy"] - by[b]["dev_accuracy"]
        verb = "ties with" if abs(diff) < band else "beats" if diff > 0 else "trails"
        return f"{verb} {b_name} ({diff * 100:+.1f} points)"

    if "full" in by and "frozen" in by:
        f, z = by["full"], by["frozen"]
        lines.append(
            f"Frozen encoder {compare('frozen', 'full', 'full fine-tuning')} while training "
            f"{z['trainable_share']:.2%} of the parameters"
            + (
                f" and {f['train_seconds'] / max(z['train_seconds'], 1e-9):.1f}x faster."
                if z["train_seconds"] > 0
                else "."
            )
            + (
                " The pre-trained features were not shaped for this task: adapting the encoder "
                "pays."
                if by["full"]["dev_accuracy"] - z["dev_accuracy"] >= band
                else " On this budget, training the head alone does as well as adapting the "
                "whole encoder."
            )
        )
    if "top-k" in by and "full" in by:
        t = by["top-k"]
        lines.append(
            f"{t['description'].capitalize()} ({t['trainable_share']:.0%} of the parameters) "
            f"{compare('top-k', 'full', 'full fine-tuning')}."
        )
    if "discriminative" in by and "full" in by:
        lines.append(
            "Discriminative learning rates "
            f"{compare('discriminative', 'full', 'one rate for all layers')}; their gain is "
            "usually small and shows most when fine-tuning drifts."
        )
    schedules = [k for k in ("full", "constant", "cosine") if k in by]
    if len(schedules) >= 2:
        names = {"full": "linear warm-up + decay", "constant": "constant", "cosine": "cosine"}
        ranked = sorted(schedules, key=lambda k: -by[k]["dev_accuracy"])
        spread = by[ranked[0]]["dev_accuracy"] - by[ranked[-1]]["dev_accuracy"]
        verdict = (
            "within noise of each other"
            if spread < band
            else f"{names[ranked[0]]} ahead by {experiment.points(spread)}"
        )
        lines.append(
            "Schedules: "
            + ", ".join(f"{names[k]} {by[k]['dev_accuracy']:.1%}" for k in ranked)
            + f": {verdict}."
            + (
                " The constant rate ends with the highest dev loss: no decay to settle in."
                if "constant" in by
                and by["constant"]["dev_loss"] == max(by[k]["dev_loss"] for k in schedules)
                else ""
            )
        )
    return lines


def plot(outcomes: list[dict[str, Any]], path: Path) -> Path:
    """Dev accuracy and loss per strategy; the schedules' learning rates; which levels
    train at which rate."""
    from tutor.training.artifacts import pyplot
    from tutor.training.strategies import level_name

    plt = pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5))
    (ax_acc, ax_loss), (ax_lr, ax_levels) = axes
    for o in outcomes:
        steps = [s for s, _, _ in o["evals"]]
        label = o["strategy"].label
        ax_acc.plot(steps, [a for _, a, _ in o["evals"]], "o-", label=label)
        ax_loss.plot(steps, [v for _, _, v in o["evals"]], "o-", label=label)
        if o["strategy"].key in ("full", "constant", "cosine"):
            name = {"full": "linear warm-up + decay"}.get(o["strategy"].key, label)
            if o["lrs"]:
                ax_lr.plot(*zip(*o["lrs"]), label=name)
    ax_acc.set(title="Dev accuracy", xlabel="step", ylabel="accuracy")
    ax_loss.set(title="Dev loss", xlabel="step", ylabel="cross-entropy")
    ax_lr.set(title="Learning-rate schedules", xlabel="step", ylabel="learning rate")
    layers = outcomes[0]["layers"]
    levels = list(range(layers + 2))
    for o in outcomes:
        if o["strategy"].key in ("constant", "cosine"):  # same levels and rates as "full"
            continue
        # A frozen level has no rate: a gap in its line.
        rates = [o["level_lrs"].get(level, float("nan")) for level in levels]
        ax_levels.plot(levels, rates, "o-", label=o["strategy"].label)
    ax_levels.set_xticks(levels)
    ax_levels.set_xticklabels([level_name(x, layers) for x in levels], rotation=30)
    ax_levels.set(title="Peak learning rate per level (gap = frozen)", ylabel="learning rate")
    ax_levels.set_yscale("log")
    for ax in (ax_acc, ax_loss, ax_lr, ax_levels):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
