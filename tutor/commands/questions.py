"""`tutor questions validate|list`: check and browse the interview question bank."""

from __future__ import annotations

from pathlib import Path

import click

from tutor.commands._options import LevelChoice

LEVELS = LevelChoice()  # the course data's levels, read when click needs them


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
    from tutor.question_bank import LONGEST_RIGHT_TARGET, load_bank

    bank = load_bank(list(paths) if paths else None, check_links=True)
    counts = bank.count_by_level()
    by_level = ", ".join(f"{n} {level}" for level, n in counts.items())
    files = len(bank.files)
    click.echo(
        f"{len(bank)} question{'s' if len(bank) != 1 else ''} OK ({by_level}) "
        f"in {files} file{'s' if files != 1 else ''}"
    )
    if bank.docs_checked:
        click.echo(f"Lesson links resolve to pages and sections in {_names(bank.docs_checked)}.")
    else:
        click.echo("Lesson links not checked: no docs/ folder beside these question files.")
    longest, singles = bank.longest_right()
    if singles:
        share = longest / singles
        verdict = "within" if share <= LONGEST_RIGHT_TARGET else "above"
        click.echo(
            f"Right option is the longest in {longest} of {singles} single-choice questions "
            f"({share:.0%}; {verdict} the {LONGEST_RIGHT_TARGET:.0%} target)."
        )
    # The bank's balances (True right per level, right options per multiple-choice item,
    # questions per lesson): figures only, as the longest-option line; the shipped bank's
    # limits are enforced by tests/test_bank_balance.py.
    from tutor.bank_balance import balance, lesson_pages

    pages = [page for docs in bank.docs_checked for page in lesson_pages(docs)]
    for line in balance(bank, pages).lines():
        click.echo(line)


def _names(folders: tuple[Path, ...]) -> str:
    return ", ".join(str(f) for f in folders)


@questions.command()
@click.argument("question_id", metavar="ID")
@click.argument("answer")
@click.option("--json", "as_json", is_flag=True, help="Print the feedback as JSON.")
def grade(question_id: str, answer: str, as_json: bool) -> None:
    """Grade ANSWER to the free-text question ID, as `tutor quiz` does.

    Prints each key point as covered, missed or unsure (the grader cannot tell: judge it
    yourself) and a score in [0, 1] that counts only the covered points (see
    tutor/grading/). An empty or off-topic answer is graded without loading the model.
    --json prints {"score": ..., "covered": [...], "missed": [...], "unsure": [...], ...}.
    """
    import json

    from tutor import grading
    from tutor.errors import UsageError
    from tutor.question_bank import load_bank
    from tutor.questions import FreeText

    bank = load_bank()
    try:
        question = bank.get(question_id)
    except KeyError:
        raise UsageError(
            f"No question '{question_id}'; `tutor questions list` shows the ids."
        ) from None
    if not isinstance(question, FreeText):
        raise UsageError(f"'{question_id}' is a {question.type} question, not free_text.")

    def encoder() -> grading.Encoder:  # loaded only if the answer needs it
        try:
            return grading.load_encoder()
        except grading.GradingUnavailable as exc:
            raise UsageError(f"Cannot grade: {exc}.") from None

    feedback = grading.grade(
        question.key_points,
        answer,
        encoder,
        prompt=question.prompt,
        model_answer=question.model_answer,
    )
    if as_json:
        click.echo(json.dumps(feedback.to_dict(), ensure_ascii=False))
        return
    click.echo(f"score {feedback.score:.2f} of 1")
    for point in feedback.points:
        extra = f" ({point.problem})" if point.problem else ""
        click.echo(f"  {point.status}: {point.point}{extra}")
    if feedback.unsure:
        click.echo("unsure: the grader cannot tell; they count once you judge them (tutor quiz)")
    for note in feedback.notes:
        click.echo(f"note: {note}")


@questions.command("list")
@click.option("--level", type=LEVELS, help="Only this level.")
@click.option("--topic", metavar="TOPIC", help="Only questions tagged TOPIC.")
def list_(level: str | None, topic: str | None) -> None:
    """List the questions: id, level, type and topics."""
    from rich.console import Console
    from rich.table import Table

    from tutor.question_bank import load_bank

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
