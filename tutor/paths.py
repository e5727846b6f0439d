"""Where things live: the learner's state directory and the content shipped with the package."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

APP_NAME = "bert-tutor"
HOME_ENV = "TUTOR_HOME"
QUESTIONS_ENV = "TUTOR_QUESTIONS_DIR"


def tutor_home() -> Path:
    """All learner state lives here: $TUTOR_HOME, else the platform's user data dir."""
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def runs_dir() -> Path:
    return tutor_home() / "runs"


def quiz_state_path() -> Path:
    return tutor_home() / "quiz.json"


def run_records_path() -> Path:
    return tutor_home() / "runs.json"


def progress_state_path() -> Path:
    return tutor_home() / "progress.json"


def workspace_dir() -> Path:
    return tutor_home() / "workspace"


def questions_dir() -> Path:
    """The question bank: $TUTOR_QUESTIONS_DIR if set (tests, authors trying a draft),
    else the shipped one (the repository's questions/ folder in a checkout)."""
    env = os.environ.get(QUESTIONS_ENV)
    if env:
        return Path(env).expanduser()
    return Path(str(resources.files("tutor._questions")))


def exercises_dir() -> Path:
    """The shipped exercises: manifest, starter files and their tests (repo's exercises/)."""
    return Path(str(resources.files("tutor._exercises")))


def solutions_dir() -> Path:
    """The shipped solutions, one per starter file (the repository's solutions/ folder)."""
    return Path(str(resources.files("tutor._solutions")))
