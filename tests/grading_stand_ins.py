"""Stand-in encoders for the grading tests: similarities set by hand, no model."""

from __future__ import annotations

import zlib

import numpy as np

from tutor import grading
from tutor.grading import Weights
from tutor.grading.features import FEATURES


def similarity_only(cover_at: float = 0.8, miss_below: float = 0.2) -> Weights:
    """Weights that read only the closest usable clause's cosine ("best"): the
    probability is sigmoid((best - 0.5) / 0.1), so a test puts a point in the covered
    (cosine 0.9: 0.98), unsure (0.5: 0.5) or missed (0: 0.007) band through its cosine
    alone, whatever the fitted weights are."""
    assert "best" in FEATURES
    return Weights(("best",), (0.5,), (0.1,), (1.0,), 0.0, cover_at, miss_below)


class Dial:
    """An encoder whose similarities are set by hand: each key point is an axis, and a
    clause is given its cosine with each point (the rest of its length on a private
    axis), so a test can put a clause in the covered, unsure or missed band."""

    size = 64

    def __init__(self, points: list[str], cosines: dict[str, dict[int, float]]):
        self.points, self.cosines = points, cosines
        self.axes: dict[str, int] = {}

    def encode(self, texts):
        rows = []
        for text in texts:
            vec = np.zeros(self.size)
            if text in self.points:
                vec[self.points.index(text)] = 1.0
            else:
                for k, cos in self.cosines.get(text, {}).items():
                    vec[k] = cos
                axis = self.axes.setdefault(text, len(self.points) + len(self.axes))
                vec[axis] = np.sqrt(max(0.0, 1 - (vec**2).sum()))
            rows.append(vec)
        return np.array(rows)


class BagOfWords:
    """A stand-in encoder that sees only which words occur: exactly what keyword
    stuffing fools. The rules on top of it must still not reward stuffing."""

    def encode(self, texts):
        rows = []
        for text in texts:
            vec = np.zeros(512)
            for word in grading.content_words(text):
                # crc32, not hash(): the same buckets in every run (no PYTHONHASHSEED luck)
                vec[zlib.crc32(grading.stem(word).encode()) % 512] += 1
            norm = np.linalg.norm(vec)
            rows.append(vec / norm if norm else vec)
        return np.array(rows).reshape(len(texts), 512)
