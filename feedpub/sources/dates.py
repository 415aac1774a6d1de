"""The one place where front matter dates become timezone-aware datetimes.

ISO 8601 text and YAML dates take a strict, fast path. Anything else is read as
Jekyll reads it, with Ruby's `Time.parse`: python-dateutil does the parsing,
with Ruby's rules for zone names and day-first numeric dates laid over it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

_DATE_TEXT = re.compile(
    r"""^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})
        (?:[T\s]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,6})\d*)?)?
           \s*(?P<offset>Z|UTC|GMT|[+-]\d{2}:?\d{2}|[+-]\d{1,2})?)?$""",
    re.VERBOSE | re.IGNORECASE,
)

EXPECTED = "expected YYYY-MM-DD, optionally with time and offset"

# Time.parse knows these zone names (Ruby's Time::ZoneOffset), each a fixed offset whatever
# the season; any other name it ignores, reading the time as local (Jekyll: site.timezone).
RUBY_ZONES = {
    **dict.fromkeys(("UTC", "UT", "GMT", "Z"), 0),
    **{"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7},
}
# dateutil takes only upper-case words for zone names; Ruby takes any case ("pdt").
_ZONE_WORD = re.compile(r"(?<![A-Za-z])(?:" + "|".join(RUBY_ZONES) + r")(?![A-Za-z])", re.IGNORECASE)
# Ruby reads 01/05/2020 (and 01.05.2020, 01-05-2020) day first; dateutil would read it month first.
_DAY_FIRST = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?!\d)")
# "2023-01-29 18:30:22 2023 -0800", the year said again (a real post on jekyllrb.com): dateutil
# gives up on it, Ruby skips the second year. So do we, and say so.
_REPEATED_YEAR = re.compile(r"^(\d{4})(-\S+(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?)\s+\1(?=\s|$)")
# Two defaults that differ in year, month and day: a field dateutil filled from its default differs.
_DEFAULTS = (datetime(2000, 1, 1), datetime(2001, 2, 2))
_FIELDS = ("year", "month", "day")
_WORDS = re.compile(r"[^\s.,;/'()-]+")
# The longest date text the fallback reads: longer text is prose, not a date.
MAX_DATE_TEXT = 200


class DateError(ValueError):
    pass


def parse_date(value: object, default_tz: tzinfo) -> datetime:
    """Turn a YAML date, datetime or string into an aware datetime.

    Values without an offset are taken to be in `default_tz` (the site's
    timezone). Raises DateError with a message fit for the user.
    """
    return read_date(value, default_tz)[0]


def read_date(value: object, default_tz: tzinfo) -> tuple[datetime, str | None]:
    """parse_date, and how the text was read when part of it had to be ignored.

    The second item is None, or a message for a warning that says what the
    date was read as and which words were left out (`"2023-01-29 18:30:22 2023
    -0800" read as 2023-01-29T18:30:22-08:00; ignored "2023"`).
    """
    note = None
    if isinstance(value, datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=default_tz)
    elif isinstance(value, date):
        stamp = datetime(value.year, value.month, value.day, tzinfo=default_tz)
    elif isinstance(value, str):
        stamp, ignored = _parse_text(value.strip(), default_tz)
        note = f"{_show(value.strip())} read as {stamp.isoformat()}; ignored {ignored}" if ignored else None
    else:
        raise DateError(f"{_show(value)} is not a date ({EXPECTED})")
    return _whole_minute_offset(_representable(stamp, default_tz, value)), note


def _representable(stamp: datetime, site_tz: tzinfo, value: object) -> datetime:
    """Refuse dates that cannot be shown in UTC or the site's timezone (year 1, year 9999)."""
    try:
        stamp.astimezone(UTC)
        stamp.astimezone(site_tz)
    except (OverflowError, ValueError):
        raise DateError(f"{_show(value)} is out of the range feeds can show") from None
    return stamp


def _whole_minute_offset(stamp: datetime) -> datetime:
    """The same instant, in UTC when its offset has seconds.

    Zones began in local mean time (Paris was +00:09:21 until 1911): RFC 3339
    and RFC 822 offsets are whole minutes, so such a date is given in UTC.
    """
    offset = stamp.utcoffset()
    if offset is not None and offset % timedelta(minutes=1):
        return stamp.astimezone(UTC)
    return stamp


def is_nonexistent(stamp: datetime) -> bool:
    """A wall-clock time its zone skipped (02:30 on the night clocks go forward)."""
    if stamp.tzinfo is None:
        return False
    round_trip = stamp.astimezone(UTC).astimezone(stamp.tzinfo)
    return round_trip.replace(tzinfo=None) != stamp.replace(tzinfo=None)


