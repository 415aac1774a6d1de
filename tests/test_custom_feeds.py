"""Feeds the config defines by what their posts carry (custom_feeds), as aggregators ask for them."""

from __future__ import annotations

import pytest
from conftest import build_into, opml_group_urls, post, write_site
from feedcheck import entry_titles, parse_ok

POSTS = {
    "2026-01-01-a.md": post("Chain", "2026-01-01", tags=["blockchain", "fintech"], author="周婷"),
    "2026-01-02-b.md": post("Coins", "2026-01-02", tags=["Stablecoins"], lang="zh-CN"),
    "2026-01-03-c.md": post("Release", "2026-01-03", tags=["fintech", "press release"], lang="en"),
    "2026-01-04-d.md": post("Payments", "2026-01-04", tags=["fintech", "payments"], categories=["news"], lang="en"),
}


def build(tmp_path, output, custom_feeds: dict, posts=POSTS):
    config = write_site(tmp_path / "site", posts, {"custom_feeds": custom_feeds})
    result = build_into(config, output)
    assert result.exit_code == 0, result.stderr
    return config


def test_any_of_takes_posts_with_one_of_the_names_in_every_format(tmp_path, output):
    build(tmp_path, output, {"chain-or-coins": {"any_of": {"tags": ["blockchain", "stablecoins"]}}})

    assert entry_titles(output / "feeds" / "chain-or-coins" / "atom.xml") == ["Coins", "Chain"]
    assert entry_titles(output / "feeds" / "chain-or-coins" / "rss.xml") == ["Coins", "Chain"]
    feed = parse_ok(output / "feeds" / "chain-or-coins" / "atom.xml").feed
    assert feed.title == "Test Site · chain-or-coins"
    assert feed.id == "https://example.com/feeds/chain-or-coins/atom.xml"


def test_none_of_leaves_out_posts_with_any_of_its_names(tmp_path, output):
    spec = {
        "title": "Fintech, without press releases",
        "any_of": {"tags": "fintech"},
        "none_of": {"tags": ["Press Release"]},
    }

    build(tmp_path, output, {"fintech": spec})

    assert entry_titles(output / "feeds" / "fintech" / "atom.xml") == ["Payments", "Chain"]
    assert parse_ok(output / "feeds" / "fintech" / "atom.xml").feed.title == "Fintech, without press releases"


def test_all_of_needs_every_name_across_selectors(tmp_path, output):
    build(tmp_path, output, {"news-payments": {"all_of": {"tags": ["payments", "fintech"], "categories": ["news"]}}})

    assert entry_titles(output / "feeds" / "news-payments" / "atom.xml") == ["Payments"]


def test_authors_and_languages_select_too_a_language_taking_its_regional_forms(tmp_path, output):
    feeds = {
        "zh": {"any_of": {"languages": ["zh"]}},
        "en": {"any_of": {"languages": ["EN"]}},
        "zhou": {"any_of": {"authors": ["周婷"]}},
    }
    config = write_site(tmp_path / "site", POSTS, {"custom_feeds": feeds, "site": {"language": "zh-CN"}})

    assert build_into(config, output).exit_code == 0

    # A post without `lang` is in the site's language.
    assert entry_titles(output / "feeds" / "zh" / "atom.xml") == ["Coins", "Chain"]
    assert entry_titles(output / "feeds" / "en" / "atom.xml") == ["Payments", "Release"]
    assert entry_titles(output / "feeds" / "zhou" / "atom.xml") == ["Chain"]


def test_a_custom_feed_no_post_matches_yet_is_written_empty_and_valid(tmp_path, output):
    build(tmp_path, output, {"later": {"any_of": {"tags": ["not-yet"]}}})

    assert entry_titles(output / "feeds" / "later" / "atom.xml") == []


def test_custom_feeds_are_listed_in_the_opml_index(tmp_path, output):
    build(tmp_path, output, {"fintech": {"any_of": {"tags": ["fintech"]}}})

    assert opml_group_urls(output, "Custom feeds") == ["https://example.com/feeds/fintech/atom.xml"]


@pytest.mark.parametrize(
    "custom_feeds, message",
    [
        ({"a/b": {"any_of": {"tags": ["x"]}}}, "custom_feeds.a/b: a custom feed's name is its folder"),
        ({"x": ["tags"]}, "custom_feeds.x: expected a mapping"),
        ({"x": {"any_of": {"tags": ["x"]}, "exclude": {}}}, "custom_feeds.x: exclude: not a custom feed setting"),
        ({"x": {"any_of": {"labels": ["x"]}}}, "custom_feeds.x: any_of: labels: not one of tags, categories"),
        ({"x": {"any_of": {"tags": []}}}, "custom_feeds.x: any_of: tags: expected a list of names"),
        ({"x": {"none_of": {"tags": ["x"]}}}, "custom_feeds.x: selects nothing: give any_of or all_of"),
        ({"x": {"title": 3, "any_of": {"tags": ["x"]}}}, "custom_feeds.x: title: expected text"),
    ],
)
def test_a_custom_feed_that_cannot_be_read_is_a_config_error_at_its_line(tmp_path, output, custom_feeds, message):
    config = write_site(tmp_path / "site", POSTS, {"custom_feeds": custom_feeds})

    result = build_into(config, output)

    assert result.exit_code == 2
    assert message in result.stderr
    assert "config.yaml:" in result.stderr


def test_a_jekyll_site_gets_its_custom_feeds_beside_jekyll_feeds(tmp_path):
    root = tmp_path / "blog"
    (root / "_posts").mkdir(parents=True)
    (root / "_config.yml").write_text(
        "title: Blog\nurl: https://blog.example.com\ntimezone: UTC\n"
        "feedpub:\n  custom_feeds:\n    fintech:\n      any_of: {tags: [fintech]}\n",
        encoding="utf-8",
    )
    (root / "_posts" / "2026-01-01-a.md").write_text("---\ntitle: A\ntags: [fintech]\n---\nBody.\n", "utf-8")
    (root / "_posts" / "2026-01-02-b.md").write_text("---\ntitle: B\n---\nBody.\n", "utf-8")

    result = build_into(root / "_config.yml", root / "_site")

    assert result.exit_code == 0, result.stderr
    assert entry_titles(root / "_site" / "feed" / "custom" / "fintech.xml") == ["A"]
