"""`tutor run`: the hands-on projects, one subcommand per day; `tutor predict`."""

from __future__ import annotations

from pathlib import Path

import click

from tutor.commands._options import (
    POSITIVE,
    SEED,
    FiniteFloatRange,
    check_model,
    day_options,
    given,
)
from tutor.days import options as O


def _day_order(name: str) -> int:
    return int(name[3:]) if name[3:].isdigit() else 999


@click.group(invoke_without_command=True)
@click.option("--list", "list_days", is_flag=True, help="List the projects and exit.")
@click.pass_context
def run(ctx: click.Context, list_days: bool) -> None:
    """Run a day's hands-on project (fine-tuning, experiments, figures)."""
    if ctx.invoked_subcommand is None:
        for name in sorted(run.commands, key=_day_order):
            click.echo(f"{name:<7} {run.commands[name].get_short_help_str(72)}")
        if not list_days:
            click.echo("\nRun one with `tutor run DAY`; `tutor run DAY --help` lists its options.")


@run.command("day7")
@click.option(
    "--profile",
    type=click.Choice(["gpu", "cpu", "smoke"]),
    help="Recipe to start from (default: chosen from the hardware).",
)
@click.option(
    "--model", callback=check_model, help="Hub id or local folder of a pre-trained encoder."
)
@click.option(
    "--dataset",
    type=click.Choice(["imdb", "sst2", "cola", "rotten_tomatoes"]),
    help="A named data set (default: imdb).",
)
@click.option("--train-file", type=click.Path(path_type=Path), help="Your own CSV, TSV or JSONL.")
@click.option("--eval-file", type=click.Path(path_type=Path), help="Evaluation file (same format).")
@click.option("--text-column", default="text", show_default=True)
@click.option("--label-column", default="label", show_default=True)
@click.option(
    "--max-length", type=click.IntRange(1, 512), help="Tokens per text after truncation (<= 512)."
)
@click.option("--truncation", type=click.Choice(["head", "head+tail"]), help="What to keep.")
@click.option("--epochs", type=FiniteFloatRange(0, 1000, min_open=True))
@click.option(
    "--lr",
    "learning_rate",
    type=FiniteFloatRange(0, 1, min_open=True, max_open=True),
    help="Peak learning rate.",
)
@click.option("--batch-size", type=POSITIVE, help="Per device.")
@click.option("--max-train-samples", type=POSITIVE)
@click.option("--max-eval-samples", type=POSITIVE)
@click.option("--precision", type=click.Choice(["bf16", "fp16", "fp32"]))
@click.option(
    "--freeze-embeddings/--train-embeddings",
    default=None,
    help="Keep the word-embedding table fixed (CPU default) or train it too (GPU default).",
)
@click.option(
    "--average-from",
    type=FiniteFloatRange(0, 1, max_open=True),
    help="Save the mean of the weights from this fraction of training on (0.5: the second "
    "half; stochastic weight averaging).",
)
@click.option(
    "--pooling",
    type=click.Choice(["cls", "mean"]),
    help="What the classifier reads: the pooled [CLS] vector (BERT's standard head, loads "
    "in any Hugging Face tool) or the mean of the token vectors (loads only with `tutor "
    "predict`) [default: cls].",
)
@click.option(
    "--layer-decay",
    type=FiniteFloatRange(0, 1, min_open=True),
    help="Layer-wise learning rates: each encoder layer learns at this times the rate of "
    "the layer above (e.g. 0.9) [default: one rate for all].",
)
@click.option(
    "--time-budget",
    type=FiniteFloatRange(0, 10_000, min_open=True),
    help="Minutes of measuring, training and evaluating: the run times a few steps on this "
    "machine, then reads as many examples as fit (CPU default: 13.5, so the whole run stays "
    "under 15). --max-train-samples turns it off; "
    "--epochs fixes the passes.",
)
@click.option(
    "--freeze-layers",
    type=click.IntRange(0, 48),
    help="Freeze this many encoder layers from the bottom: each step skips their backward "
    "pass, so a time budget reads more examples [default: 0].",
)
@click.option(
    "--eval-max-length",
    type=click.IntRange(1, 512),
    help="Tokens per text when evaluating (default: --max-length); may exceed it.",
)
@click.option(
    "--mid-eval-samples",
    type=click.IntRange(0),
    help="Held-out texts each evaluation during training reads (a seeded sample; 0: none, "
    "only the final evaluation, which reads them all) [default: all].",
)
@click.option(
    "--replan/--no-replan",
    default=None,
    help="After a minute of real steps, refit the steps and the learning-rate schedule to "
    "the measured speed (with --time-budget) [default: off].",
)
@click.option("--seed", type=SEED)
@click.option("--resume", is_flag=True, help="Continue the last interrupted run.")
def day7(profile, train_file, eval_file, text_column, label_column, resume, **overrides) -> None:
    """Fine-tune a pre-trained BERT for sentiment (IMDB), evaluate it, show what it learned.

    \b
    GPU: bert-base-uncased on the full IMDB data (bf16/fp16).
    CPU: a 6-layer MiniLM-BERT on as many reviews as fit in --time-budget
    (13.5 min of measuring, training and evaluating by default, measured on
    this machine).
    Offline: the packaged MiniLM and the packaged IMDB reviews.
    Ctrl-C saves a checkpoint; `tutor run day7 --resume` continues.
    """
    from tutor.commands import _render
    from tutor.days import day7 as core

    if resume and (profile or train_file or any(v is not None for v in overrides.values())):
        raise click.UsageError("--resume continues with the saved recipe; give no other options.")
    if eval_file is not None and train_file is None:
        raise click.UsageError(
            "--eval-file needs --train-file: a named --dataset brings its own evaluation split."
        )
    from tutor import runs

    main_process = _quiet_unless_main()
    runs.preflight()  # before any work: the run folder and its record can be written
    options = core.Options(
        profile=profile,
        overrides=overrides,
        train_file=train_file,
        eval_file=eval_file,
        text_column=text_column,
        label_column=label_column,
        resume=resume,
    )
    plan = core.plan(options)
    if main_process:
        _render.plan(plan)
    result = _execute(core, plan)
    if main_process:
        _render.day7_result(result)


