"""The "Exercises" section at the end of a lesson page, filled from the exercise manifest.

A lesson ends with ``## Exercises`` and a placeholder line,
``<div class="tutor-exercises" markdown></div>``, which :func:`fill_exercises` replaces in
the page's HTML with the lesson's exercises (those whose manifest ``lesson`` is the page,
in manifest order):

- an ``in_page`` exercise (standard library only) becomes a widget,
  ``<section data-exercise="NAME">``: title, description, an editor, Run tests, Hint and
  Solution. Its starter, test source, hint and solution travel as one JSON object in a
  ``<script type="application/json">``; ``assets/javascripts/exercises.js`` builds the
  editor from it and runs the tests in a Web Worker with Pyodide
  (``exercise-worker.js``). The test file is the very one ``tutor check`` runs.
- any other exercise (it needs torch) shows the ``tutor start NAME`` command instead.

Every text that comes from YAML or a Python file is escaped: in HTML with
:func:`html.escape`, in the JSON with ``<``, ``>`` and ``&`` as ``\\u`` escapes, so no
content can close the script element or open markup.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tutor.site.quiz_page import block_html, esc

# With md_in_html the placeholder arrives as an empty div (the markdown attribute is gone).
PLACEHOLDER = re.compile(r'<div class="tutor-exercises"(?: markdown="1")?>\s*</div>')
# Authors (and the tests) can build the site from draft content, as TUTOR_QUESTIONS_DIR
# does for the question bank.
EXERCISES_ENV = "TUTOR_SITE_EXERCISES_DIR"
SOLUTIONS_ENV = "TUTOR_SITE_SOLUTIONS_DIR"

PROGRESS_NOTE = (
    "Exercises you pass here are remembered in this browser only (its local storage), "
    "apart from <code>tutor progress</code>, which counts the exercises checked with "
    "<code>tutor check</code> in a terminal."
)


def content() -> Any:
    """Where the exercises are: the shipped ones, or the folders the environment names."""
    from tutor.exercises import Content

    exercises_dir = os.environ.get(EXERCISES_ENV)
    if exercises_dir:
        solutions_dir = os.environ.get(SOLUTIONS_ENV) or str(Path(exercises_dir) / "solutions")
        return Content(Path(exercises_dir), Path(solutions_dir))
    return Content.shipped()


def json_for_script(data: Any) -> str:
    """JSON that is safe as the text of a <script> element: no ``</script>``, no ``<!--``,
    no entity, and no line separator that older parsers take for a line end."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    for char, escape in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def widget_data(exercise: Any, source: Any) -> dict[str, str]:
    """What the page's script needs to run one exercise (file names keep tracebacks
    readable: "attention_weights.py, line 12")."""
    return {
        "name": exercise.name,
        "file": exercise.file,
        "test_file": Path(exercise.test).name,
        "starter": _read(source.starter(exercise)),
        "tests": _read(source.test(exercise)),
        "hint": exercise.hint.strip(),
        "solution": _read(source.solution(exercise)),
    }


def render_in_page(exercise: Any, source: Any) -> str:
    name = esc(exercise.name)
    data = json_for_script(widget_data(exercise, source))
    return (
        f'<section class="tutor-exercise tutor-exercise-widget" id="exercise-{name}" '
        f'data-exercise="{name}">'
        f'<h3 class="tutor-ex-title">{esc(exercise.title.strip())}'
        f'<span class="tutor-ex-badge" hidden>Passed</span></h3>'
        f"{block_html(exercise.description, 'tutor-ex-description')}"
        f'<script type="application/json" class="tutor-ex-data">{data}</script>'
        # exercises.js puts the editor and the buttons here; without script the learner
        # still has the terminal route.
        f'<div class="tutor-ex-app" data-search-exclude><noscript><p>Run this exercise in a '
        f"terminal: <code>tutor start {name}</code>.</p></noscript></div>"
        "</section>"
    )


def render_terminal(exercise: Any) -> str:
    name = esc(exercise.name)
    return (
        f'<section class="tutor-exercise tutor-exercise-terminal" id="exercise-{name}" '
        f'data-exercise-terminal="{name}">'
        f'<h3 class="tutor-ex-title">{esc(exercise.title.strip())}</h3>'
        f"{block_html(exercise.description, 'tutor-ex-description')}"
        '<p class="tutor-ex-terminal-note">This one needs PyTorch, so it runs in a terminal '
        "of your clone of the course, not in the page:</p>"
        f'<pre class="tutor-ex-command"><code>tutor start {name}\ntutor check {name}'
        f"\ntutor hint {name}</code></pre>"
        "</section>"
    )


def render_section(exercises: Sequence[Any], source: Any) -> str:
    """The filled placeholder: every exercise of one lesson, in the order given."""
    parts = [render_in_page(e, source) if e.in_page else render_terminal(e) for e in exercises]
    if any(e.in_page for e in exercises):
        parts.insert(0, f'<p class="tutor-ex-note">{PROGRESS_NOTE}</p>')
    if not exercises:
        parts.append('<p class="tutor-ex-note">No exercises for this lesson yet.</p>')
    return '<div class="tutor-exercises">' + "".join(parts) + "</div>"


def lesson_exercises(exercises: Iterable[Any], src_uri: str) -> list[Any]:
    return [e for e in exercises if e.lesson == src_uri]


def fill_exercises(html_: str, src_uri: str, exercises: Sequence[Any], source: Any) -> str:
    """The page's HTML with its placeholder filled (pages without one are returned as
    they are)."""
    if not PLACEHOLDER.search(html_):
        return html_
    section = render_section(lesson_exercises(exercises, src_uri), source)
    return PLACEHOLDER.sub(lambda _: section, html_, count=1)


def pages_missing_placeholder(
    exercises: Iterable[Any], read_source: Any
) -> list[tuple[str, list[str]]]:
    """Lessons that have exercises in the manifest but no placeholder (or no page): the
    exercises would be invisible. ``read_source(src_uri)`` gives a page's Markdown or None.
    """
    by_lesson: dict[str, list[str]] = {}
    for exercise in exercises:
        by_lesson.setdefault(exercise.lesson, []).append(exercise.name)
    missing = []
    for lesson, names in by_lesson.items():
        text = read_source(lesson)
        if text is None or 'class="tutor-exercises"' not in text:
            missing.append((lesson, names))
    return missing


# The manifest of the current build. MkDocs loads hooks.py by path, so the state lives
# here: set by load() in on_files, read for every page.
_LOADED: dict[str, Any] = {}


def load() -> None:
    """Read the manifest for this build; a broken one raises TutorError (the build stops)."""
    from tutor.exercises import load_manifest

    source = content()
    _LOADED.update(source=source, exercises=load_manifest(source))


def fill_page(html_: str, src_uri: str) -> str:
    if "source" not in _LOADED:
        return html_
    return fill_exercises(html_, src_uri, _LOADED["exercises"], _LOADED["source"])
