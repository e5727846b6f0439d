"""`tutor --help` and `tutor quiz` must start without the ML stack."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "transformers", "datasets")


def _loaded_after(code: str) -> list[str]:
    # The marker separates what the code itself printed (help text) from the module list.
    probe = f"{code}\nimport sys\nprint('@@LOADED@@', *(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return out.stdout.rsplit("@@LOADED@@", 1)[1].split()


def test_import_cli_loads_no_ml_stack():
    assert _loaded_after("import tutor.cli") == []


def test_help_loads_no_ml_stack():
    code = (
        "import sys\nfrom tutor.cli import cli\n"
        "try:\n    cli(['--help'], prog_name='tutor')\nexcept SystemExit:\n    pass"
    )
    assert _loaded_after(code) == []


def test_every_group_help_loads_no_ml_stack():
    from tutor.cli import cli

    for name in cli.commands:
        code = (
            "import sys\nfrom tutor.cli import cli\n"
            f"try:\n    cli([{name!r}, '--help'], prog_name='tutor')\nexcept SystemExit:\n    pass"
        )
        assert _loaded_after(code) == [], name
