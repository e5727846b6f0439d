"""The lessons "Self-attention recap", "Beyond BERT" and "To production": their code runs
as shown, their worked numbers are right, and the anchors other pages link to exist.

Each page's ```python blocks run in order in one namespace (like a notebook), so a block
may use names from an earlier one. A ```text block right after a python block is the output
the page shows for it, and must be exactly what the block prints.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import REPO_ROOT
from tutor import course

LESSONS = REPO_ROOT / "docs" / "lessons"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.DOTALL | re.MULTILINE)

# The pages written for the course plan; the sections others link to are course data.
ANCHORS = {
    page: course.load().lesson(f"lessons/{page}").anchors
    for page in ("self-attention.md", "beyond-bert.md", "production.md")
}


def blocks(page: str) -> list[tuple[str, str | None]]:
    """(python source, the text block shown right after it or None) for each python block."""
    text = (LESSONS / page).read_text(encoding="utf-8")
    fences = list(FENCE.finditer(text))
    found = []
    for i, fence in enumerate(fences):
        if fence.group(1) != "python":
            continue
        shown = None
        if i + 1 < len(fences):
            after = fences[i + 1]
            between = text[fence.end() : after.start()]
            if after.group(1) == "text" and not between.strip():
                shown = after.group(2)
        found.append((fence.group(2), shown))
    return found


def run_page(page: str) -> dict:
    """Run every python block of ``page``; assert each prints what the page shows."""
    namespace: dict = {"__name__": f"lesson_{page}"}
    for number, (source, shown) in enumerate(blocks(page), start=1):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(source, f"{page} block {number}", "exec"), namespace)
        if shown is not None:
            assert out.getvalue() == shown, f"{page} block {number} prints something else"
    return namespace


def test_the_pages_have_the_planned_anchors():
    for page, anchors in ANCHORS.items():
        text = (LESSONS / page).read_text(encoding="utf-8")
        for anchor in anchors:
            assert re.search(rf"^## .*\{{#{anchor}\}}$", text, re.MULTILINE), f"{page}#{anchor}"


def test_every_page_shows_some_checked_output():
    # The harness compares outputs only where a page shows them: make sure it does.
    for page in ANCHORS:
        assert any(shown for _, shown in blocks(page)), page


@pytest.mark.slow
def test_self_attention_code_runs_as_shown():
    ns = run_page("self-attention.md")
    assert ns["weights"].shape == (1, 12, 5, 5)  # the last block's multi-head weights


def worked_example() -> dict:
    """The names the worked-example block defines (X, W_Q, ..., scores, weights, output)."""
    text = (LESSONS / "self-attention.md").read_text(encoding="utf-8")
    source = re.search(r"```python\n(.*?)```", text.split("{#worked-example}")[1], re.DOTALL)
    ns: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(source.group(1), ns)
    return ns


def test_worked_example_matches_pytorch_attention():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    ns = worked_example()
    as_t = {k: torch.tensor(ns[k], dtype=torch.float64) for k in ("X", "W_Q", "W_K", "W_V")}
    q, k, v = (as_t["X"] @ as_t[w] for w in ("W_Q", "W_K", "W_V"))
    expected = F.scaled_dot_product_attention(q[None], k[None], v[None])[0]
    np.testing.assert_allclose(ns["output"], expected.numpy(), atol=1e-12)
    # rows of the weights are distributions
    np.testing.assert_allclose(ns["weights"].sum(axis=1), 1.0)
    causal = F.scaled_dot_product_attention(q[None], k[None], v[None], is_causal=True)[0]
    assert causal[0].tolist() == v[0].tolist()  # the first token can only see itself


def test_every_number_in_the_worked_example_is_right():
    """Each 4-decimal number in the section's prose and tables is one the computation
    produces (rounded), so a typo in the hand-worked steps fails here."""
    ns = worked_example()
    scores, weights, output = ns["scores"], ns["weights"], ns["output"]
    raw = ns["Q"] @ ns["K"].T

    def softmax_rows(s):
        e = np.exp(s - s.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    causal = np.where(np.triu(np.ones((3, 3), dtype=bool), 1), -np.inf, scores)
    padded = scores.copy()
    padded[:, 2] = -np.inf
    exps = np.exp(scores)
    known = np.concatenate(
        [
            scores.ravel(),
            weights.ravel(),
            output.ravel(),
            exps.ravel(),
            exps.sum(axis=1),
            softmax_rows(raw).ravel(),  # the unscaled comparison
            softmax_rows(causal).ravel(),
            softmax_rows(padded).ravel(),
            [np.sqrt(2)],
            # the hand sum with rounded weights, which the page says differs in the last digit
            [2 * round(weights[0, 1], 4) + round(weights[0, 2], 4)],
        ]
    )
    text = (LESSONS / "self-attention.md").read_text(encoding="utf-8")
    section = text.split("{#worked-example}")[1].split("\n## ")[0]
    section += text.split("{#masking}")[1].split("\n## ")[0]
    numbers = [float(x) for x in re.findall(r"(?<![\d.])\d+\.\d{4}(?!\d)", section)]
    assert len(numbers) > 40
    for number in numbers:
        assert np.isclose(known, number, atol=5.1e-5).any(), f"{number} is not computed anywhere"


def test_the_attention_figure_is_drawn_from_the_page(tmp_path: Path):
    pytest.importorskip("matplotlib")
    import importlib.util

    script = REPO_ROOT / "docs" / "assets" / "make_attention_figure.py"
    spec = importlib.util.spec_from_file_location("make_attention_figure", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    np.testing.assert_array_equal(module.worked_example()["weights"], worked_example()["weights"])
    module.attention_figure(tmp_path / "a.png")
    assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (REPO_ROOT / "docs" / "assets" / "attention-weights.png").is_file()


@pytest.mark.slow
def test_beyond_bert_code_runs_as_shown():
    run_page("beyond-bert.md")


@pytest.mark.slow
def test_production_code_runs_as_shown():
    pytest.importorskip("onnxruntime")
    run_page("production.md")
