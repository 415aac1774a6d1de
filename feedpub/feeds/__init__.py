"""One emitter per format: a FeedSpec and its entries' fragments in, bytes out.

feedgen lives in this package and nowhere else.
"""
from __future__ import annotations

from typing import Sequence

from ..model import FeedSpec, Post, Rendered, Site
from .entries import build_entry
from .xmlfeeds import FILENAMES, MEDIA_TYPES, document, fragment

__all__ = ["FILENAMES", "MEDIA_TYPES", "entry_fragments", "feed_document"]


def entry_fragments(post: Post, rendered: Rendered, site: Site, full_content: bool,
                    formats: Sequence[str]) -> dict[str, bytes]:
    """One post's entry XML for each format, to be spliced into every feed that shows it."""
    entry = build_entry(post, rendered, site, full_content)
    return {fmt: fragment(entry, site, fmt) for fmt in formats}


def feed_document(fmt: str, spec: FeedSpec, site: Site, fragments: Sequence[bytes]) -> bytes:
    """The bytes of one feed file; deterministic for the same spec and fragments."""
    return document(spec, site, fmt, fragments)
