"""MkDocs hooks for the course site (``hooks: [tutor/site.py]`` in mkdocs.yml).

What they do, by MkDocs event:

- ``on_config``: drops from the nav the notebooks that are not written yet, so the site
  builds with ``--strict`` while the notebooks land one by one.
- ``on_files``: generates ``quiz/easy.md`` and ``quiz/medium.md`` from the question bank
  (:func:`tutor.questions.load_bank`, so ``$TUTOR_QUESTIONS_DIR`` applies). The YAML stays
  the one source of truth: the generated pages are never committed.
- ``on_page_markdown``: turns a lesson's link to a notebook that does not exist yet into
  plain text, for the same reason as ``on_config`` (web addresses are left alone).
- ``on_page_content``: loads the bundled Mermaid (and the script that keeps diagrams
  readable) only on pages that have a diagram; lets table code wrap only between words;
  gives each notebook page its action bar, moves the CSS that mkdocs-jupyter inlines
  into one shared stylesheet, and keeps code cells out of the search index.
- ``on_post_build``: writes that stylesheet, and rewrites the formulas in the search
  index as readable text (no raw LaTeX in search results).

Quiz pages shuffle each question's options, seeded, so the same bank builds the same page
(:func:`choice_orders`).

The quiz rendering is plain functions (:func:`render_quiz_page`) so tests can call it
without a build. Every text that comes from YAML goes through :func:`html.escape`: question
files are contributed content and must not be able to inject markup or script.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import logging
import random
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

try:
    from mkdocs.plugins import event_priority as _event_priority
except ImportError:  # the quiz rendering is usable (and tested) without MkDocs

    def _event_priority(priority: float) -> Callable[[Any], Any]:
        return lambda function: function


log = logging.getLogger("mkdocs.hooks.tutor_site")

QUIZ_DIR = "quiz"

# Mermaid renders the diagrams from the site itself (no CDN: the site must work offline).
# The 2.5 MB file is not committed: the first build takes it from the npm registry, pinned
# and checked against the registry's published integrity hash. The "tiny" build is one
# self-contained file (no lazy chunks to serve); it lacks only mindmap/architecture
# diagrams and KaTeX labels, which the lessons do not use.
MERMAID_TARBALL = "https://registry.npmjs.org/@mermaid-js/tiny/-/tiny-11.17.2.tgz"
MERMAID_SHA512 = (
    "PmFr1c5cSfNf5AngLLR98DrbvR4U5KeD7I+hQkGqG5w5Veu3QT4dG0qu9f99cpn/sKj2XxRBK0q7EL6hr9NY/A=="
)
MERMAID_JS = "assets/vendor/mermaid/mermaid.tiny.js"
NOTEBOOK_DIR = "notebooks"

LEVEL_TITLES = {
    "easy": "Easy interview questions",
    "medium": "Medium interview questions",
}
LEVEL_INTROS = {
    "easy": "Definitions and one-step reasoning: what BERT is, what softmax returns, what "
    "the special tokens are for.",
    "medium": "Two or three steps of reasoning, small calculations and design choices: "
    "the loss of a prediction, a fine-tuning recipe, why a pre-training task was dropped.",
}
TYPE_LABELS = {
    "single_choice": "One answer",
    "multiple_choice": "Several answers",
    "true_false": "True or false",
    "numeric": "Calculation",
    "free_text": "Explain",
}
# Also the order of the topic sections on a quiz page (the course's order).
TOPIC_TITLES = {
    "self-attention": "Self-attention",
    "pretraining-finetuning": "Pre-training and fine-tuning",
    "transfer-learning": "Transfer learning",
    "bert-architecture": "BERT's architecture",
    "bert-inputs": "BERT's inputs",
    "mlm": "Masked language modelling",
    "nsp": "Next sentence prediction",
    "softmax": "Softmax",
    "cross-entropy": "Cross-entropy",
    "bidirectionality": "Bidirectionality",
    "model-comparison": "Comparing models",
    "t5": "T5",
    "fine-tuning-practice": "Fine-tuning in practice",
    "hf-api": "The Hugging Face API",
    "task-heads": "Task heads",
    "evaluation": "Evaluation",
    "production": "To production",
}


# --------------------------------------------------------------------------- quiz rendering


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
    topics = ", ".join(TOPIC_TITLES.get(t, t) for t in q.topics)
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
    order = {topic: i for i, topic in enumerate(TOPIC_TITLES)}
    chosen.sort(key=lambda q: order.get(q.topics[0], len(order)))

    orders = choice_orders(chosen, seed=level)
    other = "medium" if level == "easy" else "easy"
    lines = [
        "---",
        f"description: {LEVEL_TITLES.get(level, level)} on transfer learning and BERT, "
        "with instant feedback.",
        "---",
        "",
        "<!-- Generated by tutor/site.py from questions/*.yaml at build time: edit the YAML. -->",
        "",
        f"# {LEVEL_TITLES.get(level, level.title() + ' questions')}",
        "",
        f"{LEVEL_INTROS.get(level, '')} {len(chosen)} questions.",
        "",
        "Pick an answer: the card says whether it is right, why each option is right or "
        "wrong, and which lesson to revise. The score counts your first answer to each "
        "question. Nothing is saved here. In the terminal, "
        f"`tutor quiz {level}` asks the same questions, schedules the ones you miss for "
        "review and records your score for `tutor progress`. "
        f"[{LEVEL_TITLES.get(other, other)}]({other}.md) · [All levels](index.md)",
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
            lines += [f"## {esc(TOPIC_TITLES.get(topic, topic))} {{#topic-{esc(topic)}}}", ""]
        page, _, anchor = q.lesson.partition("#")
        link = f"../{page}#{anchor}"
        lines.append(render_question(q, number, link, lesson_label(q.lesson), orders.get(q.id)))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- lesson titles


_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_H1 = re.compile(r"^#\s+(.+?)\s*$", re.M)


def _strip_attrs(heading: str) -> str:
    return re.sub(r"\s*\{[^}]*\}\s*$", "", heading).strip()


def lesson_labeller(read_source: Callable[[str], str | None]) -> Callable[[str], str]:
    """A function naming ``page.md#anchor`` as "Page title › Section title".

    ``read_source(page)`` returns a page's Markdown (None if missing); a missing page or
    anchor falls back to the raw link, and MkDocs' link validation reports it.
    """
    cache: dict[str, str | None] = {}

    def label(lesson: str) -> str:
        page, _, anchor = lesson.partition("#")
        if page not in cache:
            cache[page] = read_source(page)
        source = cache[page]
        if source is None:
            return lesson
        body = _FRONT_MATTER.sub("", source)
        h1 = _H1.search(body)
        title = _strip_attrs(h1.group(1)) if h1 else page
        section = re.search(
            rf"^#{{1,6}}\s+(.+?)\s*\{{[^}}]*#{re.escape(anchor)}[\s}}][^\n]*$", body, re.M
        )
        return f"{title} › {_strip_attrs(section.group(1))}" if section else title

    return label


# --------------------------------------------------------------------------- notebooks


def _is_notebook_target(target: str) -> bool:
    path = PurePosixPath(target)
    return path.suffix == ".ipynb" and path.parent.name == NOTEBOOK_DIR


def prune_nav(nav: Any, exists: Callable[[str], bool]) -> Any:
    """The nav without entries for notebooks that ``exists`` says are missing."""
    if isinstance(nav, list):
        kept = [prune_nav(item, exists) for item in nav]
        return [item for item in kept if item is not None]
    if isinstance(nav, dict):
        out = {}
        for title, value in nav.items():
            pruned = prune_nav(value, exists)
            if pruned is not None and pruned != []:
                out[title] = pruned
        return out or None
    if isinstance(nav, str) and _is_notebook_target(nav) and not exists(nav):
        log.info("Notebook %s is not written yet: left out of the nav", nav)
        return None
    return nav


# nbconvert's page template loads MathJax and (for Mermaid outputs) Mermaid from a CDN. The
# site typesets notebook math with its bundled KaTeX instead, so both loaders are dropped.
_NB_CDN_SCRIPTS = (
    re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S),
    re.compile(r'<script src="">\s*</script>'),
    re.compile(
        r'<script type="module">(?:(?!</script>).)*?mermaid(?:(?!</script>).)*?</script>', re.S
    ),
)
_NB_START = '<div class="jupyter-wrapper">'
_NB_END = "<!-- jupyter-wrapper -->"
_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style>", re.S)
_PARAGRAPH = re.compile(r"<p>((?:(?!</p>).)*)</p>", re.S)
_HREF = re.compile(r'<a\b[^>]*\bhref="([^"]*)"')
_CODE_CELL = re.compile(r'<div class="jp-Cell jp-CodeCell\b')
_DIV_TAG = re.compile(r"<div\b|</div\s*>")


def split_notebook_css(content: str) -> tuple[str, str]:
    """(content without the page-template styles, those styles as one stylesheet).

    mkdocs-jupyter inlines the same 590 KB of JupyterLab and Pygments CSS into every
    notebook page (there is no option to turn it off); the hook serves it once, as a
    file the browser caches. Only the template's own styles move, the ones before and
    after the notebook's wrapper: a cell output's <style> (a pandas table's) stays with
    its output. The block after the wrapper is a Python list's repr (an mkdocs-jupyter
    slip), not CSS, and is dropped.
    """
    start = content.find(_NB_START)
    end = content.rfind(_NB_END)
    if start < 0 or end < 0:
        return content, ""
    end += len(_NB_END)
    head, body, tail = content[:start], content[start:end], content[end:]
    css = [m.group(1).strip() for m in _STYLE.finditer(head)]
    css += [c for c in (m.group(1).strip() for m in _STYLE.finditer(tail)) if c[:1] != "["]
    return _STYLE.sub("", head) + body + _STYLE.sub("", tail), "\n".join(css) + "\n"


def _drop_own_links(body: str, name: str) -> str:
    """The notebook's own "download / run on Colab" line, which the action bar replaces.

    Only a paragraph whose every link is a web address of this very notebook goes (on
    GitHub the line is useful; on the site it repeats the bar and points at the
    repository's copy rather than the page's)."""

    def replace(match: re.Match[str]) -> str:
        hrefs = _HREF.findall(match.group(1))
        ours = [
            h
            for h in hrefs
            if urlparse(html.unescape(h)).scheme in ("http", "https")
            and PurePosixPath(urlparse(html.unescape(h)).path).name == name
        ]
        return "" if hrefs and len(ours) == len(hrefs) else match.group(0)

    return _PARAGRAPH.sub(replace, body)


def _exclude_code_cells(body: str) -> str:
    """Each code cell (input and outputs) wrapped in <nb-code data-search-exclude>.

    The notebook's prose and headings are indexed for search like a lesson; its code and
    printed outputs are not (they would flood the results). Material's indexer ends an
    excluded region at the first closing tag of the same name, and a cell is nested <div>s,
    hence a tag of our own. A cell ends where its <div> depth returns to zero (outputs are
    escaped text or balanced HTML)."""
    out: list[str] = []
    pos = 0
    for match in _CODE_CELL.finditer(body):
        if match.start() < pos:
            continue
        depth, end = 0, None
        for tag in _DIV_TAG.finditer(body, match.start()):
            depth += 1 if tag.group().startswith("<div") else -1
            if depth == 0:
                end = tag.end()
                break
        if end is None:  # unbalanced: leave the rest as it is
            break
        out += [body[pos : match.start()], "<nb-code data-search-exclude>"]
        out += [body[match.start() : end], "</nb-code>"]
        pos = end
    out.append(body[pos:])
    return "".join(out)


def notebook_status(nb: dict[str, Any]) -> str:
    """One sentence (HTML) for the action bar: where the outputs on the page come from."""
    from tutor.notebooks import staleness, stamp

    code = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    if not any(c.get("outputs") for c in code):
        return "This copy has no outputs yet: run it to see them."
    recorded = stamp(nb)
    if not recorded:
        return "The outputs below are those saved in the notebook."
    when, where = recorded.get("executed"), recorded.get("machine")
    text = "The outputs below come from a real run"
    if when:
        text += f" on {esc(when)}"
    if where:
        text += f" ({esc(where)})"
    text += "."
    reason = staleness(nb)
    if reason:
        text += f" They may not match the code: {esc(reason)}."
    return text


def notebook_page_html(content: str, download: str, status: str) -> tuple[str, str]:
    """(the notebook page's content, the stylesheet it needs; see split_notebook_css).

    Adds the action bar (kept out of search: it is the same on every notebook page),
    takes out the notebook's own download / Colab line and the CDN loaders, and keeps code
    cells out of the search index. ``status`` is trusted HTML (see notebook_status)."""
    actions = (
        '<div class="nb-actions admonition tip" data-search-exclude>'
        '<p class="admonition-title">Run it yourself</p>'
        f"<p>{status}</p>"
        f'<p class="nb-actions__links"><a class="md-button md-button--primary" '
        f'href="{esc(download)}" download>Download the notebook</a></p>'
        "<p>Run it in Jupyter, or on Google Colab: open "
        '<a href="https://colab.research.google.com/">colab.research.google.com</a>, choose '
        "<em>File › Upload notebook</em> and pick the downloaded file. Its first cells say "
        "what to install.</p></div>"
    )
    body, css = split_notebook_css(content)
    for pattern in _NB_CDN_SCRIPTS:
        body = pattern.sub("", body)
    body = _drop_own_links(body, download)
    body = _exclude_code_cells(body)
    # Jupyter's heading anchors become Material's: same look, and search leaves the ¶ out.
    body = body.replace('class="anchor-link"', 'class="headerlink"')
    return f"{actions}\n{body}", css


# --------------------------------------------------------------------------- MkDocs hooks


def ensure_mermaid(target: Path, url: str = MERMAID_TARBALL) -> bool:
    """Put the pinned Mermaid build at ``target`` unless it is there; True if fetched.

    Raises OSError (no network) or ValueError (the tarball's hash is not the pinned one)."""
    import base64
    import hashlib
    import io
    import os
    import tarfile
    import urllib.request

    if target.is_file():
        return False
    with urllib.request.urlopen(url, timeout=60) as response:
        data = response.read()
    digest = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != MERMAID_SHA512:
        raise ValueError(f"{url}: sha512 {digest} is not the pinned {MERMAID_SHA512}")
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        script = tar.extractfile("package/dist/mermaid.tiny.js")
        if script is None:
            raise ValueError(f"{url}: package/dist/mermaid.tiny.js is not a regular file")
        content = script.read()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(content)
    os.replace(partial, target)  # never a half-written script in the site
    return True


def on_config(config: Any) -> Any:
    from mkdocs.exceptions import PluginError

    docs = Path(config["docs_dir"])
    try:
        if ensure_mermaid(docs / MERMAID_JS):
            log.info("Fetched %s from the npm registry", MERMAID_JS)
    except (OSError, ValueError) as exc:
        raise PluginError(
            f"docs/{MERMAID_JS} is missing and could not be fetched ({exc}); "
            "the first build needs the npm registry once."
        ) from exc
    if config.get("nav"):
        config["nav"] = prune_nav(config["nav"], lambda target: (docs / target).is_file())
    return config


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.exceptions import PluginError
    from mkdocs.structure.files import File

    from tutor.errors import TutorError
    from tutor.questions import LEVELS, load_bank

    try:
        bank = load_bank()
    except TutorError as exc:
        raise PluginError(f"The question bank cannot be loaded: {exc.format_message()}") from exc

    def read_source(page: str) -> str | None:
        file = files.get_file_from_path(page)
        return None if file is None else file.content_string

    label = lesson_labeller(read_source)
    for level in LEVELS:
        src_uri = f"{QUIZ_DIR}/{level}.md"
        existing = files.get_file_from_path(src_uri)
        if existing is not None:
            # A committed copy would silently shadow the YAML: refuse (a warning fails --strict).
            log.warning("%s is generated from the question bank; delete docs/%s", src_uri, src_uri)
            files.remove(existing)
        content = render_quiz_page(bank.questions, level, label)
        files.append(File.generated(config, src_uri, content=content))
    return files


_MD_NOTEBOOK_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]*?([\w.-]+\.ipynb))\)")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """A link to a notebook that is not written yet becomes text, instead of a 404."""
    base = PurePosixPath(page.file.src_uri).parent

    def replace(match: re.Match[str]) -> str:
        target = match.group(2)
        parts = urlparse(target)
        if parts.scheme or parts.netloc or target.startswith("/"):
            return match.group(0)  # a web address (or site-absolute path), not a file here
        resolved = PurePosixPath(*(base / target).parts)
        normal = _normalise(resolved)
        if not _is_notebook_target(normal) or files.get_file_from_path(normal) is not None:
            return match.group(0)
        log.info("%s links to %s, not written yet", page.file.src_uri, normal)
        return f"{match.group(1)} (notebook coming soon)"

    return _MD_NOTEBOOK_LINK.sub(replace, markdown)


def _normalise(path: PurePosixPath) -> str:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


_TABLE_CELL = re.compile(r"<(td|th)\b[^>]*>.*?</\1>", re.S)
_CELL_CODE = re.compile(r"<code>([^<]*)</code>")
# Where an identifier may wrap: before a capital that starts a word (AutoModel|For|Token),
# and after a dot, underscore, opening bracket or "=" (AutoModel.|from_|pretrained(|x=).
_IDENT_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z][a-z])|(?<=[._(=])(?=\w)")


def break_table_code(content: str) -> str:
    """Inline code in table cells may wrap only between the words of an identifier.

    Material lets code break anywhere, so a narrow column cut class names mid-word
    ("AutoModelForSe / quenceClassifi / cation"). extra.css forbids breaking inside
    words in table code; <wbr> marks the places where a long identifier may still wrap.
    Entities are safe: none of the break characters occurs in "&amp;" or "&lt;"."""

    def cell(match: re.Match[str]) -> str:
        return _CELL_CODE.sub(
            lambda m: f"<code>{_IDENT_BREAK.sub('<wbr>', m.group(1))}</code>", match.group(0)
        )

    return _TABLE_CELL.sub(cell, content)


_HEADING = re.compile(r'<h[1-6] id="([^"]+)"[^>]*>(.*?)</h[1-6]>', re.S)
_HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)


def _flatten(toc: Iterable[Any]) -> list[Any]:
    return [x for item in toc for x in (item, *_flatten(item.children))]


def fix_toc(toc: Iterable[Any], content: str) -> None:
    """Points each table-of-contents entry at its heading on the page, with its text.

    mkdocs-jupyter builds the entries from Python-Markdown's TOC tokens, which drop code
    spans: "5 · `TrainingArguments` and `Trainer`" became "5 · and", linked to #5-and,
    while the heading's id is #5-trainingarguments-and-trainer. Both list the headings in
    page order, so entries and headings are paired by position (by id if the counts
    differ). Titles stay HTML (escaped text), as MkDocs' own are."""
    headings = [
        (anchor, re.sub(r"<[^>]+>", "", _HEADERLINK.sub("", inner)).strip())
        for anchor, inner in _HEADING.findall(content)
    ]
    entries = _flatten(toc)
    if len(entries) == len(headings):
        for item, (anchor, title) in zip(entries, headings, strict=True):
            item.id, item.title = anchor, title or item.title
        return
    titles = dict(headings)
    for item in entries:
        item.title = titles.get(item.id) or item.title


