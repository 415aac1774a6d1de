"""Safe YAML loading that remembers on which line each top-level key stands.

Messages must name the line of the offending key, and PyYAML's plain
`safe_load` forgets it, so we compose the node graph first and keep the marks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

import yaml

if TYPE_CHECKING:
    from yaml import SafeLoader as _BaseLoader
else:
    try:  # the C loader is several times faster on large sites
        from yaml import CSafeLoader as _BaseLoader
    except ImportError:  # pragma: no cover - depends on how PyYAML was built
        from yaml import SafeLoader as _BaseLoader


class SafeLoader(_BaseLoader):
    """Safe loading, with impossible dates (2026-02-30) kept as text.

    PyYAML raises a bare ValueError for them, without a line; as text they
    reach the one date parser, which reports them against their key.
    """


def _timestamp_or_text(loader, node):
    try:
        return loader.construct_yaml_timestamp(node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


@dataclass(frozen=True, slots=True)
class DuplicateKey:
    """A key given more than once in one mapping; the value on the last of its lines is the one kept."""

    key: str  # "title", or "author.name" for a key inside a mapping
    lines: tuple[int, ...]  # every line it stands on, 1-based in the YAML text, in order


@dataclass(frozen=True, slots=True)
class YamlDocument:
    data: Any
    key_lines: dict[str, int]  # top-level key -> 1-based line in the YAML text (its last one)
    nested_lines: dict[tuple[str, str], int]  # (key, subkey) -> line, for mappings
    # Top-level key -> its value as written, for plain scalars: `title: 1.10` is read as the
    # number 1.1, and a message or a fallback wants the writer's "1.10".
    value_texts: dict[str, str] = field(default_factory=dict)
    duplicates: tuple[DuplicateKey, ...] = ()  # only with load_yaml(..., duplicates="last")


class YamlError(Exception):
    """The text is not valid YAML; lines are 1-based within the YAML text."""

    def __init__(self, message: str, line: int | None, first_line: int | None = None):
        super().__init__(message)
        self.message, self.line, self.first_line = message, line, first_line

    def describe(self, offset: int = 0) -> str:
        """The message, with the line of an earlier duplicate shifted by `offset` into file lines."""
        if self.first_line is None:
            return self.message
        return f"{self.message} (first at line {self.first_line + offset})"


# `author:<TAB>Ann`: Ruby's YAML reads a tab after a key's colon as a space; PyYAML refuses it.
_TAB_AFTER_COLON = re.compile(r"^(\s*[^\s#:][^:]*:)\t+", re.MULTILINE)


def load_yaml(
    text: str, *, duplicates: Literal["error", "last"] = "error", tabs_after_colons: bool = False
) -> YamlDocument:
    """load_yaml, and with `tabs_after_colons` a second try with tabs after keys' colons read as spaces."""
    try:
        return _load_yaml(text, duplicates=duplicates)
    except YamlError:
        if not tabs_after_colons or not _TAB_AFTER_COLON.search(text):
            raise
    return _load_yaml(_TAB_AFTER_COLON.sub(r"\1 ", text), duplicates=duplicates)


def _load_yaml(text: str, *, duplicates: Literal["error", "last"] = "error") -> YamlDocument:
    """Parse one YAML document safely (no Python object tags).

    Raises YamlError for invalid YAML, and for a top-level key given twice
    (PyYAML alone would keep the last one silently). With `duplicates="last"`
    the last value is kept instead, as Ruby's YAML (so Jekyll) keeps it, and
    every key given twice, at any depth, is in the document's `duplicates`
    for the caller to report.
    """
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(None, {}, {})
        key_lines, nested_lines, value_texts = _key_lines(node)
        if duplicates == "error" and isinstance(node, yaml.MappingNode):
            _refuse_duplicates(_duplicates_in(node, ""))
        found = tuple(_duplicates(node)) if duplicates == "last" else ()
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = " ".join((err.problem or err.context or "not valid").split())
        raise YamlError(f"invalid YAML: {reason}", line) from None
    except yaml.reader.ReaderError as err:
        line = text.count("\n", 0, err.position) + 1 if err.position is not None else None
        reason = f"character {err.character!r} is not allowed" if err.character is not None else str(err).split("\n")[0]
        raise YamlError(f"invalid YAML: {reason}", line) from None
    except yaml.YAMLError as err:
        raise YamlError(f"invalid YAML: {str(err).splitlines()[0] if str(err) else type(err).__name__}", None) from None
    except RecursionError:
        raise YamlError("invalid YAML: nested too deeply", None) from None
    finally:
        loader.dispose()
    return YamlDocument(data, key_lines, nested_lines, value_texts, found)


