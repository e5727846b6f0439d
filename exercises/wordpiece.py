"""Exercise `wordpiece`: BERT's WordPiece tokenizer, greedy longest match first.

Fill in `basic_split` and `wordpiece`, then run `tutor check wordpiece` (or press Run tests
in the lesson page). Stuck? `tutor hint wordpiece`.
"""

from __future__ import annotations

import string

PUNCTUATION = set(string.punctuation)


def basic_split(text: str) -> list[str]:
    """Lower-case ``text``, split it on white space, and make every punctuation character
    (a character of ``PUNCTUATION``) a word of its own: "Don't stop!" gives
    ["don", "'", "t", "stop", "!"]."""
    # TODO
    return text.split()


def wordpiece(word: str, vocab: set[str], unk: str = "[UNK]", max_chars: int = 100) -> list[str]:
    """Cut one word into vocabulary pieces, greedily, longest match first.

    Take the longest prefix of the word that is in ``vocab``; then, from where it ends, the
    longest piece that is in ``vocab`` written with a "##" prefix; and so on to the end. If
    at some point no piece matches, the WHOLE word becomes [``unk``], and so does a word
    longer than ``max_chars`` characters.
    """
    # TODO
    raise NotImplementedError("TODO: implement wordpiece")


def tokenize(text: str, vocab: set[str], unk: str = "[UNK]") -> list[str]:
    """basic_split, then wordpiece on every word."""
    return [piece for word in basic_split(text) for piece in wordpiece(word, vocab, unk)]
