"""Tests of exercise `distillation_loss`, with the production lesson's example: teacher
logits (3.0, 1.0, 0.2), student (2.0, 1.5, 0.1), label 0, T = 4, alpha = 0.5."""

from __future__ import annotations

import math

EXERCISE = "distillation_loss"

TEACHER = [[3.0, 1.0, 0.2]]
STUDENT = [[2.0, 1.5, 0.1]]


def softmax(z, t=1.0):
    e = [math.exp(x / t - max(z) / t) for x in z]
    return [x / sum(e) for x in e]


def kl(p, q):
    return sum(a * math.log(a / b) for a, b in zip(p, q) if a > 0)


def test_softmax_with_temperature(exercise):
    for t, want in ((1.0, [0.836, 0.1131, 0.0508]), (4.0, [0.4755, 0.2884, 0.2361])):
        got = exercise.softmax(TEACHER[0], t)
        assert all(abs(g - w) < 1e-4 for g, w in zip(got, want)), (
            f"the teacher's softmax at T={t:g} should be {want} (the lesson's), got "
            f"{[round(g, 4) for g in got]}: divide every logit by T before the softmax"
        )
    try:
        big = exercise.softmax([1000.0, 0.0], 1.0)
    except OverflowError:
        raise AssertionError("softmax([1000, 0]) overflowed: subtract the maximum first") from None
    assert abs(big[0] - 1.0) < 1e-12, f"softmax([1000, 0]) should be [1, 0], got {big}"


def test_kl_divergence(exercise):
    got = exercise.kl_divergence([0.5, 0.5], [0.9, 0.1])
    want = 0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(0.5 / 0.1)
    assert abs(got - want) < 1e-12, (
        f"KL([0.5, 0.5] || [0.9, 0.1]) should be {want:.6f}, got {got:.6f}"
    )
    back = exercise.kl_divergence([0.9, 0.1], [0.5, 0.5])
    assert abs(back - want) > 0.1, (
        "KL is not symmetric: KL(p || q) sums p_i ln(p_i / q_i), weighted by p"
    )
    try:
        got = exercise.kl_divergence([1.0, 0.0], [0.5, 0.5])
    except ValueError:
        raise AssertionError(
            "a p_i of 0 made ln(0) fail: a term with p_i = 0 adds 0 (0 ln 0 = 0)"
        ) from None
    assert abs(got - math.log(2)) < 1e-12, f"KL([1, 0] || [0.5, 0.5]) = ln 2, got {got}"


def test_the_lessons_example(exercise):
    total, soft, hard = exercise.distillation_loss(STUDENT, TEACHER, [0])
    assert abs(soft - 0.0133) < 5e-5, (
        f"soft should be 0.0133 (the lesson's KL at T = 4), got {soft:.4f}: KL(softmax(z_t "
        f"/ T) || softmax(z_s / T)), the teacher's distribution FIRST, both at temperature T"
    )
    assert abs(hard - 0.5631) < 5e-5, (
        f"hard should be 0.5631, got {hard:.4f}: the cross-entropy of the student's "
        f"distribution at T = 1 (not softened) against the label"
    )
    want = 0.5 * 16 * soft + 0.5 * hard
    assert abs(total - want) < 1e-12 and abs(total - 0.3883) < 5e-4, (
        f"total should be alpha * T^2 * soft + (1 - alpha) * hard = {want:.4f} (the lesson's "
        f"0.388), got {total:.4f}: did you forget the T^2?"
    )


def test_batch_means_and_arguments(exercise):
    student = [[2.0, 1.5, 0.1], [0.0, 2.0, -1.0]]
    teacher = [[3.0, 1.0, 0.2], [0.5, 1.0, 0.0]]
    labels = [0, 1]
    total, soft, hard = exercise.distillation_loss(
        student, teacher, labels, temperature=2.0, alpha=0.3
    )
    want_soft = sum(kl(softmax(t, 2.0), softmax(s, 2.0)) for s, t in zip(student, teacher)) / 2
    want_hard = sum(-math.log(softmax(s)[y]) for s, y in zip(student, labels)) / 2
    assert abs(soft - want_soft) < 1e-12, (
        f"soft should be the MEAN KL over the 2 examples, {want_soft:.6f}, got {soft:.6f}"
    )
    assert abs(hard - want_hard) < 1e-12, (
        f"hard should be the MEAN cross-entropy over the 2 examples, {want_hard:.6f}, got "
        f"{hard:.6f} (read each example's own label)"
    )
    want = 0.3 * 4.0 * want_soft + 0.7 * want_hard
    assert abs(total - want) < 1e-12, (
        f"with T = 2 and alpha = 0.3 the total should be {want:.6f}, got {total:.6f}"
    )


def test_a_student_that_copies_the_teacher(exercise):
    total, soft, _ = exercise.distillation_loss(TEACHER, TEACHER, [0], alpha=1.0)
    assert abs(soft) < 1e-12 and abs(total) < 1e-12, (
        f"a student with the teacher's logits has KL 0, so with alpha = 1 the loss is 0; got soft {soft}, total {total}"
    )
