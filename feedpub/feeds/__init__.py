"""Feeds: one emitter per format (feeds/emit.py), entries, OPML; feedgen lives in this package and nowhere else.

This module holds only names: importing it loads no XML library, so a build
that finds nothing to do stays quick.
"""

from __future__ import annotations

from feedpub.feeds.formats import FILENAMES, MEDIA_TYPES

OPML_FILENAME = "feeds.opml"
PAGE_FILENAME = "feeds.html"

__all__ = ["FILENAMES", "MEDIA_TYPES", "OPML_FILENAME", "PAGE_FILENAME"]
