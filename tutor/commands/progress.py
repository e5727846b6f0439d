"""`tutor progress`: what you can do, and the evidence for it."""

from __future__ import annotations

import json
from typing import Any

import click

SYMBOLS = {"verified": ("✓", "green"), "self-assessed": ("◐", "yellow"), "todo": ("✗", "red")}


def _console() -> Any:
    from rich.console import Console

    # soft_wrap: long lines stay whole in pipes and files instead of being cut at 80.
    return Console(highlight=False, soft_wrap=True)


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the tracker as JSON.")
@click.pass_context
def progress(ctx: click.Context, as_json: bool) -> None:
    """Show your progress: per day, what is verified, self-assessed or still to do.

    Items are ticked by evidence: a passing `tutor run dayNN` (not a smoke run), quiz
    mastery of the item's topics, exercises passed with `tutor check`, or, where only
    you can judge, `tutor progress mark ITEM`.
    """
    if ctx.invoked_subcommand is not None:
        return
    from tutor import progress as core

    report = core.evaluate()
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        return
    _render(report, core.MASTERY_RULE)


def _render(report: Any, rule: str) -> None:
    from rich.text import Text

    console = _console()
    for day in report.days:
        done = sum(1 for i in day.items if i.state != "todo")
        title = Text(f"Day {day.key.removeprefix('day')}: {day.title}", style="bold")
        title.append(f"  ({done}/{len(day.items)})", style="dim")
        console.print(title)
        for item in day.items:
            symbol, colour = SYMBOLS[item.state]
            line = Text(f"  {symbol} ", style=colour)
            line.append(item.text)
            line.append(f"  [{item.id}]", style="dim")
            console.print(line)
            for evidence in item.evidence:
                # Only checked evidence earns ✓; the learner's own tick is ◐.
                mark = ("◐" if evidence.kind == "self" else "✓") if evidence.satisfied else "·"
                detail = Text(f"      {mark} {evidence.detail}", style="dim")
                if not evidence.satisfied and evidence.action and item.state != "verified":
                    detail.append(f"  → {evidence.action}")
                console.print(detail)
        if day.reset_at:
            console.print(Text(f"  (reset {day.reset_at[:10]}; older evidence ignored)", "dim"))
        console.print()
    counts = report.counts
    console.print(
        Text(
            f"✓ {counts['verified']} verified · ◐ {counts['self-assessed']} self-assessed · "
            f"✗ {counts['todo']} to do"
        )
    )
    console.print(Text(rule, style="dim"))
    step = report.next_step
    if step is None:
        console.print(Text("Every item is verified. Well done.", style="bold green"))
    else:
        why = "to verify" if step.verify else "for"
        next_line = Text("Next: ", style="bold")
        next_line.append(step.command, style="bold cyan")
        next_line.append(f"  ({why} {step.item_id}: {step.text})")
        console.print(next_line)


@progress.command()
@click.argument("item_id")
def mark(item_id: str) -> None:
    """Tick ITEM_ID yourself (only items you alone can judge); shown as self-assessed."""
    from tutor import progress as core

    item = core.mark(item_id)
    click.echo(f"◐ {item.id} marked as self-assessed: {item.text}")


@progress.command()
@click.argument("item_id")
def unmark(item_id: str) -> None:
    """Remove your own tick from ITEM_ID."""
    from tutor import progress as core

    if core.unmark(item_id):
        click.echo(f"{item_id} is no longer self-assessed.")
    else:
        click.echo(f"{item_id} was not marked; nothing changed.")


@progress.command()
@click.option("--day", help="Only this day (e.g. 7 or day45); default: every day.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def reset(day: str | None, yes: bool) -> None:
    """Start the tracker afresh (for one day or all).

    Clears your self-assessments and exercise results, and ignores runs and quiz answers
    from before the reset. Your run records, quiz history and exercise files are kept.
    """
    from tutor import progress as core

    key = core.parse_day(day) if day else None
    scope = f"day {key.removeprefix('day')}" if key else "every day"
    if not yes:
        click.confirm(
            f"Reset progress for {scope}? This clears your self-assessments and exercise "
            f"results for {scope}; runs and quiz answers from before now will no longer "
            f"count for it. Your run records, quiz history and workspace files are kept.",
            abort=True,
        )
    result = core.reset(key)
    click.echo(
        f"Reset {scope}: {len(result.self_cleared)} self-assessment(s) and "
        f"{len(result.exercises_cleared)} exercise result(s) cleared; evidence from before "
        f"{result.at} is ignored."
    )
