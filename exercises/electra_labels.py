"""Exercise `electra_labels`: ELECTRA's replaced-token detection, labels and loss.

Fill in the functions, then run `tutor check electra_labels` (or press Run tests in the
lesson page). Stuck? `tutor hint electra_labels`.

The generator (a small MLM) has filled each masked position with a sampled token; the
discriminator then labels EVERY token: 1 replaced, 0 original.
"""

from __future__ import annotations

import math  # noqa: F401 (you will need it)


def corrupt(original: list[str], samples: dict[int, str]) -> list[str]:
    """The discriminator's input: ``original`` with the generator's sample at each masked
    position (``samples`` maps position -> sampled token). No [MASK] is left."""
    # TODO
    raise NotImplementedError("TODO: implement corrupt")


def discriminator_labels(original: list[str], corrupted: list[str]) -> list[int]:
    """1 where the token differs from the original, else 0. A position where the generator
    happened to sample the original token counts as original (0)."""
    # TODO
    raise NotImplementedError("TODO: implement discriminator_labels")


def discriminator_loss(logits: list[float], labels: list[int], attention_mask: list[int]) -> float:
    """The mean binary cross-entropy of sigmoid(logit) against the labels, over the real
    tokens only (attention_mask 1); padding counts in neither the sum nor the mean. Must
    work for logits of +-1000."""
    # TODO: per token, BCE with logits = max(z, 0) - z * y + ln(1 + e^-|z|).
    raise NotImplementedError("TODO: implement discriminator_loss")
