"""Solution of exercise `mlm_masking`: BERT's masked-language-model masking (80/10/10)."""

from __future__ import annotations

from collections.abc import Iterable

import torch


def mask_tokens(
    input_ids: torch.Tensor,
    *,
    mask_token_id: int,
    vocab_size: int,
    special_token_ids: Iterable[int],
    generator: torch.Generator,
    mlm_probability: float = 0.15,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Mask a batch of token ids (batch, length) for MLM training."""
    shape = input_ids.shape
    special = torch.isin(input_ids, torch.tensor(list(special_token_ids), dtype=input_ids.dtype))
    probs = torch.full(shape, mlm_probability).masked_fill(special, 0.0)
    selected = torch.bernoulli(probs, generator=generator).bool()

    labels = input_ids.clone()
    labels[~selected] = -100  # the loss ignores -100: only selected tokens are predicted

    masked = input_ids.clone()
    to_mask = torch.bernoulli(torch.full(shape, 0.8), generator=generator).bool() & selected
    masked[to_mask] = mask_token_id
    # Half of the remaining 20 % get a random token; the other half stay unchanged, so the
    # model cannot learn that only [MASK] positions matter.
    to_random = (
        torch.bernoulli(torch.full(shape, 0.5), generator=generator).bool() & selected & ~to_mask
    )
    random_ids = torch.randint(vocab_size, shape, generator=generator, dtype=input_ids.dtype)
    masked[to_random] = random_ids[to_random]
    return masked, labels
