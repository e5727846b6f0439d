"""`tutor quiz easy|medium`: interview practice in the terminal.

On a terminal: rich panels, lettered shuffled choices and immediate feedback. Without
one (a pipe, a script, CliRunner): plain text, answers read line by line from stdin.
Every answer is saved to quiz.json as soon as it is given; end of input or Ctrl-C ends
the quiz with the summary of what was answered.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import string
import sys
from collections.abc import Iterator
from typing import Any

import click

LEVELS = ("easy", "medium")  # tutor.questions.LEVELS, kept here so --help stays light
READ_AGAIN = "Read again on the course site (`mkdocs serve` in the repository, then open):"


@click.command()
@click.argument("level", type=click.Choice(LEVELS))
@click.option("--topic", metavar="TOPIC", help="Only questions tagged TOPIC (e.g. softmax, mlm).")
@click.option(
    "--count",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="How many questions.",
)
@click.option("--seed", type=int, help="Fix the choice of questions and the order of choices.")
@click.option(
    "--review", is_flag=True, help="Only questions due for review, the ones you missed first."
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the result as JSON on stdout (progress on stderr).",
)
@click.pass_context
def quiz(
    ctx: click.Context,
    level: str,
    topic: str | None,
    count: int,
    seed: int | None,
    review: bool,
    as_json: bool,
) -> None:
    """Practise interview questions of LEVEL (easy or medium).

    Type a letter (b), several for multiple choice (a,c), t/f, or a number. Free-text
    questions show a model answer and key points; then you grade yourself y/n. Every
    answer is saved at once; questions you miss come back with --review.
    """
    from tutor import history
    from tutor import quiz as core
    from tutor.errors import UsageError
    from tutor.questions import load_bank

    bank = load_bank()
    pool = bank.filter(level=level, topic=topic)
    what = f"{level} questions" + (f" on {topic}" if topic else "")
    ui = _make_ui(as_json)
    mode = "review" if review else "quiz"
    rng = random.Random(seed)  # one generator: the same seed gives the same quiz

    if review:
        quiz_state = history.load_quiz_state()
        questions = core.pick_review(pool, quiz_state, count=count)
        if not questions:
            when = core.next_review(pool, quiz_state)
            _nothing_due(ui, what, level, when, as_json)
            return
    else:
        if not len(pool):
            raise UsageError(f"There are no {what} in the bank.")
        questions = core.pick_questions(pool, count=count, seed=rng)

    items = core.prepare(questions, rng)
    session = history.new_session_id()
    results: list[core.Result] = []
    stopped: str | None = None
    ui.start(what, len(items), review)
    try:
        for number, item in enumerate(items, 1):
            ui.question(item, number, len(items))
            grade = _ask(ui, item)
            if grade is None:
                stopped = "end-of-input"
                break
            with _interrupt_deferred():  # saved and counted together
                history.record_answer(item.question, grade.correct, session=session, mode=mode)
                results.append(core.Result(item.question, grade.correct))
            ui.feedback(item, grade)
    except KeyboardInterrupt:
        stopped = "interrupted"

    summary = core.summarize(results)
    if stopped == "interrupted":
        ui.note(f"\nStopped; {len(results)} answer{'s' if len(results) != 1 else ''} saved.")
    elif stopped:
        ui.note(
            f"\nInput ended after {len(results)} of {len(items)} questions; "
            f"{len(results)} answer{'s' if len(results) != 1 else ''} saved."
        )
    ui.summary(summary)
    if as_json:
        result: dict[str, Any] = {
            "level": level,
            "topic": topic,
            "mode": mode,
            "session": session,
            "planned": len(items),
            "completed": stopped is None,
            "stopped": stopped,
            **summary.to_dict(),
        }
        click.echo(json.dumps(result, indent=2))
    if stopped == "interrupted":
        ctx.exit(130)


# --------------------------------------------------------------------------- helpers


def _ask(ui: _PlainUI, item: Any) -> Any:
    """Read until the answer can be graded; None at end of input. Invalid input re-asks."""
    from tutor import quiz as core
    from tutor.questions import FreeText

    if isinstance(item.question, FreeText):
        attempt = ui.read("Your answer (one line; Enter when done): ")
        if attempt is None:
            return None
        ui.reveal(item)
        prompt = "Did your answer cover the key points? (y/n): "
    else:
        prompt = f"Your answer ({item.expected_input()}): "
    while True:
        text = ui.read(prompt)
        if text is None:
            return None
        try:
            return core.grade(item, text)
        except core.InvalidAnswer as exc:
            ui.invalid(f"{exc}.")


@contextlib.contextmanager
def _interrupt_deferred() -> Iterator[None]:
    """Hold Ctrl-C while an answer is saved and counted, then deliver it: nothing that
    was answered is lost, and nothing is counted that was not saved."""
    import signal
    import threading

    pending: list[int] = []
    old: Any = None
    if threading.current_thread() is threading.main_thread():
        old = signal.signal(signal.SIGINT, lambda signum, frame: pending.append(signum))
    try:
        yield
    finally:
        if old is not None:
            signal.signal(signal.SIGINT, old)
    if pending:
        raise KeyboardInterrupt


def _nothing_due(ui: _PlainUI, what: str, level: str, when: Any, as_json: bool) -> None:
    if when is None:
        ui.note(
            f"Nothing to review: you have not answered any {what} yet. "
            f"Run `tutor quiz {level}` first."
        )
    else:
        ui.note(f"Nothing to review in {what} right now; the next is due {_in(when)}.")
    if as_json:
        click.echo(
            json.dumps(
                {
                    "mode": "review",
                    "score": 0,
                    "total": 0,
                    "per_topic": {},
                    "missed": [],
                    "due": 0,
                    "next_due": when.isoformat() if when else None,
                },
                indent=2,
            )
        )


def _in(when: Any) -> str:
    from tutor.scheduling import utc_now

    seconds = (when - utc_now()).total_seconds()
    stamp = when.strftime("%Y-%m-%d %H:%M UTC")
    if seconds < 60:
        return f"in less than a minute ({stamp})"
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = round(seconds / size)
            return f"in {n} {unit}{'s' if n != 1 else ''} ({stamp})"
    return stamp  # pragma: no cover


def _make_ui(as_json: bool) -> _PlainUI:
    out = sys.stderr if as_json else sys.stdout
    if sys.stdin.isatty() and out.isatty():
        return _RichUI(err=as_json)
    return _PlainUI(err=as_json)


_LIST_ITEM = re.compile(r"\s*([-*•]|\d+[.)])\s")


def _flow(text: str) -> str:
    """YAML block text for the terminal: lines of a paragraph joined into one (the
    terminal wraps them), blank lines and list items kept."""
    paragraphs: list[str] = []
    for line in text.strip().splitlines():
        if not line.strip():
            paragraphs.append("")
        elif paragraphs and paragraphs[-1] and not _LIST_ITEM.match(line):
            paragraphs[-1] += " " + line.strip()
        else:
            paragraphs.append(line.rstrip())
    return "\n".join(paragraphs)


def _percent(right: int, total: int) -> str:
    return f"{round(100 * right / total)}%" if total else "-"


class _PlainUI:
    """Plain text for pipes and scripts: one answer per input line."""

    def __init__(self, err: bool = False):
        self.err = err

    def echo(self, text: str = "") -> None:
        click.echo(text, err=self.err)

    def read(self, prompt: str) -> str | None:
        self.echo(prompt)
        line = sys.stdin.readline()
        return line.rstrip("\r\n") if line else None

    def note(self, text: str) -> None:
        self.echo(text)

    def invalid(self, text: str) -> None:
        self.echo(f"Not an answer: {text}")

    def start(self, what: str, count: int, review: bool) -> None:
        kind = "Review" if review else "Quiz"
        self.echo(f"{kind}: {count} {what}. Each answer is saved at once; Ctrl-C stops.")

    def question(self, item: Any, number: int, total: int) -> None:
        q = item.question
        self.echo()
        self.echo(f"Question {number}/{total} [{q.level} · {', '.join(q.topics)}]")
        self.echo(_flow(q.prompt))
        for letter, choice in zip(string.ascii_lowercase, item.choices, strict=False):
            self.echo(f"  {letter}) {choice.text}")
        if q.type == "multiple_choice":
            self.echo("(more than one is right)")

    def reveal(self, item: Any) -> None:
        q = item.question
        self.echo(f"Model answer: {_flow(q.model_answer)}")
        self.echo("Key points:")
        for point in q.key_points:
            self.echo(f"  - {point}")

    def _verdict(self, item: Any, grade: Any) -> str:
        from tutor.quiz import format_answer

        if item.question.type == "free_text":
            return "✓ Counted as right." if grade.correct else "✗ Counted as missed."
        if grade.correct:
            return "✓ Correct."
        return f"✗ Wrong: the answer is {format_answer(item)}."

    def _whys(self, item: Any, grade: Any) -> list[tuple[str, bool, str, str]]:
        """(letter, is right, text, why) for the chosen and the right choices, shown order."""
        q = item.question
        if q.type not in ("single_choice", "multiple_choice"):
            return []
        right = set(q.correct_indices)
        shown = [i for i in item.order if i in right or i in grade.chosen]
        return [(item.letter(i), i in right, q.choices[i].text, q.choices[i].why) for i in shown]

    def feedback(self, item: Any, grade: Any) -> None:
        self.echo(self._verdict(item, grade))
        for letter, right, text, why in self._whys(item, grade):
            self.echo(f"  {'✓' if right else '✗'} {letter}) {text}: {_flow(why)}")
        self.echo(f"Explanation: {_flow(item.question.explanation)}")

    def summary(self, summary: Any) -> None:
        self.echo()
        self.echo(
            f"Score: {summary.score}/{summary.total} ({_percent(summary.score, summary.total)})"
        )
        for topic, (right, seen) in summary.per_topic.items():
            self.echo(f"  {topic}: {right}/{seen}")
        if summary.lessons:
            self.echo(READ_AGAIN)
            for url in summary.lesson_urls:
                self.echo(f"  {url}")


class _RichUI(_PlainUI):
    """Panels and colours on a terminal."""

    def __init__(self, err: bool = False):
        super().__init__(err)
        from rich.console import Console

        self.console = Console(stderr=err, highlight=False)

    def echo(self, text: str = "") -> None:
        self.console.print(text, markup=False)

    def read(self, prompt: str) -> str | None:
        from rich.text import Text

        try:
            return self.console.input(Text(prompt, style="bold cyan"))
        except EOFError:
            return None

    def invalid(self, text: str) -> None:
        self.console.print(f"Not an answer: {text}", style="yellow", markup=False)

    def question(self, item: Any, number: int, total: int) -> None:
        from rich.console import Group
        from rich.panel import Panel
        from rich.table import Table
        from rich.text import Text

        q = item.question
        parts: list[Any] = [Text(_flow(q.prompt))]
        if item.choices:
            # A grid, so that a choice that wraps keeps its hanging indent.
            grid = Table.grid(padding=(0, 1))
            grid.add_column(justify="right", style="bold")
            grid.add_column()
            for letter, choice in zip(string.ascii_lowercase, item.choices, strict=False):
                grid.add_row(f" {letter})", choice.text)
            parts += [Text(), grid]
        if q.type == "multiple_choice":
            parts += [Text(), Text("(more than one is right)", style="dim")]
        body = Group(*parts)
        self.console.print()
        self.console.print(
            Panel(
                body,
                title=f"Question {number}/{total}",
                subtitle=f"{q.level} · {', '.join(q.topics)}",
                border_style="cyan",
            )
        )

    def reveal(self, item: Any) -> None:
        from rich.panel import Panel
        from rich.text import Text

        q = item.question
        body = Text(_flow(q.model_answer) + "\n\nKey points:")
        for point in q.key_points:
            body.append(f"\n • {point}")
        self.console.print(Panel(body, title="Model answer", border_style="blue"))

    def feedback(self, item: Any, grade: Any) -> None:
        from rich.text import Text

        style = "bold green" if grade.correct else "bold red"
        self.console.print(Text(self._verdict(item, grade), style=style))
        for letter, right, text, why in self._whys(item, grade):
            line = Text(f"  {'✓' if right else '✗'} {letter}) ", style="green" if right else "red")
            line.append(text, style="bold")
            line.append(f": {_flow(why)}")
            self.console.print(line)
        explanation = Text("Explanation: ", style="bold")
        explanation.append(_flow(item.question.explanation))
        self.console.print(explanation)

    def summary(self, summary: Any) -> None:
        from rich.table import Table
        from rich.text import Text

        self.console.print()
        table = Table(
            title=f"Score {summary.score}/{summary.total} "
            f"({_percent(summary.score, summary.total)})"
        )
        table.add_column("Topic")
        table.add_column("Right", justify="right")
        table.add_column("%", justify="right")
        for topic, (right, seen) in summary.per_topic.items():
            table.add_row(topic, f"{right}/{seen}", _percent(right, seen))
        self.console.print(table)
        if summary.lessons:
            self.console.print(Text(READ_AGAIN, style="bold"))
            for url in summary.lesson_urls:
                self.console.print(Text(f"  {url}", style=f"link {url}"))
