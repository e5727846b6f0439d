"""Fit the free-text grader's weights (tutor/grading/weights.json) on the TUNING half of
bench/grading_answers only, and choose its abstention band by leave-one-question-out
cross-validation.

    python bench/grader_fit.py               # cross-validated figures on the tuning half
    python bench/grader_fit.py --write       # ... then refit on all of it and write the file
    python bench/grader_fit.py --check       # the shipped file matches a refit (exit 1 if not)

The held-out questions (bench/grading.py's split) are dropped before anything is
measured: this script never reads their answers. The answers of
tests/fixtures/grading/answers.yaml count as tuning data for the questions of the
tuning half only.

The model: each key point of an answer gets a probability p = sigmoid(w . x + b) from
its features (tutor/grading/features.py); the answer's expected score is the mean p over
its points, fitted (cross-entropy, L2 penalty) to the human grade as a share (good 1,
partial 0.5, wrong 0). No point is labelled by hand: the weights are whatever makes the
per-point probabilities add up to the graded answers across questions. The band
[miss_below, cover_at) where the grader abstains is then chosen on the cross-validated
probabilities at the least cost, a wrong pass costing far more than an abstention
(:data:`COSTS`). The cost counts wrong passes twice over: at the band itself and with
its cover mark and tutor/grading/scoring.py's WORDS_AT relaxed by :data:`SLACK`, so that
a band with wrong answers just short of passing is dearer (robustness, not luck). A
band leaving more than :data:`ABSTAIN_MAX` of the answers to the self-check is refused.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = ROOT / "tutor" / "grading" / "weights.json"
TARGET = {2: 1.0, 1: 0.5, 0: 0.0}
L2 = 1.0  # the penalty on the standardised coefficients (chosen by cross-validation)
# The band is searched on this grid of probabilities; a point is covered from cover_at.
GRID = [round(0.05 * i, 2) for i in range(1, 20)]
# Cost of a wrong answer passed, a good answer failed, an answer left to the self-check.
COSTS = {"wrong_pass": 10.0, "good_fail": 3.0, "abstain": 0.3}
SLACK = 0.05  # the relaxation under which wrong passes are counted a second time
ABSTAIN_MAX = 0.5  # at most this share of the answers left to the learner
# The features the model reads (tutor/grading/features.py computes more; the others were
# tried and did not help under cross-validation).
USED = (
    "best",
    "best_any",
    "whole",
    "focus",
    "words",
    "numbers",
    "contradicted",
    "contradictions",
    "model",
    "prompt_over_model",
    "sentences",
    "length",
)


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_grading", ROOT / "bench" / "grading.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["bench_grading"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@dataclass
class Case:
    question: str
    grade: int
    kind: str
    rows: Any  # (points x features) array, or None for an answer graded without the model
    listy: bool
    note: str | None
    clauses: Any = None  # per point, the index of its closest clause (Evidence.clause)


class DiskCache:
    """The encoder with its vectors kept in an .npz between runs (fitting is iterative)."""

    def __init__(self, path: Path | None):
        import numpy as np

        self.path, self.encoder, self.vectors = path, None, {}
        if path and path.exists():
            data = np.load(path, allow_pickle=False)
            self.vectors = dict(zip(data["texts"].tolist(), data["vectors"], strict=True))

    def encode(self, texts: list[str]) -> Any:
        import numpy as np

        todo = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if todo:
            if self.encoder is None:
                from tutor.grading import load_encoder

                self.encoder = load_encoder()
            self.vectors.update(zip(todo, self.encoder.encode(todo), strict=True))
        return np.stack([self.vectors[t] for t in texts])

    def save(self) -> None:
        import numpy as np

        if self.path:
            texts = list(self.vectors)
            np.savez(
                self.path, texts=np.array(texts), vectors=np.stack([self.vectors[t] for t in texts])
            )


def tuning_cases(cache: DiskCache) -> list[Case]:
    """Every tuning answer measured; held-out questions are dropped first."""
    import numpy as np

    from tutor.grading.features import measure

    bench = _bench()
    bank = bench.bank_questions()
    rows = bench.load_rows()
    tuning, _ = bench.split(sorted({r.question for r in rows}))
    old, old_points = bench.old_rows()
    todo = [
        (r, list(bank[r.question].key_points), r.question) for r in rows if r.question in tuning
    ]
    todo += [(r, old_points[r.question], r.question[4:]) for r in old if r.question[4:] in tuning]
    cases = []
    for row, points, qid in todo:
        q = bank[qid]
        found = measure(points, row.text, cache, prompt=q.prompt, model_answer=q.model_answer)
        if isinstance(found, str):
            cases.append(Case(row.question, row.grade, row.kind, None, False, found))
        else:
            cases.append(
                Case(
                    row.question,
                    row.grade,
                    row.kind,
                    np.array(found.rows),
                    found.listy,
                    None,
                    list(found.clause),
                )
            )
    return cases


def fit(cases: list[Case], l2: float = L2, features: Any = None) -> dict[str, Any]:
    """Standardisation and coefficients fitted on ``cases`` (those measured by the model),
    over ``features`` (default :data:`USED`)."""
    import numpy as np
    from scipy.optimize import minimize

    from tutor.grading.features import FEATURES

    features = tuple(features or USED)
    cols = [FEATURES.index(f) for f in features]
    used = [c for c in cases if c.rows is not None]
    stacked = np.vstack([c.rows[:, cols] for c in used])
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0)
    scale[scale < 1e-9] = 1.0
    xs = [(c.rows[:, cols] - mean) / scale for c in used]
    targets = np.array([TARGET[c.grade] for c in used])
    n = stacked.shape[1]

    def loss(theta: Any) -> tuple[float, Any]:
        w, b = theta[:n], theta[n]
        total, grad = 0.0, np.zeros(n + 1)
        for x, t in zip(xs, targets, strict=True):
            p = 1 / (1 + np.exp(-(x @ w + b)))
            s = np.clip(p.mean(), 1e-6, 1 - 1e-6)
            total -= t * np.log(s) + (1 - t) * np.log(1 - s)
            ds = -(t / s) + (1 - t) / (1 - s)  # d loss / d s
            dz = ds * p * (1 - p) / len(p)
            grad[:n] += x.T @ dz
            grad[n] += dz.sum()
        total /= len(xs)
        grad /= len(xs)
        total += l2 * (w @ w) / 2 / len(xs)
        grad[:n] += l2 * w / len(xs)
        return total, grad

    theta = minimize(loss, np.zeros(n + 1), jac=True, method="L-BFGS-B").x
    return {
        "features": features,
        "cols": cols,
        "mean": mean,
        "scale": scale,
        "coef": theta[:n],
        "intercept": theta[n],
    }


def probabilities(params: dict[str, Any], case: Case) -> Any:
    import numpy as np

    x = (case.rows[:, params["cols"]] - params["mean"]) / params["scale"]
    return 1 / (1 + np.exp(-(x @ params["coef"] + params["intercept"])))


def verdict(
    p: Any,
    rows: Any,
    listy: bool,
    miss_below: float,
    cover_at: float,
    clauses: Any = None,
    slack: float = 0.0,
) -> tuple[float, bool | None, int]:
    """(confident score, suggested verdict, unsure points) as tutor/grading/scoring.py
    decides them from the probabilities and the feature rows; ``slack`` relaxes the
    cover mark and the words a "covered" needs."""
    from tutor.grading.features import FEATURES, NEAR_POINT
    from tutor.grading.scoring import PASS_MARK, backed, status_of

    contradicted = rows[:, FEATURES.index("contradicted")] > 0
    near = rows[:, FEATURES.index("best")] >= NEAR_POINT
    support = backed(rows.tolist(), clauses, slack)
    statuses = [
        status_of(float(v), bool(c), listy, cover_at - slack, miss_below, bool(n), s)
        for v, c, n, s in zip(p, contradicted, near, support, strict=True)
    ]
    covered, unsure, n = statuses.count("covered"), statuses.count("unsure"), len(statuses)
    if covered / n >= PASS_MARK:
        return covered / n, True, unsure
    if (covered + unsure) / n < PASS_MARK:
        return covered / n, False, unsure
    return covered / n, None, unsure


def cross_validate(cases: list[Case], l2: float = L2, features: Any = None) -> list[Any]:
    """Each case's probabilities from weights fitted without its question."""
    out: list[Any] = [None] * len(cases)
    for question in sorted({c.question.removeprefix("old:") for c in cases}):
        train = [c for c in cases if c.question.removeprefix("old:") != question]
        params = fit(train, l2, features)
        for i, c in enumerate(cases):
            if c.question.removeprefix("old:") == question and c.rows is not None:
                out[i] = probabilities(params, c)
    return out


