"""Each day's options, declared once.

A day's core reads its ``Options`` dataclass; `tutor run dayNN` builds its command-line
options from the same fields (tutor.commands._options.day_options), each with its
default, limits, choices and help written here and nowhere else, as transformers'
``run_glue.py`` declares each argument once with its help. A field without ``cli``
metadata (``progress``) is not an option.

No click and no torch here: the days import this module, and so does `tutor --help`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROFILE_HELP = (
    "gpu: full size; cpu: a few minutes on a laptop; smoke: seconds, checks the pipeline "
    "(default: from the hardware)."
)
ENCODER_HELP = "Hub id or local folder of a pre-trained encoder (default: the profile's)."
# A learning curve's smallest training set: one example per class.
MIN_CURVE_SIZE = 2
# Day 47's default sentence pair (its attention maps show "it" resolving to "animal").
TEXT = "The animal didn't cross the street"
TEXT_PAIR = "because it was too tired."


def option(default: Any = None, help: str = "", **spec: Any) -> Any:
    """A dataclass field that is also a command-line option. ``spec``: ``kind`` (int,
    float, str, choice, csv, sizes, multiple, model), ``min`` / ``max`` (with ``min_open``
    / ``max_open``), ``choices``, ``show_default``."""
    metadata = {"cli": {"help": help, **spec}}
    if isinstance(default, (tuple, list)):
        frozen = tuple(default)
        return field(default_factory=lambda: frozen, metadata=metadata)
    return field(default=default, metadata=metadata)


def cli_spec(f) -> dict[str, Any] | None:
    """The option spec of a dataclass field, None if it is not an option."""
    return f.metadata.get("cli")


@dataclass
class DayOptions:
    """--profile and --seed, which every day has."""

    profile: str | None = option(help=PROFILE_HELP, kind="choice", choices=("gpu", "cpu", "smoke"))
    seed: int | None = option(help="Random seed (default: 42).", kind="int", min=0, max=2**32 - 1)
    progress: bool = True  # progress bars (off in tests and notebooks)


SENTENCE_DATASETS = ("sst2", "rotten_tomatoes", "imdb", "cola")


@dataclass
class Day45Options(DayOptions):
    model: str | None = option(help=ENCODER_HELP, kind="model")
    dataset: str = option("sst2", kind="choice", choices=SENTENCE_DATASETS, show_default=True)
    strategies: tuple[str, ...] = option(
        (),
        "Comma-separated subset of: full, frozen, top-k, discriminative, constant, cosine "
        "(default: all).",
        kind="csv",
    )
    top_k: int = option(
        2, "Layers the top-k strategy unfreezes.", kind="int", min=1, show_default=True
    )
    layer_decay: float = option(
        0.8,
        "Discriminative LRs: each layer gets this times the rate of the layer above.",
        kind="float",
        min=0,
        max=1,
        min_open=True,
        show_default=True,
    )
    max_train_samples: int | None = option(
        help="Training examples (default: the profile's).", kind="int", min=1
    )


@dataclass
class Day46Options(DayOptions):
    model: str | None = option(help=ENCODER_HELP, kind="model")
    dataset: str = option("sst2", kind="choice", choices=SENTENCE_DATASETS, show_default=True)
    sizes: tuple[int, ...] = option(
        (),
        "Training-set sizes of the learning curve, e.g. 100,300,1000,3000 (default: the "
        f"profile's; each at least {MIN_CURVE_SIZE}).",
        kind="sizes",
        min=MIN_CURVE_SIZE,
    )


@dataclass
class Day47Options(DayOptions):
    model: str | None = option(
        help="Hub id or local folder of a BERT checkpoint (default: the profile's).",
        kind="model",
    )
    text: str = option(TEXT, f'Sentence A (default: "{TEXT}").', kind="str")
    text_pair: str | None = option(
        TEXT_PAIR, f'Sentence B, segment 1 (default: "{TEXT_PAIR}"); "" for none.', kind="str"
    )
    layer: int | None = option(
        help="Layer of the attention map, from 1 (default: the middle).", kind="int", min=1
    )
    head: int = option(1, "Head, from 1.", kind="int", min=1, show_default=True)


@dataclass
class Day48Options(DayOptions):
    steps: int | None = option(help="Training steps (default: the profile's).", kind="int", min=1)
    layers: int | None = option(help="Encoder layers of the small BERT.", kind="int", min=1, max=48)
    hidden: int | None = option(
        help="Hidden size (a multiple of 64).", kind="int", min=64, max=4096
    )
    text: tuple[str, ...] = option(
        (),
        "A sentence with [MASK] to fill in, before and after training (repeatable), e.g. "
        '"The plot was [MASK]."',
        kind="multiple",
    )


@dataclass
class Day49Options(DayOptions):
    model: str | None = option(
        help=ENCODER_HELP + " Warm-starts the offline text-to-text model.", kind="model"
    )
    text_to_text: str = option(
        "auto",
        "t5-small needs the hub; warm-start: an encoder-decoder built from --model (auto: "
        "t5-small when the hub is reachable).",
        kind="choice",
        choices=("auto", "t5-small", "warm-start"),
        show_default=True,
    )
    tasks: tuple[str, ...] = option(
        ("sst2", "cola"), "Comma-separated: sst2, cola (default: both).", kind="csv"
    )
    max_train_samples: int | None = option(help="Training examples per task.", kind="int", min=1)


@dataclass
class Day50Options(DayOptions):
    model: str | None = option(help=ENCODER_HELP, kind="model")
    task: str = option(
        "all",
        "ner: CoNLL-2003; paraphrase: MRPC; similarity: STS-B; qa: SQuAD 2.0 slice.",
        kind="choice",
        choices=("ner", "paraphrase", "similarity", "qa", "all"),
        show_default=True,
    )