# Stylesheets pulled out of the notebook pages (see split_notebook_css), written by
# on_post_build: {site path: CSS}. Reset on every build (mkdocs serve rebuilds in-process).
_SHARED_CSS: dict[str, str] = {}
NOTEBOOK_CSS = "assets/stylesheets/notebook-{digest}.css"
MERMAID_SIZE_JS = "assets/javascripts/mermaid-size.js"


def on_pre_build(config: Any) -> None:
    _SHARED_CSS.clear()


def on_page_content(html_: str, page: Any, config: Any, files: Any) -> str:
    from mkdocs.utils import get_relative_url

    src_uri = page.file.src_uri
    if src_uri.endswith(".ipynb"):
        name = PurePosixPath(src_uri).name
        notebook = json.loads(Path(page.file.abs_src_path).read_text(encoding="utf-8"))
        # mkdocs-jupyter's include_source copies the notebook next to the page's index.html.
        html_, css = notebook_page_html(html_, name, notebook_status(notebook))
        fix_toc(page.toc or [], html_)
        if css.strip():
            digest = hashlib.sha256(css.encode("utf-8")).hexdigest()[:12]
            path = NOTEBOOK_CSS.format(digest=digest)
            _SHARED_CSS[path] = css
            href = get_relative_url(path, page.url)
            html_ = f'<link rel="stylesheet" href="{href}">\n{html_}'
    else:
        html_ = break_table_code(html_)
    if 'class="mermaid"' in html_:
        # Material renders pre.mermaid with window.mermaid when defined, else fetches it from
        # a CDN. A synchronous script in the content runs before Material's bundle looks.
        for script in (MERMAID_JS, MERMAID_SIZE_JS):
            html_ += f'\n<script src="{get_relative_url(script, page.url)}"></script>'
        html_ += "\n"
    return html_


