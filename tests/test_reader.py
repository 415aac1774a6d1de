"""What a feed reader gets from the shipped sample site: valid feeds, and every post as written.

The expectations come from the posts' own front matter (read here with PyYAML), so a
post added to posts/ is checked without touching this file.
"""

from __future__ import annotations

import email.utils
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from conftest import ROOT, build_into, copy_sample_site, feed_paths
from feedcheck import assert_valid_feed, parse_ok
from lxml import etree

SAMPLE_NOW = "2026-11-24T00:00:00Z"
SITE_URL = "https://example.com/"
SITE_TZ = ZoneInfo("Asia/Shanghai")
POST_FILES = sorted(path.name for path in (ROOT / "posts").glob("*.md"))
ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


# --- what the sample posts say ---------------------------------------------------


def front_matter_and_body(name: str) -> tuple[dict, str]:
    text = (ROOT / "posts" / name).read_text("utf-8")
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


def written_date(value) -> datetime:
    """A front matter date as the README defines it: without an offset, in site.timezone."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=SITE_TZ)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=SITE_TZ)
    stamp = datetime.fromisoformat(re.sub(r"\s+(?=[+-]\d{2}:?\d{2}$)", "", value.strip()))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=SITE_TZ)


def names(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [n.strip() for n in (value.split(",") if "," in value else value.split()) if n.strip()]
    return [str(n) for n in value]


def distinctive_text(body: str) -> str:
    """The longest run of plain prose in the body: no Markdown or HTML syntax around it."""
    runs = []
    for line in body.splitlines():
        line = re.sub(r"^\s*(?:[-+*]|\d+\.|#+|>)\s+", "", line)
        runs.extend(run.strip() for run in re.split(r"[*_`\[\]()<>&#|!\"'\\^{}]", line))
    return max(runs, key=len)


class Written:
    """One sample post as its file says, and what its entry must therefore carry."""

    def __init__(self, name: str):
        self.name = name
        front, body = front_matter_and_body(name)
        self.front = front
        self.title = front["title"]
        self.published = written_date(front["date"] if "date" in front else name[:10])
        updated = front.get("updated", front.get("last_modified_at"))
        self.updated = written_date(updated) if updated is not None else self.published
        slug = Path(name).stem[11:]
        self.link = f"{SITE_URL}{self.published.astimezone(SITE_TZ):%Y/%m/%d}/{slug}/"
        self.entry_id = front.get("id", self.link)
        self.categories = names(front.get("categories", front.get("category")))
        self.tags = names(front.get("tags"))
        self.hidden = front.get("draft") is True or front.get("published") is False
        self.text = distinctive_text(body)


SHOWN = [name for name in POST_FILES if not Written(name).hidden]
HIDDEN = [name for name in POST_FILES if Written(name).hidden]


# --- what the feeds say --------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_output(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("reader")
    output = folder / "public"
    result = build_into(copy_sample_site(folder / "sample"), output, now=SAMPLE_NOW)
    assert result.exit_code == 0, result.stderr
    return output


@pytest.fixture(scope="module")
def site_feeds(sample_output) -> dict:
    """The site's Atom and RSS feeds as feedparser reads them."""
    return {fmt: parse_ok(sample_output / f"{fmt}.xml") for fmt in ("atom", "rss")}


def entry_for(parsed, written: Written):
    matches = [e for e in parsed.entries if e.get("title") == written.title]
    assert len(matches) == 1, f"{written.name}: {len(matches)} entries titled {written.title!r}"
    return matches[0]


def atom_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def rss_time(text: str) -> datetime:
    return email.utils.parsedate_to_datetime(text)


def test_sample_site_has_drafts_and_unpublished_posts_to_leave_out():
    assert len(SHOWN) == 10
    assert len(HIDDEN) == 2


def test_every_feed_of_the_sample_site_is_valid(sample_output):
    files = sorted(feed_paths(sample_output))

    for rel in files:
        assert_valid_feed(sample_output / rel)

    assert {"atom.xml", "rss.xml", "tags/区块链/atom.xml", "categories/监管科技/rss.xml"} <= set(files)


@pytest.mark.parametrize("fmt", ["atom", "rss"])
@pytest.mark.parametrize("name", SHOWN)
def test_entry_id_title_and_link_come_back_as_written(site_feeds, fmt, name):
    written = Written(name)

    entry = entry_for(site_feeds[fmt], written)

    assert entry.id == written.entry_id
    assert entry.title == written.title
    assert entry.link == written.link


@pytest.mark.parametrize("name", SHOWN)
def test_atom_entry_dates_come_back_as_written_with_their_offset(site_feeds, name):
    written = Written(name)

    entry = entry_for(site_feeds["atom"], written)

    assert atom_time(entry.published) == written.published
    assert atom_time(entry.updated) == written.updated
    assert atom_time(entry.published).utcoffset() == written.published.utcoffset()


@pytest.mark.parametrize("name", SHOWN)
def test_rss_pubdate_is_the_published_date(site_feeds, name):
    written = Written(name)

    entry = entry_for(site_feeds["rss"], written)

    assert rss_time(entry.published) == written.published


@pytest.mark.parametrize("fmt", ["atom", "rss"])
@pytest.mark.parametrize("name", SHOWN)
def test_entry_categories_and_tags_come_back_as_terms_in_their_schemes(site_feeds, fmt, name):
    written = Written(name)

    entry = entry_for(site_feeds[fmt], written)

    assert [(t.term, t.scheme) for t in entry.tags] == (
        [(c, f"{SITE_URL}categories/") for c in written.categories] + [(t, f"{SITE_URL}tags/") for t in written.tags]
    )


