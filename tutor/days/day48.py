"""Day 48: BERT's pre-training tasks, for real but small. A BertForPreTraining with random
weights (a few layers, the MiniLM WordPiece vocabulary) learns masked-language modelling
(15 % of tokens chosen, 80/10/10) and next-sentence prediction on review text for a few
minutes; we watch both losses fall and the [MASK] guesses change.

No package here ships a pre-trained MLM head: the packaged MiniLM was trained as a
sentence encoder and its checkpoint has no ``cls.predictions`` weights, so it cannot
fill in [MASK]. With hub access, bert-base-uncased's own MLM head is shown for comparison.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tutor.days import experiment
from tutor.days.experiment import DayResult, ResultTable, Setup
from tutor.days.options import Day48Options as Options
from tutor.errors import OfflineError, UsageError
from tutor.training.recipes import BERT_BASE, MINILM

DAY = "day48"
# Held-out masked-token accuracy a run must reach: about twice what always guessing the
# most frequent word piece gets on review text.
TARGETS = {"gpu": 0.25, "cpu": 0.10}
BUDGETS: dict[str, dict[str, Any]] = {
    "gpu": {
        "layers": 6,
        "hidden": 512,
        "steps": 5000,
        "batch": 64,
        "max_length": 128,
        "lr": 5e-4,
        "reviews": None,
        "heldout_pairs": 2000,
        "evals": 10,
    },
    # Two layers: at this budget more steps beat more depth; 800 steps get past the
    # "guess the commonest piece" plateau on two cores in about four minutes.
    "cpu": {
        "layers": 2,
        "hidden": 256,
        "steps": 800,
        "batch": 32,
        "max_length": 64,
        "lr": 1e-3,
        "reviews": 8000,
        "heldout_pairs": 512,
        "evals": 8,
    },
    "smoke": {
        "layers": 2,
        "hidden": 64,
        "steps": 6,
        "batch": 8,
        "max_length": 32,
        "lr": 1e-3,
        "reviews": 60,
        "heldout_pairs": 16,
        "evals": 1,
    },
}
# On the CPU profile the steps are sized to this machine: as many as fit in this many
# minutes (measured), never more than the profile's 800 and never fewer than
# CPU_MIN_STEPS, below which the model rarely gets past predicting the commonest pieces.
CPU_MINUTES = 5.0
CPU_MIN_STEPS = 400
SENTENCES = [
    "The movie was [MASK].",
    "I [MASK] this film.",
    "This is one of the [MASK] movies I have ever seen.",
    "The acting was terrible and the [MASK] was boring.",
    "She is a great [MASK].",
]


@dataclass
class Plan:
    setup: Setup
    budget: dict[str, Any]
    tokenizer_path: str
    train_pairs: list[tuple[str, str, int]]
    heldout_pairs: list[tuple[str, str, int]]
    sentences: list[str]
    corpus: str
    notes: list[str] = field(default_factory=list)


def _documents(texts, limit: int | None) -> list[list[str]]:
    from tutor.training.pretraining import split_sentences

    docs = [split_sentences(t) for t in (texts if limit is None else texts[:limit])]
    return [d for d in docs if d]


def plan(options: Options) -> Plan:
    from tutor.training.models import resolve_model

    for text in options.text:
        if "[MASK]" not in text:
            raise UsageError(f'--text "{text}" has no [MASK] to fill in.')
    setup = experiment.prepare(
        DAY, profile=options.profile, seed=options.seed, resolve=False, progress=options.progress
    )
    b = experiment.budget(
        BUDGETS, setup.profile, steps=options.steps, layers=options.layers, hidden=options.hidden
    )
    if b["hidden"] % 64 and b["hidden"] >= 64:
        raise UsageError("--hidden must be a multiple of 64 (64 numbers per attention head).")
    if b["steps"] < 1 or b["layers"] < 1:
        raise UsageError("--steps and --layers must be at least 1.")
    tokenizer_model = resolve_model(MINILM, setup.status)
    data = experiment.load_text_data("imdb", setup.status, setup.seed)
    rng = random.Random(setup.seed)
    train_docs = _documents(data.train.shuffle(seed=setup.seed)["text"], b["reviews"])
    heldout_docs = _documents(data.eval.shuffle(seed=setup.seed)["text"], 4 * b["heldout_pairs"])
    from tutor.training.pretraining import nsp_pairs

    if setup.profile == "cpu" and options.steps is None:
        from tutor.training.budget import fit_steps

        b["steps"], setup.speed = fit_steps(
            measure_step(tokenizer_model.path, train_docs, b, setup),
            b["steps"],
            CPU_MINUTES,
            CPU_MIN_STEPS,
        )

    train_pairs = nsp_pairs(train_docs, rng, limit=b["steps"] * b["batch"])
    heldout_pairs = nsp_pairs(heldout_docs, rng, limit=b["heldout_pairs"])
    heads = max(1, b["hidden"] // 64)
    experiment.open_run(
        setup,
        [
            (
                "model",
                f"BertForPreTraining, {b['layers']} layers x {b['hidden']} wide, {heads} heads, "
                "random initialisation",
            ),
            ("tokenizer", f"{tokenizer_model.description}: its WordPiece vocabulary only"),
            ("corpus", f"{data.source}: sentences split from {len(train_docs):,} reviews"),
            (
                "pairs",
                f"{len(train_pairs):,} training / {len(heldout_pairs):,} held-out sentence pairs, "
                "half IsNext, half NotNext (B from another review)",
            ),
            (
                "training",
                f"{b['steps']} steps of {b['batch']} pairs (<= {b['max_length']} tokens), "
                f"lr {b['lr']:g}, MLM 15 % (80/10/10) + NSP",
            ),
        ],
    )
    return Plan(
        setup,
        b,
        tokenizer_model.path,
        train_pairs,
        heldout_pairs,
        SENTENCES + list(options.text),
        data.source,
    )


def measure_step(tokenizer_path: str, docs: list[list[str]], b: dict[str, Any], setup: Setup):
    """Seconds per pre-training step of the day's model on the day's batches, timed on a
    throwaway copy (tutor.training.loops.seconds_per_step)."""
    import logging

    from transformers import AutoTokenizer, DataCollatorForLanguageModeling

    from tutor.training import pretraining as pt
    from tutor.training.budget import MEASURED_BATCHES, WARMUP_BATCHES
    from tutor.training.loops import batches, seconds_per_step

    logging.getLogger("tutor").info("Measuring pre-training speed on this machine ...")
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_path)
    # Its own random stream: the run's pairs are the same with or without measuring.
    n = (WARMUP_BATCHES + MEASURED_BATCHES) * b["batch"]
    pairs = pt.nsp_pairs(docs, random.Random(setup.seed + 7), limit=n)
    items = pt.encode_pairs(tokenizer, pairs, b["max_length"])
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15, seed=setup.seed)
    return seconds_per_step(
        build_model(tokenizer, b),
        batches(items, b["batch"], collator, setup.seed),
        hw=setup.hardware,
        precision=setup.recipe.precision,
        loss_fn=pt.pretraining_loss,
        lr=b["lr"],
    )


def build_model(tokenizer, b: dict[str, Any]):
    from transformers import BertConfig, BertForPreTraining

    heads = max(1, b["hidden"] // 64)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=b["hidden"],
        num_hidden_layers=b["layers"],
        num_attention_heads=heads,
        intermediate_size=4 * b["hidden"],
        max_position_embeddings=max(128, b["max_length"]),
        pad_token_id=tokenizer.pad_token_id,
    )
    return BertForPreTraining(config)


def execute(p: Plan) -> DayResult:
    import torch
    from transformers import AutoTokenizer, DataCollatorForLanguageModeling, set_seed

    from tutor.training import pretraining as pt
    from tutor.training.loops import batches, device_of, to_device, train_loop

    s, b = p.setup, p.budget
    with experiment.recording(s):
        set_seed(s.seed)
        tokenizer = AutoTokenizer.from_pretrained(p.tokenizer_path)
        model = build_model(tokenizer, b)
        params = sum(x.numel() for x in model.parameters())
        device = device_of(s.hardware)
        model.to(device).eval()
        before = pt.fill_mask(model, tokenizer, p.sentences)

        train_items = pt.encode_pairs(tokenizer, p.train_pairs, b["max_length"])
        heldout_items = pt.encode_pairs(tokenizer, p.heldout_pairs, b["max_length"])
        # The held-out batches are masked once, with their own seed: every evaluation
        # scores the same masked positions.
        fixed = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15, seed=s.seed + 1)
        heldout = [
            fixed(heldout_items[i : i + b["batch"]])
            for i in range(0, len(heldout_items), b["batch"])
        ]
        collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15, seed=s.seed)

        def evaluate(step: int) -> dict[str, float]:
            total = {"mlm_loss": 0.0, "nsp_loss": 0.0, "mlm_correct": 0.0, "nsp_correct": 0.0}
            masked = pairs = 0
            for batch in heldout:
                _, x = pt.pretraining_loss(model, to_device(batch, device))
                n, m = len(batch["input_ids"]), x["masked"]
                total["mlm_loss"] += x["mlm_loss"] * m
                total["mlm_correct"] += x["mlm_accuracy"] * m
                total["nsp_loss"] += x["nsp_loss"] * n
                total["nsp_correct"] += x["nsp_accuracy"] * n
                masked, pairs = masked + m, pairs + n
            return {
                "heldout_mlm_loss": total["mlm_loss"] / max(1, masked),
                "heldout_mlm_accuracy": total["mlm_correct"] / max(1, masked),
                "heldout_nsp_loss": total["nsp_loss"] / max(1, pairs),
                "heldout_nsp_accuracy": total["nsp_correct"] / max(1, pairs),
            }

        model.eval()
        with torch.inference_mode():
            start = {"step": 0, **evaluate(0)}
            # The gathered loss must equal BertForPreTraining's own (all positions) loss.
            first = to_device(heldout[0], device)
            own = float(model(**first).loss)
            gathered = float(pt.pretraining_loss(model, first)[0])
        result = train_loop(
            model,
            batches(train_items, b["batch"], collator, s.seed),
            steps=b["steps"],
            lr=b["lr"],
            hw=s.hardware,
            precision=s.recipe.precision,
            loss_fn=pt.pretraining_loss,
            evaluate=evaluate,
            eval_every=max(1, b["steps"] // b["evals"]),
            log_every=max(1, b["steps"] // 100),
            desc="Pre-training (MLM + NSP)",
            progress=s.progress,
        )
        evaluations = [start, *result.evaluations]
        after = pt.fill_mask(model, tokenizer, p.sentences)

        notes, reference = _bert_base_fill(p, s)
        special = set(tokenizer.all_special_ids)
        labels = [int(t) for batch in heldout for t in batch["labels"].flatten() if t != -100]
        unigram_loss, unigram_acc = pt.unigram_baseline(
            [x["input_ids"] for x in train_items], labels, special, len(tokenizer)
        )
        shares = _mask_shares(heldout, heldout_items, tokenizer)
        counts = Counter(t for x in train_items for t in x["input_ids"] if t not in special)
        common = set(tokenizer.convert_ids_to_tokens([t for t, _ in counts.most_common(20)]))
        commonest = sum(bool(guesses) and guesses[0] in common for guesses in after) / max(
            1, len(after)
        )
        example = _masked_example(heldout[0], heldout_items[0], tokenizer)
        folder = s.run_dir
        figure = plot(
            result.history,
            evaluations,
            math.log(len(tokenizer)),
            unigram_loss,
            folder / "pretraining.png",
        )
        final = evaluations[-1]
        predictions = [
            {
                "sentence": sentence,
                "before training": " ".join(x),
                "after training": " ".join(y),
                **({"bert-base-uncased": " ".join(reference[i])} if reference else {}),
            }
            for i, (sentence, x, y) in enumerate(zip(p.sentences, before, after))
        ]
        lines = interpret(
            start,
            final,
            unigram_loss,
            unigram_acc,
            shares,
            len(tokenizer),
            result.seconds,
            (own, gathered),
            commonest,
        )
        return experiment.finish(
            s,
            metric="heldout_masked_accuracy",
            value=final["heldout_mlm_accuracy"],
            target=TARGETS.get(s.profile),
            tables=[
                ResultTable("fill_mask", "Top-5 guesses for [MASK]", predictions),
                ResultTable("pretraining_log", "Held-out loss and accuracy", evaluations),
                ResultTable(
                    "masking", "The 80/10/10 rule, counted on the held-out batches", [shares]
                ),
                ResultTable(
                    "masked_example",
                    "One held-out pair as the model sees it",
                    example,
                    show=["position", "segment", "original", "model input", "to predict"],
                ),
            ],
            figures={"figure": figure},
            interpretation=lines,
            notes=[
                "The packaged MiniLM checkpoint has no MLM head (no cls.predictions weights): "
                "it cannot fill in [MASK], so this run pre-trains a small BERT from random "
                "weights and borrows only MiniLM's WordPiece vocabulary.",
                *notes,
            ],
            metrics={
                "parameters": params,
                "train_seconds": round(result.seconds, 1),
                "loss_check": {"model_loss": own, "gathered_loss": gathered},
                "unigram_baseline": {"loss": unigram_loss, "accuracy": unigram_acc},
                "uniform_loss": math.log(len(tokenizer)),
                "history": result.history,
                "corpus": p.corpus,
            },
            dataset=p.corpus,
        )


def _bert_base_fill(p: Plan, s: Setup) -> tuple[list[str], list[list[str]] | None]:
    """bert-base-uncased's own MLM head on the same sentences, when the hub (or the local
    cache) has it; otherwise say plainly that it was skipped and why."""
    from tutor.training.models import quiet_loading, resolve_model
    from tutor.training.pretraining import fill_mask

    if s.smoke:
        return ["bert-base-uncased fill-mask: skipped in the smoke profile."], None
    try:
        resolved = resolve_model(BERT_BASE, s.status, fallback=False)
        from transformers import AutoTokenizer, BertForPreTraining

        with quiet_loading():
            tokenizer = AutoTokenizer.from_pretrained(resolved.path)
            model = BertForPreTraining.from_pretrained(resolved.path, use_safetensors=True)
        model.eval()
        return [f"bert-base-uncased fill-mask: {resolved.description}."], fill_mask(
            model, tokenizer, p.sentences
        )
    except OfflineError:
        reason = s.status.reason or "not in the local cache"
        return [
            f"bert-base-uncased fill-mask: skipped, the Hugging Face Hub is unreachable "
            f"({reason}) and the model is not in the local cache. Run again online to compare "
            "with a fully pre-trained MLM head."
        ], None
    except (OSError, ValueError) as exc:
        return [f"bert-base-uncased fill-mask: skipped, loading failed ({exc})."], None


def _mask_shares(heldout, items, tokenizer) -> dict[str, Any]:
    from tutor.training.pretraining import mask_shares

    total: dict[str, int] = {}
    i = 0
    for batch in heldout:
        for row in range(len(batch["input_ids"])):
            original = items[i]["input_ids"]
            n = len(original)
            counts = mask_shares(
                original,
                batch["input_ids"][row][:n].tolist(),
                batch["labels"][row][:n].tolist(),
                tokenizer.mask_token_id,
                items[i]["special_tokens_mask"],
            )
            for k, v in counts.items():
                total[k] = total.get(k, 0) + v
            i += 1
    chosen = max(1, total["chosen"])
    return {
        "maskable tokens": total["maskable"],
        "chosen for prediction": total["chosen"],
        "chosen share": total["chosen"] / max(1, total["maskable"]),
        "[MASK] share": total["[MASK]"] / chosen,
        "random share": total["random token"] / chosen,
        "unchanged share": total["unchanged"] / chosen,
    }


def _masked_example(batch, item, tokenizer) -> list[dict[str, Any]]:
    n = len(item["input_ids"])
    original = tokenizer.convert_ids_to_tokens(item["input_ids"])
    shown = tokenizer.convert_ids_to_tokens(batch["input_ids"][0][:n].tolist())
    labels = batch["labels"][0][:n].tolist()
    return [
        {
            "position": i,
            "segment": item["token_type_ids"][i],
            "original": original[i],
            "model input": shown[i],
            "to predict": original[i] if labels[i] != -100 else "",
        }
        for i in range(n)
    ]


def interpret(
    start, final, unigram_loss, unigram_acc, shares, vocab, seconds, check, commonest=0.0
) -> list[str]:
    lines = [
        f"Masked-word loss on held-out pairs fell from {start['heldout_mlm_loss']:.2f} to "
        f"{final['heldout_mlm_loss']:.2f} in {seconds / 60:.1f} min (ln {vocab:,} = "
        f"{math.log(vocab):.2f} is a uniform guess over the vocabulary).",
    ]
    if final["heldout_mlm_loss"] < unigram_loss:
        lines.append(
            f"It is below {unigram_loss:.2f}, the loss of guessing from word-piece frequencies "
            "alone: the model has started to use the context around each [MASK]."
        )
    else:
        lines.append(
            f"It is not yet below {unigram_loss:.2f}, the loss of guessing from word-piece "
            "frequencies alone: so far it has mostly learnt which pieces are common, not how "
            "context predicts them. Train longer (--steps) to get past that."
        )
    lines.append(
        f"It fills in {final['heldout_mlm_accuracy']:.1%} of held-out masked pieces exactly "
        f"(always guessing the most frequent piece: {unigram_acc:.1%})."
    )
    if commonest >= 0.6:
        lines.append(
            f"For {commonest:.0%} of the [MASK] sentences its first guess is one of the 20 "
            "commonest pieces of the corpus: minutes of pre-training on one corpus are a long "
            "way from BERT's 40 epochs over 3.3 billion words."
        )
    nsp = final["heldout_nsp_accuracy"]
    lines.append(
        f"Next-sentence prediction: {nsp:.1%} on held-out pairs (chance 50 %); "
        + (
            "topic and style shifts between reviews already give NotNext pairs away."
            if nsp >= 0.6
            else "not clearly above chance yet: NSP needs more training to pick up."
        )
    )
    lines.append(
        f"Masking, counted: {shares['chosen share']:.1%} of the maskable tokens chosen; of those "
        f"{shares['[MASK] share']:.0%} became [MASK], {shares['random share']:.0%} a random "
        f"piece, {shares['unchanged share']:.0%} stayed (the 80/10/10 rule; special tokens are "
        "never chosen)."
    )
    same = abs(check[0] - check[1]) < 1e-3 * max(1.0, abs(check[0]))
    lines.append(
        f"Scoring only the masked positions gives the same loss as BertForPreTraining's own "
        f"({check[1]:.4f} vs {check[0]:.4f} on a held-out batch) at a fraction of the cost."
        if same
        else f"Warning: the gathered loss {check[1]:.4f} differs from the model's {check[0]:.4f}."
    )
    return lines


def plot(history, evaluations, uniform: float, unigram: float, path: Path) -> Path:
    from tutor.training.artifacts import pyplot

    plt = pyplot()
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(12, 4.5))
    steps = [h["step"] for h in history]
    ax_loss.plot(steps, [h["loss"] for h in history], label="MLM + NSP (training)", alpha=0.8)
    ax_loss.plot(steps, [h["mlm_loss"] for h in history], label="MLM (training)", alpha=0.8)
    ax_loss.plot(steps, [h["nsp_loss"] for h in history], label="NSP (training)", alpha=0.8)
    ax_loss.plot(
        [e["step"] for e in evaluations],
        [e["heldout_mlm_loss"] for e in evaluations],
        "o-",
        label="MLM (held-out)",
    )
    ax_loss.axhline(uniform, color="grey", linestyle=":", label="uniform guess (ln V)")
    if math.isfinite(unigram):
        ax_loss.axhline(unigram, color="black", linestyle="--", label="word-piece frequencies")
    ax_loss.set(title="Pre-training losses", xlabel="step", ylabel="cross-entropy (nats)")
    ax_acc.plot(
        [e["step"] for e in evaluations],
        [e["heldout_mlm_accuracy"] for e in evaluations],
        "o-",
        label="masked pieces filled in exactly",
    )
    ax_acc.plot(
        [e["step"] for e in evaluations],
        [e["heldout_nsp_accuracy"] for e in evaluations],
        "s-",
        label="next-sentence prediction",
    )
    ax_acc.axhline(0.5, color="grey", linestyle=":", label="NSP chance")
    ax_acc.set(title="Held-out accuracy", xlabel="step", ylabel="accuracy", ylim=(0, 1))
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
