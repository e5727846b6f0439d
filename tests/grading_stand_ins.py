"""Stand-in encoders for the grading tests: similarities set by hand, no model."""

from __future__ import annotations

import numpy as np


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
