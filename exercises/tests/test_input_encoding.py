"""Tests of exercise `input_encoding`, compared with a BertTokenizerFast built from a small
vocabulary file (no download)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from transformers import BertTokenizerFast

EXERCISE = "input_encoding"

# Whole words and word pieces ("##s" continues a word): "dogs" becomes "dog", "##s".
WORDS = """
the a cat dog sat ran on mat was movie film good bad great not very is it and
##s ##ed ##ing play walk fun
"""
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def build_tokenizer(folder: Path, seed: int | None = None) -> BertTokenizerFast:
    """A tokenizer whose ids follow the vocabulary order; seed shuffles that order."""
    tokens = SPECIAL + WORDS.split()
    if seed is not None:
        random.Random(seed).shuffle(tokens)
    path = folder / f"vocab-{seed}.txt"
    path.write_text("\n".join(tokens) + "\n", encoding="utf-8")
    return BertTokenizerFast(vocab=str(path))


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory) -> BertTokenizerFast:
    return build_tokenizer(tmp_path_factory.mktemp("vocab"))


def encode(exercise, tokenizer, a: str, b: str, max_length: int) -> dict[str, list[int]]:
    return exercise.encode_pair(
        a, b, tokenize=tokenizer.tokenize, vocab=tokenizer.get_vocab(), max_length=max_length
    )


def expected(tokenizer, a: str, b: str, max_length: int) -> dict[str, list[int]]:
    enc = tokenizer(a, b, padding="max_length", max_length=max_length)
    return {k: list(enc[k]) for k in ("input_ids", "token_type_ids", "attention_mask")}


def test_matches_the_tokenizer_for_a_padded_pair(exercise, tokenizer):
    a, b = "the cat sat on the mat", "it was fun"
    assert encode(exercise, tokenizer, a, b, 16) == expected(tokenizer, a, b, 16)


def test_word_pieces_and_unknown_words(exercise, tokenizer):
    a, b = "the dogs walked", "a zebra is playing"
    assert "[UNK]" in tokenizer.tokenize(b), "the test needs an unknown word"
    assert encode(exercise, tokenizer, a, b, 14) == expected(tokenizer, a, b, 14)


def test_a_pair_that_fits_exactly_gets_no_padding(exercise, tokenizer):
    a, b = "good movie", "not bad"
    length = len(tokenizer.tokenize(a)) + len(tokenizer.tokenize(b)) + 3
    got = encode(exercise, tokenizer, a, b, length)
    assert got == expected(tokenizer, a, b, length)
    assert 0 not in got["attention_mask"]


def test_token_type_ids_mark_the_two_segments(exercise, tokenizer):
    got = encode(exercise, tokenizer, "the cat", "a dog ran", 10)
    # [CLS] the cat [SEP] | a dog ran [SEP] | [PAD] [PAD]
    assert got["token_type_ids"] == [0, 0, 0, 0, 1, 1, 1, 1, 0, 0]
    assert got["attention_mask"] == [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]


def test_all_three_lists_have_max_length(exercise, tokenizer):
    got = encode(exercise, tokenizer, "it is good", "very good", 20)
    assert set(got) == {"input_ids", "token_type_ids", "attention_mask"}
    assert all(len(v) == 20 for v in got.values())


def test_ids_come_from_the_vocabulary_not_fixed_numbers(exercise, tmp_path):
    shuffled = build_tokenizer(tmp_path, seed=3)
    a, b = "the film was great", "not very fun"
    assert encode(exercise, shuffled, a, b, 15) == expected(shuffled, a, b, 15)


def test_a_pair_too_long_raises_value_error(exercise, tokenizer):
    with pytest.raises(ValueError):
        encode(exercise, tokenizer, "the cat sat on the mat", "the dog ran on the mat", 8)
