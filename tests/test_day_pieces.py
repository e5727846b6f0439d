"""The pure pieces behind `tutor run day45` ... `day50`: layer-wise learning rates,
parameter counting, sentence-pair / NSP / QA / NER data building, masking statistics,
text-to-text parsing and scoring. No training here."""

from __future__ import annotations

import random
import subprocess
import sys
from collections import Counter

import pytest
from click.testing import CliRunner

from tutor.cli import cli
from tutor.training import anatomy, heads, pretraining, strategies, text2text

LAYERS = 4
NAMES = [
    "bert.embeddings.word_embeddings.weight",
    "bert.embeddings.LayerNorm.bias",
    "bert.encoder.layer.0.attention.self.query.weight",
    "bert.encoder.layer.2.output.dense.bias",
    "bert.encoder.layer.3.intermediate.dense.weight",
    "bert.pooler.dense.weight",
    "classifier.weight",
]


# --- day 45: strategies ----------------------------------------------------------------


def test_levels_run_from_embeddings_to_head():
    levels = [strategies.level_of(n, LAYERS) for n in NAMES]
    assert levels == [0, 0, 1, 3, 4, 5, 5]
    assert strategies.level_of("distilbert.transformer.layer.5.ffn.lin1.weight", 6) == 6
    assert strategies.level_name(0, LAYERS) == "embeddings"
    assert strategies.level_name(5, LAYERS) == "head"


def test_top_k_trains_the_top_layers_and_the_head_only():
    frozen = [strategies.trains(n, LAYERS, 0) for n in NAMES]
    assert frozen == [False] * 5 + [True, True]
    top2 = [strategies.trains(n, LAYERS, 2) for n in NAMES]
    assert top2 == [False, False, False, True, True, True, True]
    assert all(strategies.trains(n, LAYERS, None) for n in NAMES)


def test_layerwise_learning_rates_decay_downwards():
    lrs = [strategies.layerwise_lr(n, LAYERS, 1e-4, 0.5) for n in NAMES]
    assert lrs == pytest.approx([1e-4 / 16, 1e-4 / 16, 1e-4 / 8, 1e-4 / 2, 1e-4, 1e-4, 1e-4])


def _tiny_classifier(layers: int = 3):
    from transformers import BertConfig, BertForSequenceClassification

    config = BertConfig(
        vocab_size=50,
        hidden_size=16,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
    )
    return BertForSequenceClassification(config)


def test_layerwise_groups_cover_every_trainable_parameter_once():
    model = _tiny_classifier(3)
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    groups = strategies.layerwise_lr_groups(
        model.named_parameters(), 3, base_lr=1e-3, decay=0.9, weight_decay=0.01
    )
    grouped = [id(p) for g in groups for p in g["params"]]
    trainable = [id(p) for p in model.parameters() if p.requires_grad]
    assert sorted(grouped) == sorted(trainable) and len(grouped) == len(set(grouped))
    by_level = {g["level"]: g["lr"] for g in groups}
    assert by_level == pytest.approx(
        {0: 1e-3 * 0.9**3, 1: 1e-3 * 0.9**2, 2: 1e-3 * 0.9, 3: 1e-3, 4: 1e-3}
    )
    names = {id(p): n for n, p in model.named_parameters()}
    for g in groups:
        no_decay = {
            names[id(p)].endswith("bias") or "LayerNorm" in names[id(p)] for p in g["params"]
        }
        assert no_decay == {g["weight_decay"] == 0.0}


def test_freeze_counts_trainable_parameters():
    model = _tiny_classifier(3)
    trainable, total = strategies.freeze(model, 3, 0)
    head = sum(p.numel() for n, p in model.named_parameters() if "pooler" in n or "classifier" in n)
    assert (trainable, total) == (head, sum(p.numel() for p in model.parameters()))


# --- day 47: parameter counting ----------------------------------------------------------


