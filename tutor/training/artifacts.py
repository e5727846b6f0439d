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
