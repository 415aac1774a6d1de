"""The one place where front matter dates become timezone-aware datetimes."""

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


class DateError(ValueError):
    pass


def parse_date(value: object, default_tz: tzinfo) -> datetime:
    """Turn a YAML date, datetime or string into an aware datetime.

    Values without an offset are taken to be in `default_tz` (the site's
    timezone). Raises DateError with a message fit for the user.
    """
    if isinstance(value, datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=default_tz)
    elif isinstance(value, date):
        stamp = datetime(value.year, value.month, value.day, tzinfo=default_tz)
    elif isinstance(value, str):
        stamp = _parse_text(value.strip(), default_tz)
    else:
        raise DateError(f"{_show(value)} is not a date ({EXPECTED})")
    return _whole_minute_offset(_representable(stamp, default_tz, value))


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


def _parse_text(text: str, default_tz: tzinfo) -> datetime:
    match = _DATE_TEXT.match(text)
    if not match:
        raise DateError(f'"{text}" is not a date ({EXPECTED})')
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
