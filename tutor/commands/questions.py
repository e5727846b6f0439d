"""`tutor questions validate|list`: check and browse the interview question bank."""

from __future__ import annotations

from pathlib import Path

import click

LEVELS = ("easy", "medium")  # tutor.questions.LEVELS, kept here so --help stays light


@click.group()
def questions() -> None:
    """Check and browse the interview question bank."""


@questions.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Validate question files (default: the shipped bank); list every problem.

    PATHS may be YAML files or folders of them. Exits 1 if anything is wrong, with one
    line per problem: FILE:LINE: question 'ID' field 'FIELD': message.
    """
    from tutor.questions import load_bank

    bank = load_bank(list(paths) if paths else None)
    counts = bank.count_by_level()
    by_level = ", ".join(f"{n} {level}" for level, n in counts.items())
    files = len(bank.files)
    click.echo(
        f"{len(bank)} question{'s' if len(bank) != 1 else ''} OK ({by_level}) "
        f"in {files} file{'s' if files != 1 else ''}"
    )


@questions.command("list")
@click.option("--level", type=click.Choice(LEVELS), help="Only this level.")
@click.option("--topic", metavar="TOPIC", help="Only questions tagged TOPIC.")
def list_(level: str | None, topic: str | None) -> None:
    """List the questions: id, level, type and topics."""
    from rich.console import Console
    from rich.table import Table

    from tutor.questions import load_bank

    bank = load_bank().filter(level=level, topic=topic)
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("id", overflow="fold")
    table.add_column("level")
    table.add_column("type")
    table.add_column("topics", overflow="fold")
    for q in bank:
        table.add_row(q.id, q.level, q.type, ", ".join(q.topics))
    console = Console(highlight=False)
    if len(bank):
        console.print(table)
    console.print(f"{len(bank)} question{'s' if len(bank) != 1 else ''}", markup=False)
