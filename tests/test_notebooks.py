"""The course notebooks in docs/notebooks/: committed without outputs, opening with the smoke
flag and the Colab set-up, and each one executed top to bottom in the smoke profile, offline,
with the outputs it exists to show checked.

The notebooks run in a kernel of *this* interpreter (a kernel spec written to a temporary
JUPYTER_PATH), so a fresh CI virtualenv needs no `ipykernel install`.
"""

from __future__ import annotations

import ast
import json
import math
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, SHARED_DATA
from tutor.training.hardware import Hardware
from tutor.training.recipes import choose_recipe

NOTEBOOK_DIR = REPO_ROOT / "docs" / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = {"day07-sentiment.ipynb", "mlm-softmax.ipynb", "cola.ipynb", "day45-strategies.ipynb"}
# What each notebook reads from ../shared/data; the others use only packaged data.
SHARED_DATA_NEEDED = {"cola.ipynb": "cola", "day45-strategies.ipynb": "sst2"}
CELL_TIMEOUT = 300  # seconds per cell; the smoke profile needs a few


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def _repo_url() -> str:
    text = (REPO_ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    match = re.search(r"^repo_url:\s*(\S+)", text, re.M)
    assert match, "mkdocs.yml has no repo_url"
    return match.group(1).rstrip("/")


def test_the_course_notebooks_are_all_there():
    assert {p.name for p in NOTEBOOKS} >= EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path: Path):
    for cell in _cells(path):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name}: clear the outputs before committing"
            assert cell["execution_count"] is None, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_opens_with_links_smoke_flag_and_colab_setup(path: Path):
    cells = _cells(path)
    first_md = next(_source(c) for c in cells if c["cell_type"] == "markdown")
    first_code = next(_source(c) for c in cells if c["cell_type"] == "code")
    assert first_md.startswith("# ")
    github = _repo_url().removeprefix("https://github.com/")
    colab = (
        f"https://colab.research.google.com/github/{github}/blob/main/docs/notebooks/{path.name}"
    )
    assert f"]({colab})" in first_md
    assert f"](https://github.com/{github}/raw/main/docs/notebooks/{path.name})" in first_md
    assert 'SMOKE = os.environ.get("TUTOR_SMOKE") == "1"' in first_code
    assert 'if "google.colab" in sys.modules:' in first_code


# --------------------------------------------------------------------------- execution


