"""One emitter per format: a FeedSpec and its entries in, bytes out.

feedgen lives in this package and nowhere else.
"""
from __future__ import annotations

from typing import Callable, Mapping

from ..model import FeedSpec, Site
from .atom import atom_bytes
from .entries import EntryXml
from .rss import rss_bytes

FILENAMES = {"atom": "atom.xml", "rss": "rss.xml"}
MEDIA_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml"}

Emitter = Callable[[FeedSpec, Site, Mapping[str, EntryXml]], bytes]
EMITTERS: dict[str, Emitter] = {"atom": atom_bytes, "rss": rss_bytes}


def emit(fmt: str, spec: FeedSpec, site: Site, entries: Mapping[str, EntryXml]) -> bytes:
    """The bytes of `spec` in format `fmt` ("atom" or "rss")."""
    return EMITTERS[fmt](spec, site, entries)
