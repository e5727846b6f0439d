"""The lessons' Exercises sections (tutor/site/exercises.py), without a browser or a build.

The section is rendered from manifest entries and files made here, hostile ones included:
YAML and Python text must reach the page escaped, and the JSON in the page's <script> must
give back exactly the files. The real manifest is checked against the real lessons (each
lesson with exercises has the placeholder the hook fills).
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tutor.exercises import Content, Exercise, load_manifest
from tutor.site import exercises as page
from tutor.site import vendor

REPO_ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "</script><script>alert(1)</script><!-- & \u2028"


def _exercise(name: str, lesson: str, in_page: bool, **fields) -> Exercise:
    return Exercise(
        name=name,
        day=fields.get("day", 46),
        lesson=lesson,
        in_page=in_page,
        title=fields.get("title", f"Title of {name}"),
        description=fields.get("description", f"Description of `{name}`."),
        hint=fields.get("hint", f"Hint for {name}."),
        file=f"{name}.py",
        test=f"tests/test_{name}.py",
    )


@pytest.fixture
def source(tmp_path: Path) -> Content:
    content = Content(tmp_path / "exercises", tmp_path / "solutions")
    (content.exercises_dir / "tests").mkdir(parents=True)
    content.solutions_dir.mkdir()
    return content


def _write(content: Content, exercise: Exercise, body: str = "") -> None:
    content.starter(exercise).write_text(f"# starter of {exercise.name}\n{body}", "utf-8")
    content.solution(exercise).write_text(f"# solution of {exercise.name}\n{body}", "utf-8")
    content.test(exercise).write_text(
        f'EXERCISE = "{exercise.name}"\n\ndef test_it(exercise):\n    assert True\n', "utf-8"
    )


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def _parse(markup: str) -> _Tags:
    parser = _Tags()
    parser.feed(markup)
    parser.close()
    return parser


# --------------------------------------------------------------------------- escaping


def test_json_for_script_cannot_end_the_script_and_reads_back_the_same():
    data = {"starter": f"print('{HOSTILE}')\n", "hint": "a < b && c > d\u2029"}
    text = page.json_for_script(data)
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == data


def test_hostile_yaml_and_file_text_reach_the_page_escaped(source):
    exercise = _exercise(
        "hostile",
        "lessons/a.md",
        True,
        title=f"Title {HOSTILE}",
        description=f"Look: <img src=x onerror=alert(2)> and `code {HOSTILE}`",
        hint=f"Hint {HOSTILE}",
    )
    _write(source, exercise, body=f"x = '{HOSTILE}'\n")
    markup = page.render_section([exercise], source)
    parsed = _parse(markup)
    # No markup from the content: only the hook's own tags, and one script (the data).
    allowed = {"div", "p", "section", "h3", "span", "script", "code", "noscript"}
    assert {tag for tag, _ in parsed.tags} <= allowed
    assert [a.get("type") for t, a in parsed.tags if t == "script"] == ["application/json"]
    assert "onerror" not in " ".join(str(a) for _, a in parsed.tags)
    assert "&lt;img src=x onerror=alert(2)&gt;" in markup
    assert html.escape(f"Title {HOSTILE}".strip()) in markup
    data = json.loads(parsed.scripts[0])
    assert data["starter"] == source.starter(exercise).read_text("utf-8")
    assert data["solution"] == source.solution(exercise).read_text("utf-8")
    assert data["tests"] == source.test(exercise).read_text("utf-8")
    assert data["hint"] == exercise.hint == f"Hint {HOSTILE}".strip()
    assert (data["name"], data["file"], data["test_file"]) == (
        "hostile",
        "hostile.py",
        "test_hostile.py",
    )


# --------------------------------------------------------------------------- the section


def test_each_lesson_gets_its_own_exercises_in_manifest_order(source):
    manifest = [
        _exercise("second_here", "lessons/here.md", True),
        _exercise("elsewhere", "lessons/other.md", True),
        _exercise("torch_one", "lessons/here.md", False),
        _exercise("first_here", "lessons/here.md", True),
    ]
    for exercise in manifest:
        _write(source, exercise)
    lesson = '<h2 id="exercises">Exercises</h2>\n<div class="tutor-exercises">\n</div>\n<p>end</p>'
    filled = page.fill_exercises(lesson, "lessons/here.md", manifest, source)
    order = re.findall(r'id="exercise-([a-z_]+)"', filled)
    assert order == ["second_here", "torch_one", "first_here"]
    widgets = re.findall(r' data-exercise="([a-z_]+)"', filled)
    assert widgets == ["second_here", "first_here"]  # one widget per in-page exercise
    assert filled.endswith("<p>end</p>") and "elsewhere" not in filled
    # The torch exercise shows its terminal commands instead of an editor.
    torch = filled[filled.index('id="exercise-torch_one"') :]
    torch = torch[: torch.index("</section>")]
    assert "tutor start torch_one" in torch and "tutor-ex-data" not in torch
    # The page says where in-page progress is kept.
    assert "this browser only" in filled and "tutor progress" in filled


def test_a_lesson_of_terminal_exercises_only_has_no_widget_and_no_script(source):
    exercise = _exercise("torch_only", "lessons/t.md", False)
    filled = page.fill_exercises(
        '<div class="tutor-exercises"></div>', "lessons/t.md", [exercise], source
    )
    assert "tutor start torch_only" in filled
    assert ' data-exercise="' not in filled
    assert vendor.scripts_for(filled) == []


def test_pages_without_the_placeholder_are_left_alone(source):
    exercise = _exercise("one", "lessons/a.md", True)
    _write(source, exercise)
    text = "<p>No exercises section here.</p>"
    assert page.fill_exercises(text, "lessons/a.md", [exercise], source) == text


def test_only_pages_with_a_widget_load_the_exercise_script():
    assert vendor.scripts_for('<section data-exercise="x">') == ["assets/javascripts/exercises.js"]
    assert vendor.scripts_for('<section data-exercise-terminal="x">') == []
    assert vendor.scripts_for("<p>a lesson</p>") == []


# --------------------------------------------------------------------------- Pyodide


def test_pyodide_is_served_from_the_site_and_only_from_the_worker():
    package = vendor.VENDORED["pyodide"]
    targets = set(package.files.values())
    assert all(t.startswith("assets/vendor/pyodide/") for t in targets)
    for core in ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip"):
        assert f"assets/vendor/pyodide/{core}" in targets
    worker = (REPO_ROOT / "docs/assets/javascripts/exercise-worker.js").read_text("utf-8")
    assert 'import("../vendor/pyodide/pyodide.mjs")' in worker
    assert "packageBaseUrl: INDEX_URL" in worker  # Pyodide's CDN default is never used
    scripts = ("exercise-worker.js", "exercises.js")
    for name in scripts:
        text = (REPO_ROOT / "docs/assets/javascripts" / name).read_text("utf-8")
        assert not re.search(r"https?://", text), f"{name} names a URL on another host"
    # No page loads Pyodide itself: the worker does, on the first Run.
    assert not any("pyodide" in s for entry in vendor.ON_DEMAND for s in entry.scripts)
    mkdocs_yml = (REPO_ROOT / "mkdocs.yml").read_text("utf-8")
    assert "pyodide" not in mkdocs_yml and "exercises.js" not in mkdocs_yml


# --------------------------------------------------------------------------- real content


def test_every_lesson_with_exercises_has_the_placeholder_the_hook_fills():
    exercises = load_manifest()
    docs = REPO_ROOT / "docs"

    def read(src_uri: str) -> str | None:
        path = docs / src_uri
        return path.read_text("utf-8") if path.is_file() else None

    assert page.pages_missing_placeholder(exercises, read) == []


def test_the_shipped_section_renders_for_every_lesson():
    exercises = load_manifest()
    source = Content.shipped()
    for lesson in sorted({e.lesson for e in exercises}):
        filled = page.fill_exercises(
            '<div class="tutor-exercises"></div>', lesson, exercises, source
        )
        mine = [e for e in exercises if e.lesson == lesson]
        assert re.findall(r' data-exercise="([a-z0-9_]+)"', filled) == [
            e.name for e in mine if e.in_page
        ]
        for script in _parse(filled).scripts:
            data = json.loads(script)
            exercise = next(e for e in mine if e.name == data["name"])
            assert data["tests"] == source.test(exercise).read_text("utf-8")
