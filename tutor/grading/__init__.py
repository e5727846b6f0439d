"""Feedback on a free-text answer: per key point covered, missed or unsure, and a score
that counts only confident judgements and the learner's own ticks.

One module per concern: :mod:`.text` (clauses, sentence-likeness, polarity),
:mod:`.quantities` (numbers with their scale, expressions), :mod:`.contradictions`
(an answer saying the opposite of a point with its words; the course's word pairs are
in lexicon.yaml), :mod:`.features` (what is measured per key point), :mod:`.model`
(the fitted weights of weights.json), :mod:`.scoring` (the judgement and
:class:`Feedback`) and :mod:`.encoder` (the packaged MiniLM, loaded in the
background). Nothing here prints; importing this package does not import torch.
"""

from __future__ import annotations

from tutor.grading import quantities  # the module: quantities.quantities(text)
from tutor.grading.contradictions import contradiction, entities_of
from tutor.grading.encoder import (
    MODEL_ENV,
    BackgroundLoader,
    Encoder,
    GradingUnavailable,
    MiniLMEncoder,
    load_encoder,
    model_path,
)
from tutor.grading.model import Weights, shipped
from tutor.grading.scoring import (
    PASS_MARK,
    SENTENCE_MIN,
    Feedback,
    PointResult,
    grade,
)
from tutor.grading.text import clauses, clean, content_words, sentence_likeness, stem, units

__all__ = [
    "MODEL_ENV",
    "PASS_MARK",
    "SENTENCE_MIN",
    "BackgroundLoader",
    "Encoder",
    "Feedback",
    "GradingUnavailable",
    "MiniLMEncoder",
    "PointResult",
    "Weights",
    "clauses",
    "clean",
    "content_words",
    "contradiction",
    "entities_of",
    "grade",
    "load_encoder",
    "model_path",
    "quantities",
    "sentence_likeness",
    "shipped",
    "stem",
    "units",
]
