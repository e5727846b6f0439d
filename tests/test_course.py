"""The course data (tutor/course.yaml): it loads, its cross-references hold, it agrees with
the site's nav, and a broken copy is reported with file and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tutor import course
from tutor.errors import ValidationError

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_shipped_course_loads_with_unique_ids():
    data = course.load()
    assert data.level_ids == ("easy", "medium")
    assert len(set(data.topic_ids)) == len(data.topic_ids) >= 10
    assert [lesson.number for lesson in data.lessons] == list(range(1, len(data.lessons) + 1))
    assert course.topic_title("mlm") == "Masked language modelling"
    assert course.level_title("easy") == "Easy interview questions"
    assert course.level_intro("medium").startswith("Two or three steps")


def test_every_page_the_course_names_exists_and_the_nav_numbers_it_the_same_way():
    docs = REPO_ROOT / "docs"
    if not docs.is_dir():
        pytest.skip("no docs/ folder (an installed package)")
    data = course.load()
    for lesson in data.lessons:
        assert (docs / lesson.page).is_file(), lesson.page
    # mkdocs.yml names each lesson "N · Title (Day D)"; !!python/name tags are not data.
    text = re.sub(r"!!python/name:\S+", "null", (REPO_ROOT / "mkdocs.yml").read_text())
    nav = yaml.safe_load(text)["nav"]
    entries = {}
    for section in nav:
        for value in section.values():
            for entry in value if isinstance(value, list) else []:
                if isinstance(entry, dict):
                    entries.update({page: title for title, page in entry.items()})
    for lesson in data.lessons:
        day = f" (Day {lesson.day.removeprefix('day')})" if lesson.day else ""
        assert entries[lesson.page] == f"{lesson.number} · {lesson.title}{day}"


def test_every_lesson_has_the_anchors_the_course_promises():
    from tutor.lesson_links import page_anchors

    docs = REPO_ROOT / "docs"
    if not docs.is_dir():
        pytest.skip("no docs/ folder (an installed package)")
    for lesson in course.load().lessons:
        missing = [a for a in lesson.anchors if a not in page_anchors(docs / lesson.page)]
        assert not missing, f"{lesson.page} lacks {missing}"


def test_readers_get_the_tracker_from_the_course_data():
    from tutor import progress

    assert progress.tracker() == course.load().days
    assert progress.find_item("day7.softmax").text.startswith("I understand the role")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "course.yaml"
    path.write_text(text, encoding="utf-8")
    return path


SHIPPED = course.COURSE_FILE.read_text(encoding="utf-8")


def _line_of(text: str, needle: str) -> int:
    return text.splitlines().index(needle) + 1


def test_unknown_topic_in_evidence_is_reported_with_its_line_and_the_topics(tmp_path):
    needle = "          - {kind: quiz, topics: [pretraining-finetuning]}"
    broken = SHIPPED.replace(needle, needle.replace("pretraining-finetuning", "pre-training"), 1)
    with pytest.raises(ValidationError) as caught:
        course.load(_write(tmp_path, broken))
    (problem,) = caught.value.problems
    line = _line_of(broken, needle.replace("pretraining-finetuning", "pre-training"))
    assert problem.startswith(f"{tmp_path / 'course.yaml'}:{line}: ")
    assert "unknown topic 'pre-training'; the topics are: self-attention, " in problem


def test_every_problem_is_listed_at_once(tmp_path):
    broken = (
        SHIPPED.replace("    number: 2\n", "    number: 5\n", 1)
        .replace("    lesson: lessons/self-attention.md\n", "    lesson: lessons/nowhere.md\n", 1)
        .replace("  - id: medium\n", "  - id: medium\n    colour: red\n", 1)
        .replace("          - {kind: run}\n", "          - {kind: quiz}\n", 1)
    )
    with pytest.raises(ValidationError) as caught:
        course.load(_write(tmp_path, broken))
    problems = caught.value.problems
    assert any(
        "field 'levels[1].colour': unknown key; it takes: id, title, intro" in p for p in problems
    )
    assert any("quiz evidence needs 'topics'" in p for p in problems)
    # Cross-references are checked once the shapes are right: fix the shape, see them.
    shaped = broken.replace("    colour: red\n", "").replace("{kind: quiz}\n", "{kind: run}\n", 1)
    with pytest.raises(ValidationError) as caught:
        course.load(_write(tmp_path, shaped))
    text = "\n".join(caught.value.problems)
    assert "field 'lessons[1].number': is 5; the lessons are numbered in order, so 2" in text
    assert "field 'topics[0].lesson': 'lessons/nowhere.md' is not one of the lessons" in text


def test_yaml_errors_and_duplicate_keys_have_lines(tmp_path):
    with pytest.raises(ValidationError, match=r"course.yaml:2: key 'levels' appears twice"):
        course.load(_write(tmp_path, "levels: []\nlevels: []\n"))
    with pytest.raises(ValidationError, match=r"course.yaml:1: the file is empty"):
        course.load(_write(tmp_path, ""))
    with pytest.raises(ValidationError, match=r"course.yaml:2: YAML syntax error"):
        course.load(_write(tmp_path, "a: [\nb: ]]\n"))


def test_unknown_ids_raise_a_clear_key_error():
    with pytest.raises(KeyError, match="no topic 'nope' in the course data"):
        course.topic_title("nope")
