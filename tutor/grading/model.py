"""The learned part of the grader: a logistic model from a key point's features
(:mod:`.features`) to the probability that the answer made that point, and the band of
probabilities in which the grader abstains.

The weights are a small readable file, tutor/grading/weights.json, fitted across the
questions of the tuning half of bench/grading_answers by bench/grader_fit.py (which
also chose the band by leave-one-question-out cross-validation). No pickle: the file
holds the feature names, their standardisation, the coefficients and the band.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from tutor.grading.features import FEATURES

WEIGHTS_FILE = "weights.json"


@dataclass(frozen=True)
class Weights:
    """A logistic model over :data:`tutor.grading.features.FEATURES`: standardise each
    feature by ``mean``/``scale``, then ``intercept + coef . x``. A point whose
    probability reaches ``cover_at`` is covered, one below ``miss_below`` missed; the
    grader abstains in between."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    cover_at: float
    miss_below: float

    def __post_init__(self) -> None:
        n = len(self.features)
        if not (len(self.mean) == len(self.scale) == len(self.coef) == n):
            raise ValueError("weights: features, mean, scale and coef differ in length")
        if unknown := set(self.features) - set(FEATURES):
            raise ValueError(f"weights: unknown features {sorted(unknown)}")
        if not 0.0 <= self.miss_below <= self.cover_at <= 1.0:
            raise ValueError("weights: need 0 <= miss_below <= cover_at <= 1")
        if any(s <= 0 for s in self.scale):
            raise ValueError("weights: every scale must be positive")

    def probability(self, row: Sequence[float]) -> float:
        """P(point made) for one row of :data:`FEATURES` values (in that order)."""
        if len(row) != len(FEATURES):
            raise ValueError(f"a feature row has {len(FEATURES)} values, not {len(row)}")
        named = dict(zip(FEATURES, row, strict=True))
        z = self.intercept + sum(
            c * (named[f] - m) / s
            for f, m, s, c in zip(self.features, self.mean, self.scale, self.coef, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Weights:
        try:
            return cls(
                features=tuple(str(f) for f in data["features"]),
                mean=tuple(float(v) for v in data["mean"]),
                scale=tuple(float(v) for v in data["scale"]),
                coef=tuple(float(v) for v in data["coef"]),
                intercept=float(data["intercept"]),
                cover_at=float(data["cover_at"]),
                miss_below=float(data["miss_below"]),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"weights: missing or malformed field {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": [round(v, 6) for v in self.mean],
            "scale": [round(v, 6) for v in self.scale],
            "coef": [round(v, 6) for v in self.coef],
            "intercept": round(self.intercept, 6),
            "cover_at": round(self.cover_at, 4),
            "miss_below": round(self.miss_below, 4),
        }


@cache
def shipped() -> Weights:
    """The weights shipped with the package (tutor/grading/weights.json)."""
    data = json.loads(files("tutor.grading").joinpath(WEIGHTS_FILE).read_text("utf-8"))
    return Weights.from_dict(data["model"])
