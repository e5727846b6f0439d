"""Recipe and precision decisions for CUDA, MPS and CPU, tested without the hardware."""

from __future__ import annotations

import pytest

from tutor.errors import UsageError
from tutor.training.hardware import (
    Hardware,
    choose_attention,
    choose_precision,
    detect_hardware,
)
from tutor.training.recipes import BERT_BASE, MINILM, choose_recipe, profile_for

A100 = Hardware("cuda", "NVIDIA A100", count=1, bf16=True, fp16=True, memory_gb=80.0)
T4 = Hardware("cuda", "Tesla T4", count=2, bf16=False, fp16=True, memory_gb=15.0)
M2 = Hardware("mps", "Apple MPS", bf16=True, fp16=True)
OLD_MAC = Hardware("mps", "Apple MPS", bf16=False, fp16=True)
CPU_BF16 = Hardware("cpu", "CPU (2 threads)", bf16=True, cpu_threads=2)
CPU_PLAIN = Hardware("cpu", "CPU (4 threads)", bf16=False, cpu_threads=4)


@pytest.mark.parametrize(
    ("hw", "expected"),
    [
        (A100, "bf16"),
        (T4, "fp16"),
        (M2, "bf16"),
        (OLD_MAC, "fp16"),
        (CPU_BF16, "bf16"),
        (CPU_PLAIN, "fp32"),
    ],
)
def test_precision_follows_hugging_face_convention(hw, expected):
    assert choose_precision(hw) == expected


@pytest.mark.parametrize(
    ("hw", "expected"),
    [(A100, None), (T4, None), (M2, None), (CPU_BF16, "eager"), (CPU_PLAIN, None)],
)
def test_attention_kernel_is_eager_only_for_long_bf16_inputs_on_the_cpu(hw, expected):
    assert choose_attention(hw, choose_precision(hw), 256) == expected
    assert choose_attention(hw, choose_precision(hw), 128) is None  # short: SDPA
    assert choose_attention(CPU_BF16, "fp32", 512) is None  # --precision fp32: SDPA is faster


def test_the_trainer_gets_the_chosen_kernel(tmp_path, tiny_bert):
    from datasets import Dataset

    from tutor.training.data import TextData
    from tutor.training.finetune import build_trainer
    from tutor.training.models import ResolvedModel, load_classifier, load_tokenizer

    tiny = ResolvedModel(str(tiny_bert), str(tiny_bert), "local", "tiny BERT")
    split = Dataset.from_dict({"text": ["good", "bad"], "label": [1, 0]})
    data = TextData("tiny", split, split, ["neg", "pos"], "two words")
    for hw, kernel in ((CPU_BF16, "eager"), (CPU_PLAIN, "sdpa")):
        recipe = choose_recipe(hw, "smoke", {"precision": choose_precision(hw), "max_length": 256})
        model = load_classifier(tiny, data.label_names)
        trainer, _, _ = build_trainer(
            model, load_tokenizer(tiny), data, recipe, hw, tmp_path, progress=False
        )
        assert trainer.model.config._attn_implementation == kernel
        # Evaluation runs forward only: SDPA, then training's kernel is back.
        seen = _record_kernel_per_prediction(trainer)
        trainer.evaluate()
        assert seen and set(seen) == {"sdpa"}
        assert trainer.model.config._attn_implementation == kernel


def _record_kernel_per_prediction(trainer) -> list[str]:
    seen: list[str] = []
    original = trainer.prediction_step

    def spy(*args, **kwargs):
        seen.append(trainer.model.config._attn_implementation)
        return original(*args, **kwargs)

    trainer.prediction_step = spy
    return seen


def test_both_attention_kernels_compute_the_same_function(tiny_bert):
    import torch

    from tutor.training.hardware import inference_attention
    from tutor.training.models import ResolvedModel, load_classifier

    tiny = ResolvedModel(str(tiny_bert), str(tiny_bert), "local", "tiny BERT")
    model = load_classifier(tiny, ["neg", "pos"]).eval()
    model.set_attn_implementation("eager")
    batch = {
        "input_ids": torch.tensor([[101, 2204, 3185, 102, 0]]),
        "attention_mask": torch.tensor([[1, 1, 1, 1, 0]]),
    }
    with torch.no_grad():
        eager = model(**batch).logits
        with inference_attention(model):
            assert model.config._attn_implementation == "sdpa"
            sdpa = model(**batch).logits
    assert model.config._attn_implementation == "eager"
    torch.testing.assert_close(eager, sdpa, rtol=1e-5, atol=1e-5)


def test_gpu_recipe_is_the_seed_recipe():
    r = choose_recipe(A100)
    assert (r.name, r.model, r.dataset, r.max_length) == ("gpu", BERT_BASE, "imdb", 512)
    assert 2e-5 <= r.learning_rate <= 5e-5 and 2 <= r.epochs <= 3
    assert r.warmup_ratio > 0 and r.scheduler == "linear"
    assert r.max_train_samples is None and r.max_eval_samples is None  # the full data
    assert r.batch_size == 32  # 80 GB holds twice the batch of a 16 GB card


