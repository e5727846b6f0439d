"""`tutor run`: the hands-on projects, one subcommand per day."""

from __future__ import annotations

import click


@click.group(invoke_without_command=True)
@click.option("--list", "list_days", is_flag=True, help="List the projects.")
@click.pass_context
def run(ctx: click.Context, list_days: bool) -> None:
    """Run a day's hands-on project (fine-tuning, experiments, figures)."""
    if ctx.invoked_subcommand is None:
        for name, cmd in sorted(run.commands.items(), key=lambda kv: int(kv[0][3:])):
            click.echo(f"{name:<7} {cmd.get_short_help_str(70)}")
        if not list_days:
            click.echo("\nRun one with `tutor run DAY`; `tutor run DAY --help` lists its options.")


@click.command()
@click.argument("text", nargs=-1, required=True)
@click.option("--run", "run_name", help="Run folder (default: the latest day-7 run).")
def predict(text: tuple[str, ...], run_name: str | None) -> None:
    """Classify TEXT with a fine-tuned model from `tutor run day7`."""
    from tutor.training import predict as core

    click.echo(core.render(core.predict(" ".join(text), run_name)))
