"""The generated quiz pages (``quiz/easy.md``, ``quiz/medium.md``) from the question bank.

Each card comes from its question type's Jinja template in the theme overrides
(``docs/overrides/quiz/<type>.html``, or the model's ``page_template``), which extends
``quiz/card.html``. Quiz pages shuffle each question's options, seeded, so the same bank
builds the same page (:func:`choice_orders`). The rendering is plain functions
(:func:`render_quiz_page`) so tests can call it without a build. Autoescape is on and every
text that comes from YAML is escaped (:func:`esc`): question files are contributed content
and must not be able to inject markup or script."""

from __future__ import annotations

import functools
import html
import random
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from tutor.course import level_ids, level_intro, level_title, topic_ids, topic_title
from tutor.questions import QUESTION_MODELS

QUIZ_DIR = "quiz"


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


# The theme overrides hold the page templates: docs/overrides/quiz/<type>.html.
TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "docs" / "overrides"


def _escaped(value: Any) -> Any:
    """Jinja's ``finalize``: every value the templates print goes through :func:`esc`
    (the filters' HTML, Markup, stays as it is). Autoescape would do it as well; this keeps
    the very escaping the cards have always had (&quot;, &#x27;)."""
    if isinstance(value, markupsafe.Markup):
        return value
    return markupsafe.Markup(esc("" if value is None else value))


@functools.cache
def template_env(templates_dir: Path = TEMPLATES_DIR) -> jinja2.Environment:
    """The Jinja environment of the quiz templates, autoescaping, strict about undefined
    names (a misspelt field is an error, not an empty string)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_escaped,
        keep_trailing_newline=False,
    )
    env.filters.update(
        inline=lambda text: markupsafe.Markup(inline_html(text)),
        block=lambda text: markupsafe.Markup(block_html(text)),
        number_text=number_text,
        float_repr=lambda value: repr(float(value)),
        letter=lambda index: chr(ord("A") + index),
    )
    return env


def page_template(q: Any) -> str:
    """The template of a question's type: the model's ``page_template`` if it names one."""
    return getattr(q, "page_template", None) or f"{QUIZ_DIR}/{q.type}.html"


def _options(q: Any, order: Sequence[int] | None) -> list[tuple[str, str | None, bool]]:
    """A choice question's options in display order, as (text, why or None, correct);
    ``order`` holds file indices (default: file order). Empty for other types."""
    if q.type not in ("single_choice", "multiple_choice"):
        return []
    order = list(range(len(q.choices))) if order is None else list(order)
    if sorted(order) != list(range(len(q.choices))):
        raise ValueError(f"question {q.id!r}: {order} is not an order of its choices")
    correct = {q.answer} if q.type == "single_choice" else set(q.answer)
    return [(q.choices[i].text, q.choices[i].why, i in correct) for i in order]


def render_card(
    q: Any,
    number: int,
    order: Sequence[int] | None = None,
    templates_dir: Path = TEMPLATES_DIR,
) -> str:
    """A question's card (raw HTML, on one line) from its type's template."""
    try:
        template = template_env(templates_dir).get_template(page_template(q))
    except jinja2.TemplateNotFound as exc:
        raise ValueError(
            f"question {q.id!r}: unknown type {q.type!r} (no template {exc.name})"
        ) from exc
    html_ = template.render(
        q=q,
        number=number,
        options=_options(q, order),
        type_label=QUESTION_MODELS[q.type].type_label,
        topics=", ".join(topic_title(t) for t in q.topics),
    )
    # The templates are written over many lines for reading; the card is one line, as a
    # blank line would end Markdown's raw HTML block. No YAML text spans lines here (the
    # filters join its whitespace), so only the template's own layout goes.
    return "".join(line.strip() for line in html_.splitlines())


def render_question(
    q: Any,
    number: int,
    lesson_link: str,
    lesson_label: str,
    order: Sequence[int] | None = None,
    templates_dir: Path = TEMPLATES_DIR,
) -> str:
    """One question: a raw-HTML card, then a Markdown paragraph linking to its lesson.

    ``order`` is the display order of a choice question's options (see
    :func:`choice_orders`); without it they keep file order.

    The card is raw HTML so that Markdown never touches the (escaped) YAML text. The lesson
    link stays Markdown, relative to the quiz page, so that MkDocs itself resolves and
    validates it (page and anchor) like any link in a lesson; CSS draws it as the card's
    footer.
    """
    # The lesson label is our own heading text, escaped anyway; brackets would end the link.
    label = esc(lesson_label).replace("[", "(").replace("]", ")")
    card = render_card(q, number, order, templates_dir)
    # Search gets the question, not this line: on the lesson's own page it is the lesson.
    return f"{card}\n\n[Revise: {label}]({lesson_link})\n{{: .quiz__lesson data-search-exclude }}\n"


def render_quiz_page(
    questions: Iterable[Any],
    level: str,
    lesson_label: Callable[[str], str] = lambda lesson: lesson,
    templates_dir: Path = TEMPLATES_DIR,
) -> str:
    """The Markdown source of one generated quiz page (``quiz/<level>.md``).

    Questions are grouped under their first topic, in the bank's topic order; within a
    topic they keep file order. ``lesson_label`` names a lesson link for the reader.
    """
    chosen = [q for q in questions if q.level == level]
    order = {topic: i for i, topic in enumerate(topic_ids())}
    chosen.sort(key=lambda q: order.get(q.topics[0], len(order)))

    orders = choice_orders(chosen, seed=level)
    others = " · ".join(f"[{level_title(o)}]({o}.md)" for o in level_ids() if o != level)
    lines = [
        "---",
        f"description: {level_title(level)} on transfer learning and BERT, with instant feedback.",
        # A search for a topic should find its lesson first, then the questions on it.
        "search:",
        "  boost: 0.5",
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
        f"{others} · [All levels](index.md)",
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
        lines.append(
            render_question(
                q, number, link, lesson_label(q.lesson), orders.get(q.id), templates_dir
            )
        )
    return "\n".join(lines) + "\n"
