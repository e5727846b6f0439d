"""Checking a question's lesson link (``page.md#anchor``) against the lesson pages.

The anchors of a page are found the way MkDocs finds them: the page is rendered with
Python-Markdown (the toc extension gives every heading its slug, attr_list its ``{#id}``)
and every ``id`` of the result is an anchor, raw HTML ids included.
"""

from __future__ import annotations

import difflib
import functools
import re
from html.parser import HTMLParser
from pathlib import Path

# Where the lesson pages are, seen from a question file: questions/ and docs/ are siblings
# in a checkout (mkdocs.yml beside them). An installed package has no docs/: not checked.
_MKDOCS = "mkdocs.yml"
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?^(---|\.\.\.)[ \t]*$\n?", re.DOTALL | re.MULTILINE)
# The extensions of mkdocs.yml that decide which ids a page has; pymdownx's fences (code
# nested in admonitions and tabs) when installed, else Python-Markdown's own.
_EXTENSIONS = ["toc", "attr_list", "md_in_html", "admonition", "footnotes", "tables"]


def docs_dir_for(path: Path) -> Path | None:
    """The docs/ folder of the checkout that holds the question file ``path``, if any."""
    root = Path(path).resolve().parent.parent
    docs = root / "docs"
    return docs if docs.is_dir() and (root / _MKDOCS).is_file() else None


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.update(value for name, value in attrs if name == "id" and value)


def _markdown() -> object:
    import markdown

    try:
        import pymdownx.superfences  # noqa: F401

        fences = ["pymdownx.superfences", "pymdownx.details"]
    except ImportError:
        fences = ["fenced_code"]
    return markdown.Markdown(extensions=[*_EXTENSIONS, *fences])


def _body(text: str) -> str:
    """The page without its YAML front matter (MkDocs reads it as metadata, not text)."""
    match = _FRONT_MATTER.match(text)
    return text[match.end() :] if match else text


def page_anchors(page: Path) -> set[str]:
    """The section anchors of a Markdown page: heading slugs (Python-Markdown's toc),
    explicit ``{#id}`` and HTML ``id="..."``, outside code."""
    md = _markdown()
    html = md.convert(_body(page.read_text(encoding="utf-8")))  # type: ignore[attr-defined]
    parser = _Ids()
    parser.feed(html)
    return parser.ids


def lesson_link_problem(lesson: str, docs: Path) -> str | None:
    """Why ``lesson`` ('page.md#anchor') does not resolve under ``docs``, or None."""
    page, _, anchor = lesson.partition("#")
    target = docs / page
    if not target.is_file():
        return f"no lesson page docs/{page}"
    try:
        anchors = _anchors_cached(str(target), target.stat().st_mtime_ns)
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot read docs/{page}: {exc}"
    if anchor not in anchors:
        close = difflib.get_close_matches(anchor, sorted(anchors), n=1)
        hint = f"; did you mean #{close[0]}?" if close else ""
        return f"docs/{page} has no section #{anchor}{hint}"
    return None


@functools.lru_cache(maxsize=256)
def _anchors_cached(page: str, _mtime: int) -> frozenset[str]:
    return frozenset(page_anchors(Path(page)))
