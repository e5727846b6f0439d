"""Solution of `layer_features`: feature-based transfer from BERT's layers."""

from __future__ import annotations

STRATEGIES = (
    "embeddings",
    "last",
    "second_to_last",
    "sum_last_four",
    "concat_last_four",
    "sum_all",
)


def token_features(hidden_states: list[list[list[float]]], strategy: str) -> list[list[float]]:
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")
    layers = len(hidden_states) - 1  # hidden_states[0] is the embedding output
    needed = {"last": 1, "second_to_last": 2, "sum_last_four": 4, "concat_last_four": 4}
    if layers < needed.get(strategy, 1 if strategy == "sum_all" else 0):
        raise ValueError(f"{strategy} needs more encoder layers than the {layers} given")
    if strategy == "embeddings":
        chosen = [hidden_states[0]]
    elif strategy == "last":
        chosen = [hidden_states[-1]]
    elif strategy == "second_to_last":
        chosen = [hidden_states[-2]]
    elif strategy == "sum_all":
        chosen = hidden_states[1:]
    else:
        # From the top down: L, L-1, L-2, L-3.
        chosen = [hidden_states[-1], hidden_states[-2], hidden_states[-3], hidden_states[-4]]
    tokens = len(chosen[0])
    if strategy == "concat_last_four":
        return [[x for layer in chosen for x in layer[t]] for t in range(tokens)]
    return [[sum(values) for values in zip(*(layer[t] for layer in chosen))] for t in range(tokens)]
