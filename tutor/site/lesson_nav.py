"""Lessons and notebooks in the navigation: lesson labels, and notebooks not written yet.

- :func:`lesson_labeller` names a quiz card's lesson link "Page title › Section title".
- :func:`prune_nav` drops from the nav the notebooks that are not written yet, and
  :func:`unlink_missing_notebooks` turns a lesson's link to one into plain text, so the
  site builds with ``--strict`` while the notebooks land one by one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlparse

log = logging.getLogger("mkdocs.hooks.tutor_site")

NOTEBOOK_DIR = "notebooks"

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


_MD_NOTEBOOK_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]*?([\w.-]+\.ipynb))\)")


def unlink_missing_notebooks(markdown: str, src_uri: str, exists: Callable[[str], bool]) -> str:
    """A link to a notebook that is not written yet becomes text, instead of a 404.

    ``src_uri`` is the page's path in docs_dir; ``exists(path)`` says whether a docs file
    is there (web addresses are left alone)."""
    base = PurePosixPath(src_uri).parent

    def replace(match: re.Match[str]) -> str:
        target = match.group(2)
        parts = urlparse(target)
        if parts.scheme or parts.netloc or target.startswith("/"):
            return match.group(0)  # a web address (or site-absolute path), not a file here
        resolved = PurePosixPath(*(base / target).parts)
        normal = _normalise(resolved)
        if not _is_notebook_target(normal) or exists(normal):
            return match.group(0)
        log.info("%s links to %s, not written yet", src_uri, normal)
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
