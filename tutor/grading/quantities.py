"""Numbers in an answer, read as quantities: "23.4M" is about "23 million", "30,522" is
one number, "2 x 768" is an expression (its value, not a 2 and a 768 to argue with).

A key point with a number is about that number: a clause that gives it (within
:data:`TOLERANCE`, as people round) supports the point, and a clause that gives a
different number of the same kind (both percentages, or plain numbers of a similar
size) contradicts it. The parts of an expression ("4 x 768 x 768") support a point
but never contradict one: they are the working, not the claim.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

TOLERANCE = 0.12  # relative: "about 2.4 million" for 2,359,296; "7.1M" for 7.08M
SIMILAR_SIZE = 20.0  # numbers further apart than this factor are about different things

_SCALE = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "billions": 1e9,
}
_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_FRACTIONS = {"half": 0.5, "third": 1 / 3, "quarter": 0.25, "fifth": 0.2, "tenth": 0.1}

_DIGITS = r"\d{1,3}(?:,\d{3})+(?![\d,])(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_WORDNUM = (
    r"(?:" + "|".join(_TENS) + r")(?:[\s-](?:" + "|".join(k for k in _UNITS if k != "zero") + r"))?"
    r"|" + "|".join(sorted(_UNITS, key=len, reverse=True))
)
_NUMBER = re.compile(
    rf"(?<![\w.])(?P<num>{_DIGITS})(?:e(?P<exp>[-+]?\d+))?"
    rf"(?P<pow>\s*(?:\^|\*\*)\s*\d+|[²³])?"
    rf"\s*(?P<pct>%|\s?percent\b)?"
    rf"(?:\s?(?P<scale>[kKmMbB]n?|thousand|millions?|billions?)\b)?"
    rf"|\b(?P<word>{_WORDNUM})\b(?:\s(?P<wscale>thousand|millions?|billions?)\b)?"
    rf"(?:\s(?P<wpct>percent)\b)?"
    rf"|\ba\s(?P<frac>half|third|quarter|fifth|tenth)\b",
    re.IGNORECASE,
)
# Between two numbers: they multiply ("2 x 768", "4 × 768 × 768", "768 by 768", "12 * 7.1M").
_TIMES = re.compile(r"\s*(?:[x×*·]|by|times)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Quantity:
    """A number as stated: ``value`` with a percentage as its fraction (15% -> 0.15)."""

    value: float
    percent: bool = False
    part: bool = False  # a factor of an expression: supports, never contradicts
    text: str = ""

    def matches(self, other: Quantity) -> bool:
        return close(self.value, other.value)

    def comparable(self, other: Quantity) -> bool:
        """Of the same kind, so that a mismatch is a disagreement, not another fact."""
        if self.percent != other.percent and not (self.value < 1 and other.value < 1):
            return False
        a, b = abs(self.value), abs(other.value)
        if a == 0 or b == 0:
            return False
        return max(a, b) / min(a, b) <= SIMILAR_SIZE


def close(a: float, b: float, tolerance: float = TOLERANCE) -> bool:
    return math.isclose(a, b, rel_tol=tolerance, abs_tol=1e-12)


def _value(match: re.Match[str]) -> tuple[float, bool]:
    if match.group("frac"):
        return _FRACTIONS[match.group("frac").lower()], False
    if match.group("word"):
        value = 0.0
        for piece in re.split(r"[\s-]", match.group("word").lower()):
            value += _TENS.get(piece, 0) + _UNITS.get(piece, 0)
        scale = match.group("wscale")
        value *= _SCALE[scale.lower()] if scale else 1
        return (value / 100, True) if match.group("wpct") else (value, False)
    value = float(match.group("num").replace(",", ""))
    if match.group("exp"):
        value *= 10.0 ** int(match.group("exp"))
    power = match.group("pow")
    if power:
        exponent = {"²": 2, "³": 3}.get(power.strip()) or int(re.sub(r"\D", "", power))
        value **= exponent
    scale = match.group("scale")
    if scale:
        value *= _SCALE[scale.lower()]
    if match.group("pct"):
        return value / 100, True
    return value, False


def quantities(text: str) -> list[Quantity]:
    """Every quantity in ``text`` in order; an expression gives its value and its factors
    (marked ``part``). Years and list markers are not told apart: the rules using this
    only compare numbers of a similar size."""
    found: list[Quantity] = []
    chain: list[Quantity] = []  # the factors of the expression being read
    last_end = -1
    for match in _NUMBER.finditer(text):
        value, percent = _value(match)
        quantity = Quantity(value, percent, text=match.group(0).strip())
        joined = last_end >= 0 and _TIMES.match(text[last_end : match.start()]) is not None
        if joined and chain:
            chain.append(quantity)
        else:
            _close_chain(chain, found)
            chain = [quantity]
        last_end = match.end()
    _close_chain(chain, found)
    return found


def _close_chain(chain: list[Quantity], found: list[Quantity]) -> None:
    if len(chain) == 1:
        found.append(chain[0])
    elif chain:
        product = math.prod(q.value for q in chain)
        found.extend(Quantity(q.value, q.percent, part=True, text=q.text) for q in chain)
        text = " x ".join(q.text for q in chain)
        found.append(Quantity(product, any(q.percent for q in chain), text=text))


def facts(text: str) -> list[Quantity]:
    """The quantities a key point is about: not the parts of an expression, and not 0 or
    1, which come up in passing ("exp(0) = 1") more than as facts to recall."""
    return [q for q in quantities(text) if not q.part and q.value not in (0.0, 1.0)]


def supports(clause: Sequence[Quantity], point: Sequence[Quantity]) -> bool:
    """Some number of the clause is one of the point's facts."""
    return any(c.matches(p) for c in clause for p in point)


def disagreement(
    clause: Sequence[Quantity],
    point: Sequence[Quantity],
    elsewhere: Iterable[Quantity] = (),
    stated: Sequence[Quantity] = (),
) -> tuple[Quantity, Quantity] | None:
    """(clause number, point number) when the clause gives a number of the same kind as
    one of the point's, matching none of them, while no number of the clause gives that
    one of the point; a true fact of another key point (``elsewhere``) never counts:
    "4.7M" is the feed-forward block, not a wrong layer count. Nor does a clause number
    when the answer states the point's own figure elsewhere (``stated``: every number of
    the answer): "110M in all" beside "the embeddings are 23.4M" is about the model."""
    other = list(elsewhere)
    clause = list(clause)
    given = [*clause, *stated]
    for c in clause:
        if c.part or c.value in (0.0, 1.0) or any(c.matches(o) for o in other):
            continue
        if any(c.matches(p) for p in point):
            continue
        for p in point:
            if c.comparable(p) and not any(d.matches(p) for d in given):
                return c, p
    return None
