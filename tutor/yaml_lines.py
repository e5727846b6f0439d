"""Reading a YAML data file so that every problem can be reported with its line.

The question bank (:mod:`tutor.question_files`) and the course data (:mod:`tutor.course`)
both report problems as ``FILE:LINE: message``. PyYAML's node tree keeps the line of every
key and list item; these helpers compose it with ``yaml.safe_load``'s rules (no tags beyond
the safe ones), find the line of a pydantic error location in it, and word values for
error messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

Problem = tuple[int, str]  # (1-based line, message)


def display(path: Path) -> str:
    """``path`` as the learner would type it: relative to the working folder if inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def read_text(path: Path) -> str | Problem:
    """The file's text, or (line, problem) when it cannot be read as UTF-8 text."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return 1, "no such file"
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        return line, f"not UTF-8 text ({exc.reason}); save the file as UTF-8"
    except OSError as exc:
        return 1, f"cannot read: {exc.strerror or exc}"


def first(problem: Problem) -> int:
    """Sort key: problems in file order."""
    return problem[0]


def parse(text: str) -> tuple[yaml.Node | None, Any] | Problem:
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


def is_problem(parsed: Any) -> bool:
    """Whether :func:`parse` returned a (line, message) problem rather than a document."""
    return isinstance(parsed, tuple) and isinstance(parsed[0], int)


def _construct(
    loader: yaml.SafeLoader, root: yaml.Node | None
) -> tuple[yaml.Node | None, Any] | Problem:
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


def _yaml_error(exc: yaml.MarkedYAMLError) -> Problem:
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


def duplicate_keys(root: yaml.Node | None) -> list[Problem]:
    """A problem for every key written twice in one mapping (YAML keeps the last silently)."""
    if root is None:
        return []
    found = []
    for node in _walk(root):
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, _value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                    if key.value in seen:
                        found.append(
                            (
                                key.start_mark.line + 1,
                                f"key '{key.value}' appears twice in the same mapping",
                            )
                        )
                    seen.add(key.value)
    return found


def child(node: yaml.Node | None, key: Any) -> yaml.Node | None:
    """The value node of ``key`` in a mapping node (the last one, as the loader keeps)."""
    found = None
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(key):
                found = value_node
    return found


def item(node: yaml.Node | None, index: int, default: yaml.Node) -> yaml.Node:
    """The ``index``-th item node of a sequence node, or ``default``."""
    if isinstance(node, yaml.SequenceNode) and 0 <= index < len(node.value):
        return node.value[index]
    return default


def line(node: yaml.Node, loc: Iterable[Any]) -> int:
    """1-based line of the key or item at ``loc`` under ``node``; the deepest one found."""
    at = node.start_mark.line
    current: yaml.Node | None = node
    for part in loc:
        if isinstance(current, yaml.MappingNode):
            match = None
            for key_node, value_node in current.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                    match = (key_node, value_node)
            if match is None:
                break
            at, current = match[0].start_mark.line, match[1]
        elif (
            isinstance(current, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(current.value)
        ):
            current = current.value[part]
            at = current.start_mark.line
        else:
            break
    return at + 1


def kind(value: Any) -> str:
    """What a YAML value is, for a message: 'a string', 'an integer (3)', 'empty (null)'."""
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


def field_name(loc: Iterable[Any], whole: str = "question") -> str:
    """A pydantic location as a field path: ``choices[2].why``; ``whole`` when empty."""
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name or whole
