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

HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_IMG = '<img src=x onerror="alert(2)">'


# --------------------------------------------------------------------------- building


def build_site(dest: Path, questions_dir: Path | None = None) -> Path:
    """`mkdocs build --strict` of the repository's site into ``dest``; returns ``dest``."""
    env = {k: v for k, v in os.environ.items() if k != "TUTOR_QUESTIONS_DIR"}
    env["NO_MKDOCS_2_WARNING"] = "1"  # Material's banner, not a build warning
    env["TUTOR_HOME"] = str(dest.parent / "tutor-home")
    if questions_dir is not None:
        env["TUTOR_QUESTIONS_DIR"] = str(questions_dir)
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"),
            *("--config-file", str(REPO_ROOT / "mkdocs.yml"), "--site-dir", str(dest)),
        ],
        cwd=dest.parent,  # anything the build writes relative to the cwd lands in tmp
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
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
    from tutor.questions import load_bank

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
    promised = {
        "lessons/day07-bert.md": "paradigm bidirectional mlm nsp softmax cross-entropy progress",
        "lessons/day45-fine-tuning.md": "task-heads learning-rate epochs warmup-decay freezing "
        "discriminative-lr catastrophic-forgetting evaluation glue",
        "lessons/day46-transfer-learning.md": "feature-based-vs-fine-tuning "
        "labelled-vs-unlabelled why-transfer-wins",
        "lessons/day47-bert-architecture.md": "encoder-only sizes input-representation "
        "wordpiece attention-mask",
        "lessons/day48-pretraining-tasks.md": "mlm nsp roberta loss",
        "lessons/day49-t5.md": "text-to-text task-prefixes span-corruption sizes t5-vs-bert "
        "model-comparison",
        "lessons/day50-applications.md": "sequence-classification ner qa sentence-pairs similarity",
    }
    for page, anchors in promised.items():
        ids = parse(page_file(site, page)).ids
        missing = [a for a in anchors.split() if a not in ids]
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
    from tutor.site import block_html, inline_html

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
        if q.type in ("single_choice", "multiple_choice"):
            assert [i for i, f in enumerate(flags) if f == "true"] == list(q.correct_indices)
            assert len(flags) == len(q.choices)
        elif q.type == "true_false":
            assert flags == (["true", "false"] if q.answer else ["false", "true"])
        elif q.type == "numeric":
            assert f'data-answer="{float(q.answer)!r}"' in body
            assert f'data-tolerance="{float(q.tolerance)!r}"' in body
        else:
            assert 'class="md-button quiz__reveal"' in body
            assert all(f"<li>{inline_html(p)}</li>" in body for p in q.key_points)
        assert block_html(q.prompt) in body


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


