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
    "--interview",
    is_flag=True,
    help="Mock interview: free-text questions only, feedback on each answer, and a "
    "closing report of strengths and gaps by topic.",
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
    interview: bool,
    as_json: bool,
) -> None:
    """Practise interview questions of LEVEL (easy or medium).

    Type a letter (b), several for multiple choice (a,c), t/f, or a number. A free-text
    answer gets feedback from a sentence encoder: the key points it covers, misses, or
    cannot judge (you tick those you made) and a score; you keep the final say (Enter
    accepts the suggested verdict, y or n overrides it). Every answer is saved at once; questions you miss come back with
    --review.
    """
    from tutor import history
    from tutor import quiz as core
    from tutor.errors import UsageError
    from tutor.questions import load_bank

    # Before the first question: an answer that cannot be saved is never asked for.
    history.preflight()
    bank = load_bank()
    pool = bank.filter(level=level, topic=topic)
    if interview:
        pool = core.free_text_only(pool)
    kind = "free-text " if interview else ""
    what = f"{level} {kind}questions" + (f" on {topic}" if topic else "")
    ui = _make_ui(as_json)
    mode = "interview" if interview else "review" if review else "quiz"
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
    grader = _Grader(ui)
    ui.start(what, len(items), review, interview)
    try:
        for number, item in enumerate(items, 1):
            ui.question(item, number, len(items))
            if item.question.type == "free_text":
                grader.warm_up()  # loads while the learner reads and types
            grade = _ask(ui, item, grader)
            if grade is None:
                stopped = "end-of-input"
                break
            with _interrupt_deferred():  # saved and counted together
                history.record_answer(
                    item.question,
                    grade.correct,
                    session=session,
                    mode=mode,
                    extra=grade.record_extra(),
                )
                results.append(core.Result(item.question, grade.correct, grade))
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
    ui.summary(summary, level)
    report = core.interview_report(results) if interview else None
    if report is not None:
        ui.interview_report(report)
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
            "answers": [_answer_json(r) for r in results],
        }
        if report is not None:
            result["interview"] = {t.topic: t.to_dict() for t in report}
        click.echo(json.dumps(result, indent=2))
    if stopped == "interrupted":
        ctx.exit(130)


# --------------------------------------------------------------------------- helpers


def _answer_json(result: Any) -> dict[str, Any]:
    grade = result.grade
    out: dict[str, Any] = {"id": result.question.id, "correct": result.correct}
    if grade is not None and grade.feedback is not None:
        out.update(grade.feedback.to_dict())
        out["overridden"] = grade.overridden
    if grade is not None and grade.empty:
        out["empty"] = True
    return out


class _Grader:
    """Automatic feedback on free-text answers, loaded on first need.

    The sentence encoder (torch, transformers, MiniLM: seconds to load) is started in a
    background thread when the first free-text question is shown, so it loads while the
    learner reads; a quiz without one never imports torch. If it cannot load, the quiz
    says so once and falls back to self-grading.
    """

    def __init__(self, ui: _PlainUI):
        self.ui = ui
        self.loader: Any = None
        self.unavailable: str | None = None

    def warm_up(self) -> None:
        if self.loader is None and self.unavailable is None:
            from tutor.grading import BackgroundLoader

            self.loader = BackgroundLoader()
            self.loader.start()

    def feedback(self, item: Any, answer: str) -> Any:
        """Feedback on ``answer``, or None (self-grading) when the encoder is missing.
        An empty or off-topic answer is graded without waiting for the encoder."""
        from tutor import grading

        if self.unavailable is None and grading.model_path() is None:
            try:  # off or not installed: says why at once, without torch
                grading.load_encoder()
            except grading.GradingUnavailable as exc:
                self._fall_back(str(exc))
        if self.unavailable is not None:
            return None
        self.warm_up()

        def encoder() -> Any:
            if not self.loader.ready:
                self.ui.note("Loading the sentence encoder for feedback (first time only)...")
            return self.loader.get()

        q = item.question
        try:
            return grading.grade(
                q.key_points, answer, encoder, context=f"{q.prompt}\n{q.model_answer}"
            )
        except grading.GradingUnavailable as exc:
            self._fall_back(str(exc))
            return None

    def _fall_back(self, reason: str) -> None:
        self.unavailable = reason
        self.ui.note(
            f"No automatic feedback: {reason}. Grade yourself against the model answer "
            "and key points."
        )


