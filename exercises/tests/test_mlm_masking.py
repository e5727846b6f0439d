"""Tests of exercise `mlm_masking`. Rates are checked on a large batch with tolerances of
about five standard deviations, so a right answer passes whatever its order of draws."""

from __future__ import annotations

import pytest
import torch

EXERCISE = "mlm_masking"

PAD, CLS, SEP, MASK = 0, 101, 102, 103
SPECIAL = (PAD, CLS, SEP)
VOCAB = 2000


def make_batch(rows: int = 256, length: int = 128, seed: int = 0) -> torch.Tensor:
    """[CLS] tokens... [SEP] [PAD]...: ordinary ids in [200, VOCAB), lengths vary per row."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(200, VOCAB, (rows, length), generator=g)
    lengths = torch.randint(length // 2, length + 1, (rows,), generator=g)
    for row, n in enumerate(lengths.tolist()):
        ids[row, 0] = CLS
        ids[row, n - 1] = SEP
        ids[row, n:] = PAD
    return ids


def run(exercise, ids: torch.Tensor, seed: int = 0, p: float = 0.15):
    return exercise.mask_tokens(
        ids,
        mask_token_id=MASK,
        vocab_size=VOCAB,
        special_token_ids=SPECIAL,
        generator=torch.Generator().manual_seed(seed),
        mlm_probability=p,
    )


@pytest.fixture(scope="module")
def batch() -> torch.Tensor:
    return make_batch()


@pytest.fixture(scope="module")
def result(exercise, batch):
    return run(exercise, batch.clone())


def test_returns_two_tensors_shaped_like_the_input(result, batch):
    masked, labels = result
    assert masked.shape == batch.shape and labels.shape == batch.shape


def test_input_is_left_unchanged(exercise):
    ids = make_batch(rows=8)
    before = ids.clone()
    run(exercise, ids)
    assert torch.equal(ids, before), "clone the input: the caller's tensor must not change"


def test_labels_hold_the_original_id_where_selected_and_minus_100_elsewhere(result, batch):
    labels = result[1]
    selected = labels != -100
    assert selected.any(), "no token was selected"
    assert torch.equal(labels[selected], batch[selected])


def test_special_tokens_and_padding_are_never_selected(result, batch):
    masked, labels = result
    special = torch.isin(batch, torch.tensor(SPECIAL))
    assert (labels[special] == -100).all(), "a [CLS], [SEP] or [PAD] position was selected"
    assert torch.equal(masked[special], batch[special]), "a special token was changed"


def test_unselected_tokens_are_unchanged(result, batch):
    masked, labels = result
    keep = labels == -100
    assert torch.equal(masked[keep], batch[keep]), "only selected tokens may change"


def test_about_15_percent_of_ordinary_tokens_are_selected(result, batch):
    labels = result[1]
    ordinary = ~torch.isin(batch, torch.tensor(SPECIAL))
    rate = (labels[ordinary] != -100).float().mean().item()
    assert abs(rate - 0.15) < 0.01, f"selected {rate:.3f} of ordinary tokens, expected 0.15"


def test_mlm_probability_is_respected(exercise, batch):
    labels = run(exercise, batch.clone(), p=0.3)[1]
    ordinary = ~torch.isin(batch, torch.tensor(SPECIAL))
    rate = (labels[ordinary] != -100).float().mean().item()
    assert abs(rate - 0.3) < 0.015, f"selected {rate:.3f} with mlm_probability=0.3"


def test_selected_tokens_split_80_10_10(result, batch):
    masked, labels = result
    selected = labels != -100
    now, before = masked[selected], batch[selected]
    mask_rate = (now == MASK).float().mean().item()
    kept_rate = (now == before).float().mean().item()
    random_rate = ((now != MASK) & (now != before)).float().mean().item()
    assert abs(mask_rate - 0.8) < 0.03, f"[MASK] for {mask_rate:.3f} of selected, expected 0.8"
    assert abs(random_rate - 0.1) < 0.02, f"random for {random_rate:.3f}, expected 0.1"
    assert abs(kept_rate - 0.1) < 0.02, f"unchanged for {kept_rate:.3f}, expected 0.1"


def test_random_replacements_are_valid_ids(result, batch):
    masked = result[0]
    assert masked.min() >= 0 and masked.max() < VOCAB, "random ids must lie in [0, vocab_size)"
    assert masked.dtype == batch.dtype, "keep the dtype of input_ids"


def test_the_generator_alone_decides(exercise, batch):
    torch.manual_seed(1)
    first = run(exercise, batch.clone(), seed=7)
    torch.manual_seed(2)
    second = run(exercise, batch.clone(), seed=7)
    assert torch.equal(first[0], second[0]) and torch.equal(first[1], second[1]), (
        "the same generator seed must give the same masking: draw with generator=generator"
    )
    other = run(exercise, batch.clone(), seed=8)
    assert not torch.equal(first[1], other[1]), "a different seed should select other tokens"
