"""A feed per author (authors/<slug>/...), as for tags: on by default when the posts have more than one author."""

from __future__ import annotations

import pytest
from conftest import build_into, opml_group_urls, post, published_paths, run_cli, write_site
from feedcheck import entry_titles, parse_ok

POSTS = {
    "2026-01-30-a.md": post("A", "2026-01-30", "First.", author="周婷"),
    "2026-01-31-b.md": post("B", "2026-01-31", "Second.", author="Liu Yang"),
    "2026-02-01-c.md": post("C", "2026-02-01", "Third.", authors=["周婷", "Liu Yang"]),
    "2026-02-02-d.md": post("D", "2026-02-02", "Fourth, by the site's author."),
}


def build(tmp_path, output, posts=POSTS, config=None, *args):
    config_path = write_site(tmp_path / "site", posts, config)
    result = build_into(config_path, output, *args)
    assert result.exit_code == 0, result.stderr
    return config_path


def test_each_author_gets_feeds_in_every_format_with_their_posts_newest_first(tmp_path, output):
    build(tmp_path, output, config={"feeds": {"formats": ["atom", "rss", "json"]}})

    assert entry_titles(output / "authors" / "周婷" / "atom.xml") == ["C", "A"]
    assert entry_titles(output / "authors" / "liu-yang" / "rss.xml") == ["C", "B"]
    assert entry_titles(output / "authors" / "site-author" / "atom.xml") == ["D"]
    assert (output / "authors" / "周婷" / "feed.json").is_file()
    feed = parse_ok(output / "authors" / "周婷" / "atom.xml").feed
    assert feed.title == "Test Site · 周婷"
    assert feed.id == "https://example.com/authors/%E5%91%A8%E5%A9%B7/atom.xml"


def test_an_author_named_twice_in_one_post_has_the_post_once(tmp_path, output):
    twice = {
        "2026-01-30-a.md": post("A", "2026-01-30", "First.", authors=["Ann", "Ann"]),
        "2026-01-31-b.md": post(
            "B", "2026-01-31", "Second.", authors=["Ann", {"name": "Ann", "email": "ann@example.com"}]
        ),
    }

    build(tmp_path, output, twice, {"feeds": {"authors": True, "formats": ["atom", "rss"]}})

    for name in ("atom.xml", "rss.xml"):
        assert entry_titles(output / "authors" / "ann" / name) == ["B", "A"]  # each post once: no guid twice
    entries = {entry.title: entry for entry in parse_ok(output / "atom.xml").entries}
    assert [author.get("name") for author in entries["A"].authors] == ["Ann"]
    assert [author.get("email") for author in entries["B"].authors] == [None, "ann@example.com"]


def test_a_site_with_one_author_has_no_author_feeds_unless_asked(tmp_path, output):
    one = {name: text for name, text in POSTS.items() if name.endswith("d.md")}

    build(tmp_path, output, one)
    assert not any(path.startswith("authors/") for path in published_paths(output))

    build(tmp_path, output, one, {"feeds": {"authors": True}})
    assert entry_titles(output / "authors" / "site-author" / "atom.xml") == ["D"]


def test_authors_false_turns_them_off_and_the_next_build_removes_them(tmp_path, output):
    build(tmp_path, output)
    assert (output / "authors" / "liu-yang" / "atom.xml").is_file()

    # Most of this small site's files go: the shrink guard asks for --allow-shrink, as it would for tags.
    build(tmp_path, output, POSTS, {"feeds": {"authors": False}}, "--allow-shrink")

    assert not (output / "authors").exists()


def test_author_feeds_are_in_the_opml_index(tmp_path, output):
    build(tmp_path, output)

    assert sorted(opml_group_urls(output, "Authors")) == [
        "https://example.com/authors/%E5%91%A8%E5%A9%B7/atom.xml",
        "https://example.com/authors/liu-yang/atom.xml",
        "https://example.com/authors/site-author/atom.xml",
    ]


def test_two_authors_with_one_slug_are_an_error_naming_both_and_author_slugs_resolves_it(tmp_path, output):
    posts = {
        "2026-01-30-a.md": post("A", "2026-01-30", author="Li Na"),
        "2026-01-31-b.md": post("B", "2026-01-31", author="Li-Na"),
    }
    config = write_site(tmp_path / "site", posts)

    result = build_into(config, output)

    assert result.exit_code == 1
    assert 'authors "Li Na"' in result.stderr and '"Li-Na"' in result.stderr and "author_slugs" in result.stderr
    assert "2026-01-30-a.md:4:" in result.stderr or "2026-01-31-b.md:4:" in result.stderr

    write_site(tmp_path / "site", posts, {"author_slugs": {"Li-Na": "li-na-2"}})
    assert build_into(config, output).exit_code == 0
    assert entry_titles(output / "authors" / "li-na-2" / "atom.xml") == ["B"]


def test_author_feeds_get_archives_with_the_other_taxonomies(tmp_path, output):
    build(tmp_path, output, config={"feeds": {"archive": True, "archive_taxonomies": True, "archive_page_size": 1}})

    assert entry_titles(output / "authors" / "周婷" / "archive" / "1" / "atom.xml") == ["A"]
    assert entry_titles(output / "authors" / "周婷" / "archive" / "2" / "atom.xml") == ["C"]


def test_links_prints_an_authors_autodiscovery_tags(tmp_path, output):
    config = build(tmp_path, output)

    result = run_cli("links", "-c", config, "--author", "周婷", "--now", "2026-11-24T00:00:00Z")

    assert result.exit_code == 0, result.stderr
    assert 'href="https://example.com/authors/%E5%91%A8%E5%A9%B7/atom.xml"' in result.stdout


@pytest.mark.parametrize("value", ["sometimes", 3])
def test_feeds_authors_must_be_auto_true_or_false(tmp_path, value):
    config = write_site(tmp_path / "site", POSTS, {"feeds": {"authors": value}})

    result = run_cli("build", "-c", config)

    assert result.exit_code == 2
    assert "feeds.authors: expected auto, true or false" in result.stderr
