"""The bank's balance: the shipped bank meets every limit, and the checks catch a bank that
breaks them (True always right, one count of right options, the longest option right, a
lesson nobody practises)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor import paths
from tutor.bank_balance import (
    MC_COUNT_SHARE_MAX,
    MIN_PER_LESSON,
    TRUE_SHARE_MAX,
    balance,
    lesson_pages,
    mc_right_counts,
    questions_per_lesson,
    true_right,
)
from tutor.questions import (
    Bank,
    MultipleChoice,
    SingleChoice,
    TrueFalse,
    docs_dir_for,
    load_bank,
    question_files,
)

COLA = "lessons/cola-walkthrough.md"


# --------------------------------------------------------------------------- builders


def tf(qid: str, answer: bool, level: str = "easy", lesson: str = "lessons/a.md#x") -> TrueFalse:
    return TrueFalse(
        id=qid,
        level=level,
        topics=["softmax"],
        type="true_false",
        prompt="True or false: P.",
        explanation="E.",
        lesson=lesson,
        answer=answer,
    )


def mc(qid: str, right: int, level: str = "easy", lesson: str = "lessons/a.md#x") -> MultipleChoice:
    choices = [{"text": f"option {i}", "why": "W."} for i in range(5)]
    return MultipleChoice(
        id=qid,
        level=level,
        topics=["softmax"],
        type="multiple_choice",
        prompt="P?",
        choices=choices,
        answer=list(range(right)),
        explanation="E.",
        lesson=lesson,
    )


def sc(qid: str, longest_right: bool, lesson: str = "lessons/a.md#x") -> SingleChoice:
    texts = ["a much longer option than the others", "short", "brief"]
    return SingleChoice(
        id=qid,
        level="easy",
        topics=["softmax"],
        type="single_choice",
        prompt="P?",
        choices=[{"text": t, "why": "W."} for t in texts],
        answer=0 if longest_right else 1,
        explanation="E.",
        lesson=lesson,
    )


def balanced_bank(lesson: str = "lessons/a.md#x") -> list:
    """A bank that meets every limit, at the limits where they are inclusive."""
    return [
        *(tf(f"t{i}", i < 3, lesson=lesson) for i in range(5)),  # 3 of 5 True: 60 %
        *(mc(f"m{i}", 2 + i % 2, lesson=lesson) for i in range(4)),  # 2, 3, 2, 3: half each
        *(sc(f"s{i}", i == 0, lesson=lesson) for i in range(3)),  # 1 of 3 longest
    ]


# --------------------------------------------------------------------------- the checks


def test_a_bank_at_the_limits_has_no_problems():
    report = balance(Bank(tuple(balanced_bank())))
    assert report.true_right["easy"] == (3, 5)
    assert report.mc_right_counts["easy"] == {2: 2, 3: 2}
    assert report.longest_right == (1, 3)
    assert report.per_lesson == {"lessons/a.md": 12}
    assert report.problems == ()


def test_true_always_right_is_caught_per_level():
    medium = [tf(f"mt{i}", False, level="medium") for i in range(2)]  # medium: 0 of 2
    questions = [*balanced_bank(), tf("t-more", True), *medium]  # easy: 4 of 6 True, 67 %
    report = balance(Bank(tuple(questions)))
    assert report.true_right == {"easy": (4, 6), "medium": (0, 2)}
    assert len(report.problems) == 1
    assert report.problems[0].startswith("easy true/false: True is right in 4 of 6 (67%)")


def test_one_count_of_right_options_holding_most_items_is_caught():
    questions = [q for q in balanced_bank() if not isinstance(q, MultipleChoice)]
    questions += [mc(f"m{i}", 3, level="medium") for i in range(3)] + [mc("m-two", 2, "medium")]
    report = balance(Bank(tuple(questions)))
    assert report.mc_right_counts["medium"] == {2: 1, 3: 3}
    assert report.problems == (
        "medium multiple choice: 3 of 4 items (75%) have exactly 3 right options, above "
        f"{MC_COUNT_SHARE_MAX:.0%}; vary the count",
    )


def test_longest_option_right_too_often_is_caught():
    questions = [*balanced_bank(), sc("s-long-1", True), sc("s-long-2", True)]  # 3 of 5
    report = balance(Bank(tuple(questions)))
    assert report.longest_right == (3, 5)
    assert len(report.problems) == 1 and "longest in 3 of 5 items (60%)" in report.problems[0]


def test_a_lesson_with_too_few_questions_is_caught_and_an_unlinked_page_counts_zero():
    questions = [*balanced_bank(), tf("t-cola", False, lesson=f"{COLA}#mcc")]
    pages = ["lessons/a.md", COLA, "lessons/empty.md"]
    report = balance(Bank(tuple(questions)), pages)
    assert report.per_lesson == {"lessons/empty.md": 0, COLA: 1, "lessons/a.md": 12}
    assert report.problems == (
        f"lessons/empty.md: 0 questions link to it; each lesson needs at least {MIN_PER_LESSON}",
        f"{COLA}: 1 question links to it; each lesson needs at least {MIN_PER_LESSON}",
    )


def test_the_figures_read_as_sentences_with_the_problems_last():
    questions = [*balanced_bank(), tf("t-more", True)]
    lines = balance(Bank(tuple(questions))).lines()
    assert lines[0] == "True/false, True is right: easy 4 of 6 (67%); limit 60% per level."
    assert lines[1] == (
        "Multiple choice, right options per item: easy: 2 right in 2, 3 right in 2; "
        "no count above 50% of a level."
    )
    assert lines[2] == "Questions per lesson (at least 5 each): a 13."
    assert lines[3].startswith("Balance problem: easy true/false")
    assert len(lines) == 4


def test_the_pure_counters_ignore_other_question_types():
    questions = balanced_bank()
    assert true_right(questions) == {"easy": (3, 5), "medium": (0, 0)}
    assert mc_right_counts(questions) == {"easy": {2: 2, 3: 2}, "medium": {}}
    assert questions_per_lesson(questions[:2], ["lessons/b.md"]) == {
        "lessons/b.md": 0,
        "lessons/a.md": 2,
    }


def test_lesson_pages_lists_the_markdown_pages_of_docs_lessons(tmp_path: Path):
    (tmp_path / "lessons").mkdir()
    for name in ("b.md", "a.md", "notes.txt"):
        (tmp_path / "lessons" / name).write_text("# T\n", encoding="utf-8")
    assert lesson_pages(tmp_path) == ["lessons/a.md", "lessons/b.md"]


# --------------------------------------------------------------------------- the shipped bank


@pytest.fixture
def shipped(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("TUTOR_QUESTIONS_DIR", raising=False)
    files = question_files(paths.questions_dir())
    if not files:
        pytest.skip("no shipped question files")
    return files


def test_the_shipped_bank_meets_every_balance_limit(shipped):
    docs = docs_dir_for(shipped[0])
    pages = lesson_pages(docs) if docs is not None else []
    report = balance(load_bank(), pages)
    assert report.problems == (), "\n".join(report.problems)
    # The limits themselves, read from the figures, so a loosened check cannot hide a drift.
    for level, (true, n) in report.true_right.items():
        assert n >= 5 and true / n <= TRUE_SHARE_MAX, (level, true, n)
    for level, counts in report.mc_right_counts.items():
        total = sum(counts.values())
        assert total >= 5 and max(counts.values()) / total <= MC_COUNT_SHARE_MAX, (level, counts)
    assert report.per_lesson[COLA] >= MIN_PER_LESSON
    if docs is not None:
        assert set(report.per_lesson) >= set(pages) and len(pages) >= 11