# --------------------------------------------------------------------------- search index

# pymdownx.arithmatex (generic) leaves \( ... \) and \[ ... \] in the text; Jupyter
# Markdown keeps $ ... $ and $$ ... $$. Material indexes the text as it is.
_ARITHMATEX = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)
_DOLLARS = re.compile(r"\$\$(.+?)\$\$|(?<![\\\w$])\$(?=\S)([^$\n]+?)(?<=\S)\$(?![\w$])", re.S)
_CODE_PARTS = re.compile(r"(<pre>.*?</pre>|<code>.*?</code>)", re.S)


@functools.cache
def _latex_converter() -> Any:
    from pylatexenc.latex2text import LatexNodes2Text

    # "based-on-source": a space written after a macro stays (\log p -> "log p", not "logp").
    return LatexNodes2Text(math_mode="text", strict_latex_spaces="based-on-source")


def plain_math(tex: str) -> str:
    """A formula as readable Unicode text for the search results: \\frac{a}{b} -> a/b."""
    return " ".join(_latex_converter().latex_to_text(tex).split())


def plain_text_math(text: str, dollars: bool = False) -> str:
    """Search-index text (escaped HTML) with every formula outside code made readable.

    ``dollars``: also $...$ / $$...$$ (notebook Markdown); lessons use arithmatex only, and a
    lesson's "$5" must stay as written."""

    def formula(match: re.Match[str]) -> str:
        tex = html.unescape(next(g for g in match.groups() if g is not None))
        return html.escape(plain_math(tex), quote=False)

    parts = _CODE_PARTS.split(text)
    for i in range(0, len(parts), 2):  # even parts are outside <pre>/<code>
        parts[i] = _ARITHMATEX.sub(formula, parts[i])
        if dollars:
            parts[i] = _DOLLARS.sub(formula, parts[i])
    return "".join(parts)


@_event_priority(-100)
def on_post_build(config: Any) -> None:
    """Writes the notebook pages' shared stylesheet, and makes the formulas in Material's
    search index readable text (runs after the search plugin has written the index)."""
    site = Path(config["site_dir"])
    for path, css in _SHARED_CSS.items():
        target = site / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(css, encoding="utf-8")
    index = site / "search" / "search_index.json"
    if not index.is_file():
        return
    data = json.loads(index.read_text(encoding="utf-8"))
    for doc in data.get("docs", []):
        dollars = doc.get("location", "").startswith(f"{NOTEBOOK_DIR}/")
        for key in ("title", "text"):
            if key in doc:
                doc[key] = plain_text_math(doc[key], dollars)
    index.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
