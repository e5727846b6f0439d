"""The generated quiz pages (``quiz/easy.md``, ``quiz/medium.md``) from the question bank.

Quiz pages shuffle each question's options, seeded, so the same bank builds the same page
(:func:`choice_orders`). The rendering is plain functions (:func:`render_quiz_page`) so
tests can call it without a build. Every text that comes from YAML goes through
:func:`html.escape`: question files are contributed content and must not be able to
inject markup or script.
"""

from __future__ import annotations

import html
import random
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from tutor.site.course_titles import level_intro, level_title, topic_order, topic_title

QUIZ_DIR = "quiz"

TYPE_LABELS = {
    "single_choice": "One answer",
    "multiple_choice": "Several answers",
    "true_false": "True or false",
    "numeric": "Calculation",
    "free_text": "Explain",
}
# Also the order of the topic sections on a quiz page (the course's order).


def esc(text: object) -> str:
    """Escape YAML text for HTML (quotes too: some of it lands in attributes)."""
    return html.escape(str(text), quote=True)


_CODE = re.compile(r"`([^`\n]+)`")


def inline_html(text: str) -> str:
    """One line of YAML text as safe HTML: escaped, with `backticks` shown as code.

    The escaping comes first, so a code span can only ever wrap already-escaped text.
    """
    escaped = esc(" ".join(text.split()))
    return _CODE.sub(r"<code>\1</code>", escaped)


def block_html(text: str, css: str = "") -> str:
    """YAML text as paragraphs (a blank line separates them), with no blank line in the
    output, which could end the raw HTML block early."""
    attr = f' class="{css}"' if css else ""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join(f"<p{attr}>{inline_html(p)}</p>" for p in paragraphs)


