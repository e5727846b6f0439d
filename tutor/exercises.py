"""Hands-on exercises: the manifest, and start / check / hint / solution / dev check.

The content lives in the repository's ``exercises/`` (shipped as ``tutor._exercises``):
``manifest.yaml`` lists each exercise (name, day, lesson, in_page, title, description,
hint, file, test);
``<file>`` is the starter with TODOs; ``tests/test_*.py`` its tests. ``solutions/``
(``tutor._solutions``) holds one solution per starter, under the same file name.

The learner works on a copy of the starter in a workspace folder (default
``$TUTOR_HOME/workspace/``). ``tutor check`` runs the exercise's tests against that copy
(:mod:`tutor.exercise_runner`: a pytest subprocess with a timeout). The
tests load whatever file ``TUTOR_EXERCISE_FILES`` names (see ``exercises/tests/
conftest.py``), so the same tests check a starter, a solution or the learner's copy.
Results are recorded in the progress state (:mod:`tutor.progress`).
"""

from __future__ import annotations

import contextlib
import difflib
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as PydanticValidationError

from tutor import paths, progress
from tutor.errors import TutorError, UsageError, ValidationError
from tutor.exercise_runner import CheckResult, run_tests
from tutor.in_page_checks import in_page_problems

MANIFEST_VERSION = 1
MANIFEST_NAME = "manifest.yaml"
DEFAULT_TIMEOUT = 120.0

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Exercise(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    # The course day whose progress the exercise counts towards (tutor.progress keys its
    # records by day); lessons without a day label use the nearest day.
    day: Annotated[int, Field(ge=1)]
    # The lesson page it belongs to, relative to docs/: its "Exercises" section lists it.
    lesson: Annotated[str, StringConstraints(pattern=r"^lessons/[a-z0-9][a-z0-9-]*\.md$")]
    # True when the starter, the solution and the test need only the standard library:
    # the lesson page then runs it in the browser (Pyodide). `tutor dev check` proves it.
    in_page: bool
    title: Text
    description: Text
    hint: Text
    # A plain file name: it is copied into the learner's workspace and into solutions/.
    file: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*\.py$")]
    # Under tests/, so one --confcutdir covers every exercise's conftest.
    test: Annotated[str, StringConstraints(pattern=r"^tests/test_[A-Za-z0-9_]+\.py$")]

    @property
    def day_key(self) -> str:
        return f"day{self.day}"

    @property
    def test_module(self) -> str:
        """The test file as pytest names it in reports (rootdir = the exercises folder)."""
        return self.test.removesuffix(".py").replace("/", ".")


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format_version: Literal[1]
    exercises: list[Exercise]


@dataclass(frozen=True)
class Content:
    """Where the exercises and their solutions are: the shipped ones, or an author's draft."""

    exercises_dir: Path
    solutions_dir: Path

    @classmethod
    def shipped(cls) -> Content:
        return cls(paths.exercises_dir(), paths.solutions_dir())

    def starter(self, exercise: Exercise) -> Path:
        return self.exercises_dir / exercise.file

    def test(self, exercise: Exercise) -> Path:
        return self.exercises_dir / exercise.test

    def solution(self, exercise: Exercise) -> Path:
        return self.solutions_dir / exercise.file


# --------------------------------------------------------------------------- manifest


def load_manifest(content: Content | None = None) -> list[Exercise]:
    """The manifest's exercises; every problem in it is reported at once."""
    content = content or Content.shipped()
    path = content.exercises_dir / MANIFEST_NAME
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError([f"{path}: cannot be read ({exc.strerror})"]) from exc
    except yaml.YAMLError as exc:
        raise ValidationError([f"{path}: not valid YAML: {exc}"]) from exc
    try:
        manifest = Manifest.model_validate(raw)
    except PydanticValidationError as exc:
        raise ValidationError([_problem(path, raw, err) for err in exc.errors()]) from exc
    problems = []
    seen_names: set[str] = set()
    seen_files: set[str] = set()
    for exercise in manifest.exercises:
        if exercise.name in seen_names:
            problems.append(f"{path}: exercise '{exercise.name}' appears twice")
        if exercise.file in seen_files:
            problems.append(f"{path}: exercise '{exercise.name}': file {exercise.file} is taken")
        seen_names.add(exercise.name)
        seen_files.add(exercise.file)
    if problems:
        raise ValidationError(problems)
    return manifest.exercises


def _problem(path: Path, raw: Any, error: Any) -> str:
    loc = list(error["loc"])
    where = "manifest"
    if len(loc) >= 2 and loc[0] == "exercises" and isinstance(loc[1], int):
        entry = raw["exercises"][loc[1]] if isinstance(raw, dict) else None
        name = entry.get("name") if isinstance(entry, dict) else None
        where = f"exercise {loc[1] + 1}" + (f" ('{name}')" if name else "")
        loc = loc[2:]
    fields = ".".join(str(part) for part in loc)
    return f"{path}: {where}" + (f" field '{fields}'" if fields else "") + f": {error['msg']}"


def get_exercise(name: str, content: Content | None = None) -> Exercise:
    exercises = load_manifest(content)
    for exercise in exercises:
        if exercise.name == name:
            return exercise
    names = [e.name for e in exercises]
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"Did you mean '{close[0]}'?" if close else f"Exercises: {', '.join(names)}."
    raise UsageError(f"No exercise '{name}'. {hint}")


# --------------------------------------------------------------------------- learner steps


@dataclass
class Started:
    exercise: Exercise
    path: Path
    replaced: bool


def start(name: str, directory: Path | None = None, force: bool = False) -> Started:
    """Copy the starter into the workspace; never over the learner's file unless ``force``.

    All or nothing: the copy is made next to the target first and only put in place once
    the start is recorded, so a failure leaves neither a new file nor a half-recorded start.
    """
    exercise = get_exercise(name)
    progress.preflight()
    target = ((directory or paths.workspace_dir()) / exercise.file).expanduser().resolve()
    if target.is_dir():
        raise UsageError(f"{target} is a folder; move it away or choose another --dir.")
    exists = target.exists()
    if exists and not force:
        # The file there is the learner's: remember it, so `tutor check` tests it.
        progress.record_exercise_path(exercise.name, exercise.day_key, str(target))
        raise UsageError(
            f"{target} already exists; your work there is kept. Check it with "
            f"`tutor check {name}`, or start over with `tutor start {name} --force` "
            f"(this replaces your file with the starter)."
        )
    tmp = target.with_name(f".{target.name}.tutor-start.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Content.shipped().starter(exercise), tmp)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise TutorError(
            f"Cannot write {target} ({exc.strerror or exc}): choose a folder you can write "
            f"with `tutor start {name} --dir FOLDER`, or fix the folder's permissions."
        ) from exc
    previous = progress.exercise_record(exercise.name)
    try:
        progress.record_exercise_started(exercise.name, exercise.day_key, str(target))
        try:
            _put_in_place(tmp, target)
        except OSError as exc:
            progress.restore_exercise_record(exercise.name, previous or None)
            raise TutorError(f"Cannot write {target} ({exc.strerror or exc}).") from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return Started(exercise, target, replaced=exists)


def _put_in_place(tmp: Path, target: Path) -> None:
    os.replace(tmp, target)  # atomic within one folder: the old file or the new one


def learner_file(exercise: Exercise) -> Path:
    """The learner's copy: where `tutor start` put it, else the default workspace."""
    recorded = progress.exercise_record(exercise.name).get("path")
    path = Path(recorded) if recorded else paths.workspace_dir() / exercise.file
    if path.is_file():
        return path
    if recorded:
        raise UsageError(
            f"Your file for '{exercise.name}' ({recorded}) is gone. Start again with "
            f"`tutor start {exercise.name} --force`."
        )
    raise UsageError(f"'{exercise.name}' is not started yet: run `tutor start {exercise.name}`.")


def started_exercises() -> list[Exercise]:
    records = progress.load_state()["exercises"]
    return [
        e
        for e in load_manifest()
        if isinstance(records.get(e.name), dict) and records[e.name].get("path")
    ]


def check(names: list[str] | None = None, timeout: float = DEFAULT_TIMEOUT) -> list[CheckResult]:
    """Run the tests of ``names`` (every started exercise if None) on the learner's files
    and record the outcome of each."""
    if names:
        exercises = [get_exercise(n) for n in dict.fromkeys(names)]
    else:
        exercises = started_exercises()
        if not exercises:
            raise UsageError("No exercise started yet: `tutor exercises` lists them.")
    files = {e.name: learner_file(e) for e in exercises}
    progress.preflight()  # a result that could not be recorded would be lost
    results = run_tests(exercises, files, Content.shipped(), timeout)
    for exercise in exercises:
        result = results[exercise.name]
        progress.record_exercise_checked(
            exercise.name, exercise.day_key, str(files[exercise.name]), result.passed
        )
    return [results[e.name] for e in exercises]


@dataclass
class Solution:
    exercise: Exercise
    source: str
    revealed_early: bool  # shown with --force before the exercise passed


def solution(name: str, force: bool = False) -> Solution:
    """The solution, once the exercise has passed (or with ``force``, recorded)."""
    exercise = get_exercise(name)
    status = progress.exercise_status(progress.exercise_record(name))
    passed = status == "passed"
    if not passed and not force:
        raise TutorError(
            f"'{name}' has not passed yet, so its solution stays closed: try "
            f"`tutor hint {name}`, then `tutor check {name}`. "
            f"`tutor solution {name} --force` shows it now and records that you saw it "
            f"(the exercise then no longer counts in `tutor progress` until you start over "
            f"with `tutor start {name} --force`)."
        )
    source = Content.shipped().solution(exercise).read_text(encoding="utf-8")
    if not passed:
        progress.record_solution_revealed(name, exercise.day_key)
    return Solution(exercise, source, revealed_early=not passed)


@dataclass
class Listed:
    exercise: Exercise
    status: progress.ExerciseStatus
    path: str | None


def list_exercises() -> list[Listed]:
    records = progress.load_state()["exercises"]
    listed = []
    for exercise in load_manifest():
        record = records.get(exercise.name)
        record = record if isinstance(record, dict) else {}
        listed.append(Listed(exercise, progress.exercise_status(record), record.get("path")))
    return listed


# --------------------------------------------------------------------------- dev check


@dataclass
class DevCheckReport:
    lines: list[str]  # one summary per exercise
    problems: list[str]


def dev_check(content: Content | None = None, timeout: float = 300.0) -> DevCheckReport:
    """Prove the content: every exercise has a hint, a starter with TODOs, a test file and
    a solution; every starter FAILS its tests and every solution PASSES them."""
    content = content or Content.shipped()
    try:
        exercises = load_manifest(content)
    except ValidationError as exc:
        return DevCheckReport([], list(exc.problems))
    problems: list[str] = []
    for exercise in exercises:
        for what, path in (
            ("starter", content.starter(exercise)),
            ("test file", content.test(exercise)),
            ("solution", content.solution(exercise)),
        ):
            if not path.is_file():
                problems.append(f"{exercise.name}: {what} {path} is missing")
        starter = content.starter(exercise)
        if starter.is_file() and "TODO" not in starter.read_text(encoding="utf-8"):
            problems.append(
                f"{exercise.name}: the starter {starter} has no TODO to guide the learner"
            )
    problems += _unused_files(content, exercises)
    for exercise in exercises:
        if exercise.in_page:
            problems += in_page_problems(
                exercise.name,
                [content.starter(exercise), content.solution(exercise), content.test(exercise)],
                content.test(exercise),
            )

    with_tests = [e for e in exercises if content.test(e).is_file()]
    starters = [e for e in with_tests if content.starter(e).is_file()]
    solutions = [e for e in with_tests if content.solution(e).is_file()]
    # Both sessions at once: each spends most of its time importing torch.
    with ThreadPoolExecutor(max_workers=2) as pool:
        starter_run = pool.submit(
            _run_if_any, starters, {e.name: content.starter(e) for e in starters}, content, timeout
        )
        solution_run = pool.submit(
            _run_if_any,
            solutions,
            {e.name: content.solution(e) for e in solutions},
            content,
            timeout,
        )
        starter_results, solution_results = starter_run.result(), solution_run.result()

    lines = []
    for exercise in exercises:
        name = exercise.name
        parts = []
        if name in starter_results:
            result = starter_results[name]
            if result.timed_out is not None:
                problems.append(f"{name}: the starter's tests timed out after {timeout:g} s")
            elif result.crash is not None:
                problems.append(f"{name}: the tests did not run on the starter:\n{result.crash}")
            elif result.passed:
                problems.append(
                    f"{name}: the starter passes its tests; it must fail until the learner "
                    f"does the work"
                )
            parts.append(f"starter fails {len(result.failures)}/{len(result.cases)} tests")
        if name in solution_results:
            result = solution_results[name]
            if result.timed_out is not None:
                problems.append(f"{name}: the solution's tests timed out after {timeout:g} s")
            elif result.crash is not None:
                problems.append(f"{name}: the tests did not run on the solution:\n{result.crash}")
            elif not result.passed:
                failed = "; ".join(
                    f"{c.name}: {c.message.splitlines()[0] if c.message else c.outcome}"
                    for c in result.failures
                )
                problems.append(f"{name}: the solution fails its tests: {failed}")
            passing = len(result.cases) - len(result.failures)
            parts.append(f"solution passes {passing}/{len(result.cases)}")
        lines.append(f"{name} (day {exercise.day}): " + (", ".join(parts) or "not run"))
    return DevCheckReport(lines, problems)


def _run_if_any(
    exercises: list[Exercise], files: dict[str, Path], content: Content, timeout: float
) -> dict[str, CheckResult]:
    return run_tests(exercises, files, content, timeout) if exercises else {}


def _unused_files(content: Content, exercises: list[Exercise]) -> list[str]:
    """Starters, tests or solutions no manifest entry names: a typo or a forgotten entry."""
    named = {content.starter(e) for e in exercises}
    named |= {content.test(e) for e in exercises}
    named |= {content.solution(e) for e in exercises}
    found = [
        *content.exercises_dir.glob("*.py"),
        *content.exercises_dir.glob("tests/test_*.py"),
        *content.solutions_dir.glob("*.py"),
    ]
    return [
        f"{path}: no exercise in {MANIFEST_NAME} uses it"
        for path in sorted(found)
        if path.name != "__init__.py" and path not in named
    ]
