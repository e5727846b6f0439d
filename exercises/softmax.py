"""Exercise `softmax`: softmax and cross-entropy, numerically stable.

Fill in the two functions below, then run `tutor check softmax`.
Stuck? `tutor hint softmax`.

Use exp, sum, max, log, gather...: not torch.softmax, F.log_softmax, F.cross_entropy or
torch.logsumexp (the test checks that you do not call them).
"""

from __future__ import annotations

import torch


def softmax(logits: torch.Tensor) -> torch.Tensor:
    """Softmax over the last dimension of ``logits`` (any number of leading dimensions).

    Every row of the result is positive and sums to 1. Logits such as 1000 must not
    overflow to inf or nan.
    """
    # TODO: subtract each row's maximum, exponentiate, divide by the row sums.
    raise NotImplementedError("TODO: implement softmax")


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of ``logits`` (batch, classes) against integer ``targets`` (batch,).

    Returns a scalar tensor: the average over the batch of -log p(target).
    """
    # TODO: compute stable log-probabilities and average -log p(target) over the batch.
    raise NotImplementedError("TODO: implement cross_entropy")
