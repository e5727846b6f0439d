"""The course site: `mkdocs build --strict`, then checks on the built HTML.

One strict build of the real site per test session (shared with test_site_browser.py
through :func:`built_site_dir`) and one of a hostile question bank. The quiz rendering
itself is also tested directly, without a build.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent  # as in conftest.py
# The build tests are slow (a strict build or two); the hook's unit tests at the end are not.
slow = pytest.mark.slow
# The site build fetches the pinned Mermaid from the npm registry the first time in a clone
# (then it is kept in docs/assets/vendor/). Offline: -m "not network".
pytestmark = pytest.mark.network

HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_IMG = '<img src=x onerror="alert(2)">'


# --------------------------------------------------------------------------- building


def build_site(
    dest: Path, questions_dir: Path | None = None, config_file: Path = REPO_ROOT / "mkdocs.yml"
) -> Path:
    """`mkdocs build --strict` of the repository's site into ``dest``; returns ``dest``.

    The build's log (INFO and up) is kept beside it, in ``build.log``."""
    env = {k: v for k, v in os.environ.items() if k != "TUTOR_QUESTIONS_DIR"}
    env["NO_MKDOCS_2_WARNING"] = "1"  # Material's banner, not a build warning
    env["TUTOR_HOME"] = str(dest.parent / "tutor-home")
    if questions_dir is not None:
        env["TUTOR_QUESTIONS_DIR"] = str(questions_dir)
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "mkdocs", "build", "--strict"),
            *("--config-file", str(config_file), "--site-dir", str(dest)),
        ],
        cwd=dest.parent,  # anything the build writes relative to the cwd lands in tmp
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    (dest.parent / "build.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    return dest


def built_site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site, built once per session however many modules ask for it."""
    root = tmp_path_factory.getbasetemp() / "site-build"
    site = root / "site"
    done = root / "built.ok"
    if not done.exists():
        root.mkdir(exist_ok=True)
        build_site(site)
        done.write_text("ok", encoding="utf-8")
    return site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_site_dir(tmp_path_factory)


@pytest.fixture(scope="module")
def bank():
    from tutor.question_bank import load_bank

    saved = os.environ.pop("TUTOR_QUESTIONS_DIR", None)
    try:
        return load_bank()
    finally:
        if saved is not None:
            os.environ["TUTOR_QUESTIONS_DIR"] = saved


# --------------------------------------------------------------------------- HTML helpers


class Page(HTMLParser):
    """Everything the checks need from one HTML file, in one pass."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if attributes.get("id"):
            self.ids.add(attributes["id"] or "")
        self._in_script = tag == "script" and "src" not in attributes

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline_scripts.append(data)

    def find(self, tag: str, cls: str | None = None) -> list[dict[str, str | None]]:
        """Attributes of every ``tag`` element (having CSS class ``cls``, if given)."""
        return [
            a
            for t, a in self.elements
            if t == tag and (cls is None or cls in (a.get("class") or "").split())
        ]


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def page_file(site: Path, src: str) -> Path:
    """The built file of docs source ``src`` (use_directory_urls: x.md -> x/index.html)."""
    stem = src.removesuffix(".md").removesuffix(".ipynb")
    return site / ("index.html" if stem == "index" else f"{stem}/index.html")


def visible_text(raw_html: str) -> str:
    no_code = re.sub(r"<(script|style)\b.*?</\1>", " ", raw_html, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", no_code)).split())


# --------------------------------------------------------------------------- the real site


@slow
def test_every_lesson_link_of_the_bank_resolves_to_a_built_page_and_anchor(site, bank):
    assert len(bank) > 0
    checked: dict[str, Page] = {}
    for q in bank:
        page, _, anchor = q.lesson.partition("#")
        built = page_file(site, page)
        assert built.is_file(), f"{q.id}: lesson page {page} was not built"
        parsed = checked.setdefault(page, parse(built))
        assert anchor in parsed.ids, f"{q.id}: {page} has no anchor #{anchor}"


@slow
def test_lessons_have_the_anchors_the_course_promises(site):
    from tutor import course

    promised = {lesson.page: lesson.anchors for lesson in course.load().lessons}
    for page, anchors in promised.items():
        ids = parse(page_file(site, page)).ids
        missing = [a for a in anchors if a not in ids]
        assert not missing, f"{page} lacks {missing}"


@slow
def test_quiz_pages_hold_every_question_of_their_level_once(site, bank):
    for level in ("easy", "medium"):
        page = parse(page_file(site, f"quiz/{level}.md"))
        cards = page.find("div", "quiz")
        expected = [q for q in bank if q.level == level]
        assert sorted(c["id"] or "" for c in cards) == sorted(q.id for q in expected)
        types = {c["id"]: c["data-quiz-type"] for c in cards}
        assert all(types[q.id] == q.type for q in expected)
        title = re.search(r"<h1[^>]*>(.*?)<", page_file(site, f"quiz/{level}.md").read_text())
        assert title and title.group(1) == f"{level.title()} interview questions"


@slow
def test_quiz_cards_carry_the_answer_key_of_the_bank(site, bank):
    from tutor.site.quiz_page import block_html, inline_html

    raw = {
        lv: page_file(site, f"quiz/{lv}.md").read_text(encoding="utf-8")
        for lv in ("easy", "medium")
    }
    for q in bank:
        card = re.search(
            rf'<div class="quiz" id="{re.escape(q.id)}".*?(?=<div class="quiz" |\Z)',
            raw[q.level],
            re.S,
        )
        assert card, q.id
        body = card.group(0)
        flags = re.findall(r'class="quiz__choice" data-correct="(true|false)"', body)
        texts = re.findall(r'<span class="quiz__choice-text">(.*?)</span></label>', body)
        if q.type in ("single_choice", "multiple_choice"):
            # Shown in a shuffled order: the flags must travel with their texts.
            shown = sorted(zip(texts, flags, strict=True))
            expected = [
                (inline_html(c.text), "true" if i in q.correct_indices else "false")
                for i, c in enumerate(q.choices)
            ]
            assert shown == sorted(expected), q.id
        elif q.type == "true_false":
            assert texts == ["True", "False"]
            assert flags == (["true", "false"] if q.answer else ["false", "true"])
        elif q.type == "numeric":
            assert f'data-answer="{float(q.answer)!r}"' in body
            assert f'data-tolerance="{float(q.tolerance)!r}"' in body
        else:
            assert 'class="md-button quiz__reveal"' in body
            assert all(f"<li>{inline_html(p)}</li>" in body for p in q.key_points)
        assert block_html(q.prompt) in body


def _correct_positions(raw: str, qtype: str) -> list[tuple[int, ...]]:
    """For each card of ``qtype`` in a built quiz page: the positions of its right options."""
    cards = re.findall(
        rf'<div class="quiz" id="[^"]+" data-quiz-type="{qtype}">.*?</form>', raw, re.S
    )
    positions = []
    for card in cards:
        flags = re.findall(r'class="quiz__choice" data-correct="(true|false)"', card)
        positions.append(tuple(i for i, f in enumerate(flags) if f == "true"))
    return positions


@slow
def test_the_position_of_the_right_option_gives_nothing_away(site, bank):
    for level in ("easy", "medium"):
        raw = page_file(site, f"quiz/{level}.md").read_text(encoding="utf-8")
        single = [p[0] for p in _correct_positions(raw, "single_choice")]
        assert len(single) == sum(q.level == level and q.type == "single_choice" for q in bank)
        # Each position is right about equally often, over the questions of each size.
        sizes = {
            q.id: len(q.choices) for q in bank if q.level == level and q.type == "single_choice"
        }
        for size in set(sizes.values()):
            cards = re.findall(
                r'<div class="quiz" id="([^"]+)" data-quiz-type="single_choice">', raw
            )
            counts = [0] * size
            for qid, pos in zip(cards, single, strict=True):
                if sizes[qid] == size:
                    counts[pos] += 1
            assert max(counts) - min(counts) <= 1, (level, size, counts)
        multiple = _correct_positions(raw, "multiple_choice")
        if len(multiple) >= 4:
            firsts = sum(p == tuple(range(len(p))) for p in multiple)
            assert firsts <= len(multiple) // 2, f"{level}: right options first in {firsts}"


@slow
def test_quiz_cards_link_to_their_lesson_section(site, bank):
    for level in ("easy", "medium"):
        built = page_file(site, f"quiz/{level}.md")
        links = {
            a["href"]
            for a in parse(built).find("a")
            if (a.get("href") or "").startswith("../../lessons/")
        }
        for q in (q for q in bank if q.level == level):
            page, _, anchor = q.lesson.partition("#")
            assert f"../../{page.removesuffix('.md')}/#{anchor}" in links, q.id


@slow
def test_search_finds_quiz_prompts_but_not_their_answers(site, bank):
    docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    for level in ("easy", "medium"):
        entries = [d for d in docs if d["location"].startswith(f"quiz/{level}/")]
        indexed = _words(" ".join(html.unescape(d["title"] + " " + d["text"]) for d in entries))
        for q in (q for q in bank if q.level == level):
            assert _words(q.prompt) in indexed, q.id
            hidden = [q.explanation, *(c.why for c in getattr(q, "choices", []))]
            if q.type == "free_text":
                hidden += [q.model_answer, *q.key_points]
            for text in hidden:
                if len(_words(text).split()) < 4:
                    continue  # "That is." is in many a prompt: too short to tell a leak
                assert _words(text) not in indexed, f"{q.id}: answer text is searchable"


def test_generated_quiz_pages_are_not_committed():
    # One source of truth: the YAML. A committed page would also be refused by the hook.
    assert not (REPO_ROOT / "docs" / "quiz" / "easy.md").exists()
    assert not (REPO_ROOT / "docs" / "quiz" / "medium.md").exists()


def _is_external(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme in ("http", "https") or url.strip().startswith("//")


@slow
def test_no_page_loads_anything_from_another_host(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 12
    loads = {
        "script": "src",
        "img": "src",
        "iframe": "src",
        "source": "src",
        "audio": "src",
        "video": "src",
        "embed": "src",
        "object": "data",
    }
    for path in pages:
        page = parse(path)
        for tag, attrs in page.elements:
            urls = []
            if tag in loads:
                urls.append(attrs.get(loads[tag]) or "")
            if tag == "link" and (attrs.get("rel") or "") not in ("canonical", "alternate"):
                urls.append(attrs.get("href") or "")
            bad = [u for u in urls if _is_external(u)]
            assert not bad, f"{path.relative_to(site)}: <{tag}> loads {bad}"
        for script in page.inline_scripts:
            assert not re.search(r"""import\s*\(\s*["']https?://""", script), path
            assert not re.search(r"""\bsrc\s*=\s*["']https?://""", script), path
    for css in site.rglob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text(encoding="utf-8")):
            assert not _is_external(url), f"{css.relative_to(site)} loads {url}"
        assert "@import url(http" not in css.read_text(encoding="utf-8")


@slow
def test_math_and_diagram_renderers_are_bundled_and_referenced(site):
    lesson = page_file(site, "lessons/day07-bert.md")
    page = parse(lesson)
    scripts = [a["src"] or "" for a in page.find("script") if a.get("src")]
    assert any(s.endswith("assets/vendor/katex/katex.min.js") for s in scripts)
    assert (site / "assets/vendor/katex/katex.min.js").stat().st_size > 100_000
    assert page.find("span", "arithmatex") and page.find("div", "arithmatex")
    # Mermaid is loaded only where a page has a diagram, and from the site itself.
    for src in ("lessons/day47-bert-architecture.md", "index.md"):
        parsed = parse(page_file(site, src))
        has_diagram = bool(parsed.find("pre", "mermaid"))
        loads_mermaid = any(
            (a.get("src") or "").endswith("assets/vendor/mermaid/mermaid.tiny.js")
            for a in parsed.find("script")
        )
        assert loads_mermaid == has_diagram, src
    assert (site / "assets/vendor/mermaid/mermaid.tiny.js").stat().st_size > 1_000_000


def _notebooks() -> list[Path]:
    return sorted((REPO_ROOT / "docs" / "notebooks").glob("*.ipynb"))


def _phrases_of(sources: list[str]) -> list[str]:
    """Runs of five plain words (no markup between them) from these cell sources."""
    phrases = []
    for source in sources:
        for line in source.splitlines():
            run: list[str] = []
            for token in [*line.split(), "<end>"]:
                if re.fullmatch(r"[A-Za-z]{2,}[,.;:]?", token):
                    run.append(token.rstrip(",.;:").lower())
                    continue
                if len(run) >= 5:
                    phrases.append(" ".join(run[:5]))
                run = []
    return phrases


def _words(text: str) -> str:
    return " ".join(re.findall(r"[A-Za-z]{2,}", text)).lower()


def _cells(notebook: Path, kind: str) -> list[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == kind]


@slow
def test_notebook_pages_show_the_notebook_with_one_action_bar(site):
    notebooks = _notebooks()
    assert notebooks, "docs/notebooks/ holds no notebook"
    for nb in notebooks:
        built = page_file(site, f"notebooks/{nb.name}")
        assert built.is_file(), nb.name
        assert (built.parent / nb.name).read_bytes() == nb.read_bytes()  # the download
        raw = built.read_text(encoding="utf-8")
        page = parse(built)
        hrefs = [a.get("href") or "" for a in page.find("a")]
        # One way to get the notebook, the page's own copy; no second line of links to a
        # repository's copy, and no Colab link into a repository that may not be there.
        assert hrefs.count(nb.name) == 1
        assert not [h for h in hrefs if h.endswith(f"/{nb.name}")], nb.name
        assert "colab.research.google.com/github" not in raw
        # The table of contents leads to the headings (mkdocs-jupyter's own ids do not).
        toc = [h[1:] for h in hrefs if h.startswith("#") and len(h) > 1]
        assert toc and not [h for h in toc if h not in page.ids], nb.name
        # Each code cell's input is one highlighted block, and its first line is on the page.
        code = _cells(nb, "code")
        assert len(page.find("div", "highlight-ipynb")) == len(code)
        text = visible_text(raw)
        assert all(" ".join(src.splitlines()[0].split()) in text for src in code if src.strip())


@slow
def test_notebook_pages_share_one_stylesheet_instead_of_inlining_it(site):
    sheets = set()
    for nb in _notebooks():
        built = page_file(site, f"notebooks/{nb.name}")
        raw = built.read_text(encoding="utf-8")
        inline = sum(len(m) for m in re.findall(r"<style\b[^>]*>(.*?)</style>", raw, re.S))
        assert inline < 20_000, f"{nb.name}: {inline} bytes of inline CSS"
        links = [
            a["href"]
            for a in parse(built).find("link")
            if "notebook-" in (a.get("href") or "") and a.get("rel") == "stylesheet"
        ]
        assert len(links) == 1, nb.name
        sheets.add((built.parent / (links[0] or "")).resolve())
    assert len(sheets) == 1  # the same file for every notebook page
    css = next(iter(sheets)).read_text(encoding="utf-8")
    assert ".jupyter-wrapper" in css and ".highlight-ipynb" in css and len(css) > 100_000
    assert "['" not in css[:200]  # mkdocs-jupyter's list repr is not CSS


def _search_docs(site: Path) -> list[dict]:
    return json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]


@slow
def test_notebook_prose_is_searchable_but_not_its_code_or_action_bar(site):
    docs = _search_docs(site)
    for nb in _notebooks():
        url = f"notebooks/{nb.stem}/"
        entries = [d for d in docs if d["location"].startswith(url)]
        assert entries, f"{url} is missing from the search index"
        indexed = _words(" ".join(html.unescape(d["title"] + " " + d["text"]) for d in entries))
        page_words = _words(visible_text(page_file(site, f"notebooks/{nb.name}").read_text()))
        prose = [p for p in _phrases_of(_cells(nb, "markdown")) if p in page_words]
        code = [p for p in _phrases_of(_cells(nb, "code")) if p in page_words]
        assert prose and any(p in indexed for p in prose), nb.name
        leaked = [p for p in code if p in indexed and not any(p in q for q in prose)]
        assert not leaked, f"{nb.name}: code in the search index: {leaked[:3]}"
        assert "download the notebook" not in indexed
        # Headings are section titles, without Jupyter's pilcrow.
        assert all("¶" not in d["title"] for d in entries)


# --------------------------------------------------------------------------- search index

_RAW_TEX = re.compile(r"\\[A-Za-z]+|\\[()\[\]]|\$\$|(?<![\w$])\$[^$\s][^$\n]*\$")


def _outside_code(text: str) -> str:
    return re.sub(r"<pre>.*?</pre>|<code>.*?</code>", " ", text, flags=re.S)


@slow
def test_the_search_index_holds_no_raw_latex(site):
    docs = _search_docs(site)
    raw = [
        (d["location"], m.group(0))
        for d in docs
        for m in [_RAW_TEX.search(_outside_code(d["title"] + " " + d["text"]))]
        if m
    ]
    assert not raw, f"raw LaTeX in the search index: {raw[:5]}"
    # ...yet the formulas are there, as text: the MCC is a fraction over a square root.
    mcc = [d["text"] for d in docs if d["location"] == "lessons/cola-walkthrough/#mcc"]
    assert mcc and "MCC = " in mcc[0] and "√" in mcc[0]


@slow
def test_quiz_cards_give_search_their_questions_not_ids_or_furniture(site, bank):
    from tutor.questions import QUESTION_MODELS
    from tutor.site.quiz_page import block_html

    for level in ("easy", "medium"):
        text = " ".join(d["text"] for d in _search_docs(site) if f"quiz/{level}/" in d["location"])
        assert not re.search(r"\bQ\d+", text), "question numbers are card furniture"
        labels = "|".join(re.escape(m.type_label) for m in QUESTION_MODELS.values())
        run = re.search(rf"(?:{labels})(?=[A-Z])", text)
        assert not run, f"a type label run into the next word: {text[run.start() - 40 :][:80]}"
        assert not re.search(r"<li>[A-E][A-Z0-9]", text), "option letter run into its text"
        for furniture in ("Your answer", "Check<", "Show model answer", "Tick every answer"):
            assert furniture not in text, furniture
        # The question and its options are what a search finds; the id and the "Revise: ..."
        # line are not (the lesson itself is indexed on its own page).
        assert "Revise:" not in text
        questions = [q for q in bank if q.level == level]
        assert not [q.id for q in questions if f"<code>{q.id}</code>" in text]
        # (The indexer writes quotes as themselves; the cards escape them.)
        missing = [
            q.id
            for q in questions
            if html.unescape(block_html(q.prompt)) not in html.unescape(text)
        ]
        assert missing == [], "questions not indexed"


@slow
def test_lessons_rank_above_the_quiz_pages_in_search(site):
    boosts = {d["location"]: d.get("boost", 1) for d in _search_docs(site)}
    quiz = {loc: b for loc, b in boosts.items() if loc.startswith("quiz/") and "/" in loc[5:]}
    assert quiz and all(b < 1 for b in quiz.values())
    assert all(b == 1 for loc, b in boosts.items() if loc.startswith("lessons/"))


@slow
def test_the_build_logs_no_false_notebook_messages(site):
    log = (site.parent / "build.log").read_text(encoding="utf-8")
    assert "Documentation built" in log
    assert not re.search(r"links to \S*https?:", log), log
    assert "WARNING" not in log


# --------------------------------------------------------------------------- hostile YAML


def _hostile_bank(directory: Path) -> Path:
    bad = f"{HOSTILE_SCRIPT} {HOSTILE_IMG} & \"quotes\" 'single'"
    common = {"explanation": f"Explained {bad}", "lesson": "lessons/day07-bert.md#softmax"}
    questions = [
        {
            "id": "hostile-single",
            "level": "easy",
            "topics": ["softmax"],
            "type": "single_choice",
            "prompt": f"Prompt {bad}",
            "choices": [
                {"text": f"Choice {bad}", "why": f"Why {bad}"},
                {"text": "Plain", "why": "Plain why"},
            ],
            "answer": 0,
            "source": f"Source {bad}",
            **common,
        },
        {
            "id": "hostile-numeric",
            "level": "medium",
            "topics": ["cross-entropy"],
            "type": "numeric",
            "prompt": f"Number {bad}",
            "answer": 0.417,
            "tolerance": 0.005,
            "unit": f"nats {HOSTILE_IMG}",
            **common,
        },
        {
            "id": "hostile-free",
            "level": "medium",
            "topics": ["mlm"],
            "type": "free_text",
            "prompt": f"Explain {bad}",
            "model_answer": f"Model {bad}",
            "key_points": [f"Point {bad}"],
            **common,
        },
    ]
    directory.mkdir()
    path = directory / "hostile.yaml"
    path.write_text(yaml.safe_dump({"format_version": 1, "questions": questions}), encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    return build_site(root / "site", questions_dir=_hostile_bank(root / "questions"))


@slow
def test_hostile_yaml_text_is_escaped_in_the_built_quiz_pages(hostile_site):
    for level, ids in (
        ("easy", ["hostile-single"]),
        ("medium", ["hostile-numeric", "hostile-free"]),
    ):
        built = page_file(hostile_site, f"quiz/{level}.md")
        raw = built.read_text(encoding="utf-8")
        page = parse(built)
        assert sorted(c["id"] or "" for c in page.find("div", "quiz")) == sorted(ids)
        # Not one executable trace: no script with that body, no element with an onerror.
        assert HOSTILE_SCRIPT not in raw
        assert not any("onerror" in attrs for _, attrs in page.elements)
        assert not any(tag == "img" and attrs.get("src") == "x" for tag, attrs in page.elements)
        assert not any("alert(1)" in s for s in page.inline_scripts)
        # ...and the text is still there, shown as text.
        assert html.escape(HOSTILE_SCRIPT) in raw
        assert html.escape(HOSTILE_IMG) in raw
        text = visible_text(raw)
        assert HOSTILE_SCRIPT in text and HOSTILE_IMG in text


@slow
def test_hostile_fields_each_reach_the_page_escaped(hostile_site):
    raw = page_file(hostile_site, "quiz/easy.md").read_text(encoding="utf-8")
    for field in ("Prompt", "Choice", "Why", "Explained", "Source"):
        assert f"{field} {html.escape(HOSTILE_SCRIPT)}" in raw, field
    raw = page_file(hostile_site, "quiz/medium.md").read_text(encoding="utf-8")
    for field in ("Number", "Explain", "Model", "Point", "nats"):
        assert f"{field} " + html.escape(HOSTILE_SCRIPT if field != "nats" else HOSTILE_IMG) in raw


@slow
def test_an_invalid_bank_stops_the_build_with_the_loader_message(tmp_path):
    bank = tmp_path / "questions"
    bank.mkdir()
    question = {
        "id": "Not A Slug",
        "level": "easy",
        "topics": ["softmax"],
        "type": "true_false",
        "prompt": "p",
        "answer": True,
        "explanation": "e",
        "lesson": "lessons/day07-bert.md#softmax",
    }
    (bank / "broken.yaml").write_text(
        yaml.safe_dump({"format_version": 1, "questions": [question]}, sort_keys=False),
        encoding="utf-8",
    )
    with pytest.raises(AssertionError) as failed:
        build_site(tmp_path / "site", questions_dir=bank)
    message = str(failed.value)
    assert "The question bank cannot be loaded" in message
    assert "broken.yaml:3" in message and "'Not A Slug' is not a slug" in message


@slow
def test_a_broken_link_in_a_notebook_fails_the_strict_build(tmp_path):
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(REPO_ROOT / "docs", root / "docs")
    hooks = REPO_ROOT / "tutor" / "site" / "hooks.py"
    config = (REPO_ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "  - tutor/site/hooks.py\n" in config
    config = config.replace("  - tutor/site/hooks.py\n", f"  - {hooks}\n")
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    path = root / "docs" / "notebooks" / "mlm-softmax.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    links = "[gone](../lessons/no-such-lesson.md) · [lost](../lessons/day07-bert.md#nowhere)"
    cell = {"cell_type": "markdown", "id": "broken", "metadata": {}, "source": [links]}
    notebook["cells"].insert(1, cell)
    path.write_text(json.dumps(notebook), encoding="utf-8")
    with pytest.raises(AssertionError) as failed:
        build_site(root / "site", config_file=root / "mkdocs.yml")
    message = str(failed.value)
    assert "Aborted with 2 warnings in strict mode" in message
    assert (
        "notebooks/mlm-softmax.ipynb: link '../lessons/no-such-lesson.md': "
        "lessons/no-such-lesson.md is not a file of the site"
    ) in message
    assert "link '../lessons/day07-bert.md#nowhere': no anchor #nowhere on lessons/day07-bert/" in (
        message
    )


@slow
def test_notebook_text_links_lead_to_built_pages_and_anchors(site):
    checked = 0
    for notebook in _notebooks():
        path = page_file(site, f"notebooks/{notebook.name}")
        for attrs in parse(path).find("a"):
            href = attrs.get("href") or ""
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path or "download" in attrs:
                continue  # a web address, an anchor on this page, the notebook's own file
            assert not parts.path.endswith((".md", ".ipynb")), (
                f"{notebook.name}: {href} names a source file, a 404 on the site"
            )
            target = (path.parent / parts.path).resolve()
            target = target / "index.html" if target.is_dir() else target
            assert target.is_file(), f"{notebook.name}: {href}"
            if parts.fragment:
                assert parts.fragment in parse(target).ids, f"{notebook.name}: {href}"
            checked += 1
    assert checked > 10


# --------------------------------------------------------------------------- the hook, unit


def _question(**fields):
    base = {
        "id": "q1",
        "level": "easy",
        "topics": ["softmax"],
        "prompt": "What is `softmax([0, 0])`?",
        "explanation": "Both logits are equal.\n\nSo both get 0.5.",
        "lesson": "lessons/day07-bert.md#softmax",
        "source": None,
    }
    base.update(fields)
    return SimpleNamespace(**base)


def test_render_question_marks_code_and_paragraphs_but_never_markup():
    from tutor.site.quiz_page import render_question

    q = _question(
        type="single_choice",
        choices=[
            SimpleNamespace(text="`<b>`", why="a <b> tag"),
            SimpleNamespace(text="x", why="y"),
        ],
        answer=1,
    )
    out = render_question(q, 3, "../lessons/day07-bert.md#softmax", "Day 7 › Softmax")
    assert "<code>softmax([0, 0])</code>" in out
    assert "<code>&lt;b&gt;</code>" in out and "a &lt;b&gt; tag" in out and "<b>" not in out
    assert "<p>Both logits are equal.</p><p>So both get 0.5.</p>" in out
    assert '<span class="quiz__qnum" data-search-exclude>Q3</span>' in out
    assert "[Revise: Day 7 › Softmax](../lessons/day07-bert.md#softmax)" in out
    # No blank line inside the raw HTML card: Markdown would end the block there.
    card = out.split("</div>\n\n", 1)[0]
    assert "\n\n" not in card


def test_every_question_type_has_its_page_template():
    from tutor.questions import QUESTION_MODELS
    from tutor.site.quiz_page import TEMPLATES_DIR, template_env

    # The model's page_template if it declares one (the type owns its template), else the
    # type's name: the rule quiz_page.page_template follows.
    for qtype, model in QUESTION_MODELS.items():
        name = getattr(model, "page_template", None) or f"quiz/{qtype}.html"
        assert (TEMPLATES_DIR / name).is_file(), f"{qtype}: no template {name}"
        template_env().get_template(name)  # and it parses


def test_a_type_without_a_template_is_a_clear_error():
    from tutor.site.quiz_page import render_question

    with pytest.raises(ValueError, match=r"question 'q1': unknown type 'essay'"):
        render_question(_question(type="essay"), 1, "x.md#a", "X")


HOSTILE = "<script>alert(\"x\")</script> & 'it'"


@pytest.mark.parametrize(
    "fields",
    [
        {
            "type": "single_choice",
            "choices": [SimpleNamespace(text=HOSTILE, why=HOSTILE)] * 2,
            "answer": 0,
        },
        {
            "type": "multiple_choice",
            "choices": [SimpleNamespace(text=HOSTILE, why=None)] * 3,
            "answer": [0, 2],
        },
        {"type": "true_false", "answer": True},
        {"type": "numeric", "answer": 0.5, "tolerance": 0.01, "unit": HOSTILE},
        {"type": "free_text", "model_answer": HOSTILE, "key_points": [HOSTILE, "`<b>`"]},
    ],
    ids=lambda f: f["type"],
)
def test_every_template_escapes_the_yaml_text(fields):
    from tutor.site.quiz_page import esc, render_question

    q = _question(prompt=HOSTILE, explanation=HOSTILE, source=HOSTILE, **fields)
    out = render_question(q, 1, "x.md#a", "X")
    assert "<script" not in out and "alert(&quot;x&quot;)" in out
    assert esc(HOSTILE) in out  # the cards' escaping: quotes too, as &quot; and &#x27;
    assert out.count(esc(HOSTILE)) >= 3  # prompt, explanation, source (and the rest)
    card = out.split("\n\n", 1)[0]
    assert "\n" not in card  # one line: no blank line can end the raw HTML block


def test_render_quiz_page_groups_by_first_topic_in_bank_order():
    from tutor.site.quiz_page import render_quiz_page

    qs = [
        _question(id="b", topics=["cross-entropy"], type="true_false", answer=True),
        _question(id="a", topics=["softmax", "cross-entropy"], type="true_false", answer=False),
        _question(id="m", level="medium", topics=["mlm"], type="true_false", answer=True),
    ]
    page = render_quiz_page(qs, "easy")
    assert page.index('id="a"') < page.index('id="b"')  # softmax precedes cross-entropy
    assert "## Softmax {#topic-softmax}" in page and 'id="m"' not in page
    assert "2 questions." in page


def test_number_text_reads_like_a_person_wrote_it():
    from tutor.site.quiz_page import number_text

    assert [number_text(v) for v in (3.0, 0.25, -2.0, 1e-05)] == ["3", "0.25", "-2", "1e-05"]


def test_prune_nav_drops_only_missing_notebooks_and_empty_sections():
    from tutor.site.lesson_nav import prune_nav

    nav = [
        {"Home": "index.md"},
        {"Day 7": ["lessons/day07-bert.md", {"Notebook: a": "notebooks/a.ipynb"}]},
        {"Only notebooks": [{"Notebook: b": "notebooks/b.ipynb"}]},
        {"Elsewhere": "other/c.ipynb"},
    ]
    kept = prune_nav(nav, exists=lambda target: target == "notebooks/a.ipynb")
    assert kept == [*nav[:2], {"Elsewhere": "other/c.ipynb"}]
    assert prune_nav(nav, exists=lambda target: False)[1] == {"Day 7": ["lessons/day07-bert.md"]}


def test_choice_orders_shuffle_every_question_and_deal_the_right_position_evenly():
    from tutor.site.quiz_page import choice_orders

    def single(i: int, size: int = 4):
        choices = [SimpleNamespace(text=f"c{k}", why="w") for k in range(size)]
        return _question(id=f"s{i}", type="single_choice", choices=choices, answer=0)

    qs = [single(i) for i in range(22)] + [single(100 + i, size=3) for i in range(6)]
    qs += [
        _question(
            id=f"m{i}",
            type="multiple_choice",
            choices=[SimpleNamespace(text=f"c{k}", why="w") for k in range(5)],
            answer=[0, 1],
        )
        for i in range(8)
    ]
    orders = choice_orders(qs, seed="easy")
    assert orders == choice_orders(qs, seed="easy")  # the same bank builds the same page
    for q in qs:
        assert sorted(orders[q.id]) == list(range(len(q.choices))), q.id
    for size, group in ((4, qs[:22]), (3, qs[22:28])):
        counts = [0] * size
        for q in group:
            counts[orders[q.id].index(0)] += 1
        assert max(counts) - min(counts) <= 1, (size, counts)
    # Answer 0 everywhere in the file; on the page, right options are rarely both first.
    firsts = sum(orders[q.id][:2] in ([0, 1], [1, 0]) for q in qs[28:])
    assert firsts < 4
    # No question is left out, and true/false keeps its fixed True, False.
    tf = _question(id="t", type="true_false", answer=False)
    assert "t" not in choice_orders([tf], seed="easy")


def test_true_false_cards_are_unlettered_true_then_false():
    from tutor.site.quiz_page import render_question

    out = render_question(_question(type="true_false", answer=False), 1, "x.md#a", "X")
    assert "quiz__letter" not in out
    assert re.findall(r'data-correct="(\w+)"', out) == ["true", "false"][::-1]
    assert out.index(">True<") < out.index(">False<")


def test_on_page_markdown_leaves_web_addresses_alone(caplog):
    from tutor.site.hooks import on_page_markdown

    page = SimpleNamespace(file=SimpleNamespace(src_uri="notebooks/a.ipynb"))
    files = SimpleNamespace(get_file_from_path=lambda path: None)
    md = (
        "[Download](https://github.com/o/r/raw/main/docs/notebooks/a.ipynb) · "
        "[Colab](https://colab.research.google.com/github/o/r/blob/main/notebooks/a.ipynb) · "
        "[later](b.ipynb)"
    )
    with caplog.at_level("INFO", logger="mkdocs.hooks.tutor_site"):
        out = on_page_markdown(md, page, {}, files)
    assert "[Download](https://github.com/" in out and "[Colab](https://colab." in out
    assert "later (notebook coming soon)" in out
    assert [r.getMessage() for r in caplog.records] == [
        "notebooks/a.ipynb links to notebooks/b.ipynb, not written yet"
    ]


def test_table_code_wraps_only_between_the_words_of_an_identifier():
    from tutor.site.lesson_page import break_table_code

    out = break_table_code(
        "<p><code>AutoModelForTokenClassification</code></p>"
        "<table><tr><td><code>AutoModelForTokenClassification.from_pretrained(x=1)</code></td>"
        "<td><code>a &amp;&lt; b</code></td></tr></table>"
    )
    assert out.startswith("<p><code>AutoModelForTokenClassification</code></p>")  # not a table
    assert (
        "Auto<wbr>Model<wbr>For<wbr>Token<wbr>Classification.<wbr>from_<wbr>pretrained(<wbr>x=<wbr>1)"
        in out
    )
    assert "<code>a &amp;&lt; b</code>" in out  # entities untouched


def test_notebook_toc_entries_point_at_their_headings_with_their_code():
    from tutor.site.notebook_page import fix_toc

    content = (
        '<h1 id="a">A<a class="headerlink" href="#a">¶</a></h1>'
        '<h2 id="5-trainer-x">5 · <code>Trainer</code> &amp; <code>x</code>'
        '<a class="headerlink" href="#5-trainer-x">¶</a></h2>'
    )

    def toc():
        child = SimpleNamespace(id="5-", title="5 · &amp;", children=[])
        return [SimpleNamespace(id="a", title="A", children=[child])]

    fixed = toc()
    fix_toc(fixed, content)
    child = fixed[0].children[0]
    assert (child.id, child.title) == ("5-trainer-x", "5 · Trainer &amp; x")
    # Counts that differ: only titles of entries whose id is on the page change.
    fixed = toc()
    fix_toc(fixed, content + '<h2 id="extra">Extra</h2>')
    assert fixed[0].title == "A" and fixed[0].children[0].id == "5-"


def test_notebook_status_says_where_the_outputs_come_from():
    from tutor.notebooks import META_KEY, code_hash
    from tutor.site.notebook_page import notebook_status

    cell = {"cell_type": "code", "source": "print(1)", "outputs": []}
    nb = {"cells": [cell], "metadata": {}}
    assert "no outputs yet" in notebook_status(nb)
    cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "1\n"}]
    assert "saved in the notebook" in notebook_status(nb)
    nb["metadata"][META_KEY] = {
        "code_sha256": code_hash(nb),
        "profile": "full",
        "executed": "2026-12-03 08:00 UTC",
        "machine": "Xeon <b>, 2 cores",
    }
    status = notebook_status(nb)
    assert "real run on 2026-12-03 08:00 UTC (Xeon &lt;b&gt;, 2 cores)." in status
    assert "may not match" not in status
    cell["source"] = "print(2)"
    assert "may not match the code" in notebook_status(nb)


def test_notebook_status_takes_its_time_from_the_first_cell_that_prints_one():
    from tutor.notebooks import META_KEY, code_hash
    from tutor.site.notebook_page import notebook_status

    printed = "Executed 2026-12-03 08:01 UTC, profile 'full'\nLinux, Python 3.11\n"
    cells = [
        {"cell_type": "code", "source": "1", "outputs": [{"output_type": "stream", "text": "x"}]},
        {
            "cell_type": "code",
            "source": "2",
            "outputs": [{"output_type": "stream", "text": printed}],
        },
    ]
    nb = {"cells": cells, "metadata": {}}
    nb["metadata"][META_KEY] = {
        "code_sha256": code_hash(nb),
        "profile": "full",
        "executed": "2026-12-03 08:54 UTC",  # when the stamp was written, after the run
        "machine": "m",
    }
    # The bar and the page show one time: the one the notebook prints at its top.
    assert "a real run on 2026-12-03 08:01 UTC (m)." in notebook_status(nb)


def test_notebook_css_moves_out_and_output_styles_stay():
    from tutor.site.notebook_page import parse, split_notebook_css

    content = (
        "<style>.jupyter-wrapper{color:red}</style><script>x</script>"
        '<div class="jupyter-wrapper"><style scoped>.dataframe{}</style>cells</div> '
        "<!-- jupyter-wrapper -->\n<style>\n['pre { line-height: 125%; }']\n</style>"
    )
    body, css = split_notebook_css(content)
    assert css.strip() == ".jupyter-wrapper{color:red}"
    soup = parse(body)
    assert [s.get_text() for s in soup.find_all("style")] == [".dataframe{}"]  # the output's
    assert soup.find("script").get_text() == "x"
    wrapper = soup.find("div", class_="jupyter-wrapper")
    assert wrapper.find("style").get_text() == ".dataframe{}" and wrapper.get_text() == "cells"


def _notebook_html(cells: str) -> str:
    """A page as mkdocs-jupyter renders it (trimmed): template scripts and styles around
    the notebook's wrapper, then its cells."""
    return (
        "<script>clipboard()</script><style>.jp-Cell{}</style><!-- Load mathjax -->"
        '<script src=""> </script><script type="text/x-mathjax-config">init()</script>'
        '<!-- End of mathjax configuration --><script type="module">'
        'import("https://cdn.example/mermaid.esm.min.mjs")</script>'
        '<!-- End of mermaid configuration --><div class="jupyter-wrapper">'
        f'<div class="jp-Notebook">{cells}</div></div> <!-- jupyter-wrapper -->'
    )


def _text_cell(inner: str) -> str:
    return (
        '<div class="jp-Cell jp-MarkdownCell"><div class="jp-RenderedHTMLCommon '
        f'jp-RenderedMarkdown jp-MarkdownOutput">{inner}</div></div>'
    )


def _code_cell(code: str, output: str) -> str:
    # mkdocs-jupyter nests each code cell's div in a copy of itself.
    return (
        '<div class="jp-Cell jp-CodeCell"><div class="jp-Cell jp-CodeCell" id="c">'
        '<div class="jp-InputArea"><div class="jp-InputArea-editor"><div class="highlight-ipynb">'
        f"<pre>{html.escape(code)}</pre></div></div></div>"
        f'<div class="jp-OutputArea"><div class="jp-OutputArea-output">{output}</div></div>'
        "</div></div>"
    )


PNG = "data:image/png;base64,iVBORw0KGgo="  # b"\x89PNG\r\n\x1a\n"
NO_ALT = 'alt="No description has been provided for this image"'


def _render_notebook(cells: str, files=None):
    from tutor.site.notebook_page import SiteFiles, render_notebook_page

    docs = {"lessons/day07-bert.md": "lessons/day07-bert/", "notebooks/b.ipynb": "notebooks/b/"}
    files = files or SiteFiles()
    page = render_notebook_page(
        _notebook_html(cells),
        "notebooks/a.ipynb",
        "notebooks/a/",
        {"cells": []},
        [],
        files,
        docs.get,
    )
    return page, files


def test_notebook_page_gets_its_bar_and_loses_the_cdn_loaders_and_its_own_line():
    from tutor.site.notebook_page import parse

    cells = _text_cell(
        '<h1 id="t">T<a class="anchor-link" href="#t">¶</a></h1><p>'
        '<a href="https://github.com/o/r/raw/main/docs/notebooks/a.ipynb">Download</a> · '
        '<a href="https://colab.research.google.com/github/o/r/blob/main/a.ipynb">Colab</a></p>'
        '<p>See <a href="https://github.com/o/r">the repository</a>.</p>'
    ) + _code_cell("print(1)", "<pre>1</pre>")
    page, files = _render_notebook(cells)
    soup = parse(page.content)
    assert page.content.startswith('<div class="nb-actions admonition tip" data-search-exclude>')
    assert soup.select_one(".nb-actions a[download]")["href"] == "a.ipynb"
    scripts = [s.get_text() for s in soup.find_all("script")]
    assert scripts == ["clipboard()"]  # MathJax and the CDN Mermaid loader are gone
    assert "mathjax" not in page.content.lower() and "cdn.example" not in page.content
    assert "Colab</a>" not in page.content and "the repository</a>" in page.content
    assert soup.select_one("h1 a")["class"] == ["headerlink"]
    # The whole code cell (its outer div) is out of search; the text cell is not.
    wrapped = soup.find_all("nb-code")
    assert len(wrapped) == 1 and wrapped[0].has_attr("data-search-exclude")
    assert wrapped[0].find("div")["class"] == ["jp-Cell", "jp-CodeCell"]
    assert page.stylesheet and files.files[page.stylesheet] == b".jp-Cell{}\n"


def test_notebook_links_point_at_the_built_pages_and_broken_ones_are_reported():
    from tutor.site.notebook_page import parse

    cells = _text_cell(
        '<h2 id="here">Here</h2>'
        '<p><a href="../lessons/day07-bert.md">Day 7</a> '
        '<a href="../lessons/day07-bert.md#softmax">softmax</a> '
        '<a href="b.ipynb">next notebook</a> <a href="#here">up</a> '
        '<a href="https://example.org/x.md">web</a> <a href="mailto:a@b.c">mail</a> '
        '<a href="../lessons/missing.md">gone</a> <a href="#nowhere">lost</a></p>'
    )
    page, files = _render_notebook(cells)
    hrefs = [a["href"] for a in parse(page.content).select(".jp-RenderedMarkdown a")]
    assert hrefs == [
        "../../lessons/day07-bert/",
        "../../lessons/day07-bert/#softmax",
        "../b/",
        "#here",
        "https://example.org/x.md",
        "mailto:a@b.c",
        "../lessons/missing.md",  # left as written, and reported:
        "#nowhere",
    ]
    assert page.problems == [
        "notebooks/a.ipynb: link '../lessons/missing.md': lessons/missing.md is not a file "
        "of the site",
        "notebooks/a.ipynb: link '#nowhere': no such anchor on this page",
    ]
    # The anchor on another page is checked once that page is built.
    [check] = files.anchor_checks
    assert (check.target_url, check.anchor) == ("lessons/day07-bert/", "softmax")


def test_missing_anchors_reads_the_built_target_page(tmp_path):
    from tutor.site.notebook_page import AnchorCheck, missing_anchors

    page = tmp_path / "lessons" / "day07-bert" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text('<h2 id="softmax">Softmax</h2><p id="other">x</p>', encoding="utf-8")
    ok = AnchorCheck("notebooks/a.ipynb", "x.md#softmax", "lessons/day07-bert/", "softmax")
    bad = AnchorCheck("notebooks/a.ipynb", "x.md#soft", "lessons/day07-bert/", "soft")
    assert missing_anchors(tmp_path, [ok, bad]) == [
        "notebooks/a.ipynb: link 'x.md#soft': no anchor #soft on lessons/day07-bert/"
    ]


def test_notebook_plots_become_linked_files_with_alt_text_from_their_titles():
    from tutor.site.notebook_page import parse

    titled = (
        "fig, (a, b) = plt.subplots(1, 2)\n"
        'a.set(xlabel="step", title="Loss")\n'
        'b.set_title(f"Accuracy after {STEPS} steps")\n'
        "plt.show()"
    )
    cells = (
        _text_cell('<h2 id="s">3 · Tokenise<a class="anchor-link" href="#s">¶</a></h2>')
        + _code_cell(titled, f'<div class="jp-RenderedImage"><img {NO_ALT} src="{PNG}"></div>')
        + _text_cell("<p>How long are the sentences? A histogram says.</p>")
        + _code_cell("plt.hist(x)", f'<img {NO_ALT} src="{PNG}">')
        + _code_cell("show(x)", f'<img alt="A chart of x" src="{PNG}">')
    )
    page, files = _render_notebook(cells)
    images = parse(page.content).select("a.nb-figure > img")
    # What a screen reader hears: the plot's titles (an f-string's field named by its code),
    # else the text cell before it (its heading, or its first sentence); an alt the output
    # brought itself stays.
    assert [i["alt"] for i in images] == [
        "Plot: Loss; Accuracy after STEPS steps",
        "Plot for: How long are the sentences?",
        "A chart of x",
    ]
    assert "No description has been provided" not in page.content
    for image in images:
        # A file of the site, linked to itself at full size: no data: address left.
        path = "assets/notebook-figures/" + image["src"].rsplit("/", 1)[-1]
        assert image["src"] == f"../../{path}" and image.parent["href"] == image["src"]
        assert files.files[path] == b"\x89PNG\r\n\x1a\n"
    assert "data:image" not in page.content


def test_plot_titles_read_every_way_of_titling_a_plot():
    from tutor.site.notebook_figures import describe, plot_titles

    source = (
        'plt.title("A")\nfig.suptitle("B")\nax.set(title="C", xlabel="x")\n'
        'df.plot(title="A")\nax.set_title(name)\n'
    )
    assert plot_titles(source) == ["A", "B", "C"]  # each once; a bare variable says nothing
    assert plot_titles("%matplotlib inline\nplt.title('x')") == []  # not Python: no guess
    assert describe([], None) == "Plot drawn by the code cell above"
    assert len(describe(["x" * 500], None)) == 160


def test_notebook_output_tables_scroll_in_a_box():
    from tutor.site.notebook_page import parse

    table = "<table><tr><th>a</th></tr></table>"
    page, _ = _render_notebook(
        _code_cell("df", f'<div class="jp-RenderedHTMLCommon">{table}</div>')
    )
    box = parse(page.content).select_one("div.nb-scroll")
    assert box is not None and box.find("table") and box["tabindex"] == "0"


def test_search_text_formulas_become_readable_text_outside_code():
    from tutor.site.search_index import plain_text_math

    code = r"<code>re.sub(r&quot;\(&quot;, x)</code>"
    text = r"<p>loss \(-\log p_{y}\) and \[\frac{a}{b}\]</p> " + code
    out = plain_text_math(text)
    assert "\\" not in out.removesuffix(code)
    assert "-log p_y" in out and "a/b" in out
    assert out.endswith(code)  # code is left as written
    assert plain_text_math("costs $5 and $6", dollars=False) == "costs $5 and $6"
    math = r"<p>$x^2$ and $$\sqrt{y}$$</p>"
    assert plain_text_math(math, dollars=True) == "<p>x^2 and √(y)</p>"
    assert plain_text_math(r"x &lt; \(a &lt; b\)") == "x &lt; a &lt; b"


def test_lesson_labeller_names_page_and_section():
    from tutor.site.lesson_nav import lesson_labeller

    sources = {"l.md": "---\ntitle: t\n---\n# Day 7 · BERT\n\n## Softmax {#softmax}\n"}
    label = lesson_labeller(sources.get)
    assert label("l.md#softmax") == "Day 7 · BERT › Softmax"
    assert label("l.md#nowhere") == "Day 7 · BERT"
    assert label("missing.md#x") == "missing.md#x"


def _tarball(members: dict[str, bytes]) -> bytes:
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return buffer.getvalue()


def test_vendored_files_are_fetched_only_when_missing_and_only_with_the_pinned_hash(tmp_path):
    import base64
    import hashlib

    from tutor.site.vendor import NpmPackage, ensure

    data = _tarball(
        {
            "package/dist/x.min.js": b"window.x = {};",
            "package/dist/fonts/a.woff2": b"A",
            "package/dist/fonts/b.woff2": b"B",
            "package/dist/fonts/c.ttf": b"C",
            "package/LICENSE": b"MIT",
        }
    )
    files = {
        "package/dist/x.min.js": "assets/vendor/x/x.min.js",
        "package/dist/fonts/*.woff2": "assets/vendor/x/fonts/",
        "package/LICENSE": "assets/vendor/x/LICENSE",
    }
    good = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    docs = tmp_path / "docs"
    wrong = NpmPackage("@s/x", "1.0.0", "sha512-AAAA", files)
    assert wrong.tarball_url == "https://registry.npmjs.org/@s/x/-/x-1.0.0.tgz"
    with pytest.raises(ValueError, match="is not the pinned sha512-AAAA"):
        ensure(wrong, docs, tarball=data)
    assert not docs.exists()  # nothing written from an unchecked tarball

    package = NpmPackage("@s/x", "1.0.0", good, files)
    assert ensure(package, docs, tarball=data) is True
    vendor = docs / "assets/vendor/x"
    assert (vendor / "x.min.js").read_bytes() == b"window.x = {};"
    assert sorted(p.name for p in (vendor / "fonts").iterdir()) == ["a.woff2", "b.woff2"]
    assert not list(vendor.rglob("*.part"))
    # All there: no fetch, even from a tarball that would fail the check.
    (vendor / "x.min.js").write_text("already here")
    assert ensure(package, docs, tarball=b"not a tarball") is False
    assert (vendor / "x.min.js").read_text() == "already here"

    # Another pin (a version bump): the files on disk are replaced, not kept.
    bumped = _tarball(
        {
            **{k: b"v2" for k in ("package/dist/x.min.js", "package/LICENSE")},
            "package/dist/fonts/a.woff2": b"A2",
        }
    )
    digest = "sha512-" + base64.b64encode(hashlib.sha512(bumped).digest()).decode()
    assert ensure(NpmPackage("@s/x", "2.0.0", digest, files), docs, tarball=bumped) is True
    assert (vendor / "x.min.js").read_bytes() == b"v2"

    listed = NpmPackage("@s/x", "1.0.0", good, {"package/dist/missing.js": "assets/m.js"})
    with pytest.raises(ValueError, match=r"no file package/dist/missing\.js"):
        ensure(listed, tmp_path / "other", tarball=data)


def test_on_demand_scripts_come_only_with_their_marker():
    from tutor.site.vendor import MERMAID_JS, scripts_for

    assert scripts_for('<pre class="mermaid">graph LR</pre>')[0] == MERMAID_JS
    assert scripts_for("<p>no diagram here</p>") == []
