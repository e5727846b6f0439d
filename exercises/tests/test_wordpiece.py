"""Tests of exercise `wordpiece`, with a small vocabulary made so that the lesson's examples
tokenize as they do with bert-base-uncased's 30,522 pieces."""

from __future__ import annotations

EXERCISE = "wordpiece"

VOCAB = {
    "[UNK]",
    "the",
    "token",
    "##izer",
    "##ize",
    "##i",
    "handles",
    "hand",
    "##les",
    "em",
    "##bed",
    "##ding",
    "##s",
    "##d",
    "gracefully",
    "hyper",
    "##para",
    "##meter",
    "##p",
    "un",
    "##aff",
    "##able",
    "a",
    "##a",
    "don",
    "'",
    "t",
    "stop",
    "!",
    ",",
    ".",
    "play",
    "##ing",
    "##in",
    "##g",
    "playing",
}


def test_whole_words_stay_whole(exercise):
    for word in ("the", "handles", "gracefully", "playing"):
        got = exercise.wordpiece(word, VOCAB)
        assert got == [word], (
            f"{word!r} is in the vocabulary, so it is one piece; got {got}: try the longest "
            f"candidate (the whole word) first"
        )


def test_lessons_examples(exercise):
    for word, want in (
        ("tokenizer", ["token", "##izer"]),
        ("embeddings", ["em", "##bed", "##ding", "##s"]),
        ("hyperparameter", ["hyper", "##para", "##meter"]),
    ):
        got = exercise.wordpiece(word, VOCAB)
        assert got == want, (
            f"wordpiece({word!r}) gave {got}, expected {want}: take the LONGEST prefix in "
            f"the vocabulary, then the longest '##' piece that continues it"
        )


def test_continuations_need_the_double_hash(exercise):
    # "a" is a word-start piece and "##a" a continuation: "aa" is a + ##a.
    got = exercise.wordpiece("aa", VOCAB)
    assert got == ["a", "##a"], (
        f"wordpiece('aa') gave {got}: pieces after the first are looked up with a '##' "
        f"prefix, and written with it"
    )
    # "hand" is a word start, "##les" a continuation; "handles" itself wins, but "les"
    # alone is not a word start.
    got = exercise.wordpiece("les", VOCAB)
    assert got == ["[UNK]"], (
        f"wordpiece('les') gave {got}: '##les' continues a word, it cannot start one"
    )


def test_one_gap_makes_the_whole_word_unknown(exercise):
    got = exercise.wordpiece("unaffablex", VOCAB)
    assert got == ["[UNK]"], (
        f"'unaffablex' gave {got}: 'x' cannot be covered, and then the WHOLE word is "
        f"[UNK], not the pieces found so far plus [UNK]"
    )
    got = exercise.wordpiece("unaffable", VOCAB)
    assert got == ["un", "##aff", "##able"], f"'unaffable' is un + ##aff + ##able, got {got}"
    got = exercise.wordpiece("zzz", VOCAB, unk="<unk>")
    assert got == ["<unk>"], f"use the unk token you are given, got {got}"


def test_greedy_is_not_optimal(exercise):
    # Without "##izer", the longest continuation after "token" is "##ize", then "##r".
    vocab = (VOCAB - {"##izer"}) | {"##r"}
    got = exercise.wordpiece("tokenizer", vocab)
    assert got == ["token", "##ize", "##r"], (
        f"without '##izer' in the vocabulary, 'tokenizer' is token + ##ize + ##r; got {got}"
    )
    # Greedy commits to the longest first piece even when a shorter one would cover more.
    vocab = {"ab", "a", "##bcd", "[UNK]"}
    got = exercise.wordpiece("abcd", vocab)
    assert got == ["[UNK]"], (
        f"with pieces ab, a, ##bcd, 'abcd' is [UNK]: greedy takes 'ab' (longest), then "
        f"finds no '##c...' piece; it does not go back to try 'a'. Got {got}"
    )


def test_long_words_are_unknown(exercise):
    word = "a" * 101
    got = exercise.wordpiece(word, VOCAB)
    assert got == ["[UNK]"], f"a word of 101 characters is [UNK] (max_chars=100), got {got[:3]}..."
    got = exercise.wordpiece("a" * 5, VOCAB, max_chars=5)
    assert got == ["a"] + ["##a"] * 4, f"a word of exactly max_chars is still cut, got {got}"


def test_basic_split(exercise):
    got = exercise.basic_split("Don't stop!  The tokenizer,handles it.")
    want = ["don", "'", "t", "stop", "!", "the", "tokenizer", ",", "handles", "it", "."]
    assert got == want, (
        f"basic_split gave {got}, expected {want}: lower-case, split on white space, and "
        f"make each punctuation character a word of its own"
    )


def test_tokenize_end_to_end(exercise):
    got = exercise.tokenize("The tokenizer handles embeddings gracefully", VOCAB)
    want = ["the", "token", "##izer", "handles", "em", "##bed", "##ding", "##s", "gracefully"]
    assert got == want, f"tokenize gave {got}, expected the lesson's {want}"
