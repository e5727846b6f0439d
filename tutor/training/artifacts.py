"""What a run leaves behind: metrics.json, the training log, figures, sample predictions."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tutor.state import write_json_atomic


def training_log(log_history: list[dict[str, Any]], eval_times: dict[int, float] | None = None):
    """One row per evaluation, like the classic fine-tuning notebook's per-epoch table:
    epoch, step, mean training loss since the previous evaluation, validation loss and
    metrics, and the time spent training / validating."""
    rows, losses, last_elapsed = [], [], 0.0
    eval_times = eval_times or {}
    for entry in log_history:
        if "loss" in entry and "eval_loss" not in entry:
            losses.append(entry["loss"])
        elif "eval_loss" in entry:
            step = entry.get("step", 0)
            elapsed = eval_times.get(step)
            eval_seconds = float(entry.get("eval_runtime", 0.0))
            train_seconds = None
            if elapsed is not None:
                train_seconds = max(0.0, elapsed - last_elapsed - eval_seconds)
                last_elapsed = elapsed
            rows.append(
                {
                    "epoch": round(float(entry.get("epoch", 0.0)), 2),
                    "step": step,
                    "train_loss": sum(losses) / len(losses) if losses else None,
                    "eval_loss": entry["eval_loss"],
                    "eval_accuracy": entry.get("eval_accuracy"),
                    "eval_f1": entry.get("eval_f1"),
                    "train_seconds": train_seconds,
                    "eval_seconds": eval_seconds,
                }
            )
            losses = []
    return rows


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def write_training_log(rows: list[dict[str, Any]], folder: Path) -> tuple[Path, Path]:
    csv_path, md_path = folder / "training_log.csv", folder / "training_log.md"
    columns = list(rows[0]) if rows else ["epoch", "step"]
    with csv_path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    header = "| Epoch | Step | Training loss | Valid. loss | Valid. accuracy | Valid. F1 | Training time | Validation time |"
    lines = [header, "|" + "---|" * 8]
    for r in rows:
        lines.append(
            f"| {r['epoch']} | {r['step']} | {_fmt(r['train_loss'])} | {_fmt(r['eval_loss'])} | "
            f"{_fmt(r['eval_accuracy'])} | {_fmt(r['eval_f1'])} | "
            f"{_fmt(r['train_seconds'], 1)} s | {_fmt(r['eval_seconds'], 1)} s |"
        )
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return csv_path, md_path


def format_cell(value: Any) -> str:
    """A table cell for a person: None as "-", rates and scores (below 10) to 4 digits,
    seconds and counts to one decimal or with thousands separators, tiny or huge numbers
    in scientific notation. The CSV files keep full precision."""
    if value is None:
        return "-"
    if isinstance(value, float):
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.2e}"
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.4f}"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000:
        return f"{value:,}"
    return str(value)


def markdown_table(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    """A GitHub-style markdown table of ``rows``, cells as :func:`format_cell` writes them."""
    columns = columns or (list(rows[0]) if rows else [])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = (format_cell(row.get(c)).replace("|", "\\|") for c in columns)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_table(
    rows: list[dict[str, Any]], folder: Path, stem: str, columns: list[str] | None = None
) -> tuple[Path, Path]:
    """``<stem>.csv`` (full precision) and ``<stem>.md`` (rounded) of the same rows."""
    columns = columns or (list(rows[0]) if rows else [])
    csv_path, md_path = folder / f"{stem}.csv", folder / f"{stem}.md"
    with csv_path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    md_path.write_text(markdown_table(rows, columns), encoding="utf-8")
    return csv_path, md_path


def pyplot():
    """matplotlib's pyplot on the file-only Agg backend."""
    return _pyplot()


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed, none opened
    import matplotlib.pyplot as plt

    return plt


