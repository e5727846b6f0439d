"""Versioned JSON state files: checked on reading, written atomically, updated under a lock.

Every state file is a JSON object with a ``format_version``. Writes go to a temporary
file in the same directory that then replaces the target, so a crash or Ctrl-C leaves
either the old or the new file, never half of one. Read-modify-write goes through
:func:`update_json`, which holds a lock file so that two processes (two quizzes in two
terminals) cannot lose each other's changes.

What is read is checked, nested fields included, by the owner's ``check`` (pydantic
models, see :func:`repair`). A file that cannot be parsed at all is renamed to
``<name>.corrupt-<time>``. A file that parses but holds entries of the wrong shape keeps
every entry that fits: the original is copied to ``<name>.corrupt-<time>`` and the
readable part written back, so one bad record never costs the learner the others. Either
way one warning goes through the ``tutor`` logger; nothing is silently replaced.

:func:`preflight` checks, before a command asks anything or does any work, that the
state folder can be written and that the files are of a version this bert-tutor reads;
otherwise it raises one :class:`StateError` line that says what to do.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from filelock import FileLock
from pydantic import AfterValidator, StrictStr, TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from tutor import paths
from tutor.errors import StateError

log = logging.getLogger("tutor")

Migration = Callable[[dict[str, Any]], dict[str, Any]]
# Repairs ``data`` in place and returns what it had to drop (empty: the data was fine).
Check = Callable[[dict[str, Any]], list[str]]

FIX_HOME = (
    f"point {paths.HOME_ENV} at a folder you can write (e.g. `export "
    f"{paths.HOME_ENV}=~/bert-tutor`) or fix the folder's permissions"
)


# --------------------------------------------------------------------------- nested checks


def _iso_time(value: str) -> str:
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PydanticCustomError("iso_time", "not an ISO date and time") from None
    return value


def _aware_time(value: str) -> str:
    when = dt.datetime.fromisoformat(_iso_time(value).replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise PydanticCustomError("aware_time", "a date and time without a time zone")
    return value


IsoTime = Annotated[StrictStr, AfterValidator(_iso_time)]
AwareTime = Annotated[StrictStr, AfterValidator(_aware_time)]


@dataclass(frozen=True)
class Entries:
    """A top-level field holding a list (or a mapping) of records of ``item`` type.

    Each record is checked on its own, so a bad one is dropped and the others are kept.
    """

    item: Any
    mapping: bool = False

    def empty(self) -> list[Any] | dict[str, Any]:
        return {} if self.mapping else []


_ADAPTERS: dict[int, TypeAdapter[Any]] = {}


def _adapter(kind: Any) -> TypeAdapter[Any]:
    key = id(kind)
    if key not in _ADAPTERS:
        _ADAPTERS[key] = TypeAdapter(kind)
    return _ADAPTERS[key]


def _first_error(exc: PydanticValidationError) -> str:
    """'.field: message' for the first thing wrong with one entry."""
    err = exc.errors(include_url=False)[0]
    where = "".join(f".{part}" for part in err["loc"])
    return f"{where}: {err['msg']}"


def repair(data: dict[str, Any], fields: dict[str, Entries]) -> list[str]:
    """Keep the entries of ``data`` that fit ``fields``; drop (and list) the others.

    A missing field becomes empty (nothing is lost); a field of the wrong kind, an entry
    that does not validate and an unknown top-level key are dropped and reported.
    """
    problems: list[str] = []
    for key in list(data):
        if key != "format_version" and key not in fields:
            problems.append(f"unknown field '{key}'")
            del data[key]
    for key, spec in fields.items():
        value = data.get(key)
        if key not in data:
            data[key] = spec.empty()
            continue
        if spec.mapping and not isinstance(value, dict):
            problems.append(f"'{key}' must be an object")
            data[key] = spec.empty()
            continue
        if not spec.mapping and not isinstance(value, list):
            problems.append(f"'{key}' must be a list")
            data[key] = spec.empty()
            continue
        adapter = _adapter(spec.item)
        items = value.items() if spec.mapping else enumerate(value)
        kept: Any = spec.empty()
        for name, entry in items:
            try:
                adapter.validate_python(entry)
            except PydanticValidationError as exc:
                problems.append(f"{key}[{name!r}]{_first_error(exc)}")
                continue
            except (RecursionError, TypeError, ValueError) as exc:
                problems.append(f"{key}[{name!r}]: {exc}")
                continue
            if spec.mapping:
                kept[name] = entry
            else:
                kept.append(entry)
        data[key] = kept
    return problems


# --------------------------------------------------------------------------- files


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


def _aside_name(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    return target


def move_aside(path: Path, reason: str) -> Path | None:
    """Keep an unreadable state file under a new name and say where it went.

    Returns the new name, or None when the folder cannot be written (the file then stays
    where it is, and the command goes on without it)."""
    target = _aside_name(path)
    try:
        os.replace(path, target)
    except OSError as exc:
        log.warning(
            "%s could not be read (%s) and could not be set aside (%s); carrying on without it.",
            path,
            reason,
            exc.strerror or exc,
        )
        return None
    log.warning(
        "%s could not be read (%s); kept it as %s and started afresh.", path, reason, target
    )
    return target


def _state_error(path: Path, exc: OSError, doing: str) -> StateError:
    """One line for an OSError on a state file, with what to do about it."""
    if isinstance(exc, IsADirectoryError) or path.is_dir():
        return StateError(
            f"Cannot {doing} {path}: it is a folder, not a file. Move it away "
            f"(`mv {path} {path}.old`) and try again."
        )
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        return StateError(
            f"Cannot {doing} {path}: {paths.tutor_home()} is not a folder; {FIX_HOME}."
        )
    reason = exc.strerror or str(exc)
    return StateError(f"Cannot {doing} {path} ({reason}); {FIX_HOME}.")


def read_json(
    path: Path,
    *,
    default: Callable[[], dict[str, Any]],
    version: int,
    migrations: dict[int, Migration] | None = None,
    check: Check | None = None,
) -> dict[str, Any]:
    """Read a versioned state file.

    A missing file gives ``default()``. An older ``format_version`` is brought up to
    ``version`` one step at a time with ``migrations[v]`` (v -> v+1). A corrupt file is
    moved aside (see :func:`move_aside`) and ``default()`` returned; entries that
    ``check`` drops are kept in a copy aside (see the module docstring). A file written by
    a *newer* bert-tutor is refused rather than overwritten.
    """
    if not path.exists():
        return default()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        move_aside(path, f"not UTF-8 text: {exc.reason}")
        return default()
    except OSError as exc:
        raise _state_error(path, exc, "read") from exc
    problems: list[str] = []
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("top level is not a JSON object")
        found = data.get("format_version")
        if type(found) is not int:
            if check is None:
                raise ValueError("no integer format_version")
            # An object whose version was damaged: its entries are still checked one by
            # one against this version, so the ones that fit are not lost.
            problems.append(f"format_version {found!r} is not an integer")
            data["format_version"] = found = version
    except (ValueError, RecursionError) as exc:
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
    if check is not None:
        problems += check(data)
    if problems:
        _keep_readable_part(path, text, data, problems)
    return data


def _keep_readable_part(
    path: Path, original: str, data: dict[str, Any], problems: list[str]
) -> None:
    """Copy the original aside, write back what could be read; one warning either way."""
    shown = "; ".join(problems[:3]) + (
        f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
    )
    what = f"{len(problems)} entr{'y' if len(problems) == 1 else 'ies'} could not be read ({shown})"
    target = _aside_name(path)
    try:
        with locked(path):
            # Another process may have changed the file since it was read: write back
            # only if it is still the one that was checked.
            if path.read_text(encoding="utf-8") != original:
                raise _Changed
            target.write_text(original, encoding="utf-8")
            write_json_atomic(path, data)
    except _Changed:
        return
    except (OSError, StateError) as exc:
        reason = (exc.strerror or str(exc)) if isinstance(exc, OSError) else exc.message
        log.warning(
            "%s: %s; they are ignored (the file could not be rewritten: %s).", path, what, reason
        )
        return
    log.warning("%s: %s; kept it as %s and carried on with the rest.", path, what, target)


class _Changed(Exception):
    pass


_held = threading.local()


@contextlib.contextmanager
def locked(path: Path, timeout: float = 30.0) -> Iterator[None]:
    """Hold ``<path>.lock`` for a read-modify-write of ``path`` (re-entrant in a thread)."""
    held: set[str] = getattr(_held, "paths", None) or set()
    _held.paths = held
    key = str(path)
    if key in held:
        yield
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(key + ".lock", timeout=timeout)
        lock.acquire()
    except TimeoutError as exc:  # filelock.Timeout subclasses TimeoutError
        raise StateError(f"{path} is locked by another tutor process.") from exc
    except OSError as exc:
        raise _state_error(path, exc, "write") from exc
    held.add(key)
    try:
        yield
    finally:
        held.discard(key)
        lock.release()


def update_json(
    path: Path,
    change: Callable[[dict[str, Any]], Any],
    *,
    default: Callable[[], dict[str, Any]],
    version: int,
    migrations: dict[int, Migration] | None = None,
    check: Check | None = None,
) -> Any:
    """Apply ``change`` to the file's data under a lock and write it back atomically.

    Returns whatever ``change`` returns. Nothing is written when ``change`` raises.
    """
    with locked(path):
        data = read_json(path, default=default, version=version, migrations=migrations, check=check)
        result = change(data)
        try:
            write_json_atomic(path, data)
        except OSError as exc:
            raise _state_error(path, exc, "write") from exc
        return result


# --------------------------------------------------------------------------- pre-flight


def preflight(*files: tuple[Path, int], folders: tuple[Path, ...] = ()) -> None:
    """Check, before any work, that the state folder (and ``folders`` in it) can be written,
    and that each existing ``(file, version)`` is a readable file of a version this
    bert-tutor reads. Raises :class:`StateError` with one line that says what to do."""
    home = paths.tutor_home()
    for folder in (home, *folders):
        if folder.exists() and not folder.is_dir():
            raise StateError(f"Cannot save anything: {folder} is a file, not a folder; {FIX_HOME}.")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=".tutor-write-test-", dir=folder)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise StateError(f"Cannot save anything in {folder} ({reason}); {FIX_HOME}.") from exc
    for path, version in files:
        for candidate in (path, Path(f"{path}.lock")):
            if candidate.exists() and not candidate.is_file():
                raise StateError(
                    f"{candidate} is a folder where a state file belongs: move it away "
                    f"(`mv {candidate} {candidate}.old`) and try again."
                )
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # corrupt: set aside when it is read
        except OSError as exc:
            raise StateError(
                f"Cannot read {path} ({exc.strerror or exc}): fix its permissions "
                f"(`chmod u+rw {path}`) or {FIX_HOME}."
            ) from exc
        try:
            found = json.loads(text).get("format_version")
        except (ValueError, AttributeError, RecursionError):
            continue  # corrupt: set aside when it is read
        if type(found) is int and found > version:
            raise StateError(
                f"{path} has format_version {found}, newer than this bert-tutor understands "
                f"({version}). Upgrade bert-tutor; the file was left untouched."
            )
