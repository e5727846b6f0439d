"""The lessons' in-page exercises in a real browser (Debian's chromium driven by Playwright).

The built site is served from 127.0.0.1; every request is recorded and any request to
another host is aborted, so each check also proves that the exercises work with the
network cut and load nothing from elsewhere (Pyodide included). Each in-page exercise of
the manifest is run on its own lesson page through ``window.tutorExercises.run``: its
solution must pass and its starter fail, with messages. Bad code (a syntax error, an error
on loading, an endless loop) must get a message while the page keeps responding.
Screenshots of one exercise (before, failing, passing; 1280 px and 390 px wide) go to
tests/screenshots/ (gitignored) for a person to look at.
"""

from __future__ import annotations

import ast
import json
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

# The served site and the browser are test_site_browser's fixtures (one build per session).
from test_site_browser import CHROMIUM, SCREENSHOTS, base_url, browser  # noqa: F401

from tutor.exercises import Content, load_manifest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.network,  # builds the site: the first build fetches the pinned npm packages
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install -y chromium"
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (test extra)")

IN_PAGE = [e for e in load_manifest() if e.in_page]
SHOWN = "attention_weights"  # the exercise in the screenshots (any in-page one would do)
RUN = "([name, code]) => window.tutorExercises.run(name, code)"


def lesson_url(exercise) -> str:
    return exercise.lesson.removesuffix(".md") + "/"


def _test_names(exercise) -> list[str]:
    tree = ast.parse(Content.shipped().test(exercise).read_text(encoding="utf-8"))
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name[:5] == "test_"]


class Session:
    """One browser context: every request and console/script error recorded; requests to
    any host but the local server aborted (the network is "cut")."""

    def __init__(self, chromium, url: str, width: int = 1280, height: int = 900) -> None:
        self.base = url
        self.context = chromium.new_context(viewport={"width": width, "height": height})
        self.requests: list[str] = []
        self.offsite: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        self.page.on(
            "console",
            lambda msg: self.errors.append(f"console: {msg.text}") if msg.type == "error" else None,
        )

    def _route(self, route) -> None:
        url = route.request.url
        self.requests.append(url)
        if url.startswith(("data:", "blob:")) or urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.offsite.append(url)
            route.abort()

    def open(self, path: str):
        self.page.goto(self.base + path, wait_until="load")
        return self.page

    def data(self, name: str) -> dict:
        node = self.page.locator(f'[data-exercise="{name}"] script.tutor-ex-data')
        return json.loads(node.text_content())

    def run(self, name: str, code: str) -> dict:
        return self.page.evaluate(RUN, [name, code])

    def close(self) -> None:
        self.context.close()
        assert not self.offsite, f"requests to other hosts: {self.offsite}"
        assert not self.errors, f"console or script errors: {self.errors}"


@pytest.fixture
def session(browser, base_url) -> Iterator[Session]:  # noqa: F811
    if not IN_PAGE:
        pytest.skip("the manifest has no in_page exercise")
    s = Session(browser, base_url)
    try:
        yield s
    finally:
        s.close()


def _by_lesson() -> dict[str, list]:
    lessons: dict[str, list] = {}
    for exercise in IN_PAGE:
        lessons.setdefault(exercise.lesson, []).append(exercise)
    return lessons


# --------------------------------------------------------------------------- every exercise


