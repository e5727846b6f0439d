"""Tests of exercise `nsp_pairs`. Every token names its document and sentence ("d3s2w0"),
so the tests can tell where A and B came from."""

from __future__ import annotations

import random

import pytest

EXERCISE = "nsp_pairs"


def make_documents(count: int = 100, seed: int = 0) -> list[list[list[str]]]:
    rng = random.Random(seed)
    return [
        [[f"d{d}s{s}w{w}" for w in range(rng.randint(1, 6))] for s in range(rng.randint(2, 30))]
        for d in range(count)
    ]


def origin(sentence: list[str]) -> tuple[int, int]:
    d, s = sentence[0][1:].split("w")[0].split("s")
    return int(d), int(s)


def split(example: dict) -> tuple[list[str], list[str]]:
    tokens = example["tokens"]
    assert tokens[0] == "[CLS]" and tokens[-1] == "[SEP]", "tokens are [CLS] A [SEP] B [SEP]"
    assert tokens.count("[SEP]") == 2, "tokens are [CLS] A [SEP] B [SEP]: two [SEP]"
    first_sep = tokens.index("[SEP]")
    return tokens[1:first_sep], tokens[first_sep + 1 : -1]


@pytest.fixture(scope="module")
def documents():
    return make_documents()


@pytest.fixture(scope="module")
def examples(exercise, documents):
    return exercise.make_nsp_examples(documents, rng=random.Random(0))


def test_one_example_per_sentence_with_a_successor(examples, documents):
    expected = sorted((d, s) for d, doc in enumerate(documents) for s in range(len(doc) - 1))
    assert sorted(origin(split(e)[0]) for e in examples) == expected


def test_layout_is_cls_a_sep_b_sep(examples, documents):
    for example in examples:
        a, b = split(example)
        d, s = origin(a)
        assert a == documents[d][s], "A must be a whole sentence"
        d2, s2 = origin(b)
        assert b == documents[d2][s2], "B must be a whole sentence"


def test_segment_ids_are_0_then_1(examples):
    for example in examples:
        a, b = split(example)
        assert example["segment_ids"] == [0] * (len(a) + 2) + [1] * (len(b) + 1)


def test_is_next_b_is_the_following_sentence(examples):
    for example in (e for e in examples if e["is_next"]):
        a, b = split(example)
        d, s = origin(a)
        assert origin(b) == (d, s + 1), "for IsNext, B is the sentence right after A"


def test_not_next_b_comes_from_another_document(examples):
    not_next = [e for e in examples if not e["is_next"]]
    assert not_next, "no NotNext example"
    for example in not_next:
        a, b = split(example)
        assert origin(b)[0] != origin(a)[0], "for NotNext, B comes from a different document"


def test_labels_are_0_for_is_next_and_1_for_not_next(examples):
    for example in examples:
        assert example["label"] == (0 if example["is_next"] else 1)


def test_about_half_are_is_next(examples):
    share = sum(e["is_next"] for e in examples) / len(examples)
    assert abs(share - 0.5) < 0.05, f"{share:.3f} of the examples are IsNext, expected 0.5"


def test_not_next_sentences_come_from_many_documents(examples, documents):
    sources = {origin(split(e)[1])[0] for e in examples if not e["is_next"]}
    assert len(sources) > len(documents) // 2, "pick the other document at random each time"


def test_the_rng_alone_decides(exercise, documents):
    random.seed(1)
    first = exercise.make_nsp_examples(documents, rng=random.Random(5))
    random.seed(2)
    second = exercise.make_nsp_examples(documents, rng=random.Random(5))
    assert first == second, "the same seed must give the same examples: draw with rng"
    assert first != exercise.make_nsp_examples(documents, rng=random.Random(6))


def test_one_document_is_not_enough(exercise):
    with pytest.raises(ValueError):
        exercise.make_nsp_examples(make_documents(count=1), rng=random.Random(0))