def number_text(value: float) -> str:
    """A number as a learner would write it: 3 rather than 3.0, 0.25 rather than 2.5e-01."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _letter(index: int) -> str:
    return chr(ord("A") + index)


def choice_orders(questions: Iterable[Any], seed: str) -> dict[str, list[int]]:
    """The display order (file indices) of each choice question's options on one page.

    The YAML lists the right answer first more often than not, so file order gives it away.
    Multiple-choice options are shuffled, seeded by the question id. For single choice a
    plain shuffle still leaves chance clusters (23 questions: one letter right 10 times, one
    twice), so the right option's positions are dealt out evenly over the page (for each
    number of options, each position as often as the others, +-1) and those positions are
    shuffled among the questions, so no run of questions predicts the next one. Everything
    is seeded: the same bank builds the same page.
    """
    orders: dict[str, list[int]] = {}
    by_size: dict[int, list[Any]] = {}
    for q in questions:
        if q.type == "multiple_choice":
            order = list(range(len(q.choices)))
            random.Random(q.id).shuffle(order)
            orders[q.id] = order
        elif q.type == "single_choice":
            by_size.setdefault(len(q.choices), []).append(q)
    for size, group in sorted(by_size.items()):
        slots = [i % size for i in range(len(group))]
        random.Random(f"{seed}/{size}").shuffle(slots)
        for q, slot in zip(group, slots, strict=True):
            others = [i for i in range(size) if i != q.answer]
            random.Random(q.id).shuffle(others)
            orders[q.id] = [*others[:slot], q.answer, *others[slot:]]
    return orders


def _choice_items(
    qid: str,
    kind: str,
    options: Sequence[tuple[str, str | None, bool]],
    letters: bool = True,
) -> str:
    """The <li> of each option, in display order: (text, why or None, correct).

    Letters and other furniture are kept out of the search index (data-search-exclude), and
    separated by spaces so that nothing runs together where text is extracted."""
    items = []
    for i, (text, why, correct) in enumerate(options):
        why_html = (
            f'<div class="quiz__why" data-search-exclude hidden>{block_html(why)}</div>'
            if why
            else ""
        )
        letter = (
            f'<span class="quiz__letter" data-search-exclude>{_letter(i)}</span> '
            if letters
            else ""
        )
        items.append(
            f'<li class="quiz__choice" data-correct="{"true" if correct else "false"}">'
            f'<label><input type="{kind}" name="{esc(qid)}" value="{i}"> {letter}'
            f'<span class="quiz__choice-text">{inline_html(text)}</span></label>'
            f"{why_html}</li>"
        )
    return '<ul class="quiz__choices">' + "".join(items) + "</ul>"


def _answer_area(q: Any, order: Sequence[int] | None = None) -> str:
    """The form's inside; ``order`` is the display order of a choice question's options
    (file indices; default: file order)."""
    qid = q.id
    if q.type in ("single_choice", "multiple_choice"):
        order = list(range(len(q.choices))) if order is None else list(order)
        if sorted(order) != list(range(len(q.choices))):
            raise ValueError(f"question {qid!r}: {order} is not an order of its choices")
        correct = {q.answer} if q.type == "single_choice" else set(q.answer)
        options = [(q.choices[i].text, q.choices[i].why, i in correct) for i in order]
        if q.type == "single_choice":
            return _choice_items(qid, "radio", options)
        return (
            '<p class="quiz__hint" data-search-exclude>Tick every answer that applies, then check.</p>'
            + _choice_items(qid, "checkbox", options)
            + '<button type="button" class="md-button quiz__check" data-search-exclude>Check</button>'
        )
    if q.type == "true_false":
        # Always True then False, unlettered: the feedback names the answer in words.
        options = [("True", None, q.answer is True), ("False", None, q.answer is False)]
        return _choice_items(qid, "radio", options, letters=False)
    if q.type == "numeric":
        unit = (
            f'<span class="quiz__unit" data-search-exclude>{inline_html(q.unit)}</span>'
            if q.unit
            else ""
        )
        return (
            '<div class="quiz__numeric">'
            f'<label><span class="quiz__numeric-label" data-search-exclude>Your answer</span>'
            f'<input type="text" inputmode="decimal" autocomplete="off" class="quiz__number" '
            f'data-answer="{esc(repr(float(q.answer)))}" '
            f'data-tolerance="{esc(repr(float(q.tolerance)))}" '
            f'data-answer-text="{esc(number_text(q.answer))}" '
            f'data-tolerance-text="{esc(number_text(q.tolerance))}" '
            f'data-unit="{esc(q.unit or "")}"></label>{unit}'
            '<button type="submit" class="md-button quiz__check" data-search-exclude>Check</button></div>'
        )
    if q.type == "free_text":
        return (
            '<label class="quiz__draft"><span class="quiz__numeric-label" data-search-exclude>'
            "Your answer (for you: it is not checked)</span>"
            '<textarea rows="3"></textarea></label>'
            '<button type="button" class="md-button quiz__reveal" data-search-exclude>'
            "Show model answer</button>"
        )
    raise ValueError(f"question {qid!r}: unknown type {q.type!r}")


def _solution(q: Any) -> str:
    """What is revealed once the learner has answered: model answer, explanation, source.

    Kept out of the search index (no spoilers in search results). Material's indexer ends a
    data-search-exclude region at the first closing tag of the same name, so nothing inside
    is a <div>.
    """
    parts = []
    if q.type == "free_text":
        points = "".join(f"<li>{inline_html(p)}</li>" for p in q.key_points)
        parts.append(
            '<section class="quiz__model-answer"><p class="quiz__label">Model answer</p>'
            f"{block_html(q.model_answer)}"
            f'<p class="quiz__label">Key points</p><ul>{points}</ul></section>'
        )
    parts.append(
        f'<section class="quiz__explanation"><p class="quiz__label">Why</p>'
        f"{block_html(q.explanation)}</section>"
    )
    if q.source:
        parts.append(f'<p class="quiz__source">Source: {inline_html(q.source)}</p>')
    return '<div class="quiz__solution" data-search-exclude hidden>' + "".join(parts) + "</div>"


def render_question(
    q: Any,
    number: int,
    lesson_link: str,
    lesson_label: str,
    order: Sequence[int] | None = None,
) -> str:
    """One question: a raw-HTML card, then a Markdown paragraph linking to its lesson.

    ``order`` is the display order of a choice question's options (see
    :func:`choice_orders`); without it they keep file order.

    The card is raw HTML so that Markdown never touches the (escaped) YAML text. The lesson
    link stays Markdown, relative to the quiz page, so that MkDocs itself resolves and
    validates it (page and anchor) like any link in a lesson; CSS draws it as the card's
    footer.
    """
    topics = ", ".join(topic_title(t) for t in q.topics)
    # Only the id goes to the search index: number, type and topics are card furniture
    # (the topic is already the section's title). Spaces keep the parts apart as text.
    head = (
        f'<p class="quiz__meta"><span class="quiz__qnum" data-search-exclude>Q{number}</span> '
        f'<span class="quiz__type" data-search-exclude>{esc(TYPE_LABELS.get(q.type, q.type))}'
        "</span> "
        f'<span class="quiz__topics" data-search-exclude>{esc(topics)}</span> '
        f'<code class="quiz__id">{esc(q.id)}</code></p>'
    )
    # The lesson label is our own heading text, escaped anyway; brackets would end the link.
    label = esc(lesson_label).replace("[", "(").replace("]", ")")
    return "\n".join(
        [
            f'<div class="quiz" id="{esc(q.id)}" data-quiz-type="{esc(q.type)}">',
            head,
            f'<div class="quiz__prompt">{block_html(q.prompt)}</div>',
            f'<form class="quiz__form" action="#{esc(q.id)}">{_answer_area(q, order)}</form>',
            '<div class="quiz__feedback" role="status" aria-live="polite" hidden></div>',
            _solution(q),
            "</div>",
            "",
            f"[Revise: {label}]({lesson_link})",
            "{: .quiz__lesson }",
            "",
        ]
    )


def render_quiz_page(
    questions: Iterable[Any],
    level: str,
    lesson_label: Callable[[str], str] = lambda lesson: lesson,
) -> str:
    """The Markdown source of one generated quiz page (``quiz/<level>.md``).

    Questions are grouped under their first topic, in the bank's topic order; within a
    topic they keep file order. ``lesson_label`` names a lesson link for the reader.
    """
    chosen = [q for q in questions if q.level == level]
    order = {topic: i for i, topic in enumerate(topic_order())}
    chosen.sort(key=lambda q: order.get(q.topics[0], len(order)))

    orders = choice_orders(chosen, seed=level)
    other = "medium" if level == "easy" else "easy"
    lines = [
        "---",
        f"description: {level_title(level)} on transfer learning and BERT, with instant feedback.",
        "---",
        "",
        "<!-- Generated by tutor/site/quiz_page.py from questions/*.yaml at build time: edit the YAML. -->",
        "",
        f"# {level_title(level)}",
        "",
        f"{level_intro(level)} {len(chosen)} questions.",
        "",
        "Pick an answer: the card says whether it is right, why each option is right or "
        "wrong, and which lesson to revise. The score counts your first answer to each "
        "question. Nothing is saved here. In the terminal, "
        f"`tutor quiz {level}` asks the same questions, schedules the ones you miss for "
        "review and records your score for `tutor progress`. "
        f"[{level_title(other)}]({other}.md) · [All levels](index.md)",
        "",
        '<p class="quiz-score" data-quiz-score hidden></p>',
        "",
        '<noscript><p class="quiz-noscript">The quiz needs JavaScript to check answers.'
        "</p></noscript>",
        "",
    ]
    current = None
    for number, q in enumerate(chosen, start=1):
        topic = q.topics[0]
        if topic != current:
            current = topic
            lines += [f"## {esc(topic_title(topic))} {{#topic-{esc(topic)}}}", ""]
        page, _, anchor = q.lesson.partition("#")
        link = f"../{page}#{anchor}"
        lines.append(render_question(q, number, link, lesson_label(q.lesson), orders.get(q.id)))
    return "\n".join(lines) + "\n"
