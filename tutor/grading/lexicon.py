"""The course-specific word pairs of tutor/grading/lexicon.yaml (package data)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import yaml


@cache
def opposites() -> dict[str, frozenset[str]]:
    """word -> the words that say its opposite (both directions)."""
    data = yaml.safe_load(files("tutor.grading").joinpath("lexicon.yaml").read_text("utf-8"))
    found: dict[str, set[str]] = {}
    for pair in data["opposites"]:
        a, b = (str(w).lower() for w in pair)
        found.setdefault(a, set()).add(b)
        found.setdefault(b, set()).add(a)
    return {word: frozenset(others) for word, others in found.items()}


@cache
def roles() -> dict[str, frozenset[str]]:
    """stem of a course term -> the stems of the terms it must not be confused with
    (both directions), from lexicon.yaml's ``roles``."""
    from tutor.grading.text import stem

    data = yaml.safe_load(files("tutor.grading").joinpath("lexicon.yaml").read_text("utf-8"))
    found: dict[str, set[str]] = {}
    for pair in data.get("roles", []):
        a, b = (stem(str(w).lower()) for w in pair)
        found.setdefault(a, set()).add(b)
        found.setdefault(b, set()).add(a)
    return {term: frozenset(others) for term, others in found.items()}
