"""The terminal side of `tutor quiz`: one UI, drawn on one of two surfaces.

Each thing the quiz shows (a question, feedback on a free-text answer, the verdict, the
summary) is composed once, by :class:`TerminalUI`, as lines of styled text, rows (a label
and a text that wraps under itself) and titled blocks. A surface draws them: plain text
for pipes and scripts (answers read line by line from stdin), or rich panels and colours
on a terminal. The session loop itself is :class:`tutor.quiz_session.QuizSession`.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import Any, Literal

import click

READ_AGAIN = "Read again on the course site (`mkdocs serve` in the repository, then open):"

Seg = tuple[str, str]  # (text, rich style; "" for none)


@dataclass
class Line:
    """A line of styled segments; with a ``label``, a row whose text wraps under itself.
    ``only`` keeps it to one surface (the rich one spaces its panels with blank lines)."""

    segs: list[Seg] = field(default_factory=list)
    label: str | None = None
    label_style: str = ""
    only: Literal["plain", "rich"] | None = None

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.segs)


@dataclass
class Block:
    """Lines under a title: a panel on a terminal, a heading line in plain text."""

    title: str
    plain_title: str
    lines: list[Line]
    border: str
    subtitle: str | None = None


# --------------------------------------------------------------------------- text


_LIST_ITEM = re.compile(r"\s*([-*•]|\d+[.)])\s")
# Control characters (ESC starts terminal escape sequences, CR overwrites the line) and
# bidi overrides from a question file must not reach the terminal; tabs and newlines may.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def safe(text: str) -> str:
    """YAML text as printable text: control characters removed."""
    return _CONTROL.sub("", text)


def flow(text: str) -> str:
    """YAML block text for the terminal: lines of a paragraph joined into one (the
    terminal wraps them), blank lines and list items kept, control characters removed."""
    paragraphs: list[str] = []
    for line in safe(text).strip().splitlines():
        if not line.strip():
            paragraphs.append("")
        elif paragraphs and paragraphs[-1] and not _LIST_ITEM.match(line):
            paragraphs[-1] += " " + line.strip()
        else:
            paragraphs.append(line.rstrip())
    return "\n".join(paragraphs)


def short(text: str, width: int = 70) -> str:
    flat = " ".join(safe(text).split())
    return flat if len(flat) <= width else flat[: width - 3].rstrip() + "..."


def percent(right: int, total: int) -> str:
    return f"{round(100 * right / total)}%" if total else "-"


# How each option is marked after an answer: (symbol, tag, style), by (picked, right).
_MARKS = {
    (True, True): ("✓", "your pick, right", "green"),
    (True, False): ("✗", "your pick, wrong", "red"),
    (False, True): ("!", "right, not picked", "yellow"),
    (False, False): ("·", "wrong", "dim"),
}


def feedback_lines(feedback: Any) -> list[Line]:
    """A row per key point of automatic feedback: covered, unsure (numbered for the
    self-check), contradicted or missed."""
    lines = []
    unsure = 0
    for p in feedback.points:
        point = safe(p.point)
        if p.status == "unsure":
            unsure += 1
            symbol, text, style = (
                "?",
                f"unsure ({unsure}): {point} (can't tell: did you say this?)",
                "yellow",
            )
        elif p.covered:
            symbol, text, style = "✓", f"covered: {point}", "green"
        elif p.problem == "without its numbers":
            symbol, text, style = (
                "✗",
                f"missed: {point} (on the topic, but without its numbers)",
                "red",
            )
        elif p.problem and p.problem != "a list of terms" and p.clause:
            said = short(p.clause, 60)
            symbol, text, style = (
                "✗",
                f'contradicted: {point} (you said "{said}", which {p.problem})',
                "red",
            )
        elif p.problem:
            symbol, text, style = (
                "✗",
                f"missed: {point} (named, but in a list of terms, not a claim)",
                "red",
            )
        else:
            symbol, text, style = "✗", f"missed: {point}", "red"
        lines.append(Line([(text, "")], label=symbol, label_style=f"bold {style}"))
    return lines


def topic_line(topic: Any) -> str:
    mean = topic.mean_score
    score = f", mean score {mean:.2f}" if mean is not None else ""
    return (
        f"{topic.right}/{topic.answered} counted right{score}; "
        f"{len(topic.strengths)} key point(s) covered (+), {len(topic.gaps)} missed (-)"
    )


# --------------------------------------------------------------------------- surfaces


class PlainSurface:
    """Plain text for pipes and scripts: one answer per input line."""

    def __init__(self, err: bool = False):
        self.err = err

    def echo(self, text: str = "") -> None:
        click.echo(text, err=self.err)

    def lines(self, lines: list[Line]) -> None:
        for line in lines:
            if line.only == "rich":
                continue
            self.echo(f"  {line.label} {line.text}" if line.label is not None else line.text)

    def block(self, block: Block) -> None:
        self.echo(block.plain_title)
        self.lines(block.lines)

    def table(
        self, title: str, plain_title: str, columns: list[str], rows: list[list[str]]
    ) -> None:
        self.echo(plain_title)
        for row in rows:
            self.echo(f"  {row[0]}: {row[1]}")

    def read(self, prompt: str) -> str | None:
        self.echo(prompt)
        line = sys.stdin.readline()
        return line.rstrip("\r\n") if line else None


class RichSurface:
    """Panels and colours on a terminal."""

    def __init__(self, err: bool = False):
        from rich.console import Console

        self.console = Console(stderr=err, highlight=False)

    def echo(self, text: str = "") -> None:
        self.console.print(text, markup=False)

    def _renderables(self, lines: list[Line]) -> list[Any]:
        from rich.table import Table
        from rich.text import Text

        out: list[Any] = []
        grid: Any = None
        for line in lines:
            if line.only == "plain":
                continue
            text = Text()
            for segment, style in line.segs:
                text.append(segment, style=style or None)
            if line.label is None:
                out.append(text)
                grid = None
                continue
            if grid is None:
                # A grid, so that a row that wraps keeps its hanging indent.
                grid = Table.grid(padding=(0, 1))
                grid.add_column(justify="right", no_wrap=True)
                grid.add_column()
                out.append(grid)
            grid.add_row(Text(f" {line.label}", style=line.label_style or None), text)
        return out

    def lines(self, lines: list[Line]) -> None:
        for renderable in self._renderables(lines):
            self.console.print(renderable)

    def block(self, block: Block) -> None:
        from rich.console import Group
        from rich.panel import Panel

        body = Group(*self._renderables(block.lines))
        self.console.print(
            Panel(body, title=block.title, subtitle=block.subtitle, border_style=block.border)
        )

    def table(
        self, title: str, plain_title: str, columns: list[str], rows: list[list[str]]
    ) -> None:
        from rich.table import Table

        table = Table(title=title)
        for n, column in enumerate(columns):
            table.add_column(column, justify="right" if n else "left")
        for row in rows:
            table.add_row(*row)
        self.console.print(table)

    def read(self, prompt: str) -> str | None:
        from rich.text import Text

        try:
            return self.console.input(Text(prompt, style="bold cyan"))
        except EOFError:
            return None


def make_ui(as_json: bool) -> TerminalUI:
    """Rich on a terminal, plain text otherwise; on stderr when stdout carries JSON."""
    out = sys.stderr if as_json else sys.stdout
    rich = sys.stdin.isatty() and out.isatty()
    return TerminalUI(RichSurface(err=as_json) if rich else PlainSurface(err=as_json))


# --------------------------------------------------------------------------- the UI


class TerminalUI:
    """What the quiz shows, composed once for either surface."""

    def __init__(self, surface: PlainSurface | RichSurface | None = None):
        self.surface = surface or PlainSurface()

    # ------------------------------------------------------------------ the loop

    def run(self, session: Any) -> None:
        """Ask until the session is over, the input ends or Ctrl-C."""
        from tutor import quiz_session as qs

        try:
            while (ask := session.ask()) is not None:
                if ask.first:
                    self.question(ask.item, ask.number, ask.total)
                text = self.read(ask.prompt)
                if text is None:
                    session.stop("end-of-input")
                    break
                for event in session.answer(text):
                    if isinstance(event, qs.Invalid):
                        self.invalid(event.message)
                    elif isinstance(event, qs.Note):
                        self.note(event.text)
                    elif isinstance(event, qs.Feedback):
                        self.grading(event.feedback)
                    elif isinstance(event, qs.Checked):
                        self.checked(event.feedback)
                    elif isinstance(event, qs.Reveal):
                        self.reveal(event.item, key_points=event.key_points)
                    elif isinstance(event, qs.Answered):
                        self.feedback(event.item, event.grade)
        except KeyboardInterrupt:
            session.stop("interrupted")

    # ------------------------------------------------------------------ pieces

    def read(self, prompt: str) -> str | None:
        return self.surface.read(prompt)

    def note(self, text: str) -> None:
        self.surface.echo(text)

    def invalid(self, text: str) -> None:
        self.surface.lines([Line([(f"Not an answer: {text}", "yellow")])])

    def start(self, what: str, count: int, review: bool, interview: bool = False) -> None:
        if count == 1:
            what = what.replace("questions", "question", 1)
        if interview:
            self.note(
                f"Mock interview: {count} {what}. Answer each as you would aloud, in a few "
                "sentences; feedback follows each answer. Each answer is saved at once; "
                "Ctrl-C stops."
            )
            return
        kind = "Review" if review else "Quiz"
        self.note(f"{kind}: {count} {what}. Each answer is saved at once; Ctrl-C stops.")

    def question(self, item: Any, number: int, total: int) -> None:
        q = item.question
        lines = [Line([(flow(q.prompt), "")])]
        choices = item.choices
        if choices:
            lines.append(Line(only="rich"))
            for letter, choice in zip("abcdefghijklmnopqrstuvwxyz", choices, strict=False):
                lines.append(
                    Line([(safe(choice.text), "")], label=f"{letter})", label_style="bold")
                )
        if q.terminal_note:
            lines += [Line(only="rich"), Line([(q.terminal_note, "dim")])]
        where = f"{q.level} · {', '.join(q.topics)}"
        self.surface.echo()
        self.surface.block(
            Block(
                title=f"Question {number}/{total}",
                subtitle=where,
                plain_title=f"Question {number}/{total} [{where}]",
                lines=lines,
                border="cyan",
            )
        )

    def reveal(self, item: Any, key_points: bool = True) -> None:
        """A free-text question's model answer, and its key points."""
        q = item.question
        answer = flow(q.model_answer)
        lines = [Line([(answer, "")], only="rich")]
        if key_points:
            lines += [Line(only="rich"), Line([("Key points:", "")])]
            lines += [Line([(safe(point), "")], label="-") for point in q.key_points]
        self.surface.block(
            Block(
                title="Model answer",
                plain_title=f"Model answer: {answer}",
                lines=lines,
                border="blue",
            )
        )

    def grading(self, feedback: Any) -> None:
        """Automatic feedback on a free-text answer: the key points covered, unsure,
        contradicted and missed, and the score. The one place the quiz shows it."""
        score = f"Feedback: score {feedback.score:.2f} of 1"
        if feedback.unsure:
            score += f" so far, {len(feedback.unsure)} of {len(feedback.points)} points unsure"
        lines = feedback_lines(feedback)
        lines += [Line([(f"Note: {note}.", "yellow")]) for note in feedback.notes]
        if feedback.unsure:
            lines.append(Line([("Points marked ? count only if you tick them (next).", "dim")]))
        self.surface.block(
            Block(
                title=score,
                subtitle="key points covered; sentence-encoder similarity; you have the final say",
                plain_title=f"{score} (key points covered; sentence-encoder similarity)",
                lines=lines,
                border="magenta",
            )
        )

    def checked(self, feedback: Any) -> None:
        """The score once the learner has judged the unsure points."""
        ticked = sum(1 for p in feedback.points if p.by == "learner" and p.covered)
        ticks = "1 point ticked" if ticked == 1 else f"{ticked} points ticked"
        self.surface.lines(
            [
                Line(
                    [
                        (f"After your self-check: score {feedback.score:.2f} of 1", "bold"),
                        (f" ({ticks}).", ""),
                    ]
                )
            ]
        )

    def feedback(self, item: Any, grade: Any) -> None:
        """The verdict on an answer, the choices explained, and the explanation."""
        q = item.question
        lines = [
            Line([(q.verdict(grade, item.order), "bold green" if grade.correct else "bold red")])
        ]
        for index, picked, right in q.explained_choices(grade, item.order):
            symbol, tag, mark = _MARKS[(picked, right)]
            choice = q.choices[index]
            segs = [(f"[{tag}] ", mark), (safe(choice.text), "bold"), (f": {flow(choice.why)}", "")]
            lines.append(
                Line(segs, label=f"{symbol} {item.letter(index)})", label_style=f"bold {mark}")
            )
        lines.append(Line([("Explanation: ", "bold"), (flow(q.explanation), "")]))
        self.surface.lines(lines)

    def summary(self, summary: Any, level: str) -> None:
        self.surface.echo()
        score = f"{summary.score}/{summary.total} ({percent(summary.score, summary.total)})"
        rows = [
            [topic, f"{right}/{seen}", percent(right, seen)]
            for topic, (right, seen) in summary.per_topic.items()
        ]
        self.surface.table(f"Score {score}", f"Score: {score}", ["Topic", "Right", "%"], rows)
        lines: list[Line] = []
        if summary.missed:
            lines.append(Line([("Missed:", "bold")]))
            lines += [
                Line([(f"  {q.id}", "red"), (f": {short(q.prompt)}", "")]) for q in summary.missed
            ]
            lines.append(
                Line(
                    [("They come back for review: ", ""), (f"tutor quiz {level} --review", "bold")]
                )
            )
        if summary.lessons:
            lines.append(Line([(READ_AGAIN, "bold")]))
            lines += [Line([(f"  {url}", f"link {url}")]) for url in summary.lesson_urls]
        self.surface.lines(lines)

    def interview_report(self, report: Any) -> None:
        if not report:
            return
        lines: list[Line] = []
        for topic in report:
            lines.append(Line([(topic.topic, "bold"), (f": {topic_line(topic)}", "")]))
            lines += [
                Line([(safe(p), "")], label="+", label_style="bold green") for p in topic.strengths
            ]
            lines += [Line([(safe(p), "")], label="-", label_style="bold red") for p in topic.gaps]
        self.surface.echo()
        self.surface.block(
            Block(
                title="Interview report: strengths and gaps by topic",
                plain_title="Interview report (weakest topic first):",
                lines=lines,
                border="cyan",
            )
        )