@pytest.mark.parametrize("fmt", ["atom", "rss"])
@pytest.mark.parametrize("name", SHOWN)
def test_entry_content_is_the_html_of_the_body(site_feeds, fmt, name):
    written = Written(name)

    entry = entry_for(site_feeds[fmt], written)

    assert len(written.text) >= 15
    assert written.text in entry.content[0].value


def test_chinese_tag_feed_has_its_title_and_percent_encoded_urls(sample_output):
    encoded = f"{SITE_URL}tags/%E5%8C%BA%E5%9D%97%E9%93%BE/"

    atom = parse_ok(sample_output / "tags" / "区块链" / "atom.xml")
    rss = parse_ok(sample_output / "tags" / "区块链" / "rss.xml")

    assert atom.feed.title == "金融科技观察 · 区块链"
    assert rss.feed.title == "金融科技观察 · 区块链"
    assert [link.href for link in atom.feed.links if link.rel == "self"] == [encoded + "atom.xml"]
    assert [link.href for link in rss.feed.links if link.rel == "self"] == [encoded + "rss.xml"]
    assert atom.feed.id == encoded + "atom.xml"


def test_every_feed_id_is_its_own_atom_url(sample_output):
    """A subscription feed's id is its URL; an RFC 5005 archive page shares it (same logical feed)."""
    for rel in sorted(p for p in feed_paths(sample_output) if p.endswith("atom.xml")):
        parsed = parse_ok(sample_output / rel)
        links = {link.rel: link.href for link in parsed.feed.links}
        assert parsed.feed.id == links.get("current", links["self"]), rel


def test_every_url_in_every_feed_is_percent_encoded_ascii(sample_output):
    non_ascii = []
    for rel in sorted(feed_paths(sample_output)):
        root = etree.parse(str(sample_output / rel)).getroot()
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            values = [element.get(a) for a in ("href", "scheme", "domain") if element.get(a)]
            if etree.QName(element).localname in ("id", "link", "guid") and element.text:
                values.append(element.text)
            non_ascii.extend((rel, v) for v in values if not v.isascii())

    assert non_ascii == []


def test_rss_guid_is_a_permalink_only_when_it_is_the_link(sample_output):
    channel = etree.parse(str(sample_output / "rss.xml")).getroot().find("channel")

    guids = {item.findtext("guid"): item.find("guid").get("isPermaLink") for item in channel.iter("item")}

    assert guids.pop("urn:uuid:7d3f2a91-5c4e-4b8a-9f61-2e0c8d4b7a15") == "false"
    assert set(guids.values()) == {"true"}
    assert len(guids) == 9


def test_post_language_other_than_the_site_is_xml_lang_on_its_entry(sample_output):
    feed = etree.parse(str(sample_output / "atom.xml")).getroot()

    langs = {e.findtext(f"{ATOM}title"): e.get(XML_LANG) for e in feed.iter(f"{ATOM}entry")}

    assert feed.get(XML_LANG) == "zh-CN"
    assert langs["Reading a Stablecoin Reserve Report: A Practical Checklist"] == "en"
    assert langs["开放银行在中国：从“API 开放”到“数据要素流通”"] is None


def test_feed_updated_is_the_newest_entry_update_not_the_build_time(sample_output):
    for rel in sorted(p for p in feed_paths(sample_output) if p.endswith("atom.xml")):
        atom = parse_ok(sample_output / rel)
        rss = parse_ok(sample_output / rel.replace("atom.xml", "rss.xml"))
        newest = max(atom_time(e.updated) for e in atom.entries)

        assert atom_time(atom.feed.updated) == newest, rel
        assert rss_time(rss.feed.updated) == newest, rel


def test_site_feed_updated_is_the_newest_sample_post():
    newest = max(Written(name).updated for name in SHOWN)

    assert newest == datetime(2026, 3, 16, 10, 0, tzinfo=SITE_TZ)


def test_site_feed_lists_entries_newest_first(site_feeds):
    published = [atom_time(e.published) for e in site_feeds["atom"].entries]

    assert published == sorted(published, reverse=True)
    assert len(published) == len(SHOWN)


@pytest.mark.parametrize("name", HIDDEN)
def test_drafts_and_unpublished_posts_are_in_no_feed(sample_output, name):
    title = Written(name).title

    in_feeds = [
        rel
        for rel in sorted(feed_paths(sample_output))
        if title in {e.title for e in parse_ok(sample_output / rel).entries}
    ]

    assert in_feeds == []


def test_tags_used_only_by_drafts_get_no_feed(sample_output):
    assert not (sample_output / "tags" / "bnpl").exists()
    assert not (sample_output / "tags" / "身份认证").exists()


def test_drafts_option_publishes_drafts_and_unpublished_posts(tmp_path, sample_config):
    output = tmp_path / "public"

    result = build_into(sample_config, output, "--drafts", now=SAMPLE_NOW)

    assert result.exit_code == 0, result.stderr
    titles = {e.title for e in parse_ok(output / "atom.xml").entries}
    assert {Written(name).title for name in HIDDEN} <= titles
    assert len(titles) == len(POST_FILES)
    assert (output / "tags" / "bnpl" / "atom.xml").is_file()
