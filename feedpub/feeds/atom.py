"""Atom 1.0 (RFC 4287)."""
from __future__ import annotations

from typing import Mapping

from ..model import FeedSpec, Site
from .common import feed_generator
from .entries import EntryXml


def atom_bytes(spec: FeedSpec, site: Site, entries: Mapping[str, EntryXml]) -> bytes:
    """The Atom document for one feed; byte-identical for the same spec."""
    fg = feed_generator(spec, site, spec.url(site, "atom.xml"), "application/atom+xml", entries)
    return fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