def test_formula_matches_the_built_model_per_component():
    from transformers import BertConfig, BertModel

    config = BertConfig(
        vocab_size=120,
        hidden_size=24,
        num_hidden_layers=3,
        num_attention_heads=4,
        intermediate_size=40,
        max_position_embeddings=50,
        type_vocab_size=3,
    )
    built = anatomy.model_counts(BertModel(config))
    assert built == anatomy.formula_counts(config)
    assert built["head"] == 0 and sum(built.values()) == sum(
        p.numel() for p in BertModel(config).parameters()
    )


def test_bert_base_has_110m_parameters():
    from transformers import BertConfig

    counts = anatomy.bert_base_counts()
    assert sum(counts.values()) == 109_482_240
    assert counts == anatomy.formula_counts(BertConfig())
    assert anatomy.component_of("bert.encoder.layer.0.attention.output.LayerNorm.weight") == (
        "attention"
    )
    assert anatomy.component_of("bert.encoder.layer.0.output.dense.weight") == "feed-forward"
    assert anatomy.component_of("classifier.weight") == "head"


# --- day 50: pairs, NER labels, QA spans -------------------------------------------------


def test_sentiment_pairs_are_balanced_and_labelled_by_sentiment():
    texts = [f"s{i}" for i in range(20)]
    labels = [i % 2 for i in range(20)]
    sentiment = dict(zip(texts, labels))
    pairs = heads.sentiment_pairs(texts, labels, 40, random.Random(0))
    assert Counter(y for _, _, y in pairs) == {0: 20, 1: 20}
    for a, b, same in pairs:
        assert a != b
        assert same == int(sentiment[a] == sentiment[b])
    with pytest.raises(ValueError):
        heads.sentiment_pairs(["a", "b"], [1, 1], 4, random.Random(0))


def test_perturbed_copies_keep_most_words_in_nearly_the_same_order():
    rng = random.Random(4)
    sentence = "one two three four five six seven eight nine ten"
    for _ in range(20):
        copy = heads.perturb(sentence, rng).split()
        assert 3 <= len(copy) <= 10 and set(copy) <= set(sentence.split())
        assert copy != sentence.split()  # at least the swap
    assert heads.perturb("too short", rng) == "too short"


def test_paraphrase_pairs_copy_a_or_a_sentence_of_the_same_document():
    docs = [[" ".join(f"d{d}s{i}w{w}" for w in range(8)) for i in range(4)] for d in range(6)]
    pairs = heads.paraphrase_pairs(docs, 60, random.Random(5))
    assert Counter(y for _, _, y in pairs) == {0: 30, 1: 30}
    for a, b, same in pairs:
        source = {w.rsplit("w", 1)[0] for w in b.split()}
        assert len(source) == 1  # B comes from one sentence
        (b_sentence,) = source
        a_sentence = a.split()[0].rsplit("w", 1)[0]
        assert (b_sentence == a_sentence) == bool(same)
        assert b_sentence.split("s")[0] == a_sentence.split("s")[0]  # same document
    with pytest.raises(ValueError):
        heads.paraphrase_pairs([["a single sentence here"]], 2, random.Random(0))


def test_ner_labels_go_on_first_sub_tokens_only():
    word_ids = [None, 0, 1, 1, 1, 2, None]
    assert heads.align_labels(word_ids, [3, 1, 0]) == [-100, 3, 1, -100, -100, 0, -100]


def test_ner_examples_tag_every_word_and_keep_names_apart():
    examples = heads.ner_examples(30, random.Random(1), "test")
    train_names = {w for names in heads.NAMES["train"].values() for n in names for w in n.split()}
    for words, tags in examples:
        assert len(words) == len(tags) and set(tags) <= set(heads.TAGS)
        entity_words = {w for w, t in zip(words, tags) if t != "O"}
        assert entity_words and not entity_words & train_names


@pytest.fixture(scope="module")
def wordpiece():
    from transformers import AutoTokenizer

    from tutor.training.models import packaged_model_path

    return AutoTokenizer.from_pretrained(packaged_model_path())


