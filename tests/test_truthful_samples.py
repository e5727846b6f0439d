"""The texts a run shows next to predictions are the texts those predictions were made
on. The Trainer evaluates length-sorted batches; a run that paired its outputs with the
evaluation texts in file order showed one review's label and prediction beside another.
Here the label is written in each text, and texts vary in length, so any reordering
shows."""

from __future__ import annotations

import json
import random

import pytest
from click.testing import CliRunner

from tutor.cli import cli

pytestmark = pytest.mark.slow

FILLER = "the film had actors and a plot and some scenes"


def _rows(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    rows = ["text,label"]
    for i in range(n):
        label = i % 2
        word = "great" if label else "awful"
        # 1 to 30 filler words: lengths differ, so length-sorted batches reorder the rows.
        filler = " ".join(rng.choice(FILLER.split()) for _ in range(rng.randint(1, 30)))
        rows.append(f"review {i} was {word} {filler},{label}")
    return rows


def test_sample_predictions_pair_each_text_with_its_own_label_and_prediction(
    tiny_bert, tmp_path, tutor_home
):
    from tutor.training.predict import Classifier

    train, held_out = tmp_path / "train.csv", tmp_path / "eval.csv"
    train.write_text("\n".join(_rows(64, 1)) + "\n", encoding="utf-8")
    held_out.write_text("\n".join(_rows(40, 2)) + "\n", encoding="utf-8")
    args = ["run", "day7", "--profile", "smoke", "--model", str(tiny_bert)]
    args += ["--train-file", str(train), "--eval-file", str(held_out)]
    args += ["--lr", "3e-3", "--epochs", "6", "--train-embeddings", "--max-train-samples", "64"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (run_dir,) = (tutor_home / "runs").iterdir()
    samples = json.loads((run_dir / "sample_predictions.json").read_text(encoding="utf-8"))
    items = [item for group in samples.values() for item in group]
    assert len(items) >= 10
    truth = {
        line.rsplit(",", 1)[0]: line.rsplit(",", 1)[1]
        for line in held_out.read_text(encoding="utf-8").splitlines()[1:]
    }
    fresh = {p.text: p for p in Classifier(run_dir.name).predict([i["text"] for i in items])}
    confidences = set()
    for item in items:
        # The label shown is the one the data gives this text ...
        assert item["label"] == truth[item["text"]], item
        # ... and the prediction is what the saved model says about this very text.
        again = fresh[item["text"]]
        assert item["predicted"] == again.label, item
        assert item["confidence"] == pytest.approx(again.probabilities[again.label], abs=1e-4)
        assert item["correct"] == (item["predicted"] == item["label"])
        confidences.add(round(item["confidence"], 4))
    # The check can fail: the model tells these texts apart (by more than the 1e-4 above).
    assert len(confidences) >= 5
    # The terminal shows the same pairs (first entries of each group).
    first = samples["confident_correct"][0] if samples["confident_correct"] else items[0]
    assert f"(true: {first['label']})" in result.output


def test_trainer_outputs_come_back_in_the_evaluation_set_order(tiny_bert, tmp_path):
    """The root of it, for every day that pairs texts with `trainer.predict` or
    `trainer.last_eval` (days 7, 49, 50): row i of the outputs is text i, although the
    batches are read longest first."""
    import numpy as np
    import torch
    from datasets import Dataset

    from tutor.training.data import TextData
    from tutor.training.finetune import build_trainer
    from tutor.training.hardware import Hardware
    from tutor.training.models import ResolvedModel, load_classifier, load_tokenizer
    from tutor.training.recipes import choose_recipe

    hw = Hardware(device="cpu", name="CPU (2 threads)", cpu_threads=2)
    recipe = choose_recipe(hw, "smoke", {"eval_batch_size": 4})
    rows = [line.rsplit(",", 1) for line in _rows(30, 3)[1:]]
    ds = Dataset.from_dict({"text": [t for t, _ in rows], "label": [int(y) for _, y in rows]})
    data = TextData("mine", ds, ds, ["0", "1"], "test rows")
    resolved = ResolvedModel("tiny", str(tiny_bert), "local", "tiny")
    tokenizer = load_tokenizer(resolved)
    model = load_classifier(resolved, data.label_names)
    trainer, _, _ = build_trainer(model, tokenizer, data, recipe, hw, tmp_path, progress=False)
    prediction = trainer.predict(trainer.eval_dataset)
    trainer.evaluate()
    model.eval()
    with torch.inference_mode():
        one_by_one = np.stack(
            [model(**tokenizer(t, return_tensors="pt")).logits[0].numpy() for t in ds["text"]]
        )
    assert np.allclose(prediction.predictions, one_by_one, atol=1e-5)
    assert prediction.label_ids.tolist() == ds["label"]
    assert np.allclose(trainer.last_eval["logits"], one_by_one, atol=1e-5)
    assert trainer.last_eval["labels"].tolist() == ds["label"]
    # The outputs do differ from row to row, so a reordering would show.
    assert len({round(float(x), 5) for x in one_by_one[:, 1]}) >= 8
