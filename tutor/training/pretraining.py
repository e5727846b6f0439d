"""BERT's pre-training tasks on a small scale: next-sentence-prediction pairs from
documents, masked-language-model batches (the 80/10/10 rule is transformers'
``DataCollatorForLanguageModeling``), the combined MLM + NSP loss, and [MASK] filling.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

IS_NEXT, NOT_NEXT = 0, 1  # BertForPreTraining's next_sentence_label convention

# A sentence ends at . ! or ? (optionally closed by a quote or bracket) followed by space
# and a capital letter, a digit or an opening quote. Good enough for review text.
_BOUNDARY = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))\s+(?=[A-Z0-9\"'(])")


def split_sentences(text: str, min_words: int = 3) -> list[str]:
    """Sentences of ``text`` with at least ``min_words`` words."""
    parts = (p.strip() for p in _BOUNDARY.split(text))
    return [p for p in parts if len(p.split()) >= min_words]


def nsp_pairs(
    documents: Sequence[Sequence[str]], rng: random.Random, limit: int | None = None
) -> list[tuple[str, str, int]]:
    """(A, B, label) pairs: for a sentence A with a successor in its document, half the
    time B is that successor (IsNext, label 0), otherwise a random sentence of another
    document (NotNext, label 1), as in BERT's §3.1. Taking B from another document keeps
    NotNext pairs clearly unrelated; a sentence of the same document could be the real
    next one or share its topic."""
    usable = [i for i, doc in enumerate(documents) if doc]
    if len(usable) < 2:
        raise ValueError("NSP pairs need at least two documents with sentences.")
    pairs = []
    for index, doc in enumerate(documents):
        for i in range(len(doc) - 1):
            if rng.random() < 0.5:
                pairs.append((doc[i], doc[i + 1], IS_NEXT))
            else:
                other = index
                while other == index:
                    other = rng.choice(usable)
                pairs.append((doc[i], rng.choice(documents[other]), NOT_NEXT))
            if limit is not None and len(pairs) >= limit:
                return pairs
    return pairs


def encode_pairs(tokenizer, pairs: list[tuple[str, str, int]], max_length: int) -> list[dict]:
    """Tokenised pairs for the MLM collator: [CLS] A [SEP] B [SEP], segment ids, the
    special-tokens mask (never masked) and the NSP label."""
    enc = tokenizer(
        [a for a, _, _ in pairs],
        [b for _, b, _ in pairs],
        truncation=True,
        max_length=max_length,
        return_special_tokens_mask=True,
    )
    return [
        {
            "input_ids": enc["input_ids"][i],
            "token_type_ids": enc["token_type_ids"][i],
            "attention_mask": enc["attention_mask"][i],
            "special_tokens_mask": enc["special_tokens_mask"][i],
            "next_sentence_label": pairs[i][2],
        }
        for i in range(len(pairs))
    ]


def mask_shares(original, masked, labels, mask_id: int, special=None) -> dict[str, int]:
    """Among the positions chosen for prediction (label != -100): how many became [MASK],
    how many a random token, how many kept the original. Flat int sequences; ``special``
    (1 for [CLS], [SEP], padding) marks the positions that can never be chosen."""
    special = special if special is not None else [0] * len(original)
    counts = {"maskable": 0, "chosen": 0, "[MASK]": 0, "random token": 0, "unchanged": 0}
    for o, m, label, never in zip(original, masked, labels, special):
        counts["maskable"] += 0 if never else 1
        if label == -100:
            continue
        counts["chosen"] += 1
        if m == mask_id:
            counts["[MASK]"] += 1
        elif m == o:
            counts["unchanged"] += 1
        else:
            counts["random token"] += 1
    return counts


def has_mlm_head(model_dir: str | Path) -> bool:
    """Does a checkpoint folder carry BERT's MLM head (``cls.predictions.*``)?"""
    from safetensors import safe_open

    folder = Path(model_dir)
    for file in folder.glob("*.safetensors"):
        with safe_open(str(file), "pt") as fh:
            if any("cls.predictions" in key for key in fh.keys()):  # noqa: SIM118
                return True
    return False


def pretraining_loss(model, batch: dict[str, Any]) -> tuple[Any, dict[str, float]]:
    """MLM + NSP loss of a ``BertForPreTraining``, with the MLM head applied only at the
    masked positions (as the original implementation gathers them): predicting all
    positions would make the output layer over a 30k vocabulary about 7 times dearer for
    the same loss."""
    import torch.nn.functional as F

    labels = batch["labels"]
    out = model.bert(
        input_ids=batch["input_ids"],
        attention_mask=batch["attention_mask"],
        token_type_ids=batch["token_type_ids"],
    )
    chosen = labels != -100
    logits = model.cls.predictions(out.last_hidden_state[chosen])
    mlm = F.cross_entropy(logits.float(), labels[chosen])
    nsp_logits = model.cls.seq_relationship(out.pooler_output)
    nsp = F.cross_entropy(nsp_logits.float(), batch["next_sentence_label"])
    correct = (logits.argmax(-1) == labels[chosen]).float().mean()
    nsp_correct = (nsp_logits.argmax(-1) == batch["next_sentence_label"]).float().mean()
    return mlm + nsp, {
        "mlm_loss": float(mlm.detach()),
        "nsp_loss": float(nsp.detach()),
        "mlm_accuracy": float(correct),
        "nsp_accuracy": float(nsp_correct),
        "masked": int(chosen.sum()),
    }


def fill_mask(model, tokenizer, sentences: list[str], k: int = 5) -> list[list[str]]:
    """The top-k word pieces at the first [MASK] of each sentence (MLM head only)."""
    import torch

    device = next(model.parameters()).device
    results = []
    for sentence in sentences:
        enc = tokenizer(sentence, return_tensors="pt").to(device)
        where = (enc["input_ids"][0] == tokenizer.mask_token_id).nonzero()
        if len(where) == 0:
            results.append([])
            continue
        with torch.inference_mode():
            hidden = model.bert(**enc).last_hidden_state[0, where[0, 0]]
            logits = model.cls.predictions(hidden)
        results.append(tokenizer.convert_ids_to_tokens(logits.topk(k).indices.tolist()))
    return results


def unigram_baseline(
    train_ids: list[list[int]], heldout_labels: list[int], special: set[int], vocab_size: int
) -> tuple[float, float]:
    """A model that ignores context and predicts each masked token from word-piece
    frequencies in the training text: its cross-entropy on the held-out masked tokens and
    the accuracy of always guessing the most frequent piece (add-one smoothing)."""
    import math

    counts = Counter(t for ids in train_ids for t in ids if t not in special)
    total = sum(counts.values())
    if not heldout_labels:
        return float("nan"), float("nan")
    nll = -sum(math.log((counts.get(t, 0) + 1) / (total + vocab_size)) for t in heldout_labels)
    top = counts.most_common(1)[0][0] if counts else None
    accuracy = sum(t == top for t in heldout_labels) / len(heldout_labels)
    return nll / len(heldout_labels), accuracy