def _quiet_unless_main() -> bool:
    """Under torchrun / accelerate launch every process runs the command; only the first
    (rank 0) shows the plan, the progress and the result, and writes the run folder. The
    others log errors only. Returns whether this is the first process."""
    import logging
    import os

    from tutor import runs

    if runs.is_main_process():
        return True
    logging.getLogger("tutor").setLevel(logging.ERROR)
    # Read when datasets is imported, which has not happened yet in this process.
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    return False


def _execute(core, plan):
    """``core.execute(plan)``; a run that stops on an error is marked failed, with why."""
    from tutor import runs

    try:
        return core.execute(plan)
    except Exception as exc:
        # Day 7's plan has the folder; the other days' setup gets it once they start.
        run_dir = getattr(plan, "run_dir", None) or getattr(
            getattr(plan, "setup", None), "run_dir", None
        )
        if run_dir is not None:
            runs.mark_failed(run_dir, exc)
        raise


def _run_day(day: str, **options) -> None:
    """Plan (shown), execute, render: the same three steps for every day."""
    import importlib

    from tutor import runs
    from tutor.commands import _render

    main_process = _quiet_unless_main()
    runs.preflight()  # before any work: the run folder and its record can be written
    core = importlib.import_module(f"tutor.days.{day}")
    # Options not given keep the day's defaults.
    plan = core.plan(core.Options(**given(options)))
    if main_process:
        _render.day_plan(plan.setup)
    result = _execute(core, plan)
    if main_process:
        _render.day_result(result)


# Days 45-50: each day's options come from its Options dataclass (tutor.days.options),
# declared there once with their defaults, limits and help.


@run.command("day45")
@day_options(O.Day45Options)
def day45(**options) -> None:
    """Fine-tuning strategies: full, frozen, top-k, layer-wise LRs, schedules.

    \b
    Same data, model, head initialisation and steps for every strategy.
    Saves strategies.md/.csv and strategies.png (dev accuracy and loss per
    strategy, the schedules' learning rates) in the run folder.
    """
    _run_day("day45", **options)


