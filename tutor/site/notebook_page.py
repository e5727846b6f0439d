"""Notebook pages (mkdocs-jupyter's HTML), rewritten through an HTML parser (BeautifulSoup).

:func:`render_notebook_page` is the whole job for one page:

- the "Run it yourself" action bar (:func:`notebook_status` says where the outputs come
  from), in place of the notebook's own download / Colab line;
- the CSS mkdocs-jupyter inlines into every page moved to one shared file
  (:func:`split_notebook_css`), and nbconvert's CDN loaders (MathJax, Mermaid) dropped: the
  site brings its own KaTeX and Mermaid;
- code cells kept out of the search index, headings given Material's anchor look, the
  table of contents repaired (:func:`fix_toc`);
- links in text cells to other docs files (``../lessons/x.md``) pointed at the built pages,
  and every local link checked (:func:`rewrite_local_links`): a broken one fails ``--strict``;
- wide output tables in a scroll box, and plots as files with real alt text
  (:mod:`.notebook_figures`).
"""

from __future__ import annotations

import copy
import hashlib
import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup, Comment

from tutor.site import notebook_figures
from tutor.site.quiz_page import esc

NOTEBOOK_CSS = "assets/stylesheets/notebook-{digest}.css"
# The site's own rules for notebook pages (phone layout, outputs, plots), linked after
# JupyterLab's CSS on notebook pages only.
NOTEBOOK_STYLES = "assets/stylesheets/notebooks.css"
WRAPPER = "jupyter-wrapper"


def parse(content: str) -> BeautifulSoup:
    # The stdlib parser: no extra dependency, and it keeps <script>/<style> text as it is.
    return BeautifulSoup(content, "html.parser")


def _outside_notebook(node: Any) -> bool:
    return node.find_parent("div", class_=WRAPPER) is None


def split_notebook_css(content: str) -> tuple[str, str]:
    """(content without the page-template styles, those styles as one stylesheet).

    mkdocs-jupyter inlines the same 590 KB of JupyterLab and Pygments CSS into every
    notebook page (there is no option to turn it off); the hook serves it once, as a file
    the browser caches. Only the template's own styles move, the ones outside the
    notebook's wrapper: a cell output's <style> (a pandas table's) stays with its output.
    A block that is a Python list's repr (an mkdocs-jupyter slip), not CSS, is dropped.
    """
    soup = parse(content)
    if soup.find("div", class_=WRAPPER) is None:
        return content, ""
    css = _take_template_css(soup)
    return str(soup), css


def _take_template_css(soup: BeautifulSoup) -> str:
    css = []
    for style in soup.find_all("style"):
        if _outside_notebook(style):
            text = style.get_text().strip()
            if text[:1] != "[":
                css.append(text)
            style.decompose()
    return "\n".join(css) + "\n" if css else ""


def _drop_cdn_loaders(soup: BeautifulSoup) -> None:
    """nbconvert's page template loads MathJax and (for Mermaid outputs) Mermaid from a CDN.
    The site typesets notebook maths with its bundled KaTeX and draws diagrams with its
    bundled Mermaid, so both loaders go, with the comments that frame them."""
    for script in soup.find_all("script"):
        if not _outside_notebook(script):
            continue
        kind = script.get("type") or ""
        empty_src = script.has_attr("src") and not script["src"].strip()
        mermaid = kind == "module" and "mermaid" in script.get_text()
        if empty_src or kind == "text/x-mathjax-config" or mermaid:
            script.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        if _outside_notebook(comment) and re.search(r"mathjax|mermaid", comment, re.I):
            comment.extract()


def _is_web_address_of(href: str, name: str) -> bool:
    parts = urlsplit(href)
    return parts.scheme in ("http", "https") and PurePosixPath(parts.path).name == name


def _drop_own_links(soup: BeautifulSoup, name: str) -> None:
    """The notebook's own "download / run on Colab" line, which the action bar replaces.

    Only a paragraph whose every link is a web address of this very notebook goes (on
    GitHub the line is useful; on the site it repeats the bar and points at the
    repository's copy rather than the page's)."""
    for paragraph in soup.find_all("p"):
        hrefs = [a.get("href", "") for a in paragraph.find_all("a", href=True)]
        if hrefs and all(_is_web_address_of(h, name) for h in hrefs):
            paragraph.decompose()


