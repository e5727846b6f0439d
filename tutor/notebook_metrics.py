"""The notebooks' metrics: Hugging Face ``evaluate`` as the Hugging Face course uses it,
with scikit-learn standing in when the Hub cannot be reached.

``evaluate.load`` fetches each metric's script from the Hub, so offline it raises
OSError; the same figure then comes from scikit-learn, and the notebook says so in one
line. The notebooks may not import ``tutor`` (a Colab user has only the notebook), so each
one carries a verbatim copy of the source between the two markers below, and
tests/test_notebook_metrics.py checks that every copy is still identical to this one.
"""

from __future__ import annotations

# --- notebook copy begins ---
# evaluate's metric -> (the key its compute() returns, scikit-learn's function of it)
SKLEARN_METRICS = {
    ("accuracy", None): ("accuracy", "accuracy_score"),
    ("f1", None): ("f1", "f1_score"),
    ("glue", "cola"): ("matthews_correlation", "matthews_corrcoef"),
}


class SklearnMetric:
    """The part of evaluate's metric interface the notebooks use: compute(predictions=,
    references=) returning {key: value}."""

    def __init__(self, key: str, function_name: str):
        import sklearn.metrics

        self.key, self.function = key, getattr(sklearn.metrics, function_name)

    def compute(self, *, predictions, references) -> dict:
        return {self.key: float(self.function(references, predictions))}


def load_metric(name: str, config: str | None = None, say=None):
    """``evaluate.load(name, config)``; without the Hub (or without ``evaluate``),
    scikit-learn's function of the same metric, announced through ``say`` (e.g. print)."""
    if (name, config) not in SKLEARN_METRICS:
        raise ValueError(f"no scikit-learn stand-in for evaluate.load({name!r}, {config!r})")
    try:
        import evaluate

        return evaluate.load(name, config) if config else evaluate.load(name)
    except (ImportError, OSError) as exc:  # offline, evaluate raises FileNotFoundError
        key, function_name = SKLEARN_METRICS[(name, config)]
        if say:
            which = f"{name}/{config}" if config else name
            say(
                f"evaluate.load({which!r}) unavailable ({type(exc).__name__}): "
                f"using sklearn.metrics.{function_name}"
            )
        return SklearnMetric(key, function_name)


# --- notebook copy ends ---


def notebook_copy() -> str:
    """The source each notebook carries, exactly as it must appear in a code cell."""
    from pathlib import Path

    text = Path(__file__).read_text(encoding="utf-8")
    start = text.index("# --- notebook copy begins ---\n") + len("# --- notebook copy begins ---\n")
    return text[start : text.index("# --- notebook copy ends ---")]
