"""tutor.notebook_metrics: evaluate's metrics, scikit-learn offline; and the notebooks'
verbatim copies of it."""

from __future__ import annotations

import json
import sys
import types

import pytest

from tutor import notebook_metrics as nm
from tutor import notebooks

PREDS = [1, 0, 1, 1, 0, 1, 0, 0]
REFS = [1, 0, 0, 1, 0, 1, 1, 0]


def _offline_evaluate(monkeypatch):
    fake = types.ModuleType("evaluate")

    def load(*args, **kwargs):
        raise FileNotFoundError("Couldn't find a module script (offline)")

    fake.load = load
    monkeypatch.setitem(sys.modules, "evaluate", fake)


def test_offline_falls_back_to_sklearn_and_says_so_in_one_line(monkeypatch):
    from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef

    _offline_evaluate(monkeypatch)
    said = []
    accuracy = nm.load_metric("accuracy", say=said.append)
    mcc = nm.load_metric("glue", "cola", say=said.append)
    f1 = nm.load_metric("f1")  # no say: silent
    assert accuracy.compute(predictions=PREDS, references=REFS) == {
        "accuracy": accuracy_score(REFS, PREDS)
    }
    assert mcc.compute(predictions=PREDS, references=REFS) == {
        "matthews_correlation": pytest.approx(matthews_corrcoef(REFS, PREDS))
    }
    assert f1.compute(predictions=PREDS, references=REFS)["f1"] == f1_score(REFS, PREDS)
    assert len(said) == 2 and all("\n" not in s for s in said)
    assert "'glue/cola'" in said[1] and "matthews_corrcoef" in said[1]
    assert "FileNotFoundError" in said[0]


def test_without_the_evaluate_package_sklearn_takes_over(monkeypatch):
    monkeypatch.setitem(sys.modules, "evaluate", None)  # import evaluate -> ImportError
    said = []
    metric = nm.load_metric("accuracy", say=said.append)
    assert isinstance(metric, nm.SklearnMetric) and "NotFoundError" in said[0]


def test_online_the_hub_metric_is_returned_untouched(monkeypatch):
    calls, sentinel = [], object()
    fake = types.ModuleType("evaluate")

    def load(*args):
        calls.append(args)
        return sentinel

    fake.load = load
    monkeypatch.setitem(sys.modules, "evaluate", fake)
    said = []
    assert nm.load_metric("glue", "cola", say=said.append) is sentinel
    assert nm.load_metric("accuracy", say=said.append) is sentinel
    assert calls == [("glue", "cola"), ("accuracy",)] and said == []


def test_a_metric_without_a_stand_in_is_refused_before_any_hub_call(monkeypatch):
    _offline_evaluate(monkeypatch)
    with pytest.raises(ValueError, match="no scikit-learn stand-in"):
        nm.load_metric("glue", "mrpc")


NOTEBOOKS_WITH_METRICS = ["day07-sentiment.ipynb", "cola.ipynb", "day45-strategies.ipynb"]


@pytest.mark.parametrize("name", NOTEBOOKS_WITH_METRICS)
def test_each_notebook_carries_the_helper_verbatim(name):
    nb = json.loads((notebooks.NOTEBOOK_DIR / name).read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    copy = nm.notebook_copy().strip()
    assert any(copy in src for src in code), f"{name}: the load_metric cell differs"
    assert any("load_metric(" in src and "say=print" in src for src in code)
