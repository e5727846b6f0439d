"""Terminal rendering for `tutor run` and `tutor predict` (rich, imported lazily)."""

from __future__ import annotations

from typing import Any


def _console():
    from rich.console import Console

    return Console(highlight=False)


def plan(p: Any) -> None:
    """Show hardware, recipe, data and model before the long part starts."""
    from rich.table import Table

    console = _console()
    r = p.recipe
    table = Table(
        title=f"tutor run day7: recipe '{r.name}'", show_header=False, title_justify="left"
    )
    table.add_column(style="bold")
    table.add_column()
    table.add_row("hardware", p.hardware.describe(r.precision))
    table.add_row("model", p.model.description)
    table.add_row("data", p.data.source)
    table.add_row("examples", _examples(p))
    table.add_row("tokens", f"max {r.max_length} ({r.truncation} truncation), padded per batch")
    table.add_row(
        "training",
        f"{r.epochs:g} epoch(s), lr {r.learning_rate:g}, batch {r.batch_size}, "
        f"warm-up {r.warmup_ratio:.0%} then {r.scheduler} decay, seed {r.seed}",
    )
    table.add_row(
        "head",
        "linear classifier on the mean of the token vectors (loads with `tutor predict` only)"
        if r.pooling == "mean"
        else "linear classifier on the pooled [CLS] vector (BertForSequenceClassification)",
    )
    if p.budget is not None:
        b = p.budget
        table.add_row("budget", f"{b.minutes:g} min: {b.summary()}")
        if b.reason:
            table.add_row("why", b.reason)
    if p.estimate and p.budget is not None:
        e = p.estimate
        table.add_row(
            "expect",
            f"about {(e['train_seconds'] + e['eval_seconds']) / 60:.1f} min: "
            f"{e['train_seconds'] / 60:.1f} training + {e['evaluations']} evaluation(s) "
            f"of {e['seconds_per_eval']:.0f} s (after {p.budget.measuring_seconds:.0f} s "
            "of measuring)",
        )
    if r.freeze_embeddings:
        table.add_row("frozen", "word embeddings (the rest of the encoder and the head train)")
    if r.average_from is not None:
        table.add_row("saved", f"the mean of the weights over the last {1 - r.average_from:.0%}")
    if p.target is not None:
        table.add_row("target", f"accuracy >= {p.target:.0%} counts for `tutor progress`")
    table.add_row("run folder", str(p.run_dir))
    if p.resume_from:
        table.add_row("resuming", str(p.resume_from))
    console.print(table)
    for note in r.notes:
        console.print(f"[dim]- {note}[/dim]")


def _examples(p: Any) -> str:
    """What the run reads and evaluates on, out of what the data set has."""
    train, held_out = len(p.data.train), len(p.data.eval)
    pool_train, pool_eval = p.pools or (train, held_out)
    of_train = f" (of {pool_train:,})" if pool_train > train else ""
    of_eval = f", a seeded sample of the {pool_eval:,} held out" if pool_eval > held_out else ""
    return f"{train:,} train{of_train} / {held_out:,} eval{of_eval}"