def _exclude_code_cells(soup: BeautifulSoup) -> None:
    """Each code cell (input and outputs) wrapped in <nb-code data-search-exclude>.

    The notebook's prose and headings are indexed for search like a lesson; its code and
    printed outputs are not (they would flood the results). Material's indexer ends an
    excluded region at the first closing tag of the same name, and a cell is nested <div>s,
    hence a tag of our own."""
    for cell in soup.find_all("div", class_="jp-CodeCell"):
        if cell.find_parent("div", class_="jp-CodeCell") is None:
            cell.wrap(soup.new_tag("nb-code", attrs={"data-search-exclude": ""}))


def _first_executed_line(nb: dict[str, Any]) -> str | None:
    """The time the notebook's own environment cell printed ("Executed <time>, ...")."""
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain") or ""
            text = "".join(text) if isinstance(text, list) else text
            match = re.search(r"^Executed (.+?)(?:,|$)", text, re.M)
            if match:
                return match.group(1).strip()
    return None


def notebook_status(nb: dict[str, Any]) -> str:
    """One sentence (HTML) for the action bar: where the outputs on the page come from.

    The time is the one the notebook's first cell prints ("Executed ..."), so the bar and
    the page say the same; the executor's stamp gives it only when no cell prints one."""
    from tutor.notebooks import staleness, stamp

    code = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    if not any(c.get("outputs") for c in code):
        return "This copy has no outputs yet: run it to see them."
    recorded = stamp(nb)
    if not recorded:
        return "The outputs below are those saved in the notebook."
    when = _first_executed_line(nb) or recorded.get("executed")
    where = recorded.get("machine")
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


