"""Day 47: BERT's architecture, opened up. Sizes and parameters per component next to
BERT-base's 110M (built from ``BertConfig()`` locally), the token + segment + position
embeddings of a sentence pair, hidden states layer by layer, and attention maps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tutor.days import experiment
from tutor.days.experiment import DayResult, ResultTable, Setup
from tutor.days.options import Day47Options as Options
from tutor.errors import UsageError

DAY = "day47"


@dataclass
class Plan:
    setup: Setup
    options: Options


def plan(options: Options) -> Plan:
    if not options.text.strip():
        raise UsageError("--text must not be empty.")
    options.text_pair = (options.text_pair or "").strip() or None
    setup = experiment.prepare(
        DAY,
        profile=options.profile,
        seed=options.seed,
        model=options.model,
        progress=options.progress,
    )
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(setup.model.path)
    layers, heads = config.num_hidden_layers, config.num_attention_heads
    if options.layer is not None and not 1 <= options.layer <= layers:
        raise UsageError(f"--layer must be 1..{layers} for this model.")
    if not 1 <= options.head <= heads:
        raise UsageError(f"--head must be 1..{heads} for this model.")
    options.layer = options.layer or math.ceil(layers / 2)
    pair = f' + "{options.text_pair}"' if options.text_pair else ""
    experiment.open_run(
        setup,
        [
            ("input", f'"{options.text}"{pair}'),
            (
                "attention map",
                f"layer {options.layer} of {layers}, head {options.head} of {heads}",
            ),
        ],
    )
    return Plan(setup, options)


def _load(setup: Setup):
    from transformers import AutoModel

    from tutor.training.models import load_tokenizer, quiet_loading

    with quiet_loading():
        # Eager attention: the fused kernels do not return the attention weights.
        model = AutoModel.from_pretrained(
            setup.model.path, attn_implementation="eager", use_safetensors=True
        )
    model.eval()
    emb = getattr(model, "embeddings", None)
    if emb is None or not hasattr(emb, "token_type_embeddings"):
        raise UsageError(
            f"{setup.model.requested} is not a BERT-style encoder (token, segment and "
            "position embeddings): give a BERT checkpoint with --model."
        )
    return load_tokenizer(setup.model), model


def architecture_rows(config, base) -> list[dict[str, Any]]:
    def sizes(c) -> dict[str, Any]:
        return {
            "layers (L)": c.num_hidden_layers,
            "hidden size (H)": c.hidden_size,
            "attention heads (A)": c.num_attention_heads,
            "head size (H/A)": c.hidden_size // c.num_attention_heads,
            "feed-forward size (I)": c.intermediate_size,
            "vocabulary (V)": c.vocab_size,
            "positions (P)": c.max_position_embeddings,
            "segment types (T)": c.type_vocab_size,
        }

    mine, theirs = sizes(config), sizes(base)
    return [{"setting": k, "this model": mine[k], "BERT-base": theirs[k]} for k in mine]


def parameter_rows(mine: dict[str, int], base: dict[str, int], formulas: dict[str, int]):
    from tutor.training.anatomy import FORMULAS

    total, base_total = sum(mine.values()), sum(base.values())
    rows = []
    for component in mine:
        if component == "head" and not mine[component] and not base[component]:
            continue
        rows.append(
            {
                "component": component,
                "this model": mine[component],
                "share": round(mine[component] / total, 4),
                "formula": FORMULAS[component],
                "formula gives": formulas[component],
                "BERT-base": base[component],
                "BERT-base share": round(base[component] / base_total, 4),
            }
        )
    rows.append(
        {
            "component": "total",
            "this model": total,
            "share": 1.0,
            "formula": "sum",
            "formula gives": sum(formulas.values()),
            "BERT-base": base_total,
            "BERT-base share": 1.0,
        }
    )
    return rows


def embedding_rows(model, encoded, tokens: list[str]):
    """Each token's three embeddings, their sum, and the embedding layer's output
    (LayerNorm of the sum; dropout is off in eval mode). Returns rows and the largest
    difference between our sum-then-LayerNorm and the model's own embedding output."""
    import torch

    emb = model.embeddings
    ids, segments = encoded["input_ids"], encoded["token_type_ids"]
    positions = torch.arange(ids.shape[1]).unsqueeze(0)
    with torch.inference_mode():
        word = emb.word_embeddings(ids)
        segment = emb.token_type_embeddings(segments)
        position = emb.position_embeddings(positions)
        total = word + segment + position
        ours = emb.LayerNorm(total)
        theirs = emb(input_ids=ids, token_type_ids=segments)
    check = float((ours - theirs).abs().max())
    rows = []
    for i, token in enumerate(tokens):
        rows.append(
            {
                "position": i,
                "token": token,
                "id": int(ids[0, i]),
                "segment": int(segments[0, i]),
                "attention_mask": int(encoded["attention_mask"][0, i]),
                "|token emb|": float(word[0, i].norm()),
                "|segment emb|": float(segment[0, i].norm()),
                "|position emb|": float(position[0, i].norm()),
                "|sum|": float(total[0, i].norm()),
                "|after LayerNorm|": float(theirs[0, i].norm()),
            }
        )
    return rows, check


