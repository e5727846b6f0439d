"""Exercise `nsp_pairs`: next-sentence-prediction examples from documents.

Fill in `make_nsp_examples`, then run `tutor check nsp_pairs`.
Stuck? `tutor hint nsp_pairs`.
"""

from __future__ import annotations

import random
from typing import Any

Sentence = list[str]


def make_nsp_examples(
    documents: list[list[Sentence]], *, rng: random.Random
) -> list[dict[str, Any]]:
    """One NSP example for every sentence A that has a successor in its document.

    With probability 0.5, B is the next sentence of the same document (IsNext); otherwise B
    is a random sentence of a different document (NotNext). Each example is a dict:

    - ``"tokens"``: ``["[CLS]", *A, "[SEP]", *B, "[SEP]"]``
    - ``"segment_ids"``: 0 for [CLS], A and the first [SEP]; 1 for B and the last [SEP]
    - ``"is_next"``: True for IsNext, False for NotNext
    - ``"label"``: 0 for IsNext, 1 for NotNext (BertForPreTraining's next_sentence_label)

    Raises ValueError when there are fewer than two documents (NotNext needs another one).
    Every random draw uses ``rng``.
    """
    # TODO: build the examples.
    raise NotImplementedError("TODO: implement make_nsp_examples")
