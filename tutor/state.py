"""Versioned JSON state files: atomic writes, locked updates, corrupt files kept aside.

Every state file is a JSON object with a ``format_version``. Writes go to a temporary
file in the same directory that then replaces the target, so a crash or Ctrl-C leaves
either the old or the new file, never half of one. Read-modify-write goes through
:func:`update_json`, which holds a lock file so that two processes (two quizzes in two
terminals) cannot lose each other's changes. A file that cannot be parsed is renamed to
``<name>.corrupt-<timestamp>`` and reported through the ``tutor`` logger; it is never
silently replaced.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from filelock import FileLock

from tutor.errors import StateError

log = logging.getLogger("tutor")

Migration = Callable[[dict[str, Any]], dict[str, Any]]


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` through a temp file + os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, ensure_ascii=False, default=str)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def move_aside(path: Path, reason: str) -> Path:
    """Keep an unreadable state file under a new name and say where it went."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, target)
    log.warning(
        "%s could not be read (%s); kept it as %s and started afresh.", path, reason, target
    )
    return target


def read_json(
    path: Path,
    *,
    default: Callable[[], dict[str, Any]],
    version: int,
    migrations: dict[int, Migration] | None = None,
) -> dict[str, Any]:
    """Read a versioned state file.

    A missing file gives ``default()``. An older ``format_version`` is brought up to
    ``version`` one step at a time with ``migrations[v]`` (v -> v+1). A corrupt file is
    moved aside (see :func:`move_aside`) and ``default()`` returned. A file written by a
    *newer* bert-tutor is refused rather than overwritten.
    """
    if not path.exists():
        return default()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("top level is not a JSON object")
        found = data.get("format_version")
        if not isinstance(found, int):
            raise ValueError("no integer format_version")
    except (ValueError, UnicodeDecodeError) as exc:
        move_aside(path, str(exc))
        return default()
    if found > version:
        raise StateError(
            f"{path} has format_version {found}, newer than this bert-tutor understands "
            f"({version}). Upgrade bert-tutor; the file was left untouched."
        )
    migrations = migrations or {}
    while found < version:
        if found not in migrations:
            raise StateError(f"{path}: no migration from format_version {found}.")
        data = migrations[found](data)
        found += 1
        data["format_version"] = found
    return data


@contextlib.contextmanager
def locked(path: Path, timeout: float = 30.0) -> Iterator[None]:
    """Hold ``<path>.lock`` for a read-modify-write of ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path) + ".lock", timeout=timeout)
    try:
        with lock:
            yield
    except TimeoutError as exc:  # filelock.Timeout subclasses TimeoutError
        raise StateError(f"{path} is locked by another tutor process.") from exc


def update_json(
    path: Path,
    change: Callable[[dict[str, Any]], Any],
    *,
    default: Callable[[], dict[str, Any]],
    version: int,
    migrations: dict[int, Migration] | None = None,
) -> Any:
    """Apply ``change`` to the file's data under a lock and write it back atomically.

    Returns whatever ``change`` returns.
    """
    with locked(path):
        data = read_json(path, default=default, version=version, migrations=migrations)
        result = change(data)
        write_json_atomic(path, data)
        return result