@pytest.mark.parametrize("lesson", sorted(_by_lesson()))
def test_every_solution_passes_and_every_starter_fails_in_its_lesson_page(session, lesson):
    content = Content.shipped()
    for exercise in _by_lesson()[lesson]:
        page = session.open(lesson_url(exercise))
        assert page.locator(f'[data-exercise="{exercise.name}"]').count() == 1
        data = session.data(exercise.name)
        # One source: the page runs the very test file `tutor check` runs.
        assert data["tests"] == content.test(exercise).read_text(encoding="utf-8")
        assert data["starter"] == content.starter(exercise).read_text(encoding="utf-8")
        names = _test_names(exercise)

        solved = session.run(exercise.name, data["solution"])
        assert solved["error"] is None, f"{exercise.name}: {solved['error']}"
        assert [r["test"] for r in solved["results"]] == names
        failing = [r for r in solved["results"] if not r["passed"]]
        assert solved["passed"] and not failing, f"{exercise.name}'s solution fails: {failing}"

        started = session.run(exercise.name, data["starter"])
        assert started["passed"] is False, f"{exercise.name}'s starter passes its tests"
        assert started["error"] is None, f"{exercise.name}'s starter: {started['error']}"
        assert [r["test"] for r in started["results"]] == names
        failed = [r for r in started["results"] if not r["passed"]]
        assert failed and all(r["message"].strip() for r in failed), (
            f"{exercise.name}: a failing test gave no message: {failed}"
        )
        # The page shows them too, with each test's message.
        shown = page.locator(f'[data-exercise="{exercise.name}"] .tutor-ex-fail')
        assert shown.count() == len(failed)
        assert failed[0]["message"].strip() in shown.first.inner_text()
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in session.requests)


# --------------------------------------------------------------------------- bad code


def _exercise(name: str):
    return next((e for e in IN_PAGE if e.name == name), IN_PAGE[0])


def test_syntax_errors_and_errors_on_loading_get_a_message_with_the_line(session):
    exercise = _exercise(SHOWN)
    page = session.open(lesson_url(exercise))
    box = page.locator(f'[data-exercise="{exercise.name}"]')

    broken = session.run(exercise.name, "import math\n\ndef softmax(scores:\n    return []\n")
    assert broken["passed"] is False and broken["results"] == []
    assert "SyntaxError" in broken["error"] and "line 3" in broken["error"], broken["error"]
    assert "SyntaxError" in box.locator(".tutor-ex-error").inner_text()

    indented = session.run(exercise.name, "def f():\nreturn 1\n")
    assert "IndentationError" in indented["error"] and "line 2" in indented["error"]

    raising = session.run(exercise.name, "import math\nvalue = 1 / 0\n")
    assert raising["passed"] is False
    assert "ZeroDivisionError" in raising["error"] and "line 2" in raising["error"]
    assert "while it was being loaded" in raising["error"]

    missing = session.run(exercise.name, "import numpy\n")
    assert "ModuleNotFoundError" in missing["error"] and "line 1" in missing["error"]

    # input() has no keyboard in the worker: end of file, with no console error.
    asking = session.run(exercise.name, "name = input()\n")
    assert "EOFError" in asking["error"] and "line 1" in asking["error"], asking["error"]

    # What the learner's code prints is kept apart from the results, and shown.
    printing = session.run(exercise.name, "print('loading', 6 * 7)\n")
    assert printing["output"] == "loading 42\n"

    # An exception inside a function is the test's failure, located in the learner's file.
    data = session.data(exercise.name)
    result = session.run(exercise.name, data["starter"])
    assert any(f"{data['file']}, line" in r["message"] for r in result["results"]), result


def test_an_endless_loop_is_stopped_and_the_page_keeps_responding(session):
    exercise = _exercise(SHOWN)
    page = session.open(lesson_url(exercise))
    data = session.data(exercise.name)
    session.run(exercise.name, data["solution"])  # Python loaded: the limit is for the code

    page.evaluate(
        "([n, c]) => { window.__endless = window.tutorExercises.run(n, c); }",
        [exercise.name, data["solution"] + "\n\nwhile True:\n    pass\n"],
    )
    # While Python spins in the worker, the page answers at once and can be scrolled.
    started = time.monotonic()
    assert page.evaluate("document.querySelectorAll('[data-exercise]').length") >= 1
    page.mouse.wheel(0, 300)
    assert time.monotonic() - started < 2.0
    limit_s = page.evaluate("window.tutorExercises.timeLimitMs") / 1000
    result = page.evaluate("window.__endless")
    assert time.monotonic() - started < limit_s + 5
    assert result["passed"] is False and "stopped" in result["error"], result
    assert (
        "stopped" in page.locator(f'[data-exercise="{exercise.name}"] .tutor-ex-error').inner_text()
    )

    # A fresh Python takes the next run.
    again = session.run(exercise.name, data["solution"])
    assert again["passed"] is True, again


