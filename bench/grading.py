"""How well the free-text feedback (tutor/grading.py) ranks labelled answers, and how
long it takes. A benchmark, not a test: it prints figures and asserts nothing.

    python bench/grading.py [--fixtures tests/fixtures/grading/answers.yaml] [--verbose]

Prints the mean score per kind of answer, Spearman's rank correlation between score
and grade, how many stuffing or wrong answers score at or above the weakest good answer
to the same question (target: none), and the time to the first feedback (loading torch,
transformers and the model, then grading one answer) and per answer after that.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "tests" / "fixtures" / "grading" / "answers.yaml"
KINDS = ("good", "paraphrase", "partial", "stuffing", "wrong", "off_topic")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=Path, default=DEFAULT)
    parser.add_argument("--verbose", action="store_true", help="Every answer's score.")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    data = yaml.safe_load(args.fixtures.read_text(encoding="utf-8"))
    grades = data["grades"]

    start = time.perf_counter()
    from tutor import grading

    encoder = grading.load_encoder()
    loaded = time.perf_counter()
    first = data["questions"][0]
    grading.grade(first["key_points"], first["answers"][0]["text"], encoder)
    first_feedback = time.perf_counter()

    rows = []  # (question id, kind, grade, score, feedback)
    per_answer = []
    for question in data["questions"]:
        for answer in question["answers"]:
            t0 = time.perf_counter()
            # a fresh cache for the answer (key points stay cached, as in a quiz)
            encoder._cache = {
                p: encoder._cache[p] for p in question["key_points"] if p in encoder._cache
            }
            feedback = grading.grade(question["key_points"], answer["text"], encoder)
            per_answer.append(time.perf_counter() - t0)
            rows.append(
                (question["id"], answer["kind"], grades[answer["kind"]], feedback.score, feedback)
            )

    print(
        f"{len(data['questions'])} questions, {len(rows)} answers; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    print("\nmean score per kind (min-max)")
    for kind in KINDS:
        scores = [r[3] for r in rows if r[1] == kind]
        if scores:
            print(
                f"  {kind:<11} grade {grades[kind]}  {statistics.mean(scores):.3f}  "
                f"({min(scores):.2f}-{max(scores):.2f}, n={len(scores)})"
            )
    from scipy.stats import spearmanr

    rho = spearmanr([r[2] for r in rows], [r[3] for r in rows]).statistic
    print(f"\nSpearman rank correlation of score with grade: {rho:.3f}")

    by_question = defaultdict(list)
    for row in rows:
        by_question[row[0]].append(row)
    above = []
    for qid, qrows in by_question.items():
        weakest_good = min(r[3] for r in qrows if r[1] == "good")
        above += [
            (qid, r[1], r[3], weakest_good)
            for r in qrows
            if r[1] in ("stuffing", "wrong") and r[3] >= weakest_good
        ]
    bad = [r for r in rows if r[1] in ("stuffing", "wrong")]
    print(
        f"stuffing or wrong answers at or above the weakest good answer to the same question: "
        f"{len(above)} of {len(bad)}"
    )
    for qid, kind, score, weakest in above:
        print(f"  {qid}: {kind} {score:.2f} >= good {weakest:.2f}")
    global_weakest = min(r[3] for r in rows if r[1] == "good")
    print(
        f"  (against the weakest good answer overall, {global_weakest:.2f}: "
        f"{sum(r[3] >= global_weakest for r in bad)})"
    )
    suggested = defaultdict(int)
    for row in rows:
        suggested[row[1]] += row[4].suggested
    print(
        f"suggested 'right' (score >= {grading.PASS_MARK}): "
        + ", ".join(f"{k} {suggested[k]}/{sum(r[1] == k for r in rows)}" for k in KINDS)
    )

    print("\ntimings (this machine, wall clock)")
    print(f"  load torch + transformers + model: {loaded - start:.2f} s")
    print(f"  time to first feedback (load + first answer): {first_feedback - start:.2f} s")
    print(
        f"  per answer (key points cached): median {statistics.median(per_answer) * 1000:.0f} ms, "
        f"max {max(per_answer) * 1000:.0f} ms"
    )
    if args.verbose:
        print()
        for qid, kind, _, score, feedback in rows:
            print(f"{score:.2f}  {kind:<10} {qid}")
            for p in feedback.points:
                mark = "+" if p.covered else ("!" if p.problem else "-")
                print(
                    f"      {mark} {p.similarity:.2f} {p.credit:+.2f} {p.point[:50]!r} <- {str(p.clause)[:60]!r} {p.problem or ''}"
                )
            if feedback.notes:
                print(f"      notes: {feedback.notes}")


if __name__ == "__main__":
    main()
