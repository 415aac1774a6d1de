"""feeds.opml lists every feed, so an aggregator subscribes to every tag at once."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from conftest import NOW, copy_sample_site, post, run_cli
from feedcheck import assert_valid_feed
from lxml import etree


def build_sample(folder: Path) -> Path:
    """Build a copy of the shipped sample site inside `folder`; returns its output folder."""
    out = folder / "public"
    result = run_cli("build", "-c", copy_sample_site(folder / "site"), "-o", out, "--now", NOW, "-q")
    assert result.exit_code == 0, result.output
    return out


def test_every_outline_points_at_a_feed_that_exists_and_parses(tmp_path):
    out = build_sample(tmp_path)
    opml = etree.parse(str(out / "feeds.opml")).getroot()
    assert opml.get("version") == "2.0"
    outlines = opml.findall("body/outline/outline")
    feeds_on_disk = sorted(p for p in out.rglob("atom.xml") if "archive" not in p.parts)
    assert len(outlines) == len(feeds_on_disk)
    assert not [o for o in outlines if "/archive/" in o.get("xmlUrl")], "archive pages are not subscriptions"
    for outline in outlines:
        assert outline.get("type") == "rss" and outline.get("text") and outline.get("title")
        assert outline.get("htmlUrl") == "https://example.com/"
        url = outline.get("xmlUrl")
        assert url.isascii() and url.startswith("https://example.com/")
        path = out / unquote(url.removeprefix("https://example.com/"))
        assert path.is_file(), url
        assert_valid_feed(path)


def test_outlines_are_grouped_by_kind_of_feed(tmp_path):
    out = build_sample(tmp_path)
    groups = etree.parse(str(out / "feeds.opml")).getroot().findall("body/outline")
    assert [g.get("text") for g in groups] == ["Site", "Categories", "Tags", "Authors", "Languages", "Custom feeds"]
    # OPML 2.0: an outline with attributes beyond text needs a type, so a group carries text alone.
    assert [sorted(g.attrib) for g in groups] == [["text"]] * 6
    tags = [o.get("text") for o in groups[2]]
    assert "金融科技观察 · 区块链" in tags and "金融科技观察 · stablecoins" in tags


def test_opml_can_be_turned_off(site):
    config = site({"a.md": post()}, {"feeds": {"opml": False}})
    assert run_cli("build", "-c", config, "--now", NOW, "-q").exit_code == 0
    assert not (config.parent / "public" / "feeds.opml").exists()