def hidden_state_rows(hidden_states) -> list[dict[str, Any]]:
    """Per layer: the average token-vector length, how alike the tokens are (mean pairwise
    cosine), and how much each token changed from the layer below (1 - cosine)."""
    import torch

    rows = []
    previous = None
    for layer, h in enumerate(hidden_states):
        x = h[0].float()
        unit = torch.nn.functional.normalize(x, dim=-1)
        n = x.shape[0]
        sims = unit @ unit.T
        pairwise = float((sims.sum() - n) / max(1, n * (n - 1)))
        change = None if previous is None else float(1 - (unit * previous).sum(-1).mean())
        rows.append(
            {
                "layer": "embeddings" if layer == 0 else layer,
                "mean |vector|": float(x.norm(dim=-1).mean()),
                "mean cosine between tokens": pairwise,
                "change from layer below": change,
            }
        )
        previous = unit
    return rows


def head_patterns(attention, tokens: list[str]) -> list[dict[str, Any]]:
    """For each head of one layer (weights [heads, query, key]): the average share of
    attention each token gives to [CLS], to [SEP], to itself, to the previous and to the
    next token, and the entropy of its distribution; the largest share names the pattern."""
    import torch

    heads, n, _ = attention.shape
    cls = [i for i, t in enumerate(tokens) if t == "[CLS]"]
    sep = [i for i, t in enumerate(tokens) if t == "[SEP]"]
    eye = torch.eye(n)
    prev = torch.diag(torch.ones(n - 1), -1)
    nxt = torch.diag(torch.ones(n - 1), 1)
    rows = []
    for h in range(heads):
        a = attention[h].float()
        shares = {
            "[CLS]": float(a[:, cls].sum(-1).mean()) if cls else 0.0,
            "[SEP]": float(a[:, sep].sum(-1).mean()) if sep else 0.0,
            "itself": float((a * eye).sum(-1).mean()),
            "previous token": float((a * prev).sum(-1).mean()),
            "next token": float((a * nxt).sum(-1).mean()),
        }
        entropy = float(-(a.clamp_min(1e-12).log() * a).sum(-1).mean())
        top = max(shares, key=shares.__getitem__)
        pattern = f"attends to {top}" if shares[top] >= 0.4 else "spread out (content-based)"
        rows.append({"head": h + 1, **shares, "entropy (nats)": entropy, "pattern": pattern})
    return rows


def execute(p: Plan) -> DayResult:
    import torch

    from tutor.training.anatomy import bert_base_counts, formula_counts, model_counts

    s, o = p.setup, p.options
    with experiment.recording(s):
        tokenizer, model = _load(s)
        config = model.config
        layer = o.layer
        from transformers import BertConfig

        base_config = BertConfig()
        mine = model_counts(model)
        base = bert_base_counts()
        formulas = formula_counts(config)
        encoded = tokenizer(o.text, o.text_pair, return_tensors="pt", truncation=True)
        tokens = tokenizer.convert_ids_to_tokens(encoded["input_ids"][0].tolist())
        emb_rows, check = embedding_rows(model, encoded, tokens)
        with torch.inference_mode():
            out = model(**encoded, output_attentions=True, output_hidden_states=True)
        hidden_rows = hidden_state_rows(out.hidden_states)
        attention = out.attentions[layer - 1][0]  # [heads, query, key]
        patterns = head_patterns(attention, tokens)
        folder = s.run_dir
        figures = {
            "attention map": plot_attention(
                attention[o.head - 1],
                tokens,
                layer,
                o.head,
                folder / f"attention_layer{layer}_head{o.head}.png",
            ),
            "all heads of the layer": plot_heads(
                attention, tokens, layer, folder / f"attention_layer{layer}_heads.png"
            ),
        }
        params = parameter_rows(mine, base, formulas)
        lines = interpret(mine, base, formulas, config, check, patterns[o.head - 1], layer)
        lines.append(_hidden_line(hidden_rows))
        return experiment.finish(
            s,
            metric="completed",
            value=1.0,
            target=1.0,
            tables=[
                ResultTable("architecture", "Sizes", architecture_rows(config, base_config)),
                ResultTable(
                    "parameters",
                    "Parameters per component",
                    params,
                    show=["component", "this model", "share", "BERT-base", "BERT-base share"],
                ),
                ResultTable(
                    "embeddings",
                    "Input embeddings of the sentence pair",
                    emb_rows,
                    show=[
                        "position",
                        "token",
                        "segment",
                        "|token emb|",
                        "|segment emb|",
                        "|position emb|",
                        "|after LayerNorm|",
                    ],
                ),
                ResultTable("hidden_states", "Hidden states, layer by layer", hidden_rows),
                ResultTable(
                    "attention_heads",
                    f"Layer {layer}: what each head attends to (average share)",
                    patterns,
                ),
            ],
            figures=figures,
            interpretation=lines,
            notes=[
                "BERT-base counted from BertConfig() defaults built on PyTorch's meta device "
                "(real shapes, no weights, no download).",
                "Attention patterns come from one input: look at a few before generalising.",
            ],
            metrics={
                "tokens": tokens,
                "parameters": mine,
                "bert_base_parameters": base,
                "embedding_check_max_abs_diff": check,
                "layer": layer,
                "head": o.head,
            },
        )


