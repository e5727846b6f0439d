"""The shipped question bank against the course: every lesson link lands on a page and a
section of docs/ (checked from the Markdown, without building the site), and the right
option of a single-choice question is not a giveaway by being the longest."""

from __future__ import annotations

import pytest

from tutor import paths
from tutor.lesson_links import docs_dir_for
from tutor.question_bank import LONGEST_RIGHT_TARGET, load_bank, question_files


@pytest.fixture
def shipped(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("TUTOR_QUESTIONS_DIR", raising=False)
    files = question_files(paths.questions_dir())
    if not files:
        pytest.skip("no shipped question files")
    return files


def test_every_lesson_link_of_the_bank_resolves_in_docs(shipped):
    if docs_dir_for(shipped[0]) is None:
        pytest.skip("installed without the repository's docs/ folder")
    bank = load_bank(check_links=True)  # a broken link is a ValidationError naming it
    assert bank.docs_checked == (docs_dir_for(shipped[0]),)


def test_the_right_option_is_rarely_the_longest(shipped):
    longest, singles = load_bank().longest_right()
    assert singles > 0
    assert longest / singles <= LONGEST_RIGHT_TARGET, (
        f"the right option is the longest in {longest} of {singles} single-choice questions"
    )
