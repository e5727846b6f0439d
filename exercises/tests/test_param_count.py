"""Tests of exercise `param_count`. The BERT-base and BERT-large figures are what
`sum(p.numel() for p in BertModel(config).parameters())` gives (uncased vocabulary of
30,522); the lesson's table rounds them."""

from __future__ import annotations

EXERCISE = "param_count"


def test_bert_base_embeddings(exercise):
    got = exercise.embedding_parameters(30522, 768)
    assert got == 23_837_184, (
        f"BERT-base's embeddings hold 23,837,184 parameters, got {got:,}: token "
        f"30,522 x 768, position 512 x 768, segment 2 x 768, and the LayerNorm's gain and "
        f"bias (2 x 768)"
    )


def test_small_embeddings(exercise):
    got = exercise.embedding_parameters(10, 4, max_position=6, type_vocab=3)
    assert got == (10 + 6 + 3) * 4 + 8, (
        f"vocabulary 10, hidden 4, 6 positions, 3 segment types: expected 84, got {got}; "
        f"use the max_position and type_vocab you are given"
    )


def test_bert_base_layer(exercise):
    got = exercise.encoder_layer_parameters(768, 3072, 12)
    assert got == 7_087_872, (
        f"one BERT-base encoder layer holds 7,087,872 parameters, got {got:,}: attention "
        f"4 x (768 x 768 + 768) = 2,362,368, feed-forward 768 x 3072 + 3072 + 3072 x 768 "
        f"+ 768 = 4,722,432, and two LayerNorms of 2 x 768"
    )


def test_heads_do_not_change_the_count(exercise):
    counts = {heads: exercise.encoder_layer_parameters(768, 3072, heads) for heads in (1, 12, 16)}
    assert len(set(counts.values())) == 1, (
        f"the layer's count changed with the number of heads: {counts}. The A heads each "
        f"project to H/A dimensions, so together Q, K and V are still H x H"
    )


def test_small_layer(exercise):
    got = exercise.encoder_layer_parameters(4, 8, 2)
    want = 4 * (16 + 4) + (32 + 8 + 32 + 4) + 16
    assert got == want, f"hidden 4, intermediate 8: expected {want}, got {got}"


def test_bert_base_total(exercise):
    got = exercise.bert_parameters(30522, 768, 12, 12, 3072)
    assert got == 109_482_240, (
        f"BertModel (BERT-base) has 109,482,240 parameters (the paper's 110 M), got "
        f"{got:,}: embeddings + 12 layers + the pooler (768 x 768 + 768)"
    )
    without = exercise.bert_parameters(30522, 768, 12, 12, 3072, pooler=False)
    assert got - without == 590_592, (
        f"the pooler should account for 768 x 768 + 768 = 590,592 parameters, got {got - without:,}"
    )


def test_bert_large_total(exercise):
    got = exercise.bert_parameters(30522, 1024, 24, 16, 4096)
    assert got == 335_141_888, (
        f"BERT-large has 335,141,888 parameters (the paper rounds to 340 M), got {got:,}"
    )


def test_a_tiny_model_uses_every_argument(exercise):
    got = exercise.bert_parameters(100, 8, 3, 2, 16, max_position=32, type_vocab=1)
    emb = (100 + 32 + 1) * 8 + 16
    layer = 4 * (64 + 8) + (128 + 16 + 128 + 8) + 32
    want = emb + 3 * layer + 72
    assert got == want, (
        f"vocabulary 100, hidden 8, 3 layers, intermediate 16, 32 positions, 1 segment "
        f"type: expected {want:,}, got {got:,}"
    )
