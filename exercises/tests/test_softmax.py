"""Tests of exercise `softmax`, compared with torch.nn.functional."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

EXERCISE = "softmax"


@pytest.fixture
def logits() -> torch.Tensor:
    return torch.randn(8, 5, generator=torch.Generator().manual_seed(0)) * 3


def test_rows_sum_to_one(exercise, logits):
    probs = exercise.softmax(logits)
    assert probs.shape == logits.shape, "softmax must keep the shape of its input"
    assert torch.allclose(probs.sum(dim=-1), torch.ones(8)), "each row must sum to 1"
    assert (probs > 0).all(), "softmax outputs are strictly positive"


def test_softmax_matches_torch(exercise, logits):
    torch.testing.assert_close(exercise.softmax(logits), F.softmax(logits, dim=-1))


def test_softmax_works_on_the_last_dimension_of_a_3d_batch(exercise):
    x = torch.randn(2, 3, 4, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(exercise.softmax(x), F.softmax(x, dim=-1))


def test_large_logits_do_not_overflow(exercise):
    x = torch.tensor([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0]])
    probs = exercise.softmax(x)
    assert torch.isfinite(probs).all(), "exp(1000) overflows: subtract the row maximum first"
    torch.testing.assert_close(probs, F.softmax(x, dim=-1))


def test_adding_a_constant_changes_nothing(exercise, logits):
    torch.testing.assert_close(exercise.softmax(logits + 50.0), exercise.softmax(logits))


def test_softmax_leaves_its_input_unchanged(exercise, logits):
    before = logits.clone()
    exercise.softmax(logits)
    assert torch.equal(logits, before), "softmax must not change its input in place"


def test_cross_entropy_matches_torch(exercise, logits):
    targets = torch.tensor([0, 1, 2, 3, 4, 0, 1, 2])
    loss = exercise.cross_entropy(logits, targets)
    assert loss.dim() == 0, "cross_entropy returns the batch mean: a scalar tensor"
    torch.testing.assert_close(loss, F.cross_entropy(logits, targets))


def test_cross_entropy_of_large_logits_is_finite_and_exact(exercise):
    x = torch.tensor([[1000.0, 0.0], [0.0, 1000.0]])
    targets = torch.tensor([1, 1])
    loss = exercise.cross_entropy(x, targets)
    assert torch.isfinite(loss), "cross-entropy overflowed: use stable log-probabilities"
    torch.testing.assert_close(loss, F.cross_entropy(x, targets))


def test_cross_entropy_is_small_for_confident_right_answers(exercise):
    x = torch.tensor([[20.0, 0.0, 0.0], [0.0, 0.0, 20.0]])
    loss = exercise.cross_entropy(x, torch.tensor([0, 2]))
    assert 0 <= loss.item() < 1e-6


def test_written_by_hand_not_with_torch_softmax(exercise, logits, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError(
            "write softmax and cross-entropy from exp, sum, max and log, not with torch's own"
        )

    for owner, attr in [
        (torch, "softmax"),
        (torch, "log_softmax"),
        (torch, "logsumexp"),
        (torch.Tensor, "softmax"),
        (torch.Tensor, "log_softmax"),
        (torch.Tensor, "logsumexp"),
        (F, "softmax"),
        (F, "log_softmax"),
        (F, "cross_entropy"),
        (F, "nll_loss"),
    ]:
        monkeypatch.setattr(owner, attr, forbidden)
    exercise.softmax(logits)
    exercise.cross_entropy(logits, torch.zeros(8, dtype=torch.long))
