"""Time to the first and to later results of an in-page exercise, in Chromium.

    python bench/exercises_page.py [--site DIR] [--exercise NAME] [--runs N]

Builds the site (``mkdocs build``) into a temporary folder unless ``--site`` names a built
one, serves it from 127.0.0.1, opens the exercise's lesson page and prints:

- what the lesson page transfers before Run is pressed, and what the first Run adds
  (Pyodide, fetched from the site's own files);
- the time from pressing Run tests to the results, for the first run (Pyodide's download
  and start-up in the worker, cold browser cache), for each later run, and for the first
  run after a reload (warm cache);

against the goals of issue 22: at most 5 s to the first result, at most 0.5 s a later run.
Requests to any other host are aborted, as in the tests: the figures are offline ones.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
GOAL_FIRST_S = 5.0
GOAL_LATER_S = 0.5


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def build(dest: Path) -> Path:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", TUTOR_HOME=str(dest.parent / "home"))
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(REPO_ROOT / "mkdocs.yml")]
    subprocess.run(
        [*command, "-d", str(dest)],
        cwd=dest.parent,
        env=env,
        check=True,
    )
    return dest


def lesson_of(name: str) -> str:
    from tutor.exercises import load_manifest

    for exercise in load_manifest():
        if exercise.name == name:
            if not exercise.in_page:
                raise SystemExit(f"{name} is not an in-page exercise")
            return exercise.lesson.removesuffix(".md") + "/"
    raise SystemExit(f"no exercise {name}")


def run_button(page, name: str) -> float:
    """Press Run tests with the editor's code; seconds until the results are shown."""
    box = page.locator(f'[data-exercise="{name}"]')
    page.evaluate(
        "n => document.querySelector(`[data-exercise='${n}'] .tutor-ex-results`).replaceChildren()",
        name,
    )
    started = time.perf_counter()
    box.locator(".tutor-ex-run").click()
    box.locator(".tutor-ex-results > *").first.wait_for(timeout=180_000)
    return time.perf_counter() - started


def measure(site: Path, name: str, runs: int) -> None:
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{lesson_of(name)}"
    sizes: list[int] = []

    def finished(request) -> None:
        try:
            info = request.sizes()
            sizes.append(info["responseBodySize"] + info["responseHeadersSize"])
        except Exception:  # a request the page gave up on has no sizes
            pass

    def route(r) -> None:
        host = urlsplit(r.request.url).hostname
        (r.continue_ if host == "127.0.0.1" else r.abort)()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.route("**/*", route)
        page = context.new_page()
        page.on("requestfinished", finished)
        page.goto(url, wait_until="networkidle")
        before = sum(sizes)
        first = run_button(page, name)
        page.wait_for_load_state("networkidle")
        loaded = sum(sizes) - before
        solution = json.loads(
            page.locator(f'[data-exercise="{name}"] script.tutor-ex-data').text_content()
        )["solution"]
        page.locator(f'[data-exercise="{name}"] textarea').fill(solution)
        later = [run_button(page, name) for _ in range(runs)]
        page.reload(wait_until="networkidle")
        warm = run_button(page, name)
        browser.close()
    server.shutdown()

    print(f"exercise {name} on {url}")
    print(f"  lesson page before Run:    {before / 1e6:6.2f} MB transferred")
    print(f"  added by the first Run:    {loaded / 1e6:6.2f} MB (Pyodide, from the site)")
    print(
        f"  first result, cold cache:  {first:6.2f} s  (goal <= {GOAL_FIRST_S} s: "
        f"{'met' if first <= GOAL_FIRST_S else 'NOT met'})"
    )
    print(
        f"  later runs ({runs}):           median {statistics.median(later):.3f} s, "
        f"max {max(later):.3f} s  (goal <= {GOAL_LATER_S} s: "
        f"{'met' if max(later) <= GOAL_LATER_S else 'NOT met'})"
    )
    print(f"  first result after reload: {warm:6.2f} s  (warm browser cache)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build one)")
    parser.add_argument("--exercise", default="attention_weights")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.site:
        measure(args.site, args.exercise, args.runs)
        return
    with tempfile.TemporaryDirectory() as tmp:
        measure(build(Path(tmp) / "site"), args.exercise, args.runs)


if __name__ == "__main__":
    main()