@run.command("day46")
@day_options(O.Day46Options)
def day46(**options) -> None:
    """Transfer learning: frozen features vs fine-tuning vs from scratch.

    \b
    For each training-set size: logistic regression on a frozen encoder's
    [CLS] and mean-pooled vectors, fine-tuning the encoder, and the same
    architecture trained from random weights. Saves learning_curve.md/.csv
    and learning_curve.png in the run folder.
    """
    _run_day("day46", **options)


@run.command("day47")
@day_options(O.Day47Options)
def day47(**options) -> None:
    """BERT's architecture: sizes, parameters, embeddings, attention maps.

    \b
    Parameters per component (embeddings / attention / feed-forward /
    pooler) next to BERT-base's 110M, built locally from BertConfig();
    the token, segment and position embeddings of a sentence pair; hidden
    states layer by layer; attention maps (PNG) for --layer / --head.
    """
    _run_day("day47", **options)


@run.command("day48")
@day_options(O.Day48Options)
def day48(**options) -> None:
    """Pre-training tasks: train a small BERT with MLM + NSP from scratch.

    \b
    Masks review text with the 80/10/10 rule (15 % of pieces), builds
    IsNext / NotNext sentence pairs (NotNext B from another review), trains
    BertForPreTraining from random weights, and shows both losses and the
    top-5 [MASK] guesses before and after. Online, bert-base-uncased fills
    the same sentences for comparison.
    """
    _run_day("day48", **options)


@run.command("day49")
@day_options(O.Day49Options)
def day49(**options) -> None:
    """T5 and text-to-text: task prefixes, label words, vs a BERT classifier.

    \b
    One encoder-decoder learns SST-2 and CoLA together from "sst2 sentence:"
    and "cola sentence:" inputs and answers in words; a BERT classifier per
    task trains on the same examples. Online: google-t5/t5-small (plus a
    translation demo); offline: an encoder-decoder warm-started from MiniLM.
    The run says which model ran.
    """
    _run_day("day49", **options)


@run.command("day50")
@day_options(O.Day50Options)
def day50(**options) -> None:
    """Applications on their real benchmarks: NER, paraphrase, similarity, QA.

    \b
    One pre-trained encoder, four heads, each scored with its benchmark's
    own metric beside a baseline and the BERT paper's figure: CoNLL-2003
    entity F1, MRPC accuracy and F1, STS-B Spearman (zero-shot cosine,
    cross-encoder, two towers), SQuAD 2.0 EM/F1 on articles not trained on.
    On a CPU each task trains for a few minutes, sized from its measured
    speed. Saves results.md, *_samples.md and curves.png in the run folder.
    """
    _run_day("day50", **options)


@click.command()
@click.argument("args", nargs=-1, metavar="[RUN] [TEXT]")
@click.option(
    "--file",
    "texts_file",
    type=click.File("r", encoding="utf-8"),
    help="Classify every non-empty line of FILE ('-': standard input).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='Print {"label": ..., "probabilities": {...}}; one such line (with "text") per '
    "text of --file.",
)
def predict(args: tuple[str, ...], texts_file, as_json: bool) -> None:
    """Classify TEXT with a fine-tuned model (default: the latest `tutor run day7`).

    RUN is a run folder or its name under $TUTOR_HOME/runs. Without TEXT, the texts
    come from --file or standard input, one per line:

    \b
    tutor predict "a warm and funny film"
    tutor predict day7-20261123-101500 "dull and far too long" --json
    tutor predict --file reviews.txt
    cat reviews.txt | tutor predict
    """
    from tutor.commands import _render
    from tutor.training import predict as core

    if texts_file is None and not args:
        stdin = click.get_text_stream("stdin")
        if stdin.isatty():
            raise click.UsageError("Give TEXT, --file FILE, or texts on standard input.")
        texts_file = stdin
    if texts_file is not None:
        if len(args) > 1:
            raise click.UsageError("With --file or standard input, give at most RUN.")
        texts = [line.strip() for line in texts_file if line.strip()]
        _render.predictions(core.predict_many(texts, args[0] if args else None), as_json)
        return
    run_name, text = (args[0], " ".join(args[1:])) if len(args) > 1 else (None, args[0])
    _render.prediction(core.predict(text, run_name), as_json)
