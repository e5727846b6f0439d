"""SQuAD 2.0 extractive QA on a five-article slice: train on three articles, answer
questions about the other two.

A question without an answer in its passage (SQuAD 2.0's "impossible" half) is trained
to point both start and end at [CLS]; at test time the model answers "no answer" when
the [CLS] pair outscores the best span. Passages are truncated to MAX_LENGTH tokens (a
training answer cut off by that is trained as "no answer", as Hugging Face's recipe does
for its windows).
"""

from __future__ import annotations

from typing import Any

from tutor.training import applications as app
from tutor.training.benchmarks import Benchmark, QAItem, squad_scores
from tutor.training.heads import answer_token_span, best_span

MAX_LENGTH = 384
SAMPLES = 6


def _encode(tokenizer, item: QAItem) -> dict[str, Any]:
    enc = tokenizer(
        item.question,
        item.context,
        truncation="only_second",
        max_length=MAX_LENGTH,
        return_offsets_mapping=True,
    )
    if item.impossible:
        start, end = 0, 0
    else:
        s = item.starts[0]
        start, end = answer_token_span(
            enc["offset_mapping"], enc.sequence_ids(), s, s + len(item.answers[0])
        )
    return {
        "input_ids": enc["input_ids"],
        "token_type_ids": enc["token_type_ids"],
        "attention_mask": enc["attention_mask"],
        "start_positions": start,
        "end_positions": end,
        # Kept for reading answers back; dropped from the model's batches.
        "offsets": [tuple(o) for o in enc["offset_mapping"]],
        "sequence_ids": enc.sequence_ids(),
    }


MODEL_KEYS = ("input_ids", "token_type_ids", "attention_mask", "start_positions", "end_positions")


def answer(
    start_logits: list[float],
    end_logits: list[float],
    sequence_ids: list[int | None],
    offsets: list[tuple[int, int]],
    context: str,
) -> str:
    """The best span's text, or "" (no answer) when [CLS]'s start + end score beats it."""
    i, j = best_span(start_logits, end_logits, sequence_ids)
    if start_logits[0] + end_logits[0] > start_logits[i] + end_logits[j]:
        return ""
    return context[offsets[i][0] : offsets[j][1]]


def run(ctx: app.Context, data: Benchmark, budget: app.Budget) -> dict[str, Any]:
    tok = ctx.tokenizer
    train_items = app.limit(data.train, budget, ctx.seed)
    encoded = [_encode(tok, x) for x in train_items]
    train = [{k: e[k] for k in MODEL_KEYS} for e in encoded]
    items = data.test[: budget.max_test] if budget.max_test else data.test
    test_full = [_encode(tok, x) for x in items]
    # The index rides along so that answers are read against their own passage.
    test = [{**{k: e[k] for k in MODEL_KEYS[:3]}, "index": n} for n, e in enumerate(test_full)]

    def collate(batch_items):
        return app.pad(batch_items, tok.pad_token_id, app.SEQUENCE_KEYS)

    def make_model():
        return app.load_model("AutoModelForQuestionAnswering", ctx.model_path)

    sized = app.size(ctx, budget, train, make_model, collate)
    model = make_model()
    result = app.train(ctx, model, sized, budget, collate, "QA (SQuAD 2.0 slice)")

    class _NoIndex(app.Adapter):
        """The model must not see the bookkeeping index column."""

        def __call__(self, index, **batch):
            return index, self.inner(**batch)

    def read(outputs, batch):
        index, out = outputs
        texts = []
        for row, n in enumerate(index.tolist()):
            e, width = test_full[n], len(test_full[n]["input_ids"])
            texts.append(
                answer(
                    out.start_logits[row, :width].float().tolist(),
                    out.end_logits[row, :width].float().tolist(),
                    e["sequence_ids"],
                    e["offsets"],
                    items[n].context,
                )
            )
        return texts

    predictions = app.predict(ctx, _NoIndex(model), test, collate, read)
    scores = squad_scores(items, predictions)
    never = squad_scores(items, [""] * len(items))  # always "no answer"
    cut = sum(
        1 for e, x in zip(encoded, train_items) if not x.impossible and e["start_positions"] == 0
    )
    return {
        **scores,
        "no_answer_baseline": never,
        "train_examples": len(sized.examples),
        "train_articles": sorted({x.title for x in data.train}),
        "test_articles": sorted({x.title for x in items}),
        "test_examples": len(items),
        "test_unanswerable": sum(x.impossible for x in items),
        "answers_cut": cut,
        "epochs": sized.epochs,
        "steps": sized.steps,
        "speed": sized.speed,
        "seconds": result.seconds,
        "history": result.history,
        "samples": [
            {
                "question": x.question,
                "gold": " | ".join(dict.fromkeys(x.answers)) or "(no answer)",
                "predicted": p or "(no answer)",
            }
            for x, p in list(zip(items, predictions))[:SAMPLES]
        ],
    }
