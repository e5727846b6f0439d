"""The classification head's pooling: BERT's standard [CLS] head by default; the masked
token mean on request, saved so that plain transformers refuses it (never loads it
silently wrong) and tutor rebuilds it, old runs included."""

from __future__ import annotations

import json

import pytest

from tutor.errors import UsageError
from tutor.training.models import (
    ResolvedModel,
    load_classifier,
    load_trained_classifier,
    packaged_model_path,
    resolve_pooling,
)
from tutor.training.pooling import CONFIG_KEY, MEAN_MODEL_TYPE, mean_pool, mean_pooling_class

LABELS = ["negative", "positive"]


def _local(folder) -> ResolvedModel:
    return ResolvedModel(str(folder), str(folder), "local", "test model")


def test_mean_pool_averages_only_the_real_tokens():
    import torch

    hidden = torch.arange(2 * 3 * 2, dtype=torch.float32).view(2, 3, 2)
    mask = torch.tensor([[1, 1, 0], [1, 1, 1]])
    pooled = mean_pool(hidden, mask)
    assert pooled[0].tolist() == hidden[0, :2].mean(0).tolist()  # the padding is left out
    assert pooled[1].tolist() == hidden[1].mean(0).tolist()


def test_the_default_head_is_the_standard_one_even_for_a_sentence_encoder():
    from tutor.training.recipes import Recipe

    # all-MiniLM-L6-v2 declares mean pooling; the head is BERT's own all the same.
    assert Recipe(name="x", model="m").pooling == "cls"
    folder = packaged_model_path()
    assert resolve_pooling(ResolvedModel("m", str(folder), "packaged", "MiniLM"), "cls") == "cls"
    # Old run.json files may say "auto": read back as the standard head.
    assert Recipe.from_dict({"name": "x", "model": "m", "pooling": "auto"}).pooling == "cls"


def test_mean_pooled_head_reads_the_masked_mean_and_ignores_padding(tiny_bert):
    import torch
    from transformers import AutoModel

    model = load_classifier(_local(tiny_bert), LABELS, pooling="mean").eval()
    assert type(model).__name__ == "MeanPooledBertForSequenceClassification"
    assert model.bert.pooler is None and model.config.to_dict()[CONFIG_KEY] == "mean"
    ids = torch.tensor([[101, 2204, 3185, 102, 0, 0], [101, 2919, 2143, 2003, 2307, 102]])
    mask = (ids != 0).long()
    with torch.inference_mode():
        logits = model(input_ids=ids, attention_mask=mask).logits
        alone = model(input_ids=ids[:1, :4], attention_mask=mask[:1, :4]).logits
        encoder = AutoModel.from_pretrained(tiny_bert, add_pooling_layer=False).eval()
        hidden = encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        expected = model.classifier(mean_pool(hidden, mask))
    assert torch.allclose(logits[0], alone[0], atol=1e-5)  # padding changes nothing
    assert torch.allclose(logits, expected, atol=1e-5)  # the head reads the token mean


def test_a_saved_mean_pooled_model_is_refused_by_plain_transformers(tiny_bert, tmp_path):
    import torch
    from safetensors.torch import load_file
    from transformers import AutoModelForSequenceClassification, pipeline

    model = load_classifier(_local(tiny_bert), LABELS, pooling="mean").eval()
    model.save_pretrained(tmp_path / "run")
    assert not any("pooler" in k for k in load_file(tmp_path / "run" / "model.safetensors"))
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert (config["model_type"], config[CONFIG_KEY]) == (MEAN_MODEL_TYPE, "mean")
    again = load_trained_classifier(tmp_path / "run").eval()
    ids = torch.tensor([[101, 2204, 3185, 102]])
    with torch.inference_mode():
        assert isinstance(again, mean_pooling_class())
        assert torch.equal(again(input_ids=ids).logits, model(input_ids=ids).logits)
    # The hazard: a [CLS] head on a fresh pooler would predict noise. Refused instead.
    with pytest.raises(ValueError, match=MEAN_MODEL_TYPE):
        AutoModelForSequenceClassification.from_pretrained(tmp_path / "run")
    with pytest.raises(ValueError, match=MEAN_MODEL_TYPE):
        pipeline("text-classification", model=str(tmp_path / "run"))


def test_a_mean_pooled_run_saved_before_the_model_type_still_loads(tiny_bert, tmp_path):
    """Older runs: model_type "bert" plus "tutor_pooling": "mean" in config.json."""
    import torch

    model = load_classifier(_local(tiny_bert), LABELS, pooling="mean").eval()
    model.save_pretrained(tmp_path / "old")
    path = tmp_path / "old" / "config.json"
    config = json.loads(path.read_text())
    config["model_type"] = "bert"
    path.write_text(json.dumps(config))
    again = load_trained_classifier(tmp_path / "old").eval()
    ids = torch.tensor([[101, 2204, 3185, 102]])
    with torch.inference_mode():
        assert isinstance(again, mean_pooling_class())
        assert torch.equal(again(input_ids=ids).logits, model(input_ids=ids).logits)


