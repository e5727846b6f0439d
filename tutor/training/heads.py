"""Data for the task heads of day 50, built from what is available offline.

Sentence pairs, from real review text: a sentence and a lightly damaged copy of it
("paraphrase") or of another sentence of the same review ("different"); or two sentences
with the same or opposite sentiment label (much harder: no single word gives the answer
away, it is an XOR of two judgements). Token
classification and extractive QA have no labelled data offline, so they are trained on
small template-generated examples whose held-out examples use names never seen in
training: enough to show each head's input, labels and output, not a real benchmark.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

PAIR_LABELS = ["different", "same"]


def sentiment_pairs(
    texts: Sequence[str], labels: Sequence[int], n: int, rng: random.Random
) -> list[tuple[str, str, int]]:
    """``n`` pairs (A, B, 1 if same sentiment else 0), half of each, A != B."""
    by_label: dict[int, list[int]] = {}
    for i, y in enumerate(labels):
        by_label.setdefault(int(y), []).append(i)
    if len(by_label) < 2 or any(len(v) < 2 for v in by_label.values()):
        raise ValueError("Sentence pairs need at least two sentences of each of two labels.")
    classes = sorted(by_label)
    pairs = []
    for k in range(n):
        first = rng.choice(classes)
        a = rng.choice(by_label[first])
        if k % 2 == 0:  # same
            b = a
            while b == a:
                b = rng.choice(by_label[first])
            pairs.append((texts[a], texts[b], 1))
        else:
            other = rng.choice([c for c in classes if c != first])
            pairs.append((texts[a], texts[rng.choice(by_label[other])], 0))
    rng.shuffle(pairs)
    return pairs


def perturb(sentence: str, rng: random.Random, drop: float = 0.15) -> str:
    """A light paraphrase by damage: each word dropped with probability ``drop`` (at
    least three kept), then one pair of neighbours swapped."""
    words = sentence.split()
    kept = [w for w in words if rng.random() >= drop]
    words = kept if len(kept) >= min(3, len(words)) else words
    if len(words) > 3:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def paraphrase_pairs(
    documents: Sequence[Sequence[str]], n: int, rng: random.Random
) -> list[tuple[str, str, int]]:
    """``n`` pairs (A, B, 1 if B is a perturbed copy of A else 0), half of each. In a
    negative pair B is a perturbed copy of another sentence of the same document when
    there is one (same film, same names: not given away by the topic alone)."""
    several = [d for d in documents if len(d) >= 2]
    if not several:
        raise ValueError("Paraphrase pairs need a document with at least two sentences.")
    pairs = []
    for k in range(n):
        doc = rng.choice(several)
        i, j = rng.sample(range(len(doc)), 2)
        if k % 2 == 0:
            pairs.append((doc[i], perturb(doc[i], rng), 1))
        else:
            pairs.append((doc[i], perturb(doc[j], rng), 0))
    rng.shuffle(pairs)
    return pairs


# --- token classification (NER) ------------------------------------------------------

ENTITY_TYPES = ("PER", "LOC", "ORG")
TAGS = ["O"] + [f"{bio}-{t}" for t in ENTITY_TYPES for bio in ("B", "I")]
NAMES = {
    "train": {
        "PER": [
            "Tom Hanks",
            "Meryl Streep",
            "Steven Spielberg",
            "Greta Gerwig",
            "Denzel Washington",
            "Sofia Coppola",
            "Akira Kurosawa",
            "Cate Blanchett",
        ],
        "LOC": ["Paris", "New York", "Tokyo", "Rome", "Berlin", "Mumbai", "Cape Town"],
        "ORG": ["Warner Bros", "Pixar", "Netflix", "Studio Ghibli", "Universal Pictures"],
    },
    "test": {
        "PER": ["Jane Campion", "Viola Davis", "Wes Anderson", "Agnes Varda"],
        "LOC": ["Lagos", "Buenos Aires", "Oslo", "Seoul"],
        "ORG": ["Gaumont", "Miramax", "Lionsgate"],
    },
}
NER_TEMPLATES = [
    "{PER} directed the film in {LOC} .",
    "{PER} stars in this {ORG} production .",
    "Shot in {LOC} , the movie was released by {ORG} .",
    "I watched it in {LOC} after {PER} recommended it .",
    "{ORG} hired {PER} to rewrite the script .",
    "The premiere in {LOC} was a triumph for {PER} .",
]


def ner_examples(n: int, rng: random.Random, split: str) -> list[tuple[list[str], list[str]]]:
    """(words, BIO tags) from templates, names from the ``split`` ("train" or "test")."""
    examples = []
    for _ in range(n):
        words: list[str] = []
        tags: list[str] = []
        for piece in rng.choice(NER_TEMPLATES).split():
            kind = piece.strip("{}")
            if kind in ENTITY_TYPES:
                name = rng.choice(NAMES[split][kind]).split()
                words += name
                tags += [f"B-{kind}"] + [f"I-{kind}"] * (len(name) - 1)
            else:
                words.append(piece)
                tags.append("O")
        examples.append((words, tags))
    return examples


def align_labels(word_ids: Sequence[int | None], word_labels: Sequence[int]) -> list[int]:
    """One label per word becomes one per token: the word's label on its first
    sub-token, -100 (ignored by the loss) on the other sub-tokens and special tokens."""
    aligned, previous = [], None
    for word in word_ids:
        aligned.append(-100 if word is None or word == previous else word_labels[word])
        previous = word
    return aligned


# --- extractive question answering ----------------------------------------------------

TITLES = ["Night Train", "The Long Summer", "Paper Moon Rising", "Blue Harbour", "Silent Road"]
YEARS = [str(y) for y in range(1962, 2024, 3)]
QA_CONTEXTS = [
    "{TITLE} was directed by {PER} and filmed in {LOC} in {YEAR} .",
    "Filmed in {LOC} in {YEAR} , {TITLE} was directed by {PER} .",
    "In {YEAR} , {PER} directed {TITLE} , which was filmed in {LOC} .",
]
QUESTIONS = {
    "PER": "Who directed the film?",
    "LOC": "Where was the film shot?",
    "YEAR": "When was the film made?",
}


@dataclass(frozen=True)
class QAExample:
    question: str
    context: str
    answer: str
    start: int  # character offset of the answer in the context


def qa_examples(n: int, rng: random.Random, split: str) -> list[QAExample]:
    examples = []
    for _ in range(n):
        fill = {
            "TITLE": rng.choice(TITLES),
            "PER": rng.choice(NAMES[split]["PER"]),
            "LOC": rng.choice(NAMES[split]["LOC"]),
            "YEAR": rng.choice(YEARS),
        }
        context = rng.choice(QA_CONTEXTS).format(**fill)
        asked = rng.choice(list(QUESTIONS))
        answer = fill[asked]
        examples.append(QAExample(QUESTIONS[asked], context, answer, context.index(answer)))
    return examples


def answer_token_span(
    offsets: Sequence[tuple[int, int]],
    sequence_ids: Sequence[int | None],
    start_char: int,
    end_char: int,
) -> tuple[int, int]:
    """Token indices of the first and last context token covering the answer's
    characters [start_char, end_char); (0, 0), the [CLS] token, when the context was cut
    and the answer is not in it (SQuAD 2.0's "no answer")."""
    context = [i for i, s in enumerate(sequence_ids) if s == 1]
    if not context:
        return 0, 0
    first, last = context[0], context[-1]
    if offsets[first][0] > start_char or offsets[last][1] < end_char:
        return 0, 0
    start = next(i for i in context if offsets[i][1] > start_char)
    end = next(i for i in reversed(context) if offsets[i][0] < end_char)
    return start, end


def best_span(
    start_logits: Sequence[float],
    end_logits: Sequence[float],
    sequence_ids: Sequence[int | None],
    max_tokens: int = 20,
) -> tuple[int, int]:
    """The context span (start <= end, at most ``max_tokens`` long) with the largest
    start + end score."""
    context = [i for i, s in enumerate(sequence_ids) if s == 1]
    best, score = (0, 0), float("-inf")
    for i in context:
        for j in context:
            if i <= j < i + max_tokens and start_logits[i] + end_logits[j] > score:
                best, score = (i, j), start_logits[i] + end_logits[j]
    return best
