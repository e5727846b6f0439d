"""Fine-tune a pre-trained encoder for text classification with the Hugging Face Trainer.

Efficiency is built in rather than bolted on: texts are tokenised once without padding,
batches are padded to their own longest member (``DataCollatorWithPadding``) and drawn
from length-sorted groups (``train_sampling_strategy="group_by_length"``), so a batch of
short sentences costs what short sentences cost; mixed precision where the hardware has
it; nothing is reported to external trackers.
"""

from __future__ import annotations

import contextlib
import logging
import math
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tutor.training.data import TextData
from tutor.training.hardware import Hardware, choose_attention, inference_attention
from tutor.training.recipes import Recipe

log = logging.getLogger("tutor")


def truncate_ids(ids: list[int], max_length: int, strategy: str) -> list[int]:
    """Cut a tokenised text (with [CLS] ... [SEP]) to ``max_length`` tokens.

    "head" keeps the beginning. "head+tail" keeps the first quarter of the budget and the
    last three quarters, dropping the middle (Sun et al. 2019 found head 128 + tail 382
    best on IMDB at 512 tokens).
    """
    if len(ids) <= max_length:
        return ids
    body, budget = ids[1:-1], max_length - 2
    if strategy == "head":
        kept = body[:budget]
    else:
        head = budget // 4
        kept = body[:head] + body[len(body) - (budget - head) :]
    return [ids[0], *kept, ids[-1]]


def encode_texts(tokenizer, texts: list[str], max_length: int, truncation: str) -> list[list[int]]:
    """Token ids of single texts, cut to ``max_length`` the recipe's way (head or head+tail)."""
    if truncation == "head":
        return tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]
    full = tokenizer(texts, truncation=False, verbose=False)["input_ids"]
    return [truncate_ids(x, max_length, "head+tail") for x in full]


def tokenize(data: TextData, tokenizer, recipe: Recipe) -> tuple[Any, Any]:
    """Tokenise both splits once, unpadded; truncation per the recipe.

    A ``text_pair`` column makes sentence-pair inputs (``[CLS] A [SEP] B [SEP]`` with
    segment ids 0 / 1); pairs are cut from the end of the longer text first.
    """
    pairs = "text_pair" in data.train.column_names

    def encoder(length: int):
        def encode(batch: dict[str, list]) -> dict[str, list]:
            if pairs:
                return tokenizer(
                    batch["text"], batch["text_pair"], truncation=True, max_length=length
                )
            ids = encode_texts(tokenizer, batch["text"], length, recipe.truncation)
            return {"input_ids": ids, "attention_mask": [[1] * len(x) for x in ids]}

        return encode

    def run(ds, length: int):
        drop = [c for c in ("text", "text_pair") if c in ds.column_names]
        return ds.map(encoder(length), batched=True, remove_columns=drop, desc="Tokenising")

    # Evaluation may read longer inputs than training (--eval-max-length).
    return run(data.train, recipe.max_length), run(data.eval, eval_length(recipe))


def eval_length(recipe: Recipe) -> int:
    return recipe.eval_max_length or recipe.max_length


def classification_metrics(labels, predictions, num_labels: int) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef

    average = "binary" if num_labels == 2 else "macro"
    return {
        "accuracy": float(accuracy_score(labels, predictions)),
        "f1": float(f1_score(labels, predictions, average=average, zero_division=0)),
        "mcc": float(matthews_corrcoef(labels, predictions)),
    }


@dataclass
class TrainOutcome:
    interrupted: bool
    global_step: int
    max_steps: int
    # Training only: Trainer.train()'s wall time less the evaluations it ran (checkpoint
    # saves count as training). The rate is over the same seconds.
    train_seconds: float
    train_samples_per_second: float
    log_history: list[dict[str, Any]]
    checkpoint_dir: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    eval_seconds: float = 0.0  # the evaluations during training, all of them
    evaluations: int = 0


