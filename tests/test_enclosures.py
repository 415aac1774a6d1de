"""Enclosures and images reach every format; RSS's required length and type are enforced."""

from __future__ import annotations

import json

from conftest import NOW, run_cli
from feedcheck import assert_valid_feed, parse_ok
from lxml import etree

PODCAST = """---
title: Episode 1
date: 2026-01-30
image: cover.jpg
enclosure:
  - {url: /audio/ep1.mp3, length: 12345678, type: audio/mpeg}
  - {url: "https://cdn.example.net/ep1.ogg", length: 999, type: audio/ogg}
---
Show notes.
"""


def build(site, text: str) -> tuple:
    config = site({"ep.md": text}, {"feeds": {"formats": ["atom", "rss", "json"]}})
    result = run_cli("build", "-c", config, "--now", NOW)
    return result, config.parent / "public"


def test_enclosures_appear_in_atom_rss_and_json_with_absolute_urls(site):
    result, out = build(site, PODCAST)
    assert result.exit_code == 0, result.stderr
    for name in ("atom.xml", "rss.xml"):
        assert_valid_feed(out / name)
    atom = parse_ok(out / "atom.xml").entries[0]
    assert [(e.href, e.length, e.type) for e in atom.enclosures] == [
        ("https://example.com/audio/ep1.mp3", "12345678", "audio/mpeg"),
        ("https://cdn.example.net/ep1.ogg", "999", "audio/ogg"),
    ]
    alternates = [link for link in atom.links if link.rel == "alternate"]
    assert len(alternates) == 1, "an enclosure must never turn into a second alternate link"
    rss = etree.parse(str(out / "rss.xml")).getroot().find("channel/item/enclosure")
    assert dict(rss.attrib) == {"url": "https://example.com/audio/ep1.mp3", "length": "12345678", "type": "audio/mpeg"}
    item = json.loads((out / "feed.json").read_text("utf-8"))["items"][0]
    assert item["image"] == "https://example.com/2026/01/30/ep/cover.jpg"
    assert item["attachments"][0] == {
        "url": "https://example.com/audio/ep1.mp3",
        "mime_type": "audio/mpeg",
        "size_in_bytes": 12345678,
    }


def test_an_enclosure_without_length_or_type_is_an_error_naming_file_and_line(site, monkeypatch):
    text = "---\ntitle: T\ndate: 2026-01-30\nenclosure: {url: a.mp3, type: audio/mpeg}\n---\nx\n"
    result, out = build(site, text)
    assert result.exit_code == 1
    assert "posts/ep.md:4: enclosure: a.mp3: length is required" in result.stderr.replace("\\", "/")
    text = "---\ntitle: T\ndate: 2026-01-30\nenclosure: {url: a.mp3, length: 10}\n---\nx\n"
    result, _ = build(site, text)
    assert result.exit_code == 1 and "type is required" in result.stderr
    assert not (out / "atom.xml").exists()


def test_links_prints_autodiscovery_tags_for_the_site_a_tag_and_a_category(site):
    config = site({"a.md": "---\ntitle: A\ndate: 2026-01-30\ntags: [区块链]\ncategories: [Fin Tech]\n---\nx\n"})
    site_links = run_cli("links", "-c", config, "--now", NOW)
    assert site_links.stdout.splitlines() == [
        '<link rel="alternate" type="application/atom+xml" title="Test Site (Atom)" href="https://example.com/atom.xml">',
        '<link rel="alternate" type="application/rss+xml" title="Test Site (RSS)" href="https://example.com/rss.xml">',
    ]
    tag = run_cli("links", "-c", config, "--now", NOW, "--tag", "区块链").stdout
    assert 'href="https://example.com/tags/%E5%8C%BA%E5%9D%97%E9%93%BE/atom.xml"' in tag
    assert 'title="Test Site · 区块链 (Atom)"' in tag
    category = run_cli("links", "-c", config, "--now", NOW, "--category", "fin tech").stdout
    assert 'href="https://example.com/categories/fin-tech/rss.xml"' in category
    missing = run_cli("links", "-c", config, "--now", NOW, "--tag", "nope")
    assert missing.exit_code == 1 and 'no tag called "nope"' in missing.stderr