def test_answer_span_maps_characters_to_context_tokens(wordpiece):
    for example in heads.qa_examples(10, random.Random(2), "train"):
        enc = wordpiece(example.question, example.context, return_offsets_mapping=True)
        start, end = heads.answer_token_span(
            enc["offset_mapping"],
            enc.sequence_ids(),
            example.start,
            example.start + len(example.answer),
        )
        assert enc.sequence_ids()[start] == 1 and start <= end
        span = wordpiece.decode(enc["input_ids"][start : end + 1])
        assert span == example.answer.lower()


def test_answer_cut_off_by_truncation_points_at_cls(wordpiece):
    context = "word " * 40 + "Oslo ."
    enc = wordpiece(
        "Where?", context, truncation="only_second", max_length=16, return_offsets_mapping=True
    )
    start = context.index("Oslo")
    assert heads.answer_token_span(enc["offset_mapping"], enc.sequence_ids(), start, start + 4) == (
        0,
        0,
    )


def test_best_span_picks_the_best_valid_context_span():
    sequence_ids = [None, 0, 0, None, 1, 1, 1, 1, None]
    start = [9, 9, 0, 0, 1, 5, 0, 0, 0]  # the question tokens score high but are not context
    end = [9, 0, 9, 0, 0, 0, 1, 4, 0]
    assert heads.best_span(start, end, sequence_ids) == (5, 7)
    assert heads.best_span(start, end, sequence_ids, max_tokens=2) == (5, 6)


# --- day 48: sentences, NSP pairs, masking -------------------------------------------------


def test_split_sentences():
    text = 'I loved it. The cast was "superb!" Then it ended. Ok.'
    assert pretraining.split_sentences(text) == [
        "I loved it.",
        'The cast was "superb!"',
        "Then it ended.",
    ]


def test_nsp_pairs_take_successors_or_sentences_of_other_documents():
    docs = [[f"d{d} s{i}" for i in range(6)] for d in range(5)]
    pairs = pretraining.nsp_pairs(docs, random.Random(3))
    assert len(pairs) == 5 * 5
    labels = Counter(label for _, _, label in pairs)
    assert labels[pretraining.IS_NEXT] > 5 and labels[pretraining.NOT_NEXT] > 5
    for a, b, label in pairs:
        doc_a, i = a.split()
        doc_b, j = b.split()
        if label == pretraining.IS_NEXT:
            assert doc_a == doc_b and int(j[1:]) == int(i[1:]) + 1
        else:
            assert doc_a != doc_b
    assert len(pretraining.nsp_pairs(docs, random.Random(3), limit=7)) == 7
    with pytest.raises(ValueError):
        pretraining.nsp_pairs([["only one doc", "two sentences"]], random.Random(0))


def test_mask_shares_classify_chosen_positions():
    original = [101, 5, 6, 7, 8, 102]
    masked = [101, 103, 6, 99, 8, 102]
    labels = [-100, 5, 6, 7, -100, -100]
    special = [1, 0, 0, 0, 0, 1]
    counts = pretraining.mask_shares(original, masked, labels, 103, special)
    assert counts == {"maskable": 4, "chosen": 3, "[MASK]": 1, "random token": 1, "unchanged": 1}


def test_collator_applies_the_80_10_10_rule(wordpiece):
    from transformers import DataCollatorForLanguageModeling

    pairs = [(f"the film number {i} was good and long", "i liked it a lot", 0) for i in range(400)]
    items = pretraining.encode_pairs(wordpiece, pairs, 32)
    batch = DataCollatorForLanguageModeling(wordpiece, mlm_probability=0.15, seed=0)(items)
    total = Counter()
    for item, ids, labels in zip(items, batch["input_ids"], batch["labels"]):
        n = len(item["input_ids"])
        total.update(
            pretraining.mask_shares(
                item["input_ids"],
                ids[:n].tolist(),
                labels[:n].tolist(),
                wordpiece.mask_token_id,
                item["special_tokens_mask"],
            )
        )
    assert total["chosen"] / total["maskable"] == pytest.approx(0.15, abs=0.015)
    assert total["[MASK]"] / total["chosen"] == pytest.approx(0.8, abs=0.03)
    assert total["random token"] / total["chosen"] == pytest.approx(0.1, abs=0.03)
    assert total["unchanged"] / total["chosen"] == pytest.approx(0.1, abs=0.03)


