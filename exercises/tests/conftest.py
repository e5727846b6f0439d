"""Loads the file that plays the part of each exercise.

`tutor check` and `tutor dev check` run these tests in a subprocess and name the file to
test for each exercise in TUTOR_EXERCISE_FILES, a JSON object {exercise name: path}. So
the same tests check a starter, a solution or the learner's own copy. Each test module
names its exercise in a module-level ``EXERCISE`` constant and gets the loaded file from
the ``exercise`` fixture.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

FILES_ENV = "TUTOR_EXERCISE_FILES"


@pytest.fixture(scope="module")
def exercise(request: pytest.FixtureRequest) -> ModuleType:
    name = request.module.EXERCISE
    try:
        files = json.loads(os.environ.get(FILES_ENV) or "{}")
    except ValueError:
        files = {}
    if name not in files:
        pytest.fail(
            f"No file given for exercise {name!r}: run these tests with `tutor check {name}`.",
            pytrace=False,
        )
    path = Path(files[name])
    # A fresh module name per exercise: the learner's file is never confused with an
    # installed module of the same name.
    spec = importlib.util.spec_from_file_location(f"tutor_exercise_{name}", path)
    if spec is None or spec.loader is None:
        pytest.fail(f"Cannot load {path} as a Python file.", pytrace=False)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
