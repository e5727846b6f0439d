"""Plots in notebook pages: served as files, linked to their full size, described in words.

nbconvert inlines each plot as a base64 ``data:`` image with the alt text "No description
has been provided for this image". A reader on a phone sees the plot shrunk to the column
and cannot open it larger (browsers refuse to navigate to a ``data:`` address), and a
screen reader hears nothing useful. So each plot becomes a file of the site, linked to
itself at full size, and its alt text says what it shows:

- the titles the cell gives its axes (``ax.set_title("Loss")``, ``ax.set(title=...)``,
  ``plt.title``, ``fig.suptitle``), read from the cell's code with :mod:`ast`:
  "Plot: Loss; Validation";
- else the text cell before it (its heading, or its first sentence): "Plot for: ...".
"""

from __future__ import annotations

import ast
import base64
import re
from collections.abc import Callable

from bs4 import BeautifulSoup, Tag

NBCONVERT_ALT = "No description has been provided for this image"
FIGURE_FILE = "assets/notebook-figures/{{digest}}.{ext}"
_DATA_URI = re.compile(r"data:image/(png|jpeg|gif|svg\+xml);base64,(.+)", re.S)
_TITLE_CALLS = {"set_title", "title", "suptitle"}
_MAX_ALT = 160


def _text(node: ast.expr) -> str | None:
    """A string literal as a reader would take it; an f-string's fields keep their code
    (f"peak {LR}" reads "peak LR"), which says what the value is if not its digits."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                parts.append(ast.unparse(value.value))
        return "".join(parts)
    return None


def plot_titles(source: str) -> list[str]:
    """The titles a cell's code gives its plots, in the order written, each once."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics and the like: no titles, the fallback applies
        return []
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    calls.sort(key=lambda n: (n.lineno, n.col_offset))
    titles: list[str] = []
    for call in calls:
        name = call.func.attr if isinstance(call.func, ast.Attribute) else ""
        found = []
        if name in _TITLE_CALLS and call.args:
            found.append(_text(call.args[0]))
        found += [_text(k.value) for k in call.keywords if k.arg == "title"]
        for title in found:
            if title and title.strip() and title.strip() not in titles:
                titles.append(" ".join(title.split()))
    return titles


def _preceding_text(cell: Tag) -> str | None:
    """The heading, else the first sentence, of the text cell before ``cell``."""
    text_cell = cell.find_previous("div", class_="jp-MarkdownCell")
    if text_cell is None:
        return None
    rendered = text_cell.find("div", class_="jp-RenderedMarkdown") or text_cell
    heading = rendered.find(re.compile(r"^h[1-6]$"))
    if heading is not None:
        for link in heading.find_all("a", class_=["anchor-link", "headerlink"]):
            link.extract()
    source = heading if heading is not None else rendered
    text = " ".join(source.get_text(" ").split())
    if heading is None:
        text = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return text or None


def describe(titles: list[str], context: str | None) -> str:
    """The alt text of a cell's plot (see the module docstring)."""
    if titles:
        text = "Plot: " + "; ".join(titles)
    elif context:
        text = f"Plot for: {context}"
    else:
        text = "Plot drawn by the code cell above"
    return text if len(text) <= _MAX_ALT else text[: _MAX_ALT - 1].rstrip() + "…"


def rework_figures(
    soup: BeautifulSoup,
    add_file: Callable[[str, bytes], str],
    relative_url: Callable[[str], str],
) -> None:
    """Every output image of the page: a site file (``add_file(pattern, bytes)`` returns its
    site path; ``relative_url`` makes that a link from the page), wrapped in a link to its
    full size, with alt text from :func:`describe` unless the output brought its own."""
    for cell in soup.find_all("div", class_="jp-CodeCell"):
        if cell.find_parent("div", class_="jp-CodeCell") is not None:
            continue  # mkdocs-jupyter nests a cell's div in a copy of itself
        images = cell.select(".jp-OutputArea-output img")
        if not images:
            continue
        code = cell.select_one(".jp-InputArea-editor pre")
        alt = describe(plot_titles(code.get_text() if code else ""), _preceding_text(cell))
        for image in images:
            if not image.get("alt") or image["alt"].strip() == NBCONVERT_ALT:
                image["alt"] = alt
            match = _DATA_URI.fullmatch(image.get("src", "").strip())
            if match is None:
                continue
            ext = "svg" if match.group(1) == "svg+xml" else match.group(1)
            path = add_file(FIGURE_FILE.format(ext=ext), base64.b64decode(match.group(2)))
            image["src"] = relative_url(path)
            link = soup.new_tag(
                "a",
                attrs={
                    "class": "nb-figure",
                    "href": image["src"],
                    "title": "Open the plot at full size",
                },
            )
            image.wrap(link)