def figures(
    cases: list[Case], probs: list[Any], miss_below: float, cover_at: float, slack: float = 0.0
) -> dict[str, Any]:
    from scipy.stats import spearmanr

    est, scores, wrong_pass, good_fail, abstain, keyword_max = [], [], 0, 0, 0, 0.0
    for c, p in zip(cases, probs, strict=True):
        if p is None:
            est.append(0.0)
            scores.append(0.0)
            good_fail += c.grade == 2
            continue
        score, suggested, _ = verdict(p, c.rows, c.listy, miss_below, cover_at, c.clauses, slack)
        est.append(float(p.mean()))
        scores.append(score)
        wrong_pass += c.grade == 0 and suggested is True
        good_fail += c.grade == 2 and suggested is False
        abstain += suggested is None
        if "keyword" in c.kind or "stuffing" in c.kind:
            keyword_max = max(keyword_max, score)
    with warnings.catch_warnings():
        # A band that judges every answer alike has no rank correlation (nan): fine here.
        warnings.simplefilter("ignore")
        rho = spearmanr([c.grade for c in cases], est).statistic
        rho_confident = spearmanr([c.grade for c in cases], scores).statistic
    return {
        "spearman": float(rho),
        "spearman_confident": float(rho_confident),
        "wrong_pass": wrong_pass,
        "good_fail": good_fail,
        "abstain": abstain,
        "n": len(cases),
        "keyword_max": keyword_max,
    }


