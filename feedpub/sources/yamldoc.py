"""Safe YAML loading that remembers on which line each top-level key stands.

Messages must name the line of the offending key, and PyYAML's plain
`safe_load` forgets it, so we compose the node graph first and keep the marks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

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
class YamlDocument:
    data: Any
    key_lines: dict[str, int]  # top-level key -> 1-based line in the YAML text
    nested_lines: dict[tuple[str, str], int]  # (key, subkey) -> line, for mappings


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


def load_yaml(text: str) -> YamlDocument:
    """Parse one YAML document safely (no Python object tags).

    Raises YamlError for invalid YAML and for duplicate keys, which PyYAML
    would otherwise resolve silently in favour of the last one.
    """
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(None, {}, {})
        key_lines, nested_lines = _key_lines(node)
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
    return YamlDocument(data, key_lines, nested_lines)


def _key_lines(node: yaml.Node) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    key_lines: dict[str, int] = {}
    nested: dict[tuple[str, str], int] = {}
    if not isinstance(node, yaml.MappingNode):
        return key_lines, nested
    for key_node, value_node in node.value:
        key = str(key_node.value)
        line = key_node.start_mark.line + 1
        if key in key_lines:
            raise YamlError(f"duplicate key '{key}'", line, key_lines[key])
        key_lines[key] = line
        if isinstance(value_node, yaml.MappingNode):
            for sub_key, _ in value_node.value:
                nested[(key, str(sub_key.value))] = sub_key.start_mark.line + 1
    return key_lines, nested


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
