"""Jekyll's Liquid filters for lists (filters.rb, filters/grouping_filters.rb): where, find, group_by, sort...

Each follows Jekyll's Ruby: a hash is taken as its values, text or nil where
a list is expected is given back unchanged, numbers in text sort as numbers.
`sample` picks the same items in every build, where Jekyll picks at random.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from liquid import RenderContext
from liquid.builtin.expressions import BooleanExpression, FilteredExpression, tokenize
from liquid.exceptions import FilterArgumentError
from liquid.filter import with_context
from liquid.stream import TokenStream
from liquid.token import TOKEN_EXPRESSION, Token

from feedpub.render.liquid_state import current
from feedpub.render.liquid_values import nil, ruby_text, to_integer

_INTEGER_LIKE = re.compile(r"\A\s*-?\d+\s*\Z")
_FLOAT_LIKE = re.compile(r"\A\s*-?(?:\d+\.?\d*|\.\d+)\s*\Z")


def items_of(value: object) -> list[Any]:
    """The items of a list, the values of a hash, nothing for nil, else the value alone (Ruby's Array())."""
    if isinstance(value, Mapping):
        return list(value.values())
    if isinstance(value, (list, tuple)):
        return list(value)
    return [] if nil(value) else [value]


def _selectable(value: object) -> bool:
    """Whether Ruby's `select` works on it: an array or a hash (whose values are taken)."""
    return isinstance(value, (list, tuple, Mapping))


def item_property(item: object, name: object) -> object:
    """A property of an item, a dotted one read step by step; numbers in text read as numbers (to sort)."""
    return _property(item, ruby_text(name).split("."))


def _property(item: object, keys: list[str]) -> object:
    value: object = item
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    text = ruby_text(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None
    if text is not None and _INTEGER_LIKE.match(text):
        return int(text)
    if text is not None and _FLOAT_LIKE.match(text):
        return float(text)
    return value


def _matches(found: object, wanted: str | None) -> bool:
    """Whether a property found `where` looks for `wanted` (a target's text; None for a nil target)."""
    if wanted is None:
        return nil(found)
    if isinstance(found, str):
        return found == wanted
    values = found if isinstance(found, (list, tuple)) else ([] if nil(found) else [found])
    return any(ruby_text(value) == wanted for value in values)


def _selected(value: object, name: object, target: object) -> Iterator[Any]:
    """The items of `value` whose property `name` is `target`, for where and find.

    The property's path and the target's text are worked out once, not once an
    item: ruby-lang.org's posts ask `where` of its 250 releases 500 times.
    """
    keys, wanted = ruby_text(name).split("."), None if nil(target) else ruby_text(target)
    return (item for item in items_of(value) if _matches(_property(item, keys), wanted))


def where(value: object, name: object = None, target: object = None) -> object:
    if nil(name) or isinstance(target, (list, dict)) or not _selectable(value):
        return value
    return list(_selected(value, name, target))


def find(value: object, name: object = None, target: object = None) -> object:
    if nil(name) or isinstance(target, (list, dict)) or not _selectable(value):
        return value
    return next(_selected(value, name, target), None)


def group_by(value: object, name: object) -> object:
    if not _selectable(value):
        return value
    groups: dict[str, list[Any]] = {}
    for item in items_of(value):
        groups.setdefault(ruby_text(item_property(item, name)), []).append(item)
    return _grouped(groups)


def _grouped(groups: dict[str, list[Any]]) -> list[dict[str, object]]:
    return [{"name": key, "items": items, "size": len(items)} for key, items in groups.items()]


def expression_stream(text: object) -> TokenStream:
    """The tokens of a Liquid expression given as text (`where_exp`'s, an include parameter's)."""
    source = ruby_text(text)
    return TokenStream(tokenize(source, parent_token=Token(TOKEN_EXPRESSION, source, 0, source)))


def _evaluated(value: object, variable: object, context: RenderContext, expression: Any) -> list[tuple[Any, Any]]:
    """Each item of `value` and what `expression` makes of it with `variable` bound to the item."""
    name = ruby_text(variable)
    results = []
    for item in items_of(value):
        with context.extend({name: item}):
            results.append((item, expression.evaluate(context)))
    return results


@with_context
def where_exp(value: object, variable: object, expression: object, *, context: RenderContext) -> object:
    if not _selectable(value):
        return value
    condition = BooleanExpression.parse(context.env, expression_stream(expression))
    return [item for item, true in _evaluated(value, variable, context, condition) if true]


@with_context
def find_exp(value: object, variable: object, expression: object, *, context: RenderContext) -> object:
    if not _selectable(value):
        return value
    condition = BooleanExpression.parse(context.env, expression_stream(expression))
    return next((item for item, true in _evaluated(value, variable, context, condition) if true), None)


@with_context
def group_by_exp(value: object, variable: object, expression: object, *, context: RenderContext) -> object:
    if not _selectable(value):
        return value
    key = FilteredExpression.parse(context.env, expression_stream(expression))
    groups: dict[str, list[Any]] = {}
    for item, name in _evaluated(value, variable, context, key):
        groups.setdefault(ruby_text(name), []).append(item)
    return _grouped(groups)


def sort(value: object, name: object = None, nils: object = "first") -> object:
    if nil(value):
        raise FilterArgumentError("Cannot sort a null object.", token=None)
    items = items_of(value)
    if nil(name):
        return sorted(items, key=_sort_key)
    if nils not in ("first", "last"):
        raise FilterArgumentError(
            f"Invalid nils order: '{nils}' is not a valid nils order. It must be 'first' or 'last'.", token=None
        )
    keyed = [(item_property(item, name), item) for item in items]
    present = sorted((pair for pair in keyed if not nil(pair[0])), key=lambda pair: _sort_key(pair[0]))
    missing = [pair for pair in keyed if nil(pair[0])]
    ordered = missing + present if nils == "first" else present + missing
    return [item for _, item in ordered]


def _sort_key(value: object) -> tuple[int, object]:
    # Ruby compares numbers with numbers and text with text; a mix falls back on text.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value)
    if isinstance(value, datetime):
        return (1, value.timestamp())
    return (2, ruby_text(value))


def push(value: object, item: object) -> object:
    return [*value, item] if isinstance(value, list) else value


def unshift(value: object, item: object) -> object:
    return [item, *value] if isinstance(value, list) else value


def pop(value: object, count: object = 1) -> object:
    if not isinstance(value, list):
        return value
    drop = max(0, to_integer(count))
    return value[: len(value) - drop] if drop else list(value)


def shift(value: object, count: object = 1) -> object:
    if not isinstance(value, list):
        return value
    return value[max(0, to_integer(count)) :]


def sample(value: object, count: object = 1) -> object:
    """Items picked as Jekyll's `sample`, but the same ones in every build: seeded with the post's path."""
    if not isinstance(value, list):
        return value
    picker = random.Random(str(current().path))
    wanted = to_integer(count) if not nil(count) else 1
    if wanted == 1:
        return picker.choice(value) if value else None
    return picker.sample(value, min(max(wanted, 0), len(value)))
