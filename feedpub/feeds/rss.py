"""RSS 2.0 with content:encoded, dc:creator and an atom:link to itself."""
from __future__ import annotations

from typing import Mapping

from ..model import FeedSpec, Site
from .common import feed_generator
from .entries import EntryXml


def rss_bytes(spec: FeedSpec, site: Site, entries: Mapping[str, EntryXml]) -> bytes:
    """The RSS document for one feed; byte-identical for the same spec.

    feedgen formats RFC 822 dates by switching the process locale, so call
    this from processes, not threads.
    """
    fg = feed_generator(spec, site, spec.url(site, "rss.xml"), "application/rss+xml", entries)
    return fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
