"""Helpers shared by the tests (fixtures stay in conftest.py)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# The local GLUE copy beside the clone. A fresh clone has none; TUTOR_DATA_DIR=none hides
# it (tutor.training.data.shared_data_dir honours the same value), as .ci/run does.
SHARED_DATA = (
    REPO_ROOT.parent / "shared-hidden-by-TUTOR_DATA_DIR" / "data"
    if os.environ.get("TUTOR_DATA_DIR", "").strip().lower() == "none"
    else REPO_ROOT.parent / "shared" / "data"
)


def paths_marking_shared_data(paths: Iterable[Path], stems: Iterable[str]) -> list[Any]:
    """``paths`` as parameters, those named in ``stems`` marked ``shared_data`` (they read
    ../shared/data when present; .ci/run runs them again with TUTOR_DATA_DIR=none)."""
    wanted = set(stems)
    return [
        pytest.param(p, marks=pytest.mark.shared_data, id=p.stem)
        if p.stem in wanted
        else pytest.param(p, id=p.stem)
        for p in paths
    ]


def save_tiny_bert(folder: Path, max_position_embeddings: int = 128) -> Path:
    """Save a 2-layer, 32-wide random BERT with the packaged (real uncased) WordPiece
    vocabulary into ``folder``, like a hub checkpoint."""
    from transformers import AutoTokenizer, BertConfig, BertModel

    from tutor.training.models import packaged_model_path

    tokenizer = AutoTokenizer.from_pretrained(packaged_model_path())
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=max_position_embeddings,
    )
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
