"""Click option types and checks shared by the commands: refused at parse time, before a
run folder or any state exists, with click's one-line usage error."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import click

# numpy, torch and random all accept seeds in [0, 2**32).
SEED = click.IntRange(0, 2**32 - 1)
POSITIVE = click.IntRange(min=1)


class LevelChoice(click.Choice):
    """The quiz levels, read from the course data (their one home) when click first needs
    them, so that importing a command (``tutor --help``) does not read it."""

    def __init__(self) -> None:
        super().__init__((), case_sensitive=True)

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        from tutor.course import level_ids

        return level_ids()

    @choices.setter
    def choices(self, value: Any) -> None:
        pass  # click's __init__ sets it; the course data decides


class FiniteFloatRange(click.FloatRange):
    """click.FloatRange that also refuses nan and inf (which compare False with any bound,
    so a plain range lets them through)."""

    name = "finite float range"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


def check_model(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--model must be an existing model folder or something that can be a hub id; a typo
    in a path is caught here instead of as a hub validation traceback much later."""
    if value is None:
        return None
    path = Path(value).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise click.BadParameter(
                f"{value} is a folder but not a saved model (it has no config.json)."
            )
        return value
    first = value.split("/", 1)[0]
    looks_like_path = (
        value.startswith((".", "/", "~"))
        or (os.sep in value.strip(os.sep) and Path(first).expanduser().is_dir())
        or (os.altsep is not None and os.altsep in value)
    )
    if looks_like_path:
        raise click.BadParameter(f"no folder {value} here (hub ids look like org/name).")
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(value)
    except HFValidationError:
        raise click.BadParameter(
            f"'{value}' is neither a model folder here nor a valid Hugging Face Hub id "
            "(like google-bert/bert-base-uncased)."
        ) from None
    return value


def _csv(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip()) if value else ()


def _sizes(least: int):
    def convert(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, ...]:
        try:
            sizes = tuple(int(v) for v in _csv(ctx, param, value))
        except ValueError as exc:
            raise click.BadParameter(
                "give whole numbers separated by commas, e.g. 100,300"
            ) from exc
        if any(size < least for size in sizes):
            raise click.BadParameter(f"every size must be at least {least}, e.g. 100,300")
        return sizes

    return convert


def _option(f, spec: dict[str, Any]):
    """The click option of one dataclass field (tutor.days.options.option)."""
    kind = spec.get("kind", "str")
    settings: dict[str, Any] = {"help": spec.get("help") or None}
    if spec.get("show_default"):
        settings.update(default=f.default, show_default=True)
    if kind == "int":
        settings["type"] = click.IntRange(spec.get("min"), spec.get("max"))
    elif kind == "float":
        settings["type"] = FiniteFloatRange(
            spec.get("min"),
            spec.get("max"),
            min_open=spec.get("min_open", False),
            max_open=spec.get("max_open", False),
        )
    elif kind == "choice":
        settings["type"] = click.Choice(list(spec["choices"]))
    elif kind == "model":
        settings["callback"] = check_model
    elif kind == "csv":
        settings["callback"] = _csv
    elif kind == "sizes":
        settings["callback"] = _sizes(spec.get("min", 1))
    elif kind == "multiple":
        settings["multiple"] = True
    return click.option(f"--{f.name.replace('_', '-')}", **settings)


def day_options(options_class):
    """Decorate a command with one click option per option field of ``options_class``
    (a day's Options dataclass), in the order they are declared."""
    import dataclasses

    from tutor.days.options import cli_spec

    def decorate(fn):
        for f in reversed(dataclasses.fields(options_class)):
            spec = cli_spec(f)
            if spec is not None:
                fn = _option(f, spec)(fn)
        return fn

    return decorate


def given(options: dict[str, Any]) -> dict[str, Any]:
    """The options the learner gave: None and empty lists mean "the day's default"."""
    return {k: v for k, v in options.items() if v is not None and v != ()}
