"""Readers of the day-50 benchmarks (on small fixtures in their real layouts) and the
benchmarks' own metrics, checked against hand-worked examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import SHARED_DATA
from tutor.errors import DataFileError, OfflineError
from tutor.training import benchmarks as bm
from tutor.training.heads import align_labels
from tutor.training.hub import HubStatus

FIXTURES = Path(__file__).parent / "fixtures" / "benchmarks"
OFFLINE = HubStatus(False, "HF_HUB_OFFLINE is set")


def test_conll_reader_skips_docstart_and_splits_sentences():
    sentences = bm.read_conll(FIXTURES / "conll2003" / "train.txt")
    assert len(sentences) == 24
    words, tags = sentences[0]
    assert words == ["Anna", "Berg", "joined", "Northwind", "Bank", "in", "Lisbon", "."]
    assert tags == ["B-PER", "I-PER", "O", "B-ORG", "I-ORG", "O", "B-LOC", "O"]
    assert all(len(w) == len(t) for w, t in sentences)


def test_conll_reader_takes_the_last_column_of_the_four_column_format(tmp_path):
    path = tmp_path / "eng.txt"
    path.write_text("Paris NNP I-NP B-LOC\nsleeps VBZ I-VP O\n\n", encoding="utf-8")
    assert bm.read_conll(path) == [(["Paris", "sleeps"], ["B-LOC", "O"])]


def test_conll_reader_rejects_a_line_without_a_tag(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("Paris B-LOC 0\nlonely\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"bad\.txt:2"):
        bm.read_conll(path)


def test_tag_set_puts_o_first_then_the_conll_order():
    assert bm.tag_set([(["a", "b", "c"], ["B-LOC", "O", "I-PER"])]) == ["O", "I-PER", "B-LOC"]


def test_mrpc_reader_keeps_quotes_inside_sentences():
    pairs = bm.read_mrpc(FIXTURES / "mrpc" / "train.txt")
    assert len(pairs) == 16
    assert pairs[0] == (
        "The bank raised its rates on Tuesday.",
        "On Tuesday the bank increased its rates.",
        1,
    )
    quoted = [p for p in pairs if '"no deal"' in p[0]]
    assert quoted and quoted[0][1] == 'A "no deal" outcome was likely, the minister said.'


def test_mrpc_reader_rejects_a_short_row(tmp_path):
    path = tmp_path / "mrpc.txt"
    path.write_text("Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t2\tonly\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"mrpc\.txt:2"):
        bm.read_mrpc(path)


def test_stsb_reader_ignores_the_two_extra_columns_and_keeps_quotes():
    rows = bm.read_stsb(FIXTURES / "stsb" / "train.csv")
    assert len(rows) == 16
    # Row 2 carries two extra source columns: score and sentences are still columns 5-7.
    assert rows[1] == (
        "The bank raised its rates on Tuesday.",
        "The bank closed two branches in May.",
        0.8,
    )
    assert any('"no deal"' in a for a, _, _ in rows)


def test_stsb_reader_rejects_a_row_without_a_score(tmp_path):
    path = tmp_path / "sts.csv"
    path.write_text("genre\tfile\t2012\t1\tn/a\tA\tB\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"sts\.csv:1"):
        bm.read_stsb(path)


def test_squad_slice_trains_and_tests_on_different_articles():
    items = bm.read_squad(FIXTURES / "squad" / "dev-v2.0-first5.json")
    assert len(items) == 15 and sum(x.impossible for x in items) == 5
    first = items[0]
    assert first.context[first.starts[0] :].startswith(first.answers[0])
    train, test = bm.split_articles(items)
    assert {x.title for x in train} == {"Harbourtown", "Glass_bridge", "Mountain_railway"}
    assert {x.title for x in train}.isdisjoint({x.title for x in test})
    assert len(train) + len(test) == 15


def test_load_prefers_the_local_copy():
    b = bm.load("similarity", OFFLINE, data_dir=FIXTURES)
    assert (len(b.train), len(b.test)) == (16, 8)
    assert "local copy" in b.source
    ner = bm.load("ner", OFFLINE, data_dir=FIXTURES)
    assert ner.labels[0] == "O" and "B-MISC" in ner.labels


def test_load_offline_without_a_copy_says_what_to_do(tmp_path):
    with pytest.raises(OfflineError) as info:
        bm.load("paraphrase", OFFLINE, data_dir=tmp_path)
    message = str(info.value)
    assert "nyu-mll/glue mrpc" in message and "TUTOR_DATA_DIR" in message
    assert "mrpc/train.txt" in message


def test_label_alignment_marks_continuations_and_specials():
    # [CLS] Ok ##afor joined [SEP]: word 0 split in two pieces.
    word_ids = [None, 0, 0, 1, None]
    assert align_labels(word_ids, [1, 0]) == [-100, 1, -100, 0, -100]


def test_entity_f1_counts_whole_entities_only():
    gold = [["B-PER", "I-PER", "O", "B-LOC", "O"], ["B-ORG", "O"]]
    # The person is cut short (wrong boundary), the place is right, the organisation is
    # missed and a spurious MISC appears: 1 right of 3 predicted, 1 found of 3 gold.
    predicted = [["B-PER", "O", "O", "B-LOC", "O"], ["O", "B-MISC"]]
    scores = bm.entity_scores(gold, predicted)
    assert scores["precision"] == pytest.approx(1 / 3)
    assert scores["recall"] == pytest.approx(1 / 3)
    assert scores["f1"] == pytest.approx(1 / 3)
    # Tag by tag the same prediction looks better: 4 of 7 tags right.
    assert sum(g == p for gs, ps in zip(gold, predicted) for g, p in zip(gs, ps)) == 4


def test_pair_scores_and_the_always_paraphrase_baseline():
    gold = [1, 1, 1, 0]
    assert bm.pair_scores(gold, [1, 0, 1, 0]) == pytest.approx({"accuracy": 0.75, "f1": 0.8})
    base = bm.always_positive(gold)
    assert base["accuracy"] == 0.75
    assert base["f1"] == pytest.approx(2 * 0.75 / 1.75)


def test_spearman_sees_only_the_order():
    assert bm.spearman([1, 2, 3, 4], [10, 20, 30, 400]) == pytest.approx(1.0)
    assert bm.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert bm.spearman([1, 2, 3], [1, 3, 2]) == pytest.approx(0.5)


def test_squad_normalisation_and_scores():
    assert bm.normalize_answer("The  Norman, conquest!") == "norman conquest"
    assert bm.exact_match("the Normans", "Normans") == 1.0
    # "the" dropped: 2 shared words of 3 predicted and 2 gold: P 2/3, R 1, F1 0.8.
    assert bm.token_f1("the 10th and 11th", "10th 11th") == pytest.approx(0.8)
    items = [
        bm.QAItem("a", "t", "q", "c", ("France", "in France"), (0, 0)),
        bm.QAItem("b", "t", "q", "c", (), ()),
        bm.QAItem("c", "t", "q", "c", (), ()),
    ]
    scores = bm.squad_scores(items, ["france", "", "Paris"])
    assert scores["exact_match"] == pytest.approx(2 / 3)
    assert scores["has_ans_f1"] == 1.0 and scores["no_ans_f1"] == 0.5


def _fake_hub(monkeypatch, splits: dict[str, dict]) -> list[tuple]:
    """datasets.load_dataset replaced by in-memory splits; returns the calls made."""
    import datasets

    calls = []

    def load_dataset(hub_id, config=None):
        calls.append((hub_id, config))
        return {name: datasets.Dataset.from_dict(cols) for name, cols in splits.items()}

    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    return calls


def test_hub_stsb_scores_come_back_to_0_to_5(monkeypatch, tmp_path):
    rows = {"sentence1": ["A cat sits."], "sentence2": ["A cat is sitting."], "score": [0.84]}
    calls = _fake_hub(monkeypatch, {"train": rows, "test": rows})
    b = bm.load("similarity", HubStatus(True, ""), data_dir=tmp_path)
    assert calls == [("sentence-transformers/stsb", None)]
    assert b.test == [("A cat sits.", "A cat is sitting.", pytest.approx(4.2))]
    assert "hub" in b.source


def test_hub_conll_tags_are_read_through_their_names(monkeypatch, tmp_path):
    import datasets

    features = datasets.Features(
        {
            "tokens": datasets.Sequence(datasets.Value("string")),
            "ner_tags": datasets.Sequence(datasets.ClassLabel(names=bm.CONLL_TAGS)),
        }
    )
    split = {"tokens": [["Oslo", "wins"]], "ner_tags": [[5, 0]]}

    def load_dataset(hub_id, config=None):
        return {k: datasets.Dataset.from_dict(split, features=features) for k in ("train", "test")}

    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    b = bm.load("ner", HubStatus(True, ""), data_dir=tmp_path)
    assert b.train == [(["Oslo", "wins"], ["B-LOC", "O"])]
    assert b.labels == ["O", "B-LOC"]


def test_hub_squad_keeps_the_five_article_protocol(monkeypatch, tmp_path):
    titles = ["A", "B", "C", "D", "E", "F"]
    cols = {
        "id": [f"q{t}" for t in titles],
        "title": titles,
        "question": ["Why?"] * 6,
        "context": ["Because so."] * 6,
        "answers": [{"text": ["so"], "answer_start": [8]}] * 5 + [{"text": [], "answer_start": []}],
    }
    _fake_hub(monkeypatch, {"validation": cols})
    b = bm.load("qa", HubStatus(True, ""), data_dir=tmp_path)
    assert [x.title for x in b.train] == ["A", "B", "C"]
    assert [x.title for x in b.test] == ["D", "E"]  # F is past the five-article slice


@pytest.mark.shared_data
@pytest.mark.skipif(not (SHARED_DATA / "stsb").is_dir(), reason="needs ../shared/data")
def test_the_local_copies_read_as_their_readme_counts():
    counts = {
        task: (len(b.train), len(b.test))
        for task in bm.TASKS
        for b in [bm.load(task, OFFLINE, data_dir=SHARED_DATA)]
    }
    assert counts == {
        "ner": (14041, 3453),
        "paraphrase": (4080, 1725),
        "similarity": (5749, 1379),
        "qa": (950, 457),  # articles 1-3 against 4-5 of the 1,407 questions
    }
    mrpc = bm.load("paraphrase", OFFLINE, data_dir=SHARED_DATA)
    baseline = bm.always_positive([y for *_, y in mrpc.test])
    assert round(baseline["accuracy"], 3) == 0.665 and round(baseline["f1"], 2) == 0.80
