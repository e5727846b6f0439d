"""How long the CLI takes to start: median wall time of a few commands, next to a bare
`python -c pass`. A benchmark, not a test: it prints figures and asserts nothing.

    python bench/cli_start.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def tutor_command() -> list[str]:
    script = Path(sys.executable).with_name("tutor")
    if script.exists():
        return [str(script)]
    found = shutil.which("tutor")
    return [found] if found else [sys.executable, "-m", "tutor"]


def median_seconds(cmd: list[str], runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    tutor = tutor_command()
    cases = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("tutor --help", [*tutor, "--help"]),
        ("tutor quiz --help", [*tutor, "quiz", "--help"]),
        ("tutor questions list", [*tutor, "questions", "list"]),
    ]
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "TUTOR_HOME": home, "COLUMNS": "100"}
        for cmd in cases:  # warm the file cache and .pyc files once
            subprocess.run(cmd[1], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        print(f"median of {args.runs} runs ({' '.join(tutor)}; Python {sys.version.split()[0]})")
        base = None
        for name, cmd in cases:
            seconds = median_seconds(cmd, args.runs, env)
            base = seconds if base is None else base
            extra = (
                ""
                if cmd[0] == sys.executable and name.startswith("python")
                else (f"  (+{(seconds - base) * 1000:.0f} ms over python)")
            )
            print(f"  {name:<22} {seconds * 1000:7.0f} ms{extra}")


if __name__ == "__main__":
    main()