def plot_curves(log_history: list[dict[str, Any]], path: Path) -> Path:
    """Training loss per logged step, validation loss and accuracy per evaluation."""
    plt = _pyplot()
    train = [(e["step"], e["loss"]) for e in log_history if "loss" in e and "eval_loss" not in e]
    evals = [e for e in log_history if "eval_loss" in e]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    if train:
        ax_loss.plot(*zip(*train), label="training loss", color="tab:blue")
    if evals:
        ax_loss.plot(
            [e["step"] for e in evals],
            [e["eval_loss"] for e in evals],
            "o-",
            label="validation loss",
            color="tab:orange",
        )
        ax_acc.plot(
            [e["step"] for e in evals],
            [e.get("eval_accuracy") for e in evals],
            "o-",
            color="tab:green",
            label="validation accuracy",
        )
    ax_loss.set(xlabel="step", ylabel="cross-entropy loss", title="Loss")
    ax_acc.set(xlabel="step", ylabel="accuracy", title="Validation accuracy", ylim=(0, 1))
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend(loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_confusion(matrix: list[list[int]], label_names: list[str], path: Path) -> Path:
    plt = _pyplot()
    import numpy as np
    from sklearn.metrics import ConfusionMatrixDisplay

    fig, ax = plt.subplots(figsize=(4.5, 4))
    ConfusionMatrixDisplay(np.array(matrix), display_labels=label_names).plot(
        ax=ax, cmap="Blues", colorbar=False, values_format="d"
    )
    ax.set_title("Confusion matrix (evaluation set)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def sample_predictions(
    texts: list[str],
    labels: list[int],
    probs: list[list[float]],
    label_names: list[str],
    k: int = 5,
) -> dict[str, list[dict[str, Any]]]:
    """The most confident right answers, the most confident mistakes, and the closest calls."""
    items = []
    for text, label, p in zip(texts, labels, probs):
        pred = max(range(len(p)), key=p.__getitem__)
        items.append(
            {
                "text": text,
                "label": label_names[label],
                "predicted": label_names[pred],
                "confidence": float(p[pred]),
                "correct": pred == label,
                "probabilities": {name: round(float(x), 4) for name, x in zip(label_names, p)},
            }
        )
    right = sorted((i for i in items if i["correct"]), key=lambda i: -i["confidence"])
    wrong = sorted((i for i in items if not i["correct"]), key=lambda i: -i["confidence"])
    unsure = sorted(items, key=lambda i: i["confidence"])
    return {
        "confident_correct": right[:k],
        "confident_wrong": wrong[:k],
        "least_confident": unsure[:k],
    }


def write_predictions(samples: dict[str, list[dict[str, Any]]], folder: Path) -> Path:
    path = folder / "sample_predictions.json"
    write_json_atomic(path, samples)
    return path


def write_metrics(metrics: dict[str, Any], folder: Path) -> Path:
    path = folder / "metrics.json"
    write_json_atomic(path, metrics)
    return path


def read_metrics(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "metrics.json").read_text(encoding="utf-8"))


# Licences of the base models the recipes use; a fine-tuned model inherits its base's.
BASE_LICENSES = {
    "sentence-transformers/all-MiniLM-L6-v2": "apache-2.0",
    "google-bert/bert-base-uncased": "apache-2.0",
}


