"""Values as Jekyll's Ruby shows them in Liquid: times, text, `inspect`.

A Liquid template prints what Ruby's `to_s` makes of a value, and Jekyll's
date filters read dates as Ruby's Time does; python-liquid would print
Python's forms (`2020-01-05 10:00:00+00:00`, `None`, `{'a': 1}`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, tzinfo

from liquid.undefined import is_undefined

from feedpub.sources.dates import DateError, read_date

_LEADING_INTEGER = re.compile(r"\s*[-+]?\d+")
_RUBY_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\x1b": "\\e"}


class RubyTime(datetime):
    """A time that prints as Ruby's Time#to_s: `2020-01-05 10:00:00 +0000`."""

    def __str__(self) -> str:
        return self.strftime("%Y-%m-%d %H:%M:%S %z")

    def isoformat(self, sep: str = "T", timespec: str = "seconds") -> str:
        # Time#xmlschema: whole seconds.
        return super().isoformat(sep, timespec)

    @classmethod
    def of(cls, stamp: datetime, tz: tzinfo) -> RubyTime:
        """`stamp` in the site's zone, as Jekyll reads every time (localtime, TZ set to the site's zone)."""
        local = stamp.replace(tzinfo=tz) if stamp.tzinfo is None else stamp.astimezone(tz)
        return cls.combine(local.date(), local.time().replace(microsecond=0), local.tzinfo)


def to_time(value: object, tz: tzinfo, now: datetime) -> RubyTime | None:
    """Liquid's Utils.to_date, then localtime: a time, a date, "now", seconds since 1970, or text Ruby parses."""
    if isinstance(value, datetime):
        return RubyTime.of(value, tz)
    if isinstance(value, date):
        return RubyTime.of(datetime.combine(value, time.min), tz)
    if isinstance(value, bool) or value is None or is_undefined(value):
        return None
    text = str(value).strip().lower()
    if not text:
        return None
    if text in ("now", "today"):
        return RubyTime.of(now, tz)
    if text.isdigit():
        try:
            return RubyTime.of(datetime.fromtimestamp(int(text), tz), tz)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        stamp, _ = read_date(str(value), tz)
    except DateError:
        return None
    return RubyTime.of(stamp, tz)


def ruby_text(value: object) -> str:
    """Ruby's `to_s`: nil is empty, true is "true", a list or hash is its `inspect`."""
    if value is None or is_undefined(value):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, Mapping)):
        return ruby_inspect(value)
    return str(value)


def ruby_inspect(value: object) -> str:
    """Ruby 3.1's `inspect`: `"text"`, `nil`, `[1, "a"]`, `{"a"=>1}`."""
    if value is None or is_undefined(value):
        return "nil"
    if isinstance(value, str):
        return '"' + "".join(_RUBY_ESCAPES.get(ch, ch) for ch in value) + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(ruby_inspect(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{ruby_inspect(key)}=>{ruby_inspect(item)}" for key, item in value.items()) + "}"
    return ruby_text(value)


def plain(value: object) -> object:
    """The value as JSON can hold it, as Jekyll's `as_liquid` then `to_json` make it."""
    if value is None or is_undefined(value):
        return None
    if isinstance(value, Mapping):
        return {ruby_text(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, (str, int, float, bool)):
        return value
    return ruby_text(value)


def nil(value: object) -> bool:
    return value is None or is_undefined(value)


def to_integer(value: object) -> int:
    if value is True or value is False:
        return int(value)
    if isinstance(value, (int, float)):
        return int(value)
    found = _LEADING_INTEGER.match(ruby_text(value))
    return int(found.group()) if found else 0
