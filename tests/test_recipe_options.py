"""The CPU-recipe options of issue 25 that need no measurement to be right, tested on
their decisions (made-up rates, as in test_budget.py) and on a tiny model: freezing the
lower layers, evaluating with longer inputs, evaluating mid-run on a sample or not at
all, and re-planning after the first minute of real steps."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tutor.cli import cli
from tutor.training import budget as b
from tutor.training.replan import _linear_lambda, replan_steps
from tutor.training.strategies import frozen_below

LAYERS = 6


def test_frozen_below_takes_the_lowest_layers_only():
    names = [
        "bert.embeddings.word_embeddings.weight",
        "bert.encoder.layer.0.attention.self.query.weight",
        "bert.encoder.layer.1.output.dense.bias",
        "bert.encoder.layer.2.output.dense.bias",
        "bert.encoder.layer.5.output.dense.bias",
        "bert.pooler.dense.weight",
        "classifier.weight",
    ]
    assert [frozen_below(n, LAYERS, 2) for n in names] == [False, True, True] + [False] * 4
    assert not any(frozen_below(n, LAYERS, 0) for n in names)
    # Asking for every layer (or more) still leaves the top one and the head training.
    assert [frozen_below(n, LAYERS, 99) for n in names] == [False] + [True] * 3 + [False] * 3


def _tiny_classifier(layers: int):
    from transformers import BertConfig, BertForSequenceClassification

    config = BertConfig(
        vocab_size=50,
        hidden_size=16,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
    )
    return BertForSequenceClassification(config)


def test_freezing_layers_stops_their_gradients():
    import torch

    from tutor.training.finetune import freeze_lower_layers

    model = _tiny_classifier(3)
    frozen = freeze_lower_layers(model, 2)
    assert frozen == sum(p.numel() for p in model.bert.encoder.layer[:2].parameters())
    model(input_ids=torch.tensor([[1, 5, 7, 2]]), labels=torch.tensor([1])).loss.backward()
    for name, param in model.named_parameters():
        lower = ".layer.0." in name or ".layer.1." in name
        assert (param.grad is None) is lower, name


def test_the_top_layer_always_trains():
    from tutor.training.finetune import freeze_lower_layers

    model = _tiny_classifier(2)
    # The fp32 recipe's 2 on a 2-layer model: only the lower one stops.
    assert freeze_lower_layers(model, 2) == sum(
        p.numel() for p in model.bert.encoder.layer[0].parameters()
    )
    assert all(p.requires_grad for p in model.bert.encoder.layer[1].parameters())


def test_without_native_bf16_imdb_freezes_two_layers_and_skips_mid_run_evaluations():
    from tutor.training.hardware import Hardware
    from tutor.training.recipes import choose_recipe

    laptop = Hardware(device="cpu", name="CPU (2 threads)", bf16=False, cpu_threads=2)
    bf16_cpu = Hardware(device="cpu", name="CPU (2 threads)", bf16=True, cpu_threads=2)
    fp32 = choose_recipe(laptop, "cpu")
    assert (fp32.precision, fp32.freeze_layers, fp32.mid_eval_samples) == ("fp32", 2, 0)
    # The bf16 recipe is unchanged, and SST-2 keeps its mid-run evaluations in fp32 too.
    bf16 = choose_recipe(bf16_cpu, "cpu")
    assert (bf16.precision, bf16.freeze_layers, bf16.mid_eval_samples) == ("bf16", 0, None)
    sst2 = choose_recipe(laptop, "cpu", {"dataset": "sst2"})
    assert (sst2.freeze_layers, sst2.mid_eval_samples) == (0, None)
    # --precision fp32 on a bf16 CPU stands for the laptop; the learner's own flags win.
    assert choose_recipe(bf16_cpu, "cpu", {"precision": "fp32"}) == fp32
    mine = choose_recipe(bf16_cpu, "cpu", {"precision": "fp32", "freeze_layers": 0})
    assert mine.freeze_layers == 0


def test_mid_run_evaluations_on_a_sample_leave_more_time_to_train():
    common = dict(eval_seconds=60.0, evals_per_epoch=2, share=1.0)
    whole, n_whole = b.fit_with_evaluations(10.0, 600.0, 100_000, 32, 1, **common)
    sample, n_sample = b.fit_with_evaluations(
        10.0, 600.0, 100_000, 32, 1, final_eval=True, mid_eval_seconds=15.0, **common
    )
    # Whole: 2 evaluations of 60 s leave 480 s. Sampled: planned for 2 of 15 s and a
    # final one of 60 s, 510 s; the second sampled one would fall after the last step.
    assert (n_whole, whole.train_samples) == (2, 4800 // 32 * 32)
    assert (n_sample, sample.train_samples) == (2, 5100 // 32 * 32)
    assert b.evaluation_cost(3, 60.0, 15.0) == 90.0 and b.evaluation_cost(3, 60.0, None) == 180.0
    # None during training: one evaluation, the final one.
    only_end, n_end = b.fit_with_evaluations(
        10.0, 600.0, 100_000, 32, 1, eval_seconds=60.0, evals_per_epoch=0, share=1.0
    )
    assert (n_end, only_end.train_samples) == (1, 5400 // 32 * 32)


def test_mid_run_evaluation_data_and_arguments():
    from datasets import Dataset

    from tutor.training.finetune import mid_run_evaluation
    from tutor.training.recipes import Recipe

    ds = Dataset.from_dict({"input_ids": [[1, i, 2] for i in range(50)]})
    recipe = Recipe(name="cpu", model="m", seed=3)
    assert mid_run_evaluation(ds, recipe, None) == (ds, None)
    sample, args = mid_run_evaluation(ds, Recipe(name="cpu", model="m", mid_eval_samples=8), {})
    assert len(sample) == 8 and args == {}
    assert len({tuple(x) for x in sample["input_ids"]}) == 8  # distinct rows
    none, args = mid_run_evaluation(ds, Recipe(name="cpu", model="m", mid_eval_samples=0), None)
    assert none is ds and args == {"eval_strategy": "no"}


def test_replanning_fits_the_steps_to_the_measured_speed():
    # Planned 1,100 steps at 0.6 s and 40 s of evaluations in a 700 s deadline; 100
    # steps done in the first 60 s.
    common = dict(elapsed=60.0, steps_done=100, planned_steps=1100, deadline=700.0)
    common |= dict(evaluation_seconds_left=40.0, available_steps=1250)
    # Slower than planned (0.75 s/step): 100 + 600 / 0.75 = 900 steps.
    assert replan_steps(seconds_per_step=0.75, **common) == 900
    # Faster (0.5 s/step): 100 + 1,200 = 1,300, but only 1,250 steps' worth of examples.
    assert replan_steps(seconds_per_step=0.5, **common) == 1250
    # Within 5 % of the plan: the plan stands.
    assert replan_steps(seconds_per_step=0.6, **common) is None
    # Past the deadline already: one more step, not none.
    late = {**common, "elapsed": 800.0}
    assert replan_steps(seconds_per_step=0.6, **late) == 101


def test_the_replanned_schedule_still_ends_at_zero():
    factor = _linear_lambda(warmup=60, total=900)
    assert factor(0) == 0 and factor(60) == 1.0
    assert factor(480) == pytest.approx(0.5) and factor(900) == 0.0


@pytest.mark.parametrize("flag, value", [("--freeze-layers", "-1"), ("--eval-max-length", "513")])
def test_out_of_range_options_are_refused(flag, value):
    result = CliRunner().invoke(cli, ["run", "day7", flag, value])
    assert result.exit_code == 2 and flag in result.output


@pytest.mark.slow
def test_a_run_with_the_new_options_evaluates_everything_at_the_end(tiny_bert, tutor_home):
    from safetensors.torch import load_file

    args = ["run", "day7", "--profile", "smoke", "--model", str(tiny_bert)]
    args += ["--freeze-layers", "1", "--eval-max-length", "128", "--mid-eval-samples", "8"]
    args += ["--train-embeddings"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (run_dir,) = (tutor_home / "runs").iterdir()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    recipe = metrics["recipe"]
    assert (recipe["freeze_layers"], recipe["eval_max_length"]) == (1, 128)
    # The final evaluation read all 32 held-out texts, not the mid-run sample of 8.
    assert sum(map(sum, metrics["confusion_matrix"])) == 32
    assert metrics["evaluations"] == 2  # the sampled one at the last step, the full one
    before = load_file(tiny_bert / "model.safetensors")
    after = load_file(run_dir / "model" / "model.safetensors")
    low, high = "encoder.layer.0.output.dense.weight", "encoder.layer.1.output.dense.weight"
    assert after[f"bert.{low}"].equal(before[low])  # frozen
    assert not after[f"bert.{high}"].equal(before[high])  # trained


@pytest.mark.slow
def test_replan_keeps_headroom_and_trains_the_planned_steps(tiny_bert, tutor_home, monkeypatch):
    """The budget of test_budget.py's tiny run (448 reviews, 14 steps, speeds faked) with
    --replan: 25 % more reviews kept (560), the same 14 steps planned over them. The run
    lasts less than the minute after which it would re-plan."""
    monkeypatch.setattr(
        b,
        "probe",
        lambda *a, shape, **k: b.Rate(shape, {256: 4.0, 128: 9.0}[shape.max_length], 1.0),
    )
    monkeypatch.setattr(b, "probe_eval", lambda *args, **kwargs: 16.0)
    args = ["run", "day7", "--profile", "cpu", "--model", str(tiny_bert), "--precision", "fp32"]
    args += ["--time-budget", "1", "--max-eval-samples", "32", "--replan"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (run_dir,) = (tutor_home / "runs").iterdir()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["budget"]["train_samples"] == 448 and metrics["train_examples"] == 560
    assert metrics["steps"] == 14 and metrics["recipe"]["replan"] is True
