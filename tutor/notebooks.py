"""The course notebooks (docs/notebooks/*.ipynb) are committed *with* their outputs, from a
real run. Executing one here stamps its metadata with a hash of its code cells, the
profile and the machine, so a test can tell when the code changed and the outputs did not.

The "full" profile is the real run whose outputs are committed; the "smoke" profile
(``TUTOR_NOTEBOOK_PROFILE=smoke``, read by each notebook's first cell) shrinks data and
steps so that CI can prove every cell still runs, on a copy.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROFILE_ENV = "TUTOR_NOTEBOOK_PROFILE"
PROFILES = ("full", "smoke")
META_KEY = "bert_tutor"  # our block in the notebook's metadata
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "docs" / "notebooks"
# The committed notebooks are downloaded from every page: keep them light.
MAX_BYTES = 300_000


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


def staleness(nb: dict[str, Any]) -> str | None:
    """Why the committed outputs cannot be trusted, or None when they belong to the code."""
    recorded = stamp(nb)
    if not recorded:
        return "it was never executed by `tutor dev notebooks`"
    if recorded.get("profile") != "full":
        return f"its outputs come from the '{recorded.get('profile')}' profile, not 'full'"
    if recorded.get("code_sha256") != code_hash(nb):
        return "its code cells changed after the outputs were produced"
    return None


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


def regenerate(path: Path, *, timeout: int = 3600, kernel: str = "python3") -> Executed:
    """Execute ``path`` in the full profile and write it back, stamped, atomically."""
    import nbformat

    started = time.perf_counter()
    nb = execute(path, "full", timeout=timeout, kernel=kernel)
    seconds = time.perf_counter() - started
    strip_widgets(nb)
    nb.metadata[META_KEY] = {
        "code_sha256": code_hash(nb),
        "profile": "full",
        "executed": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": round(seconds),
        "machine": machine(),
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
