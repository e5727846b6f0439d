"""The wall-clock budget: measured throughput -> input shape, examples read and schedule.

The decisions are tested with a fake clock and fake rates; one tiny-model run checks
that `tutor run day7` sizes itself from what it measured and records the plan."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tutor.training import budget as b
from tutor.training.budget import BudgetPlan, Fit, Rate, Shape, choose_shape, fit, measure


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_measure_times_only_the_steps_after_warm_up():
    clock = FakeClock()
    # Warm-up steps are slow (10 s each); then 2 s per batch of 16.
    costs = iter([10.0, 10.0, 2.0, 2.0, 2.0])

    def step(batch):
        clock.now += next(costs)

    rate, seconds = measure(step, [16] * 5, size=lambda batch: batch, warmup=2, clock=clock)
    assert rate == pytest.approx(48 / 6.0)  # 3 batches of 16 in 6 s: 8 samples/s
    assert seconds == pytest.approx(26.0)  # what measuring cost, warm-up included
    with pytest.raises(ValueError):
        measure(step, [16, 16], size=lambda batch: batch, warmup=2, clock=clock)


def test_fast_steps_warm_up_a_whole_pass_then_repeat_for_long_enough():
    clock = FakeClock()
    seen: list[str] = []

    def step(batch):
        # A shape's first step is slow (0.5 s), later ones 0.125 s for 32 sentences.
        clock.now += 0.125 if batch in seen else 0.5
        seen.append(batch)

    # Two warm-up batches, three timed ones: their first pass (1.5 s < 2 s) only warms up,
    # then they run in turn for 2 s of timing.
    rate, seconds = measure(
        step, ["w1", "w2", "a", "b", "c"], lambda b: 32, min_seconds=2.0, clock=clock
    )
    assert rate == pytest.approx(256.0)  # not dragged down by the first-shape steps
    assert seen[2:8] == ["a", "b", "c", "a", "b", "c"] and len(seen) == 2 + 3 + 16
    assert seconds == pytest.approx(1.0 + 1.5 + 2.0)
    # Slow steps: one timed pass, as before.
    clock2, calls = FakeClock(), []

    def slow(batch):
        clock2.now += 3.0
        calls.append(batch)

    rate, _ = measure(
        slow, ["w1", "w2", "a", "b", "c"], lambda b: 16, min_seconds=2.0, clock=clock2
    )
    assert calls == ["w1", "w2", "a", "b", "c"] and rate == pytest.approx(16 / 3.0)


def test_fit_reads_what_the_budget_allows_in_whole_batches():
    # 7.9 samples/s for 12 minutes: 5,688 samples, 355 whole batches of 16.
    f = fit(7.9, 12 * 60, pool=20_000, batch_size=16, max_epochs=1)
    assert f == Fit(train_samples=5_680, epochs=1.0, steps=355)
    # Twice the speed, twice the reviews; the schedule spans exactly those steps.
    assert fit(15.8, 12 * 60, 20_000, 16, 1).train_samples == 11_376
    # Not even one batch fits: one batch anyway.
    assert fit(0.01, 60, 20_000, 16, 1) == Fit(16, 1.0, 1)


def test_evaluations_follow_the_trainers_eval_steps():
    # 100 steps a pass, 2 evaluations a pass: every 50 steps.
    assert b.evaluations(100, 100, 2) == 2
    assert b.evaluations(130, 100, 2) == 3  # the last step is off the grid: one more
    assert b.evaluations(150, 100, 2) == 3
    assert b.evaluations(100, 100, 2, final=True) == 3  # averaged weights: their own pass
    assert b.evaluations(3, 100, 2) == 1  # a run shorter than one interval: at the end


def test_the_budget_pays_for_the_evaluations_and_plans_below_the_measured_speed():
    # 10 samples/s, 600 s, two evaluations of 60 s: 480 s at 92 % of the speed read 4,416
    # examples, 276 batches of 16.
    f, evals = b.fit_with_evaluations(
        10.0, 600, pool=20_000, batch_size=16, max_epochs=1, eval_seconds=60, evals_per_epoch=2
    )
    assert evals == 2
    assert f == fit(10.0 * b.SUSTAINED_SHARE, 600 - 2 * 60, 20_000, 16, 1)
    assert f.train_samples == 4_416
    # Without evaluations or margin it is plain fit().
    f0, _ = b.fit_with_evaluations(
        10.0, 600, 20_000, 16, 1, eval_seconds=0, evals_per_epoch=2, share=1.0
    )
    assert f0 == fit(10.0, 600, 20_000, 16, 1)


def test_more_passes_mean_more_evaluations_and_less_time_to_train():
    # A small pool read several times: each pass adds its evaluations, which the refit
    # pays for. 1,000 examples at 100 samples/s for 60 s: 6 passes before evaluations;
    # with 4 s per evaluation and 2 a pass, fewer passes fit, and the count agrees.
    f, evals = b.fit_with_evaluations(
        100.0,
        60,
        pool=1_000,
        batch_size=10,
        max_epochs=10,
        eval_seconds=4,
        evals_per_epoch=2,
        share=1.0,
    )
    assert evals == b.evaluations(f.steps, 100, 2)
    assert f.steps * 10 / 100.0 + evals * 4 <= 60
    assert 1.0 < f.epochs < 6.0


def test_fit_takes_the_whole_pool_and_as_many_passes_as_fit():
    # SST-2: 67,349 sentences at 190 samples/s for 12 min: 136,800 samples, 2.03 passes,
    # capped at the recipe's 2 epochs.
    f = fit(190, 12 * 60, pool=67_349, batch_size=32, max_epochs=2)
    assert (f.train_samples, f.epochs, f.steps) == (67_349, 2.0, 2 * 2_105)
    # Half the speed (an fp32 laptop): all sentences once, plus what fits of a second
    # pass, rounded down to a tenth.
    f = fit(100, 12 * 60, pool=67_349, batch_size=32, max_epochs=2)
    assert (f.train_samples, f.epochs) == (67_349, 1.0)
    f = fit(130, 12 * 60, pool=67_349, batch_size=32, max_epochs=2)
    assert (f.train_samples, f.epochs, f.steps) == (67_349, 1.3, 2_737)


def test_fixed_epochs_size_the_examples_instead():
    f = fit(10, 600, pool=20_000, batch_size=16, max_epochs=1, fixed_epochs=2)
    assert (f.train_samples, f.epochs, f.steps) == (2_992, 2, 374)  # whole batches


def _fake_rates(table):
    asked = []

    def rate(shape: Shape) -> Rate:
        asked.append(shape)
        return Rate(shape, table[(shape.precision, shape.max_length)], seconds=10.0)

    return rate, asked


def batch_for(length):
    return 16 if length >= 256 else 32


def test_shape_bf16_and_long_inputs_when_they_fit():
    rate, asked = _fake_rates({("bf16", 256): 8.0, ("fp32", 256): 3.5, ("bf16", 128): 20})
    shape, rates, reason = choose_shape(rate, ["bf16", "fp32"], [256, 128], batch_for, 720, 20_000)
    assert shape == Shape("bf16", 256, 16)
    # 8/s at 92 % for 700 s reads 5,152 >= 3,500 reviews: 128 tokens is never measured.
    assert [s.max_length for s in asked] == [256, 256]
    assert reason == "bf16 is 2.3x as fast as fp32 here" and len(rates) == 2


def test_shape_falls_back_to_short_inputs_when_long_ones_read_too_little():
    # An fp32-only laptop: 256 tokens would read 4.0 * 0.92 * 710 = 2,612 reviews.
    rate, asked = _fake_rates({("fp32", 256): 4.0, ("fp32", 128): 9.0})
    shape, _, reason = choose_shape(rate, ["fp32"], [256, 128], batch_for, 720, 20_000)
    assert shape == Shape("fp32", 128, 32) and len(asked) == 2
    assert reason == "256 tokens would read only 2,612 examples (fewer than 3,500)"


def test_the_final_evaluation_is_paid_before_a_length_counts_as_fitting():
    # The emulated AVX2 laptop of issue 25 (two layers frozen): 5.1/s at 256 tokens, 10 s
    # of measuring, 840 s of budget. Training alone would read 5.1 * 0.92 * 830 = 3,894
    # reviews; the final evaluation of 2,000 reviews (at 3.3 x 5.1/s: 119 s) leaves 3,336.
    # A run that counted without it took 256 tokens and read 2,992 reviews: 85.9 %.
    rate, _ = _fake_rates({("fp32", 256): 5.1, ("fp32", 128): 10.5})
    shape, _, _ = choose_shape(rate, ["fp32"], [256, 128], batch_for, 840, 20_000)
    assert shape.max_length == 256
    shape, _, reason = choose_shape(
        rate, ["fp32"], [256, 128], batch_for, 840, 20_000, eval_examples=2_000
    )
    assert shape == Shape("fp32", 128, 32)
    assert reason == "256 tokens would read only 3,336 examples (fewer than 3,500)"


def test_shape_a_faster_fp32_wins_and_short_texts_measure_one_length():
    # Emulated bf16 (no native instructions) is slower than fp32: fp32 is chosen.
    rate, asked = _fake_rates({("bf16", 128): 30.0, ("fp32", 128): 60.0})
    shape, _, _ = choose_shape(rate, ["bf16", "fp32"], [128], batch_for, 720, 67_349)
    assert shape == Shape("fp32", 128, 32) and len(asked) == 2


def test_a_busy_machine_does_not_spend_its_budget_comparing_precisions():
    asked = []

    def slow(shape: Shape) -> Rate:  # every measurement takes 200 s of a 720 s budget
        asked.append(shape)
        return Rate(shape, 2.0, seconds=200.0)

    shape, _, reason = choose_shape(slow, ["bf16", "fp32"], [128], batch_for, 720, 20_000)
    assert asked == [Shape("bf16", 128, 32)] and shape == Shape("bf16", 128, 32)
    assert reason == "measuring took 200 s: fp32 not compared"


def test_a_small_pool_counts_as_enough():
    # 1,000 examples in all: 256 tokens are kept if all of them fit.
    rate, _ = _fake_rates({("fp32", 256): 4.0, ("fp32", 128): 9.0})
    shape, _, _ = choose_shape(rate, ["fp32"], [256, 128], batch_for, 720, 1_000)
    assert shape.max_length == 256


def test_long_texts_are_recognised_from_their_token_counts():
    assert b.is_long([300, 400, 90, 80])
    assert not b.is_long([20, 30, 200, 40, 25])
    assert not b.is_long([])


def test_plan_round_trips_and_says_what_was_measured():
    plan = BudgetPlan(
        minutes=12,
        shape=Shape("bf16", 256, 16),
        samples_per_second=7.9,
        eval_samples_per_second=40.0,
        train_samples=5_400,
        pool=20_000,
        epochs=1.0,
        steps=338,
        measuring_seconds=30.0,
        rates=[Rate(Shape("bf16", 256, 16), 7.9, 12.0)],
        reason="bf16 is 2.1x as fast as fp32 here",
        noun="reviews",
    )
    assert plan.summary().startswith("measured 7.9 samples/s (bf16, 256 tokens, batch 16)")
    assert "→ 5,400 reviews fit in 11.4 min" in plan.summary()
    again = BudgetPlan.from_dict(json.loads(json.dumps(plan.to_dict())))
    assert again == plan


def test_time_budget_is_validated():
    from tutor.errors import UsageError
    from tutor.training.hardware import Hardware
    from tutor.training.recipes import choose_recipe

    cpu = Hardware("cpu", "CPU (2 threads)", bf16=False, cpu_threads=2)
    assert choose_recipe(cpu).time_budget == 13.5
    assert choose_recipe(cpu, "smoke").time_budget is None
    gpu = Hardware("cuda", "A100", bf16=True, fp16=True, memory_gb=80)
    assert choose_recipe(gpu).time_budget is None  # the full data on a GPU
    with pytest.raises(UsageError, match="--time-budget must be a positive"):
        choose_recipe(cpu, overrides={"time_budget": -1.0})


def test_probe_times_real_training_steps(tiny_bert):
    from tutor.training.hardware import Hardware
    from tutor.training.models import ResolvedModel, load_classifier, load_tokenizer

    tiny = ResolvedModel(str(tiny_bert), str(tiny_bert), "local", "tiny")
    texts = [f"review number {i} " + "good " * (i % 40) for i in range(64)]
    rate = b.probe(
        lambda: load_classifier(tiny, ["neg", "pos"]),
        load_tokenizer(tiny),
        texts,
        [i % 2 for i in range(64)],
        shape=Shape("fp32", 64, 8),
        truncation="head+tail",
        learning_rate=1e-4,
        freeze_embeddings=True,
        hw=Hardware("cpu", "CPU", cpu_threads=2),
        seed=1,
    )
    assert rate.shape == Shape("fp32", 64, 8)
    assert rate.samples_per_second > 0 and rate.seconds > 0


@pytest.mark.slow
def test_a_tiny_run_sizes_itself_from_its_measurements(tiny_bert, tutor_home, monkeypatch):
    """The budget run end to end, the speeds faked: the tiny model has 128 positions, so
    128 tokens; fp32 IMDB evaluates only at the end, so 60 s minus 1 s of measuring minus
    one evaluation of 32 reviews at 16/s (2 s) leave 57 s; planned at 92 % of 9 samples/s
    they read 471 reviews, 14 whole batches of 32: 448."""
    from tutor.cli import cli

    def fake_probe(load_model, tokenizer, texts, labels, *, shape, **kwargs):
        return Rate(shape, {256: 4.0, 128: 9.0}[shape.max_length], seconds=1.0)

    monkeypatch.setattr(b, "probe", fake_probe)
    monkeypatch.setattr(b, "probe_eval", lambda *args, **kwargs: 16.0)
    args = ["run", "day7", "--profile", "cpu", "--model", str(tiny_bert), "--precision", "fp32"]
    result = CliRunner().invoke(
        cli, [*args, "--time-budget", "1", "--max-eval-samples", "32"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "measured 9.0 samples/s (fp32, 128 tokens, batch 32)" in result.output
    assert "448 reviews fit in" in result.output
    (run_dir,) = (tutor_home / "runs").iterdir()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["train_examples"] == 448 and metrics["steps"] == 14
    assert metrics["recipe"]["max_length"] == 128 and metrics["recipe"]["batch_size"] == 32
    assert metrics["budget"]["train_samples"] == 448 and "eta_note" not in metrics
    assert metrics["budget"]["evaluations"] == 1 and metrics["budget"]["eval_seconds"] == 2.0
    assert (metrics["recipe"]["freeze_layers"], metrics["recipe"]["mid_eval_samples"]) == (2, 0)
    # The plan is recorded with the run: a resumed run reads it back, not a new one.
    saved = json.loads((run_dir / "run.json").read_text())
    assert saved["budget"]["samples_per_second"] == 9.0
    assert saved["recipe"]["max_train_samples"] == 448 and saved["recipe"]["epochs"] == 1.0


@pytest.mark.slow
def test_explicit_sizes_switch_the_budget_off(tiny_bert, tutor_home, monkeypatch):
    def no_probe(*args, **kwargs):
        raise AssertionError("nothing to measure: the learner fixed the size")

    monkeypatch.setattr(b, "probe", no_probe)
    from tutor.cli import cli

    args = ["run", "day7", "--profile", "cpu", "--model", str(tiny_bert), "--max-length", "64"]
    result = CliRunner().invoke(
        cli, [*args, "--max-train-samples", "64", "--max-eval-samples", "16"]
    )
    assert result.exit_code == 0, result.output
    (run_dir,) = (tutor_home / "runs").iterdir()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["train_examples"] == 64 and metrics["budget"] is None


def test_the_week_experiments_scale_their_sizes_to_the_measured_speed():
    from tutor.training.budget import REFERENCE_SAMPLES_PER_SECOND as ref
    from tutor.training.budget import scale_for, scaled

    assert scale_for(ref) == 1.0 and scale_for(3 * ref) == 1.0  # never more than tuned
    assert scale_for(ref / 2) == pytest.approx(0.5)  # an fp32 laptop: half the examples
    assert scale_for(1.0) == 0.25  # a very busy machine still reads a quarter
    assert scaled(4000, scale_for(ref / 2)) == 2000
    assert scaled(4000, None) == 4000 and scaled(None, 0.5) is None


def test_time_left_counts_steps_and_evaluations_apart():
    """The bar's estimate: the plan's figures until the run has measured its own, then
    the measured seconds per step and per evaluation; no jump when an evaluation runs."""
    from types import SimpleNamespace

    from tutor.training.finetune import _callbacks

    _, eta = _callbacks({"seconds_per_step": 2.0, "seconds_per_eval": 30.0})
    eta.eval_steps = 50
    state = SimpleNamespace(max_steps=200, global_step=20)
    assert eta.remaining(state) == 180 * 2.0 + 4 * 30.0  # evaluations at 50, 100, 150, 200
    eta.step_seconds, eta.steps_timed = 30.0, 10  # measured: 3 s per step
    eta.eval_seconds = [60.0]
    assert eta.remaining(state) == 180 * 3.0 + 4 * 60.0
    state.global_step = 110
    assert eta.remaining(state) == 90 * 3.0 + 2 * 60.0
    eta.final_eval = True  # averaged weights: one more pass after the last step
    assert eta.remaining(state) == 90 * 3.0 + 3 * 60.0
    _, unknown = _callbacks(None)
    assert unknown.remaining(state) is None  # nothing measured, no plan: no guess


def test_a_run_behind_its_plan_gives_up_mid_run_evaluations_not_its_deadline(monkeypatch):
    """Steps slower than the probe said: an evaluation that would carry the run past its
    budget is skipped (the schedule is fixed; the final evaluation always runs)."""
    from types import SimpleNamespace

    from tutor.training import finetune

    clock = FakeClock()
    monkeypatch.setattr(finetune, "time", SimpleNamespace(perf_counter=clock))
    plan = {"seconds_per_step": 2.0, "seconds_per_eval": 30.0, "deadline_seconds": 500.0}
    _, eta = finetune._callbacks(plan)
    args = SimpleNamespace(eval_steps=50, eval_strategy="steps")
    state = SimpleNamespace(max_steps=200, global_step=0)
    eta.on_train_begin(args, state, None)

    def run_steps(n: int, seconds_each: float) -> SimpleNamespace:
        control = SimpleNamespace(should_evaluate=False)
        for _ in range(n):
            eta.on_step_begin(args, state, control)
            clock.now += seconds_each
            state.global_step += 1
            control.should_evaluate = state.global_step % 50 == 0  # the Trainer's grid
            eta.on_step_end(args, state, control)
        return control

    # On plan (2 s a step): 100 s in, 150 steps x 2 s + 2 evaluations = 360 s: it fits.
    assert run_steps(50, 2.0).should_evaluate and eta.skipped == []
    # Then 3 s a step: at step 100, 250 s + 100 steps at the mean so far (2.5 s) + 60 s
    # > 500 s: skipped.
    control = run_steps(50, 3.0)
    assert not control.should_evaluate and eta.skipped == [100]
    # The last step's evaluation is never skipped.
    control = run_steps(100, 3.0)
    assert control.should_evaluate and state.global_step == 200 and eta.skipped == [100, 150]
    # Without a budget nothing is skipped.
    _, free = finetune._callbacks({"seconds_per_step": 2.0, "seconds_per_eval": 30.0})
    assert free.deadline is None and not free.behind(SimpleNamespace(max_steps=9, global_step=1))


def test_day48_fits_its_steps_to_the_measured_speed():
    from tutor.days.day48 import CPU_MIN_STEPS, CPU_MINUTES
    from tutor.training.budget import fit_steps

    def day48(seconds_per_step: float, steps: int):
        return fit_steps(seconds_per_step, steps, CPU_MINUTES, CPU_MIN_STEPS)

    # 0.23 s/step, planned at 92 % of that speed: 0.25 s; 5 min hold 1,200, capped at 800.
    steps, words = day48(0.23, 800)
    assert steps == 800 and "measured 0.23 s/step → 800 steps, about 3.3 min" in words
    # Twice slower: 600 steps fit.
    assert day48(0.46, 800)[0] == 600
    # Far slower: never below the floor, and the plan says it runs long.
    steps, words = day48(2.0, 800)
    assert steps == 400 and "more than 5 min here" in words


@pytest.mark.slow
def test_the_cpu_days_size_themselves_from_a_measured_speed(tiny_bert, tutor_home, monkeypatch):
    """Days 46 and 48 on the CPU profile, speeds faked: a machine at half the
    reference speed reads half the examples (46: the curve's sizes); day 48 fits its
    pre-training steps into its minutes. (Day 50 sizes each task from its own timed
    step: tests/test_day50.py.)"""
    from tutor.days import day46, day48
    from tutor.training.budget import REFERENCE_SAMPLES_PER_SECOND as ref

    def half_speed(load_model, tokenizer, texts, labels, *, shape, **kwargs):
        return Rate(shape, ref / 2, seconds=1.0)

    monkeypatch.setattr(b, "probe", half_speed)
    p46 = day46.plan(day46.Options(profile="cpu", model=str(tiny_bert), progress=False))
    assert p46.sizes == [n // 2 for n in day46.BUDGETS["cpu"]["sizes"]]
    assert "x0.50 examples" in p46.setup.speed
    # Sizes the learner gives are kept.
    given = day46.plan(
        day46.Options(profile="cpu", model=str(tiny_bert), sizes=(40, 80), progress=False)
    )
    assert given.sizes == [40, 80]

    monkeypatch.setattr(day48, "measure_step", lambda *args: 0.46)
    p48 = day48.plan(day48.Options(profile="cpu", progress=False))
    assert p48.budget["steps"] == 600 and "0.46 s/step" in p48.setup.speed
    assert len(p48.train_pairs) <= 600 * p48.budget["batch"]


@pytest.mark.slow
def test_a_pretraining_step_is_timed_on_real_batches(tutor_home):
    from tutor.days import day48, experiment
    from tutor.training.models import packaged_model_path

    setup = experiment.prepare("day48", profile="smoke", seed=1, resolve=False, progress=False)
    docs = [["A good film about a dog.", "The dog runs home.", "It ends well."]] * 8
    seconds = day48.measure_step(str(packaged_model_path()), docs, day48.BUDGETS["smoke"], setup)
    assert 0 < seconds < 60


def test_the_result_says_which_evaluations_the_budget_skipped(capsys, tmp_path):
    from types import SimpleNamespace

    from tutor.commands import _render

    metrics = {
        "accuracy": 0.88,
        "f1": 0.88,
        "eval_loss": 0.3,
        "train_samples_per_second": 6.6,
        "train_seconds": 700.0,
        "target_accuracy": None,
        "skipped_evaluations": [138],
    }
    result = SimpleNamespace(
        interrupted=False, metrics=metrics, files={}, samples=None, passed=False
    )
    _render.day7_result(result)
    out = capsys.readouterr().out
    assert "evaluation at step 138 (to end within the budget)" in " ".join(out.split())
    metrics["skipped_evaluations"] = []
    _render.day7_result(result)
    assert "skipped" not in capsys.readouterr().out
