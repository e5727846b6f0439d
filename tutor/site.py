"""MkDocs hooks for the course site (``hooks: [tutor/site.py]`` in mkdocs.yml).

What they do, by MkDocs event:

- ``on_config``: drops from the nav the notebooks that are not written yet, so the site
  builds with ``--strict`` while the notebooks land one by one.
- ``on_files``: generates ``quiz/easy.md`` and ``quiz/medium.md`` from the question bank
  (:func:`tutor.questions.load_bank`, so ``$TUTOR_QUESTIONS_DIR`` applies). The YAML stays
  the one source of truth: the generated pages are never committed.
- ``on_page_markdown``: turns a lesson's link to a notebook that does not exist yet into
  plain text, for the same reason as ``on_config``.
- ``on_page_content``: loads the bundled Mermaid only on pages that have a diagram, and
  gives each notebook page its download / "Open in Colab" links while keeping the
  notebook's own text out of the search index.

The quiz rendering is plain functions (:func:`render_quiz_page`) so tests can call it
without a build. Every text that comes from YAML goes through :func:`html.escape`: question
files are contributed content and must not be able to inject markup or script.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

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
COLAB = "https://colab.research.google.com/github"

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
TOPIC_TITLES = {
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
    "task-heads": "Task heads",
    "evaluation": "Evaluation",
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


def _choice_items(qid: str, kind: str, options: Sequence[tuple[str, str | None, bool]]) -> str:
    """The <li> of each option: (text, why or None, correct)."""
    items = []
    for i, (text, why, correct) in enumerate(options):
        why_html = (
            f'<div class="quiz__why" data-search-exclude hidden>{block_html(why)}</div>'
            if why
            else ""
        )
        items.append(
            f'<li class="quiz__choice" data-correct="{"true" if correct else "false"}">'
            f'<label><input type="{kind}" name="{esc(qid)}" value="{i}">'
            f'<span class="quiz__letter">{_letter(i)}</span>'
            f'<span class="quiz__choice-text">{inline_html(text)}</span></label>'
            f"{why_html}</li>"
        )
    return '<ul class="quiz__choices">' + "".join(items) + "</ul>"


def _answer_area(q: Any) -> str:
    qid = q.id
    if q.type == "single_choice":
        options = [(c.text, c.why, i == q.answer) for i, c in enumerate(q.choices)]
        return _choice_items(qid, "radio", options)
    if q.type == "true_false":
        options = [("True", None, q.answer is True), ("False", None, q.answer is False)]
        return _choice_items(qid, "radio", options)
    if q.type == "multiple_choice":
        correct = set(q.answer)
        options = [(c.text, c.why, i in correct) for i, c in enumerate(q.choices)]
        return (
            '<p class="quiz__hint">Tick every answer that applies, then check.</p>'
            + _choice_items(qid, "checkbox", options)
            + '<button type="button" class="md-button quiz__check">Check</button>'
        )
    if q.type == "numeric":
        unit = f'<span class="quiz__unit">{inline_html(q.unit)}</span>' if q.unit else ""
        return (
            '<div class="quiz__numeric">'
            f'<label><span class="quiz__numeric-label">Your answer</span>'
            f'<input type="text" inputmode="decimal" autocomplete="off" class="quiz__number" '
            f'data-answer="{esc(repr(float(q.answer)))}" '
            f'data-tolerance="{esc(repr(float(q.tolerance)))}" '
            f'data-answer-text="{esc(number_text(q.answer))}" '
            f'data-tolerance-text="{esc(number_text(q.tolerance))}" '
            f'data-unit="{esc(q.unit or "")}"></label>{unit}'
            '<button type="submit" class="md-button quiz__check">Check</button></div>'
        )
    if q.type == "free_text":
        return (
            '<label class="quiz__draft"><span class="quiz__numeric-label">'
            "Your answer (for you: it is not checked)</span>"
            '<textarea rows="3"></textarea></label>'
            '<button type="button" class="md-button quiz__reveal">Show model answer</button>'
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


def render_question(q: Any, number: int, lesson_link: str, lesson_label: str) -> str:
    """One question: a raw-HTML card, then a Markdown paragraph linking to its lesson.

    The card is raw HTML so that Markdown never touches the (escaped) YAML text. The lesson
    link stays Markdown, relative to the quiz page, so that MkDocs itself resolves and
    validates it (page and anchor) like any link in a lesson; CSS draws it as the card's
    footer.
    """
    topics = ", ".join(TOPIC_TITLES.get(t, t) for t in q.topics)
    head = (
        f'<p class="quiz__meta"><span class="quiz__qnum">Q{number}</span>'
        f'<span class="quiz__type">{esc(TYPE_LABELS.get(q.type, q.type))}</span>'
        f'<span class="quiz__topics">{esc(topics)}</span>'
        f'<code class="quiz__id">{esc(q.id)}</code></p>'
    )
    # The lesson label is our own heading text, escaped anyway; brackets would end the link.
    label = esc(lesson_label).replace("[", "(").replace("]", ")")
    return "\n".join(
        [
            f'<div class="quiz" id="{esc(q.id)}" data-quiz-type="{esc(q.type)}">',
            head,
            f'<div class="quiz__prompt">{block_html(q.prompt)}</div>',
            f'<form class="quiz__form" action="#{esc(q.id)}">{_answer_area(q)}</form>',
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
        "wrong, and which lesson to revise. Nothing is saved here. In the terminal, "
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
        lines.append(render_question(q, number, link, lesson_label(q.lesson)))
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


def colab_url(repo_url: str, docs_path: str, src_uri: str) -> str | None:
    """The "Open in Colab" address of a notebook in a GitHub repository's main branch."""
    parsed = urlparse(repo_url or "")
    if parsed.netloc != "github.com":
        return None
    repo = parsed.path.strip("/").removesuffix(".git")
    return f"{COLAB}/{repo}/blob/main/{docs_path.strip('/')}/{src_uri}"


