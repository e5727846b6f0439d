"""Day 50's reading of its results: interpretation lines that follow the numbers (a
verdict only when the numbers support it), notes, and the training-loss figure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tutor.days import experiment


def _ner(x: dict[str, Any]) -> str:
    return (
        f"NER (CoNLL-2003): entity F1 {x['f1']:.3f} on {x['test_examples']:,} test sentences "
        f"(precision {x['precision']:.3f}, recall {x['recall']:.3f}). Tag by tag "
        f"{x['tag_accuracy']:.1%} are right, yet tagging every word 'O' is already "
        f"{x['all_o_tag_accuracy']:.1%} right and finds no entity (F1 0): only whole "
        "entities, type and both boundaries, count. BERT-base reaches 0.924 with a cased "
        "vocabulary"
        + (
            "; this encoder lower-cases its input, so capital letters, the strongest clue "
            "that a word is a name ('Bush' or 'bush'), are gone before it reads the sentence."
            if x.get("uncased")
            else "."
        )
    )


def _mrpc(x: dict[str, Any]) -> str:
    base = x["baseline"]
    n = x["test_examples"]
    gain = x["accuracy"] - base["accuracy"]
    band = experiment.noise_band(x["accuracy"], n)
    verdict = (
        f"{experiment.points(gain)} above answering 'paraphrase' every time, beyond the "
        f"±{experiment.points(band)} that luck could explain on {n:,} pairs"
        if gain > band
        else f"not clearly above answering 'paraphrase' every time (±{experiment.points(band)} "
        f"noise on {n:,} pairs): it has not learnt more than the class balance"
    )
    return (
        f"Paraphrase (MRPC): accuracy {x['accuracy']:.3f}, F1 {x['f1']:.3f}; always "
        f"'paraphrase' scores {base['accuracy']:.3f} and F1 {base['f1']:.3f} on the same test "
        f"pairs, so F1 alone flatters: {verdict}."
    )


SPEARMAN_TIE = 0.01


def _stsb(x: dict[str, Any]) -> list[str]:
    zero, cross, towers = x["methods"]
    lines = [
        f"Similarity (STS-B, Spearman on {x['test_examples']:,} test pairs): zero-shot cosine "
        f"{zero['spearman']:.3f}, cross-encoder {cross['spearman']:.3f}, two towers "
        f"fine-tuned on the cosine {towers['spearman']:.3f}."
    ]
    # Within 0.01 the two are a tie on 1,379 pairs: "lost" would over-read the noise.
    gap = cross["spearman"] - zero["spearman"]
    if gap < SPEARMAN_TIE:
        verb = "lost to" if gap <= -SPEARMAN_TIE else "only matched"
        lines.append(
            f"The twist on day 46's contrast: fine-tuning a cross-encoder {verb} using the "
            "frozen encoder's features. Those features are not generic: an encoder trained "
            "for similarity (the packaged MiniLM learnt from about a billion sentence pairs) "
            "already makes exactly this cosine meaningful, while the "
            "cross-encoder starts a new regression head and a new input format ([CLS] A "
            f"[SEP] B) from {cross['train_examples']:,} pairs. Fine-tuning wins when it "
            "keeps the task the encoder already knows: "
            + (
                "the two towers, tuned on the cosine itself, beat both."
                if towers["spearman"] > max(zero["spearman"], cross["spearman"])
                else "the two towers, tuned on the cosine itself, did not gain over it here."
            )
        )
    elif towers["spearman"] > zero["spearman"]:
        lines.append("Both fine-tuned models beat the frozen encoder's cosine.")
    else:
        lines.append("Fine-tuning did not beat the frozen encoder's cosine in this budget.")
    return lines


def _qa(x: dict[str, Any]) -> str:
    base = x["no_answer_baseline"]
    has = x["has_ans_f1"]
    no = x["no_ans_f1"]
    split = ""
    if has is not None and no is not None:
        split = f" (answerable questions F1 {has:.3f}, unanswerable {no:.3f})"
    return (
        f"QA (SQuAD 2.0): EM {x['exact_match']:.3f}, F1 {x['f1']:.3f}{split} on "
        f"{x['test_examples']:,} questions about {', '.join(x['test_articles'])}, trained on "
        f"{x['train_examples']:,} questions about other articles; answering 'no answer' every "
        f"time scores F1 {base['f1']:.3f} ({x['test_unanswerable']} of the questions have "
        f"none). What limits it: {x['train_examples']:,} training questions where BERT "
        "learnt from SQuAD 2.0's 130,000, so the cheap 'no answer' is what it learns "
        "first; and the test covers two articles, so one seed's figure moves by points."
    )


def interpret(results: dict[str, Any], smoke: bool) -> list[str]:
    lines = []
    if smoke:
        lines.append(
            "Smoke profile: a few steps on a few dozen examples check the pipeline; the "
            "figures below say nothing about the tasks."
        )
    if "ner" in results:
        lines.append(_ner(results["ner"]))
    if "paraphrase" in results:
        lines.append(_mrpc(results["paraphrase"]))
    if "similarity" in results:
        lines += _stsb(results["similarity"])
    if "qa" in results:
        lines.append(_qa(results["qa"]))
    return lines


def notes(p, smoke: bool) -> list[str]:
    out = []
    for task in p.tasks:
        x = p.results[task]
        runs = x["methods"][1:] if task == "similarity" else [x]
        for run in runs:
            if run.get("speed") and run["speed"] != "fixed steps":
                out.append(f"{task}: {run['speed']}.")
    out.append("One seed: rerun with --seed to see the spread.")
    return out


def plot_losses(results: dict[str, Any], path: Path) -> Path:
    from tutor.training.artifacts import pyplot

    curves: list[tuple[str, list[dict[str, float]]]] = []
    for task, x in results.items():
        history = x["history"]
        if isinstance(history, dict):
            curves += [(f"{task}: {k}", h) for k, h in history.items()]
        else:
            curves.append((task, history))
    plt = pyplot()
    fig, axes = plt.subplots(1, len(curves), figsize=(4.2 * len(curves), 3.6), squeeze=False)
    for ax, (name, history) in zip(axes[0], curves, strict=True):
        ax.plot([h["step"] for h in history], [h["loss"] for h in history])
        ax.set(title=name, xlabel="step", ylabel="training loss")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
