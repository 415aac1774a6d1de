"""One post serialised as an Atom entry, an RSS item and a JSON Feed item.

The Post and its Rendered HTML are built here and entry_fragments is called
directly; each fragment is parsed (lxml, json) and its fields asserted, so the
tests do not depend on indentation or attribute order.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from feedpub.feeds.emit import entry_fragments
from feedpub.model import Author, Enclosure, Post, Rendered, Site

TZ = ZoneInfo("Asia/Shanghai")
ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Fragments are spliced into a document whose root declares these namespaces.
_WRAPPERS = {
    "atom": (b'<feed xmlns="http://www.w3.org/2005/Atom">', b"</feed>"),
    "rss": (
        b'<channel xmlns:dc="http://purl.org/dc/elements/1.1/"'
        b' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        b' xmlns:atom="http://www.w3.org/2005/Atom">',
        b"</channel>",
    ),
}

SITE = Site(
    title="Test Site",
    url="https://example.com/",
    description="A site for tests",
    language="en",
    timezone="Asia/Shanghai",
    author=Author("Site Author", "author@example.com"),
)
PERMALINK = "https://example.com/2026/01/30/stablecoins/"
POST = Post(
    path=Path("posts/2026-01-30-stablecoins.md"),
    title='稳定币 & <Fintech> "news"',
    published=datetime(2026, 1, 30, 10, 0, tzinfo=TZ),
    updated=datetime(2026, 2, 1, 8, 30, tzinfo=TZ),
    authors=(Author("李明"), Author("Ann Lee", "ann@example.com", "https://ann.example/")),
    categories=("金融科技",),
    tags=("区块链", "fintech"),
    summary="One sentence.",
    draft=False,
    entry_id=PERMALINK,
    permalink=PERMALINK,
    source_url=None,
    lang=None,
    body="Body text.",
    body_line=6,
)
RENDERED = Rendered(
    content_html='<p>Hello &amp; <a href="https://example.com/x">world</a></p>\n<script>alert(1)</script>',
    summary_html="<p>One <em>sentence</em>.</p>",
)


def fragments(post: Post = POST, rendered: Rendered = RENDERED, full_content: bool = True) -> dict[str, bytes]:
    return entry_fragments(post, rendered, SITE, full_content, ("atom", "rss", "json"))


def atom_entry(post: Post = POST, rendered: Rendered = RENDERED, full_content: bool = True) -> etree._Element:
    return _parse("atom", fragments(post, rendered, full_content)["atom"]).find(f"{ATOM}entry")


def rss_item(post: Post = POST, rendered: Rendered = RENDERED, full_content: bool = True) -> etree._Element:
    return _parse("rss", fragments(post, rendered, full_content)["rss"]).find("item")


def json_item(post: Post = POST, rendered: Rendered = RENDERED, full_content: bool = True) -> dict:
    # An item fragment stands in the "items" array with its separating comma.
    return json.loads(fragments(post, rendered, full_content)["json"].decode("utf-8").rstrip().removesuffix(","))


def _parse(fmt: str, fragment: bytes) -> etree._Element:
    start, end = _WRAPPERS[fmt]
    return etree.fromstring(start + fragment + end)


# --- every format ------------------------------------------------------------------


def test_a_fragment_is_made_for_each_format_asked_for():
    assert set(entry_fragments(POST, RENDERED, SITE, True, ("atom", "json"))) == {"atom", "json"}
    assert set(entry_fragments(POST, RENDERED, SITE, True, ("rss",))) == {"rss"}


def test_the_same_post_always_serialises_to_the_same_bytes():
    assert fragments() == fragments()


# --- Atom --------------------------------------------------------------------------


def test_atom_entry_has_the_id_the_alternate_link_and_both_dates_with_their_offset():
    entry = atom_entry()

    assert entry.findtext(f"{ATOM}id") == PERMALINK
    alternates = [link.get("href") for link in entry.iter(f"{ATOM}link") if link.get("rel", "alternate") == "alternate"]
    assert alternates == [PERMALINK]
    assert entry.findtext(f"{ATOM}published") == "2026-01-30T10:00:00+08:00"
    assert entry.findtext(f"{ATOM}updated") == "2026-02-01T08:30:00+08:00"


def test_atom_title_is_text_so_markup_characters_come_back_as_written():
    title = atom_entry().find(f"{ATOM}title")

    assert title.get("type", "text") == "text"
    assert title.text == '稳定币 & <Fintech> "news"'


def test_atom_entry_credits_every_author_with_the_fields_they_have():
    authors = [
        {child.tag.removeprefix(ATOM): child.text for child in author} for author in atom_entry().iter(f"{ATOM}author")
    ]

    assert authors == [
        {"name": "李明"},
        {"name": "Ann Lee", "email": "ann@example.com", "uri": "https://ann.example/"},
    ]


def test_atom_categories_then_tags_each_with_the_scheme_of_its_feeds():
    categories = [(c.get("term"), c.get("label"), c.get("scheme")) for c in atom_entry().iter(f"{ATOM}category")]

    assert categories == [
        ("金融科技", "金融科技", "https://example.com/categories/"),
        ("区块链", "区块链", "https://example.com/tags/"),
        ("fintech", "fintech", "https://example.com/tags/"),
    ]


def test_atom_full_content_and_summary_are_escaped_html_that_parses_back_unchanged():
    entry = atom_entry()

    content, summary = entry.find(f"{ATOM}content"), entry.find(f"{ATOM}summary")
    assert (content.get("type"), content.text) == ("html", RENDERED.content_html)
    assert (summary.get("type"), summary.text) == ("html", RENDERED.summary_html)


def test_atom_summary_only_feeds_leave_the_content_out():
    entry = atom_entry(full_content=False)

    assert entry.find(f"{ATOM}content") is None
    assert entry.findtext(f"{ATOM}summary") == RENDERED.summary_html


def test_atom_entry_without_a_summary_has_no_empty_summary_element():
    entry = atom_entry(rendered=replace(RENDERED, summary_html=""))

    assert entry.find(f"{ATOM}summary") is None


def test_atom_entry_takes_the_post_language_as_xml_lang_only_when_it_has_one():
    assert atom_entry().get(XML_LANG) is None
    assert atom_entry(replace(POST, lang="zh-CN")).get(XML_LANG) == "zh-CN"


def test_atom_source_and_enclosures_are_links_with_their_relation():
    post = replace(
        POST,
        source_url="https://example.org/original",
        enclosures=(
            Enclosure("https://example.com/audio/ep1.mp3", 12345678, "audio/mpeg"),
            Enclosure("https://example.com/audio/ep1.ogg", 9000, "audio/ogg"),
        ),
    )

    links = [
        (link.get("rel", "alternate"), link.get("href"), link.get("type"), link.get("length"))
        for link in atom_entry(post).iter(f"{ATOM}link")
    ]

    assert links == [
        ("alternate", PERMALINK, None, None),
        ("related", "https://example.org/original", "text/html", None),
        ("enclosure", "https://example.com/audio/ep1.mp3", "audio/mpeg", "12345678"),
        ("enclosure", "https://example.com/audio/ep1.ogg", "audio/ogg", "9000"),
    ]


def test_atom_id_is_the_front_matter_id_when_there_is_one():
    entry = atom_entry(replace(POST, entry_id="urn:uuid:7d3f2a91-5c4e-4b8a-9f61-2e0c8d4b7a15"))

    assert entry.findtext(f"{ATOM}id") == "urn:uuid:7d3f2a91-5c4e-4b8a-9f61-2e0c8d4b7a15"


# --- RSS ---------------------------------------------------------------------------


def test_rss_guid_is_a_permalink_when_the_id_is_the_permalink():
    guid = rss_item().find("guid")

    assert (guid.text, guid.get("isPermaLink")) == (PERMALINK, "true")


def test_rss_guid_of_an_own_id_is_not_a_permalink_and_the_link_still_is():
    item = rss_item(replace(POST, entry_id="tag:example.com,2026:stablecoins"))

    guid = item.find("guid")
    assert (guid.text, guid.get("isPermaLink")) == ("tag:example.com,2026:stablecoins", "false")
    assert item.findtext("link") == PERMALINK


def test_rss_pub_date_is_the_published_instant_in_its_own_offset():
    pub_date = rss_item().findtext("pubDate")

    assert pub_date == "Fri, 30 Jan 2026 10:00:00 +0800"
    assert parsedate_to_datetime(pub_date) == POST.published


def test_rss_title_comes_back_as_written():
    assert rss_item().findtext("title") == '稳定币 & <Fintech> "news"'


def test_rss_author_is_one_email_and_dc_creator_names_every_author_of_the_others():
    item = rss_item()  # two authors, one with an email: RSS allows one <author>, and not beside dc:creator

    assert list(item.iter("author")) == []
    assert [creator.text for creator in item.iter(f"{DC}creator")] == ["李明", "Ann Lee"]


def test_rss_author_is_the_email_of_a_single_author_who_has_one():
    item = rss_item(replace(POST, authors=(Author("Ann Lee", "ann@example.com"),)))

    assert [author.text for author in item.iter("author")] == ["ann@example.com (Ann Lee)"]
    assert list(item.iter(f"{DC}creator")) == []


def test_rss_categories_carry_the_folder_of_their_feeds_as_domain():
    categories = [(c.text, c.get("domain")) for c in rss_item().iter("category")]

    assert categories == [
        ("金融科技", "https://example.com/categories/"),
        ("区块链", "https://example.com/tags/"),
        ("fintech", "https://example.com/tags/"),
    ]


def test_rss_description_is_the_summary_and_content_encoded_the_full_html():
    item = rss_item()

    assert item.findtext("description") == RENDERED.summary_html
    assert item.findtext(f"{CONTENT}encoded") == RENDERED.content_html


def test_rss_summary_only_feeds_have_no_content_encoded():
    assert rss_item(full_content=False).find(f"{CONTENT}encoded") is None


def test_rss_item_has_one_enclosure_the_first():
    post = replace(
        POST,
        enclosures=(
            Enclosure("https://example.com/audio/ep1.mp3", 12345678, "audio/mpeg"),
            Enclosure("https://example.com/audio/ep1.ogg", 9000, "audio/ogg"),
        ),
    )

    enclosures = [dict(e.attrib) for e in rss_item(post).iter("enclosure")]

    assert enclosures == [{"url": "https://example.com/audio/ep1.mp3", "length": "12345678", "type": "audio/mpeg"}]


# --- JSON Feed ---------------------------------------------------------------------


def test_json_item_has_the_id_url_title_and_both_dates_with_their_offset():
    item = json_item()

    assert item["id"] == PERMALINK
    assert item["url"] == PERMALINK
    assert item["title"] == '稳定币 & <Fintech> "news"'
    assert item["date_published"] == "2026-01-30T10:00:00+08:00"
    assert item["date_modified"] == "2026-02-01T08:30:00+08:00"


def test_json_item_is_utf8_as_written_not_escaped():
    assert "稳定币".encode() in fragments()["json"]


def test_json_full_content_is_the_html_and_summary_is_plain_text():
    item = json_item()

    assert item["content_html"] == RENDERED.content_html
    assert item["summary"] == "One sentence."


def test_json_summary_only_feeds_put_the_summary_html_in_content_html():
    assert json_item(full_content=False)["content_html"] == RENDERED.summary_html


def test_json_authors_link_to_their_uri_else_their_email():
    post = replace(POST, authors=(*POST.authors, Author("Bo", "bo@example.com")))

    assert json_item(post)["authors"] == [
        {"name": "李明"},
        {"name": "Ann Lee", "url": "https://ann.example/"},
        {"name": "Bo", "url": "mailto:bo@example.com"},
    ]


def test_json_tags_are_the_categories_then_the_tags_without_repeats():
    post = replace(POST, categories=("fintech", "金融科技"), tags=("区块链", "fintech"))

    assert json_item(post)["tags"] == ["fintech", "金融科技", "区块链"]


def test_json_optional_fields_appear_only_when_the_post_has_them():
    assert set(json_item()) == {
        "id",
        "url",
        "title",
        "content_html",
        "summary",
        "date_published",
        "date_modified",
        "authors",
        "author",
        "tags",
    }


@pytest.mark.parametrize(
    ("changes", "field", "value"),
    [
        ({"source_url": "https://example.org/original"}, "external_url", "https://example.org/original"),
        ({"lang": "zh-CN"}, "language", "zh-CN"),
        ({"image": "https://example.com/cover.jpg"}, "image", "https://example.com/cover.jpg"),
        (
            {"enclosures": (Enclosure("https://example.com/ep1.mp3", 12345678, "audio/mpeg"),)},
            "attachments",
            [{"url": "https://example.com/ep1.mp3", "mime_type": "audio/mpeg", "size_in_bytes": 12345678}],
        ),
    ],
    ids=["external_url", "language", "image", "attachments"],
)
def test_json_optional_fields_carry_the_post_values(changes: dict, field: str, value: object):
    assert json_item(replace(POST, **changes))[field] == value
