"""`tutor run`: the hands-on projects, one subcommand per day; `tutor predict`."""

from __future__ import annotations

from pathlib import Path

import click


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
@click.option("--model", help="Hub id or local folder of a pre-trained encoder.")
@click.option(
    "--dataset",
    type=click.Choice(["imdb", "sst2", "cola", "rotten_tomatoes"]),
    help="A named data set (default: imdb).",
)
@click.option("--train-file", type=click.Path(path_type=Path), help="Your own CSV, TSV or JSONL.")
@click.option("--eval-file", type=click.Path(path_type=Path), help="Evaluation file (same format).")
@click.option("--text-column", default="text", show_default=True)
@click.option("--label-column", default="label", show_default=True)
@click.option("--max-length", type=int, help="Tokens per text after truncation (<= 512).")
@click.option("--truncation", type=click.Choice(["head", "head+tail"]), help="What to keep.")
@click.option("--epochs", type=float)
@click.option("--lr", "learning_rate", type=float, help="Peak learning rate.")
@click.option("--batch-size", type=int, help="Per device.")
@click.option("--max-train-samples", type=int)
@click.option("--max-eval-samples", type=int)
@click.option("--precision", type=click.Choice(["bf16", "fp16", "fp32"]))
@click.option("--seed", type=int)
@click.option("--resume", is_flag=True, help="Continue the last interrupted run.")
def day7(profile, train_file, eval_file, text_column, label_column, resume, **overrides) -> None:
    """Fine-tune a pre-trained BERT for sentiment (IMDB), evaluate it, show what it learned.

    \b
    GPU: bert-base-uncased on the full IMDB data (bf16/fp16).
    CPU: a 6-layer MiniLM-BERT on a subset, about 10-15 minutes.
    Offline: the packaged MiniLM and the packaged IMDB reviews.
    Ctrl-C saves a checkpoint; `tutor run day7 --resume` continues.
    """
    from tutor.commands import _render
    from tutor.days import day7 as core

    if resume and (profile or train_file or any(v is not None for v in overrides.values())):
        raise click.UsageError("--resume continues with the saved recipe; give no other options.")
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
    _render.plan(plan)
    _render.day7_result(core.execute(plan))


@click.command()
@click.argument("args", nargs=-1, required=True, metavar="[RUN] TEXT")
def predict(args: tuple[str, ...]) -> None:
    """Classify TEXT with a fine-tuned model (default: the latest `tutor run day7`).

    RUN is a run folder or its name under $TUTOR_HOME/runs.
    """
    from tutor.commands import _render
    from tutor.training import predict as core

    run_name, text = (args[0], " ".join(args[1:])) if len(args) > 1 else (None, args[0])
    _render.prediction(core.predict(text, run_name))