def test_cls_models_still_load_the_transformers_way(tiny_bert, tmp_path):
    model = load_classifier(_local(tiny_bert), LABELS)  # the default head
    assert type(model).__name__ == "BertForSequenceClassification"
    model.save_pretrained(tmp_path / "run")
    assert CONFIG_KEY not in json.loads((tmp_path / "run" / "config.json").read_text())
    assert type(load_trained_classifier(tmp_path / "run")).__name__ == type(model).__name__


def test_mean_pooling_is_for_bert_models_only(tmp_path, tutor_home):
    from click.testing import CliRunner
    from transformers import DistilBertConfig, DistilBertModel

    from tutor.cli import cli

    folder = tmp_path / "distil"
    config = DistilBertConfig(dim=32, n_layers=1, n_heads=2, hidden_dim=64)
    DistilBertModel(config).save_pretrained(folder)
    assert resolve_pooling(_local(folder), "cls") == "cls"
    # Asking for the mean head is refused, by day 7 before any run folder exists.
    message = "--pooling mean needs a BERT model; .* is a distilbert model"
    with pytest.raises(UsageError, match=message):
        load_classifier(_local(folder), LABELS, pooling="mean")
    args = ["run", "day7", "--profile", "smoke", "--model", str(folder), "--pooling", "mean"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1 and "--pooling mean needs a BERT model" in result.output
    assert not (tutor_home / "runs").exists() or not any((tutor_home / "runs").iterdir())


@pytest.mark.slow
def test_day7_mean_head_on_request_and_predict_rebuilds_it(tiny_bert, tmp_path, tutor_home):
    from click.testing import CliRunner

    from tutor.cli import cli

    runner = CliRunner()
    args = ["run", "day7", "--profile", "smoke", "--model", str(tiny_bert)]
    result = runner.invoke(cli, [*args, "--pooling", "mean"])
    assert result.exit_code == 0, result.output
    assert "linear classifier on the mean of the token vectors" in result.output
    (run_dir,) = (tutor_home / "runs").iterdir()
    config = json.loads((run_dir / "model" / "config.json").read_text())
    assert config["model_type"] == MEAN_MODEL_TYPE
    assert json.loads((run_dir / "metrics.json").read_text())["recipe"]["pooling"] == "mean"
    card = (run_dir / "model" / "README.md").read_text()
    assert "plain transformers refuses this folder" in card
    predicted = runner.invoke(cli, ["predict", "a warm and funny film", "--json"])
    assert predicted.exit_code == 0, predicted.output
    assert set(json.loads(predicted.output)["probabilities"]) == {"negative", "positive"}


def test_the_pooling_an_encoder_was_pretrained_with_is_read_from_its_pooling_module(tmp_path):
    from tutor.training.pooling import pretrained_pooling

    assert pretrained_pooling(packaged_model_path()) == "mean"  # all-MiniLM-L6-v2
    assert pretrained_pooling(tmp_path) == "cls"  # no sentence-transformers module: BERT's own
    (tmp_path / "1_Pooling").mkdir()
    config = tmp_path / "1_Pooling" / "config.json"
    config.write_text(json.dumps({"pooling_mode_cls_token": True}), encoding="utf-8")
    assert pretrained_pooling(tmp_path) == "cls"
    config.write_text("{broken", encoding="utf-8")
    assert pretrained_pooling(tmp_path) == "cls"


def test_day50_pair_heads_read_the_pretrained_vector(tiny_bert, tmp_path):
    """MRPC and the STS-B cross-encoder put their head on the token mean for a sentence
    encoder (the packaged MiniLM), on BERT's pooled [CLS] for a plain BERT."""
    import shutil

    import torch

    from tutor.training.applications import Context
    from tutor.training.pair_tasks import _pair_model

    def ctx_for(path):
        return Context(str(path), tokenizer=None, hw=None, precision="fp32", seed=1)

    plain = _pair_model(ctx_for(tiny_bert), num_labels=2)
    assert type(plain).__name__ == "BertForSequenceClassification"

    encoder = tmp_path / "encoder"
    shutil.copytree(tiny_bert, encoder)
    (encoder / "1_Pooling").mkdir()
    (encoder / "1_Pooling" / "config.json").write_text(
        json.dumps({"pooling_mode_mean_tokens": True}), encoding="utf-8"
    )
    classifier = _pair_model(ctx_for(encoder), num_labels=2)
    assert type(classifier).__name__ == "MeanPooledBertForSequenceClassification"
    regression = _pair_model(ctx_for(encoder), num_labels=1, problem_type="regression")
    ids = torch.tensor([[101, 2204, 3185, 102]])
    out = regression(input_ids=ids, attention_mask=torch.ones_like(ids), labels=torch.tensor([0.4]))
    expected = (out.logits.float().view(-1) - 0.4) ** 2
    assert torch.allclose(out.loss, expected.mean())  # mean squared error, as BERT's own
