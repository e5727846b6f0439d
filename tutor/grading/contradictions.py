"""Does a clause say the opposite of a key point with the point's own words?

A sentence encoder puts "BERT does not use the right context" next to "BERT uses the
right context", and "GPT is bidirectional" next to "BERT is bidirectional". These rules
catch what it cannot see, and only when the clause shares words with the point: a
clause in other words is left to the embedding (and, when that is unsure, to the
learner). Each finding is charged to the one point it contradicts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tutor.grading import quantities as qty
from tutor.grading.lexicon import opposites, roles
from tutor.grading.text import (
    AUX,
    CONTRAST,
    FUNCTION_WORDS,
    kendall,
    polarity,
    stem,
    words,
)

# Words that make a claim asymmetric ("A is larger than B", "A comes before B"). A bare
# comparative is not one: "the lower layers" relates nothing.
_RELATIONS = frozenset(
    ["than", "before", "after", "instead", "rather", "replaces", "precedes", "outperforms", "beats"]
)
_ENTITY_PREFIX = re.compile(r"^\s*([A-Za-z0-9][\w-]*)\s*:")
_LEADING = re.compile(r"^\s*(?:the\s+|a\s+|an\s+)?([A-Za-z][\w-]*)", re.IGNORECASE)
_ADVERBS = frozenset({"only", "also", "just", "then", "still", "instead", "usually", "now"})


def _is_name(token: str) -> bool:
    """A model or method name (BERT, T5, ELMo, Word2Vec, RoBERTa), not a plain word."""
    return bool(re.search(r"[A-Z0-9]", token[1:])) and token[0].isalnum()


_NAME_THEN_WORD = re.compile(
    r"\b([A-Za-z0-9][\w-]*)\s+(?:(?:only|also|just|then|still|usually)\s+)?([a-z']+)"
)


def entities_of(key_points: Sequence[str]) -> frozenset[str]:
    """What a question's key points contrast: every name a key point (or a part of one,
    between semicolons) starts with ("BERT: ...; T5: ...", "GPT uses ...") or names as
    the subject of a verb ("... while T5 is an encoder-decoder")."""
    found = set()
    for point in key_points:
        for part in point.split(";"):
            match = _ENTITY_PREFIX.match(part) or _LEADING.match(part)
            if match and _is_name(match.group(1)):
                found.add(match.group(1).lower())
            for name, after in _NAME_THEN_WORD.findall(part):
                if _is_name(name) and _is_verb(after):
                    found.add(name.lower())
    return frozenset(found)


def _point_bindings(point: str, entities: frozenset[str]) -> dict[str, str]:
    """Content stem -> the entity a key point says it of: its ``Name:`` prefixes, else
    the entity each word follows as a subject, as in a clause ("BERT is encoder-only
    while T5 is an encoder-decoder"), else the name the point starts with."""
    bound: dict[str, str] = {}
    for part in point.split(";"):
        match = _ENTITY_PREFIX.match(part)
        if match and match.group(1).lower() in entities:
            for word in words(part[match.end() :]):
                if word not in FUNCTION_WORDS and word not in entities:
                    bound.setdefault(stem(word), match.group(1).lower())
            continue
        for word_stem, owners in clause_bindings(part, entities).items():
            if len(owners) == 1:
                bound.setdefault(word_stem, next(iter(owners)))
        match = _LEADING.match(part)
        if match and match.group(1).lower() in entities:
            for word in words(part[match.end() :]):
                if word not in FUNCTION_WORDS and word not in entities:
                    bound.setdefault(stem(word), match.group(1).lower())
    return bound


def _is_verb(word: str) -> bool:
    return word in AUX or (word not in FUNCTION_WORDS and word.endswith(("s", "ed")))


def clause_bindings(clause: str, entities: frozenset[str]) -> dict[str, set[str]]:
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
        elif word in CONTRAST:
            aside = True
        elif current is not None and not aside and word not in FUNCTION_WORDS:
            bound.setdefault(stem(word), set()).add(current)
    return bound


def role_bindings(text: str, terms: dict[str, frozenset[str]]) -> dict[str, set[str]]:
    """Content stem -> the role terms (:func:`tutor.grading.lexicon.roles`) it follows:
    each word is said of the last role term before it, until a contrast word ("but",
    "while") or the next role term."""
    bound: dict[str, set[str]] = {}
    current: str | None = None
    for word in words(text):
        word_stem = stem(word)
        if word_stem in terms:
            current = word_stem
        elif word in CONTRAST:
            current = None
        elif current is not None and word not in FUNCTION_WORDS:
            bound.setdefault(word_stem, set()).add(current)
    return bound


def role_swap(
    clause: str, point: str, terms: dict[str, frozenset[str]] | None = None
) -> str | None:
    """The clause says of one course term what the point says of its counterpart ("the
    teacher is trained to match" against "the student is trained to imitate the
    teacher"): a word the point says of one role term only, which the clause says of
    the other and never of the first. A passive ("... by the teacher") turns the order
    around, so a clause or point with "by" is left alone (unclear: no finding)."""
    terms = roles() if terms is None else terms
    c_words, p_words = words(clause), words(point)
    if "by" in c_words or "by" in p_words:
        return None
    said = role_bindings(clause, terms)
    for word_stem, owners in role_bindings(point, terms).items():
        if len(owners) != 1:
            continue
        (owner,) = owners
        others = said.get(word_stem, set())
        if others and owner not in others and others & terms[owner]:
            return f"says of '{sorted(others & terms[owner])[0]}' what the point says of '{owner}'"
    return None


def _un_of(negative: str, word: str) -> bool:
    """``negative`` is ``word`` with the prefix un- ("unfreezing" / "freeze")."""
    if not negative.startswith("un") or len(negative) < 7 or word.startswith("un"):
        return False
    return stem(negative[2:])[:5] == stem(word)[:5]


def contradiction(
    clause: str,
    point: str,
    entities: frozenset[str] = frozenset(),
    known_numbers: Sequence[qty.Quantity] = (),
    stated: Sequence[qty.Quantity] = (),
) -> str | None:
    """Why ``clause`` says the opposite of ``point`` with the same words, or None.

    ``known_numbers`` are the true quantities of the question outside this point (the
    other key points, the model answer): a clause giving one of them is stating another
    fact, not disagreeing with this point. ``stated`` are all the numbers of the answer:
    a point whose figure the answer gives somewhere is not contradicted by another figure
    of the same kind (the contradiction belongs to whatever that figure is about).
    """
    c_words, p_words = words(clause), words(point)
    c_content = [stem(w) for w in c_words if w not in FUNCTION_WORDS]
    p_content = [stem(w) for w in p_words if w not in FUNCTION_WORDS]
    c_set, p_set = set(c_words), set(p_words)
    for word in sorted(c_set - p_set):
        undone = sorted(p for p in p_set - c_set if _un_of(p, word))
        if undone:  # "freeze the lower layers" is not "gradual unfreezing"
            return f"says '{word}' where the point says '{undone[0]}'"
    shared = set(c_content) & set(p_content)
    if not p_content or not shared:
        return None
    differ = qty.disagreement(qty.quantities(clause), qty.facts(point), known_numbers, stated)
    if differ:
        return f"gives {differ[0].text} where the point says {differ[1].text}"
    table = opposites()
    for word in sorted(c_set - p_set):
        flipped = table.get(word, frozenset()) & (p_set - c_set)
        if flipped:
            return f"says '{word}' where the point says '{sorted(flipped)[0]}'"
    p_bound, c_bound = _point_bindings(point, entities), clause_bindings(clause, entities)
    for word_stem, owner in p_bound.items():
        said_of = c_bound.get(word_stem, set())
        if said_of and owner not in said_of:
            return f"says of {'/'.join(sorted(said_of))} what holds for {owner}"
    if len(shared) < 2 or len(shared) < 0.3 * len(set(p_content)):
        return None
    c_neg = polarity(clause)[1]
    p_pos = polarity(point)[0]
    # Only a clause denying what the point asserts: a point's own "not X" is usually a
    # contrast ("entity-level F1, not token accuracy") that a right answer may discuss.
    for word_stem in sorted(c_neg & p_pos):
        said_of = c_bound.get(word_stem, set())
        owner = p_bound.get(word_stem)
        if owner is None or not said_of or owner in said_of:
            return f"denies '{word_stem}'"
    # Role order only matters around a relation ("A is larger than B"); elsewhere a
    # paraphrase reorders freely ("X is added; Y dropped" = "drop Y and add X").
    if _RELATIONS & c_set & p_set and kendall(p_content, c_content) < 0:
        return "swaps the roles of its terms"
    return None
