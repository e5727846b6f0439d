"""`tutor quiz easy|medium`: interview practice in the terminal.

The loop is :class:`tutor.quiz_session.QuizSession`, shown by the one terminal UI of
:mod:`tutor.commands.quiz_terminal`: on a terminal rich panels, lettered shuffled choices
and immediate feedback; without one (a pipe, a script, CliRunner) plain text, answers
read line by line from stdin.
Every answer is saved to quiz.json as soon as it is given; end of input or Ctrl-C ends
the quiz with the summary of what was answered.
"""

from __future__ import annotations

import contextlib
import json
import random
from collections.abc import Iterator
from typing import Any

import click

from tutor.commands._options import LevelChoice

LEVELS = LevelChoice()  # the course data's levels, read when click needs them


@click.command()
@click.argument("level", type=LEVELS)
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
    cannot judge (you tick those you made), and a score; you keep the final say (Enter
    accepts the suggested verdict, y or n overrides it). Every answer is saved at once;
    questions you miss come back with --review.
    """
    from tutor import quiz as core
    from tutor import quiz_history as history
    from tutor.errors import UsageError
    from tutor.question_bank import load_bank
    from tutor.quiz_session import QuizSession

    # Before the first question: an answer that cannot be saved is never asked for.
    history.preflight()
    bank = load_bank()
    pool = bank.filter(level=level, topic=topic)
    if interview:
        pool = core.free_text_only(pool)
    kind = "free-text " if interview else ""
    what = f"{level} {kind}questions" + (f" on {topic}" if topic else "")
    from tutor.commands.quiz_terminal import make_ui

    ui = make_ui(as_json)
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
    session_id = history.new_session_id()

    def save(item: Any, grade: Any) -> None:
        history.record_answer(
            item.question, grade.correct, session=session_id, mode=mode, extra=grade.record_extra()
        )

    session = QuizSession(items, save=save, atomic=_interrupt_deferred)
    ui.start(what, len(items), review, interview)
    ui.run(session)

    results = session.results
    summary = session.summary()
    if session.stopped == "interrupted":
        ui.note(f"\nStopped; {len(results)} answer{'s' if len(results) != 1 else ''} saved.")
    elif session.stopped:
        ui.note(
            f"\nInput ended after {len(results)} of {len(items)} questions; "
            f"{len(results)} answer{'s' if len(results) != 1 else ''} saved."
        )
    ui.summary(summary, level)
    report = session.interview_report() if interview else None
    if report is not None:
        ui.interview_report(report)
    if as_json:
        result: dict[str, Any] = {
            "level": level,
            "topic": topic,
            "mode": mode,
            "session": session_id,
            "planned": len(items),
            "completed": session.stopped is None,
            "stopped": session.stopped,
            **summary.to_dict(),
            "answers": [_answer_json(r) for r in results],
        }
        if report is not None:
            result["interview"] = {t.topic: t.to_dict() for t in report}
        click.echo(json.dumps(result, indent=2))
    if session.stopped == "interrupted":
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


def _nothing_due(ui: Any, what: str, level: str, when: Any, as_json: bool) -> None:
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