def _output_text(nb) -> str:
    """Everything the notebook printed or displayed as text, in order."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                parts.append(out.text)
            elif out.output_type in ("execute_result", "display_data"):
                data = out.get("data", {})
                parts.append(data.get("text/markdown") or data.get("text/plain", ""))
    return "\n".join(parts)


def _floats(pattern: str, text: str) -> list[tuple[float, ...]]:
    """The numbers captured by ``pattern`` (``^`` and ``$`` match at line breaks)."""
    return [tuple(float(g) for g in m.groups()) for m in re.finditer(pattern, text, re.M)]


def check_day07(text: str) -> None:
    # The training-log table written by artifacts.write_training_log: one row per evaluation.
    assert "| Epoch | Step | Training loss | Valid. loss | Valid. accuracy |" in text
    rows = _floats(
        r"^\| ([\d.]+) \| (\d+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|", text
    )
    assert len(rows) == 2, rows  # evals_per_epoch=2, one epoch
    steps = [r[1] for r in rows]
    smoke = choose_recipe(Hardware(device="cpu", name="CPU"), "smoke")
    assert steps == sorted(steps) and steps[-1] == math.ceil(
        smoke.max_train_samples / smoke.batch_size
    )
    assert all(0 <= r[4] <= 1 and 0 <= r[5] <= 1 and r[2] > 0 and r[3] > 0 for r in rows)
    ((accuracy, f1),) = _floats(r"^accuracy ([\d.]+)\s+F1 ([\d.]+)", text)
    assert 0 <= accuracy <= 1 and 0 <= f1 <= 1
    # "Try your own sentence": softmax probabilities over the two labels.
    predictions = re.findall(r"^\{'negative': ([\d.]+), 'positive': ([\d.]+)\}", text, re.M)
    assert len(predictions) == 3
    assert all(math.isclose(float(a) + float(b), 1, abs_tol=2e-4) for a, b in predictions)


def check_mlm_softmax(text: str) -> None:
    assert "naive  softmax([1000, 999]) = [nan nan]" in text
    assert "stable softmax([1000, 999]) = [0.7311 0.2689]" in text
    assert "softmax:       [0.659  0.2424 0.0986]" in text
    ((by_hand, torch_value),) = _floats(
        r"cross-entropy by hand: ([\d.]+) \| F\.cross_entropy: ([\d.]+)", text
    )
    p_true = math.exp(2.0) / (math.exp(2.0) + math.exp(1.0) + math.exp(0.1))
    assert by_hand == torch_value == pytest.approx(-math.log(p_true), abs=1e-4)
    ((loss, ln_v),) = _floats(r"uniform guess: loss ([\d.]+), ln V = ([\d.]+)", text)
    assert loss == ln_v == pytest.approx(math.log(30522), abs=1e-4)
    # The masking rates: both tables (ours, then transformers' collator), observed vs expected.
    rates = _floats(
        r"^\d\s+(?:chosen / ordinary tokens|\[MASK\] / chosen|random / chosen|unchanged / chosen)"
        r"\s+\d+\s+\d+\s+([\d.]+)\s+([\d.]+)\s+(-?[\d.]+)$",
        text,
    )
    assert len(rates) == 8, rates
    assert all(abs(z) < 4 for _, _, z in rates)
    assert "fill-mask skipped" in text  # offline: said, not pretended


def check_cola(text: str) -> None:
    epochs = [ast.literal_eval(line) for line in re.findall(r"^\{'Epoch': .*\}$", text, re.M)]
    assert [e["Epoch"] for e in epochs] == [1, 2]
    for e in epochs:
        assert e["Training loss"] > 0 and e["Valid. loss"] > 0
        assert 0 <= e["Valid. accuracy"] <= 1 and -1 <= e["Valid. MCC"] <= 1
        assert re.fullmatch(r"\d+:\d\d:\d\d", e["Training time"])
    assert "Valid. MCC" in text and "Validation time" in text  # the displayed table
    ((by_hand, sklearn),) = _floats(
        r"MCC by hand: (-?[\d.]+) \| sklearn matthews_corrcoef: (-?[\d.]+)", text
    )
    assert by_hand == sklearn
    assert "always acceptable" in text and "P(acceptable)" in text


def check_day45(text: str) -> None:
    for name in ("full", "frozen encoder", "top-2 layers", "discriminative", "constant", "cosine"):
        found = _floats(rf"^{re.escape(name)}\s+accuracy ([\d.]+)", text)
        assert len(found) == 1 and 0 <= found[0][0] <= 1, name
    trainable = dict(
        re.findall(r"^(full|frozen encoder|top-2 layers)\s+(\d+)\s+[\d.]+%", text, re.M)
    )
    assert (
        int(trainable["frozen encoder"]) < int(trainable["top-2 layers"]) < int(trainable["full"])
    )


CHECKS: dict[str, Callable[[str], None]] = {
    "day07-sentiment.ipynb": check_day07,
    "mlm-softmax.ipynb": check_mlm_softmax,
    "cola.ipynb": check_cola,
    "day45-strategies.ipynb": check_day45,
}


@pytest.fixture
def notebook_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Smoke profile, offline, a throwaway $TUTOR_HOME (conftest), and a kernel spec that
    runs this interpreter."""
    from ipykernel.kernelspec import write_kernel_spec

    jupyter = tmp_path / "jupyter"
    write_kernel_spec(jupyter / "kernels" / "python3")
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter))
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the notebooks' run folders land here
    monkeypatch.setenv("TUTOR_SMOKE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("TOKENIZERS_PARALLELISM", "false")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # Tiny batches gain nothing from threads, and on a shared machine extra threads wait for
    # busy cores.
    monkeypatch.setenv("OMP_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", "1"))
    if SHARED_DATA.is_dir():
        monkeypatch.setenv("TUTOR_DATA_DIR", str(SHARED_DATA))
    return tmp_path


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_the_smoke_profile(path: Path, notebook_env: Path):
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from nbclient import NotebookClient

    needed = SHARED_DATA_NEEDED.get(path.name)
    if needed and not (Path(os.environ.get("TUTOR_DATA_DIR", SHARED_DATA)) / needed).is_dir():
        pytest.skip(f"needs ../shared/data/{needed}")
    assert path.name in CHECKS, f"{path.name}: add a check of its outputs to CHECKS"
    spec = KernelSpecManager().get_kernel_spec("python3")
    assert spec.argv[0] == sys.executable  # the notebook runs with this environment's packages
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        startup_timeout=120,
        resources={"metadata": {"path": str(path.parent)}},  # the kernel's working directory
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, if a cell fails
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    CHECKS[path.name](_output_text(nb))
