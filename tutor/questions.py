"""The interview question bank: pydantic models and a loader that reports every problem.

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
where LINE is the line of the offending key or list item in the YAML source.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationInfo,
    field_validator,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from tutor import paths as tutor_paths
from tutor.errors import UsageError, ValidationError

FORMAT_VERSION = 1

LEVELS: tuple[str, ...] = ("easy", "medium")
TOPICS: tuple[str, ...] = (
    "pretraining-finetuning",
    "transfer-learning",
    "bert-architecture",
    "bert-inputs",
    "mlm",
    "nsp",
    "softmax",
    "cross-entropy",
    "bidirectionality",
    "model-comparison",
    "t5",
    "fine-tuning-practice",
    "task-heads",
    "evaluation",
    "self-attention",
    "hf-api",
    "production",
)
TYPES: tuple[str, ...] = (
    "single_choice",
    "multiple_choice",
    "true_false",
    "numeric",
    "free_text",
)

Level = Literal["easy", "medium"]
Topic = Literal[
    "pretraining-finetuning",
    "transfer-learning",
    "bert-architecture",
    "bert-inputs",
    "mlm",
    "nsp",
    "softmax",
    "cross-entropy",
    "bidirectionality",
    "model-comparison",
    "t5",
    "fine-tuning-practice",
    "task-heads",
    "evaluation",
    "self-attention",
    "hf-api",
    "production",
]
assert get_args(Level) == LEVELS and get_args(Topic) == TOPICS

_SLUG = re.compile(r"[a-z0-9-]+")
_LESSON = re.compile(r"(?!/)[^#\s]+\.md#[^#\s]+")
_MAX_CHOICES = 26  # lettered a-z in the quiz
# At most this share of single-choice questions may have the longest option right.
LONGEST_RIGHT_TARGET = 0.40


# --------------------------------------------------------------------------- models


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be empty")
    # Control characters (a YAML "\a" or "\x1b" escape) would reach the learner's
    # terminal as bells or escape sequences; line breaks and tabs are text.
    bad = next((ch for ch in value if unicodedata.category(ch) == "Cc" and ch not in "\n\t"), None)
    if bad is not None:
        raise PydanticCustomError(
            "control_character",
            "contains the control character U+{code}; remove it",
            {"code": f"{ord(bad):04X}"},
        )
    return value


def _slug(value: str) -> str:
    if not _SLUG.fullmatch(value):
        raise PydanticCustomError(
            "slug", "'{value}' is not a slug: use only a-z, 0-9 and '-'", {"value": value}
        )
    return value


def _lesson(value: str) -> str:
    if not _LESSON.fullmatch(value):
        raise PydanticCustomError(
            "lesson",
            "'{value}' is not a docs-relative 'page.md#anchor' "
            "(e.g. lessons/day07-bert.md#softmax)",
            {"value": value},
        )
    return value


Text = Annotated[StrictStr, AfterValidator(_not_blank)]
FiniteNumber = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Choice(_Strict):
    """One option of a choice question; ``why`` says why it is right or wrong."""

    text: Text
    why: Text


class _QuestionBase(_Strict):
    id: Annotated[StrictStr, AfterValidator(_slug)]
    level: Level
    topics: list[Topic]
    prompt: Text
    explanation: Text
    lesson: Annotated[StrictStr, AfterValidator(_lesson)]
    source: Text | None = None

    @field_validator("topics")
    @classmethod
    def _topics_count_and_unique(cls, topics: list[str]) -> list[str]:
        if not 1 <= len(topics) <= 3:
            raise PydanticCustomError(
                "topic_count", "needs 1 to 3 topics, got {n}", {"n": len(topics)}
            )
        seen: set[str] = set()
        for i, topic in enumerate(topics):
            if topic in seen:
                raise PydanticCustomError(
                    "duplicate", "topic '{topic}' is listed twice", {"topic": topic, "at": (i,)}
                )
            seen.add(topic)
        return topics

    @property
    def lesson_page(self) -> str:
        """The docs-relative page of :attr:`lesson`, without the anchor."""
        return self.lesson.split("#", 1)[0]

    @property
    def lesson_anchor(self) -> str:
        return self.lesson.split("#", 1)[1]


class _ChoiceQuestion(_QuestionBase):
    choices: list[Choice]

    @field_validator("choices")
    @classmethod
    def _choices_ok(cls, choices: list[Choice]) -> list[Choice]:
        if len(choices) < 2:
            raise PydanticCustomError(
                "choice_count", "needs at least 2 choices, got {n}", {"n": len(choices)}
            )
        if len(choices) > _MAX_CHOICES:
            raise PydanticCustomError(
                "choice_count", "at most 26 choices (a-z), got {n}", {"n": len(choices)}
            )
        seen: dict[str, int] = {}
        for i, choice in enumerate(choices):
            key = choice.text.strip().casefold()
            if key in seen:
                raise PydanticCustomError(
                    "duplicate",
                    "same text as choice {first}",
                    {"first": seen[key], "at": (i, "text")},
                )
            seen[key] = i
        return choices

    @property
    def correct_indices(self) -> tuple[int, ...]:
        """Indices (into :attr:`choices`, file order) of the correct choices."""
        raise NotImplementedError


def _check_index(index: int, info: ValidationInfo, at: tuple[Any, ...] = ()) -> None:
    choices = info.data.get("choices")
    if choices is None:  # choices themselves are invalid: reported there
        return
    if not 0 <= index < len(choices):
        raise PydanticCustomError(
            "answer_range",
            "answer {index} is out of range: there are {n} choices, numbered 0 to {last}",
            {"index": index, "n": len(choices), "last": len(choices) - 1, "at": at},
        )


class SingleChoice(_ChoiceQuestion):
    type: Literal["single_choice"]
    answer: StrictInt

    @field_validator("answer", mode="before")
    @classmethod
    def _not_a_list(cls, value: Any) -> Any:
        if isinstance(value, list):
            if len(value) == 1:
                raise PydanticCustomError(
                    "answer_list", "single_choice takes one index, not a list: write answer: N"
                )
            raise PydanticCustomError(
                "answer_list",
                "single_choice has {n} answers; use multiple_choice",
                {"n": len(value)},
            )
        return value

    @field_validator("answer")
    @classmethod
    def _in_range(cls, value: int, info: ValidationInfo) -> int:
        _check_index(value, info)
        return value

    @property
    def correct_indices(self) -> tuple[int, ...]:
        return (self.answer,)


class MultipleChoice(_ChoiceQuestion):
    type: Literal["multiple_choice"]
    answer: list[StrictInt]

    @field_validator("answer", mode="before")
    @classmethod
    def _a_list(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            raise PydanticCustomError(
                "answer_count",
                "multiple_choice needs a list of at least 2 answers; "
                "for one answer use single_choice",
            )
        return value

    @field_validator("answer")
    @classmethod
    def _count_unique_in_range(cls, value: list[int], info: ValidationInfo) -> list[int]:
        if len(value) < 2:
            raise PydanticCustomError(
                "answer_count",
                "multiple_choice has {n} answer{s}; it needs at least 2 "
                "(use single_choice for one)",
                {"n": len(value), "s": "" if len(value) == 1 else "s"},
            )
        seen: set[int] = set()
        for i, index in enumerate(value):
            if index in seen:
                raise PydanticCustomError(
                    "duplicate", "answer {index} is listed twice", {"index": index, "at": (i,)}
                )
            seen.add(index)
            _check_index(index, info, (i,))
        return value

    @property
    def correct_indices(self) -> tuple[int, ...]:
        return tuple(sorted(self.answer))


class TrueFalse(_QuestionBase):
    type: Literal["true_false"]
    answer: StrictBool


class Numeric(_QuestionBase):
    type: Literal["numeric"]
    answer: FiniteNumber
    tolerance: FiniteNumber
    unit: Text | None = None

    @field_validator("tolerance")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise PydanticCustomError("tolerance", "must be greater than 0, got {v}", {"v": value})
        return value


class FreeText(_QuestionBase):
    type: Literal["free_text"]
    model_answer: Text
    key_points: list[Text]

    @field_validator("key_points")
    @classmethod
    def _non_empty(cls, value: list[str]) -> list[str]:
        if not value:
            raise PydanticCustomError("key_points", "needs at least one key point")
        return value


class _CommonFields(_QuestionBase):
    """The fields of every question type, for reporting an item whose type is unknown."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


