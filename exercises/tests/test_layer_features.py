"""Tests of exercise `layer_features`. The fake hidden states make every layer and token
recognisable: the vector of token t in layer l is [100 * l + t, -(100 * l + t)]."""

from __future__ import annotations

EXERCISE = "layer_features"


def fake_states(layers: int, tokens: int = 3) -> list[list[list[float]]]:
    """Embeddings (layer 0) and `layers` encoder layers."""
    return [
        [[float(100 * layer + t), -float(100 * layer + t)] for t in range(tokens)]
        for layer in range(layers + 1)
    ]


def describe(vector) -> str:
    return str([int(x) if float(x).is_integer() else x for x in vector])


def test_single_layers(exercise):
    states = fake_states(12)
    for strategy, layer in (("embeddings", 0), ("last", 12), ("second_to_last", 11)):
        got = exercise.token_features(states, strategy)
        want = [[100.0 * layer + t, -(100.0 * layer + t)] for t in range(3)]
        assert got == want, (
            f"{strategy} should return layer {layer}'s vectors {want}, got "
            f"{[describe(v) for v in got]} (hidden_states[0] is the embedding output, "
            f"hidden_states[12] the last of 12 encoder layers)"
        )


def test_sum_last_four(exercise):
    states = fake_states(12, tokens=2)
    got = exercise.token_features(states, "sum_last_four")
    want = [[float(100 * (12 + 11 + 10 + 9) + 4 * t), -float(100 * 42 + 4 * t)] for t in range(2)]
    assert got == want, (
        f"sum_last_four should add layers 12, 11, 10 and 9 token by token: {want}, got "
        f"{[describe(v) for v in got]}"
    )


def test_concat_last_four_from_the_top_down(exercise):
    states = fake_states(12, tokens=2)
    got = exercise.token_features(states, "concat_last_four")
    want = [
        [float(x) for layer in (12, 11, 10, 9) for x in (100 * layer + t, -(100 * layer + t))]
        for t in range(2)
    ]
    assert len(got) == 2 and all(len(v) == 8 for v in got), (
        f"concat_last_four of 2-wide vectors gives one 8-wide vector per token, got lengths "
        f"{[len(v) for v in got]}"
    )
    assert got == want, (
        f"concat_last_four should be layer 12's vector, then 11's, 10's and 9's: token 0 "
        f"{describe(want[0])}, got {describe(got[0])}"
    )


def test_sum_all_leaves_out_the_embeddings(exercise):
    states = fake_states(4, tokens=2)
    got = exercise.token_features(states, "sum_all")
    want = [[1000.0 + 4 * t, -1000.0 - 4 * t] for t in range(2)]  # layers 1 + 2 + 3 + 4
    assert got == want, (
        f"sum_all should add the 4 encoder layers (1 to 4), not the embedding output: "
        f"{want}, got {[describe(v) for v in got]}"
    )


def test_a_six_layer_model(exercise):
    # MiniLM has 6 layers: "last four" is 6, 5, 4, 3 there.
    states = fake_states(6, tokens=1)
    got = exercise.token_features(states, "sum_last_four")
    assert got == [[1800.0, -1800.0]], (
        f"with 6 encoder layers, sum_last_four adds layers 6, 5, 4 and 3 (1800), got "
        f"{[describe(v) for v in got]}: count from the end of hidden_states"
    )


def test_hidden_states_are_not_changed(exercise):
    states = fake_states(5)
    snapshot = [[list(v) for v in layer] for layer in states]
    for strategy in ("sum_last_four", "concat_last_four", "sum_all", "last"):
        exercise.token_features(states, strategy)
    assert states == snapshot, (
        "token_features changed hidden_states: the features are frozen, build new lists"
    )


def test_bad_requests_raise_value_error(exercise):
    for states, strategy, why in (
        (fake_states(12), "mean_last_four", "an unknown strategy"),
        (fake_states(3), "concat_last_four", "3 encoder layers cannot give the last four"),
        (fake_states(3), "sum_last_four", "3 encoder layers cannot give the last four"),
    ):
        try:
            exercise.token_features(states, strategy)
        except ValueError:
            continue
        except Exception as exc:
            raise AssertionError(f"{why}: expected ValueError, got {type(exc).__name__}") from None
        raise AssertionError(f"{why} ({strategy!r}): expected a ValueError, nothing was raised")
