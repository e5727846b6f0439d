"""Text heuristics for grading: cleaning, clauses, sentence-likeness, polarity.

Nothing here needs the model: these rules decide what the encoder is asked about and
catch what it cannot see (a term list reads like the key points to an embedding).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

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
AUX = _wordset(
    """is are was were be been being am has have had do does did can could will would shall
    should may might must isn't aren't don't doesn't didn't can't cannot won't wouldn't
    shouldn't hasn't haven't hadn't couldn't"""
)
_VERB_ENDINGS = ("es", "ed", "s", "ize", "ise", "ify", "ate")
_SUBJECTS = _wordset("it they this that we you i he she which who")
# Verbs a short instruction starts with ("use warm-up", "clip the gradients").
_IMPERATIVES = _wordset(
    """use add drop freeze keep check clip lower raise cut train run report pick split
    pad mask export distil distill quantize quantise measure try avoid"""
)
_NEGATIONS = _wordset(
    """not no never none neither nor without cannot can't don't doesn't didn't isn't aren't
    wasn't weren't won't wouldn't shouldn't hasn't haven't hadn't couldn't mustn't nothing
    nobody nowhere lacks lack remove removes removed removing prevents prevent avoids
    avoid"""
)


# Pairs of words whose swap turns a claim into its opposite while keeping the embedding
# almost where it was (MiniLM puts "small learning rate" next to "large learning rate").
def words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in FUNCTION_WORDS]


def stem(word: str) -> str:
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
    # Figures ("12 layers x 7.1M = 85M") are neither function words nor terms: a dense
    # note with numbers is judged by its words.
    tokens = [t for t in words(text) if not any(c.isdigit() for c in t)]
    if not tokens:
        return 0.0
    if len(tokens) <= 3:
        # "it overflows", "use warm-up": too short to judge by ratios, a sentence if it
        # has a verb; "Query, key, value" is a fragment of a list.
        # A plural is not a verb ("Masked tokens" is a term): a short claim has an
        # auxiliary, an instruction, a pronoun subject ("it overflows") or a past tense.
        verb = any(
            t in AUX or t in _IMPERATIVES or t in _SUBJECTS or (i and t.endswith("ed"))
            for i, t in enumerate(tokens)
        )
        figure = any(c.isdigit() for c in text)  # "Total about 0.11 billion."
        return 1.0 if verb or figure else 0.0
    if len(tokens) <= 6 and (
        any(t in AUX for t in tokens)
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
    has_verb = any(t in AUX for t in tokens) or any(
        t.endswith(_VERB_ENDINGS) and t not in FUNCTION_WORDS for t in tokens[1:]
    )
    if not has_verb:
        score *= 0.7
    content = [stem(t) for t in tokens if t not in FUNCTION_WORDS]
    if len(content) >= 4:
        repeats = 1 - len(set(content)) / len(content)
        score *= max(0.0, 1 - 2 * max(0.0, repeats - 0.2))
    return score


# Contrast words that put what follows them out of the claim, like a negation does:
# "entity-level F1 rather than token accuracy" agrees with "F1, not token accuracy".
CONTRAST = frozenset({"instead", "rather", "unlike"})
_TOKEN_OR_PUNCT = re.compile(r"[a-z0-9]+(?:['’\-][a-z0-9]+)*|\[[a-z]+\]|[,;:.!?()]", re.IGNORECASE)


_SKIP_AFTER_NEGATION = _wordset(
    "the a an be been is are was were to of than any all only just even yet also really"
)


def polarity(text: str) -> tuple[set[str], set[str]]:
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
        elif word in _NEGATIONS or word in CONTRAST:
            in_scope = True
        elif word in FUNCTION_WORDS:
            in_scope = in_scope and word in _SKIP_AFTER_NEGATION
        else:
            (negated if in_scope else positive).add(stem(word))
            in_scope = False
    return positive, negated


def kendall(order_a: Sequence[str], order_b: Sequence[str]) -> float:
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