def day7_result(result: Any) -> None:
    from rich.table import Table

    console = _console()
    if result.interrupted:
        m = result.metrics
        console.print(
            f"[yellow]Interrupted at step {m['step']}/{m['max_steps']}.[/yellow] "
            f"Checkpoint: {m['checkpoint']}\nContinue with: [bold]tutor run day7 --resume[/bold]"
        )
        return
    m = result.metrics
    table = Table(title="Result", title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row("accuracy", f"{m['accuracy']:.4f}")
    table.add_row("F1", f"{m['f1']:.4f}")
    table.add_row("eval loss", f"{m['eval_loss']:.4f}")
    table.add_row("train samples/s", f"{m['train_samples_per_second']:.1f} (training only)")
    table.add_row("training time", f"{m['train_seconds'] / 60:.1f} min")
    if m.get("eval_seconds") is not None:
        n = m.get("evaluations")
        of = (
            f" ({n} evaluation{'s' if n != 1 else ''} of {m['eval_examples']:,} texts)" if n else ""
        )
        table.add_row("evaluation time", f"{m['eval_seconds'] / 60:.1f} min{of}")
    if m.get("averaged_snapshots"):
        table.add_row("weights", f"mean of {m['averaged_snapshots']} snapshots")
    if m.get("skipped_evaluations"):
        steps = ", ".join(str(s) for s in m["skipped_evaluations"])
        table.add_row("skipped", f"evaluation at step {steps} (to end within the budget)")
    if m.get("target_accuracy") is not None:
        verdict = "reached" if result.passed else "not reached"
        table.add_row("target", f"{m['target_accuracy']:.0%} {verdict}")
    console.print(table)
    if m.get("advice"):
        from rich.markup import escape

        console.print("[bold]What would change the outcome[/bold]")
        for line in m["advice"]:
            console.print(f"- {escape(line)}")
    files = Table(title="Saved", title_justify="left", show_header=False)
    files.add_column(style="bold")
    files.add_column()
    for name, path in result.files.items():
        files.add_row(name, str(path))
    console.print(files)
    _sample_predictions(console, result.samples)
    console.print('Try it: [bold]tutor predict "a warm, funny and moving film"[/bold]')


def _sample_predictions(console: Any, samples: dict[str, list[dict]] | None, k: int = 3) -> None:
    """A few held-out texts: confident and right, confident and wrong, close calls."""
    from rich.markup import escape

    if not samples:
        return
    titles = {
        "confident_correct": "Confident and right",
        "confident_wrong": "Confident mistakes",
        "least_confident": "Close calls",
    }
    console.print("[bold]Sample predictions on held-out texts[/bold]")
    for key, title in titles.items():
        items = samples.get(key) or []
        if not items:
            continue
        console.print(f"[bold]{title}[/bold]")
        for item in items[:k]:
            text = item["text"] if len(item["text"]) <= 110 else item["text"][:107] + "..."
            console.print(
                f"  {escape(item['predicted'])} {item['confidence']:.0%} "
                f"(true: {escape(item['label'])})  [dim]{escape(text)}[/dim]"
            )


def prediction(pred: Any, as_json: bool = False) -> None:
    if as_json:
        import json

        import click

        click.echo(json.dumps(pred.to_dict(), ensure_ascii=False))
        return
    from rich.markup import escape

    console = _console()
    console.print(f"[bold]{escape(pred.label)}[/bold]  (model: {escape(pred.run_dir.name)})")
    for name, prob in sorted(pred.probabilities.items(), key=lambda kv: -kv[1]):
        bar = "#" * round(prob * 30)
        console.print(f"  {escape(name):<12} {prob:6.1%}  {bar}")


def predictions(preds: list[Any], as_json: bool = False) -> None:
    """One line per text: JSON objects, or label, probability and the text's start."""
    import json

    import click

    for pred in preds:
        if as_json:
            click.echo(json.dumps({"text": pred.text, **pred.to_dict()}, ensure_ascii=False))
        else:
            text = pred.text if len(pred.text) <= 70 else pred.text[:67] + "..."
            click.echo(f"{pred.label:<10} {pred.probabilities[pred.label]:6.1%}  {text}")


def day_plan(setup: Any) -> None:
    """What a `tutor run dayNN` is about to do (before the long part starts)."""
    from rich.table import Table

    table = Table(
        title=f"tutor run {setup.day}: profile '{setup.profile}'",
        show_header=False,
        title_justify="left",
    )
    table.add_column(style="bold")
    table.add_column()
    for name, value in setup.describe():
        table.add_row(name, value)
    _console().print(table)


def _cell(value: Any) -> str:
    from tutor.training.artifacts import format_cell

    return format_cell(value)


def day_result(result: Any) -> None:
    """Tables, the interpretation computed from the numbers, the verdict, the files."""
    from rich.markup import escape
    from rich.table import Table

    console = _console()
    for t in result.tables:
        table = Table(title=t.title, title_justify="left")
        columns = t.show or (list(t.rows[0]) if t.rows else [])
        for column in columns:
            table.add_column(column.replace("_", " "), overflow="fold")
        for row in t.rows:
            table.add_row(*(escape(_cell(row.get(c))) for c in columns))
        console.print(table)
    console.print("[bold]What this means[/bold]")
    for line in result.interpretation:
        console.print(f"- {escape(line)}")
    for note in result.notes:
        console.print(f"[dim]- {escape(note)}[/dim]")
    value = _cell(result.value)
    if result.smoke:
        verdict = f"{result.metric} = {value} (smoke profile: checks the pipeline, not recorded as progress)"
    elif result.target is None:
        verdict = f"{result.metric} = {value}"
    else:
        word = "reached" if result.passed else "not reached"
        verdict = f"{result.metric} = {value}, target {_cell(result.target)} {word}"
    console.print(f"[bold]Result:[/bold] {escape(verdict)} in {result.wall_seconds / 60:.1f} min")
    console.print(f"[bold]Saved in[/bold] {escape(str(result.run_dir))}")
    files = Table(show_header=False, box=None, padding=(0, 2))
    files.add_column(style="bold")
    files.add_column(overflow="fold")
    for name, path in result.files.items():
        files.add_row(name, escape(path.name if path.parent == result.run_dir else str(path)))
    console.print(files)