def _callbacks(estimate: dict[str, float] | None = None):
    from transformers import TrainerCallback

    class Interrupt(TrainerCallback):
        """First Ctrl-C: finish the current step, save a checkpoint, stop. Second: abort."""

        def __init__(self) -> None:
            self.requested = False
            self._previous = None

        def on_train_begin(self, args, state, control, **kwargs):
            def handler(signum, frame):
                if self.requested:
                    raise KeyboardInterrupt
                self.requested = True
                log.warning(
                    "Stopping after this step and saving a checkpoint (Ctrl-C again to abort)."
                )

            try:
                self._previous = signal.signal(signal.SIGINT, handler)
            except ValueError:  # not the main thread (e.g. a notebook worker): no handler
                self._previous = None

        def on_step_end(self, args, state, control, **kwargs):
            if self.requested:
                control.should_save = True
                control.should_training_stop = True

        def on_train_end(self, args, state, control, **kwargs):
            if self._previous is not None:
                signal.signal(signal.SIGINT, self._previous)

    class Eta(TrainerCallback):
        """Time left, from measured throughput: the mean seconds per optimizer step (the
        first steps, slow while kernels are chosen and memory allocated, are left out)
        times the steps left, plus the evaluations still to come times the measured
        seconds of one. Until there are measurements it uses the plan's estimate. Steps
        and evaluations are timed apart, so an evaluation neither freezes the estimate
        nor makes it jump."""

        def __init__(self, skip_steps: int = 3) -> None:
            self.skip = skip_steps
            self.estimate = estimate or {}
            self.first_step: int | None = None
            self.t_start = 0.0
            self.t_step = 0.0
            self.step_seconds, self.steps_timed = 0.0, 0
            self.eval_started: float | None = None
            self.eval_seconds: list[float] = []
            self.eval_times: dict[int, float] = {}  # global step -> seconds since start
            self.eval_steps = 0
            self.final_eval = False  # True: the final weights always need their own pass
            # Seconds from the first step within which training and its evaluations must
            # end (a time budget's), and the steps whose evaluation was skipped to keep it.
            self.deadline: float | None = self.estimate.get("deadline_seconds")
            self.skipped: list[int] = []

        def on_train_begin(self, args, state, control, **kwargs):
            self.eval_steps = int(args.eval_steps or 0) if args.eval_strategy != "no" else 0

        def on_step_begin(self, args, state, control, **kwargs):
            self.t_step = time.perf_counter()
            if self.first_step is None:
                self.first_step, self.t_start = state.global_step, self.t_step

        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step - (self.first_step or 0) > self.skip:
                self.step_seconds += time.perf_counter() - self.t_step
                self.steps_timed += 1
            if control.should_evaluate and self.behind(state):
                control.should_evaluate = False
                self.skipped.append(state.global_step)
                log.warning(
                    "Skipping the evaluation at step %d: the steps run slower than measured, "
                    "and the run must end within its time budget.",
                    state.global_step,
                )

        def behind(self, state) -> bool:
            """Whether a mid-run evaluation now would carry the run past its deadline. The
            schedule is fixed, so a run that trains slower than planned gives up what it
            can: evaluations before the last step (the final one always runs)."""
            if self.deadline is None or state.global_step >= state.max_steps:
                return False
            per_step, per_eval = self.seconds_per_step(), self.seconds_per_eval()
            if per_step is None or per_eval is None:
                return False
            elapsed = time.perf_counter() - self.t_start
            left = per_step * (state.max_steps - state.global_step) + 2 * per_eval
            return elapsed + left > self.deadline

        def on_prediction_step(self, args, state, control, **kwargs):
            if self.eval_started is None:
                self.eval_started = time.perf_counter()

        def on_evaluate(self, args, state, control, **kwargs):
            if self.eval_started is not None:
                self.eval_seconds.append(time.perf_counter() - self.eval_started)
            self.eval_started = None
            self.eval_times[state.global_step] = time.perf_counter() - self.t_start

        def on_predict(self, args, state, control, **kwargs):
            self.eval_started = None

        def seconds_per_step(self) -> float | None:
            if self.steps_timed >= 3:
                return self.step_seconds / self.steps_timed
            return self.estimate.get("seconds_per_step")

        def seconds_per_eval(self) -> float | None:
            if self.eval_seconds:
                return sum(self.eval_seconds) / len(self.eval_seconds)
            return self.estimate.get("seconds_per_eval")

        def remaining(self, state) -> float | None:
            """Seconds of training and evaluation left; None before anything is known."""
            per_step = self.seconds_per_step()
            if per_step is None:
                return None
            left = per_step * max(0, state.max_steps - state.global_step)
            if self.eval_steps:
                evals = state.max_steps // self.eval_steps - state.global_step // self.eval_steps
                # The final weights get their own pass unless the last evaluation saw them.
                evals += int(self.final_eval or state.max_steps % self.eval_steps != 0)
                left += evals * (self.seconds_per_eval() or 0.0)
            return left

    return Interrupt(), Eta()


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 90 else f"{seconds:.0f} s"