def choose_band(cases: list[Case], probs: list[Any]) -> tuple[float, float, dict[str, Any]]:
    """The band of least :data:`COSTS` (wrong passes averaged over the band and the band
    relaxed by :data:`SLACK`), leaving at most :data:`ABSTAIN_MAX` to the self-check."""
    best = None
    for lo in GRID:
        for hi in GRID:
            if hi < lo:
                continue
            f = figures(cases, probs, lo, hi)
            if f["abstain"] > ABSTAIN_MAX * f["n"]:
                continue
            relaxed = figures(cases, probs, lo, hi, SLACK)["wrong_pass"]
            cost = (
                COSTS["wrong_pass"] * (f["wrong_pass"] + relaxed) / 2
                + COSTS["good_fail"] * f["good_fail"]
                + COSTS["abstain"] * f["abstain"]
            )
            f["wrong_pass_relaxed"] = relaxed
            key = (cost, hi - lo)
            if best is None or key < best[0]:
                best = (key, lo, hi, f)
    assert best is not None
    return best[1], best[2], best[3]


def show(label: str, f: dict[str, Any]) -> None:
    print(
        f"{label}: Spearman {f['spearman']:.3f} (expected score), "
        f"{f['spearman_confident']:.3f} (confident score); wrong passes {f['wrong_pass']}, good fails "
        f"{f['good_fail']}, self-check {f['abstain']}/{f['n']} ({f['abstain'] / f['n']:.0%}); "
        f"keyword lists max score {f['keyword_max']:.2f}"
    )


def document(cases: list[Case], l2: float = L2, features: Any = None) -> dict[str, Any]:
    """The contents of weights.json for ``cases``: the band chosen by leave-one-question-
    out cross-validation, the weights refitted on all of them, and the CV figures."""
    from tutor.grading.model import Weights

    probs = cross_validate(cases, l2, features)
    lo, hi, f = choose_band(cases, probs)
    params = fit(cases, l2, features)
    weights = Weights(
        params["features"],
        tuple(params["mean"].tolist()),
        tuple(params["scale"].tolist()),
        tuple(params["coef"].tolist()),
        float(params["intercept"]),
        hi,
        lo,
    )
    new = [i for i, c in enumerate(cases) if not c.question.startswith("old:")]
    return {
        "about": "tutor/grading/model.py's weights, fitted by bench/grader_fit.py on the "
        "tuning half of bench/grading_answers; do not edit by hand",
        "fitted_on": {"answers": len(cases), "l2": l2},
        "cross_validated": _rounded(f),
        "cross_validated_new_answers": _rounded(
            figures([cases[i] for i in new], [probs[i] for i in new], lo, hi)
        ),
        "model": weights.to_dict(),
    }


def _rounded(figures: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="Write tutor/grading/weights.json.")
    parser.add_argument("--check", action="store_true", help="Exit 1 if the shipped file differs.")
    parser.add_argument("--cache", type=Path, help="Keep the sentence vectors in this .npz.")
    parser.add_argument("--l2", type=float, default=L2)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    cache = DiskCache(args.cache)
    cases = tuning_cases(cache)
    cache.save()
    print(f"tuning half: {len(cases)} answers to {len({c.question for c in cases})} question sets")
    doc = document(cases, args.l2)
    model = doc["model"]
    band = f"band [{model['miss_below']}, {model['cover_at']})"
    show(f"leave-one-question-out, {band}", doc["cross_validated"])
    print(
        f"  wrong passes with the cover mark and WORDS_AT {SLACK} lower: "
        f"{doc['cross_validated']['wrong_pass_relaxed']}"
    )
    show("  of which bench/grading_answers", doc["cross_validated_new_answers"])
    print(f"refitted on all of them (l2 {args.l2}): intercept {model['intercept']:+.3f}")
    for name, c in zip(model["features"], model["coef"], strict=True):
        print(f"  {name:<20} {c:+.3f}")
    if args.check:
        shipped = json.loads(WEIGHTS.read_text(encoding="utf-8"))
        same = shipped["model"] == model
        print("shipped weights match a refit" if same else "shipped weights differ from a refit")
        raise SystemExit(0 if same else 1)
    if args.write:
        tmp = WEIGHTS.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        tmp.replace(WEIGHTS)
        print(f"wrote {WEIGHTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
