"""Copy the math renderer (KaTeX) into docs/assets/vendor/ from the npm registry.

The published site must work with no network (a learner offline, a classroom behind a
proxy, the browser test here), so KaTeX and Mermaid are served from the site itself
instead of a CDN. The KaTeX copy is committed; run this script only to change its version.
Mermaid (2.5 MB) is not committed: the site hook (tutor/site.py, ``ensure_mermaid``)
fetches its pinned build on the first build.

    python docs/assets/fetch_vendor.py

It needs `npm` (only as a client of the npm registry: `npm pack` downloads a package's
tarball without installing anything) and keeps only the files the pages load.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parent / "vendor"

# Pinned so that a rebuild gives the same bytes; Material 9.x expects Mermaid 11's API.
KATEX = "katex@0.16.47"


def npm_pack(spec: str, dest: Path) -> Path:
    out = subprocess.run(
        ["npm", "pack", spec, "--silent", "--pack-destination", str(dest)],
        check=True,
        capture_output=True,
        text=True,
    )
    tgz = dest / out.stdout.strip().splitlines()[-1]
    unpacked = dest / tgz.name.removesuffix(".tgz")
    with tarfile.open(tgz) as tar:
        tar.extractall(unpacked, filter="data")
    return unpacked / "package"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        katex = npm_pack(KATEX, tmp_path)

        shutil.rmtree(VENDOR / "katex", ignore_errors=True)
        (VENDOR / "katex" / "fonts").mkdir(parents=True)

        for name in ("katex.min.js", "katex.min.css"):
            shutil.copy(katex / "dist" / name, VENDOR / "katex" / name)
        shutil.copy(katex / "dist/contrib/auto-render.min.js", VENDOR / "katex")
        # Every browser the course targets reads woff2, the first format katex.min.css lists;
        # the .woff/.ttf fallbacks would triple the size for nothing.
        for font in (katex / "dist/fonts").glob("*.woff2"):
            shutil.copy(font, VENDOR / "katex" / "fonts")
        shutil.copy(katex / "LICENSE", VENDOR / "katex" / "LICENSE")

    (VENDOR / "VERSIONS.txt").write_text(
        "@mermaid-js/tiny@11.17.2\n# Fetched on the first site build by tutor/site.py "
        f"(MERMAID_TARBALL)\n{KATEX}\n# Fetched from the npm registry by "
        "docs/assets/fetch_vendor.py\n",
        encoding="utf-8",
    )
    for path in sorted(VENDOR.rglob("*")):
        if path.is_file():
            print(f"{path.stat().st_size:>9}  {path.relative_to(VENDOR)}")


if __name__ == "__main__":
    main()
