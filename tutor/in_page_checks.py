"""Static checks of an in-page exercise's files, run by `tutor dev check`.

An exercise marked ``in_page`` runs in its lesson page under Pyodide, with the standard
library only, and the page's runner calls each ``test_*(exercise)`` function of the test
module itself (no pytest there). These checks read the files' syntax trees, so nothing of
the exercise runs.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def in_page_problems(name: str, files: list[Path], test: Path) -> list[str]:
    """An in-page exercise runs in the browser (Pyodide) with the standard library only,
    and its runner calls each ``test_*(exercise)`` function of the test module itself."""
    problems = []
    for path in files:
        if not path.is_file():
            continue  # reported as missing already
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError as exc:
            problems.append(f"{name}: {path}:{exc.lineno}: syntax error: {exc.msg}")
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = ["." * node.level + (node.module or "")]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if not top or top not in sys.stdlib_module_names:
                    problems.append(
                        f"{name}: {path}:{node.lineno}: imports {module!r}, which is "
                        f"not in the standard library; an in_page exercise runs in the "
                        f"browser with the standard library only (or set in_page: false)"
                    )
    if test.is_file():
        problems += _runner_contract_problems(name, test)
    return problems


def _runner_contract_problems(name: str, test: Path) -> list[str]:
    """The in-page runner's contract: ``EXERCISE = "<name>"`` and functions
    ``test_xxx(exercise)`` taking the learner's module and nothing else."""
    try:
        tree = ast.parse(test.read_text(encoding="utf-8"), filename=str(test))
    except SyntaxError:
        return []  # reported above
    problems = []
    names = [
        node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "EXERCISE" for t in node.targets)
        and isinstance(node.value, ast.Constant)
    ]
    if names != [name]:
        problems.append(f"{name}: {test}: needs EXERCISE = {name!r}")
    tests = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    ]
    if not tests:
        problems.append(f"{name}: {test}: has no test_ function")
    for node in tests:
        params = [a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs]
        if isinstance(node, ast.AsyncFunctionDef) or node.decorator_list or params != ["exercise"]:
            problems.append(
                f"{name}: {test}:{node.lineno}: {node.name} must be a plain "
                f"`def {node.name}(exercise):` (no fixtures or decorators: the page calls it "
                f"with the learner's module)"
            )
    # The page shows a failed assert's message and nothing else: a bare assert would
    # leave the learner with no idea what is wrong.
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and node.msg is None:
            problems.append(
                f"{name}: {test}:{node.lineno}: an assert without a message; say what is "
                f"wrong and why (the page shows only the message)"
            )
    return problems
