"""Atom 1.0 and RSS 2.0 through feedgen: feed-level fields and entry splicing.

Each entry's XML is serialised once per format (a "fragment") and spliced into
every feed that shows it, so a post in forty tag feeds costs one feedgen call,
not forty. A feed is feedgen's document without entries, with the fragments
placed where feedgen itself would put them (after every feed-level element).
"""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from typing import Sequence

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from ..model import FeedSpec, Site

GENERATOR = "feedpub"
FILENAMES = {"atom": "atom.xml", "rss": "rss.xml"}
MEDIA_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml"}
# Where entries start in a pretty-printed document, and what follows the last one.
_ENTRY_START = {"atom": b"\n  <entry", "rss": b"\n    <item"}  # <entry xml:lang=...> too
_DOCUMENT_END = {"atom": b"</feed>", "rss": b"  </channel>"}


def feed_generator(spec: FeedSpec, site: Site, fmt: str) -> FeedGenerator:
    """A FeedGenerator with the spec's feed-level fields and no entries."""
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.id(spec.url(site, FILENAMES["atom"]))
    fg.title(spec.title)
    fg.subtitle(spec.description)
    fg.link(href=spec.url(site, FILENAMES[fmt]), rel="self", type=MEDIA_TYPES[fmt])
    # feedgen takes RSS <link> from the last link added, so the alternate goes last.
    fg.link(href=spec.home_url, rel="alternate", type="text/html")
    if site.language:
        fg.language(site.language)
    if site.author:
        fg.author({k: v for k, v in (("name", site.author.name), ("email", site.author.email), ("uri", site.author.uri)) if v})
    # Our own generator without a version: a feedpub upgrade must not rewrite every feed.
    fg.generator(GENERATOR)
    # feedgen defaults to now(); the newest entry's time keeps builds reproducible.
    fg.updated(spec.updated)
    return fg


def serialise(fg: FeedGenerator, fmt: str) -> bytes:
    if fmt == "atom":
        return fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    # feedgen formats RFC 822 dates by switching the process locale: call from processes, not threads.
    return fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)


def document(spec: FeedSpec, site: Site, fmt: str, fragments: Sequence[bytes]) -> bytes:
    """The whole feed: feed-level XML with the entry fragments spliced in, in order."""
    head = serialise(feed_generator(spec, site, fmt), fmt)
    end = head.rindex(_DOCUMENT_END[fmt])
    return head[:end] + b"".join(fragments) + head[end:]


# A stand-in feed to serialise one entry in; its own fields are cut away.
_CARRIER = FeedSpec(kind="site", name=None, slug=None, title="t", description="d",
                    home_url="https://example.invalid/", folder="", url_folder="",
                    entries=(), updated=datetime(1970, 1, 1, tzinfo=timezone.utc))


@lru_cache(maxsize=8)
def _carrier(site: Site, fmt: str) -> FeedGenerator:
    return feed_generator(_CARRIER, site, fmt)


def fragment(entry: FeedEntry, site: Site, fmt: str) -> bytes:
    """One entry's XML exactly as feedgen writes it inside a feed, indentation included."""
    fg = _carrier(site, fmt)
    fg.add_entry(entry, order="append")
    try:
        data = serialise(fg, fmt)
    finally:
        fg.remove_entry(entry)
    start = data.index(_ENTRY_START[fmt]) + 1
    return data[start:data.rindex(_DOCUMENT_END[fmt])]
