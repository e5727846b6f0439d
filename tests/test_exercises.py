"""Hands-on exercises: a learner's way through start / check / hint / solution, and
`tutor dev check` proving the shipped content (starters fail, solutions pass)."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tutor import exercise_runner, exercises, paths, progress
from tutor.cli import cli
from tutor.errors import ValidationError


def invoke(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), input=input)


def progress_item(item_id: str) -> dict[str, Any]:
    data = json.loads(invoke("progress", "--json").stdout)
    return next(i for d in data["days"] for i in d["items"] if i["id"] == item_id)


def status_of(name: str) -> str:
    return next(x.status for x in exercises.list_exercises() if x.exercise.name == name)


# --------------------------------------------------------------------------- the learner


def test_learner_starts_fails_fixes_and_passes_softmax(tutor_home: Path):
    result = invoke("start", "softmax")
    assert result.exit_code == 0, result.output
    mine = tutor_home / "workspace" / "softmax.py"
    assert mine.read_text() == (paths.exercises_dir() / "softmax.py").read_text()
    assert f"Your file: {mine}" in result.output
    assert "tutor check softmax" in result.output
    assert status_of("softmax") == "started"

    # A second exercise, already solved: `tutor check` with no name checks both.
    assert invoke("start", "nsp_pairs").exit_code == 0
    shutil.copyfile(
        paths.solutions_dir() / "nsp_pairs.py", tutor_home / "workspace" / "nsp_pairs.py"
    )
    result = invoke("check")
    assert result.exit_code == 1, result.output
    assert "✗ softmax: " in result.output
    assert "  ✗ test_large_logits_do_not_overflow" in result.output
    assert "NotImplementedError: TODO: implement softmax" in result.output
    assert "tutor hint softmax" in result.output
    assert "✓ nsp_pairs: all " in result.output
    assert "test_about_half_are_is_next" not in result.output
    assert status_of("softmax") == "started"
    assert status_of("nsp_pairs") == "passed"
    assert not progress_item("day7.softmax")["evidence"][1]["satisfied"]

    shutil.copyfile(paths.solutions_dir() / "softmax.py", mine)
    result = invoke("check", "softmax")
    assert result.exit_code == 0, result.output
    assert "✓ softmax: all " in result.output and " tests pass" in result.output

    listing = invoke("exercises")
    assert listing.exit_code == 0
    row = next(line for line in listing.output.splitlines() if line.startswith("softmax "))
    assert row.rstrip().endswith("passed")
    exercise_evidence = progress_item("day7.softmax")["evidence"][1]
    assert exercise_evidence["kind"] == "exercise" and exercise_evidence["satisfied"]
    assert "exercise softmax passed" in invoke("progress").output

    # The solution opens once the exercise passed, and that is not "revealed early".
    result = invoke("solution", "softmax")
    assert result.exit_code == 0
    assert result.stdout == (paths.solutions_dir() / "softmax.py").read_text()
    assert status_of("softmax") == "passed"


def test_start_never_overwrites_the_learners_file_unless_forced(tutor_home: Path):
    assert invoke("start", "nsp_pairs").exit_code == 0
    mine = tutor_home / "workspace" / "nsp_pairs.py"
    mine.write_text("# my work\n")
    result = invoke("start", "nsp_pairs")
    assert result.exit_code == 1
    assert "already exists" in result.output and "--force" in result.output
    assert mine.read_text() == "# my work\n"

    result = invoke("start", "nsp_pairs", "--force")
    assert result.exit_code == 0
    assert "replaced" in result.output
    assert mine.read_text() == (paths.exercises_dir() / "nsp_pairs.py").read_text()


def test_start_into_another_folder_is_remembered(tmp_path: Path):
    folder = tmp_path / "my code"
    assert invoke("start", "cls_head", "--dir", str(folder)).exit_code == 0
    assert (folder / "cls_head.py").is_file()
    cls_head = exercises.get_exercise("cls_head")
    assert exercises.learner_file(cls_head) == (folder / "cls_head.py").resolve()

    # A file already in another folder is the learner's: kept, and remembered for check.
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "cls_head.py").write_text("# mine\n")
    assert invoke("start", "cls_head", "--dir", str(other)).exit_code == 1
    assert (other / "cls_head.py").read_text() == "# mine\n"
    assert exercises.learner_file(cls_head) == (other / "cls_head.py").resolve()


def test_a_hanging_file_is_reported_as_a_timeout(tutor_home: Path):
    invoke("start", "softmax")
    (tutor_home / "workspace" / "softmax.py").write_text("while True:\n    pass\n")
    result = invoke("check", "softmax", "--timeout", "3")
    assert result.exit_code == 1
    assert "softmax: timed out after 3 s" in result.output
    assert status_of("softmax") == "started"


def test_check_without_a_started_exercise_says_what_to_do():
    result = invoke("check")
    assert result.exit_code == 1
    assert "No exercise started yet" in result.output
    result = invoke("check", "mlm_masking")
    assert result.exit_code == 1
    assert "tutor start mlm_masking" in result.output


def test_unknown_exercise_suggests_the_closest():
    result = invoke("hint", "softmx")
    assert result.exit_code == 1
    assert "No exercise 'softmx'. Did you mean 'softmax'?" in result.output
    assert "Traceback" not in result.output


def test_hint_shows_the_manifest_hint():
    result = invoke("hint", "mlm_masking")
    assert result.exit_code == 0
    assert exercises.get_exercise("mlm_masking").hint in result.output


def test_solution_stays_closed_until_passed_and_force_is_recorded():
    invoke("start", "mlm_masking")
    result = invoke("solution", "mlm_masking")
    assert result.exit_code == 1
    assert "has not passed yet" in result.output and "--force" in result.output
    assert status_of("mlm_masking") == "started"

    result = invoke("solution", "mlm_masking", "--force")
    assert result.exit_code == 0
    assert result.stdout == (paths.solutions_dir() / "mlm_masking.py").read_text()
    assert "recorded" in result.stderr
    assert status_of("mlm_masking") == "solution revealed"
    assert "solution revealed" in invoke("exercises").output

    # Passing after seeing the solution does not count as evidence ...
    progress.record_exercise_checked("mlm_masking", "day48", "x.py", passed=True)
    evidence = progress_item("day48.mlm")["evidence"][1]
    assert not evidence["satisfied"]
    assert evidence["action"] == "tutor start mlm_masking --force"
    # ... until the learner starts over and passes on their own.
    assert invoke("start", "mlm_masking", "--force").exit_code == 0
    assert status_of("mlm_masking") == "started"
    progress.record_exercise_checked("mlm_masking", "day48", "x.py", passed=True)
    assert progress_item("day48.mlm")["evidence"][1]["satisfied"]


def test_reset_of_a_day_clears_its_exercise_results_but_keeps_the_file(tutor_home: Path):
    invoke("start", "softmax")
    progress.record_exercise_checked("softmax", "day7", "x.py", passed=True)
    assert status_of("softmax") == "passed"
    assert invoke("progress", "reset", "--day", "day7", "--yes").exit_code == 0
    assert status_of("softmax") == "started"
    assert (tutor_home / "workspace" / "softmax.py").is_file()


def test_every_exercise_is_listed_with_its_status():
    result = invoke("exercises")
    assert result.exit_code == 0
    for exercise in exercises.load_manifest():
        assert exercise.name in result.output
    assert result.output.count("not started") == len(exercises.load_manifest())


# --------------------------------------------------------------------------- the manifest


def test_manifest_problems_are_all_reported_with_the_exercise(tmp_path: Path):
    (tmp_path / "manifest.yaml").write_text(
        "format_version: 1\n"
        "exercises:\n"
        "  - {name: good, day: 7, lesson: lessons/a.md, in_page: true, title: T, description: D,"
        " hint: H, file: good.py, test: tests/test_good.py}\n"
        "  - {name: nohint, day: 7, lesson: lessons/a.md, in_page: true, title: T,"
        " description: D, hint: '  ', file: a.py, test: tests/test_a.py}\n"
        "  - {name: Bad-Name, day: 0, lesson: lessons/a.md, in_page: true, title: T,"
        " description: D, hint: H, file: ../b.py, test: tests/test_b.py, extra: 1}\n"
        "  - {name: good, day: 7, lesson: lessons/a.md, in_page: true, title: T, description: D,"
        " hint: H, file: c.py, test: tests/test_c.py}\n"
        "  - {name: where, day: 7, lesson: ../a.md, title: T, description: D,"
        " hint: H, file: d.py, test: tests/test_d.py}\n",
        encoding="utf-8",
    )
    content = exercises.Content(tmp_path, tmp_path)
    with pytest.raises(ValidationError) as caught:
        exercises.load_manifest(content)
    text = "\n".join(caught.value.problems)
    assert "exercise 2 ('nohint') field 'hint'" in text
    for field in ("name", "day", "file", "extra"):
        assert f"exercise 3 ('Bad-Name') field '{field}'" in text
    # The lesson is a page under lessons/, and in_page must be said either way.
    assert "exercise 5 ('where') field 'lesson'" in text
    assert "exercise 5 ('where') field 'in_page'" in text
    assert len(caught.value.problems) == 7

    (tmp_path / "manifest.yaml").write_text(
        (tmp_path / "manifest.yaml")
        .read_text()
        .replace("hint: '  '", "hint: H")
        .replace("Bad-Name, day: 0", "bad, day: 1")
        .replace("../b.py", "b.py")
        .replace(", extra: 1", "")
        .replace("lesson: ../a.md,", "lesson: lessons/a.md, in_page: false,"),
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as caught:
        exercises.load_manifest(content)
    assert caught.value.problems == [f"{tmp_path / 'manifest.yaml'}: exercise 'good' appears twice"]


# --------------------------------------------------------------------------- dev check


def test_dev_check_passes_on_the_shipped_content():
    result = invoke("dev", "check")
    assert result.exit_code == 0, result.output
    for exercise in exercises.load_manifest():
        assert f"{exercise.name} (day {exercise.day}): starter fails " in result.output
    assert f"All {len(exercises.load_manifest())} exercises are sound." in result.output


def _toy_content(root: Path) -> tuple[Path, Path]:
    """Three tiny exercises (no torch): `twice` is sound, `add`'s starter already passes,
    `negate` has no solution."""
    ex, sol = root / "exercises", root / "solutions"
    (ex / "tests").mkdir(parents=True)
    sol.mkdir()
    shutil.copyfile(paths.exercises_dir() / "tests" / "conftest.py", ex / "tests" / "conftest.py")
    entries = []
    for name, starter, solution in (
        ("twice", "raise NotImplementedError  # TODO", "return 2 * x"),
        ("add", "return 1 + x  # TODO (oops: already done)", "return 1 + x"),
        ("negate", "return x  # TODO", None),
    ):
        entries.append(
            f"  - {{name: {name}, day: 7, lesson: lessons/x.md, in_page: true, title: T,"
            f" description: D, hint: H, file: {name}.py, test: tests/test_{name}.py}}\n"
        )
        (ex / f"{name}.py").write_text(f"def f(x):\n    {starter}\n")
        if solution:
            (sol / f"{name}.py").write_text(f"def f(x):\n    {solution}\n")
        expected = {"twice": "2 * x", "add": "1 + x", "negate": "-x"}[name]
        (ex / "tests" / f"test_{name}.py").write_text(
            f"EXERCISE = {name!r}\n\n\ndef test_f(exercise):\n"
            f"    for x in (0, 3):\n        assert exercise.f(x) == {expected}, 'f(x) is {expected}'\n"
        )
    (ex / "manifest.yaml").write_text("format_version: 1\nexercises:\n" + "".join(entries))
    return ex, sol


def test_dev_check_fails_naming_a_starter_that_passes_and_a_missing_solution(tmp_path: Path):
    ex, sol = _toy_content(tmp_path)
    result = invoke("dev", "check", "--exercises-dir", str(ex), "--solutions-dir", str(sol))
    assert result.exit_code == 1, result.output
    assert "2 problems found:" in result.output
    assert "add: the starter passes its tests" in result.output
    assert f"negate: solution {sol / 'negate.py'} is missing" in result.output
    assert "twice (day 7): starter fails 1/1 tests, solution passes 1/1" in result.output
    assert "twice:" not in result.output


def test_dev_check_holds_in_page_exercises_to_the_standard_library(tmp_path: Path):
    ex, sol = _toy_content(tmp_path)
    (sol / "negate.py").write_text("def f(x):\n    return -x\n")
    # A third-party import in the solution, a relative one in the starter, pytest in the
    # test: none of them exists in the page's Python.
    (sol / "twice.py").write_text(
        "import math\n\nimport numpy as np\n\n\ndef f(x):\n    return 2 * x\n"
    )
    (ex / "add.py").write_text("from . import helpers  # TODO\n\n\ndef f(x):\n    return x\n")
    test = ex / "tests" / "test_negate.py"
    test.write_text(
        "import pytest\n\nEXERCISE = 'negate'\n\n\n"
        "@pytest.mark.parametrize('x', [0, 3])\n"
        "def test_f(exercise, x):\n    assert exercise.f(x) == -x\n"
    )
    report = exercises.dev_check(exercises.Content(ex, sol), timeout=120)
    text = "\n".join(report.problems)
    assert f"twice: {sol / 'twice.py'}:3: imports 'numpy'" in text
    assert f"add: {ex / 'add.py'}:1: imports '.'" in text
    assert f"negate: {test}:1: imports 'pytest'" in text
    assert f"negate: {test}:7: test_f must be a plain `def test_f(exercise):`" in text
    assert f"negate: {test}:8: an assert without a message" in text
    assert "math" not in text  # the standard library is fine


def test_in_page_false_may_use_anything(tmp_path: Path):
    ex, sol = _toy_content(tmp_path)
    manifest = ex / "manifest.yaml"
    manifest.write_text(manifest.read_text().replace("in_page: true", "in_page: false"))
    (sol / "twice.py").write_text(
        "import json as _j\nimport numpy as np  # noqa\n\n\ndef f(x):\n    return 2 * x\n"
    )
    report = exercises.dev_check(exercises.Content(ex, sol), timeout=120)
    assert not [p for p in report.problems if "standard library" in p]


# --------------------------------------------------------------------------- the content

DOCS = Path(__file__).resolve().parents[1] / "docs"
MISTAKES = Path(__file__).resolve().parent / "fixtures" / "exercise_mistakes"
IN_PAGE = [e for e in exercises.load_manifest() if e.in_page]


def test_every_lesson_has_two_exercises_and_ends_with_their_section():
    manifest = exercises.load_manifest()
    assert len(manifest) >= 24
    lessons = sorted(p.relative_to(DOCS).as_posix() for p in (DOCS / "lessons").glob("*.md"))
    assert len(lessons) == 11
    for lesson in lessons:
        assert sum(e.lesson == lesson for e in manifest) >= 2, lesson
        text = (DOCS / lesson).read_text(encoding="utf-8")
        section = text.split("\n## Exercises\n")
        assert len(section) == 2, f"{lesson}: one '## Exercises' section"
        # The section is the page's last; the site hook fills the placeholder.
        assert '<div class="tutor-exercises" markdown></div>' in section[1], lesson
        assert "\n## " not in section[1], f"{lesson}: the Exercises section must come last"
    assert {e.lesson for e in manifest} <= set(lessons)


def _run_in_process(exercise: exercises.Exercise, path: Path) -> dict[str, str | None]:
    """Run the exercise's test functions on the file at ``path`` as the page does: call
    each ``test_*`` with the loaded module; the failure message of each (None: passed)."""
    content = exercises.Content.shipped()

    def load(file: Path, name: str) -> Any:
        spec = importlib.util.spec_from_file_location(name, file)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    tests = load(content.test(exercise), f"_page_tests_{exercise.name}")
    learner = load(path, f"_page_learner_{exercise.name}_{path.stem}")
    results: dict[str, str | None] = {}
    for name, function in vars(tests).items():
        if name.startswith("test_") and callable(function):
            try:
                function(learner)
            except Exception as exc:  # a failed assert, or the learner's own error
                results[name] = f"{type(exc).__name__}: {exc}"
            else:
                results[name] = None
    return results


@pytest.mark.parametrize("exercise", IN_PAGE, ids=lambda e: e.name)
def test_in_page_tests_run_without_pytest_solution_passes_starter_fails(exercise):
    content = exercises.Content.shipped()
    results = _run_in_process(exercise, content.solution(exercise))
    assert results and all(m is None for m in results.values()), results
    results = _run_in_process(exercise, content.starter(exercise))
    failing = [m for m in results.values() if m is not None]
    assert failing, "the starter passes"
    # The starter fails with the test's message or its own TODO, never an import error.
    assert not [m for m in failing if m.startswith(("ImportError", "ModuleNotFoundError"))]


@pytest.mark.parametrize("exercise", IN_PAGE, ids=lambda e: e.name)
def test_each_in_page_exercise_has_known_mistakes(exercise):
    assert len(list(MISTAKES.glob(f"{exercise.name}__*.py"))) >= 2, exercise.name


def _mistakes(in_page: bool) -> list[Path]:
    names = {e.name for e in exercises.load_manifest() if e.in_page == in_page}
    return [p for p in sorted(MISTAKES.glob("*__*.py")) if p.stem.split("__")[0] in names]


def test_every_mistake_belongs_to_an_exercise():
    names = {e.name for e in exercises.load_manifest()}
    assert {p.stem.split("__")[0] for p in MISTAKES.glob("*.py")} <= names


@pytest.mark.parametrize("mistake", _mistakes(True), ids=lambda p: p.stem.replace("__", ":"))
def test_the_tests_reject_a_realistic_wrong_solution(mistake: Path):
    exercise = exercises.get_exercise(mistake.stem.split("__")[0])
    results = _run_in_process(exercise, mistake)
    failing = {name: m for name, m in results.items() if m is not None}
    assert failing, f"{mistake.name} passes every test of {exercise.name}"
    # Rejected by an assertion that explains, not by a crash of the wrong solution alone.
    assert any(m.startswith("AssertionError: ") and len(m) > 40 for m in failing.values()), failing


def test_the_torch_exercises_reject_their_known_mistakes():
    pytest.importorskip("torch")
    by_exercise: dict[str, list[Path]] = {}
    for mistake in _mistakes(False):
        by_exercise.setdefault(mistake.stem.split("__")[0], []).append(mistake)
    assert len(by_exercise) == len([e for e in exercises.load_manifest() if not e.in_page])
    # One pytest session per round, each exercise with its next mistake: torch loads once.
    for round_ in range(max(len(m) for m in by_exercise.values())):
        files = {name: m[round_] for name, m in by_exercise.items() if len(m) > round_}
        chosen = [exercises.get_exercise(name) for name in files]
        results = exercise_runner.run_tests(chosen, files, exercises.Content.shipped(), 300)
        for name, result in results.items():
            assert result.crash is None and result.timed_out is None, (name, result.crash)
            assert result.failures, f"{files[name].name} passes every test of {name}"