# --------------------------------------------------------------------------- the widget


def _shot(page, name: str, locator) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    locator.evaluate("e => { e.scrollIntoView({block: 'start'}); window.scrollBy(0, -64); }")
    page.mouse.move(0, 0)
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=False)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_widget_runs_hints_solves_and_remembers_a_pass(browser, base_url, width):  # noqa: F811
    if not IN_PAGE:
        pytest.skip("the manifest has no in_page exercise")
    session = Session(browser, base_url, width=width, height=900 if width > 600 else 844)
    try:
        exercise = _exercise(SHOWN)
        page = session.open(lesson_url(exercise))
        # The page stays light: nothing of Python is fetched before Run is pressed.
        assert not [u for u in session.requests if "pyodide" in u or "exercise-worker" in u]
        box = page.locator(f'[data-exercise="{exercise.name}"]')
        data = session.data(exercise.name)
        editor = box.locator("textarea.tutor-ex-editor")
        assert editor.input_value() == data["starter"]
        assert box.locator(".tutor-ex-badge").is_hidden()
        assert "in this browser only" in page.locator(".tutor-ex-note").first.inner_text()
        _shot(page, f"exercise-{width}-before.png", box)

        box.locator(".tutor-ex-hint-button").click()
        assert box.locator(".tutor-ex-hint").is_visible()
        # Before the tests pass, the solution needs a confirmation.
        box.locator(".tutor-ex-solution-button").click()
        assert box.locator(".tutor-ex-confirm").is_visible()
        assert box.locator(".tutor-ex-solution").is_hidden()
        box.locator(".tutor-ex-solution-button").click()  # changed their mind
        box.locator(".tutor-ex-hint-button").click()
        assert box.locator(".tutor-ex-hint").is_hidden()

        box.locator(".tutor-ex-run").click()
        box.locator(".tutor-ex-list").wait_for(timeout=120_000)
        assert box.locator(".tutor-ex-fail").count() >= 1
        assert "tests pass" in box.locator(".tutor-ex-status").inner_text()
        _shot(page, f"exercise-{width}-failing.png", box.locator(".tutor-ex-actions"))

        editor.fill(data["solution"])
        box.locator(".tutor-ex-run").click()
        page.wait_for_selector(f'[data-exercise="{exercise.name}"].tutor-ex-passed')
        assert box.locator(".tutor-ex-fail").count() == 0
        assert box.locator(".tutor-ex-badge").is_visible()
        assert box.locator(".tutor-ex-solution").is_visible()
        _shot(page, f"exercise-{width}-passing.png", box.locator(".tutor-ex-actions"))

        # The pass and the draft survive a reload (this browser's storage).
        page.reload(wait_until="load")
        box = page.locator(f'[data-exercise="{exercise.name}"]')
        assert box.locator(".tutor-ex-badge").is_visible()
        assert box.locator("textarea.tutor-ex-editor").input_value() == data["solution"]
        box.locator(".tutor-ex-reset").click()
        assert box.locator("textarea.tutor-ex-editor").input_value() == data["starter"]
        others = [
            e.name for e in IN_PAGE if e.lesson == exercise.lesson and e.name != exercise.name
        ]
        for name in others:  # only the passed exercise has its badge
            assert page.locator(f'[data-exercise="{name}"] .tutor-ex-badge').is_hidden()
    finally:
        session.close()


def test_tab_indents_in_the_editor(session):
    exercise = _exercise(SHOWN)
    page = session.open(lesson_url(exercise))
    editor = page.locator(f'[data-exercise="{exercise.name}"] textarea.tutor-ex-editor')
    editor.fill("def f():\nreturn 1")
    editor.evaluate("e => e.setSelectionRange(9, 9)")
    page.keyboard.press("Tab")
    assert editor.input_value() == "def f():\n    return 1"
    assert editor.evaluate("e => document.activeElement === e")
    page.keyboard.press("Shift+Tab")
    assert editor.input_value() == "def f():\nreturn 1"