def model_card(facts: dict[str, Any]) -> str:
    """The model folder's README.md in the Hugging Face model-card format: YAML metadata
    (base model, data set, metrics, pipeline tag, licence, language, tags, results) and
    sections on the model, its data, recipe, results, intended use and limits."""
    from huggingface_hub import EvalResult, ModelCard, ModelCardData

    m, r, hw = facts["metrics"], facts["recipe"], facts["hardware"]
    names = facts["label_names"]
    held_out = f"{m['eval_examples']:,} held-out examples of {facts['dataset_name']}"
    results = [
        EvalResult(
            task_type="text-classification",
            dataset_type=facts["dataset_id"] or facts["dataset_name"],
            dataset_name=held_out,
            dataset_config=facts["dataset_config"],
            dataset_split="held-out evaluation split",
            metric_type=name,
            metric_value=round(float(m[name]), 4),
        )
        for name in ("accuracy", "f1")
    ]
    data = ModelCardData(
        base_model=facts["base_model"],
        datasets=[facts["dataset_id"]] if facts["dataset_id"] else None,
        metrics=["accuracy", "f1"],
        pipeline_tag="text-classification",
        library_name="transformers",
        license=BASE_LICENSES.get(facts["base_model"] or ""),
        language="en",
        tags=["text-classification", "sentiment-analysis", "bert", "bert-tutor"],
        model_name=facts["run_id"],
        eval_results=results,
    )
    head = (
        "a linear classifier on the mean of the token vectors (tutor's mean-pooled head: "
        "load it with `tutor predict` or `tutor.training.models.load_trained_classifier`; "
        "plain transformers refuses this folder)"
        if r.pooling == "mean"
        else "the standard `BertForSequenceClassification` head: a linear classifier on the "
        "pooled `[CLS]` vector"
    )
    budget = f"\n- Time budget: {facts['budget']}." if facts.get("budget") else ""
    averaged = (
        f"\n- Saved weights: the mean of {m['averaged_snapshots']} snapshots over the last "
        f"{1 - r.average_from:.0%} of training (stochastic weight averaging)."
        if m.get("averaged_snapshots")
        else ""
    )
    frozen = "\n- Word-embedding table frozen." if r.freeze_embeddings else ""
    usage = (
        "```python\nfrom transformers import pipeline\n\n"
        'classify = pipeline("text-classification", model="path/to/this/folder")\n'
        'classify("a warm, funny and moving film", truncation=True, top_k=None)\n```'
        if r.pooling != "mean"
        else '```bash\ntutor predict RUN "a warm, funny and moving film"\n```'
    )
    body = f"""
# {facts["run_id"]}: {" / ".join(names)} text classifier

## Model description

{facts["base_description"]} fine-tuned for {len(names)}-way text classification
({", ".join(names)}) by `tutor run day7` (bert-tutor, the day-7 project). Head:
{head}.

## Training and evaluation data

{facts["data_source"]}. Trained on {m["train_examples"]:,} examples; evaluated on
{held_out}, never seen in training.

## Training procedure

- Hyperparameters: {r.epochs:g} epoch(s), peak learning rate {r.learning_rate:g}, warm-up
  {r.warmup_ratio:.0%} then {r.scheduler} decay, batch size {r.batch_size}, weight decay
  {r.weight_decay:g}, AdamW, seed {r.seed}.
- Inputs: at most {r.max_length} tokens ({r.truncation} truncation), padded per batch.
- Precision: {r.precision}; hardware: {hw.name}.{frozen}{budget}{averaged}
- {m["steps"]:,} optimizer steps in {m["train_seconds"] / 60:.1f} min of training
  ({m["train_samples_per_second"]:.1f} training samples/s; evaluations apart).

## Results

| metric | value |
|---|---|
| accuracy | {m["accuracy"]:.4f} |
| F1 | {m["f1"]:.4f} |
| MCC | {m["mcc"]:.4f} |
| eval loss | {m["eval_loss"]:.4f} |

Measured on {held_out}.

## Intended use

Learning and experimenting: classifying the sentiment of English movie-review-like text,
comparing fine-tuning recipes. Use it with plain transformers:

{usage}

## Limits

- Trained on one domain (the data above) in English: accuracy drops on other kinds of
  text, other languages, sarcasm and mixed opinions; check it on your own data first.
- Inputs longer than {r.max_length} tokens were cut in training; at prediction time the
  tokenizer keeps the first tokens up to the model's maximum.
- The probabilities are a softmax over the logits, not calibrated confidences.
- Labels and biases of the training data (e.g. about films, genres, names) carry over.
  Not for decisions about people.
"""
    return str(ModelCard(f"---\n{data.to_yaml()}\n---\n{body}"))


def write_model_card(model_dir: Path, facts: dict[str, Any]) -> Path:
    path = Path(model_dir) / "README.md"
    path.write_text(model_card(facts), encoding="utf-8")
    return path