def action_bar(download: str, status: str) -> str:
    """The "Run it yourself" box (kept out of search: it is the same on every notebook
    page). ``status`` is trusted HTML (see notebook_status)."""
    return (
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


def _scroll_wide_tables(soup: BeautifulSoup) -> None:
    """Output tables (pandas) in a box that scrolls sideways; layout.js marks the box when
    it overflows, and extra.css then fades the cut edge and says "scroll" in words."""
    for table in soup.select(".jp-OutputArea-output table"):
        if table.find_parent("div", class_="nb-scroll") is None:
            box = soup.new_tag("div", attrs={"class": "nb-scroll", "tabindex": "0"})
            table.wrap(box)


# --------------------------------------------------------------------------- contents


def _flatten(toc: Iterable[Any]) -> list[Any]:
    return [x for item in toc for x in (item, *_flatten(item.children))]


def _headings(soup: BeautifulSoup) -> list[tuple[str, str]]:
    """(id, title as escaped text) of each heading with an id, in page order."""
    out = []
    for heading in soup.find_all(re.compile(r"^h[1-6]$"), id=True):
        clone = copy.copy(heading)
        for link in clone.find_all("a", class_=["headerlink", "anchor-link"]):
            link.decompose()
        out.append((heading["id"], html.escape(clone.get_text().strip(), quote=False)))
    return out


def fix_toc(toc: Iterable[Any], content: str | BeautifulSoup) -> None:
    """Points each table-of-contents entry at its heading on the page, with its text.

    mkdocs-jupyter builds the entries from Python-Markdown's TOC tokens, which drop code
    spans: "5 · `TrainingArguments` and `Trainer`" became "5 · and", linked to #5-and,
    while the heading's id is #5-trainingarguments-and-trainer. Both list the headings in
    page order, so entries and headings are paired by position (by id if the counts
    differ). Titles stay HTML (escaped text), as MkDocs' own are."""
    soup = parse(content) if isinstance(content, str) else content
    headings = _headings(soup)
    entries = _flatten(toc)
    if len(entries) == len(headings):
        for item, (anchor, title) in zip(entries, headings, strict=True):
            item.id, item.title = anchor, title or item.title
        return
    titles = dict(headings)
    for item in entries:
        item.title = titles.get(item.id) or item.title


# --------------------------------------------------------------------------- links


@dataclass(frozen=True)
class AnchorCheck:
    """A link to ``#anchor`` on another built page, checked once every page is written."""

    source: str  # the notebook, for the message
    href: str  # as written in the notebook
    target_url: str  # the target page's site URL ("lessons/day07-bert/")
    anchor: str


def _normalise(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def rewrite_local_links(
    soup: BeautifulSoup,
    src_uri: str,
    page_url: str,
    resolve: Callable[[str], str | None],
) -> tuple[list[str], list[AnchorCheck]]:
    """Points the notebook's links to docs files at their built pages; (problems, anchors
    to check after the build).

    In Jupyter a link is written to the file (``../lessons/day07-bert.md#softmax``), which
    on the site is a 404: the built page is ``lessons/day07-bert/``. ``resolve(path)``
    gives a docs file's site URL, or None if there is no such file. A same-page anchor is
    checked here; an anchor on another page is returned, to check once it is built.
    Web addresses, ``mailto:`` and the like are left alone."""
    from mkdocs.utils import get_relative_url

    ids = {tag["id"] for tag in soup.find_all(id=True)}
    problems: list[str] = []
    anchors: list[AnchorCheck] = []
    base = str(PurePosixPath(src_uri).parent)
    for link in soup.select(".jp-RenderedMarkdown a[href], .jp-RenderedHTMLCommon a[href]"):
        href = link["href"]
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or href.startswith("/"):
            continue
        anchor = unquote(parts.fragment)
        if not parts.path:
            if anchor and anchor not in ids:
                problems.append(f"{src_uri}: link {href!r}: no such anchor on this page")
            continue
        target = _normalise(f"{base}/{unquote(parts.path)}")
        url = resolve(target)
        if url is None:
            problems.append(f"{src_uri}: link {href!r}: {target} is not a file of the site")
            continue
        link["href"] = get_relative_url(url, page_url) + (f"#{parts.fragment}" if anchor else "")
        if anchor:
            anchors.append(AnchorCheck(src_uri, href, url, anchor))
    return problems, anchors


def missing_anchors(site_dir: Path, checks: Iterable[AnchorCheck]) -> list[str]:
    """The checks whose anchor is not an id on the built target page (one message each)."""
    ids: dict[str, set[str]] = {}
    problems = []
    for check in checks:
        if check.target_url not in ids:
            path = site_dir / check.target_url
            page = path / "index.html" if check.target_url.endswith("/") or path.is_dir() else path
            text = page.read_text(encoding="utf-8") if page.is_file() else ""
            ids[check.target_url] = {t["id"] for t in parse(text).find_all(id=True)}
        if check.anchor not in ids[check.target_url]:
            problems.append(
                f"{check.source}: link {check.href!r}: no anchor #{check.anchor} "
                f"on {check.target_url}"
            )
    return problems


# --------------------------------------------------------------------------- the page


class SiteFiles:
    """Files made from the notebook pages (the shared stylesheet, the plots): {site path:
    content}, written once the pages are built. Cleared on every build (mkdocs serve
    rebuilds in-process)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.anchor_checks: list[AnchorCheck] = []

    def clear(self) -> None:
        self.files.clear()
        self.anchor_checks.clear()

    def add(self, pattern: str, content: bytes) -> str:
        """Keeps ``content`` as a file named by its digest ("{digest}" in ``pattern``);
        returns its site path."""
        digest = hashlib.sha256(content).hexdigest()[:12]
        path = pattern.format(digest=digest)
        self.files[path] = content
        return path

    def write(self, site_dir: Path) -> None:
        for path, content in self.files.items():
            target = site_dir / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)


@dataclass
class NotebookPage:
    content: str
    stylesheet: str | None  # the site path of the shared stylesheet it links, if any
    problems: list[str] = field(default_factory=list)  # broken links: each fails --strict


def render_notebook_page(
    content: str,
    src_uri: str,
    page_url: str,
    notebook: dict[str, Any],
    toc: Iterable[Any],
    files: SiteFiles,
    resolve: Callable[[str], str | None],
) -> NotebookPage:
    """The whole rewrite of one notebook page (see the module docstring).

    mkdocs-jupyter's include_source copies the notebook next to the page's index.html, so
    the download link is the notebook's file name. ``resolve`` gives a docs file's site
    URL (see rewrite_local_links); the plots and stylesheet are added to ``files``."""
    from mkdocs.utils import get_relative_url

    name = PurePosixPath(src_uri).name
    soup = parse(content)
    css = _take_template_css(soup) if soup.find("div", class_=WRAPPER) else ""
    _drop_cdn_loaders(soup)
    _drop_own_links(soup, name)
    problems, anchors = rewrite_local_links(soup, src_uri, page_url, resolve)
    files.anchor_checks += anchors
    notebook_figures.rework_figures(soup, files.add, lambda path: get_relative_url(path, page_url))
    _exclude_code_cells(soup)
    _scroll_wide_tables(soup)
    for anchor in soup.select("a.anchor-link"):
        anchor["class"] = ["headerlink"]
    fix_toc(toc, soup)
    stylesheet = files.add(NOTEBOOK_CSS, css.encode("utf-8")) if css.strip() else None
    body = f"{action_bar(name, notebook_status(notebook))}\n{soup}"
    return NotebookPage(body, stylesheet, problems)


NOTEBOOK_FILES = SiteFiles()
