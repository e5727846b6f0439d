"""Solution of `wordpiece`: greedy longest-match-first WordPiece."""

from __future__ import annotations

import string

PUNCTUATION = set(string.punctuation)


def basic_split(text: str) -> list[str]:
    words = []
    for chunk in text.lower().split():
        current = ""
        for ch in chunk:
            if ch in PUNCTUATION:
                if current:
                    words.append(current)
                words.append(ch)
                current = ""
            else:
                current += ch
        if current:
            words.append(current)
    return words


def wordpiece(word: str, vocab: set[str], unk: str = "[UNK]", max_chars: int = 100) -> list[str]:
    if len(word) > max_chars:
        return [unk]
    pieces, start = [], 0
    while start < len(word):
        # Try the longest candidate first and shorten it until it is in the vocabulary.
        for end in range(len(word), start, -1):
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                pieces.append(piece)
                start = end
                break
        else:
            return [unk]  # one uncovered stretch makes the whole word unknown
    return pieces


def tokenize(text: str, vocab: set[str], unk: str = "[UNK]") -> list[str]:
    return [piece for word in basic_split(text) for piece in wordpiece(word, vocab, unk)]
