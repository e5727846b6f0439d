"""Solution of `t5_format`."""

from __future__ import annotations

LABEL_WORDS = {
    "sst2": ["negative", "positive"],
    "cola": ["unacceptable", "acceptable"],
    "mnli": ["entailment", "neutral", "contradiction"],
}


def to_text(task: str, example: dict) -> tuple[str, str]:
    if task in ("sst2", "cola"):
        source = f"{task} sentence: {example['sentence']}"
    elif task == "stsb":
        source = f"stsb sentence1: {example['sentence1']} sentence2: {example['sentence2']}"
        # Regression as classification over strings: 26 possible outputs, 0.0 to 5.0.
        return source, f"{round(example['label'] * 5) / 5:.1f}"
    elif task == "mnli":
        source = f"mnli hypothesis: {example['hypothesis']} premise: {example['premise']}"
    else:
        raise ValueError(f"unknown task {task!r}")
    return source, LABEL_WORDS[task][example["label"]]


def from_text(task: str, text: str) -> int | float | None:
    text = text.strip()
    if task == "stsb":
        try:
            value = float(text)
        except ValueError:
            return None
        return value if 0.0 <= value <= 5.0 else None
    if task not in LABEL_WORDS:
        raise ValueError(f"unknown task {task!r}")
    words = LABEL_WORDS[task]
    return words.index(text) if text in words else None  # anything else counts as wrong