def _ask(ui: _PlainUI, item: Any, grader: _Grader) -> Any:
    """Read until the answer can be graded; None at end of input. Invalid input re-asks."""
    from tutor import quiz as core
    from tutor.questions import FreeText

    if isinstance(item.question, FreeText):
        attempt = ui.read("Your answer (one line; Enter when done): ")
        if attempt is None:
            return None
        if core.is_blank(attempt):
            ui.reveal(item)
            return core.blank_grade()
        feedback = grader.feedback(item, attempt)
        if feedback is not None:
            ui.grading(feedback)
            if feedback.unsure:
                # Self-check: the grader could not tell; the learner judges these points.
                checked = _read_until_valid(
                    ui,
                    "Which unsure points (?) did your answer make? Their numbers, e.g. 1,3; "
                    "all; Enter for none: ",
                    lambda text: feedback.self_check(core.parse_ticks(text, len(feedback.unsure))),
                )
                if checked is None:
                    return None
                feedback = checked
                ui.note(f"After your self-check: score {feedback.score:.2f} of 1.")
            ui.reveal(item, key_points=False)
            if feedback.off_topic:
                # Like an empty answer: never counts as right, so no verdict is asked.
                return core.graded_free_text(feedback, False)
            word = "right" if feedback.suggested else "missed"
            prompt = f"Count it as {word}? Enter accepts; y = right, n = missed: "
            return _read_until_valid(
                ui,
                prompt,
                lambda text: core.graded_free_text(
                    feedback, core.parse_verdict(text, feedback.suggested)
                ),
            )
        ui.reveal(item)
        prompt = "Did your answer cover the key points? (y/n): "
    else:
        prompt = f"Your answer ({item.expected_input()}): "
    return _read_until_valid(ui, prompt, lambda text: core.grade(item, text))


def _read_until_valid(ui: _PlainUI, prompt: str, parse: Any) -> Any:
    """``parse`` of what the learner types, asking again after invalid input; None at
    end of input."""
    from tutor import quiz as core

    while True:
        text = ui.read(prompt)
        if text is None:
            return None
        try:
            return parse(text)
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
# Control characters (ESC starts terminal escape sequences, CR overwrites the line) and
# bidi overrides from a question file must not reach the terminal; tabs and newlines may.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def _safe(text: str) -> str:
    """YAML text as printable text: control characters removed."""
    return _CONTROL.sub("", text)


def _flow(text: str) -> str:
    """YAML block text for the terminal: lines of a paragraph joined into one (the
    terminal wraps them), blank lines and list items kept, control characters removed."""
    paragraphs: list[str] = []
    for line in _safe(text).strip().splitlines():
        if not line.strip():
            paragraphs.append("")
        elif paragraphs and paragraphs[-1] and not _LIST_ITEM.match(line):
            paragraphs[-1] += " " + line.strip()
        else:
            paragraphs.append(line.rstrip())
    return "\n".join(paragraphs)


def _percent(right: int, total: int) -> str:
    return f"{round(100 * right / total)}%" if total else "-"


# How each option is marked after an answer: (symbol, tag, style).
_MARKS = {
    (True, True): ("✓", "your pick, right", "green"),
    (True, False): ("✗", "your pick, wrong", "red"),
    (False, True): ("!", "right, not picked", "yellow"),
    (False, False): ("·", "wrong", "dim"),
}


def _options(item: Any, grade: Any) -> list[tuple[str, str, str, str, str]]:
    """(symbol, letter, tag, text, why, style) per option to explain, in shown order:
    after a mistake every option; after a right answer the ones picked."""
    q = item.question
    if q.type not in ("single_choice", "multiple_choice"):
        return []
    right = set(q.correct_indices)
    shown = item.order if not grade.correct else [i for i in item.order if i in grade.chosen]
    rows = []
    for i in shown:
        symbol, tag, style = _MARKS[(i in grade.chosen, i in right)]
        rows.append(
            (symbol, item.letter(i), tag, _safe(q.choices[i].text), _flow(q.choices[i].why), style)
        )
    return rows


