"""Sentence-pair applications: MRPC paraphrase (a cross-encoder classifier) and STS-B
similarity three ways.

STS-B compares what day 46 contrasts, feature extraction against fine-tuning:
- zero-shot: the frozen encoder's mean-pooled embeddings, cosine of the two sentences;
- cross-encoder: ``[CLS] A [SEP] B [SEP]`` fine-tuned to regress the score;
- two towers: each sentence encoded alone, fine-tuned so that the cosine of the two
  embeddings matches the score / 5 (sentence-transformers' CosineSimilarityLoss,
  written out: MSE between cosine and target).
"""

from __future__ import annotations

from typing import Any

from tutor.training import applications as app
from tutor.training.benchmarks import Benchmark, always_positive, pair_scores, spearman

SAMPLES = 5
MRPC_LABELS = ["not paraphrase", "paraphrase"]


def _encode_pair(tokenizer, a: str, b: str, label, max_length: int) -> dict[str, Any]:
    enc = tokenizer(a, b, truncation=True, max_length=max_length)
    return {
        "input_ids": enc["input_ids"],
        "token_type_ids": enc["token_type_ids"],
        "attention_mask": enc["attention_mask"],
        "labels": label,
    }


def _test_rows(data: Benchmark, budget: app.Budget) -> list:
    return data.test[: budget.max_test] if budget.max_test else data.test


def _pair_model(ctx: app.Context, **kwargs):
    """A sentence-pair head on the vector the encoder was pre-trained to produce: the token
    mean for a sentence encoder such as the packaged MiniLM (whose [CLS] pooler no
    pre-training objective trained), BERT's pooled [CLS] otherwise. Day 50 keeps no model,
    so the mean head's non-standard folder (tutor.training.pooling) costs nothing here."""
    from tutor.training.models import ResolvedModel, _model_type
    from tutor.training.pooling import mean_pooling_class, pretrained_pooling

    local = ResolvedModel(ctx.model_path, ctx.model_path, "local", "day 50's encoder")
    if pretrained_pooling(ctx.model_path) == "mean" and _model_type(local) == "bert":
        return app.load_model(mean_pooling_class(), ctx.model_path, **kwargs)
    return app.load_model("AutoModelForSequenceClassification", ctx.model_path, **kwargs)


def paraphrase(ctx: app.Context, data: Benchmark, budget: app.Budget) -> dict[str, Any]:
    tok = ctx.tokenizer
    train = [
        _encode_pair(tok, a, b, y, ctx.max_length)
        for a, b, y in app.limit(data.train, budget, ctx.seed)
    ]
    rows = _test_rows(data, budget)
    test = [_encode_pair(tok, a, b, y, ctx.max_length) for a, b, y in rows]

    def collate(items):
        return app.pad(items, tok.pad_token_id, app.SEQUENCE_KEYS)

    def make_model():
        return _pair_model(
            ctx,
            num_labels=2,
            id2label=dict(enumerate(MRPC_LABELS)),
            label2id={n: i for i, n in enumerate(MRPC_LABELS)},
        )

    sized = app.size(ctx, budget, train, make_model, collate)
    model = make_model()
    result = app.train(ctx, model, sized, budget, collate, "Paraphrase (MRPC)")

    def read(outputs, batch):
        return outputs.logits.float().softmax(-1)[:, 1].tolist()

    p_yes = app.predict(ctx, model, test, collate, read)
    gold = [y for _, _, y in rows]
    predicted = [int(p > 0.5) for p in p_yes]
    return {
        **pair_scores(gold, predicted),
        "baseline": always_positive(gold),
        "train_examples": len(sized.examples),
        "test_examples": len(test),
        "epochs": sized.epochs,
        "steps": sized.steps,
        "speed": sized.speed,
        "seconds": result.seconds,
        "history": result.history,
        "samples": [
            {
                "sentence 1": a,
                "sentence 2": b,
                "gold": MRPC_LABELS[y],
                "predicted": MRPC_LABELS[guess],
                "P(paraphrase)": round(p, 3),
            }
            for (a, b, y), guess, p in list(zip(rows, predicted, p_yes))[:SAMPLES]
        ],
    }


# --- STS-B -------------------------------------------------------------------------------


def _encode_towers(tokenizer, a: str, b: str, score: float, max_length: int) -> dict[str, Any]:
    ea = tokenizer(a, truncation=True, max_length=max_length)
    eb = tokenizer(b, truncation=True, max_length=max_length)
    return {
        "input_ids": ea["input_ids"],
        "attention_mask": ea["attention_mask"],
        "b_input_ids": eb["input_ids"],
        "b_attention_mask": eb["attention_mask"],
        "labels": score / 5.0,
    }


