"""Third-party browser code served from the site itself, fetched from the npm registry.

The site must work with no network (a learner offline, a classroom behind a proxy, the
browser tests), so nothing is loaded from a CDN. Each package is pinned by version and by
the registry's published integrity hash (``dist.integrity``: sha512); the first build
downloads its tarball, checks the hash and extracts the listed files into
``docs/assets/vendor/<pkg>/``. Those copies are not committed (.gitignore lists
``/docs/assets/vendor/*/``): the pins below are the source of truth.

Adding a package is one entry in :data:`VENDORED`; the integrity hash comes from
``npm view <name>@<version> dist.integrity``. A page that needs a package's script only on
some pages adds a :class:`PageScripts` to :data:`ON_DEMAND` (as Mermaid, which only pages
with a diagram load); scripts every page needs go in mkdocs.yml's ``extra_javascript``.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import io
import os
import tarfile
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

REGISTRY = "https://registry.npmjs.org"
VENDOR_DIR = "assets/vendor"  # inside docs_dir


@dataclass(frozen=True)
class NpmPackage:
    """One pinned npm package and the files the site takes from it.

    ``files`` maps a tarball member (``package/dist/x.js``; a glob such as
    ``package/dist/fonts/*.woff2`` is allowed) to its path under docs_dir. For a glob the
    path is a folder (ending in "/") that receives every matching member under its own name.
    """

    name: str
    version: str
    integrity: str  # "sha512-<base64>", as the registry publishes it
    files: Mapping[str, str] = field(default_factory=dict)

    @property
    def tarball_url(self) -> str:
        # Scoped packages keep their scope in the path but not in the file name.
        base = self.name.rsplit("/", 1)[-1]
        return f"{REGISTRY}/{self.name}/-/{base}-{self.version}.tgz"

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"


VENDORED: dict[str, NpmPackage] = {
    # The "tiny" build is one self-contained file (no lazy chunks to serve); it lacks only
    # mindmap/architecture diagrams and KaTeX labels, which the lessons do not use.
    # Material 9.x expects Mermaid 11's API.
    "mermaid": NpmPackage(
        name="@mermaid-js/tiny",
        version="11.17.2",
        integrity="sha512-PmFr1c5cSfNf5AngLLR98DrbvR4U5KeD7I+hQkGqG5w5Veu3QT4dG0qu9f99cpn/"
        "sKj2XxRBK0q7EL6hr9NY/A==",
        files={
            "package/dist/mermaid.tiny.js": "assets/vendor/mermaid/mermaid.tiny.js",
            "package/LICENSE": "assets/vendor/mermaid/LICENSE",
        },
    ),
    # The math renderer, on every page (mkdocs.yml's extra_javascript). Every browser the
    # course targets reads woff2, the first format katex.min.css lists; the .woff/.ttf
    # fallbacks would triple the size for nothing.
    "katex": NpmPackage(
        name="katex",
        version="0.16.47",
        integrity="sha512-Eeo8Ys1doU1z+x8AZsPpQu+p/QcZBI5PeOo7QGQdy2x2m0MU/hYagBbGOmXwr5KVbEfVu"
        "Wv9LpnQWeehogurjg==",
        files={
            "package/dist/katex.min.js": "assets/vendor/katex/katex.min.js",
            "package/dist/katex.min.css": "assets/vendor/katex/katex.min.css",
            "package/dist/contrib/auto-render.min.js": "assets/vendor/katex/auto-render.min.js",
            "package/dist/fonts/*.woff2": "assets/vendor/katex/fonts/",
            "package/LICENSE": "assets/vendor/katex/LICENSE",
        },
    ),
    # Python in the lesson pages' exercises, run in a Web Worker (exercise-worker.js) and
    # fetched only when a learner first presses Run. The core only: the exercises use the
    # standard library, so no package wheel is served (and packageBaseUrl points here, so
    # Pyodide never turns to its CDN). The tarball has no LICENSE file; its package.json
    # states the licence (MPL-2.0).
    "pyodide": NpmPackage(
        name="pyodide",
        version="314.0.8",
        integrity="sha512-74Wq1kXOC+CCEzAfxuRAO701nAcCMLjf8NrwvWpu8S41dVMXwXmLQ05dYB+F4e46AdnGo0"
        "oq7YHSVUpHsoarLQ==",
        files={
            f"package/{name}": f"assets/vendor/pyodide/{name}"
            for name in (
                "pyodide.mjs",
                "pyodide.asm.mjs",
                "pyodide.asm.wasm",
                "python_stdlib.zip",
                "pyodide-lock.json",
                "package.json",
            )
        },
    ),
    # The lesson widgets' model runner (tutor/site/live_model.py, live.js): only the
    # WebAssembly CPU build, loaded on demand in a Web Worker.
    "onnxruntime-web": NpmPackage(
        name="onnxruntime-web",
        version="1.31.1",
        integrity="sha512-5GeH+bWQ+HxM10z7erGlsWqryrwMbSvm/1tkIsKTT48g0fI19VXVVC435t4t7VsPdSQeS7"
        "NmuZPXrQ73k82URw==",
        # The tarball has no LICENSE file (MIT, named in package.json, which is kept).
        files={
            "package/dist/ort.wasm.min.js": "assets/vendor/onnxruntime-web/ort.wasm.min.js",
            "package/dist/ort-wasm-simd-threaded.mjs": (
                "assets/vendor/onnxruntime-web/ort-wasm-simd-threaded.mjs"
            ),
            "package/dist/ort-wasm-simd-threaded.wasm": (
                "assets/vendor/onnxruntime-web/ort-wasm-simd-threaded.wasm"
            ),
            "package/package.json": "assets/vendor/onnxruntime-web/package.json",
        },
    ),
}

MERMAID_JS = VENDORED["mermaid"].files["package/dist/mermaid.tiny.js"]


@dataclass(frozen=True)
class PageScripts:
    """Scripts (site paths) a page gets only when its HTML contains ``marker``.

    They are plain synchronous <script> tags at the end of the page's content, so they run
    before Material's bundle looks for them (Material renders ``pre.mermaid`` with
    ``window.mermaid`` when it is defined, and would fetch Mermaid from a CDN otherwise).
    """

    marker: str
    scripts: tuple[str, ...]


ON_DEMAND: list[PageScripts] = [
    PageScripts('class="mermaid"', (MERMAID_JS, "assets/javascripts/mermaid-size.js")),
    # The exercise runner; it starts Pyodide (in a worker) only when Run is first pressed.
    PageScripts(' data-exercise="', ("assets/javascripts/exercises.js",)),
    # Small: the widgets' frame. It loads the worker, the model and ONNX Runtime when opened.
    PageScripts('class="tutor-live"', ("assets/javascripts/live.js",)),
]


def scripts_for(content: str) -> list[str]:
    """The on-demand scripts a page's HTML asks for, in order, each once."""
    wanted: list[str] = []
    for entry in ON_DEMAND:
        if entry.marker in content:
            wanted += [s for s in entry.scripts if s not in wanted]
    return wanted


def _digest(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def _targets(package: NpmPackage, members: list[str]) -> dict[str, str]:
    """{tarball member: path under docs_dir} for every listed file; ValueError if one is
    missing from the tarball."""
    out: dict[str, str] = {}
    for pattern, target in package.files.items():
        if any(c in pattern for c in "*?["):
            found = [m for m in members if fnmatch.fnmatchcase(m, pattern)]
            if not found:
                raise ValueError(f"{package.spec}: no file matches {pattern} in its tarball")
            out.update({m: target + PurePosixPath(m).name for m in found})
        elif pattern in members:
            out[pattern] = target
        else:
            raise ValueError(f"{package.spec}: no file {pattern} in its tarball")
    return out


def _stamp(package: NpmPackage, docs_dir: Path) -> Path:
    """Where ensure() records which pin the files on disk come from."""
    return docs_dir / VENDOR_DIR / ".fetched" / (package.name.replace("/", "__") + ".txt")


def missing(package: NpmPackage, docs_dir: Path) -> bool:
    """True if any of the package's files (globs: their folder) is not in docs_dir, or the
    files there come from another pin (a version bump must not keep the old files)."""
    stamp = _stamp(package, docs_dir)
    if not stamp.is_file() or stamp.read_text(encoding="utf-8").strip() != package.integrity:
        return True
    for target in package.files.values():
        path = docs_dir / target
        if target.endswith("/"):
            if not path.is_dir() or not any(path.iterdir()):
                return True
        elif not path.is_file():
            return True
    return False


def ensure(package: NpmPackage, docs_dir: Path, tarball: bytes | None = None) -> bool:
    """Put the package's listed files under ``docs_dir`` unless they are all there, from
    this pin; True if it fetched them. ``tarball`` skips the download (tests).

    Raises OSError (no network) or ValueError (the hash is not the pinned one, or a listed
    file is not in the tarball). Each file is written whole, then renamed, so a failed or
    interrupted fetch never leaves half a script in the site.
    """
    if not missing(package, docs_dir):
        return False
    if tarball is None:
        with urllib.request.urlopen(package.tarball_url, timeout=60) as response:
            tarball = response.read()
    digest = _digest(tarball)
    if digest != package.integrity:
        raise ValueError(
            f"{package.tarball_url}: integrity {digest} is not the pinned {package.integrity}"
        )
    with tarfile.open(fileobj=io.BytesIO(tarball)) as tar:
        members = [m.name for m in tar.getmembers() if m.isfile()]
        for member, target in _targets(package, members).items():
            source = tar.extractfile(member)
            if source is None:  # pragma: no cover - isfile() was checked
                raise ValueError(f"{package.spec}: {member} is not a regular file")
            path = docs_dir / target
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(path.name + ".part")
            partial.write_bytes(source.read())
            os.replace(partial, path)
    stamp = _stamp(package, docs_dir)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(package.integrity + "\n", encoding="utf-8")
    return True


def ensure_all(docs_dir: Path) -> list[str]:
    """Fetch every package of :data:`VENDORED` that is missing; the specs fetched."""
    return [p.spec for p in VENDORED.values() if ensure(p, docs_dir)]
