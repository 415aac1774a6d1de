"""A site whose posts are episodes: the RSS feeds carry what Apple Podcasts and the Podcast Index read.

The requirements checked are Apple's "Podcast RSS feed requirements" (channel:
title, description, language, itunes:image, itunes:category, itunes:explicit as
true/false; episode: title, enclosure with url, length and type, guid) and the
tags Apple recommends (itunes:author, itunes:owner with an email, itunes:type,
pubDate, itunes:duration), which the Podcast Index reads the same way, and the
Podcast Index's own podcast:guid and podcast:locked.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import build_into, post, write_site
from feedcheck import parse_ok
from lxml import etree

from feedpub.feeds.xmlfeeds import podcast_guid

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
PODCASTING = "{https://podcastindex.org/namespace/1.0}"
PODCAST = {
    "image": "https://example.com/cover.jpg",
    "category": "Business/Investing",
    "owner": {"name": "周婷", "email": "zhou@example.com"},
}
ENCLOSURE = {"url": "/audio/ep1.mp3", "length": 12345678, "type": "audio/mpeg"}
EPISODES = {
    "2026-01-01-ep1.md": post("第一期", "2026-01-01", "聊稳定币。", enclosure=ENCLOSURE, duration=3723, explicit=True),
    "2026-01-08-ep2.md": post(
        "第二期", "2026-01-08", "聊支付。", enclosure={**ENCLOSURE, "url": "/audio/ep2.mp3"}, duration="45:30"
    ),
}


def build(tmp_path, output, podcast=PODCAST, posts=EPISODES):
    config = write_site(tmp_path / "site", posts, {"podcast": podcast})
    result = build_into(config, output)
    assert result.exit_code == 0, result.stderr
    return result


def channel(output: Path) -> etree._Element:
    return etree.parse(output / "rss.xml").getroot().find("channel")


def test_the_channel_has_what_apple_requires_and_recommends(tmp_path, output):
    build(tmp_path, output)
    feed = channel(output)

    assert feed.findtext("title") and feed.findtext("description") and feed.findtext("language") == "en"
    assert feed.find(f"{ITUNES}image").get("href") == "https://example.com/cover.jpg"
    category = feed.find(f"{ITUNES}category")
    assert category.get("text") == "Business" and category.find(f"{ITUNES}category").get("text") == "Investing"
    assert feed.findtext(f"{ITUNES}explicit") == "false"
    assert feed.findtext(f"{ITUNES}author") == "Site Author"
    assert feed.findtext(f"{ITUNES}owner/{ITUNES}email") == "zhou@example.com"
    assert feed.findtext(f"{ITUNES}type") == "episodic"
    assert parse_ok(output / "rss.xml").feed.image.href == "https://example.com/cover.jpg"


def test_the_channel_has_the_podcast_index_guid_of_its_feed_url_and_is_not_locked(tmp_path, output):
    build(tmp_path, output)
    feed = channel(output)

    assert feed.findtext(f"{PODCASTING}guid") == podcast_guid("https://example.com/rss.xml")
    locked = feed.find(f"{PODCASTING}locked")
    assert locked.text == "no" and locked.get("owner") == "zhou@example.com"


def test_podcast_guid_is_the_namespace_documents_uuidv5_of_the_url_without_scheme():
    # The example the Podcast Index's namespace document gives for podcast:guid.
    assert podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml") == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    assert podcast_guid("http://mp3s.nashownotes.com/pc20rss.xml/") == "917393e3-1b1e-5cef-ace4-edaa54e1f810"


def test_each_episode_has_its_enclosure_guid_duration_and_explicit_flag(tmp_path, output):
    build(tmp_path, output)
    items = {item.findtext("title"): item for item in channel(output).iter("item")}

    first, second = items["第一期"], items["第二期"]
    assert first.find("enclosure").attrib == {
        "url": "https://example.com/audio/ep1.mp3",
        "length": "12345678",
        "type": "audio/mpeg",
    }
    assert first.findtext("guid") and first.findtext("pubDate")
    assert first.findtext(f"{ITUNES}duration") == "3723"
    assert second.findtext(f"{ITUNES}duration") == "45:30"
    assert first.findtext(f"{ITUNES}explicit") == "true"
    assert second.find(f"{ITUNES}explicit") is None  # the show's flag stands


def test_atom_feeds_and_sites_without_podcast_settings_carry_no_itunes_tags(tmp_path, output):
    build(tmp_path, output)
    assert b"itunes" not in (output / "atom.xml").read_bytes()

    build(tmp_path, output, podcast={})
    assert b"itunes" not in (output / "rss.xml").read_bytes()


def test_every_rss_feed_of_the_site_is_a_podcast_tag_feeds_included(tmp_path, output):
    posts = {name: text.replace("title:", "tags:\n- 稳定币\ntitle:", 1) for name, text in EPISODES.items()}
    build(tmp_path, output, posts=posts)

    tag_channel = etree.parse(output / "tags" / "稳定币" / "rss.xml").getroot().find("channel")
    assert tag_channel.find(f"{ITUNES}image") is not None and len(tag_channel.findall(f"item/{ITUNES}duration")) == 2


def test_a_duration_that_is_no_length_is_a_warning_at_its_line(tmp_path, output):
    posts = {"2026-01-01-ep1.md": post("第一期", "2026-01-01", enclosure=ENCLOSURE, duration="an hour")}

    result = build(tmp_path, output, posts=posts)

    assert "2026-01-01-ep1.md:8: warning: duration: " in result.stderr  # the line of duration:
    assert channel(output).find(f"item/{ITUNES}duration") is None


@pytest.mark.parametrize(
    "podcast, message",
    [
        ({"category": "Business"}, "podcast.image: is required"),
        ({**PODCAST, "image": "cover.jpg"}, 'podcast.image: "cover.jpg" is not an absolute http(s) URL'),
        ({**PODCAST, "category": "Finance"}, 'podcast.category: "Finance" is not an Apple Podcasts category'),
        ({**PODCAST, "owner": "周婷"}, "podcast.owner: needs an email"),
        ({**PODCAST, "type": "daily"}, 'podcast.type: "daily" is not one of: episodic, serial'),
    ],
)
def test_podcast_settings_that_cannot_be_read_are_config_errors_at_their_line(tmp_path, output, podcast, message):
    config = write_site(tmp_path / "site", EPISODES, {"podcast": podcast})

    result = build_into(config, output)

    assert result.exit_code == 2
    assert message in result.stderr and "config.yaml:" in result.stderr
