"""The course notebooks (docs/notebooks/*.ipynb) are committed *with* their outputs, from a
real run. Executing one here stamps its metadata with a hash of its code cells, the
profile and the machine, so a test can tell when the code changed and the outputs did not.

Profiles (``TUTOR_NOTEBOOK_PROFILE``, read by each notebook's first cell through
``choose_profile``): "full" is the CPU run whose outputs are committed; "gpu" fine-tunes
bert-base-uncased on the full data, and is what a notebook picks by itself on Colab or any
CUDA machine; "smoke" shrinks data and steps so that CI can prove every cell still runs,
on a copy.

One command regenerates one notebook, on an otherwise idle machine, wherever it lies:

    python -m tutor.notebooks run docs/notebooks/cola.ipynb --profile full
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROFILE_ENV = "TUTOR_NOTEBOOK_PROFILE"
PROFILES = ("full", "gpu", "smoke")
META_KEY = "bert_tutor"  # our block in the notebook's metadata
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "docs" / "notebooks"
# The committed notebooks are downloaded from every page: keep them light.
MAX_BYTES = 300_000
# A regeneration's timings and, on a CPU, its data budget depend on a free machine: above
# this 1-minute load average the run is refused.
MAX_LOAD = 1.0
# What a committed output must not show: terminal colour codes, and paths of the machine
# that ran it (a home or work folder, a temporary folder, an installed package's files).
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# A library retrying a request it cannot make (huggingface_hub offline: "... thrown while
# requesting HEAD https://huggingface.co/...", "Retrying in 2s [Retry 2/5]"): noise that
# reads like a fault; the notebook should decide it is offline once instead.
NETWORK_RETRY = re.compile(r"thrown while requesting|Retrying in \d+(?:\.\d+)?s|\[Retry \d+/\d+\]")
MACHINE_PATH = re.compile(
    r"(?:/root/|/home/[^/\s]+/|/Users/[^/\s]+/|/work/|/tmp/|/var/folders/|[A-Za-z]:\\Users\\"
    r"|site-packages|dist-packages)"
)


# --- notebook copy begins ---
def choose_profile(requested, cuda):
    """The run's profile: TUTOR_NOTEBOOK_PROFILE if set ("full", "gpu" or "smoke"), else
    "gpu" on a CUDA machine (Colab's GPU runtime included) and "full" (CPU) elsewhere."""
    if not requested:
        return "gpu" if cuda else "full"
    if requested not in ("full", "gpu", "smoke"):
        raise ValueError(f"TUTOR_NOTEBOOK_PROFILE must be full, gpu or smoke, not {requested!r}")
    if requested == "gpu" and not cuda:
        raise ValueError("TUTOR_NOTEBOOK_PROFILE=gpu needs a CUDA GPU; this machine has none")
    return requested


# --- notebook copy ends ---


def profile_cell_source() -> str:
    """The choose_profile source each notebook's first cell carries verbatim."""
    text = Path(__file__).read_text(encoding="utf-8")
    begin = "# --- notebook copy begins ---\n"
    return text[text.index(begin) + len(begin) : text.index("# --- notebook copy ends ---")]


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def code_hash(nb: dict[str, Any]) -> str:
    """sha256 of the code cells' sources, in order. Markdown edits do not change it: only
    code decides what the outputs are."""
    sources = [_source(c) for c in nb["cells"] if c["cell_type"] == "code"]
    return hashlib.sha256(json.dumps(sources).encode("utf-8")).hexdigest()


def stamp(nb: dict[str, Any]) -> dict[str, Any] | None:
    """What the executor recorded in the notebook, or None if it never ran here."""
    return nb.get("metadata", {}).get(META_KEY)


def output_texts(nb: dict[str, Any]) -> list[str]:
    """Every text a code cell's outputs show: streams, text and HTML results, tracebacks."""
    texts = []
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            if out.get("output_type") == "stream":
                texts.append(_joined(out.get("text", "")))
            elif out.get("output_type") == "error":
                texts.append("\n".join(out.get("traceback", [])))
            for mime, value in out.get("data", {}).items():
                if mime.startswith("text/"):
                    texts.append(_joined(value))
    return texts


def _joined(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _evaluations(text: str) -> list[tuple]:
    """The scores of each evaluation Trainer printed, without its timings and position: two
    equal ones are the same evaluation shown twice."""
    import ast

    found = []
    for line in re.findall(r"^\{'eval_loss'.*\}$", text, re.M):
        try:
            logged = ast.literal_eval(line)
        except (ValueError, SyntaxError):
            continue
        scores = {
            k: v
            for k, v in logged.items()
            if not any(w in k for w in ("runtime", "per_second", "epoch", "step"))
        }
        found.append(tuple(sorted(scores.items())))
    return found


def output_problems(nb: dict[str, Any]) -> list[str]:
    """What a reader should not see in the committed outputs (empty: clean)."""
    problems = []
    recorded = stamp(nb) or {}
    if not (recorded.get("executed") and recorded.get("machine")):
        problems.append("it has no machine and date stamp")
    texts = output_texts(nb)
    if any(ANSI.search(t) for t in texts):
        problems.append("its outputs contain ANSI escape codes")
    paths = sorted({m.group(0) for t in texts for m in MACHINE_PATH.finditer(t)})
    if paths:
        problems.append(f"its outputs show machine paths ({', '.join(paths)})")
    if any(NETWORK_RETRY.search(t) for t in texts):
        problems.append("its outputs show network retries (decide offline once, up front)")
    evaluations = [e for t in texts for e in _evaluations(t)]
    if len(set(evaluations)) < len(evaluations):
        problems.append("its outputs show the same evaluation twice")
    return problems


def staleness(nb: dict[str, Any]) -> str | None:
    """Why the committed outputs do not belong to the committed code, or None. Whether
    they are clean is output_problems' question: check_report asks both."""
    recorded = stamp(nb)
    if not recorded:
        return "it was never executed by `tutor dev notebooks`"
    if recorded.get("profile") != "full":
        return f"its outputs come from the '{recorded.get('profile')}' profile, not 'full'"
    if recorded.get("code_sha256") != code_hash(nb):
        return "its code cells changed after the outputs were produced"
    return None


def check_report(paths: list[Path]) -> tuple[list[str], list[str]]:
    """``tutor dev notebooks --check``: (stale, unclean), one line per notebook whose outputs
    do not belong to its code, and one per notebook whose outputs a reader should not see
    as they are (ANSI codes, machine paths, an evaluation twice, no machine and date)."""
    stale, unclean = [], []
    for path in paths:
        nb = json.loads(path.read_text(encoding="utf-8"))
        reason = staleness(nb)
        if reason:
            stale.append(f"{path.name}: {reason}; run `tutor dev notebooks {path.stem}`")
        problems = output_problems(nb)
        if problems:
            unclean.append(f"{path.name}: {'; '.join(problems)}")
    return stale, unclean


def machine() -> str:
    """One line naming the hardware and software of this run."""
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next(
                (line.split(":", 1)[1].strip() for line in f if line.startswith("model name")),
                cpu,
            )
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (
        f"{cpu}, {os.cpu_count()} logical cores, {gpu}; {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}, torch {torch.__version__}"
    )


# Environment variables that make a CPU run as an older one (e.g. ATEN_CPU_CAPABILITY=avx2
# on an AVX-512 machine): a run under them must say so, its speed is the older CPU's.
CPU_EMULATION_ENV = ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA")


def cpu_kind(env: dict[str, str] | None = None) -> str:
    """The instruction set torch's CPU kernels use, and any variable that capped it."""
    import torch

    env = os.environ if env is None else env
    capability = torch.backends.cpu.get_cpu_capability()
    capped = [f"{k}={env[k]}" for k in CPU_EMULATION_ENV if env.get(k)]
    return capability + (f" (emulated: {', '.join(capped)})" if capped else "")


def load_refusal(load: float, limit: float = MAX_LOAD) -> str | None:
    """Why a regeneration must not start at this 1-minute load average, or None."""
    if load <= limit:
        return None
    return (
        f"The 1-minute load average is {load:.2f}, above {limit:.1f}: other jobs would slow "
        "this run, so its timings (and, on a CPU, how much data fits its time budget) "
        "would not be this machine's. Run it when the machine is idle."
    )


def strip_widgets(nb: Any) -> None:
    """Drop ipywidgets state and widget outputs: megabytes of JSON a static page cannot use."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.outputs:
            data = out.get("data", {})
            data.pop(WIDGET_MIME, None)
        cell.outputs = [
            o
            for o in cell.outputs
            if o.output_type not in ("display_data", "execute_result") or o.get("data")
        ]


@dataclass(frozen=True)
class Executed:
    path: Path
    seconds: float
    size: int  # bytes written; 0 when the notebook was executed but not written


def execute(path: Path, profile: str, *, timeout: int = 3600, kernel: str = "python3") -> Any:
    """Run a notebook top to bottom in a fresh kernel, in its own folder, with
    TUTOR_NOTEBOOK_PROFILE=profile. Returns the executed notebook; the file is untouched.
    A failing cell raises nbclient's CellExecutionError (cell source and traceback)."""
    import nbformat
    from nbclient import NotebookClient

    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, not {profile!r}")
    nb = nbformat.read(path, as_version=4)
    env = dict(os.environ)
    env[PROFILE_ENV] = profile
    # The inline backend draws PNG: small, and shown by every viewer.
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    client = NotebookClient(
        nb,
        kernel_name=kernel,
        timeout=timeout,
        startup_timeout=120,
        resources={"metadata": {"path": str(path.parent)}},  # the kernel's working folder
    )
    client.execute(env=env)
    return nb


def regenerate(
    path: Path, *, profile: str = "full", timeout: int = 3600, kernel: str = "python3"
) -> Executed:
    """Execute ``path`` in ``profile`` and write it back, stamped, atomically."""
    import nbformat

    started = time.perf_counter()
    nb = execute(path, profile, timeout=timeout, kernel=kernel)
    seconds = time.perf_counter() - started
    strip_widgets(nb)
    nb.metadata[META_KEY] = {
        "code_sha256": code_hash(nb),
        "profile": profile,
        "executed": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": round(seconds),
        "machine": machine(),
        "cpu_kind": cpu_kind(),
    }
    text = nbformat.writes(nb) + "\n"
    mode = path.stat().st_mode & 0o777  # mkstemp's file is 0600; keep the notebook's mode
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".ipynb")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Executed(path, seconds, len(text.encode("utf-8")))


def main(argv: list[str] | None = None) -> int:
    """``python -m tutor.notebooks run PATH [--profile full]``: the maintainers' one command
    per regeneration (``tutor dev notebooks`` runs them all, without the load check)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tutor.notebooks")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute one notebook in place, with its outputs")
    run.add_argument("path", type=Path)
    run.add_argument("--profile", choices=PROFILES, default="full")
    run.add_argument("--timeout", type=int, default=3600, help="seconds one cell may take")
    run.add_argument("--max-load", type=float, default=MAX_LOAD)
    args = parser.parse_args(argv)
    if not args.path.is_file() or args.path.suffix != ".ipynb":
        print(f"No notebook at {args.path}.", file=sys.stderr)
        return 2
    load = os.getloadavg()[0]
    refusal = load_refusal(load, args.max_load)
    if refusal:
        print(refusal, file=sys.stderr)
        return 1
    print(f"Load {load:.2f}: executing {args.path.name} ({args.profile} profile)...", flush=True)
    done = regenerate(args.path, profile=args.profile, timeout=args.timeout)
    print(f"{done.seconds:.0f} s, {done.size:,} bytes written to {done.path}")
    problems = output_problems(json.loads(args.path.read_text(encoding="utf-8")))
    for problem in problems:
        print(f"Check the outputs: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
