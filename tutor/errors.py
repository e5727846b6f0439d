"""The errors a learner can meet. Each is a click.ClickException: a message, exit 1, no traceback."""

from __future__ import annotations

import click


class TutorError(click.ClickException):
    """Base class for every expected failure."""

    exit_code = 1


class ValidationError(TutorError):
    """Content (questions, exercises) failed validation; carries every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        count = len(problems)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} found:\n" + "\n".join(problems)
        )


class DataFileError(TutorError):
    """A learner-supplied data file cannot be used; the message names file and row."""


class StateError(TutorError):
    """A state file under $TUTOR_HOME cannot be read or written."""


class OfflineError(TutorError):
    """A model or data set is only on the hub and the hub cannot be reached."""


class UsageError(TutorError):
    """Options that do not fit together, or a name that does not exist."""