Question = Annotated[
    Union[SingleChoice, MultipleChoice, TrueFalse, Numeric, FreeText],  # noqa: UP007
    Field(discriminator="type"),
]
ChoiceQuestion = Union[SingleChoice, MultipleChoice]  # noqa: UP007
QUESTION_MODELS: dict[str, type[BaseModel]] = {
    "single_choice": SingleChoice,
    "multiple_choice": MultipleChoice,
    "true_false": TrueFalse,
    "numeric": Numeric,
    "free_text": FreeText,
}
_QUESTION_ADAPTER: TypeAdapter[Any] = TypeAdapter(Question)


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
        if level is not None and level not in LEVELS:
            raise UsageError(f"Unknown level '{level}': choose {' or '.join(LEVELS)}.")
        if topic is not None and topic not in TOPICS:
            raise UsageError(f"Unknown topic '{topic}'. The topics are: {', '.join(TOPICS)}.")
        kept = tuple(
            q
            for q in self.questions
            if (level is None or q.level == level) and (topic is None or topic in q.topics)
        )
        return Bank(kept, self.files, self.locations)

    def count_by_level(self) -> dict[str, int]:
        return {lv: sum(q.level == lv for q in self.questions) for lv in LEVELS}

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


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def _load_file(
    path: Path, docs: Path | None = None
) -> tuple[list[tuple[int, str]], list[tuple[str, int, Question | None]]]:
    """([(line, problem)], [(id, line of its id key, the question if valid)]) for one file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [(1, "no such file")], []
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        return [(line, f"not UTF-8 text ({exc.reason}); save the file as UTF-8")], []
    except OSError as exc:
        return [(1, f"cannot read: {exc.strerror or exc}")], []

    parsed = _parse(text)
    if isinstance(parsed, tuple) and isinstance(parsed[0], int):
        return [parsed], []
    root, data = parsed

    problems: list[tuple[int, str]] = []
    for line, key in _duplicate_keys(root):
        problems.append((line, f"key '{key}' appears twice in the same mapping"))
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


# --------------------------------------------------------------------------- lesson links

# Where the lesson pages are, seen from a question file: questions/ and docs/ are siblings
# in a checkout (mkdocs.yml beside them). An installed package has no docs/: not checked.
_MKDOCS = "mkdocs.yml"


def docs_dir_for(path: Path) -> Path | None:
    """The docs/ folder of the checkout that holds the question file ``path``, if any."""
    root = Path(path).resolve().parent.parent
    docs = root / "docs"
    return docs if docs.is_dir() and (root / _MKDOCS).is_file() else None


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ATTR_ID = re.compile(r"\{[^}\n]*#([A-Za-z0-9_:.-]+)[^}\n]*\}")
_HTML_ID = re.compile(r"""\bid\s*=\s*["']([^"']+)["']""")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _slugify(text: str) -> str:
    """Python-Markdown's default toc slug (what MkDocs gives a heading without {#id})."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link: its text
    text = re.sub(r"[`*_]", "", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def page_anchors(page: Path) -> set[str]:
    """The section anchors of a Markdown page: explicit ``{#id}`` (attr_list) and HTML
    ``id="..."`` anywhere outside code fences, and the slug of every heading without one."""
    anchors: set[str] = set()
    in_fence = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        explicit = _ATTR_ID.findall(line) + _HTML_ID.findall(line)
        anchors.update(explicit)
        heading = _HEADING.match(line)
        if heading and not _ATTR_ID.search(heading.group(2)):
            anchors.add(_slugify(heading.group(2)))
    return anchors


def lesson_link_problem(lesson: str, docs: Path) -> str | None:
    """Why ``lesson`` ('page.md#anchor') does not resolve under ``docs``, or None."""
    page, _, anchor = lesson.partition("#")
    target = docs / page
    if not target.is_file():
        return f"no lesson page docs/{page}"
    try:
        anchors = _anchors_cached(str(target), target.stat().st_mtime_ns)
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot read docs/{page}: {exc}"
    if anchor not in anchors:
        close = difflib.get_close_matches(anchor, sorted(anchors), n=1)
        hint = f"; did you mean #{close[0]}?" if close else ""
        return f"docs/{page} has no section #{anchor}{hint}"
    return None


@functools.lru_cache(maxsize=256)
def _anchors_cached(page: str, _mtime: int) -> frozenset[str]:
    return frozenset(page_anchors(Path(page)))


def _first(problem: tuple[int, str]) -> int:
    return problem[0]


def _parse(text: str) -> tuple[yaml.Node | None, Any] | tuple[int, str]:
    """(root node, constructed data), or (line, message) for unreadable YAML.

    libyaml (when PyYAML has it) composes the node tree about ten times faster; a file it
    rejects is read again with the pure-Python loader, whose messages say more.
    """
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            fast_loader = fast(text)
            try:
                root = fast_loader.get_single_node()
            finally:
                fast_loader.dispose()
        except Exception:
            pass
        else:
            return _construct(yaml.SafeLoader(""), root)
    try:
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:  # e.g. a control character, found on reading
        return 1, f"YAML syntax error: {exc}"
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            return _yaml_error(exc)
        except yaml.YAMLError as exc:
            return 1, f"YAML syntax error: {exc}"
        except RecursionError:
            return 1, "YAML syntax error: nested too deeply"
        return _construct(loader, root)
    finally:
        loader.dispose()


def _construct(
    loader: yaml.SafeLoader, root: yaml.Node | None
) -> tuple[yaml.Node | None, Any] | tuple[int, str]:
    if root is None:
        return None, None
    try:
        return root, loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        return _yaml_error(exc)
    except RecursionError:
        return root.start_mark.line + 1, "YAML error: nested too deeply"
    except Exception as exc:  # a bad explicit tag value, e.g. '!!int abc'
        line = _bad_scalar_line(root) or root.start_mark.line + 1
        return line, f"YAML error: cannot read this value: {exc}"


def _yaml_error(exc: yaml.MarkedYAMLError) -> tuple[int, str]:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    context = exc.context or ""
    if context and exc.context_mark is not None and exc.context_mark.line + 1 != line:
        context += f" that starts at line {exc.context_mark.line + 1}"
    message = ": ".join(part for part in (context, exc.problem or "") if part)
    return line, f"YAML syntax error: {message or 'cannot parse'}"


def _walk(root: yaml.Node) -> Iterator[yaml.Node]:
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                stack.extend((value, key))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))