def _phrases(notebook: Path) -> list[str]:
    """Runs of five plain words (no markup between them) from the notebook's cells."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    phrases = []
    for cell in cells:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
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


@slow
def test_notebook_pages_show_the_notebook_with_download_and_colab_links(site):
    notebooks = _notebooks()
    assert notebooks, "docs/notebooks/ holds no notebook"
    for nb in notebooks:
        built = page_file(site, f"notebooks/{nb.name}")
        assert built.is_file(), nb.name
        assert (built.parent / nb.name).read_bytes() == nb.read_bytes()  # the download
        page = parse(built)
        hrefs = [a.get("href") or "" for a in page.find("a")]
        assert nb.name in hrefs
        assert (
            f"https://colab.research.google.com/github/bert-tutor/bert-tutor/blob/main/"
            f"docs/notebooks/{nb.name}"
        ) in hrefs
        # Each code cell's input is one highlighted block, and its first line is on the page.
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        assert len(page.find("div", "highlight-ipynb")) == len(code)
        text = visible_text(built.read_text(encoding="utf-8"))
        assert all(" ".join(src.splitlines()[0].split()) in text for src in code if src.strip())


@slow
def test_notebook_text_stays_out_of_the_search_index(site):
    docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    assert "softmax" in _words(" ".join(d["text"] for d in docs))  # lessons are indexed
    checked = 0
    for nb in _notebooks():
        url = f"notebooks/{nb.stem}/"
        entries = [d for d in docs if d["location"].startswith(url)]
        # The page stays findable by its title and action bar; its cells do not.
        assert entries, f"{url} is missing from the search index"
        indexed = _words(" ".join(html.unescape(d["title"] + " " + d["text"]) for d in entries))
        assert "download" in indexed
        page_words = _words(visible_text(page_file(site, f"notebooks/{nb.name}").read_text()))
        for phrase in _phrases(nb):
            if phrase in page_words:  # shown on the page...
                assert phrase not in indexed, f"{nb.name}: {phrase!r} is in the search index"
                checked += 1
    assert checked > 0, "no notebook phrase found on the notebook pages to check"


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
    from tutor.site import render_question

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
    assert '<span class="quiz__qnum">Q3</span>' in out
    assert "[Revise: Day 7 › Softmax](../lessons/day07-bert.md#softmax)" in out
    # No blank line inside the raw HTML card: Markdown would end the block there.
    card = out.split("</div>\n\n", 1)[0]
    assert "\n\n" not in card


def test_render_quiz_page_groups_by_first_topic_in_bank_order():
    from tutor.site import render_quiz_page

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
    from tutor.site import number_text

    assert [number_text(v) for v in (3.0, 0.25, -2.0, 1e-05)] == ["3", "0.25", "-2", "1e-05"]


def test_prune_nav_drops_only_missing_notebooks_and_empty_sections():
    from tutor.site import prune_nav

    nav = [
        {"Home": "index.md"},
        {"Day 7": ["lessons/day07-bert.md", {"Notebook: a": "notebooks/a.ipynb"}]},
        {"Only notebooks": [{"Notebook: b": "notebooks/b.ipynb"}]},
        {"Elsewhere": "other/c.ipynb"},
    ]
    kept = prune_nav(nav, exists=lambda target: target == "notebooks/a.ipynb")
    assert kept == [*nav[:2], {"Elsewhere": "other/c.ipynb"}]
    assert prune_nav(nav, exists=lambda target: False)[1] == {"Day 7": ["lessons/day07-bert.md"]}


def test_colab_url_follows_the_repository():
    from tutor.site import colab_url

    assert colab_url("https://github.com/org/repo/", "docs", "notebooks/x.ipynb") == (
        "https://colab.research.google.com/github/org/repo/blob/main/docs/notebooks/x.ipynb"
    )
    assert colab_url("https://gitlab.com/org/repo", "docs", "notebooks/x.ipynb") is None


def test_lesson_labeller_names_page_and_section():
    from tutor.site import lesson_labeller

    sources = {"l.md": "---\ntitle: t\n---\n# Day 7 · BERT\n\n## Softmax {#softmax}\n"}
    label = lesson_labeller(sources.get)
    assert label("l.md#softmax") == "Day 7 · BERT › Softmax"
    assert label("l.md#nowhere") == "Day 7 · BERT"
    assert label("missing.md#x") == "missing.md#x"


def test_mermaid_is_fetched_only_when_missing_and_only_with_the_pinned_hash(tmp_path):
    import io
    import tarfile

    from tutor.site import ensure_mermaid

    fake = tmp_path / "tiny.tgz"
    with tarfile.open(fake, "w:gz") as tar:
        body = b"window.mermaid = {};"
        info = tarfile.TarInfo("package/dist/mermaid.tiny.js")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    target = tmp_path / "site" / "mermaid.tiny.js"
    with pytest.raises(ValueError, match="is not the pinned"):
        ensure_mermaid(target, url=fake.as_uri())
    assert not target.exists() and not target.with_suffix(".part").exists()
    target.parent.mkdir()
    target.write_text("already here")
    assert ensure_mermaid(target, url=fake.as_uri()) is False
    assert target.read_text() == "already here"