def _parse_text(text: str, default_tz: tzinfo) -> tuple[datetime, str | None]:
    """The instant, and what of the text was ignored (None: nothing)."""
    match = _DATE_TEXT.match(text)
    if match:
        return _from_match(match, text, default_tz), None
    repeated = _REPEATED_YEAR.match(text)
    if repeated:
        shorter = repeated.group(1) + repeated.group(2) + text[repeated.end() :]
        stamp, ignored = _parse_text(shorter, default_tz)
        return stamp, ", ".join(filter(None, (f'"{repeated.group(1)}"', ignored)))
    return _parse_loosely(text, default_tz)


def _from_match(match: re.Match[str], text: str, default_tz: tzinfo) -> datetime:
    parts = match.groupdict()
    try:
        stamp = datetime(
            int(parts["year"]),
            int(parts["month"]),
            int(parts["day"]),
            int(parts["hour"] or 0),
            int(parts["minute"] or 0),
            int(parts["second"] or 0),
            int((parts["fraction"] or "0").ljust(6, "0")),
        )
    except ValueError as err:
        raise DateError(f'"{text}" is not a date ({err})') from None
    offset = parts["offset"]
    return stamp.replace(tzinfo=_offset_tz(offset) if offset else default_tz)


def _parse_loosely(text: str, default_tz: tzinfo) -> tuple[datetime, str | None]:
    """Text in one of the other forms Ruby's Time.parse reads (`Jan 6, 2020`, `2020/01/05 10:00 PST`).

    Words that are not part of a date are skipped, as Ruby skips them, and
    reported; a year, month and day must all be there (Ruby would fill a
    missing year from the clock, which a build must not read).
    """
    if len(text) > MAX_DATE_TEXT:
        raise DateError(f"{_show(text)} is not a date ({EXPECTED})")
    day_first = _DAY_FIRST.match(text)
    prepared = _ZONE_WORD.sub(lambda word: word.group(0).upper(), _DAY_FIRST.sub(r"\4-\3-\1", text))
    from dateutil import parser as dateutil_parser  # here: most sites' dates never need it, and it takes 8 ms

    zone = _RubyZones()
    try:
        stamp, skipped = dateutil_parser.parse(prepared, default=_DEFAULTS[0], fuzzy_with_tokens=True, tzinfos=zone)
        other = dateutil_parser.parse(prepared, default=_DEFAULTS[1], fuzzy=True, tzinfos=zone)
    except (ValueError, OverflowError) as err:
        how = "read day first, as Jekyll reads it: " if day_first else ""
        raise DateError(f"{_show(text)} is not a date ({how}{_reason(err)})") from None
    missing = [name for name in _FIELDS if getattr(stamp, name) != getattr(other, name)]
    if missing:
        raise DateError(f"{_show(text)} is not a date (it has no {' or '.join(missing)})")
    if f"{stamp.year:04d}" not in text:  # "01/05/20": Ruby reads 2001-05-20, dateutil 2020-01-05
        raise DateError(f"{_show(text)} is not a date (write the year with four digits)")
    info = dateutil_parser.parserinfo()
    words = [word for token in skipped for word in _WORDS.findall(token) if not info.jump(word)]
    ignored = [f'"{word}"' for word in words]
    ignored += [f'"{name}" (a time zone Jekyll does not know)' for name in dict.fromkeys(zone.unknown)]
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=default_tz)), ", ".join(ignored) or None


class _RubyZones:
    """dateutil's `tzinfos`: a zone for the names Ruby knows, and a note of the names it ignores.

    Given as a callable, it is asked about every date: dateutil would otherwise
    read a name it finds in `time.tzname` as the machine's own zone.
    """

    def __init__(self) -> None:
        self.unknown: list[str] = []

    def __call__(self, name: str | None, offset: int | None) -> tzinfo | None:
        if name is not None and name.upper() in RUBY_ZONES:
            return timezone(timedelta(hours=RUBY_ZONES[name.upper()]))
        if offset is not None:
            return timezone(timedelta(seconds=offset))
        if name is not None:
            self.unknown.append(name)
        return None  # no zone, or one Ruby does not know: the site's timezone, as Jekyll's local time


def _reason(err: Exception) -> str:
    """dateutil's reason without the text it repeats; its own words when it found no date at all."""
    template = err.args[0] if err.args and isinstance(err.args[0], str) else str(err)
    if template.startswith(("Unknown string format", "String does not contain a date")):
        return EXPECTED
    return template.removesuffix(": %s")


def _offset_tz(offset: str) -> tzinfo:
    if offset.upper() in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    hours, minutes = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    if hours > 23 or minutes > 59:
        raise DateError(f'"{offset}" is not a UTC offset')
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _show(value: object) -> str:
    """A value as the writer wrote it: text quoted, dates in ISO form, never a Python repr."""
    if isinstance(value, date):
        text = value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    else:
        text = f'"{value}"' if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def date_from_filename(stem: str, default_tz: tzinfo) -> datetime | None:
    """The date of a Jekyll-style `YYYY-MM-DD-slug` file name, if it has one."""
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})(?:-|$)", stem)
    if not match:
        return None
    try:
        year, month, day = map(int, match.groups())
        return datetime(year, month, day, tzinfo=default_tz)
    except ValueError:
        return None
