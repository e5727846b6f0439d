"""Solution of `qa_span`."""

from __future__ import annotations


def best_span(
    start_logits: list[float],
    end_logits: list[float],
    context_mask: list[int],
    max_answer_length: int = 30,
) -> tuple[int, int, float]:
    best = None
    n = len(start_logits)
    for i in range(n):
        if not context_mask[i]:
            continue
        # j from i: an answer ends at or after its start, and is at most max_answer_length.
        for j in range(i, min(n, i + max_answer_length)):
            if not context_mask[j]:
                continue
            score = start_logits[i] + end_logits[j]
            if best is None or score > best[2]:
                best = (i, j, score)
    if best is None:
        raise ValueError("no allowed span: the context mask marks no passage token")
    return best


def answer(
    start_logits: list[float],
    end_logits: list[float],
    context_mask: list[int],
    null_threshold: float = 0.0,
    max_answer_length: int = 30,
) -> tuple[int, int] | None:
    i, j, score = best_span(start_logits, end_logits, context_mask, max_answer_length)
    null_score = start_logits[0] + end_logits[0]
    if null_score - score > null_threshold:
        return None
    return i, j
