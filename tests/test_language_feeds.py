"""A feed per language (<lang>/atom.xml) for a multilingual site, each in its own language."""

from __future__ import annotations

import json

from conftest import build_into, opml_group_urls, post, published_paths, write_site
from feedcheck import entry_titles, parse_ok
from lxml import etree

POSTS = {
    "2026-01-01-a.md": post("稳定币", "2026-01-01", lang="zh-CN"),
    "2026-01-02-b.md": post("Payments", "2026-01-02", lang="en"),
    "2026-01-03-c.md": post("区块链", "2026-01-03", lang="zh_CN"),
    "2026-01-04-d.md": post("Site language", "2026-01-04"),
}


def build(tmp_path, output, posts=POSTS, feeds=None):
    config = write_site(tmp_path / "site", posts, {"feeds": {"formats": ["atom", "rss", "json"], **(feeds or {})}})
    result = build_into(config, output)
    assert result.exit_code == 0, result.stderr
    return config


def test_each_language_gets_its_feed_at_the_top_a_post_without_lang_in_the_sites(tmp_path, output):
    build(tmp_path, output)

    assert entry_titles(output / "zh-cn" / "atom.xml") == ["区块链", "稳定币"]
    assert entry_titles(output / "en" / "atom.xml") == ["Site language", "Payments"]


def test_a_language_feed_says_its_language_in_every_format(tmp_path, output):
    build(tmp_path, output)

    atom = etree.parse(output / "zh-cn" / "atom.xml").getroot()
    assert atom.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-CN"
    assert etree.parse(output / "zh-cn" / "rss.xml").getroot().findtext("channel/language") == "zh-CN"
    assert json.loads((output / "zh-cn" / "feed.json").read_text("utf-8"))["language"] == "zh-CN"
    assert parse_ok(output / "en" / "atom.xml").feed.language == "en"


def test_a_site_in_one_language_has_no_language_feeds_unless_asked(tmp_path, output):
    one = {"2026-01-02-b.md": POSTS["2026-01-02-b.md"], "2026-01-04-d.md": POSTS["2026-01-04-d.md"]}

    build(tmp_path, output, one)
    assert "en/atom.xml" not in published_paths(output)

    build(tmp_path, output, one, {"languages": True})
    assert entry_titles(output / "en" / "atom.xml") == ["Site language", "Payments"]


def test_languages_false_turns_them_off(tmp_path, output):
    build(tmp_path, output, feeds={"languages": False})

    assert not (output / "zh-cn").exists() and not (output / "en").exists()


def test_language_feeds_are_in_the_opml_index(tmp_path, output):
    build(tmp_path, output)

    assert sorted(opml_group_urls(output, "Languages")) == [
        "https://example.com/en/atom.xml",
        "https://example.com/zh-cn/atom.xml",
    ]


def test_a_jekyll_site_gets_them_beside_jekyll_feeds_tag_feeds(tmp_path):
    root = tmp_path / "blog"
    (root / "_posts").mkdir(parents=True)
    (root / "_config.yml").write_text("title: Blog\nurl: https://blog.example.com\ntimezone: UTC\nlang: en\n", "utf-8")
    (root / "_posts" / "2026-01-01-a.md").write_text("---\ntitle: A\nlang: zh-CN\n---\n正文。\n", "utf-8")
    (root / "_posts" / "2026-01-02-b.md").write_text("---\ntitle: B\n---\nBody.\n", "utf-8")

    result = build_into(root / "_config.yml", root / "_site")

    assert result.exit_code == 0, result.stderr
    assert entry_titles(root / "_site" / "feed" / "by_lang" / "zh-cn.xml") == ["A"]
    assert entry_titles(root / "_site" / "feed" / "by_lang" / "en.xml") == ["B"]
