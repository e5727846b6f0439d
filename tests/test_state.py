from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from tutor import state
from tutor.errors import StateError


def _default() -> dict:
    return {"format_version": 2, "items": []}


def test_missing_file_gives_default(tmp_path: Path):
    assert state.read_json(tmp_path / "s.json", default=_default, version=2) == _default()


def test_atomic_write_round_trip_leaves_no_temp_files(tmp_path: Path):
    path = tmp_path / "deep" / "s.json"
    state.write_json_atomic(path, {"format_version": 2, "items": [1, "é"]})
    assert json.loads(path.read_text(encoding="utf-8"))["items"] == [1, "é"]
    assert [p.name for p in path.parent.iterdir()] == ["s.json"]


def test_corrupt_file_is_moved_aside_with_warning(tmp_path: Path, caplog):
    path = tmp_path / "s.json"
    path.write_text("{not json", encoding="utf-8")
    with caplog.at_level("WARNING", logger="tutor"):
        data = state.read_json(path, default=_default, version=2)
    assert data == _default()
    kept = list(tmp_path.glob("s.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "{not json"
    assert not path.exists()
    assert "kept it as" in caplog.text


@pytest.fixture(scope="module")
def cli_logging_set_up_once():
    """What a session- or module-scoped fixture that runs the CLI in-process leaves
    behind: the "tutor" logger with the CLI's handler and propagation off."""
    from tutor import cli

    cli._setup_logging()


def test_a_cli_set_up_earlier_in_the_session_does_not_hide_warnings(
    cli_logging_set_up_once, tmp_path: Path, caplog
):
    # Regression: in a clone without ../shared (and an older pytest, whose caplog listens
    # only at the root logger), the fixtures that ran before this file left the logger
    # not propagating, and caplog saw nothing of the core's warnings.
    import logging

    log = logging.getLogger("tutor")
    assert log.propagate and not log.handlers
    path = tmp_path / "s.json"
    path.write_text("[]", encoding="utf-8")
    with caplog.at_level("WARNING", logger="tutor"):
        state.read_json(path, default=_default, version=2)
    assert "kept it as" in caplog.text


def test_file_without_version_counts_as_corrupt(tmp_path: Path):
    path = tmp_path / "s.json"
    path.write_text("[1, 2]", encoding="utf-8")
    state.read_json(path, default=_default, version=2)
    assert len(list(tmp_path.glob("s.json.corrupt-*"))) == 1


def test_migration_runs_step_by_step(tmp_path: Path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"format_version": 1, "old": [3]}), encoding="utf-8")
    data = state.read_json(
        path,
        default=_default,
        version=2,
        migrations={1: lambda d: {"format_version": 1, "items": d["old"]}},
    )
    assert data == {"format_version": 2, "items": [3]}


def test_newer_file_is_refused_and_left_alone(tmp_path: Path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"format_version": 9}), encoding="utf-8")
    with pytest.raises(StateError, match="newer"):
        state.read_json(path, default=_default, version=2)
    assert json.loads(path.read_text())["format_version"] == 9


def _append_many(path: str, tag: str, n: int) -> None:
    for i in range(n):
        state.update_json(
            Path(path),
            lambda d, i=i: d["items"].append(f"{tag}{i}"),
            default=_default,
            version=2,
        )


def test_concurrent_updates_lose_nothing(tmp_path: Path):
    path = tmp_path / "s.json"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_many, args=(str(path), t, 25)) for t in "ab"]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    items = json.loads(path.read_text())["items"]
    assert sorted(items) == sorted([f"{t}{i}" for t in "ab" for i in range(25)])


def _checked(data: dict) -> list[str]:
    from pydantic import StrictInt

    return state.repair(data, {"items": state.Entries(StrictInt)})


def test_entries_that_do_not_fit_are_dropped_and_the_original_kept_aside(tmp_path, caplog):
    path = tmp_path / "s.json"
    original = json.dumps({"format_version": 2, "items": [1, "two", 3], "stray": True})
    path.write_text(original, encoding="utf-8")
    with caplog.at_level("WARNING", logger="tutor"):
        data = state.read_json(path, default=_default, version=2, check=_checked)
    assert data == {"format_version": 2, "items": [1, 3]}
    assert json.loads(path.read_text(encoding="utf-8")) == data
    (kept,) = tmp_path.glob("s.json.corrupt-*")
    assert kept.read_text(encoding="utf-8") == original
    assert len(caplog.records) == 1
    assert "2 entries could not be read" in caplog.text and "items[1]" in caplog.text
    caplog.clear()
    state.read_json(path, default=_default, version=2, check=_checked)
    assert not caplog.records  # repaired once, quiet after


def test_a_damaged_version_keeps_the_entries_that_fit(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"format_version": "2", "items": [4]}), encoding="utf-8")
    data = state.read_json(path, default=_default, version=2, check=_checked)
    assert data == {"format_version": 2, "items": [4]}
    assert len(list(tmp_path.glob("s.json.corrupt-*"))) == 1


def test_preflight_names_what_cannot_be_written(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("TUTOR_HOME", str(home))
    state.preflight((home / "s.json", 2))  # creates the folder; nothing else to say
    assert home.is_dir()
    (home / "s.json").mkdir()
    with pytest.raises(StateError, match=r"s\.json is a folder where a state file belongs"):
        state.preflight((home / "s.json", 2))
    (home / "s.json").rmdir()
    (home / "s.json").write_text(json.dumps({"format_version": 3}), encoding="utf-8")
    with pytest.raises(StateError, match="format_version 3, newer"):
        state.preflight((home / "s.json", 2))
    monkeypatch.setenv("TUTOR_HOME", str(home / "s.json"))
    with pytest.raises(StateError, match="is a file, not a folder"):
        state.preflight()


def test_update_turns_a_failed_write_into_one_line(tmp_path, monkeypatch):
    path = tmp_path / "s.json"

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(state, "write_json_atomic", full)
    with pytest.raises(StateError, match="No space left on device"):
        state.update_json(path, lambda d: None, default=_default, version=2)
