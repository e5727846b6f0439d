"""The classification head's pooling: [CLS] or the masked token mean, chosen from what
the model declares, saved with the run and rebuilt when the run is loaded again."""

from __future__ import annotations

import json
import shutil

import pytest

from tutor.errors import UsageError
from tutor.training.models import (
    ResolvedModel,
    load_classifier,
    load_trained_classifier,
    packaged_model_path,
    resolve_pooling,
)
from tutor.training.pooling import CONFIG_KEY, declared_pooling, mean_pool, mean_pooling_class

LABELS = ["negative", "positive"]


def _local(folder) -> ResolvedModel:
    return ResolvedModel(str(folder), str(folder), "local", "test model")


def _reader(folder):
    return lambda name: (folder / name).read_text(encoding="utf-8")


def _declare(folder, **modes) -> None:
    (folder / "modules.json").write_text(
        json.dumps(
            [
                {
                    "idx": 0,
                    "name": "0",
                    "path": "",
                    "type": "sentence_transformers.models.Transformer",
                },
                {
                    "idx": 1,
                    "name": "1",
                    "path": "1_Pooling",
                    "type": "sentence_transformers.models.Pooling",
                },
            ]
        )
    )
    (folder / "1_Pooling").mkdir(exist_ok=True)
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(modes))


def test_mean_pool_averages_only_the_real_tokens():
    import torch

    hidden = torch.arange(2 * 3 * 2, dtype=torch.float32).view(2, 3, 2)
    mask = torch.tensor([[1, 1, 0], [1, 1, 1]])
    pooled = mean_pool(hidden, mask)
    assert pooled[0].tolist() == hidden[0, :2].mean(0).tolist()  # the padding is left out
    assert pooled[1].tolist() == hidden[1].mean(0).tolist()


def test_the_packaged_minilm_declares_mean_pooling():
    folder = packaged_model_path()
    assert declared_pooling(_reader(folder)) == "mean"
    assert resolve_pooling(ResolvedModel("m", str(folder), "packaged", "MiniLM"), "auto") == "mean"


def test_a_model_without_a_declaration_gets_cls(tiny_bert, tmp_path):
    assert declared_pooling(_reader(tiny_bert)) is None
    assert resolve_pooling(_local(tiny_bert), "auto") == "cls"
    # Offline and not in the cache: no download attempt, no error, [CLS].
    assert (
        resolve_pooling(ResolvedModel("a/b", "nobody/not-a-model", "cache", "a/b"), "auto") == "cls"
    )
    declared = tmp_path / "cls-model"
    declared.mkdir()
    _declare(declared, pooling_mode_cls_token=True, pooling_mode_mean_tokens=False)
    assert declared_pooling(_reader(declared)) == "cls"
    (declared / "modules.json").write_text("[{not json")
    assert declared_pooling(_reader(declared)) is None  # unreadable: the default, not a crash


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


def test_a_saved_mean_pooled_model_is_rebuilt_with_its_head(tiny_bert, tmp_path):
    import torch
    from safetensors.torch import load_file
    from transformers import AutoModelForSequenceClassification

    model = load_classifier(_local(tiny_bert), LABELS, pooling="mean").eval()
    model.save_pretrained(tmp_path / "run")
    assert not any("pooler" in k for k in load_file(tmp_path / "run" / "model.safetensors"))
    assert json.loads((tmp_path / "run" / "config.json").read_text())[CONFIG_KEY] == "mean"
    again = load_trained_classifier(tmp_path / "run").eval()
    plain = AutoModelForSequenceClassification.from_pretrained(tmp_path / "run").eval()
    ids = torch.tensor([[101, 2204, 3185, 102]])
    with torch.inference_mode():
        want = model(input_ids=ids).logits
        assert isinstance(again, mean_pooling_class())
        assert torch.equal(again(input_ids=ids).logits, want)
        # The hazard the config key exists for: transformers alone builds a [CLS] head on
        # a fresh pooler, and its logits are not the trained model's.
        assert not torch.allclose(plain(input_ids=ids).logits, want, atol=1e-3)


def test_cls_models_still_load_the_transformers_way(tiny_bert, tmp_path):
    model = load_classifier(_local(tiny_bert), LABELS, pooling="auto")  # declares nothing
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
    # A non-BERT sentence encoder that declares mean pooling: auto falls back to [CLS] ...
    _declare(folder, pooling_mode_mean_tokens=True)
    assert resolve_pooling(_local(folder), "auto") == "cls"
    # ... and asking for the mean head is refused, by day 7 before any run folder exists.
    message = "--pooling mean needs a BERT model; .* is a distilbert model"
    with pytest.raises(UsageError, match=message):
        load_classifier(_local(folder), LABELS, pooling="mean")
    args = ["run", "day7", "--profile", "smoke", "--model", str(folder), "--pooling", "mean"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1 and "--pooling mean needs a BERT model" in result.output
    assert not (tutor_home / "runs").exists() or not any((tutor_home / "runs").iterdir())


@pytest.mark.slow
def test_day7_uses_the_declared_pooling_and_predict_rebuilds_it(tiny_bert, tmp_path, tutor_home):
    from click.testing import CliRunner

    from tutor.cli import cli

    folder = tmp_path / "sentence-model"
    shutil.copytree(tiny_bert, folder)
    _declare(folder, pooling_mode_mean_tokens=True)
    runner = CliRunner()
    result = runner.invoke(cli, ["run", "day7", "--profile", "smoke", "--model", str(folder)])
    assert result.exit_code == 0, result.output
    assert "linear classifier on the mean of the token vectors" in result.output
    (run_dir,) = (tutor_home / "runs").iterdir()
    assert json.loads((run_dir / "model" / "config.json").read_text())[CONFIG_KEY] == "mean"
    assert json.loads((run_dir / "metrics.json").read_text())["recipe"]["pooling"] == "mean"
    predicted = runner.invoke(cli, ["predict", "a warm and funny film"])
    assert predicted.exit_code == 0, predicted.output
    # --pooling cls overrides the declaration.
    result = runner.invoke(
        cli, ["run", "day7", "--profile", "smoke", "--model", str(folder), "--pooling", "cls"]
    )
    assert result.exit_code == 0 and "on the pooled [CLS] vector" in result.output
