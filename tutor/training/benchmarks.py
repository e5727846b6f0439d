"""The benchmarks of day 50 and their own metrics.

CoNLL-2003 (NER), MRPC (paraphrase), STS-B (similarity) and a five-article slice of
SQuAD 2.0, read from the local copies (``shared_data_dir()``, the layout described in
its README) or, on a machine with the hub, from the hub. Each reader returns plain
Python lists: the day-50 loops tokenize them their own way (words, pairs, question and
context), so a ``datasets.Dataset`` would only be converted back.

Metrics: entity-level F1 with ``seqeval`` (a tag that is right on half an entity scores
nothing), accuracy and F1 (sklearn), Spearman's rank correlation (scipy), and SQuAD's
exact match and token F1 after the official answer normalisation.
"""

from __future__ import annotations

import csv
import json
import re
import string
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tutor.errors import DataFileError, OfflineError
from tutor.training.data import DATA_ENV, shared_data_dir
from tutor.training.hub import HubStatus, hub_status

TASKS = ("ner", "paraphrase", "similarity", "qa")
# The tag order of the hub's CoNLL-2003 (its ner_tags are ids into this list).
CONLL_TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
HUB = {
    "ner": ("lhoestq/conll2003", None),  # the script-free copy of "conll2003"
    "paraphrase": ("nyu-mll/glue", "mrpc"),
    "similarity": ("sentence-transformers/stsb", None),  # GLUE hides STS-B's test scores
    "qa": ("rajpurkar/squad_v2", None),
}
LOCAL = {
    "ner": "conll2003/train.txt and test.txt",
    "paraphrase": "mrpc/train.txt and test.txt",
    "similarity": "stsb/train.csv and test.csv",
    "qa": "squad/dev-v2.0-first5.json",
}
# SQuAD slice: the first five articles of SQuAD 2.0 dev; train on three, test on two.
SQUAD_ARTICLES = 5
SQUAD_TRAIN_ARTICLES = 3


@dataclass
class Benchmark:
    task: str
    train: list[Any]
    test: list[Any]
    source: str  # where it came from, in words
    labels: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class QAItem:
    id: str
    title: str
    question: str
    context: str
    answers: tuple[str, ...]  # empty: no answer in the context (SQuAD 2.0)
    starts: tuple[int, ...]

    @property
    def impossible(self) -> bool:
        return not self.answers


# --- readers of the local copies -------------------------------------------------------


def read_conll(path: Path) -> list[tuple[list[str], list[str]]]:
    """Sentences of a CoNLL file: one ``TOKEN TAG 0`` line per token (or the original
    four columns, NER tag last), a blank line between sentences, -DOCSTART- skipped."""
    sentences: list[tuple[list[str], list[str]]] = []
    words: list[str] = []
    tags: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            parts = line.split()
            if not parts or parts[0] == "-DOCSTART-":
                if words:
                    sentences.append((words, tags))
                words, tags = [], []
                continue
            if len(parts) < 2:
                raise DataFileError(f"{path}:{n}: expected 'TOKEN TAG', got {line.strip()!r}.")
            words.append(parts[0])
            tags.append(parts[1] if len(parts) == 3 else parts[-1])
    if words:
        sentences.append((words, tags))
    return sentences


def _tsv(path: Path) -> list[list[str]]:
    # QUOTE_NONE: sentences contain '"', which must stay part of the text.
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def read_mrpc(path: Path) -> list[tuple[str, str, int]]:
    """MRPC pairs: a header, then Quality (1 = paraphrase), #1 ID, #2 ID, #1, #2."""
    rows = _tsv(path)
    out = []
    for n, row in enumerate(rows[1:], 2):
        if len(row) != 5 or row[0] not in ("0", "1"):
            raise DataFileError(f"{path}:{n}: expected 5 tab-separated fields, Quality 0/1.")
        out.append((row[3], row[4], int(row[0])))
    return out


