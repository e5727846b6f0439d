"""How guessable the question bank is, level by level, and whether every lesson is practised.

A learner who always answers "True", always ticks three options or always picks the longest
option should not score well; a lesson page no question links to is never practised. These
are pure functions over a loaded bank (:func:`tutor.questions.load_bank`): they return
figures and, for each limit a figure breaks, a problem sentence. They never print.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tutor import course
from tutor.question_bank import LONGEST_RIGHT_TARGET, Bank
from tutor.questions import MultipleChoice, Question, TrueFalse

# Always answering "True" may score at most this share of a level's true/false items.
TRUE_SHARE_MAX = 0.60
# No one number of right options may hold more than this share of a level's
# multiple-choice items: else "tick that many" is a strategy.
MC_COUNT_SHARE_MAX = 0.50
# Every lesson page gets at least this many questions linking to it.
MIN_PER_LESSON = 5


@dataclass(frozen=True)
class Balance:
    """The figures of one bank and the limits they break (``problems``; empty: all met)."""

    # level -> (items whose right answer is True, true/false items)
    true_right: dict[str, tuple[int, int]]
    # level -> {number of right options: multiple-choice items with that many}
    mc_right_counts: dict[str, dict[int, int]]
    # (single-choice items whose right option is strictly the longest, single-choice items)
    longest_right: tuple[int, int]
    # lesson page ('lessons/x.md') -> questions linking to it, fewest first
    per_lesson: dict[str, int]
    problems: tuple[str, ...]

    def lines(self) -> list[str]:
        """The figures as short sentences, one per check, then one line per problem.

        The longest-option share is checked (a problem line when above target) but not
        repeated as a figure: `tutor questions validate` prints it already."""
        out = []
        tf = [
            f"{level} {true} of {n} ({_pct(true, n)})"
            for level, (true, n) in self.true_right.items()
            if n
        ]
        if tf:
            out.append(
                f"True/false, True is right: {', '.join(tf)}; limit {TRUE_SHARE_MAX:.0%} per level."
            )
        mc = [
            f"{level}: " + ", ".join(f"{k} right in {n}" for k, n in counts.items())
            for level, counts in self.mc_right_counts.items()
            if counts
        ]
        if mc:
            out.append(
                f"Multiple choice, right options per item: {'; '.join(mc)}; no count above "
                f"{MC_COUNT_SHARE_MAX:.0%} of a level."
            )
        if self.per_lesson:
            pages = ", ".join(f"{_stem(page)} {n}" for page, n in self.per_lesson.items())
            out.append(f"Questions per lesson (at least {MIN_PER_LESSON} each): {pages}.")
        out.extend(f"Balance problem: {problem}" for problem in self.problems)
        return out


def true_right(questions: Iterable[Question]) -> dict[str, tuple[int, int]]:
    """Per level: (true/false items whose answer is True, true/false items)."""
    found = {level: [0, 0] for level in course.level_ids()}
    for q in questions:
        if isinstance(q, TrueFalse):
            found[q.level][0] += q.answer
            found[q.level][1] += 1
    return {level: (true, n) for level, (true, n) in found.items()}


def mc_right_counts(questions: Iterable[Question]) -> dict[str, dict[int, int]]:
    """Per level: how many multiple-choice items have 2, 3, ... right options."""
    found: dict[str, Counter[int]] = {level: Counter() for level in course.level_ids()}
    for q in questions:
        if isinstance(q, MultipleChoice):
            found[q.level][len(q.answer)] += 1
    return {level: dict(sorted(counts.items())) for level, counts in found.items()}


def questions_per_lesson(
    questions: Iterable[Question], pages: Iterable[str] = ()
) -> dict[str, int]:
    """Questions linking each lesson page, fewest first; ``pages`` are counted even at 0."""
    counts: Counter[str] = Counter({page: 0 for page in pages})
    for q in questions:
        counts[q.lesson_page] += 1
    return dict(sorted(counts.items(), key=lambda item: (item[1], item[0])))


def lesson_pages(docs: Path) -> list[str]:
    """The lesson pages of a docs/ folder as question links name them ('lessons/x.md')."""
    folder = Path(docs) / "lessons"
    return sorted(f"lessons/{page.name}" for page in folder.glob("*.md") if page.is_file())


def balance(bank: Bank, pages: Iterable[str] = ()) -> Balance:
    """Every figure of ``bank`` and every limit it breaks. ``pages``: the lesson pages that
    must each have :data:`MIN_PER_LESSON` questions (default: those the bank links to)."""
    questions = tuple(bank)
    tf = true_right(questions)
    mc = mc_right_counts(questions)
    longest = Bank(questions).longest_right()
    per_lesson = questions_per_lesson(questions, pages)

    problems = []
    for level, (true, n) in tf.items():
        if n and true / n > TRUE_SHARE_MAX:
            problems.append(
                f"{level} true/false: True is right in {true} of {n} ({_pct(true, n)}), above "
                f"{TRUE_SHARE_MAX:.0%}; rewrite some statements into their false form"
            )
    for level, counts in mc.items():
        total = sum(counts.values())
        for right, n in counts.items():
            if n / total > MC_COUNT_SHARE_MAX:
                problems.append(
                    f"{level} multiple choice: {n} of {total} items ({_pct(n, total)}) have "
                    f"exactly {right} right options, above {MC_COUNT_SHARE_MAX:.0%}; vary the count"
                )
    hits, singles = longest
    if singles and hits / singles > LONGEST_RIGHT_TARGET:
        problems.append(
            f"single choice: the right option is the longest in {hits} of {singles} items "
            f"({_pct(hits, singles)}), above {LONGEST_RIGHT_TARGET:.0%}"
        )
    for page, n in per_lesson.items():
        if n < MIN_PER_LESSON:
            problems.append(
                f"{page}: {n} question{'' if n == 1 else 's'} link{'s' if n == 1 else ''} "
                f"to it; each lesson needs at least {MIN_PER_LESSON}"
            )
    return Balance(tf, mc, longest, per_lesson, tuple(problems))


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "-"


def _stem(page: str) -> str:
    return page.rsplit("/", 1)[-1].removesuffix(".md")
