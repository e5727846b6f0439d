"""Notebook pages (mkdocs-jupyter's HTML): the action bar, one shared stylesheet, search.

:func:`notebook_page_html` adds the "Run it yourself" bar (:func:`notebook_status` says
where the outputs come from), takes out the notebook's own download / Colab line and the
CDN loaders, and keeps code cells out of the search index. :func:`split_notebook_css`
moves the CSS mkdocs-jupyter inlines into every page to one file; :class:`SharedCss`
collects those files for the hooks to write. :func:`fix_toc` repairs the table of contents.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

from tutor.site.quiz_page import esc

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


NOTEBOOK_CSS = "assets/stylesheets/notebook-{digest}.css"


class SharedCss:
    """Stylesheets pulled out of the notebook pages (see split_notebook_css): {site path:
    CSS}, written once the pages are built. Cleared on every build (mkdocs serve rebuilds
    in-process)."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}

    def clear(self) -> None:
        self.files.clear()

    def add(self, css: str) -> str:
        """Keeps ``css`` as a file named by its digest; returns its site path."""
        digest = hashlib.sha256(css.encode("utf-8")).hexdigest()[:12]
        path = NOTEBOOK_CSS.format(digest=digest)
        self.files[path] = css
        return path

    def write(self, site_dir: Path) -> None:
        for path, css in self.files.items():
            target = site_dir / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(css, encoding="utf-8")


def render_notebook_page(
    content: str, src_uri: str, notebook: dict[str, Any], toc: Iterable[Any], shared: SharedCss
) -> tuple[str, str | None]:
    """(the page's content, the site path of the stylesheet it links, if any).

    mkdocs-jupyter's include_source copies the notebook next to the page's index.html, so
    the download link is the notebook's file name."""
    name = PurePosixPath(src_uri).name
    content, css = notebook_page_html(content, name, notebook_status(notebook))
    fix_toc(toc, content)
    return content, (shared.add(css) if css.strip() else None)


SHARED_CSS = SharedCss()