def _true_false_word(value: bool) -> str:
    return "True" if value else "False"


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

    def start(self, what: str, count: int, review: bool, interview: bool = False) -> None:
        if count == 1:
            what = what.replace("questions", "question", 1)
        if interview:
            self.echo(
                f"Mock interview: {count} {what}. Answer each as you would aloud, in a few "
                "sentences; feedback follows each answer. Each answer is saved at once; "
                "Ctrl-C stops."
            )
            return
        kind = "Review" if review else "Quiz"
        self.echo(f"{kind}: {count} {what}. Each answer is saved at once; Ctrl-C stops.")

    def question(self, item: Any, number: int, total: int) -> None:
        q = item.question
        self.echo()
        self.echo(f"Question {number}/{total} [{q.level} · {', '.join(q.topics)}]")
        self.echo(_flow(q.prompt))
        for letter, choice in zip(string.ascii_lowercase, item.choices, strict=False):
            self.echo(f"  {letter}) {_safe(choice.text)}")
        if q.type == "multiple_choice":
            self.echo("(more than one is right)")

    def reveal(self, item: Any, key_points: bool = True) -> None:
        q = item.question
        self.echo(f"Model answer: {_flow(q.model_answer)}")
        if key_points:
            self.echo("Key points:")
            for point in q.key_points:
                self.echo(f"  - {_safe(point)}")

    def grading(self, feedback: Any) -> None:
        """Automatic feedback on a free-text answer: covered, missed, score."""
        self.echo(
            f"Feedback: score {feedback.score:.2f} of 1 (key points covered; sentence-encoder "
            "similarity)"
        )
        for line in _feedback_lines(feedback):
            self.echo(f"  {line[0]} {line[1]}")
        for note in feedback.notes:
            self.echo(f"Note: {note}.")

    def _verdict(self, item: Any, grade: Any) -> str:
        from tutor.quiz import format_answer

        q = item.question
        if q.type == "free_text":
            if grade.empty:
                return "✗ Empty answer: counted as missed."
            if grade.feedback is not None and grade.feedback.off_topic:
                return "✗ Off topic: no part of the answer is about a key point; counted as missed."
            said = "✓ Counted as right" if grade.correct else "✗ Counted as missed"
            if grade.feedback is not None and grade.overridden:
                return f"{said} (your call; the feedback suggested the other way)."
            return f"{said}."
        if grade.correct:
            return "✓ Correct."
        if q.type == "true_false":
            return f"✗ Wrong: the statement is {_true_false_word(q.answer)}."
        return f"✗ Wrong: the answer is {format_answer(item)}."

    def feedback(self, item: Any, grade: Any) -> None:
        self.echo(self._verdict(item, grade))
        for symbol, letter, tag, text, why, _ in _options(item, grade):
            self.echo(f"  {symbol} {letter}) [{tag}] {text}: {why}")
        self.echo(f"Explanation: {_flow(item.question.explanation)}")

    def summary(self, summary: Any, level: str = "easy") -> None:
        self.echo()
        self.echo(
            f"Score: {summary.score}/{summary.total} ({_percent(summary.score, summary.total)})"
        )
        for topic, (right, seen) in summary.per_topic.items():
            self.echo(f"  {topic}: {right}/{seen}")
        if summary.missed:
            self.echo("Missed:")
            for q in summary.missed:
                self.echo(f"  {q.id}: {_short(q.prompt)}")
            self.echo(f"They come back for review: tutor quiz {level} --review")
        if summary.lessons:
            self.echo(READ_AGAIN)
            for url in summary.lesson_urls:
                self.echo(f"  {url}")

    def interview_report(self, report: Any) -> None:
        if not report:
            return
        self.echo()
        self.echo("Interview report (weakest topic first):")
        for topic in report:
            self.echo(f"{topic.topic}: {_topic_line(topic)}")
            for point in topic.strengths:
                self.echo(f"  + {_safe(point)}")
            for point in topic.gaps:
                self.echo(f"  - {_safe(point)}")


def _short(text: str, width: int = 70) -> str:
    flat = " ".join(_safe(text).split())
    return flat if len(flat) <= width else flat[: width - 3].rstrip() + "..."


def _topic_line(topic: Any) -> str:
    mean = topic.mean_score
    score = f", mean score {mean:.2f}" if mean is not None else ""
    return (
        f"{topic.right}/{topic.answered} counted right{score}; "
        f"{len(topic.strengths)} key point(s) covered (+), {len(topic.gaps)} missed (-)"
    )


