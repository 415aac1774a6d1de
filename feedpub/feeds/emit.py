"""One emitter per format: a FeedSpec and its entries' fragments in, bytes out."""

from __future__ import annotations

from collections.abc import Sequence

from feedpub.feeds import jsonfeed, xmlfeeds
from feedpub.feeds.entries import build_entry
from feedpub.feeds.formats import FILENAMES, XML_FORMATS
from feedpub.model import FeedSpec, Post, Rendered, Site


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
    """The bytes of one feed file; deterministic for the same spec and fragments (spec.entries is not read)."""
    if fmt == "json":
        return jsonfeed.document(spec, site, spec.url(site, FILENAMES["json"]), fragments)
    return xmlfeeds.spliced(xmlfeeds.head(spec, site, fmt), fmt, fragments)
