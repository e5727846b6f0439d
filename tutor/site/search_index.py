"""Material's search index as readable text: formulas in place of raw LaTeX.

pymdownx.arithmatex (generic) leaves ``\\( ... \\)`` and ``\\[ ... \\]`` in a lesson's text,
and Jupyter Markdown keeps ``$ ... $``; Material indexes the text as it is, so a search
result would show LaTeX source. :func:`rewrite_search_index` runs after the search plugin
has written the index.
"""

from __future__ import annotations

import functools
import html
import json
import re
from pathlib import Path
from typing import Any

from tutor.site.lesson_nav import NOTEBOOK_DIR

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


def rewrite_search_index(site_dir: Path) -> None:
    """Every formula in ``site_dir``'s search index (titles and texts) as readable text."""
    index = site_dir / "search" / "search_index.json"
    if not index.is_file():
        return
    data = json.loads(index.read_text(encoding="utf-8"))
    for doc in data.get("docs", []):
        dollars = doc.get("location", "").startswith(f"{NOTEBOOK_DIR}/")
        for key in ("title", "text"):
            if key in doc:
                doc[key] = plain_text_math(doc[key], dollars)
    index.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