# nbconvert's page template loads MathJax and (for Mermaid outputs) Mermaid from a CDN. The
# site typesets notebook math with its bundled KaTeX instead, so both loaders are dropped.
_NB_CDN_SCRIPTS = (
    re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S),
    re.compile(r'<script src="">\s*</script>'),
    re.compile(
        r'<script type="module">(?:(?!</script>).)*?mermaid(?:(?!</script>).)*?</script>', re.S
    ),
)


def notebook_page_html(content: str, download: str, colab: str | None) -> str:
    """A rendered notebook with its action links, its own text excluded from search."""
    links = [
        f'<a class="md-button md-button--primary" href="{esc(download)}" download>'
        "Download the notebook</a>"
    ]
    if colab:
        links.append(f'<a class="md-button" href="{esc(colab)}">Open in Colab</a>')
    actions = (
        '<div class="nb-actions admonition tip"><p class="admonition-title">Run it yourself</p>'
        "<p>This page shows the notebook as it is committed, outputs included. Download it "
        "to run it in Jupyter next to <code>tutor</code>, or open it in Colab.</p>"
        f'<p class="nb-actions__links">{" ".join(links)}</p></div>'
    )
    body = content
    for pattern in _NB_CDN_SCRIPTS:
        body = pattern.sub("", body)
    # Material's search indexer ends a data-search-exclude region at the first closing tag of
    # the same name, and notebook HTML is all nested <div>s: a tag of our own cannot clash.
    return f"{actions}\n<nb-cells data-search-exclude>\n{body}\n</nb-cells>"


# --------------------------------------------------------------------------- MkDocs hooks


def _docs_path(config: Any) -> str:
    """docs_dir relative to the repository root (the folder holding mkdocs.yml)."""
    docs = Path(config["docs_dir"]).resolve()
    root = Path(config["config_file_path"]).resolve().parent
    try:
        return docs.relative_to(root).as_posix()
    except ValueError:
        return docs.name


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


def on_page_content(html_: str, page: Any, config: Any, files: Any) -> str:
    from mkdocs.utils import get_relative_url

    src_uri = page.file.src_uri
    if src_uri.endswith(".ipynb"):
        name = PurePosixPath(src_uri).name
        # mkdocs-jupyter's include_source copies the notebook next to the page's index.html.
        html_ = notebook_page_html(
            html_, name, colab_url(config.get("repo_url") or "", _docs_path(config), src_uri)
        )
    if 'class="mermaid"' in html_:
        # Material renders pre.mermaid with window.mermaid when defined, else fetches it from
        # a CDN. A synchronous script in the content runs before Material's bundle looks.
        src = get_relative_url(MERMAID_JS, page.url)
        html_ += f'\n<script src="{src}"></script>\n'
    return html_
