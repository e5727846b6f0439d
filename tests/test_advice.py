"""What a day-7 run that missed its target advises, from its own measurements (made-up
rates, as in test_budget.py), and where the advice shows: the result table, the run
record and `tutor progress`."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from tutor import runs
from tutor.days import day7_advice

# The AVX2 laptop of issue 25: fp32 at 256 tokens 5.0 samples/s, at 128 tokens 9.7, so
# the budget chose 128 tokens and 5,472 of the 20,000 reviews; 86.5 % against 88 %.
AVX2 = {
    "accuracy": 0.865,
    "target_accuracy": 0.88,
    "train_examples": 5472,
    "hardware": {"device": "cpu", "name": "CPU (2 threads)"},
    "recipe": {"epochs": 1, "max_train_samples": 5472},
    "budget": {
        "minutes": 13.5,
        "shape": {"precision": "fp32", "max_length": 128, "batch_size": 32},
        "samples_per_second": 9.7,
        "train_samples": 5472,
        "pool": 20000,
        "measuring_seconds": 60.0,
        "evaluations": 3,
        "eval_seconds": 59.0,
        "share": 0.92,
        "noun": "reviews",
        "rates": [
            {
                "shape": {"precision": "fp32", "max_length": 256, "batch_size": 16},
                "samples_per_second": 5.0,
                "seconds": 30.0,
            },
            {
                "shape": {"precision": "fp32", "max_length": 128, "batch_size": 32},
                "samples_per_second": 9.7,
                "seconds": 30.0,
            },
        ],
    },
}


def test_a_cpu_run_that_chose_short_inputs_is_told_the_budget_for_long_ones():
    lines = day7_advice.advice(AVX2)
    # 4,500 reviews at 256 tokens at 92 % of 5.0/s, 60 s measuring, 3 evaluations that
    # cost twice the 59 s at 256 tokens: 60 + 978 + 354 s = 23.2 min -> 24.
    assert "--time-budget 24 --max-length 256 reads about 4,500 reviews" in lines[0]
    assert "measured 5.0 samples/s at 256, against 9.7 at 128" in lines[0]
    # Twice the reviews at 128 tokens: 60 + 10,944 / 8.924 + 177 s = 24.4 min -> 25.
    assert "--time-budget 25 reads about 10,944 reviews at 128 tokens" in lines[1]
    assert "this run: 5,472 in 13.5 min" in lines[1]
    assert lines[2].startswith("A GPU") and "all 20,000 training examples" in lines[2]
    assert day7_advice.next_command(AVX2) == "tutor run day7 --time-budget 24 --max-length 256"


def test_a_run_that_reached_its_target_or_had_none_gets_no_advice():
    assert day7_advice.advice({**AVX2, "accuracy": 0.881}) == []
    assert day7_advice.next_command({**AVX2, "accuracy": 0.881}) is None
    assert day7_advice.advice({**AVX2, "target_accuracy": None}) == []


def test_a_run_already_at_256_tokens_is_told_more_time_and_a_gpu():
    bf16 = copy.deepcopy(AVX2)
    bf16["budget"]["shape"] = {"precision": "bf16", "max_length": 256, "batch_size": 16}
    bf16["budget"]["samples_per_second"] = 9.0
    bf16["budget"]["train_samples"] = 6000
    lines = day7_advice.advice(bf16)
    assert len(lines) == 2
    assert "reads about 12,000 reviews at 256 tokens" in lines[0]
    assert lines[1].startswith("A GPU")


def test_a_run_that_read_everything_is_not_told_to_read_more():
    whole = copy.deepcopy(AVX2)
    whole["budget"].update(train_samples=20000, rates=[])
    lines = day7_advice.advice(whole)
    assert not any("--time-budget" in line and "reads about" in line for line in lines)
    assert any(line.startswith("--max-length 256") for line in lines)
    assert day7_advice.next_command(whole) is None  # nothing to run here that would help


def test_fixed_sizes_and_gpus_get_their_own_advice():
    fixed = {**AVX2, "budget": None}
    assert day7_advice.next_command(fixed) == "tutor run day7 --max-train-samples 10944"
    gpu = {**AVX2, "budget": None, "hardware": {"device": "cuda"}, "recipe": {"epochs": 2}}
    assert day7_advice.advice(gpu) == ["One more pass over the data: --epochs 3."]


def test_the_result_table_shows_the_advice(capsys):
    from tutor.commands import _render

    metrics = {
        **AVX2,
        "f1": 0.86,
        "eval_loss": 0.3,
        "train_samples_per_second": 9.3,
        "train_seconds": 590.0,
        "eval_seconds": 180.0,
        "evaluations": 3,
        "eval_examples": 2000,
        "advice": day7_advice.advice(AVX2),
    }
    result = SimpleNamespace(interrupted=False, metrics=metrics, files={}, samples=None)
    result.passed = False
    _render.day7_result(result)
    out = " ".join(capsys.readouterr().out.split())
    assert "88% not reached" in out and "What would change the outcome" in out
    assert "--time-budget 24 --max-length 256" in out
    assert "evaluation time" in out and "3.0 min (3 evaluations of 2,000 texts)" in out


@pytest.mark.parametrize("command", [day7_advice.next_command(AVX2), None])
def test_progress_names_the_change_instead_of_the_same_command(command):
    from tutor.cli import cli

    runs.record_run(
        {
            "run_id": "day7-1",
            "day": "day7",
            "status": "completed",
            "finished_at": "2026-12-01T10:00:00+00:00",
            "metric": "accuracy",
            "value": 0.865,
            "target": 0.88,
            "passed": False,
            "recipe": "cpu",
            "advice": day7_advice.advice(AVX2) if command else [],
            "next_command": command,
        }
    )
    out = " ".join(CliRunner().invoke(cli, ["progress"]).output.split())
    assert "latest day7 run did not pass" in out
    # An older record without advice keeps the plain command.
    assert f"→ {command or 'tutor run day7'}" in out
    assert ("--time-budget" in out) is (command is not None)
