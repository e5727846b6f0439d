"""Exercise `mlm_masking`: BERT's masked-language-model masking (80/10/10).

Fill in `mask_tokens`, then run `tutor check mlm_masking`.
Stuck? `tutor hint mlm_masking`.
"""

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
    """Mask a batch of token ids (batch, length) for MLM training.

    Returns ``(masked_input_ids, labels)``, two new tensors the shape of ``input_ids``:

    - each token whose id is not in ``special_token_ids`` ([CLS], [SEP], [PAD], ...) is
      selected with probability ``mlm_probability``; special tokens never are;
    - a selected token becomes ``mask_token_id`` 80 % of the time, a random id in
      ``[0, vocab_size)`` 10 % of the time, and stays as it is 10 % of the time;
    - ``labels`` holds the original id at selected positions and -100 everywhere else.

    Every random draw uses ``generator``; ``input_ids`` itself is left unchanged.
    """
    # TODO: draw the selection, then the 80/10/10 split, with `generator`.
    raise NotImplementedError("TODO: implement mask_tokens")
