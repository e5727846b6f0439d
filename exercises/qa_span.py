"""Exercise `qa_span`: decoding the best answer span from a QA model's start and end scores.

Fill in `best_span` and `answer`, then run `tutor check qa_span` (or press Run tests in the
lesson page). Stuck? `tutor hint qa_span`.

The input was ``[CLS] question [SEP] passage [SEP]``; the model gave one start score and
one end score per token. ``context_mask[i]`` is 1 for passage tokens (where an answer may
lie) and 0 for [CLS], the question, [SEP] and padding.
"""

from __future__ import annotations


def best_span(
    start_logits: list[float],
    end_logits: list[float],
    context_mask: list[int],
    max_answer_length: int = 30,
) -> tuple[int, int, float]:
    """The span (i, j) with the highest score start_logits[i] + end_logits[j], among spans
    with both ends in the passage, j >= i and at most ``max_answer_length`` tokens
    (j - i + 1 <= max_answer_length). Returns ``(i, j, score)``; on a tie, the span found
    first scanning i, then j, upwards. Raise ValueError if no span is possible."""
    # TODO: a double loop over i and j, skipping the spans that are not allowed.
    raise NotImplementedError("TODO: implement best_span")


def answer(
    start_logits: list[float],
    end_logits: list[float],
    context_mask: list[int],
    null_threshold: float = 0.0,
    max_answer_length: int = 30,
) -> tuple[int, int] | None:
    """SQuAD 2.0 style: None ("no answer") when the [CLS] score start_logits[0] +
    end_logits[0] beats the best span's score by MORE than ``null_threshold``; else the
    best span's (i, j)."""
    # TODO
    raise NotImplementedError("TODO: implement answer")