def _feedback_lines(feedback: Any) -> list[tuple[str, str, str]]:
    """(symbol, text, style) per key point: covered, unsure (numbered for the
    self-check), contradicted, missed."""
    lines = []
    unsure = 0
    for p in feedback.points:
        point = _safe(p.point)
        if p.status == "unsure":
            unsure += 1
            lines.append(
                ("?", f"unsure ({unsure}): {point} (can't tell: did you say this?)", "yellow")
            )
        elif p.covered:
            lines.append(("✓", f"covered: {point}", "green"))
        elif p.problem == "without its numbers":
            lines.append(("✗", f"missed: {point} (on the topic, but without its numbers)", "red"))
        elif p.problem and p.problem != "a list of terms" and p.clause:
            lines.append(
                (
                    "✗",
                    f'contradicted: {point} (you said "{_short(p.clause, 60)}", which {p.problem})',
                    "red",
                )
            )
        elif p.problem:
            lines.append(
                ("✗", f"missed: {point} (named, but in a list of terms, not a claim)", "red")
            )
        else:
            lines.append(("✗", f"missed: {point}", "red"))
    return lines


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
                grid.add_row(f" {letter})", Text(_safe(choice.text)))
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

    def reveal(self, item: Any, key_points: bool = True) -> None:
        from rich.panel import Panel
        from rich.text import Text

        q = item.question
        body = Text(_flow(q.model_answer))
        if key_points:
            body.append("\n\nKey points:")
            for point in q.key_points:
                body.append(f"\n • {_safe(point)}")
        self.console.print(Panel(body, title="Model answer", border_style="blue"))

    def grading(self, feedback: Any) -> None:
        from rich.panel import Panel
        from rich.text import Text

        body = Text()
        for n, (symbol, text, style) in enumerate(_feedback_lines(feedback)):
            if n:
                body.append("\n")
            body.append(f"{symbol} ", style=f"bold {style}")
            body.append(text)
        for note in feedback.notes:
            body.append(f"\nNote: {note}.", style="yellow")
        self.console.print(
            Panel(
                body,
                title=f"Feedback: score {feedback.score:.2f} of 1",
                subtitle="sentence-encoder similarity; you have the final say",
                border_style="magenta",
            )
        )

    def feedback(self, item: Any, grade: Any) -> None:
        from rich.text import Text

        style = "bold green" if grade.correct else "bold red"
        self.console.print(Text(self._verdict(item, grade), style=style))
        rows = _options(item, grade)
        if rows:
            from rich.table import Table

            # A grid, so that a long why keeps its hanging indent under the option.
            grid = Table.grid(padding=(0, 1))
            grid.add_column(no_wrap=True)
            grid.add_column()
            for symbol, letter, tag, text, why, mark in rows:
                cell = Text(f"[{tag}] ", style=mark)
                cell.append(text, style="bold")
                cell.append(f": {why}")
                grid.add_row(Text(f"  {symbol} {letter})", style=f"bold {mark}"), cell)
            self.console.print(grid)
        explanation = Text("Explanation: ", style="bold")
        explanation.append(_flow(item.question.explanation))
        self.console.print(explanation)

    def summary(self, summary: Any, level: str = "easy") -> None:
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
        if summary.missed:
            self.console.print(Text("Missed:", style="bold"))
            for q in summary.missed:
                line = Text(f"  {q.id}", style="red")
                line.append(f": {_short(q.prompt)}")
                self.console.print(line)
            hint = Text("They come back for review: ")
            hint.append(f"tutor quiz {level} --review", style="bold")
            self.console.print(hint)
        if summary.lessons:
            self.console.print(Text(READ_AGAIN, style="bold"))
            for url in summary.lesson_urls:
                self.console.print(Text(f"  {url}", style=f"link {url}"))

    def interview_report(self, report: Any) -> None:
        from rich.panel import Panel
        from rich.text import Text

        if not report:
            return
        body = Text()
        for n, topic in enumerate(report):
            if n:
                body.append("\n\n")
            body.append(topic.topic, style="bold")
            body.append(f"  {_topic_line(topic)}", style="dim")
            for point in topic.strengths:
                body.append("\n  + ", style="bold green")
                body.append(_safe(point))
            for point in topic.gaps:
                body.append("\n  - ", style="bold red")
                body.append(_safe(point))
        self.console.print()
        self.console.print(
            Panel(body, title="Interview report: strengths and gaps by topic", border_style="cyan")
        )
