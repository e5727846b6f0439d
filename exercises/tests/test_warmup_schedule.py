"""Tests of exercise `warmup_schedule`, with the CoLA run of the Day 45 lesson: 8,551
sentences, batch 32, 3 epochs = 804 steps, 10 % warm-up = 80 steps, peak 2e-5."""

from __future__ import annotations

EXERCISE = "warmup_schedule"
PEAK = 2e-5


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-12


def test_steps_of_the_cola_run(exercise):
    got = exercise.steps_per_epoch(8551, 32)
    assert got == 268, (
        f"8,551 sentences in batches of 32 take 268 steps, got {got}: the last, partial "
        f"batch (7 sentences) is a step too, so round UP"
    )
    assert exercise.steps_per_epoch(64, 32) == 2, "64 examples in batches of 32 are exactly 2 steps"
    got = exercise.warmup_steps(3 * 268)
    assert got == 80, f"10 % of 804 steps is int(80.4) = 80 warm-up steps, got {got}"
    assert exercise.warmup_steps(1000, 0.06) == 60, "warmup_steps(1000, 0.06) should be 60"
    got = exercise.warmup_steps(807)
    assert got == 80, f"int(0.1 x 807) = int(80.7) = 80 warm-up steps, got {got}: int() truncates"


def test_warm_up_rises_linearly_from_zero(exercise):
    lr = [exercise.learning_rate(t, PEAK, 80, 804) for t in (0, 1, 40, 79, 80)]
    want = [0.0, PEAK / 80, PEAK / 2, PEAK * 79 / 80, PEAK]
    for t, g, w in zip((0, 1, 40, 79, 80), lr, want):
        assert close(g, w), (
            f"at step {t} the rate should be {w:.4g}, got {g:.4g}: during warm-up "
            f"lr = peak * t / t_w, so step 0 has rate 0 and the peak is reached at t = t_w"
        )


def test_decay_reaches_zero_at_the_last_step(exercise):
    for t, want in ((80, PEAK), (442, PEAK / 2), (803, PEAK / 724), (804, 0.0), (900, 0.0)):
        got = exercise.learning_rate(t, PEAK, 80, 804)
        assert close(got, want), (
            f"at step {t} of 804 (80 warm-up) the rate should be {want:.4g}, got {got:.4g}: "
            f"after warm-up lr = peak * (T - t) / (T - t_w), never below 0"
        )


def test_the_whole_curve(exercise):
    curve = [exercise.learning_rate(t, 1.0, 3, 8) for t in range(9)]
    want = [0.0, 1 / 3, 2 / 3, 1.0, 0.8, 0.6, 0.4, 0.2, 0.0]
    assert all(close(g, w) for g, w in zip(curve, want)), (
        f"with 3 warm-up steps of 8, the rates of steps 0..8 should be "
        f"{[round(w, 4) for w in want]}, got {[round(g, 4) for g in curve]}"
    )


def test_no_warm_up(exercise):
    got = [exercise.learning_rate(t, 1.0, 0, 4) for t in range(5)]
    assert all(close(g, w) for g, w in zip(got, [1.0, 0.75, 0.5, 0.25, 0.0])), (
        f"with warmup=0 the rate starts at the peak and decays linearly: expected "
        f"[1, 0.75, 0.5, 0.25, 0], got {got} (do not divide by t_w = 0)"
    )


def test_warm_up_over_every_step(exercise):
    try:
        got = [exercise.learning_rate(t, 1.0, 5, 5) for t in range(6)]
    except ZeroDivisionError:
        raise AssertionError(
            "with warmup == total (5 of 5), step 5 divided by total - warmup = 0: the "
            "decay phase is empty, the rate there is 0"
        ) from None
    assert all(close(g, w) for g, w in zip(got, [0.0, 0.2, 0.4, 0.6, 0.8, 0.0])), (
        f"warm-up over all 5 steps: expected [0, 0.2, 0.4, 0.6, 0.8, 0], got {got}"
    )


def test_bad_settings_raise_value_error(exercise):
    for warmup, total in ((10, 5), (-1, 10), (0, 0)):
        try:
            exercise.learning_rate(0, PEAK, warmup, total)
        except ValueError:
            continue
        except Exception as exc:
            raise AssertionError(
                f"warmup={warmup}, total={total}: expected ValueError, got {type(exc).__name__}"
            ) from None
        raise AssertionError(f"warmup={warmup}, total={total} is not a schedule: raise ValueError")
