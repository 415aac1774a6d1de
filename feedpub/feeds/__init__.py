"""One emitter per format: a FeedSpec and its entries' fragments in, bytes out.

feedgen lives in this package and nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence

from feedpub.feeds import jsonfeed, xmlfeeds
from feedpub.feeds.entries import build_entry
from feedpub.feeds.formats import FILENAMES, MEDIA_TYPES, XML_FORMATS
from feedpub.feeds.opml import opml_document
from feedpub.model import FeedSpec, Post, Rendered, Site

OPML_FILENAME = "feeds.opml"

__all__ = ["FILENAMES", "MEDIA_TYPES", "OPML_FILENAME", "entry_fragments", "feed_document", "opml_document"]


def entry_fragments(
    post: Post, rendered: Rendered, site: Site, full_content: bool, formats: Sequence[str]
) -> dict[str, bytes]:
    """One post's entry for each format, to be spliced into every feed that shows it."""
    fragments: dict[str, bytes] = {}
    xml_formats = [fmt for fmt in formats if fmt in XML_FORMATS]
    if xml_formats:
        entry = build_entry(post, rendered, site, full_content)
        fragments.update((fmt, xmlfeeds.fragment(entry, site, fmt)) for fmt in xml_formats)
    if "json" in formats:
        fragments["json"] = jsonfeed.item_fragment(post, rendered, full_content)
    return fragments


def feed_document(fmt: str, spec: FeedSpec, site: Site, fragments: Sequence[bytes]) -> bytes:
    """The bytes of one feed file; deterministic for the same spec and fragments."""
    if fmt == "json":
        return jsonfeed.document(spec, site, spec.url(site, FILENAMES["json"]), fragments)
    return xmlfeeds.document(spec, site, fmt, fragments)
