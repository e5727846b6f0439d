"""The lesson widgets in Chromium: first load and time per sentence.

Not a test: it prints its figures. Serves a built site (``--site``; default: builds one
into a temporary folder) from 127.0.0.1 and drives Debian's chromium through
window.tutorLive (docs/assets/javascripts/live.js):

- first load: from a fresh browser profile (nothing cached) to the first attention
  result, which fetches ONNX Runtime's WebAssembly and the 90 MB MiniLM export and starts
  the session; then the same with the browser's HTTP cache warm (a second visit);
- per sentence: tokenize, attention and one similarity (two encoder passes), median of
  ``--repeat`` runs, at a few sentence lengths.

    python bench/live.py [--site DIR] [--repeat 5]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu"]
SENTENCE = "Attention lets every token weigh every other token in the sentence. "


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def build_site(dest: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "-q",
            "--config-file",
            str(REPO / "mkdocs.yml"),
            "--site-dir",
            str(dest),
        ],
        check=True,
        cwd=dest.parent,
    )
    return dest


def timed(page, expression: str, arg: object = None) -> float:
    start = time.perf_counter()
    page.evaluate(expression, arg)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, help="A built site (default: build one).")
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = options.site or build_site(Path(tmp) / "site")
        handler = functools.partial(_Quiet, directory=str(site))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/lessons/day47-bert-architecture/"
        with sync_playwright() as p:
            profile = Path(tmp) / "profile"
            for visit in ("cold cache", "warm cache"):
                context = p.chromium.launch_persistent_context(
                    str(profile), executable_path=CHROMIUM, args=ARGS
                )
                page = context.new_page()
                page.goto(url, wait_until="load")
                seconds = timed(page, "tutorLive.attention('The cat sat on the mat.')")
                print(f"first load ({visit}): page open to first attention result {seconds:.2f} s")
                if visit == "warm cache":
                    for words in (8, 32, 128, 400):
                        text = " ".join((SENTENCE * 50).split()[:words])
                        row = []
                        for name, expr, arg in [
                            ("tokenize", "t => tutorLive.tokenize(t).then(r => 1)", text),
                            # Only a number comes back: Playwright's copy of the 6x12xNxN
                            # nested weights into Python would be timed too.
                            ("attention", "t => tutorLive.attention(t).then(r => 1)", text),
                            ("similarity", "([a, b]) => tutorLive.similarity(a, b)", [text, text]),
                        ]:
                            runs = [timed(page, expr, arg) for _ in range(options.repeat)]
                            row.append(f"{name} {1000 * statistics.median(runs):7.1f} ms")
                        print(f"{words:4d} words: " + " | ".join(row))
                context.close()
        server.shutdown()


if __name__ == "__main__":
    main()