def build_training_args(
    recipe: Recipe,
    hw: Hardware,
    output_dir: Path,
    train_size: int,
    overrides: dict[str, Any] | None = None,
):
    """The TrainingArguments for ``recipe``; ``overrides`` replaces any of them (e.g.
    ``{"save_strategy": "no"}`` for a run that never needs resuming)."""
    from transformers import TrainingArguments

    steps_per_epoch = max(1, math.ceil(train_size / (recipe.batch_size * max(1, hw.count))))
    total = max(1, math.ceil(steps_per_epoch * recipe.epochs))
    every = max(1, math.ceil(steps_per_epoch / recipe.evals_per_epoch))
    every = min(every, total)
    on_gpu = hw.device != "cpu"
    # Weights are saved as safetensors: the only format transformers 5 writes.
    settings: dict[str, Any] = dict(
        output_dir=str(output_dir),
        num_train_epochs=recipe.epochs,
        learning_rate=recipe.learning_rate,
        per_device_train_batch_size=recipe.batch_size,
        per_device_eval_batch_size=recipe.eval_batch_size,
        warmup_steps=recipe.warmup_ratio,  # a float < 1 is a ratio of the total steps
        weight_decay=recipe.weight_decay,
        lr_scheduler_type=recipe.scheduler,
        eval_strategy="steps",
        eval_steps=every,
        save_strategy="steps",
        save_steps=every,
        save_total_limit=1,
        logging_strategy="steps",
        logging_steps=max(1, min(50, every // 4 or 1)),
        bf16=recipe.precision == "bf16",
        fp16=recipe.precision == "fp16",
        use_cpu=hw.device == "cpu",
        train_sampling_strategy="group_by_length" if recipe.group_by_length else "random",
        dataloader_num_workers=2 if on_gpu else 0,
        report_to="none",
        seed=recipe.seed,
        disable_tqdm=False,
    )
    settings.update(overrides or {})
    return TrainingArguments(**settings)


def _progress_callback(eta, desc: str = "Training"):
    from tqdm.auto import tqdm
    from transformers import TrainerCallback

    class Progress(TrainerCallback):
        """A bar for the training steps (loss, learning rate, time left from ``eta``), a
        second bar while an evaluation runs, eval results as lines."""

        def __init__(self) -> None:
            self.bar = None
            self.eval_bar = None
            self.postfix: dict[str, str] = {}

        def on_train_begin(self, args, state, control, **kwargs):
            self.bar = tqdm(
                total=state.max_steps,
                initial=state.global_step,
                desc=desc,
                unit="step",
                dynamic_ncols=True,
                # tqdm's own time-left guess divides by a rate that evaluations spoil.
                bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]",
            )

        def _refresh(self, state) -> None:
            left = eta.remaining(state)
            if left is not None:
                self.postfix["left"] = f"~{_minutes(left)}"
            self.bar.set_postfix(self.postfix, refresh=False)
            self.bar.update(state.global_step - self.bar.n)

        def on_step_end(self, args, state, control, **kwargs):
            if self.bar is not None:
                self._refresh(state)

        def on_prediction_step(self, args, state, control, eval_dataloader=None, **kwargs):
            if self.eval_bar is None:
                total = len(eval_dataloader) if eval_dataloader is not None else None
                self.eval_bar = tqdm(
                    total=total, desc="Evaluating", unit="batch", leave=False, dynamic_ncols=True
                )
            self.eval_bar.update(1)

        def _close_eval(self) -> None:
            if self.eval_bar is not None:
                self.eval_bar.close()
                self.eval_bar = None

        def on_evaluate(self, args, state, control, **kwargs):
            self._close_eval()
            if self.bar is not None:
                self._refresh(state)

        def on_predict(self, args, state, control, **kwargs):
            self._close_eval()

        def on_log(self, args, state, control, logs=None, **kwargs):
            logs = logs or {}
            if self.bar is not None and "loss" in logs:
                self.postfix["loss"] = f"{logs['loss']:.4f}"
                self.postfix["lr"] = f"{logs.get('learning_rate', 0):.1e}"
            if self.bar is not None and "eval_accuracy" in logs:
                self.bar.write(
                    f"  epoch {logs.get('epoch', 0):.2f}: eval loss {logs['eval_loss']:.4f}, "
                    f"accuracy {logs['eval_accuracy']:.4f}, F1 {logs.get('eval_f1', 0):.4f}"
                )

        def on_train_end(self, args, state, control, **kwargs):
            if self.bar is not None:
                self.bar.close()
                self.bar = None

    return Progress()


def freeze_word_embeddings(model) -> int:
    """Freeze the token-embedding table; returns how many parameters stopped training."""
    table = model.get_input_embeddings().weight
    table.requires_grad_(False)
    return table.numel()


def freeze_lower_layers(model, freeze_layers: int) -> int:
    """Freeze the lowest ``freeze_layers`` encoder layers (--freeze-layers); returns how
    many parameters stopped training. No gradient flows below the lowest layer that
    trains, so the backward pass stops there. The top layer always trains: the fp32 CPU
    recipe's default of 2 is sized for a 6-layer model, and a smaller --model must not
    end up with its whole encoder frozen."""
    from tutor.training.strategies import frozen_below, num_layers_of

    layers = num_layers_of(model.config)
    freeze_layers = min(freeze_layers, layers - 1)
    if freeze_layers <= 0:
        return 0
    count = 0
    for name, param in model.named_parameters():
        if frozen_below(name, layers, freeze_layers):
            param.requires_grad_(False)
            count += param.numel()
    return count


def freeze_for(model, recipe: Recipe) -> None:
    """What the recipe keeps fixed: the word embeddings, the lower encoder layers."""
    if recipe.freeze_embeddings:
        freeze_word_embeddings(model)
    freeze_lower_layers(model, recipe.freeze_layers)


def build_trainer(
    model,
    tokenizer,
    data: TextData,
    recipe: Recipe,
    hw: Hardware,
    output_dir: Path,
    *,
    progress: bool = True,
    estimate: dict[str, float] | None = None,
    optimizer=None,
    args_overrides: dict[str, Any] | None = None,
    progress_label: str = "Training",
):
    """A ready-to-train Trainer plus the callbacks that report back (interrupt, ETA).

    ``optimizer``: a ready-made one (e.g. with layer-wise learning rates) instead of the
    Trainer's AdamW; the recipe's schedule still drives it. ``args_overrides``: see
    :func:`build_training_args`. ``progress_label`` names the progress bar.
    ``estimate``: the plan's ``seconds_per_step`` and ``seconds_per_eval``, for the time
    left before the run has measured its own.

    ``trainer.last_eval`` holds the logits and labels of the latest evaluation, so that
    the run need not evaluate the final weights a second time to get them. Evaluation
    reads length-sorted batches, but every output (``evaluate``, ``predict``,
    ``last_eval``) comes back in the evaluation set's row order: row i of the logits is
    text i.
    """
    import numpy as np
    from transformers import DataCollatorWithPadding, Trainer
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    freeze_for(model, recipe)
    attention = choose_attention(hw, recipe.precision, recipe.max_length)
    if attention and model.config._attn_implementation != attention:
        model.set_attn_implementation(attention)
    train_ds, eval_ds = tokenize(data, tokenizer, recipe)
    # --mid-eval-samples: evaluations during training read a seeded sample (0: none);
    # the full set stays available for the final evaluation (trainer.full_eval_dataset).
    mid_eval_ds, overrides = mid_run_evaluation(eval_ds, recipe, args_overrides)
    args = build_training_args(recipe, hw, output_dir, len(train_ds), overrides)
    # Tensor cores want multiples of 8; on the CPU extra padding is pure waste.
    multiple = 8 if hw.device == "cuda" and recipe.precision != "fp32" else None
    collator = DataCollatorWithPadding(tokenizer, pad_to_multiple_of=multiple)
    num_labels = len(data.label_names)

    last_eval: dict[str, Any] = {}

    def compute_metrics(eval_pred) -> dict[str, float]:
        logits, labels = eval_pred
        return classification_metrics(labels, np.argmax(logits, axis=-1), num_labels)

    interrupt, eta = _callbacks(estimate)
    # Averaged weights are only in place after the last step: they need their own pass.
    eta.final_eval = recipe.average_from is not None

    class _Trainer(Trainer):
        # Wall seconds of every evaluate() call, whole (set-up and first batch included).
        evaluation_seconds: list[float]

        def evaluate(self, *args, **kwargs):
            start = time.perf_counter()
            try:
                with inference_attention(self.model):
                    return super().evaluate(*args, **kwargs)
            finally:
                self.evaluation_seconds.append(time.perf_counter() - start)

        def _get_eval_sampler(self, eval_dataset):
            # Longest first, so that each batch pads little; the order is remembered so
            # that the outputs can be put back in the data set's order.
            return _LengthSorted(eval_dataset)

        def evaluation_loop(self, dataloader, *args, **kwargs):
            output = super().evaluation_loop(dataloader, *args, **kwargs)
            # The sampler's order, recomputed from the rows (the dataloader may wrap the
            # sampler, e.g. to shard it over several processes).
            order = _length_order(dataloader.dataset)
            output = output._replace(
                predictions=in_data_order(output.predictions, order),
                label_ids=in_data_order(output.label_ids, order),
            )
            if output.predictions is not None:
                last_eval.update(logits=output.predictions, labels=output.label_ids)
            return output

    trainer = _Trainer(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=mid_eval_ds,
        processing_class=tokenizer,
        data_collator=collator,
        compute_metrics=compute_metrics,
        callbacks=[interrupt, eta],
        optimizers=(optimizer, None),
    )
    trainer.last_eval = last_eval
    trainer.full_eval_dataset = eval_ds
    trainer.evaluation_seconds = []
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    if progress:
        trainer.add_callback(_progress_callback(eta, progress_label))
    if recipe.average_from is not None:
        from tutor.training.averaging import average_callback

        trainer.add_callback(average_callback(recipe.average_from))
    return trainer, interrupt, eta


_ORDERS: dict[str, list[int]] = {}


def mid_run_evaluation(eval_ds, recipe: Recipe, overrides: dict[str, Any] | None):
    """The data set the evaluations during training read, and the TrainingArguments
    overrides that go with it: all of ``eval_ds`` (the default), a seeded sample of
    ``recipe.mid_eval_samples`` texts, or none at all (0: ``eval_strategy="no"``)."""
    n = recipe.mid_eval_samples
    if n is None or n >= len(eval_ds):
        return eval_ds, overrides
    if n == 0:
        return eval_ds, {**(overrides or {}), "eval_strategy": "no"}
    return eval_ds.shuffle(seed=recipe.seed).select(range(n)), overrides


def _length_order(dataset) -> list[int]:
    """Row indices of a tokenised data set, longest input first (ties in row order).
    Remembered per data set fingerprint: each evaluation asks twice."""
    key = getattr(dataset, "_fingerprint", None)
    if key is not None and key in _ORDERS and len(_ORDERS[key]) == len(dataset):
        return _ORDERS[key]
    lengths = [len(x) for x in dataset["input_ids"]]
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    if key is not None:
        _ORDERS.clear()  # one evaluation set at a time is enough
        _ORDERS[key] = order
    return order


class _LengthSorted:
    """An evaluation sampler: every row once, longest first. Unlike the Trainer's
    length-grouped sampler (random groups) its order is known, so :func:`in_data_order`
    can undo it."""

    def __init__(self, dataset) -> None:
        self.order = _length_order(dataset)

    def __iter__(self):
        return iter(self.order)

    def __len__(self) -> int:
        return len(self.order)


def in_data_order(outputs, order: list[int]):
    """Evaluation outputs that came in ``order`` (output k is row ``order[k]``), put back
    in row order: output i then belongs to text i. Tuples of arrays are reordered each."""
    import numpy as np

    if outputs is None:
        return None
    if isinstance(outputs, (tuple, list)):
        return type(outputs)(in_data_order(x, order) for x in outputs)
    outputs = np.asarray(outputs)
    if len(outputs) != len(order):
        raise RuntimeError(
            f"evaluation returned {len(outputs)} outputs for {len(order)} rows: "
            "cannot tell which output belongs to which text"
        )
    restored = np.empty_like(outputs)
    restored[np.asarray(order, dtype=np.int64)] = outputs
    return restored


@contextlib.contextmanager
def no_library_bars() -> Iterator[None]:
    """Hide transformers' own progress bars (e.g. "Writing model shards" at every
    checkpoint save) while ours run: two bars fighting over a line leave stray escape
    codes in the terminal."""
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if bars:
            hf_logging.enable_progress_bar()


def latest_checkpoint(output_dir: Path) -> Path | None:
    found = [p for p in output_dir.glob("checkpoint-*") if p.name.split("-")[-1].isdigit()]
    return max(found, key=lambda p: int(p.name.split("-")[-1])) if found else None


def train(trainer, interrupt, eta, resume_from: Path | None = None) -> TrainOutcome:
    from tutor.training.averaging import averaged_snapshots

    evaluated = getattr(trainer, "evaluation_seconds", [])
    before = len(evaluated)
    t0 = time.perf_counter()
    with no_library_bars():
        output = trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    seconds = time.perf_counter() - t0
    state = trainer.state
    # Evaluations run inside train(): their time is neither training time nor speed.
    evaluating = sum(evaluated[before:])
    training = max(seconds - evaluating, 1e-9)
    runtime = float(output.metrics.get("train_runtime", seconds))
    samples = float(output.metrics.get("train_samples_per_second", 0.0)) * runtime
    return TrainOutcome(
        interrupted=interrupt.requested,
        global_step=state.global_step,
        max_steps=state.max_steps,
        train_seconds=training,
        train_samples_per_second=samples / training,
        eval_seconds=evaluating,
        evaluations=len(evaluated) - before,
        log_history=list(state.log_history),
        checkpoint_dir=latest_checkpoint(Path(trainer.args.output_dir)),
        extra={
            "eval_times": dict(eta.eval_times),
            "eval_seconds": list(eta.eval_seconds),
            "averaged_snapshots": averaged_snapshots(trainer.callback_handler.callbacks),
            "skipped_evaluations": list(eta.skipped),
        },
    )
