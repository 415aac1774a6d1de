"""Slugs of tags and categories, the feeds they name, and what each feed lists."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from conftest import build_into, feed_paths
from feedcheck import entry_titles, parse_ok

from feedpub.sources.slugs import slugify, url_segment


def front(*lines: str, body: str = "Body text.") -> str:
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


@pytest.fixture
def output(tmp_path) -> Path:
    return tmp_path / "out"


@pytest.fixture
def build_ok(site, output):
    def run(posts: dict[str, str], config: dict | None = None) -> Path:
        result = build_into(site(posts, config), output)
        assert result.exit_code == 0, result.stderr
        return output

    return run


# --- the slug rules --------------------------------------------------------------


@pytest.mark.parametrize(
    "name, slug",
    [
        ("Fintech", "fintech"),
        ("Machine Learning", "machine-learning"),
        ("Hello, World!", "hello-world"),
        ("  spaced   out  ", "spaced-out"),
        ("A.B.C", "a-b-c"),
        ("e-CNY", "e-cny"),
        ("foo -- bar", "foo-bar"),
        ("区块链", "区块链"),
        ("稳定币 Stablecoins", "稳定币-stablecoins"),
        ("Café", "café"),
        ("2026", "2026"),
        ("../../etc", "etc"),
        ("a/b\\c", "a-b-c"),
    ],
)
def test_slug_is_lower_case_with_runs_of_punctuation_as_one_dash(name, slug):
    assert slugify(name) == slug


def test_nfc_and_nfd_spellings_make_the_same_slug():
    assert slugify(unicodedata.normalize("NFD", "Café")) == slugify(unicodedata.normalize("NFC", "Café"))


@pytest.mark.parametrize("name", ["..", ".", "...", "/", "++", "  "])
def test_names_without_letters_or_digits_have_no_slug(name):
    assert slugify(name) == ""


def test_unicode_slugs_are_percent_encoded_in_urls():
    assert url_segment("区块链") == "%E5%8C%BA%E5%9D%97%E9%93%BE"


# --- tags and categories as feeds --------------------------------------------------


def test_unicode_tag_is_published_under_its_unicode_name(build_ok):
    output = build_ok({"x.md": front("title: Hi", "date: 2026-01-30", "tags: [区块链]")})

    assert (output / "tags" / "区块链" / "atom.xml").is_file()
    assert (output / "tags" / "区块链" / "rss.xml").is_file()


def test_tag_names_differing_only_in_case_share_one_feed(build_ok):
    output = build_ok(
        {
            "a.md": front("title: A", "date: 2026-01-30", "tags: [AI]"),
            "b.md": front("title: B", "date: 2026-01-29", "tags: [AI]"),
            "c.md": front("title: C", "date: 2026-01-28", "tags: [ai]"),
        }
    )

    assert sorted(p for p in feed_paths(output) if p.startswith("tags/")) == ["tags/ai/atom.xml", "tags/ai/rss.xml"]
    assert entry_titles(output / "tags" / "ai" / "atom.xml") == ["A", "B", "C"]
    assert parse_ok(output / "tags" / "ai" / "atom.xml").feed.title == "Test Site · AI"


def test_tag_names_differing_only_in_unicode_normalisation_share_one_feed(build_ok):
    output = build_ok(
        {
            "a.md": front("title: A", "date: 2026-01-30", f"tags: [{unicodedata.normalize('NFC', 'café')}]"),
            "b.md": front("title: B", "date: 2026-01-29", f"tags: [{unicodedata.normalize('NFD', 'café')}]"),
        }
    )

    assert os.listdir(output / "tags") == [unicodedata.normalize("NFC", "café")]
    assert entry_titles(output / "tags" / unicodedata.normalize("NFC", "café") / "atom.xml") == ["A", "B"]


def test_one_post_listing_a_tag_twice_appears_once(build_ok):
    output = build_ok({"a.md": front("title: A", "date: 2026-01-30", "tags: [AI, ai, Ai]")})

    assert entry_titles(output / "tags" / "ai" / "atom.xml") == ["A"]


def test_two_names_making_one_slug_is_an_error_naming_both(site, output):
    config = site(
        {
            "a.md": front("title: A", "date: 2026-01-30", "tags: [C++]"),
            "b.md": front("title: B", "date: 2026-01-29", "tags: [C]"),
        }
    )

    result = build_into(config, output)

    assert result.exit_code == 1
    assert '"C"' in result.stderr and '"C++"' in result.stderr
    assert 'slug "c"' in result.stderr
    assert "tag_slugs" in result.stderr
    assert not output.exists() or feed_paths(output) == set()


def test_two_category_names_making_one_slug_name_category_slugs(site, output):
    config = site(
        {
            "a.md": front("title: A", "date: 2026-01-30", "categories: [Open Banking]"),
            "b.md": front("title: B", "date: 2026-01-29", "categories: [open-banking]"),
        }
    )

    result = build_into(config, output)

    assert result.exit_code == 1
    assert '"Open Banking"' in result.stderr and '"open-banking"' in result.stderr
    assert "category_slugs" in result.stderr


def test_tag_slugs_gives_a_colliding_name_its_own_feed(build_ok):
    output = build_ok(
        {
            "a.md": front("title: A", "date: 2026-01-30", "tags: [C++]"),
            "b.md": front("title: B", "date: 2026-01-29", "tags: [C]"),
        },
        {"tag_slugs": {"c++": "cpp"}},
    )

    assert entry_titles(output / "tags" / "cpp" / "atom.xml") == ["A"]
    assert entry_titles(output / "tags" / "c" / "atom.xml") == ["B"]
    assert parse_ok(output / "tags" / "cpp" / "atom.xml").feed.title == "Test Site · C++"


def test_category_slugs_overrides_a_category_folder_and_permalink(build_ok):
    output = build_ok(
        {"2026-01-30-a.md": front("title: A", "categories: [金融科技]")},
        {"category_slugs": {"金融科技": "fintech"}, "permalink": "/{category}/{slug}/"},
    )

    assert entry_titles(output / "categories" / "fintech" / "atom.xml") == ["A"]
    assert parse_ok(output / "atom.xml").entries[0].link == "https://example.com/fintech/a/"


def test_tags_that_look_like_paths_stay_inside_the_output_folder(site, tmp_path):
    output = tmp_path / "deep" / "er" / "out"
    config = site(
        {
            "x.md": front(
                "title: X", "date: 2026-01-30", "tags: ['../../etc', '/abs', '..\\..\\win', 'a/../../b', '~root']"
            )
        }
    )
    inputs = {p for p in tmp_path.rglob("*") if p.is_file()}

    result = build_into(config, output)

    assert result.exit_code == 0, result.stderr
    created = {p for p in tmp_path.rglob("*") if p.is_file()} - inputs
    outside = [p for p in created if not p.is_relative_to(output) and ".feedpub-cache" not in p.parts]
    assert outside == []
    assert sorted(os.listdir(output / "tags")) == ["a-b", "abs", "etc", "root", "win"]


@pytest.mark.parametrize("name", ["..", ".", "!!"])
def test_tag_without_letters_or_digits_is_a_clear_error(site, output, name):
    config = site({"x.md": front("title: X", "date: 2026-01-30", f"tags: ['{name}']")})

    result = build_into(config, output)

    assert result.exit_code == 1
    assert f'tag "{name}" has no letter or digit' in result.stderr
    assert "tag_slugs" in result.stderr


def test_tag_slugs_value_that_is_a_path_is_a_config_error(site, output):
    config = site({"x.md": front("title: X", "date: 2026-01-30", "tags: [a]")}, {"tag_slugs": {"a": "../x"}})

    result = build_into(config, output)

    assert result.exit_code == 2
    assert "tag_slugs.a" in result.stderr
    assert not (output.parent / "x").exists()


# --- entries per feed ---------------------------------------------------------------


def dated_posts(count: int) -> dict[str, str]:
    return {
        f"p{day:02d}.md": front(f"title: P{day:02d}", f"date: 2026-01-{day:02d}", "tags: [t]")
        for day in range(1, count + 1)
    }


def test_feeds_limit_keeps_the_newest_entries(build_ok):
    output = build_ok(dated_posts(5), {"feeds": {"limit": 3}})

    assert entry_titles(output / "atom.xml") == ["P05", "P04", "P03"]
    assert entry_titles(output / "rss.xml") == ["P05", "P04", "P03"]
    assert entry_titles(output / "tags" / "t" / "atom.xml") == ["P05", "P04", "P03"]


def test_feeds_limit_zero_keeps_every_entry(build_ok):
    output = build_ok(dated_posts(25), {"feeds": {"limit": 0}})

    assert len(entry_titles(output / "atom.xml")) == 25


def test_feeds_limit_defaults_to_twenty(build_ok):
    output = build_ok(dated_posts(25))

    assert entry_titles(output / "atom.xml") == [f"P{day:02d}" for day in range(25, 5, -1)]


def test_entries_with_the_same_date_are_ordered_by_id(build_ok):
    output = build_ok(
        {
            "1.md": front("title: C", "date: 2026-01-30 10:00:00", "id: urn:x:c"),
            "2.md": front("title: A", "date: 2026-01-30 10:00:00", "id: urn:x:a"),
            "3.md": front("title: B", "date: 2026-01-30 10:00:00", "id: urn:x:b"),
            "4.md": front("title: Newer", "date: 2026-01-31", "id: urn:x:z"),
        }
    )

    assert entry_titles(output / "atom.xml") == ["Newer", "A", "B", "C"]
    assert entry_titles(output / "rss.xml") == ["Newer", "A", "B", "C"]


def test_same_instant_in_different_offsets_is_a_tie_broken_by_id(build_ok):
    output = build_ok(
        {
            "2026-01-30-zeta.md": front("title: Zeta", "date: 2026-01-30 10:00:00 +0800"),
            "2026-01-30-alpha.md": front("title: Alpha", "date: 2026-01-30 02:00:00 +0000"),
        }
    )

    assert entry_titles(output / "atom.xml") == ["Alpha", "Zeta"]


def test_category_and_tag_feed_titles_name_the_category_or_tag(build_ok):
    output = build_ok({"x.md": front("title: X", "date: 2026-01-30", "categories: [Fintech]", "tags: [区块链]")})

    category = parse_ok(output / "categories" / "fintech" / "atom.xml").feed
    tag_rss = parse_ok(output / "tags" / "区块链" / "rss.xml").feed
    assert category.title == "Test Site · Fintech"
    assert category.subtitle == "A site for tests · Fintech"
    assert tag_rss.title == "Test Site · 区块链"
    assert parse_ok(output / "atom.xml").feed.title == "Test Site"


def test_category_and_tag_feeds_can_be_turned_off(build_ok):
    output = build_ok(
        {"x.md": front("title: X", "date: 2026-01-30", "categories: [Fintech]", "tags: [a]")},
        {"feeds": {"categories": False, "tags": False}},
    )

    assert feed_paths(output) == {"atom.xml", "rss.xml"}


def test_formats_chooses_the_files_of_every_feed(build_ok):
    output = build_ok({"x.md": front("title: X", "date: 2026-01-30", "tags: [a]")}, {"feeds": {"formats": ["rss"]}})

    assert feed_paths(output) == {"rss.xml", "tags/a/rss.xml"}