def test_small_gpu_gets_fp16_and_a_smaller_batch():
    r = choose_recipe(T4)
    assert (r.precision, r.batch_size) == ("fp16", 16)


def test_mps_runs_the_gpu_recipe_with_a_small_batch():
    assert profile_for(M2) == "gpu"
    r = choose_recipe(OLD_MAC)
    assert (r.model, r.precision, r.batch_size) == (BERT_BASE, "fp16", 8)


def test_cpu_recipe_is_small_fast_and_sized_by_a_time_budget():
    r = choose_recipe(CPU_BF16)
    assert (r.name, r.model, r.precision) == ("cpu", MINILM, "bf16")
    assert r.max_length <= 256 and r.freeze_embeddings
    # The number of examples is left to the budget (tutor.training.budget).
    assert r.max_train_samples is None and r.time_budget == 13.5
    assert choose_recipe(CPU_PLAIN).precision == "fp32"


def test_overrides_apply_and_none_means_not_given():
    r = choose_recipe(CPU_PLAIN, overrides={"learning_rate": 3e-5, "epochs": None, "seed": 7})
    assert (r.learning_rate, r.seed, r.epochs) == (3e-5, 7, choose_recipe(CPU_PLAIN).epochs)


def test_every_bad_override_is_reported_at_once():
    with pytest.raises(UsageError) as err:
        choose_recipe(CPU_PLAIN, overrides={"precision": "fp16", "max_length": 1024, "epochs": 0})
    message = err.value.message
    assert "fp16 needs a GPU" in message
    assert "cannot exceed 512" in message
    assert "--epochs must be positive" in message


def test_bf16_refused_on_a_gpu_without_it():
    with pytest.raises(UsageError, match="bf16 is not supported on Tesla T4"):
        choose_recipe(T4, overrides={"precision": "bf16"})


def test_unknown_profile_and_setting():
    with pytest.raises(UsageError, match="Unknown profile"):
        choose_recipe(CPU_PLAIN, "tpu")
    with pytest.raises(UsageError, match="Unknown recipe setting"):
        choose_recipe(CPU_PLAIN, overrides={"lr": 1e-5})


def test_this_machine_is_detected_as_the_accelerator_torch_sees():
    # Whatever the host has: a GPU where torch sees one, else the CPU (never asserted).
    import torch

    hw = detect_hardware()
    expected = (
        "cuda"
        if torch.cuda.is_available()
        else "mps"
        if torch.backends.mps.is_available()
        else "cpu"
    )
    assert hw.device == expected and hw.cpu_threads >= 1
    assert hw.name and (hw.device != "cpu" or hw.name.startswith("CPU ("))


def test_cpu_training_arguments_are_efficient(tmp_path):
    from tutor.training.finetune import build_training_args

    r = choose_recipe(CPU_BF16)
    args = build_training_args(r, CPU_BF16, tmp_path, train_size=6_000)
    assert args.train_sampling_strategy == "group_by_length"
    assert args.report_to in ([], "none", ["none"])  # nothing sent to external trackers
    assert args.bf16 and not args.fp16 and args.use_cpu
    steps = -(-6_000 // r.batch_size)
    assert args.eval_steps == -(-steps // r.evals_per_epoch)
    assert args.get_warmup_steps(1000) == round(1000 * r.warmup_ratio)


def test_distributed_ranks_share_one_run_folder(monkeypatch):
    from tutor import runs

    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("TORCHELASTIC_RUN_ID", "job42")
    monkeypatch.setenv("RANK", "1")
    first, second = runs.new_run_dir("day7"), runs.new_run_dir("day7")
    assert first == second and first.name == "day7-ddp-job42"
    assert not runs.is_main_process()
    monkeypatch.setenv("RANK", "0")
    assert runs.is_main_process()


def test_cpu_recipe_budget_depends_on_the_data_set():
    imdb = choose_recipe(CPU_BF16)
    sst2 = choose_recipe(CPU_BF16, overrides={"dataset": "sst2"})
    assert imdb.max_eval_samples == 2_000 and sst2.max_eval_samples is None  # all of dev
    # At most two passes over SST-2, the second one averaged; one over IMDB, not averaged.
    assert (sst2.epochs, sst2.average_from, imdb.epochs, imdb.average_from) == (3, 2 / 3, 1, None)
    # The standard head: what every Hugging Face tool loads.
    assert sst2.pooling == imdb.pooling == "cls"
    capped = choose_recipe(CPU_BF16, overrides={"dataset": "sst2", "max_train_samples": 500})
    assert capped.max_train_samples == 500
