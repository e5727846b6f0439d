"""Running an exercise's tests: one pytest subprocess per check, with a timeout (so a
learner's endless loop is reported, not waited for), read back from pytest's JUnit XML
report, with each failure reduced to the test's own message (no pytest internals, no
object addresses). Used by ``tutor check`` and ``tutor dev check``
(:mod:`tutor.exercises`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from tutor.errors import TutorError

if TYPE_CHECKING:
    from tutor.exercises import Content, Exercise

FILES_ENV = "TUTOR_EXERCISE_FILES"  # read by exercises/tests/conftest.py


Outcome = Literal["passed", "failed", "error", "skipped"]
# JUnit XML: a <testcase> holds one of these elements unless it passed.
REPORT_OUTCOMES: dict[str, Outcome] = {"failure": "failed", "error": "error", "skipped": "skipped"}


@dataclass
class CaseResult:
    name: str
    outcome: Outcome
    message: str = ""


@dataclass
class CheckResult:
    exercise: Exercise
    file: Path
    cases: list[CaseResult] = field(default_factory=list)
    timed_out: float | None = None  # the timeout, when it was hit
    crash: str | None = None  # pytest's output, when it ran none of this exercise's tests

    @property
    def failures(self) -> list[CaseResult]:
        return [c for c in self.cases if c.outcome in ("failed", "error")]

    @property
    def passed(self) -> bool:
        return (
            self.timed_out is None
            and self.crash is None
            and not self.failures
            and any(c.outcome == "passed" for c in self.cases)
        )


def run_tests(
    exercises: list[Exercise], files: dict[str, Path], content: Content, timeout: float
) -> dict[str, CheckResult]:
    """Test ``files[name]`` for each exercise in one pytest subprocess. If that one times
    out, each exercise runs alone, so only the one that hangs is reported as hanging."""
    _require("pytest", "the exercise tests run with pytest: pip install pytest")
    if not all(e.in_page for e in exercises):
        _require("torch", "these exercises use PyTorch: pip install 'bert-tutor[ml]'")
    results = _pytest_session(exercises, files, content, timeout)
    if len(exercises) > 1 and any(r.timed_out for r in results.values()):
        for exercise in exercises:
            results.update(_pytest_session([exercise], files, content, timeout))
    return results


def _require(module: str, advice: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise TutorError(f"{module} is not installed here; {advice}.")


def _pytest_session(
    exercises: list[Exercise], files: dict[str, Path], content: Content, timeout: float
) -> dict[str, CheckResult]:
    results = {e.name: CheckResult(e, files[e.name]) for e in exercises}
    with tempfile.TemporaryDirectory(prefix="tutor-check-") as tmp:
        # An empty ini keeps the project's own pytest settings (or a learner's) out; the
        # rootdir makes report names follow the manifest's test paths.
        ini = Path(tmp) / "pytest.ini"
        ini.write_text("[pytest]\n", encoding="utf-8")
        report = Path(tmp) / "report.xml"
        command = [
            sys.executable,
            "-m",
            "pytest",
            *(str(content.test(e)) for e in exercises),
            "-q",
            "-p",
            "no:cacheprovider",
            "--import-mode=importlib",
            "-c",
            str(ini),
            "--rootdir",
            str(content.exercises_dir),
            "--confcutdir",
            str(content.exercises_dir / "tests"),
            f"--junitxml={report}",
        ]
        env = dict(os.environ)
        env.pop("PYTEST_ADDOPTS", None)
        env.update(
            {
                FILES_ENV: json.dumps({name: str(path) for name, path in files.items()}),
                # Nothing is written next to the shipped files or the learner's.
                "PYTHONDONTWRITEBYTECODE": "1",
                # Third-party plugins could change or slow the run; the tests need none.
                "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            }
        )
        # The tests are tiny: one thread starts faster and shares the machine better.
        env.setdefault("OMP_NUM_THREADS", "1")
        try:
            proc = subprocess.run(
                command,
                cwd=tmp,
                env=env,
                # input() in the learner's code fails at once instead of waiting.
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            for result in results.values():
                result.timed_out = timeout
            return results
        cases = _read_report(report) if report.exists() else []
        for module, case in cases:
            for exercise in exercises:
                if module == exercise.test_module or module.startswith(exercise.test_module + "."):
                    results[exercise.name].cases.append(case)
        output = (proc.stdout + proc.stderr).strip()
        for result in results.values():
            if not result.cases:
                result.crash = _tail(output) or f"pytest exited with code {proc.returncode}"
    return results


def _read_report(report: Path) -> list[tuple[str, CaseResult]]:
    """(test module, case) for every test case in a JUnit XML report written by pytest."""
    found = []
    try:
        root = ET.parse(report).getroot()
    except ET.ParseError:
        return []  # half-written: the caller reports pytest's own output instead
    for case in root.iter("testcase"):
        # A file that cannot be collected has no classname; its name is the module.
        module = case.get("classname") or case.get("name", "")
        outcome: Outcome = "passed"
        message = ""
        for child in case:
            if child.tag in REPORT_OUTCOMES:
                outcome = REPORT_OUTCOMES[child.tag]
                message = _clean(child.get("message") or "", child.text or "")
                break
        found.append((module, CaseResult(case.get("name", "?"), outcome, message)))
    return found


# pytest's assertion rewriting explains an assert with "+  where ..." lines and JUnit XML
# truncates long messages with a note; neither helps a learner. Object reprs carry memory
# addresses that change on every run.
_EXPLANATION = re.compile(r"^\s*\+\s")
_TRUNCATED = re.compile(r"^\s*\[\+\d+ more lines?; full report in element text\]\s*$")
_BUILTIN = re.compile(r"<built-in (?:method|function) (\w+)[^<>]*? at 0x[0-9a-fA-F]+>")
_OBJECT = re.compile(r"<(?:function|bound method|class|module) '?([\w.]+)'?[^<>]*?>")
_ADDRESS = re.compile(r" (?:object )?at 0x[0-9a-fA-F]+")
_BARE_ASSERT = re.compile(r"^assert (?:False|None|not True|0)$")
_MAX_LINES = 6


def _clean(message: str, details: str) -> str:
    """The part of a failure worth showing a learner: the test's own message first, then
    the smallest useful detail (a few lines), without pytest's internals or addresses."""
    message = message.strip()
    if message in ("", "collection failure"):
        # The error itself is in the traceback's "E " lines.
        errors = [line[1:] for line in details.splitlines() if line.startswith("E ")]
        message = textwrap.dedent("\n".join(errors)) or details
    # pytest wraps setup errors as 'failed on setup with "..."'; keep what is inside.
    for prefix in ('failed on setup with "', 'failed on teardown with "'):
        if message.startswith(prefix) and message.endswith('"'):
            message = message[len(prefix) : -1]
    message = message.removeprefix("AssertionError: ")
    lines = []
    for line in message.splitlines():
        if not line.strip() or _EXPLANATION.match(line) or _TRUNCATED.match(line):
            continue
        line = _OBJECT.sub(r"\1", _BUILTIN.sub(r"\1", line.rstrip()))
        line = _ADDRESS.sub("", line)
        # After the test's own message, a bare "assert False" says nothing more.
        if lines and _BARE_ASSERT.match(line.strip()):
            continue
        lines.append(line)
    text = "\n".join(lines[:_MAX_LINES])
    return text if len(text) <= 600 else text[:597] + "..."


def _tail(output: str, lines: int = 15) -> str:
    return "\n".join(output.splitlines()[-lines:])
