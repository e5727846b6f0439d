"""Exercise `layer_features`: feature-based transfer, picking features from BERT's layers.

Fill in `token_features`, then run `tutor check layer_features` (or press Run tests in the
lesson page). Stuck? `tutor hint layer_features`.

``hidden_states`` is what a frozen BERT returns with ``output_hidden_states=True``, as
nested lists: ``hidden_states[0]`` is the embedding layer's output and
``hidden_states[l]`` the output of encoder layer l (1 ... L). Each is a list with one
vector (a list of floats) per token.
"""

from __future__ import annotations

STRATEGIES = (
    "embeddings",  # hidden_states[0]
    "last",  # the last encoder layer
    "second_to_last",  # the layer below it
    "sum_last_four",  # element-wise sum of the last four encoder layers
    "concat_last_four",  # the last four, concatenated from the top layer down
    "sum_all",  # element-wise sum of all L encoder layers (not the embeddings)
)


def token_features(hidden_states: list[list[list[float]]], strategy: str) -> list[list[float]]:
    """One feature vector per token, built from the layers as ``strategy`` says.

    ``concat_last_four`` gives vectors four times as long: layer L's vector, then layer
    L-1's, L-2's and L-3's. Raise ValueError for an unknown strategy, or when the model
    has fewer encoder layers than the strategy needs.
    """
    # TODO: pick the layers, then sum or concatenate them token by token.
    return [list(vector) for vector in hidden_states[-1]]
