"""The built site in a real browser: Debian's chromium driven by Playwright.

The site is served from 127.0.0.1 by http.server, and every request to any other host is
aborted and recorded: the pages must render maths, diagrams, notebooks and quizzes with no
network. Screenshots of a few pages go to tests/screenshots/ (gitignored) for a person to
look at.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from test_site import REPO_ROOT, built_site_dir

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO_ROOT / "tests" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LESSONS = [
    "lessons/day07-bert/",
    "lessons/day45-fine-tuning/",
    "lessons/day46-transfer-learning/",
    "lessons/day47-bert-architecture/",
    "lessons/day48-pretraining-tasks/",
    "lessons/day49-t5/",
    "lessons/day50-applications/",
    "lessons/cola-walkthrough/",
]
# Lessons being written: checked once their page exists (see test_new_lessons_render).
NEW_LESSONS = ["self-attention", "beyond-bert", "production"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.network,  # builds the site (see tests/test_site.py)
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install -y chromium"
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (test extra)")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = built_site_dir(tmp_path_factory)
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Visit:
    """A page of the site, with every off-site request and script error recorded."""

    def __init__(self, browser: object, base_url: str) -> None:
        self.base = base_url
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        # Material draws Mermaid into a *closed* shadow root; opening it lets the test read
        # the SVG. It changes nothing else about how the diagram is rendered.
        self.context.add_init_script(
            "const _attach = Element.prototype.attachShadow;"
            "Element.prototype.attachShadow = function (init) {"
            "  return _attach.call(this, Object.assign({}, init, {mode: 'open'})); };"
        )
        self.offsite: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _route(self, route: object) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            self.offsite.append(route.request.url)
            route.abort()

    def open(self, path: str) -> object:
        self.page.goto(self.base + path, wait_until="load")
        return self.page

    def close(self) -> None:
        self.context.close()
        assert not self.offsite, f"requests to other hosts: {self.offsite}"
        assert not self.errors, f"script errors: {self.errors}"


@pytest.fixture
def visit(browser, base_url) -> Iterator[Visit]:
    v = Visit(browser, base_url)
    try:
        yield v
    finally:
        v.close()


def _screenshot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(400)  # let Material's header finish its title swap, for the picture
    page.screenshot(path=str(SCREENSHOTS / name), full_page=False)


# --------------------------------------------------------------------------- maths


def test_every_lesson_typesets_its_maths_with_the_bundled_katex(visit):
    for path in LESSONS:
        page = visit.open(path)
        formulas = page.locator(".arithmatex").count()
        if formulas == 0:
            continue
        page.wait_for_function(
            "n => document.querySelectorAll('.arithmatex .katex').length >= n", arg=formulas
        )
        assert page.locator(".arithmatex .katex-error").count() == 0, path
        prose = page.evaluate(
            "() => { const a = document.querySelector('article').cloneNode(true);"
            "  a.querySelectorAll('pre, code, .katex-mathml').forEach(e => e.remove());"
            "  return a.innerText; }"
        )
        for raw in ("$$", "\\(", "\\)", "\\[", "\\]", "\\frac", "\\sum"):
            assert raw not in prose, f"{path}: raw TeX {raw!r} left in the text"
        _assert_no_formula_clipped(page, path)
    # At least the lesson with softmax has formulas; typesetting was checked above.
    page = visit.open("lessons/day07-bert/#softmax")
    assert page.locator(".arithmatex .katex-display").count() >= 3
    page.locator("#softmax").scroll_into_view_if_needed()
    _screenshot(page, "lesson-day07-softmax.png")


_CLIPPED = """() => {
  // A display formula wider than its box, with no sign that it scrolls, is clipped.
  return [...document.querySelectorAll('div.arithmatex')]
    .filter(d => d.querySelector('.katex-display'))
    .filter(d => d.scrollWidth > d.clientWidth + 1 && !d.dataset.scroll)
    .map(d => d.textContent.slice(0, 60));
}"""


def _assert_no_formula_clipped(page: object, path: str) -> None:
    page.evaluate("document.fonts.ready")  # KaTeX's fonts decide the widths
    page.wait_for_timeout(100)  # the fit and the scroll marks follow the fonts
    assert page.evaluate(_CLIPPED) == [], f"{path}: display formulas cut off"


def test_the_day47_mask_equation_fits_the_column_and_scrolls_on_a_phone(visit):
    page = visit.open("lessons/day47-bert-architecture/#attention-mask")
    page.wait_for_function("document.querySelectorAll('.arithmatex .katex').length > 0")
    page.evaluate("document.fonts.ready")
    equation = page.locator("div.arithmatex", has_text="Attention").first
    # Wider than the column at full size; set smaller, it fits whole, down to "padding".
    page.wait_for_function(
        "el => el.scrollWidth <= el.clientWidth + 1", arg=equation.element_handle()
    )
    size = equation.locator(".katex-display").evaluate("el => el.style.fontSize")
    assert size.endswith("%") and 70 <= float(size[:-1]) < 100
    assert "padding" in equation.inner_text()
    equation.scroll_into_view_if_needed()
    _screenshot(page, "lesson-day47-mask-equation.png")
    # On a phone it cannot fit: it scrolls, and the fade says so.
    page.set_viewport_size({"width": 390, "height": 800})
    page.wait_for_function(
        "el => el.scrollWidth > el.clientWidth && el.dataset.scroll === 'right'",
        arg=equation.element_handle(),
    )


# --------------------------------------------------------------------------- diagrams


def test_mermaid_diagrams_render_to_svg_from_the_bundled_copy(visit):
    page = visit.open("lessons/day47-bert-architecture/")
    # Count the fences in the served HTML: by now Material has replaced them in the DOM.
    served = page.request.get(visit.base + "lessons/day47-bert-architecture/").text()
    fences = served.count('<pre class="mermaid">')
    assert fences >= 2
    page.wait_for_function(
        "n => [...document.querySelectorAll('div.mermaid')]"
        ".filter(d => d.shadowRoot && d.shadowRoot.querySelector('svg')).length >= n",
        arg=fences,
    )
    svgs = page.locator("div.mermaid svg")
    assert svgs.count() == fences
    labels = " ".join(svgs.nth(i).text_content() or "" for i in range(fences))
    assert "Layer 1" in labels and "Segment embeddings" in labels
    assert "Syntax error" not in labels
    box = svgs.first.bounding_box()
    assert box and box["height"] > 100 and box["width"] > 100
    page.evaluate("document.querySelectorAll('div.mermaid')[1].scrollIntoView()")
    _screenshot(page, "lesson-day47-diagram.png")


def test_the_day46_diagram_is_drawn_at_a_readable_size(visit):
    page = visit.open("lessons/day46-transfer-learning/")
    page.wait_for_function(
        "[...document.querySelectorAll('div.mermaid')].some(d => d.shadowRoot?.querySelector('svg'))"
    )
    size = page.evaluate(
        """() => {
        const svg = document.querySelector('div.mermaid').shadowRoot.querySelector('svg');
        const label = svg.querySelector('.nodeLabel, .label text, text');
        return {
          scale: svg.getBoundingClientRect().width / svg.viewBox.baseVal.width,
          font: parseFloat(getComputedStyle(label).fontSize),
          text: svg.textContent,
        };
      }"""
    )
    assert "Pre-trained encoder" in size["text"]
    # Labels at >= 75 % of their natural size: about 12 px, not the 7 px of a squeezed chart.
    assert size["scale"] >= 0.74, size
    assert size["font"] * size["scale"] >= 11, size
    page.evaluate("document.querySelector('div.mermaid').scrollIntoView({block: 'center'})")
    _screenshot(page, "lesson-day46-diagram.png")


# --------------------------------------------------------------------------- tables


_MID_WORD_BREAKS = """() => {
  // Words (runs without spaces, between <wbr>s) in table code that wrap over two lines.
  const broken = [];
  for (const code of document.querySelectorAll('article td code, article th code')) {
    for (const node of code.childNodes) {
      if (node.nodeType !== Node.TEXT_NODE) continue;
      for (const m of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


def test_day50_tables_wrap_class_names_between_words_and_hint_at_scrolling(visit):
    page = visit.open("lessons/day50-applications/")
    table = page.locator("article table", has_text="AutoModelForTokenClassification").first
    table.scroll_into_view_if_needed()
    assert page.evaluate(_MID_WORD_BREAKS) == []
    # The class names did wrap (the column is narrow), only between their words.
    code = table.locator("code", has_text="QuestionAnswering").first
    assert code.evaluate("el => el.getClientRects().length") >= 2
    _screenshot(page, "lesson-day50-table.png")
    # A table wider than the column fades at the edge where columns hide, and says so.
    wide = page.locator(".md-typeset__scrollwrap[data-scroll]").first
    wide.wait_for()
    assert wide.get_attribute("data-scroll") == "right"
    hint = wide.evaluate("el => getComputedStyle(el, '::after').content")
    assert "Scroll sideways" in hint
    assert "gradient" in wide.evaluate("el => getComputedStyle(el).maskImage")
    wide.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    page.wait_for_function("el => el.dataset.scroll === 'left'", arg=wide.element_handle())


# --------------------------------------------------------------------------- notebooks


def test_notebook_page_shows_its_code_cells_and_links(visit, base_url):
    notebooks = sorted((REPO_ROOT / "docs" / "notebooks").glob("*.ipynb"))
    assert notebooks
    nb = notebooks[0]
    cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    page = visit.open(f"notebooks/{nb.stem}/")
    inputs = page.locator(".jp-CodeCell .jp-InputArea pre")
    inputs.first.wait_for(state="visible")
    assert inputs.count() == len(code)
    first_line = code[0].splitlines()[0].strip()
    assert first_line in inputs.first.inner_text()
    download = page.get_by_role("link", name="Download the notebook")
    response = page.request.get(base_url + f"notebooks/{nb.stem}/" + download.get_attribute("href"))
    assert response.ok and json.loads(response.body())["cells"] == cells
    # The notebook's own "download / Colab" line is not repeated under the action bar.
    assert page.get_by_role("link", name=re.compile("download", re.I)).count() == 1
    assert page.locator("a[href*='colab.research.google.com/github']").count() == 0
    assert page.locator("link[href*='notebook-'][rel=stylesheet]").count() == 1
    assert page.locator(".jupyter-wrapper pre").first.evaluate(
        "el => getComputedStyle(el).fontFamily"
    )
    _screenshot(page, "notebook.png")


@pytest.mark.parametrize(
    "name", [p.stem for p in sorted((REPO_ROOT / "docs" / "notebooks").glob("*.ipynb"))]
)
def test_notebook_page_shows_the_outputs_of_a_real_run(visit, name):
    page = visit.open(f"notebooks/{name}/")
    page.locator(".jp-CodeCell").first.wait_for()
    outputs = page.locator(".jp-OutputArea-output")
    assert outputs.count() > 0, f"{name}: no cell output on the page"
    text = page.locator(".jp-OutputArea-output pre, .jp-OutputArea-output table")
    assert text.count() > 0 and any(t.strip() for t in text.all_inner_texts()), name
    images = page.locator(".jp-OutputArea-output img")
    assert images.count() >= 1, f"{name}: no figure among the outputs"
    images.first.scroll_into_view_if_needed()
    loaded = images.evaluate_all("imgs => imgs.map(i => i.complete && i.naturalWidth > 0)")
    assert all(loaded), f"{name}: a figure did not load"
    if name == "day07-sentiment":
        _screenshot(page, "notebook-figure.png")


NOTEBOOKS = [p.stem for p in sorted((REPO_ROOT / "docs" / "notebooks").glob("*.ipynb"))]
PHONE = {"width": 390, "height": 800}

_NOTEBOOK_LAYOUT = """() => {
  const column = document.querySelector('.jupyter-wrapper').getBoundingClientRect().width;
  const editors = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-editor')]
    .map(e => e.getBoundingClientRect().width);
  // Output words drawn over two lines: broken mid-word. A word is a run of letters, digits
  // and underscores ("BertForSequenceClassification"); a path may wrap after a "/".
  const broken = [];
  for (const pre of document.querySelectorAll('.jp-OutputArea-output pre')) {
    const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.textContent.matchAll(/\\w+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  const plots = [...document.querySelectorAll('.jp-OutputArea-output img')].map(i => ({
    width: i.getBoundingClientRect().width, natural: i.naturalWidth, alt: i.alt,
    area: i.closest('.jp-OutputArea-output').getBoundingClientRect().width,
    link: i.closest('a') && i.closest('a').getAttribute('href'), src: i.getAttribute('src'),
  }));
  const tables = [...document.querySelectorAll('.nb-scroll')].map(b => ({
    wide: b.scrollWidth > b.clientWidth + 1, scroll: b.dataset.scroll || '',
    hint: getComputedStyle(b, '::after').content,
    inside: b.getBoundingClientRect().right <= column + b.getBoundingClientRect().left + 1,
  }));
  return {column, editors, broken, plots, tables};
}"""


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_pages_read_well_on_a_desktop_and_a_phone(visit, name, width):
    page = visit.open(f"notebooks/{name}/")
    page.set_viewport_size({"width": width, "height": 800})
    page.locator(".jp-CodeCell").first.wait_for()
    images = page.locator(".jp-OutputArea-output img")
    images.evaluate_all("imgs => imgs.forEach(i => { i.loading = 'eager'; })")
    page.wait_for_function(
        "[...document.querySelectorAll('.jp-OutputArea-output img')].every(i => i.complete)"
    )
    page.wait_for_timeout(200)  # layout.js marks the scroll boxes on the next frame
    found = page.evaluate(_NOTEBOOK_LAYOUT)
    column = found["column"]
    # No "In [n]:" gutter on a phone: the code uses the column (it had 240 of 358 px).
    if width < 700:
        assert min(found["editors"]) >= 0.95 * column, (found["editors"], column)
    assert found["broken"] == [], f"{name}: output words broken mid-word"
    assert found["plots"], f"{name}: no plot"
    for plot in found["plots"]:
        # As wide as its output area allows (never wider; on a phone that is the column),
        # and a link to the file at full size.
        assert plot["width"] <= plot["area"] + 1
        assert plot["width"] >= min(plot["natural"], plot["area"]) - 1, plot
        if width < 700:
            assert plot["area"] >= 0.95 * column, plot
        assert plot["link"] == plot["src"] and plot["src"].endswith(".png"), plot
        # Alt text says what the plot shows (its titles), not nbconvert's stock sentence.
        assert plot["alt"].startswith("Plot"), plot
    for table in found["tables"]:
        assert table["inside"], table
        if table["wide"]:  # a table wider than the column scrolls, and says so
            assert table["scroll"] == "right" and "Scroll sideways" in table["hint"], table
    if name == "day07-sentiment":
        page.locator(".nb-scroll").last.scroll_into_view_if_needed()
        _screenshot(page, f"notebook-table-{width}.png")
        page.locator("a.nb-figure").first.scroll_into_view_if_needed()
        _screenshot(page, f"notebook-plot-{width}.png")


def test_a_notebook_plot_opens_at_full_size(visit, base_url):
    page = visit.open("notebooks/day07-sentiment/")
    page.set_viewport_size(PHONE)
    link = page.locator("a.nb-figure").first
    shown = link.locator("img").evaluate("i => [i.getBoundingClientRect().width, i.naturalWidth]")
    assert shown[0] < shown[1]  # the phone shows it shrunk...
    link.click()
    page.wait_for_url(re.compile(r"/assets/notebook-figures/\w+\.png$"))
    # ...the click opens the file itself, which the browser shows whole and zooms in on.
    assert page.evaluate("document.images[0].naturalWidth") == shown[1]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_links_and_run_time_as_the_reader_sees_them(visit, base_url, name):
    page = visit.open(f"notebooks/{name}/")
    # Every link in the notebook's text to another page of the site leads to a page.
    hrefs = page.locator(".jp-RenderedMarkdown a[href]").evaluate_all(
        "as => as.map(a => a.href).filter(h => h.startsWith(location.origin)"
        " && !h.startsWith(location.href.split('#')[0] + '#'))"
    )
    for href in hrefs:
        response = page.request.get(href)
        assert response.ok, f"{name}: {href} is {response.status}"
    # The action bar's time is the one the first cell prints.
    printed = page.locator(".jp-OutputArea-output pre", has_text="Executed ").first
    executed = re.search(r"Executed (.+?),", printed.inner_text()).group(1)
    bar = page.locator(".nb-actions").inner_text()
    assert f"a real run on {executed} (" in bar, (executed, bar)


def test_the_lesson_links_of_the_notebooks_lead_to_their_lessons(visit):
    # The two links the review found broken (404): now the built pages.
    for name, text, lesson in (
        ("cola", "Project · CoLA", "lessons/cola-walkthrough/"),
        ("day07-sentiment", "section on long documents", "lessons/production/#long-documents"),
    ):
        page = visit.open(f"notebooks/{name}/")
        page.locator(".jp-RenderedMarkdown a", has_text=text).first.click()
        page.wait_for_load_state()
        assert page.url.endswith(lesson) and page.locator("article h1").first.is_visible()


_COVERED = """() => {
  // Code blocks whose text, scrolled to its end, lies under the block's copy button.
  const covered = [];
  let blocks = 0;
  const codes = '.md-typeset pre > code, .jupyter-wrapper .jp-InputArea-editor pre';
  for (const code of document.querySelectorAll(codes)) {
    const box = code.closest('.jp-InputArea-editor') || code.closest('pre');
    const button = box.querySelector('.md-code__button, .zeroclipboard-container');
    if (!button || !button.getClientRects().length) continue;
    blocks += 1;
    for (let el = code; el && el !== box.parentElement; el = el.parentElement) {
      el.scrollLeft = el.scrollWidth;
    }
    const b = button.getBoundingClientRect();
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      if (!t.textContent.trim()) continue;
      range.selectNodeContents(t);
      const under = [...range.getClientRects()].some(r => r.width > 0 && r.right > b.left + 1
        && r.left < b.right && r.bottom > b.top + 1 && r.top < b.bottom - 1);
      if (under) { covered.push(code.textContent.split('\\n')[0].slice(0, 60)); break; }
    }
  }
  return {blocks, covered};
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_the_copy_button_never_covers_the_end_of_a_line_of_code(visit, width):
    blocks = 0
    for path in ["", "lessons/day07-bert/", "lessons/production/", "notebooks/cola/"]:
        page = visit.open(path)
        page.set_viewport_size({"width": width, "height": 800})
        page.wait_for_timeout(100)
        found = page.evaluate(_COVERED)
        assert found["covered"] == [], f"{path} at {width} px: {found['covered']}"
        blocks += found["blocks"]
    assert blocks > 30


def test_mermaid_diagrams_fit_the_desktop_column_or_say_they_scroll(visit):
    fitted = 0
    for path in [*LESSONS, "lessons/beyond-bert/"]:
        page = visit.open(path)
        fences = page.request.get(visit.base + path).text().count('<pre class="mermaid">')
        if not fences:
            continue
        page.wait_for_function(
            "n => [...document.querySelectorAll('div.mermaid')]"
            ".filter(d => d.shadowRoot && d.shadowRoot.querySelector('svg')).length >= n",
            arg=fences,
        )
        page.wait_for_timeout(200)
        boxes = page.evaluate(
            """() => [...document.querySelectorAll('div.mermaid')].map(d => ({
              column: d.clientWidth,
              svg: d.shadowRoot.querySelector('svg').getBoundingClientRect().width,
              scroll: d.dataset.scroll || '',
              hint: getComputedStyle(d, '::after').content,
            }))"""
        )
        for box in boxes:
            if box["svg"] <= box["column"] + 1:
                fitted += 1
            else:  # too wide to shrink readably: it scrolls, and says so in words
                assert box["scroll"] == "right" and "Scroll sideways" in box["hint"], (path, box)
        if path in ("lessons/day07-bert/", "lessons/day47-bert-architecture/"):
            # The two the review found cut off (736 and 780 px in 688) now fit.
            assert all(b["svg"] <= b["column"] + 1 for b in boxes), (path, boxes)
    assert fitted >= 6


def test_the_self_attention_heat_map_opens_at_full_size(visit):
    page = visit.open("lessons/self-attention/")
    page.set_viewport_size(PHONE)
    link = page.locator("article a:has(img[src$='attention-weights.png'])")
    assert link.count() == 1 and link.get_attribute("href").endswith("attention-weights.png")
    image = link.locator("img")
    image.scroll_into_view_if_needed()
    shown, natural = image.evaluate("i => [i.getBoundingClientRect().width, i.naturalWidth]")
    assert shown < natural / 3  # a phone shows 1,536 px in a few hundred...
    link.click()
    page.wait_for_url(re.compile(r"attention-weights\.png$"))
    assert page.evaluate("document.images[0].naturalWidth") == natural  # ...the link, all


# --------------------------------------------------------------------------- quiz


def _card(page: object, qtype: str) -> object:
    card = page.locator(f'div.quiz[data-quiz-type="{qtype}"]').first
    card.scroll_into_view_if_needed()
    return card


def test_quiz_answers_get_right_or_wrong_feedback(visit):
    page = visit.open("quiz/easy/")
    page.locator("div.quiz").first.wait_for()

    # A right answer to a one-answer question.
    card = _card(page, "single_choice")
    feedback = card.locator(".quiz__feedback")
    assert feedback.is_hidden() and card.locator(".quiz__solution").is_hidden()
    card.locator('.quiz__choice[data-correct="true"] label').click()
    assert feedback.is_visible()
    assert feedback.inner_text().startswith("Correct!")
    assert card.locator(".quiz__solution").is_visible()
    assert card.locator(".quiz__why").first.is_visible()

    # A wrong answer to the next one names the right letter.
    card = page.locator('div.quiz[data-quiz-type="single_choice"]').nth(1)
    card.scroll_into_view_if_needed()
    choices = card.locator(".quiz__choice")
    flags = [choices.nth(i).get_attribute("data-correct") for i in range(choices.count())]
    wrong, right = flags.index("false"), flags.index("true")
    choices.nth(wrong).locator("label").click()
    text = card.locator(".quiz__feedback").inner_text()
    assert text.startswith("Not quite.")
    assert f"is {chr(65 + right)}." in text
    assert card.get_attribute("data-result") == "wrong"
    assert "quiz__choice--wrong" in (choices.nth(wrong).get_attribute("class") or "")

    score = page.locator("[data-quiz-score]")
    assert re.search(r"Answered 2 of \d+ · 1 of 2 checked answers right", score.inner_text())
    _screenshot(page, "quiz-easy.png")


def test_quiz_right_positions_vary_over_the_page(visit):
    for level in ("easy", "medium"):
        page = visit.open(f"quiz/{level}/")
        page.locator("div.quiz").first.wait_for()
        positions = page.evaluate(
            """() => [...document.querySelectorAll('div.quiz[data-quiz-type=single_choice]')]
              .map(q => [...q.querySelectorAll('.quiz__choice')]
                .findIndex(c => c.dataset.correct === 'true'))"""
        )
        assert len(positions) >= 8, level
        counts = [positions.count(i) for i in range(4)]
        # Every letter is right somewhere, and none is right much more often than its share.
        assert min(counts) >= 1 and max(counts) <= len(positions) / 4 + 2, (level, counts)
        assert positions[:4] != [positions[0]] * 4  # not a run of one letter either


def test_quiz_scores_the_first_answer_not_the_retry(visit):
    page = visit.open("quiz/easy/")
    card = _card(page, "single_choice")
    choices = card.locator(".quiz__choice")
    flags = [choices.nth(i).get_attribute("data-correct") for i in range(choices.count())]
    choices.nth(flags.index("false")).locator("label").click()
    assert card.locator(".quiz__feedback").inner_text().startswith("Not quite.")
    # The answer is on screen now; picking it is no longer worth a point.
    choices.nth(flags.index("true")).locator("label").click()
    feedback = card.locator(".quiz__feedback").inner_text()
    assert feedback.startswith("Correct!") and "first answer (wrong)" in feedback
    assert card.get_attribute("data-result") == "wrong"
    score = page.locator("[data-quiz-score]").inner_text()
    assert re.search(r"Answered 1 of \d+ · 0 of 1 checked answers right", score), score

    # The same for several answers: a first incomplete check stays the scored one.
    card = _card(page, "multiple_choice")
    right = card.locator('.quiz__choice[data-correct="true"] input')
    right.first.check()
    card.get_by_role("button", name="Check").click()
    for box in right.all():
        box.check()
    card.get_by_role("button", name="Check").click()
    assert card.get_attribute("data-result") == "wrong"
    score = page.locator("[data-quiz-score]").inner_text()
    assert re.search(r"Answered 2 of \d+ · 0 of 2 checked answers right", score), score


def test_true_false_feedback_names_the_answer_in_words(visit):
    seen = set()
    for level in ("easy", "medium"):
        page = visit.open(f"quiz/{level}/")
        page.locator("div.quiz").first.wait_for()
        cards = page.locator('div.quiz[data-quiz-type="true_false"]')
        for i in range(cards.count()):
            if len(seen) == 2 and i >= 2:
                break  # both answers met on this page: enough
            card = cards.nth(i)
            card.scroll_into_view_if_needed()
            options = card.locator(".quiz__choice")
            assert options.all_inner_texts() == ["True", "False"]
            assert card.locator(".quiz__letter").count() == 0
            answer = "True" if options.nth(0).get_attribute("data-correct") == "true" else "False"
            wrong = 1 if answer == "True" else 0
            options.nth(wrong).locator("label").click()
            text = card.locator(".quiz__feedback").inner_text()
            assert text.startswith("Not quite.") and f"The answer is {answer}." in text, text
            assert not re.search(r"\b[AB]\b|option", text), text
            seen.add(answer)
            if len(seen) == 2 and level == "easy":
                card.scroll_into_view_if_needed()
                _screenshot(page, "quiz-true-false.png")
    assert seen == {"True", "False"}, "the pages should have true and false statements"


def test_quiz_multiple_numeric_and_free_text_cards(visit):
    found = set()
    for level in ("easy", "medium"):
        page = visit.open(f"quiz/{level}/")
        page.locator("div.quiz").first.wait_for()

        if (
            "multiple_choice" not in found
            and page.locator('[data-quiz-type="multiple_choice"]').count()
        ):
            card = _card(page, "multiple_choice")
            card.locator('.quiz__choice[data-correct="true"] input').first.check()
            card.get_by_role("button", name="Check").click()
            # One right option out of several is not the whole answer.
            assert card.locator(".quiz__feedback").inner_text().startswith("Not quite.")
            for box in card.locator('.quiz__choice[data-correct="true"] input').all():
                box.check()
            card.get_by_role("button", name="Check").click()
            assert card.locator(".quiz__feedback").inner_text().startswith("Correct!")
            assert card.locator(".quiz__why").first.is_visible()
            found.add("multiple_choice")

        if "numeric" not in found and page.locator('[data-quiz-type="numeric"]').count():
            card = _card(page, "numeric")
            field = card.locator("input.quiz__number")
            answer = float(field.get_attribute("data-answer"))
            tolerance = float(field.get_attribute("data-tolerance"))
            field.fill(repr(answer + 3 * tolerance + 1))
            field.press("Enter")
            assert card.locator(".quiz__feedback").inner_text().startswith("Not quite.")
            field.fill(repr(answer + tolerance / 2).replace(".", ","))  # a decimal comma
            card.get_by_role("button", name="Check").click()
            assert card.locator(".quiz__feedback").inner_text().startswith("Correct!")
            found.add("numeric")

        if "free_text" not in found and page.locator('[data-quiz-type="free_text"]').count():
            card = _card(page, "free_text")
            assert card.locator(".quiz__model-answer").is_hidden()
            card.get_by_role("button", name="Show model answer").click()
            assert card.locator(".quiz__model-answer").is_visible()
            assert card.locator(".quiz__model-answer li").count() >= 1
            found.add("free_text")
    assert found == {"multiple_choice", "numeric", "free_text"}


# --------------------------------------------------------------------------- the home page


def test_home_page_renders_offline_and_links_the_path(visit):
    page = visit.open("")
    heading = page.locator("article h1").first
    assert heading.is_visible() and heading.inner_text().startswith("bert-tutor")
    for command in ("tutor run day7", "tutor quiz medium", "tutor progress"):
        assert page.locator("code", has_text=command).first.is_visible()
    _screenshot(page, "home.png")
    # The palette toggle switches between the light and the dark scheme.
    before = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
    page.locator("form[data-md-component='palette'] label:visible").first.click()
    after = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
    assert {before, after} == {"default", "slate"}


# --------------------------------------------------------------------------- search


_QUERY_SHOWN = """words => [...document.querySelectorAll('.md-search-result__item mark')]
  .some(m => words.some(w => m.textContent.toLowerCase().startsWith(w)))"""


def _search(page: object, query: str) -> object:
    """Types ``query`` into the search box; returns the result items once they are its own.

    Material reads the box on keyup (and just after focus), and Playwright's fill() sends
    no key: a filled query was seen only when it beat the focus handler, and a second one
    never (the old checks read the first query's results). So a key follows the text, and
    the query is typed again until the results highlight its words (the worker may still
    be building its index)."""
    field = page.locator("input[data-md-component=search-query]")
    field.click()
    for _ in range(12):
        field.fill(query)
        field.press("End")
        try:
            page.wait_for_function(_QUERY_SHOWN, arg=query.lower().split(), timeout=10_000)
            return page.locator(".md-search-result__item")
        except sync_api.TimeoutError:
            continue
    raise AssertionError(f"no search results for {query!r}")


def test_search_results_read_as_text(visit):
    page = visit.open("lessons/day07-bert/")
    results = _search(page, "matthews correlation coefficient")
    joined = "\n".join(results.all_inner_texts())
    for raw in ("\\(", "\\[", "\\frac", "\\text", "$$"):
        assert raw not in joined, f"raw TeX {raw!r} in the search results"
    assert "MCC = " in joined and "√" in joined  # the formula, as text
    _screenshot(page, "search-results.png")
    # The notebooks' common action bar is not what a search finds first.
    first = _search(page, "notebook").first.inner_text()
    assert "Run it yourself" not in first and "Download the notebook" not in first, first
    # A search for a topic finds its lesson before the quiz cards, and a quiz result reads
    # as a question, not an id or a "Revise: ..." line.
    results = _search(page, "masked language model")
    links = results.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert "/lessons/" in links[0] and "/quiz/" not in links[0], links[:3]
    assert "Revise:" not in "\n".join(results.all_inner_texts())


# --------------------------------------------------------------------------- new lessons


@pytest.mark.parametrize("name", NEW_LESSONS)
def test_new_lessons_render(visit, name):
    if not (REPO_ROOT / "docs" / "lessons" / f"{name}.md").is_file():
        pytest.skip(f"lessons/{name}.md is not written yet")
    path = f"lessons/{name}/"
    page = visit.open(path)
    formulas = page.locator(".arithmatex").count()
    if formulas:
        page.wait_for_function(
            "n => document.querySelectorAll('.arithmatex .katex').length >= n", arg=formulas
        )
        assert page.locator(".arithmatex .katex-error").count() == 0, path
        _assert_no_formula_clipped(page, path)
    images = page.locator("article img")
    for i in range(images.count()):
        images.nth(i).scroll_into_view_if_needed()
    loaded = images.evaluate_all("imgs => imgs.map(i => [i.src, i.complete && i.naturalWidth > 0])")
    assert all(ok for _, ok in loaded), f"{path}: figures not loaded: {loaded}"
    fences = page.request.get(visit.base + path).text().count('<pre class="mermaid">')
    if fences:
        page.wait_for_function(
            "n => [...document.querySelectorAll('div.mermaid')]"
            ".filter(d => d.shadowRoot && d.shadowRoot.querySelector('svg')).length >= n",
            arg=fences,
        )
    assert page.locator("article h1").first.is_visible()
    _screenshot(page, f"lesson-{name}.png")