def test_unigram_baseline():
    loss, accuracy = pretraining.unigram_baseline([[5, 5, 5, 6, 101]], [5, 6], {101}, 10)
    assert accuracy == 0.5
    # p(5) = (3 + 1) / (4 + 10), p(6) = (1 + 1) / (4 + 10)
    import math

    assert loss == pytest.approx(-(math.log(4 / 14) + math.log(2 / 14)) / 2)


# --- day 49: text-to-text ------------------------------------------------------------------


def test_text_to_text_pairs_and_label_parsing():
    sst2 = text2text.TASKS["sst2"]
    assert text2text.as_text_to_text(sst2, ["a fine film"], [1]) == [
        ("sst2 sentence: a fine film", "positive")
    ]
    assert text2text.parse_label(" Positive.", sst2) == 1
    assert text2text.parse_label("negative review", sst2) == 0
    assert text2text.parse_label("flavors gloves", sst2) is None
    assert text2text.parse_label("", sst2) is None


def test_scores_count_invalid_answers_as_wrong_and_uninformative():
    cola = text2text.TASKS["cola"]
    result = text2text.scores(
        ["acceptable", "unacceptable", "gloves", "acceptable"], [1, 0, 1, 0], cola
    )
    assert result["accuracy"] == 0.5 and result["invalid_share"] == 0.25
    assert result["predicted"] == [1, 0, -1, 1]
    nonsense = text2text.scores(["x", "y", "z", "w"], [1, 0, 1, 0], cola)
    assert nonsense["mcc"] == 0.0 and nonsense["accuracy"] == 0.0


def test_targets_drop_the_leading_cls_and_pad_with_minus_100(wordpiece):
    batch = text2text.collate(wordpiece, 32)(
        [("sst2 sentence: good", "positive"), ("cola sentence: him went", "unacceptable")]
    )
    positive, unacceptable = (
        wordpiece.convert_tokens_to_ids(w) for w in ("positive", "unacceptable")
    )
    assert batch["labels"].tolist() == [
        [positive, wordpiece.sep_token_id],
        [unacceptable, wordpiece.sep_token_id],
    ]
    assert batch["input_ids"].shape[0] == 2


# --- the CLI ---------------------------------------------------------------------------


def test_run_list_shows_every_day_on_one_line():
    result = CliRunner().invoke(cli, ["run", "--list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == [
        "day7",
        "day45",
        "day46",
        "day47",
        "day48",
        "day49",
        "day50",
    ]
    assert lines[1].startswith("day45   Fine-tuning strategies: full, frozen, top-k")


@pytest.mark.parametrize("day", ["day45", "day46", "day47", "day48", "day49", "day50"])
def test_day_help_names_the_profiles(day):
    result = CliRunner().invoke(cli, ["run", day, "--help"])
    assert result.exit_code == 0
    assert "--profile [gpu|cpu|smoke]" in result.output and "--seed" in result.output


def test_day_help_loads_no_ml_stack():
    code = (
        "import sys\nfrom tutor.cli import cli\n"
        "try:\n    cli(['run', 'day48', '--help'], prog_name='tutor')\nexcept SystemExit:\n    pass\n"
        "print('@@', *(m for m in ('torch', 'transformers', 'datasets') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.rsplit("@@", 1)[1].split() == []


def test_table_cells_read_like_a_person_wrote_them():
    from tutor.training.artifacts import format_cell, markdown_table

    assert [format_cell(v) for v in (None, 0.81314, 31.6, 2e-5, 22_713_216, 12, True)] == [
        "-",
        "0.8131",
        "31.6",
        "2.00e-05",
        "22,713,216",
        "12",
        "True",
    ]
    table = markdown_table([{"strategy": "a|b", "acc": 0.5}])
    assert table.splitlines() == ["| strategy | acc |", "|---|---|", "| a\\|b | 0.5000 |"]
