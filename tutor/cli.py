"""The `tutor` command: a root group that registers one command module per concern.

Command modules import only click at module level; each command imports its core
module inside the function, so `tutor --help` and `tutor quiz` never load torch,
transformers or datasets.
"""

from __future__ import annotations

import importlib
import logging

import click

from tutor import __version__

# (module under tutor.commands, attribute): one line per command or group.
COMMANDS: list[tuple[str, str]] = [
    ("run", "run"),
    ("run", "predict"),
    ("export", "export"),
    ("quiz", "quiz"),
    ("questions", "questions"),
    ("progress", "progress"),
    ("exercises", "exercises_"),
    ("exercises", "start"),
    ("exercises", "check"),
    ("exercises", "hint"),
    ("exercises", "solution"),
    ("exercises", "dev"),
]


class _MessageHandler(logging.Handler):
    """Shows the core's messages on stderr: notes plain, warnings (e.g. a state file
    moved aside, an offline fallback) in yellow. The core itself never prints."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            click.secho(f"Warning: {record.getMessage()}", fg="yellow", err=True)
        else:
            click.echo(record.getMessage(), err=True)


def _setup_logging() -> None:
    log = logging.getLogger("tutor")
    if not any(isinstance(h, _MessageHandler) for h in log.handlers):
        log.addHandler(_MessageHandler(level=logging.INFO))
    log.setLevel(logging.INFO)
    log.propagate = False


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="bert-tutor")
def cli() -> None:
    """bert-tutor: learn transfer learning and BERT by reading, running and quizzing.

    \b
    Read the lessons:        mkdocs serve   (see README)
    Fine-tune BERT:          tutor run day7
    Practise interviews:     tutor quiz medium
    See what you have done:  tutor progress
    """
    _setup_logging()


for _module, _attr in COMMANDS:
    cli.add_command(getattr(importlib.import_module(f"tutor.commands.{_module}"), _attr))


def main() -> None:
    cli(prog_name="tutor")
