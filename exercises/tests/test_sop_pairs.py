"""Tests of exercise `sop_pairs`. Randomness is checked by its properties (every pair is
two consecutive segments, in order or swapped; about half are swapped), so any right use
of `rng` passes."""

from __future__ import annotations

import random

EXERCISE = "sop_pairs"

DOC = [["the", "rain", "began"], ["we", "ran", "inside"], ["then", "it", "stopped"], ["ok"]]


def split(example: dict) -> tuple[list[str], list[str]]:
    tokens = example["tokens"]
    first_sep = tokens.index("[SEP]")
    return tokens[1:first_sep], tokens[first_sep + 1 : -1]


def test_one_example_per_consecutive_pair(exercise):
    got = exercise.sop_examples(DOC, random.Random(0))
    assert len(got) == 3, f"4 segments give 3 consecutive pairs, got {len(got)} examples"
    assert exercise.sop_examples([["alone"]], random.Random(0)) == [], (
        "one segment has no pair: no example"
    )
    assert exercise.sop_examples([], random.Random(0)) == [], "no segment: no example"


def test_pairs_are_the_consecutive_segments_in_order_or_swapped(exercise):
    for seed in range(20):
        for i, example in enumerate(exercise.sop_examples(DOC, random.Random(seed))):
            first, second = split(example)
            a, b = DOC[i], DOC[i + 1]
            if example["label"] == 0:
                assert (first, second) == (a, b), (
                    f"example {i} has label 0 (in order) but holds {first} then {second}; "
                    f"expected segment {i} then segment {i + 1}"
                )
            else:
                assert example["label"] == 1, f"labels are 0 or 1, got {example['label']!r}"
                assert (first, second) == (b, a), (
                    f"example {i} has label 1 (swapped) but holds {first} then {second}: the "
                    f"negative is the SAME two segments in the other order, {b} then {a}, "
                    f"not a segment from elsewhere"
                )


def test_tokens_and_segment_ids(exercise):
    for example in exercise.sop_examples(DOC, random.Random(3)):
        tokens, types = example["tokens"], example["token_type_ids"]
        first, second = split(example)
        assert tokens[0] == "[CLS]" and tokens[-1] == "[SEP]" and tokens.count("[SEP]") == 2, (
            f"tokens should be [CLS] first [SEP] second [SEP], got {tokens}"
        )
        want = [0] * (len(first) + 2) + [1] * (len(second) + 1)
        assert types == want, (
            f"for {tokens} the token_type_ids should be {want}, got {types}: segment 0 runs "
            f"up to and including the first [SEP]; the second segment and the final [SEP] are 1"
        )


def test_about_half_are_swapped(exercise):
    doc = [[f"w{i}"] for i in range(2001)]
    labels = [e["label"] for e in exercise.sop_examples(doc, random.Random(1))]
    rate = sum(labels) / len(labels)
    assert 0.45 < rate < 0.55, (
        f"{rate:.1%} of 2,000 pairs were swapped; expected about half (draw rng.random() < 0.5 "
        f"once per pair)"
    )


def test_the_rng_alone_decides(exercise):
    random.seed(1)
    first = exercise.sop_examples(DOC * 5, random.Random(42))
    random.seed(2)
    second = exercise.sop_examples(DOC * 5, random.Random(42))
    assert first == second, (
        "the same rng seed gave different examples: draw only from the rng you are given, "
        "not from the module-level random functions"
    )
    others = [exercise.sop_examples(DOC * 5, random.Random(s)) for s in range(5)]
    assert any(o != first for o in others), "different seeds should give different swaps"


def test_segments_are_not_changed(exercise):
    doc = [list(s) for s in DOC]
    exercise.sop_examples(doc, random.Random(0))
    assert doc == DOC, "sop_examples changed the segments it was given"