def _cosines(model, batch):
    import torch

    from tutor.training.pooling import mean_pool

    u = mean_pool(
        model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])[0],
        batch["attention_mask"],
    )
    v = mean_pool(
        model(input_ids=batch["b_input_ids"], attention_mask=batch["b_attention_mask"])[0],
        batch["b_attention_mask"],
    )
    return torch.nn.functional.cosine_similarity(u.float(), v.float(), dim=-1)


def cosine_loss(model, batch):
    """CosineSimilarityLoss: the two towers' cosine regressed onto the score / 5."""
    import torch

    cos = _cosines(model, batch)
    return torch.nn.functional.mse_loss(cos, batch["labels"].float()), {}


class _Towers(app.Adapter):
    """Lets app.predict call a bare encoder on a two-tower batch."""

    def __call__(self, **batch):
        return _cosines(self.inner, batch)


def similarity(
    ctx: app.Context, data: Benchmark, cross: app.Budget, towers: app.Budget
) -> dict[str, Any]:
    tok = ctx.tokenizer
    rows = _test_rows(data, cross)
    gold = [s for _, _, s in rows]

    def collate(items):
        return app.pad(items, tok.pad_token_id, app.SEQUENCE_KEYS)

    def encoder():
        return app.load_model("AutoModel", ctx.model_path, add_pooling_layer=False)

    tower_test = [_encode_towers(tok, a, b, s, ctx.max_length) for a, b, s in rows]

    def read_cos(outputs, batch):
        return outputs.tolist()

    zero_shot = app.predict(ctx, _Towers(encoder()), tower_test, collate, read_cos)

    # Cross-encoder: one input, a regression head on [CLS] (MSE on score / 5).
    cross_rows = app.limit(data.train, cross, ctx.seed)
    cross_train = [_encode_pair(tok, a, b, s / 5.0, ctx.max_length) for a, b, s in cross_rows]
    cross_test = [_encode_pair(tok, a, b, s / 5.0, ctx.max_length) for a, b, s in rows]

    def make_cross():
        return _pair_model(
            ctx,
            num_labels=1,
            problem_type="regression",
        )

    sized_cross = app.size(ctx, cross, cross_train, make_cross, collate)
    model = make_cross()
    cross_result = app.train(ctx, model, sized_cross, cross, collate, "Similarity: cross-encoder")
    cross_scores = app.predict(
        ctx, model, cross_test, collate, lambda out, batch: out.logits.float()[:, 0].tolist()
    )
    del model

    # Two towers, fine-tuned on the cosine itself.
    tower_rows = app.limit(data.train, towers, ctx.seed)
    tower_train = [_encode_towers(tok, a, b, s, ctx.max_length) for a, b, s in tower_rows]
    sized_towers = app.size(ctx, towers, tower_train, encoder, collate, loss_fn=cosine_loss)
    tower_model = encoder()
    tower_result = app.train(
        ctx, tower_model, sized_towers, towers, collate, "Similarity: two towers", cosine_loss
    )
    tuned = app.predict(ctx, _Towers(tower_model), tower_test, collate, read_cos)

    def row(method, how, scores, sized=None, result=None) -> dict[str, Any]:
        return {
            "method": method,
            "how": how,
            "spearman": spearman(scores, gold),
            "train_examples": 0 if sized is None else len(sized.examples),
            "epochs": 0 if sized is None else sized.epochs,
            "steps": 0 if sized is None else sized.steps,
            "speed": "" if sized is None else sized.speed,
            "seconds": 0.0 if result is None else result.seconds,
        }

    rows_out = [
        row("zero-shot cosine", "frozen encoder, mean-pooled embeddings", zero_shot),
        row(
            "cross-encoder",
            "[CLS] A [SEP] B [SEP] fine-tuned to regress the score",
            cross_scores,
            sized_cross,
            cross_result,
        ),
        row(
            "two towers, fine-tuned",
            "each sentence alone; cosine fine-tuned onto score / 5",
            tuned,
            sized_towers,
            tower_result,
        ),
    ]
    return {
        "methods": rows_out,
        "test_examples": len(rows),
        "history": {"cross-encoder": cross_result.history, "two towers": tower_result.history},
        "samples": [
            {
                "sentence 1": a,
                "sentence 2": b,
                "gold score": s,
                "zero-shot cosine x5": round(5 * z, 2),
                "cross-encoder": round(5 * c, 2),
                "two towers x5": round(5 * t, 2),
            }
            for (a, b, s), z, c, t in list(zip(rows, zero_shot, cross_scores, tuned))[:SAMPLES]
        ],
    }
