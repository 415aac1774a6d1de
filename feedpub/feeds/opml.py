"""OPML 2.0 index of every feed, so an aggregator can subscribe to all of them at once."""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import format_datetime

from lxml import etree

from feedpub.model import FeedSpec, Site

GROUPS = (
    ("site", "Site"),
    ("category", "Categories"),
    ("tag", "Tags"),
    ("author", "Authors"),
    ("language", "Languages"),
    ("custom", "Custom feeds"),
    ("collection", "Collections"),
)


def opml_document(feeds: Sequence[FeedSpec], site: Site, filename: str) -> bytes:
    """One outline per feed (its first configured format), grouped into Site, Categories, Tags (and a
    Jekyll site's Collections).

    `filename` is the feed file each outline points at (e.g. "atom.xml").
    """
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = site.title
    newest = max((feed.updated for feed in feeds), default=None)
    if newest is not None:
        # The newest entry's time, not the build's: the file only changes when the feeds do.
        etree.SubElement(head, "dateModified").text = format_datetime(newest)
    body = etree.SubElement(root, "body")
    for kind, label in GROUPS:
        # Archive pages are history to follow from a feed, not feeds to subscribe to.
        members = [feed for feed in feeds if feed.kind == kind and not feed.archive]
        if not members:
            continue
        # A group is text alone: OPML 2.0 wants a type on any outline with more attributes.
        group = etree.SubElement(body, "outline", text=label)
        for feed in members:
            etree.SubElement(
                group,
                "outline",
                text=feed.title,
                title=feed.title,
                type="rss",
                xmlUrl=feed.url(site, filename),
                htmlUrl=feed.home_url,
            )
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")
