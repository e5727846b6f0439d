"""The question bank: the files of questions, loaded and checked, every problem reported.

A question file is YAML::

    format_version: 1
    questions:
      - id: softmax-outputs-sum
        level: easy
        topics: [softmax]
        type: single_choice
        prompt: "..."
        choices:
          - {text: "1", why: "..."}
          - {text: "0", why: "..."}
        answer: 0
        explanation: "..."
        lesson: lessons/day07-bert.md#softmax
        source: "Devlin et al. 2019, 3.1"     # optional

:func:`load_bank` validates every file and raises :class:`tutor.errors.ValidationError`
listing all problems at once, each as ``FILE:LINE: question 'ID' field 'FIELD': message``
where LINE is the line of the offending key or list item in the YAML source. What each
question type holds is in :mod:`tutor.questions`; the levels and topics are course data.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from tutor import course
from tutor import paths as tutor_paths
from tutor.errors import UsageError, ValidationError
from tutor.lesson_links import docs_dir_for, lesson_link_problem
from tutor.questions import (
    FORMAT_VERSION,
    QUESTION_ADAPTER,
    QUESTION_MODELS,
    TYPES,
    CommonFields,
    Question,
    SingleChoice,
)
from tutor.yaml_lines import child as _child
from tutor.yaml_lines import display as _display
from tutor.yaml_lines import duplicate_keys as _duplicate_keys
from tutor.yaml_lines import field_name as _field_name
from tutor.yaml_lines import first as _first
from tutor.yaml_lines import is_problem, parse, read_text
from tutor.yaml_lines import kind as _kind
from tutor.yaml_lines import line as _line

# At most this share of single-choice questions may have the longest option right.
LONGEST_RIGHT_TARGET = 0.40


# --------------------------------------------------------------------------- the bank


@dataclass(frozen=True)
class Bank:
    """A validated set of questions, in file order.

    ``locations`` maps each question id to the (file, 1-based line) where it starts.
    """

    questions: tuple[Question, ...]
    files: tuple[Path, ...] = ()
    locations: Mapping[str, tuple[Path, int]] = field(default_factory=dict)
    # The docs/ folders the lesson links were checked against (empty: not checked).
    docs_checked: tuple[Path, ...] = ()

    def __len__(self) -> int:
        return len(self.questions)

    def __iter__(self) -> Iterator[Question]:
        return iter(self.questions)

    def __contains__(self, question_id: object) -> bool:
        return any(q.id == question_id for q in self.questions)

    def get(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def filter(self, level: str | None = None, topic: str | None = None) -> Bank:
        """The questions of ``level`` and tagged ``topic`` (None = any).

        An unknown level or topic is a :class:`UsageError` naming the valid ones.
        """
        levels, topics = course.level_ids(), course.topic_ids()
        if level is not None and level not in levels:
            raise UsageError(f"Unknown level '{level}': choose {' or '.join(levels)}.")
        if topic is not None and topic not in topics:
            raise UsageError(f"Unknown topic '{topic}'. The topics are: {', '.join(topics)}.")
        kept = tuple(
            q
            for q in self.questions
            if (level is None or q.level == level) and (topic is None or topic in q.topics)
        )
        return Bank(kept, self.files, self.locations)

    def count_by_level(self) -> dict[str, int]:
        return {lv: sum(q.level == lv for q in self.questions) for lv in course.level_ids()}

    def longest_right(self) -> tuple[int, int]:
        """(single-choice questions whose right option is strictly the longest text, all
        single-choice questions): a learner who always picks the longest option should not
        score well (the bank aims at no more than :data:`LONGEST_RIGHT_TARGET`)."""
        singles = [q for q in self.questions if isinstance(q, SingleChoice)]
        longest = 0
        for q in singles:
            right = len(q.choices[q.answer].text.strip())
            others = [len(c.text.strip()) for i, c in enumerate(q.choices) if i != q.answer]
            longest += right > max(others)
        return longest, len(singles)


def question_files(directory: Path) -> list[Path]:
    """The ``*.yaml`` question files of ``directory``, sorted by name."""
    return sorted(p for p in directory.glob("*.yaml") if p.is_file())


def load_bank(paths: list[Path] | None = None, *, check_links: bool = False) -> Bank:
    """Load and validate question files (default: every ``*.yaml`` in the shipped bank).

    A directory in ``paths`` stands for its ``*.yaml`` files. Raises
    :class:`tutor.errors.ValidationError` carrying every problem found in every file.
    ``check_links`` also checks each lesson link against the ``docs/`` folder of the
    checkout the file is in (see :func:`docs_dir_for`); files with none are not checked.
    """
    course.load()  # the levels and topics questions are checked against: its problems first
    if paths is None:
        directory = tutor_paths.questions_dir()
        files = question_files(directory)
        if not files:
            raise ValidationError([f"{_display(directory)}: no question files (*.yaml)"])
    else:
        files = []
        for path in paths:
            path = Path(path)
            if path.is_dir():
                found = question_files(path)
                if not found:
                    raise ValidationError([f"{_display(path)}: no question files (*.yaml)"])
                files.extend(found)
            else:
                files.append(path)

    problems: list[str] = []
    questions: list[Question] = []
    locations: dict[str, tuple[Path, int]] = {}
    docs_checked: dict[Path, None] = {}
    for path in files:
        docs = docs_dir_for(path) if check_links else None
        if docs is not None:
            docs_checked[docs] = None
        file_problems, entries = _load_file(path, docs)
        for qid, line, question in entries:
            if qid in locations:  # checked on invalid questions too
                first_path, first_line = locations[qid]
                file_problems.append(
                    (
                        line,
                        f"question '{qid}' field 'id': duplicate id; "
                        f"also defined at {_display(first_path)}:{first_line}",
                    )
                )
                continue
            locations[qid] = (path, line)
            if question is not None:
                questions.append(question)
        where = _display(path)
        problems.extend(f"{where}:{line}: {msg}" for line, msg in sorted(file_problems, key=_first))
    if problems:
        raise ValidationError(problems)
    return Bank(tuple(questions), tuple(files), locations, tuple(docs_checked))


# --------------------------------------------------------------------------- loading one file


def _load_file(
    path: Path, docs: Path | None = None
) -> tuple[list[tuple[int, str]], list[tuple[str, int, Question | None]]]:
    """([(line, problem)], [(id, line of its id key, the question if valid)]) for one file."""
    text = read_text(path)
    if not isinstance(text, str):
        return [text], []

    parsed = parse(text)
    if is_problem(parsed):
        return [parsed], []  # type: ignore[list-item]
    root, data = parsed  # type: ignore[misc]

    problems: list[tuple[int, str]] = []
    problems.extend(_duplicate_keys(root))
    if root is None or not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        line = root.start_mark.line + 1 if root is not None else 1
        what = "empty" if root is None else f"{_kind(data)}"
        problems.append(
            (line, f"the file is {what}; it must be a mapping with format_version and questions")
        )
        return problems, []

    for key in data:
        if key not in ("format_version", "questions"):
            problems.append(
                (
                    _line(root, (key,)),
                    f"field '{key}': unknown key; a question file takes: format_version, questions",
                )
            )
    version = data.get("format_version")
    if "format_version" not in data:
        problems.append(
            (
                1,
                f"field 'format_version': missing; start the file with "
                f"'format_version: {FORMAT_VERSION}'",
            )
        )
    elif type(version) is not int or version != FORMAT_VERSION:
        problems.append(
            (
                _line(root, ("format_version",)),
                f"field 'format_version': {version!r} is not supported "
                f"(this bert-tutor reads format_version {FORMAT_VERSION})",
            )
        )

    found: list[tuple[str, int, Question | None]] = []
    items = data.get("questions")
    if "questions" not in data:
        problems.append(
            (_line(root, ()), "field 'questions': missing; list the questions under 'questions:'")
        )
    elif not isinstance(items, list):
        problems.append(
            (
                _line(root, ("questions",)),
                f"field 'questions': must be a list of questions, not {_kind(items)}",
            )
        )
    else:
        qnodes = _child(root, "questions")
        for index, item in enumerate(items):
            qnode = (
                qnodes.value[index]
                if isinstance(qnodes, yaml.SequenceNode) and index < len(qnodes.value)
                else root
            )
            question, qproblems = _validate_question(item, qnode, index)
            problems.extend(qproblems)
            if question is not None and docs is not None:
                broken = lesson_link_problem(question.lesson, docs)
                if broken:
                    where = _line(qnode, ("lesson",))
                    problems.append((where, f"question '{question.id}' field 'lesson': {broken}"))
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                found.append((item["id"], _line(qnode, ("id",)), question))
    return problems, found


def _validate_question(
    item: Any, node: yaml.Node, index: int
) -> tuple[Question | None, list[tuple[int, str]]]:
    label = (
        f"question '{item['id']}'"
        if isinstance(item, dict) and isinstance(item.get("id"), str)
        else f"question #{index + 1}"
    )
    if not isinstance(item, dict):
        return None, [(node.start_mark.line + 1, f"{label}: must be a mapping, not {_kind(item)}")]
    try:
        return QUESTION_ADAPTER.validate_python(item), []
    except PydanticValidationError as exc:
        errors = exc.errors(include_url=False)
    except (RecursionError, TypeError, ValueError) as exc:  # e.g. a self-referencing alias
        return None, [(node.start_mark.line + 1, f"{label}: cannot validate: {exc}")]

    qtype = item.get("type")
    if isinstance(qtype, (list, dict)):  # no type name, and unhashable: shown as written
        qtype = _kind(qtype)
    if any(err["type"].startswith("union_tag") for err in errors):
        # Without a known type only the type is reported by the union; the fields every
        # question has are checked too, so one run lists all that is wrong.
        try:
            CommonFields.model_validate(item)
        except PydanticValidationError as exc:
            errors += exc.errors(include_url=False)
    problems = []
    for err in errors:
        loc = tuple(err["loc"])
        kind = err["type"]
        if kind.startswith("union_tag"):
            loc = ("type",)
        elif loc and loc[0] in QUESTION_MODELS:
            loc = loc[1:]
        ctx = err.get("ctx") or {}
        at = ctx.get("at")
        if isinstance(at, tuple):
            loc = loc + at
        message = _message(err, loc, qtype)
        problems.append((_line(node, loc), f"{label} field '{_field_name(loc)}': {message}"))
    return None, problems


_KEY_ORDER = (
    *("id", "level", "topics", "type", "prompt", "choices", "answer", "tolerance", "unit"),
    *("model_answer", "key_points", "explanation", "lesson", "source"),
)


def _allowed_keys(model: type[BaseModel]) -> str:
    return ", ".join(key for key in _KEY_ORDER if key in model.model_fields)


def _message(err: Any, loc: tuple[Any, ...], qtype: Any) -> str:
    kind = err["type"]
    value = err.get("input")
    if kind == "missing":
        return "missing" + (f" (a {qtype} question needs it)" if qtype in QUESTION_MODELS else "")
    if kind == "extra_forbidden":
        if len(loc) >= 2 and loc[0] == "choices":
            return "unknown key; a choice takes: text, why"
        if qtype in QUESTION_MODELS:
            return f"unknown key; a {qtype} question takes: {_allowed_keys(QUESTION_MODELS[qtype])}"
        return "unknown key"
    if kind == "union_tag_not_found":
        return f"missing; one of: {', '.join(TYPES)}"
    if kind == "union_tag_invalid":
        return f"unknown type {qtype!r}; one of: {', '.join(TYPES)}"
    if kind == "literal_error":
        return f"must be {err['ctx']['expected']}, not {value!r}"
    if kind == "string_type" and value is None:
        return "must not be empty"
    if kind == "string_type":
        quote = isinstance(value, (bool, int, float)) or value is None
        hint = "; quote it in YAML" if quote else ""
        return f"must be text, not {_kind(value)}{hint}"
    if kind in ("int_type", "int_from_float"):
        return f"must be an integer (a choice index from 0), not {_kind(value)}"
    if kind == "bool_type":
        return f"must be true or false, not {_kind(value)}"
    if kind == "float_type":
        return f"must be a number, not {_kind(value)}"
    if kind == "finite_number":
        return "must be a finite number"
    if kind == "list_type":
        return f"must be a list, not {_kind(value)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        if loc and loc[0] == "choices":
            return f"a choice must be a mapping {{text, why}}, not {_kind(value)}"
        return f"must be a mapping, not {_kind(value)}"
    msg = str(err.get("msg", kind))
    return msg[:1].lower() + msg[1:]