def read_stsb(path: Path) -> list[tuple[str, str, float]]:
    """STS-B pairs: genre, file, year, id, score, sentence 1, sentence 2, and on some
    rows two more source columns, which are ignored. No header."""
    out = []
    for n, row in enumerate(_tsv(path), 1):
        try:
            score = float(row[4])
            out.append((row[5], row[6], score))
        except (IndexError, ValueError):
            raise DataFileError(
                f"{path}:{n}: expected at least 7 tab-separated fields, the 5th a score."
            ) from None
    return out


def read_squad(path: Path) -> list[QAItem]:
    """Questions of a SQuAD 2.0 JSON file, in article order."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
    except (ValueError, KeyError) as exc:
        raise DataFileError(f"{path}: not SQuAD JSON ({exc}).") from None
    items = []
    for article in data:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                answers = [] if qa.get("is_impossible") else qa["answers"]
                items.append(
                    QAItem(
                        qa["id"],
                        article["title"],
                        qa["question"],
                        paragraph["context"],
                        tuple(a["text"] for a in answers),
                        tuple(a["answer_start"] for a in answers),
                    )
                )
    return items


def split_articles(items: list[QAItem]) -> tuple[list[QAItem], list[QAItem]]:
    """Train on the first SQUAD_TRAIN_ARTICLES articles, test on the rest of the slice:
    no test passage is ever seen in training."""
    titles = list(dict.fromkeys(x.title for x in items))[:SQUAD_ARTICLES]
    train = set(titles[:SQUAD_TRAIN_ARTICLES])
    kept = [x for x in items if x.title in titles]
    return [x for x in kept if x.title in train], [x for x in kept if x.title not in train]


# --- local copy, hub, or a clear message -----------------------------------------------


def load(task: str, status: HubStatus | None = None, data_dir: Path | None = None) -> Benchmark:
    """The ``task``'s benchmark: the local copy if there is one, else the hub, else an
    OfflineError that says what to do."""
    folder = data_dir if data_dir is not None else shared_data_dir()
    if folder is not None:
        local = _local(task, folder)
        if local is not None:
            return local
    status = status or hub_status()
    if status.online:
        return _hub(task)
    hub_id, config = HUB[task]
    raise OfflineError(
        f"Offline ({status.reason}) and no local copy of the {task} benchmark: connect "
        f"once (it comes from the hub, {hub_id}{' ' + config if config else ''}), or point "
        f"${DATA_ENV} at a folder holding {LOCAL[task]}."
    )


def _local(task: str, folder: Path) -> Benchmark | None:
    where = f"local copy in {folder}"
    if task == "ner":
        train, test = folder / "conll2003" / "train.txt", folder / "conll2003" / "test.txt"
        if train.is_file() and test.is_file():
            b = Benchmark(task, read_conll(train), read_conll(test), f"CoNLL-2003 ({where})")
            b.labels = tag_set(b.train + b.test)
            return b
    elif task == "paraphrase":
        train, test = folder / "mrpc" / "train.txt", folder / "mrpc" / "test.txt"
        if train.is_file() and test.is_file():
            return Benchmark(task, read_mrpc(train), read_mrpc(test), f"MRPC ({where})")
    elif task == "similarity":
        train, test = folder / "stsb" / "train.csv", folder / "stsb" / "test.csv"
        if train.is_file() and test.is_file():
            return Benchmark(task, read_stsb(train), read_stsb(test), f"STS-B ({where})")
    elif task == "qa":
        path = folder / "squad" / "dev-v2.0-first5.json"
        if path.is_file():
            train, test = split_articles(read_squad(path))
            return Benchmark(task, train, test, f"SQuAD 2.0, first five dev articles ({where})")
    return None


def tag_set(sentences: Sequence[tuple[list[str], list[str]]]) -> list[str]:
    """The tags in use, "O" first, then by entity type with B before I."""
    seen = {t for _, tags in sentences for t in tags}
    known = [t for t in CONLL_TAGS if t in seen]
    return known + sorted(seen - set(known))


def _hub(task: str) -> Benchmark:
    from datasets import load_dataset

    hub_id, config = HUB[task]
    ds = load_dataset(hub_id, config)
    where = f"hub: {hub_id}{'/' + config if config else ''}"
    if task == "ner":
        # Tag ids index the data set's own ClassLabel names when it has them.
        names = getattr(getattr(ds["train"].features["ner_tags"], "feature", None), "names", None)
        names = names or CONLL_TAGS

        def sentences(split):
            return [(r["tokens"], [names[t] for t in r["ner_tags"]]) for r in split]

        b = Benchmark(task, sentences(ds["train"]), sentences(ds["test"]), f"CoNLL-2003 ({where})")
        b.labels = tag_set(b.train)
        return b
    if task == "paraphrase":

        def pairs(split):
            return [(r["sentence1"], r["sentence2"], int(r["label"])) for r in split]

        return Benchmark(task, pairs(ds["train"]), pairs(ds["test"]), f"MRPC ({where})")
    if task == "similarity":  # scores stored as 0-1 there: back to STS-B's 0-5

        def scored(split):
            return [(r["sentence1"], r["sentence2"], 5.0 * float(r["score"])) for r in split]

        return Benchmark(task, scored(ds["train"]), scored(ds["test"]), f"STS-B ({where})")
    items = [
        QAItem(
            r["id"],
            r["title"],
            r["question"],
            r["context"],
            tuple(r["answers"]["text"]),
            tuple(r["answers"]["answer_start"]),
        )
        for r in ds["validation"]
    ]
    train, test = split_articles(items)
    return Benchmark(task, train, test, f"SQuAD 2.0, first five dev articles ({where})")


# --- metrics ---------------------------------------------------------------------------


def entity_scores(gold: list[list[str]], predicted: list[list[str]]) -> dict[str, float]:
    """Entity-level precision, recall and F1 (seqeval, as conlleval counts them): an
    entity counts only if its type and both of its boundaries are right."""
    from seqeval.metrics import f1_score, precision_score, recall_score

    return {
        "precision": float(precision_score(gold, predicted, zero_division=0)),
        "recall": float(recall_score(gold, predicted, zero_division=0)),
        "f1": float(f1_score(gold, predicted, zero_division=0)),
    }


def pair_scores(gold: Sequence[int], predicted: Sequence[int]) -> dict[str, float]:
    """Accuracy and F1 of the positive class ("paraphrase"), MRPC's two metrics."""
    from sklearn.metrics import accuracy_score, f1_score

    return {
        "accuracy": float(accuracy_score(gold, predicted)),
        "f1": float(f1_score(gold, predicted, zero_division=0)),
    }