def interpret(mine, base, formulas, config, check, pattern, layer) -> list[str]:
    total, base_total = sum(mine.values()), sum(base.values())
    h, i = config.hidden_size, config.intermediate_size
    lines = [
        f"This model has {total / 1e6:.1f}M parameters, {total / base_total:.1%} of BERT-base's "
        f"{base_total / 1e6:.1f}M (the '110M' of the paper).",
        f"The embedding tables hold {mine['embeddings'] / total:.0%} of its parameters "
        f"(BERT-base: {base['embeddings'] / base_total:.0%}): the vocabulary of "
        f"{config.vocab_size:,} word pieces x {h} numbers each. The smaller the model, the "
        "larger this share.",
        f"Per layer, the feed-forward block has {mine['feed-forward'] / max(1, mine['attention']):.1f}x "
        f"the attention's parameters (2·H·I = {2 * h * i:,} vs 4·H² = {4 * h * h:,}, "
        f"with I = {i // h}H).",
    ]
    same = all(formulas[k] == mine[k] for k in ("embeddings", "attention", "feed-forward"))
    lines.append(
        "The closed-form count matches the built model component by component."
        if same
        else "The closed-form count differs from the built model: this is not a standard "
        "BERT layout."
    )
    lines.append(
        "Embedding layer = LayerNorm(token + segment + position): recomputed by hand, it "
        f"matches the model's own output (largest difference {check:.1e})."
        if check < 1e-4
        else f"Recomputing LayerNorm(token + segment + position) differs from the model's "
        f"embedding output by {check:.2g}: this model adds something else."
    )
    lines.append(
        f"Layer {layer}, head {pattern['head']}: {pattern['pattern']} "
        f"([CLS] {pattern['[CLS]']:.0%}, [SEP] {pattern['[SEP]']:.0%}, itself "
        f"{pattern['itself']:.0%}, previous {pattern['previous token']:.0%}, next "
        f"{pattern['next token']:.0%} of its attention)."
    )
    return lines


def _hidden_line(rows: list[dict[str, Any]]) -> str:
    first, last = rows[0], rows[-1]
    trend = (
        "more"
        if last["mean cosine between tokens"] > first["mean cosine between tokens"]
        else "less"
    )
    return (
        f"Hidden states: tokens' vectors get {trend} alike from the embeddings "
        f"(mean cosine {first['mean cosine between tokens']:.2f}) to the last layer "
        f"({last['mean cosine between tokens']:.2f}) as each token mixes in its context."
    )


def plot_attention(weights, tokens: list[str], layer: int, head: int, path: Path) -> Path:
    from tutor.training.artifacts import pyplot

    plt = pyplot()
    n = len(tokens)
    size = max(5.0, 0.32 * n + 2)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    image = ax.imshow(weights.float().numpy(), cmap="viridis", vmin=0)
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xticklabels(tokens, rotation=90, fontsize=8)
    ax.set_yticklabels(tokens, fontsize=8)
    ax.set(xlabel="attended to (key)", ylabel="attending token (query)")
    ax.set_title(f"Attention, layer {layer}, head {head} (rows sum to 1)")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_heads(attention, tokens: list[str], layer: int, path: Path) -> Path:
    from tutor.training.artifacts import pyplot

    plt = pyplot()
    heads = attention.shape[0]
    cols = min(4, heads)
    rows = math.ceil(heads / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 3 * rows), squeeze=False)
    for h in range(rows * cols):
        ax = axes[h // cols][h % cols]
        ax.axis("off")
        if h < heads:
            ax.imshow(attention[h].float().numpy(), cmap="viridis", vmin=0)
            ax.set_title(f"head {h + 1}", fontsize=9)
    fig.suptitle(f"Layer {layer}: every head on the same input ({len(tokens)} tokens)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
