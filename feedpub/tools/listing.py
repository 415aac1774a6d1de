"""`feedpub list`: one row per feed file a build would write, as a table or as JSON data.

Also what check and list both say about the posts a build leaves out on
purpose: scheduled ones (with when they appear) and drafts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from feedpub.feeds import FILENAMES
from feedpub.model import Config, FeedSpec
from feedpub.plan import Hidden
from feedpub.tools.terminal import table


@dataclass(frozen=True, slots=True)
class FeedRow:
    path: str  # relative to the output folder, Unicode as on disk
    url: str
    format: str
    kind: str  # site, category or tag
    name: str | None
    title: str
    entries: int
    newest: datetime | None  # the newest entry's publication date, in the site's timezone
    archive: bool  # an RFC 5005 archive page, not a feed to subscribe to


def feed_rows(feeds: list[FeedSpec], config: Config) -> list[FeedRow]:
    """A row per feed and format, in the order a build plans them (site, categories, tags)."""
    tz = ZoneInfo(config.site.timezone)
    rows = []
    for feed in feeds:
        newest = max((post.published for post in feed.entries), default=None)
        for fmt in config.feeds.formats:
            rows.append(
                FeedRow(
                    path=feed.file(FILENAMES[fmt]),
                    url=feed.url(config.site, FILENAMES[fmt]),
                    format=fmt,
                    kind=feed.kind,
                    name=feed.name,
                    title=feed.title,
                    entries=len(feed.entries),
                    newest=newest.astimezone(tz) if newest else None,
                    archive=feed.archive,
                )
            )
    return rows


def table_lines(rows: list[FeedRow]) -> list[str]:
    """An aligned table for people; archive pages say so in the KIND column."""
    headers = ("PATH", "KIND", "ENTRIES", "NEWEST", "TITLE")
    cells = [
        (
            row.path,
            f"{row.kind} archive" if row.archive else row.kind,
            str(row.entries),
            _when(row.newest) if row.newest else "-",
            " ".join(row.title.split()),
        )  # a newline in a title would break the table
        for row in rows
    ]
    return table(headers, cells, right=(2,))


def json_rows(rows: list[FeedRow]) -> list[dict]:
    """The rows as JSON-ready dicts (dates in ISO 8601 with their offset)."""
    return [
        {
            "path": row.path,
            "url": row.url,
            "format": row.format,
            "kind": row.kind,
            "name": row.name,
            "title": row.title,
            "entries": row.entries,
            "newest": row.newest.isoformat() if row.newest else None,
            "archive": row.archive,
        }
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class ScheduledRow:
    """A post dated after `now`: a build leaves it out until then, and then shows it by itself."""

    path: Path
    line: int | None  # its date: line
    title: str
    appears: datetime  # in the site's timezone

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{where}note: scheduled: appears at {_when(self.appears)} (not published yet)"


def scheduled_rows(hidden: Hidden, config: Config) -> list[ScheduledRow]:
    """The scheduled posts, soonest first, with their dates in the site's timezone."""
    tz = ZoneInfo(config.site.timezone)
    return [ScheduledRow(p.path, p.line_of("date"), p.title, p.published.astimezone(tz)) for p in hidden.scheduled]


def drafts_note(drafts: int) -> str | None:
    """What to say about the drafts left out; None when there are none."""
    return f"{drafts} draft(s) left out (--drafts includes them)" if drafts else None


def _when(moment: datetime) -> str:
    """The same form as the NEWEST column of the table."""
    return moment.strftime("%Y-%m-%d %H:%M %z")