def _key_lines(node: yaml.Node) -> tuple[dict[str, int], dict[tuple[str, str], int], dict[str, str]]:
    key_lines: dict[str, int] = {}
    nested: dict[tuple[str, str], int] = {}
    value_texts: dict[str, str] = {}
    if not isinstance(node, yaml.MappingNode):
        return key_lines, nested, value_texts
    for key_node, value_node in node.value:
        key = str(key_node.value)
        key_lines[key] = key_node.start_mark.line + 1  # a key given twice: the line of the value kept
        value_texts.pop(key, None)
        if isinstance(value_node, yaml.ScalarNode) and not value_node.style:  # plain: None, or "" from libyaml
            value_texts[key] = value_node.value
        if isinstance(value_node, yaml.MappingNode):
            for sub_key, _ in value_node.value:
                nested[(key, str(sub_key.value))] = sub_key.start_mark.line + 1
    return key_lines, nested, value_texts


def _duplicates(root: yaml.Node) -> list[DuplicateKey]:
    """Every key given twice in one mapping, anywhere in the document, in the order of their lines.

    Walks the node graph without recursion, each node once: an alias repeats a
    node, not its text, so an alias bomb is walked in the size of its text.
    """
    found: list[DuplicateKey] = []
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, str]] = [(root, "")]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        # Scalars hold no keys: only lists and mappings are walked into (most values of front matter are scalars).
        if isinstance(node, yaml.SequenceNode):
            stack.extend((item, path) for item in reversed(node.value) if not isinstance(item, yaml.ScalarNode))
        elif isinstance(node, yaml.MappingNode):
            found.extend(_duplicates_in(node, path))
            # Reversed, so that a mapping an alias repeats is named where the document first has it.
            stack.extend(
                (value, _joined(path, _key_name(key)))
                for key, value in reversed(node.value)
                if not isinstance(value, yaml.ScalarNode)
            )
    return sorted(found, key=lambda duplicate: duplicate.lines)


def _duplicates_in(node: yaml.MappingNode, path: str) -> list[DuplicateKey]:
    lines: dict[tuple[str, str], list[int]] = {}
    for key_node, _ in node.value:
        # `1:` and `"1":` are different keys; a merge key (`<<:`) is not a key of its own.
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
            lines.setdefault((key_node.tag, key_node.value), []).append(key_node.start_mark.line + 1)
    return [DuplicateKey(_joined(path, key), tuple(at)) for (_, key), at in lines.items() if len(at) > 1]


def _joined(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _key_name(node: yaml.Node) -> str:
    # A key that is itself a list or a mapping is named "?": its repr could be as large as an alias bomb.
    return str(node.value) if isinstance(node, yaml.ScalarNode) else "?"


def _refuse_duplicates(top_level: list[DuplicateKey]) -> None:
    """The error strict callers (config.yaml) get: the first top-level key given twice, at its second line."""
    if top_level:
        first = min(top_level, key=lambda duplicate: duplicate.lines[1])
        raise YamlError(f"duplicate key '{first.key}'", first.lines[1], first.lines[0])


def describe(value: object) -> str:
    """A short description of a YAML value for a message: never the whole value.

    A nested list from an alias bomb has a repr of gigabytes; its kind is enough.
    """
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, (date, datetime)):
        return f"a date ({value.isoformat()})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    text = str(value)
    return f'"{text}"' if len(text) <= 60 else f'"{text[:57]}..."'
