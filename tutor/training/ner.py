"""CoNLL-2003 named entities with a token-classification head.

Each word's tag goes on its first sub-token, -100 (ignored by the loss) on the others
and on [CLS]/[SEP]; predictions are read back from the first sub-tokens, so every word
gets exactly one tag, and scored by entities with seqeval.
"""

from __future__ import annotations

from typing import Any

from tutor.training import applications as app
from tutor.training.benchmarks import Benchmark, entity_scores
from tutor.training.heads import align_labels

SAMPLES = 5


def encode(tokenizer, words: list[str], tags: list[str], label_ids: dict[str, int], max_length):
    enc = tokenizer(words, is_split_into_words=True, truncation=True, max_length=max_length)
    return {
        "input_ids": enc["input_ids"],
        "attention_mask": enc["attention_mask"],
        "labels": align_labels(enc.word_ids(), [label_ids[t] for t in tags]),
    }


def run(ctx: app.Context, data: Benchmark, budget: app.Budget) -> dict[str, Any]:
    labels = data.labels
    label_ids = {t: i for i, t in enumerate(labels)}
    tok = ctx.tokenizer
    rows = app.limit(data.train, budget, ctx.seed)
    train = [encode(tok, w, t, label_ids, ctx.max_length) for w, t in rows]
    test_pairs = data.test[: budget.max_test] if budget.max_test else data.test
    test = [encode(tok, w, t, label_ids, ctx.max_length) for w, t in test_pairs]

    def collate(items):
        return app.pad(items, tok.pad_token_id, app.SEQUENCE_KEYS)

    def make_model():
        return app.load_model(
            "AutoModelForTokenClassification",
            ctx.model_path,
            num_labels=len(labels),
            id2label=dict(enumerate(labels)),
            label2id=label_ids,
        )

    sized = app.size(ctx, budget, train, make_model, collate)
    model = make_model()
    result = app.train(ctx, model, sized, budget, collate, "NER (CoNLL-2003)")

    def read(outputs, batch):
        guesses = outputs.logits.argmax(-1).tolist()
        gold = batch["labels"].tolist()
        # One tag per word: the prediction on each word's first sub-token.
        return [
            [labels[p] for p, y in zip(row, ys) if y != -100]
            for row, ys in zip(guesses, gold, strict=True)
        ]

    predicted = app.predict(ctx, model, test, collate, read)
    gold = [tags for _, tags in test_pairs]
    # Words past the token limit were never seen: they count as tagged "O" (missed), not skipped.
    cut = sum(len(g) - len(p) for g, p in zip(gold, predicted, strict=True))
    predicted = [p + ["O"] * (len(g) - len(p)) for g, p in zip(gold, predicted)]
    scores = entity_scores(gold, predicted)
    all_o = entity_scores(gold, [["O"] * len(g) for g in gold])  # finds nothing: F1 0
    tag_accuracy = sum(g == p for gs, ps in zip(gold, predicted) for g, p in zip(gs, ps)) / max(
        1, sum(len(g) for g in gold)
    )
    return {
        **scores,
        "tag_accuracy": tag_accuracy,
        "all_o_tag_accuracy": sum(t == "O" for g in gold for t in g)
        / max(1, sum(len(g) for g in gold)),
        "all_o_f1": all_o["f1"],
        "train_examples": len(sized.examples),
        "test_examples": len(test),
        "epochs": sized.epochs,
        "steps": sized.steps,
        "speed": sized.speed,
        "seconds": result.seconds,
        "history": result.history,
        "samples": [
            _sample(words, g, p)
            for (words, _), g, p in list(zip(test_pairs, gold, predicted))[:SAMPLES]
        ],
        "truncated_words": cut,
        # An uncased vocabulary cannot tell "Bush" from "bush": worth saying next to F1.
        "uncased": tok.tokenize("Paris") == tok.tokenize("paris"),
    }


def entities(words: list[str], tags: list[str]) -> str:
    """ "Anna Berg [PER], Lisbon [LOC]": the entities a tag sequence marks."""
    from seqeval.metrics.sequence_labeling import get_entities

    return ", ".join(
        f"{' '.join(words[a : b + 1])} [{kind}]" for kind, a, b in get_entities(list(tags))
    )


def _sample(words: list[str], gold: list[str], predicted: list[str]) -> dict[str, str]:
    return {
        "sentence": " ".join(words),
        "gold entities": entities(words, gold) or "(none)",
        "predicted entities": entities(words, predicted) or "(none)",
    }
