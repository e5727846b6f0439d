"""Tests of exercise `linear_probe`: a logistic-regression head on frozen features."""

from __future__ import annotations

import math

EXERCISE = "linear_probe"

# A toy set: 2-d "sentence features" of 4 positive and 4 negative examples.
FEATURES = [
    [2.0, 1.0],
    [1.5, 2.0],
    [3.0, 0.5],
    [2.5, 1.5],
    [-1.0, -2.0],
    [-2.0, -0.5],
    [-1.5, -1.5],
    [0.5, -3.0],
]
LABELS = [1, 1, 1, 1, 0, 0, 0, 0]


def mean_bce(exercise, weights, bias, features, labels) -> float:
    total = 0.0
    for x, y in zip(features, labels):
        p = exercise.predict_proba(weights, bias, x)
        total -= math.log(p) if y == 1 else math.log(1 - p)
    return total / len(labels)


def test_sigmoid_values_and_stability(exercise):
    for z, want in ((0.0, 0.5), (2.0, 0.8807971), (-2.0, 0.1192029), (30.0, 1.0 - 9.4e-14)):
        got = exercise.sigmoid(z)
        assert abs(got - want) < 1e-6, f"sigmoid({z}) = {got}, expected {want}"
    try:
        low, high = exercise.sigmoid(-1000.0), exercise.sigmoid(1000.0)
    except OverflowError:
        raise AssertionError(
            "sigmoid(-1000) overflowed: e^1000 does not fit a float. For z < 0 compute "
            "e^z / (1 + e^z), whose exponent is negative"
        ) from None
    assert low == 0.0 and high == 1.0, (
        f"sigmoid(-1000), sigmoid(1000) = {low}, {high}; expected 0, 1"
    )


def test_predict_proba_uses_weights_and_bias(exercise):
    got = exercise.predict_proba([0.5, -1.0], 0.25, [2.0, 1.0])
    want = 1 / (1 + math.exp(-0.25))  # w . x = 0, plus the bias
    assert abs(got - want) < 1e-9, f"predict_proba gave {got}, expected sigmoid(w.x + b) = {want}"


def test_one_epoch_is_one_mean_gradient_step(exercise):
    weights, bias = exercise.train_probe([[1.0, 2.0], [3.0, -1.0], [0.0, 1.0]], [1, 0, 1], 0.3, 1)
    # From w = 0, b = 0 every p is 0.5: errors -0.5, 0.5, -0.5.
    want_w = [-0.3 * (-0.5 * 1 + 0.5 * 3 + 0) / 3, -0.3 * (-0.5 * 2 - 0.5 - 0.5) / 3]
    want_b = -0.3 * (-0.5) / 3
    assert len(weights) == 2, f"one weight per feature: expected 2, got {len(weights)}"
    assert all(abs(g - w) < 1e-12 for g, w in zip(weights, want_w)), (
        f"after one epoch from zero the weights should be {want_w}, got {weights}: the "
        f"gradient is the MEAN over examples of (p - y) * x, and the step goes against it"
    )
    assert abs(bias - want_b) < 1e-12, (
        f"after one epoch the bias should be {want_b}, got {bias}: the bias moves by "
        f"-lr * mean(p - y)"
    )


def test_two_epochs_recompute_the_probabilities(exercise):
    features, labels = [[1.0], [-2.0]], [1, 0]
    w1, b1 = exercise.train_probe(features, labels, 1.0, 1)
    w2, b2 = exercise.train_probe(features, labels, 1.0, 2)
    p = [1 / (1 + math.exp(-(w1[0] * x[0] + b1))) for x in features]
    want_w = w1[0] - 1.0 * ((p[0] - 1) * 1.0 + (p[1] - 0) * -2.0) / 2
    want_b = b1 - 1.0 * ((p[0] - 1) + p[1]) / 2
    assert abs(w2[0] - want_w) < 1e-12 and abs(b2 - want_b) < 1e-12, (
        f"the second epoch should give w = {want_w:.6f}, b = {want_b:.6f}, got "
        f"{w2[0]:.6f}, {b2:.6f}: recompute p with the updated weights at every epoch"
    )


def test_training_lowers_the_loss_and_separates_the_toy_set(exercise):
    before = mean_bce(exercise, [0.0, 0.0], 0.0, FEATURES, LABELS)
    weights, bias = exercise.train_probe(FEATURES, LABELS, 0.5, 100)
    after = mean_bce(exercise, weights, bias, FEATURES, LABELS)
    assert after < 0.1 < before, (
        f"the mean cross-entropy went from {before:.3f} to {after:.3f}; 100 epochs on this "
        f"separable set should bring it below 0.1 (is the step going downhill?)"
    )
    right = sum(
        (exercise.predict_proba(weights, bias, x) > 0.5) == (y == 1)
        for x, y in zip(FEATURES, LABELS)
    )
    assert right == 8, f"the probe classifies {right} of 8 toy examples correctly, expected 8"


def test_step_size_does_not_grow_with_the_data(exercise):
    # The same examples twice over: a mean gradient gives exactly the same head.
    once = exercise.train_probe(FEATURES, LABELS, 0.5, 20)
    twice = exercise.train_probe(FEATURES * 2, LABELS * 2, 0.5, 20)
    assert (
        all(abs(a - b) < 1e-9 for a, b in zip(once[0], twice[0])) and abs(once[1] - twice[1]) < 1e-9
    ), (
        f"duplicating every example changed the result ({once} vs {twice}): use the MEAN "
        f"of the per-example gradients, not their sum"
    )


def test_features_are_frozen(exercise):
    features = [list(x) for x in FEATURES]
    exercise.train_probe(features, LABELS, 0.5, 5)
    assert features == FEATURES, (
        "train_probe changed the features: in the feature-based approach they are fixed, "
        "only the head's weights and bias train"
    )
