"""How well the free-text feedback (tutor/grading/) agrees with human grades, and how
long it takes. A benchmark, not a test: it prints figures and asserts nothing.

    python bench/grading.py                 # quality: held-out half, then tuning half
    python bench/grading.py --part speed    # timings
    python bench/grading.py --verbose       # every answer, every key point

The answers are in bench/grading_answers/ (written by several authors who saw only the
question, never the key points; graded good / partial / wrong) and the key points come
from the shipped bank. They are split BY QUESTION, with a fixed seed, into a tuning half
and a held-out half: the weights in tutor/grading/weights.json were fitted on the
tuning half (and on tests/fixtures/grading/answers.yaml's answers to its questions) only,
by bench/grader_fit.py, which also prints the tuning half's cross-validated figures. The
held-out figures are the ones that count; the tuning half is printed for contrast (graded
by weights fitted on it, so better than an unseen question would be).

Figures per half: Spearman's rank correlation of the expected score with the human
grade (good=2, partial=1, wrong=0); the mean score per grade; the verdicts: wrong
answers counted right by the grader (target 0), good answers counted missed by the
grader (target 0), and answers left to the learner's self-check (abstentions); and the
score of keyword lists (target 0).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = ROOT / "bench" / "grading_answers"
OLD = ROOT / "tests" / "fixtures" / "grading" / "answers.yaml"
GRADES = {"good": 2, "partial": 1, "wrong": 0}
SPLIT_SEED = 27  # fixed: which questions are held out never changes with tuning
KEYWORDS = ("keyword", "stuffing")  # answer kinds that are term lists


@dataclass
class Row:
    question: str
    author: str
    kind: str
    grade: int
    text: str
    feedback: Any = None


def bank_questions() -> dict[str, Any]:
    from tutor.question_bank import load_bank
    from tutor.questions import FreeText

    return {q.id: q for q in load_bank() if isinstance(q, FreeText)}


def load_rows() -> list[Row]:
    rows = []
    for path in sorted(ANSWERS.glob("author*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for answer in data["answers"]:
            rows.append(
                Row(
                    answer["question"],
                    data.get("author", path.stem),
                    answer["kind"],
                    GRADES[answer["grade"]],
                    answer["text"],
                )
            )
    return rows


def split(question_ids: list[str]) -> tuple[set[str], set[str]]:
    """(tuning, held-out) question ids: half each, fixed by :data:`SPLIT_SEED`."""
    ids = sorted(question_ids)
    tuning = set(random.Random(SPLIT_SEED).sample(ids, len(ids) // 2))
    return tuning, set(ids) - tuning


def old_rows() -> tuple[list[Row], dict[str, list[str]]]:
    """The 88 answers of tests/fixtures/grading (tuning data), with their key points."""
    data = yaml.safe_load(OLD.read_text(encoding="utf-8"))
    to_grade = {"good": 2, "paraphrase": 2, "partial": 1}
    rows, points = [], {}
    for q in data["questions"]:
        points[f"old:{q['id']}"] = q["key_points"]
        for a in q["answers"]:
            rows.append(
                Row(f"old:{q['id']}", "fixture", a["kind"], to_grade.get(a["kind"], 0), a["text"])
            )
    return rows, points


def cross_encoder_rescore(
    path: Path, mix: float, rows: list[Row], points: dict[str, list[str]]
) -> Any:
    """A ``rescore`` for grading.grade: ``mix`` x the cross-encoder's score of (unit, key
    point) + (1 - mix) x the cosine, all pairs scored in one batched pass first."""
    import numpy as np

    from tutor import grading
    from tutor.grading.cross_encoder import PairScorer

    pairs = list(
        dict.fromkeys(
            (u, p) for r in rows for u in grading.clauses(r.text) for p in points[r.question]
        )
    )
    scores = dict(zip(pairs, PairScorer(path).score(pairs), strict=True))

    def rescore(texts: list[str], key_points: list[str], cosine: Any) -> Any:
        ce = np.array([[scores[(t, p)] for p in key_points] for t in texts])
        return mix * ce + (1.0 - mix) * np.asarray(cosine)

    return rescore


def grade_all(
    rows: list[Row],
    points: dict[str, list[str]],
    texts_of: dict[str, tuple[str, str]],
    rescore: Any = None,
) -> None:
    """Grade every row; ``texts_of`` maps a question to its (prompt, model answer)."""
    from tutor import grading

    encoder = grading.load_encoder()
    texts = [p for ps in points.values() for p in ps]
    texts += [t for pair in texts_of.values() for t in pair]
    texts += [c for r in rows for c in grading.clauses(r.text)]
    texts += [" ".join(grading.clauses(r.text)) for r in rows]
    encoder.encode(texts)  # one batched pass; grading then reads the cache
    for row in rows:
        prompt, model_answer = texts_of.get(row.question, ("", ""))
        row.feedback = grading.grade(
            points[row.question],
            row.text,
            encoder,
            prompt=prompt,
            model_answer=model_answer,
            rescore=rescore,
        )


def report(title: str, rows: list[Row]) -> None:
    from scipy.stats import spearmanr

    from tutor.grading import PASS_MARK

    questions = sorted({r.question for r in rows})
    print(f"\n{title}: {len(rows)} answers to {len(questions)} questions")
    if not rows:
        return
    rho = spearmanr([r.grade for r in rows], [r.feedback.estimate for r in rows]).statistic
    rho_score = spearmanr([r.grade for r in rows], [r.feedback.score for r in rows]).statistic
    print(
        f"  Spearman with the grades: {rho:.3f} (expected score); {rho_score:.3f} (confident score)"
    )
    names = {2: "good", 1: "partial", 0: "wrong"}
    for grade in (2, 1, 0):
        sel = [r for r in rows if r.grade == grade]
        if not sel:
            continue
        verdicts = Counter(r.feedback.suggested for r in sel)
        print(
            f"  {names[grade]:<8} n={len(sel):<4} mean expected {statistics.mean(r.feedback.estimate for r in sel):.2f}, "
            f"confident {statistics.mean(r.feedback.score for r in sel):.2f}; "
            f"verdict right {verdicts[True]}, missed {verdicts[False]}, self-check {verdicts[None]}"
        )
    kinds = sorted(
        {r.kind for r in rows},
        key=lambda k: (-statistics.mean(r.grade for r in rows if r.kind == k), k),
    )
    print("  per kind (mean expected / confident score):")
    for kind in kinds:
        sel = [r for r in rows if r.kind == kind]
        print(
            f"    {kind:<20} n={len(sel):<3} {statistics.mean(r.feedback.estimate for r in sel):.2f} / "
            f"{statistics.mean(r.feedback.score for r in sel):.2f}"
        )
    wrong_pass = [r for r in rows if r.grade == 0 and r.feedback.suggested is True]
    good_fail = [r for r in rows if r.grade == 2 and r.feedback.suggested is False]
    abstain = sum(r.feedback.suggested is None for r in rows)
    unsure_points = sum(len(r.feedback.unsure) for r in rows)
    all_points = sum(len(r.feedback.points) for r in rows)
    print(
        f"  wrong answers counted right (score >= {PASS_MARK}) by the grader: {len(wrong_pass)} (target 0)"
    )
    print(f"  good answers counted missed by the grader: {len(good_fail)} (target 0)")
    print(
        f"  abstention: {abstain}/{len(rows)} answers ({abstain / len(rows):.0%}) left to the self-check; "
        f"{unsure_points}/{all_points} key points unsure ({unsure_points / all_points:.0%})"
    )
    wrong_points = [p for r in rows if r.grade == 0 for p in r.feedback.points]
    print(
        f"  key points of wrong answers credited as covered: "
        f"{sum(p.covered for p in wrong_points)}/{len(wrong_points)}"
    )
    keyword = [r for r in rows if any(k in r.kind for k in KEYWORDS)]
    if keyword:
        print(
            f"  keyword lists: n={len(keyword)}, confident score max {max(r.feedback.score for r in keyword):.2f}, "
            f"expected max {max(r.feedback.estimate for r in keyword):.2f}, "
            f"counted right {sum(r.feedback.suggested is True for r in keyword)} (target 0)"
        )
    for r in wrong_pass + good_fail:
        print(
            f"    ! {r.question} [{r.author} {r.kind} grade {r.grade}] score {r.feedback.score:.2f}: {r.text[:90]!r}"
        )


def verbose(rows: list[Row]) -> None:
    for r in rows:
        f = r.feedback
        print(
            f"\n{f.estimate:.2f} ({f.score:.2f}, {f.suggested}) grade {r.grade} {r.kind} {r.question} [{r.author}]"
        )
        print(f"   {r.text[:300]!r}")
        for p in f.points:
            mark = {"covered": "+", "missed": "-", "unsure": "?"}[p.status]
            print(
                f"      {mark} {p.similarity:.2f} {p.point[:55]!r} <- {str(p.clause)[:70]!r} {p.problem or ''}"
            )
        if f.notes:
            print(f"      notes: {f.notes}")


def quality(args: argparse.Namespace) -> None:
    bank = bank_questions()
    rows = load_rows()
    tuning, held_out = split(sorted({r.question for r in rows}))
    points = {qid: list(q.key_points) for qid, q in bank.items()}
    texts_of = {qid: (q.prompt, q.model_answer) for qid, q in bank.items()}
    old, old_points = old_rows()
    points.update(old_points)
    # The old fixture's questions are the bank's, with the key points of their time.
    texts_of.update({qid: texts_of[qid[4:]] for qid in old_points if qid[4:] in texts_of})
    rescore = None
    if args.cross_encoder:
        rescore = cross_encoder_rescore(args.cross_encoder, args.mix, rows + old, points)
        print(f"cross-encoder {args.cross_encoder}, mix {args.mix}")
    grade_all(rows + old, points, texts_of, rescore)
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; "
        f"split seed {SPLIT_SEED}"
    )
    print(f"held-out questions: {', '.join(sorted(held_out))}")
    report("HELD-OUT half (never tuned on)", [r for r in rows if r.question in held_out])
    report("tuning half", [r for r in rows if r.question in tuning])
    report("old fixture (its answers to tuning-half questions are tuning data)", old)
    if args.verbose:
        verbose(
            [r for r in rows + old if args.verbose == "all" or r.question in tuning or r in old]
        )


SPEED_SNIPPET = """
import sys, time
t0 = time.perf_counter()
from click.testing import CliRunner
from tutor.cli import cli
r = CliRunner().invoke(cli, ["questions", "grade", sys.argv[1], sys.argv[2], "--json"])
print(f"{time.perf_counter() - t0:.2f} {'torch' in sys.modules} {r.exit_code}")
"""


def speed(args: argparse.Namespace) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    print("`tutor questions grade` in a fresh process (wall clock, import included):")
    for label, answer in (
        ("empty answer", " "),
        ("off-topic answer", "My favourite pasta has fresh basil, garlic and olive oil."),
        ("on-topic answer", "Each token gets a query, a key and a value vector."),
    ):
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", SPEED_SNIPPET, "explain-self-attention", answer],
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
        wall = time.perf_counter() - t0
        inner, torch, code = (out.stdout.strip().splitlines() or ["? ? ?"])[-1].split()
        print(
            f"  {label:<17} {wall:.2f} s (in process {inner} s), torch imported: {torch}, exit {code}"
        )

    from tutor import grading

    bank = bank_questions()
    q = bank["explain-self-attention"]
    answer = (
        "Every token is turned into a query, a key and a value. A token's query is compared "
        "with all keys by dot products, divided by the square root of the dimension, and a "
        "softmax gives weights that sum to one; the output is the weighted sum of the values."
    )
    t0 = time.perf_counter()
    loader = grading.BackgroundLoader()
    loader.start()
    encoder = loader.get()
    loaded = time.perf_counter() - t0
    t1 = time.perf_counter()
    grading.grade(q.key_points, answer, encoder, prompt=q.prompt, model_answer=q.model_answer)
    first = time.perf_counter() - t1
    times = []
    for other in list(bank.values())[:10]:
        text = f"{other.model_answer} Also, it depends."
        t2 = time.perf_counter()
        grading.grade(
            other.key_points, text, encoder, prompt=other.prompt, model_answer=other.model_answer
        )
        times.append(time.perf_counter() - t2)
    print(
        f"\nquiz: encoder loads in the background in {loaded:.2f} s (while the learner reads and types)"
    )
    print(
        f"  first answer once loaded: {first:.2f} s; next answers (new key points): median {statistics.median(times):.2f} s, max {max(times):.2f} s"
    )
    for typing in (10, 20, 30):
        wait = max(0.0, loaded - typing) + first
        print(
            f"  first feedback after Enter if the learner types for {typing} s: {wait:.2f} s (target <= 3 s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("quality", "speed"), default="quality")
    parser.add_argument("--verbose", nargs="?", const="tuning", choices=("tuning", "all"),
                        help="Every tuning answer (or all) with its key points.")  # fmt: skip
    parser.add_argument("--cross-encoder", type=Path, metavar="PATH",
                        help="Score (clause, key point) pairs with this cross-encoder "
                        "(tutor/grading/cross_encoder.py) too (an experiment).")  # fmt: skip
    parser.add_argument("--mix", type=float, default=1.0,
                        help="Weight of the cross-encoder against the cosine (default 1).")  # fmt: skip
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    quality(args) if args.part == "quality" else speed(args)


if __name__ == "__main__":
    main()
