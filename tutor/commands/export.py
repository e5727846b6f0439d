"""`tutor export`: a fine-tuned day-7 model as files the lesson page runs in the browser."""

from __future__ import annotations

import click


@click.command()
@click.argument("run_name", metavar="[RUN]", required=False)
@click.option(
    "--onnx",
    "onnx_dir",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[DIR]",
    help="Write ONNX + tokenizer files to DIR (default: the run's onnx/ folder).",
)
def export(run_name: str | None, onnx_dir: str | None) -> None:
    """Export a day-7 run's model (default: the latest) for the day-7 lesson page.

    \b
    tutor export --onnx                 # into <run>/onnx
    tutor export day7-20261123-101500 --onnx ~/my-model

    Choose the folder in the lesson's "your own model" widget: the page reads it in
    your browser (nothing is uploaded) and classifies what you type, with the
    probabilities `tutor predict --json` gives.
    """
    if onnx_dir is None:
        raise click.UsageError("Say the format: `tutor export --onnx [DIR]` (ONNX is the one).")
    from tutor import export as core

    result = core.export_run(run_name, onnx_dir or None)
    click.echo(
        f"Exported {result.run_dir.name} ({', '.join(result.labels)}) to {result.out_dir} "
        f"({result.size_bytes / 1e6:.1f} MB)."
    )
    click.echo("Open the day-7 lesson's 'your own model' box and choose that folder.")
