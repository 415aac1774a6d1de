"""Checks every test uses on a produced feed: a real reader and the standard."""

from __future__ import annotations

import email.utils
from functools import lru_cache
from pathlib import Path

import feedparser
from lxml import etree

# The RFC 4287 RELAX NG schema ships with feedpub (feedpub check validates with it); tests use that one copy.
from feedpub.tools.check import ATOM_SCHEMA


@lru_cache(maxsize=1)
def atom_schema() -> etree.RelaxNG:
    # A missing schema must fail loudly, never skip the check.
    return etree.RelaxNG(etree.parse(str(ATOM_SCHEMA)))


def assert_valid_atom(path: Path) -> None:
    """The file validates against the RFC 4287 RELAX NG schema."""
    document = etree.parse(str(path))
    schema = atom_schema()
    assert schema.validate(document), f"{path}: {schema.error_log}"


def parse_ok(path: Path) -> feedparser.FeedParserDict:
    """feedparser reads the file without any complaint (bozo == 0)."""
    parsed = feedparser.parse(Path(path).read_bytes())
    assert parsed.bozo == 0, f"{path}: {parsed.get('bozo_exception')}"
    return parsed


def entry_titles(path: Path) -> list[str]:
    """The titles of a feed's entries, in order, as feedparser reads them (without complaint)."""
    return [entry.title for entry in parse_ok(path).entries]


def assert_valid_rss(path: Path) -> None:
    """Required RSS 2.0 channel and item elements, RFC 822 dates, unique guids."""
    root = etree.parse(str(path)).getroot()
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    for name in ("title", "link", "description"):
        assert (channel.findtext(name) or "").strip(), f"{path}: channel has no {name}"
    for stamp in [channel.findtext("lastBuildDate")] + [i.findtext("pubDate") for i in channel.iter("item")]:
        if stamp is not None:
            assert email.utils.parsedate_to_datetime(stamp).tzinfo is not None, stamp
    guids = [item.findtext("guid") for item in channel.iter("item")]
    assert len(guids) == len(set(guids)), f"{path}: duplicate guids"
    for item in channel.iter("item"):
        assert item.findtext("title") or item.findtext("description")


def assert_valid_feed(path: Path) -> feedparser.FeedParserDict:
    path = Path(path)
    if path.name.endswith(".xml") and etree.parse(str(path)).getroot().tag.endswith("feed"):
        assert_valid_atom(path)
    else:
        assert_valid_rss(path)
    return parse_ok(path)