def always_positive(gold: Sequence[int]) -> dict[str, float]:
    """What answering "paraphrase" every time scores: the baseline to beat."""
    return pair_scores(gold, [1] * len(gold))


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation: STS-B's metric (only the order of the scores counts)."""
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).statistic)


_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD's normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def token_f1(prediction: str, gold: str) -> float:
    """Overlap of the normalised answer words; an empty answer (no answer) scores 1
    against an empty one and 0 against anything else."""
    p, g = normalize_answer(prediction).split(), normalize_answer(gold).split()
    if not p or not g:
        return float(p == g)
    common = sum((Counter(p) & Counter(g)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def squad_scores(items: Sequence[QAItem], predictions: Sequence[str]) -> dict[str, float]:
    """EM and F1 over the questions, best over each question's gold answers; the
    unanswerable ones count as right only for an empty prediction. Also split into
    answerable ("has_ans") and unanswerable ("no_ans") questions, as SQuAD 2.0 reports."""
    em, f1 = [], []
    for item, prediction in zip(items, predictions, strict=True):
        golds = item.answers or ("",)
        em.append(max(exact_match(prediction, g) for g in golds))
        f1.append(max(token_f1(prediction, g) for g in golds))

    def mean(values: list[float], keep: list[bool]) -> float | None:
        chosen = [v for v, k in zip(values, keep) if k]
        return sum(chosen) / len(chosen) if chosen else None

    everything = [True] * len(items)
    answerable = [not x.impossible for x in items]
    unanswerable = [x.impossible for x in items]
    return {
        "exact_match": mean(em, everything) or 0.0,
        "f1": mean(f1, everything) or 0.0,
        "has_ans_f1": mean(f1, answerable),
        "no_ans_f1": mean(f1, unanswerable),
    }
