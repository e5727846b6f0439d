"""`tutor start|check|hint|solution|exercises` and `tutor dev check`: hands-on exercises."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

STATUS_STYLE = {
    "not started": "dim",
    "started": "yellow",
    "passed": "green",
    "solution revealed": "magenta",
}


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


@click.command()
@click.argument("exercise")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Workspace folder for your copy (default: $TUTOR_HOME/workspace).",
)
@click.option("--force", is_flag=True, help="Replace your existing file with the starter.")
def start(exercise: str, directory: Path | None, force: bool) -> None:
    """Copy the starter of EXERCISE into your workspace and say what to do."""
    from tutor import exercises as core

    started = core.start(exercise, directory, force)
    ex = started.exercise
    from rich.text import Text

    console = _console()
    console.print(Text(f"{ex.name}: {ex.title} (day {ex.day})", style="bold"))
    if started.replaced:
        console.print(Text("Your previous file was replaced by the starter.", style="yellow"))
    lesson = ex.lesson.removeprefix("lessons/").removesuffix(".md")
    where = " (its page also runs this exercise in the browser)" if ex.in_page else ""
    console.print(Text(f"Lesson: {lesson}{where}", style="dim"))
    console.print(Text(f"Your file: {started.path}"))
    console.print()
    console.print(Text(ex.description))
    console.print()
    console.print(Text(f"Fill in the TODOs, then run:  tutor check {ex.name}"))
    console.print(Text(f"Stuck?                       tutor hint {ex.name}", style="dim"))


@click.command()
@click.argument("names", metavar="[EXERCISE]...", nargs=-1)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=120,
    show_default=True,
    help="Seconds before a test run is stopped (an endless loop in your code).",
)
@click.pass_context
def check(ctx: click.Context, names: tuple[str, ...], timeout: float) -> None:
    """Run the tests of EXERCISE on your file (every started exercise if none is given)."""
    from rich.text import Text

    from tutor import exercises as core

    results = core.check(list(names) or None, timeout)
    console = _console()
    for result in results:
        name = result.exercise.name
        if result.passed:
            line = Text(f"✓ {name}: all {len(result.cases)} tests pass", style="green")
            line.append(" (recorded in `tutor progress`)", style="dim")
            console.print(line)
            continue
        console.print(Text(f"✗ {name}: {_failure_summary(result)}", style="red"))
        console.print(Text(f"  {result.file}", style="dim"))
        # Cases failing for the same reason (often all of them, at first) share one
        # message: list their names, then the reason once.
        by_message: dict[str, list[str]] = {}
        for case in result.failures:
            by_message.setdefault(case.message, []).append(case.name)
        for message, case_names in by_message.items():
            for case_name in case_names:
                console.print(Text(f"  ✗ {case_name}", style="bold"))
            for text in message.splitlines():
                console.print(Text(f"      {text}"))
        if result.crash:
            for text in result.crash.splitlines():
                console.print(Text(f"      {text}"))
    failing = [r.exercise.name for r in results if not r.passed]
    if failing:
        console.print()
        hints = ", ".join(f"`tutor hint {n}`" for n in failing)
        console.print(Text(f"Fix and run `tutor check` again. Stuck? {hints}"))
        ctx.exit(1)


def _failure_summary(result: Any) -> str:
    if result.timed_out is not None:
        return (
            f"timed out after {result.timed_out:g} s: does your code loop forever? "
            f"(`--timeout` gives it longer)"
        )
    if result.crash is not None:
        return "the tests could not run:"
    return f"{len(result.failures)} of {len(result.cases)} tests fail"


@click.command()
@click.argument("exercise")
def hint(exercise: str) -> None:
    """Show a hint for EXERCISE."""
    from tutor import exercises as core

    ex = core.get_exercise(exercise)
    click.echo(f"Hint for {ex.name}:\n\n{ex.hint}")


@click.command()
@click.argument("exercise")
@click.option(
    "--force",
    is_flag=True,
    help="Show it before the exercise passed (recorded: it then no longer counts).",
)
def solution(exercise: str, force: bool) -> None:
    """Show the solution of EXERCISE once your file passes `tutor check`."""
    from tutor import exercises as core

    shown = core.solution(exercise, force)
    if shown.revealed_early:
        click.echo(
            f"(Revealed before {shown.exercise.name} passed: recorded. To make it count, "
            f"start over later with `tutor start {shown.exercise.name} --force`.)\n",
            err=True,
        )
    click.echo(shown.source, nl=False)


@click.command(name="exercises")
def exercises_() -> None:
    """List the exercises and where you are with each."""
    from rich.table import Table
    from rich.text import Text

    from tutor import exercises as core

    table = Table(box=None, pad_edge=False)
    for column in ("exercise", "day", "title", "status"):
        table.add_column(column, no_wrap=column != "title")
    for listed in core.list_exercises():
        ex = listed.exercise
        # Text, not markup: titles such as "... on [CLS]" must print as written.
        table.add_row(
            ex.name,
            str(ex.day),
            Text(ex.title),
            Text(listed.status, style=STATUS_STYLE[listed.status]),
        )
    console = _console()
    console.print(table)
    console.print("\nStart one with `tutor start EXERCISE`; check it with `tutor check EXERCISE`.")


@click.group()
def dev() -> None:
    """Tools for authors of the course content."""


@dev.command(name="check")
@click.option(
    "--exercises-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Exercises to check (default: the shipped ones).",
)
@click.option(
    "--solutions-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Their solutions (default: the shipped ones).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=300,
    show_default=True,
    help="Seconds before a test session is stopped.",
)
def dev_check(exercises_dir: Path | None, solutions_dir: Path | None, timeout: float) -> None:
    """Prove the exercises: each has a hint, a test file and a solution; every starter
    fails its tests and every solution passes them."""
    from tutor import exercises as core
    from tutor.errors import ValidationError

    content = core.Content.shipped()
    content = core.Content(
        exercises_dir or content.exercises_dir, solutions_dir or content.solutions_dir
    )
    report = core.dev_check(content, timeout)
    for line in report.lines:
        click.echo(line)
    if report.problems:
        raise ValidationError(report.problems)
    click.echo(f"All {len(report.lines)} exercises are sound.")


@dev.command(name="notebooks")
@click.argument("names", nargs=-1)
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Folder of the notebooks (default: docs/notebooks of this checkout).",
)
@click.option(
    "--check", is_flag=True, help="Only report notebooks whose outputs are stale or unclean."
)
@click.option(
    "--timeout",
    type=click.IntRange(min=1),
    default=3600,
    show_default=True,
    help="Seconds one cell may take.",
)
def dev_notebooks(
    names: tuple[str, ...], directory: Path | None, check: bool, timeout: int
) -> None:
    """Execute the course notebooks for real (full profile) and save them with their
    outputs and a hash of their code; NAMES picks some (e.g. cola), default all."""

    from tutor import notebooks as core
    from tutor.errors import UsageError, ValidationError

    folder = directory or core.NOTEBOOK_DIR
    paths = sorted(folder.glob("*.ipynb"))
    if names:
        wanted = {n.removesuffix(".ipynb") for n in names}
        unknown = wanted - {p.stem for p in paths}
        if unknown:
            raise UsageError(f"No notebook named {', '.join(sorted(unknown))} in {folder}.")
        paths = [p for p in paths if p.stem in wanted]
    if not paths:
        raise UsageError(f"No notebooks in {folder}.")
    if check:
        stale, unclean = core.check_report(paths)
        if stale or unclean:
            raise ValidationError(stale + [f"{line} (unclean outputs)" for line in unclean])
        count = f"{len(paths)} notebook{'s' if len(paths) != 1 else ''}"
        click.echo(f"Checked {count}: the outputs belong to the code and are clean.")
        return
    for p in paths:
        click.echo(f"Executing {p.name} (full profile)...")
        done = core.regenerate(p, timeout=timeout)
        note = "" if done.size <= core.MAX_BYTES else f" - over {core.MAX_BYTES:,} bytes"
        click.echo(f"  {done.seconds:.0f} s, {done.size:,} bytes written{note}")
