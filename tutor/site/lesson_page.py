"""Lesson pages' HTML: table code that wraps between words, not inside them."""

from __future__ import annotations

import re

_TABLE_CELL = re.compile(r"<(td|th)\b[^>]*>.*?</\1>", re.S)
_CELL_CODE = re.compile(r"<code>([^<]*)</code>")
# Where an identifier may wrap: before a capital that starts a word (AutoModel|For|Token),
# and after a dot, underscore, opening bracket or "=" (AutoModel.|from_|pretrained(|x=).
_IDENT_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z][a-z])|(?<=[._(=])(?=\w)")


def break_table_code(content: str) -> str:
    """Inline code in table cells may wrap only between the words of an identifier.

    Material lets code break anywhere, so a narrow column cut class names mid-word
    ("AutoModelForSe / quenceClassifi / cation"). extra.css forbids breaking inside
    words in table code; <wbr> marks the places where a long identifier may still wrap.
    Entities are safe: none of the break characters occurs in "&amp;" or "&lt;"."""

    def cell(match: re.Match[str]) -> str:
        return _CELL_CODE.sub(
            lambda m: f"<code>{_IDENT_BREAK.sub('<wbr>', m.group(1))}</code>", match.group(0)
        )

    return _TABLE_CELL.sub(cell, content)
