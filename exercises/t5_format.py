"""Exercise `t5_format`: GLUE tasks as text-to-text, and T5's outputs back to labels.

Fill in `to_text` and `from_text`, then run `tutor check t5_format` (or press Run tests in
the lesson page). Stuck? `tutor hint t5_format`.

The tasks and their examples (dicts, as in the GLUE data sets):

- "sst2": {"sentence": str, "label": 0 negative | 1 positive}
- "cola": {"sentence": str, "label": 0 unacceptable | 1 acceptable}
- "stsb": {"sentence1": str, "sentence2": str, "label": float from 0 to 5}
- "mnli": {"premise": str, "hypothesis": str,
           "label": 0 entailment | 1 neutral | 2 contradiction}
"""

from __future__ import annotations

LABEL_WORDS = {
    "sst2": ["negative", "positive"],
    "cola": ["unacceptable", "acceptable"],
    "mnli": ["entailment", "neutral", "contradiction"],
}


def to_text(task: str, example: dict) -> tuple[str, str]:
    """``(input_text, target_text)`` for T5: the task prefix, then the fields, as in
    "sst2 sentence: ...", "cola sentence: ...", "stsb sentence1: ... sentence2: ...",
    "mnli hypothesis: ... premise: ...". The target is the label's word; for stsb the score
    rounded to the nearest 0.2 and written with one decimal ("3.8"). Raise ValueError for
    an unknown task."""
    # TODO
    raise NotImplementedError("TODO: implement to_text")


def from_text(task: str, text: str) -> int | float | None:
    """The label a generated ``text`` stands for: the class index, or for stsb the float;
    None when the text is not a valid output (it then counts as wrong). Ignore white space
    around the text."""
    # TODO
    raise NotImplementedError("TODO: implement from_text")