def _bad_scalar_line(root: yaml.Node) -> int | None:
    constructor = yaml.constructor.SafeConstructor()
    for node in _walk(root):
        if isinstance(node, yaml.ScalarNode):
            try:
                constructor.construct_object(node)
            except Exception:
                return node.start_mark.line + 1
    return None


def _duplicate_keys(root: yaml.Node | None) -> list[tuple[int, str]]:
    if root is None:
        return []
    found = []
    for node in _walk(root):
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, _value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                    if key.value in seen:
                        found.append((key.start_mark.line + 1, key.value))
                    seen.add(key.value)
    return found


def _child(node: yaml.Node, key: Any) -> yaml.Node | None:
    """The value node of ``key`` in a mapping node (the last one, as the loader keeps)."""
    found = None
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(key):
                found = value_node
    return found


def _line(node: yaml.Node, loc: Iterable[Any]) -> int:
    """1-based line of the key or item at ``loc`` under ``node``; the deepest one found."""
    line = node.start_mark.line
    current: yaml.Node | None = node
    for part in loc:
        if isinstance(current, yaml.MappingNode):
            match = None
            for key_node, value_node in current.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                    match = (key_node, value_node)
            if match is None:
                break
            line, current = match[0].start_mark.line, match[1]
        elif (
            isinstance(current, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(current.value)
        ):
            current = current.value[part]
            line = current.start_mark.line
        else:
            break
    return line + 1


def _kind(value: Any) -> str:
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return f"a boolean ({'true' if value else 'false'})"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, float):
        return f"a number ({value})"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def _field_name(loc: Iterable[Any]) -> str:
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name or "question"


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
        return _QUESTION_ADAPTER.validate_python(item), []
    except PydanticValidationError as exc:
        errors = exc.errors(include_url=False)
    except (RecursionError, TypeError, ValueError) as exc:  # e.g. a self-referencing alias
        return None, [(node.start_mark.line + 1, f"{label}: cannot validate: {exc}")]

    qtype = item.get("type")
    if any(err["type"].startswith("union_tag") for err in errors):
        # Without a known type only the type is reported by the union; the fields every
        # question has are checked too, so one run lists all that is wrong.
        try:
            _CommonFields.model_validate(item)
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
    last = loc[-1] if loc else None
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
        if last == "level":
            return f"must be {' or '.join(LEVELS)}, not {value!r}"
        if loc and loc[0] == "topics":
            return f"unknown topic {value!r}; the topics are: {', '.join(TOPICS)}"
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
