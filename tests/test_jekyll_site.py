"""`feedpub build` in a Jekyll site's folder publishes what Jekyll + jekyll-feed would, and more.

The fixture sites are small ones written here, shaped like the real blogs
compared in docs/jekyll.md: posts in `_posts` and in `<folder>/_posts`, Chinese
titles and tags, permalink styles, front matter defaults.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import pytest
from conftest import run_cli
from feedcheck import assert_valid_atom
from lxml import etree
from served import Served, fetch

ATOM = "{http://www.w3.org/2005/Atom}"
NOW = "2026-11-24T00:00:00Z"
INSTALLED = Path(sys.executable).parent / "feedpub"

CONFIG = """\
title: 技术笔记
description: A blog about 区块链 and Ruby
url: https://blog.example.com
baseurl: /notes
lang: zh_cn
timezone: Asia/Shanghai
permalink: /:categories/:year/:month/:day/:title:output_ext
author:
  name: 张三
  twitter: zhangsan
defaults:
  - scope: {path: "", type: posts}
    values: {layout: post}
  - scope: {path: en/news}
    values: {author: News Team}
feed:
  categories: [release]
  tags: true
"""

POSTS = {
    "_posts/2020-01-05-HFDP-Notes1.md": "---\ntitle: 设计模式笔记\ntags: [java, 设计模式]\n---\n第一段。\n\n第二段。\n",
    "_posts/2020-01-06-jekyll-3.0-released.markdown": (
        "---\ntitle: Jekyll 3.0 <code>released</code>\ncategories: release\ntags: ruby\n---\nIt is out.\n"
    ),
    "_posts/2020-01-07-pretty-one.md": "---\ntitle: Pretty\npermalink: /:year/:month/:day/:title/\n---\nBody.\n",
    # In front matter a style name is not expanded: Jekyll publishes this one at /pretty.
    "_posts/2020-01-09-literal.md": "---\ntitle: Literal\npermalink: pretty\n---\nBody.\n",
    "_posts/2020-01-08-plain.html": "---\ntitle: Plain HTML\n---\n<p>Already <em>HTML</em>.</p>\n",
    "_posts/template.md": "---\ntitle: Template\n---\nNot a post.\n",
    "en/news/_posts/2026-07-16-sass-3.0-released.md": "---\ntitle: Sass 3.0\ndate: 2026-07-16 10:00:00 +0200\n---\nNews.\n",
    "_drafts/upcoming.md": "---\ntitle: Upcoming\n---\nA draft.\n",
}


def jekyll_site(root: Path, config: str = CONFIG, posts: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "_config.yml").write_text(config, encoding="utf-8")
    for name, text in (POSTS if posts is None else posts).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def entries(feed: Path) -> dict[str, feedparser.FeedParserDict]:
    parsed = feedparser.parse(feed.read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return {entry.link: entry for entry in parsed.entries}


@pytest.fixture
def built(tmp_path, monkeypatch):
    root = jekyll_site(tmp_path / "site")
    monkeypatch.chdir(root)
    result = run_cli("build", "--now", NOW)
    assert result.exit_code == 0, result.output
    return root


def test_a_jekyll_site_builds_from_its_own_folder_into_site(built):
    assert (built / "_site" / "feed.xml").is_file()
    assert_valid_atom(built / "_site" / "feed.xml")


def test_links_and_ids_are_jekylls(built):
    found = entries(built / "_site" / "feed.xml")

    assert {link: entry.id for link, entry in found.items()} == {
        "https://blog.example.com/notes/2020/01/05/HFDP-Notes1.html": "https://blog.example.com/notes/2020/01/05/HFDP-Notes1",
        "https://blog.example.com/notes/release/2020/01/06/jekyll-3.0-released.html": (
            "https://blog.example.com/notes/release/2020/01/06/jekyll-3.0-released"
        ),
        "https://blog.example.com/notes/2020/01/07/pretty-one/": "https://blog.example.com/notes/2020/01/07/pretty-one",
        "https://blog.example.com/notes/2020/01/08/plain.html": "https://blog.example.com/notes/2020/01/08/plain",
        "https://blog.example.com/notes/pretty": "https://blog.example.com/notes/literal",
        "https://blog.example.com/notes/en/news/2026/07/16/sass-3.0-released.html": (
            "https://blog.example.com/notes/en/news/2026/07/16/sass-3.0-released"
        ),
    }


def test_the_undated_file_in_posts_is_skipped_with_a_warning(tmp_path, monkeypatch):
    root = jekyll_site(tmp_path / "site")
    monkeypatch.chdir(root)

    result = run_cli("build", "--now", NOW)

    assert result.exit_code == 0
    assert "_posts/template.md: warning: no date in the file name; Jekyll skips it too" in result.stderr


def test_feeds_go_where_jekyll_feed_puts_them_and_every_category_and_tag_gets_one(built):
    site = built / "_site"

    assert (site / "feed" / "release.xml").is_file()  # listed in feed.categories
    assert (site / "feed" / "by_tag" / "ruby.xml").is_file()  # jekyll-feed's tag feed
    assert (site / "feed" / "by_tag" / "java.xml").is_file()
    assert (site / "feed" / "by_tag" / "设计模式.xml").is_file()  # jekyll-feed makes none: feedpub does
    assert (site / "feed" / "en.xml").is_file() and (site / "feed" / "news.xml").is_file()


def test_the_feed_id_is_the_feed_url_and_the_title_is_jekyll_feeds(built):
    parsed = feedparser.parse((built / "_site" / "feed" / "release.xml").read_bytes())

    assert parsed.feed.id == "https://blog.example.com/notes/feed/release.xml"
    assert parsed.feed.title == "技术笔记 | Release"
    assert parsed.feed.language == "zh-CN"


def test_html_posts_are_published_as_they_are_and_markdown_is_rendered(built):
    found = entries(built / "_site" / "feed.xml")

    assert "<em>HTML</em>" in found["https://blog.example.com/notes/2020/01/08/plain.html"].content[0].value
    first = found["https://blog.example.com/notes/2020/01/05/HFDP-Notes1.html"].content[0].value
    assert "<p>第一段。</p>" in first


def test_defaults_apply_by_path(built):
    found = entries(built / "_site" / "feed.xml")

    assert found["https://blog.example.com/notes/en/news/2026/07/16/sass-3.0-released.html"].author == "News Team"
    assert found["https://blog.example.com/notes/2020/01/05/HFDP-Notes1.html"].author == "张三"


def test_drafts_are_built_only_with_drafts(tmp_path, monkeypatch):
    root = jekyll_site(tmp_path / "site")
    monkeypatch.chdir(root)
    os.utime(root / "_drafts" / "upcoming.md", (1_767_225_600, 1_767_225_600))  # undated: Jekyll uses the mtime

    plain = run_cli("build", "--now", NOW, "-o", tmp_path / "plain")
    drafted = run_cli("build", "--now", NOW, "-o", tmp_path / "drafted", "--drafts")

    assert plain.exit_code == drafted.exit_code == 0, drafted.output
    assert b"Upcoming" not in (tmp_path / "plain" / "feed.xml").read_bytes()
    assert b"Upcoming" in (tmp_path / "drafted" / "feed.xml").read_bytes()


def test_other_formats_are_written_beside_when_asked(tmp_path):
    config = CONFIG + "feedpub:\n  feeds: {formats: [atom, rss, json]}\n"
    root = jekyll_site(tmp_path / "site", config)

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.output
    site = root / "_site"
    assert {p.name for p in site.iterdir() if p.is_file()} >= {"feed.xml", "rss.xml", "feed.json"}
    assert (site / "feed" / "by_tag" / "ruby.rss.xml").is_file() and (site / "feed" / "by_tag" / "ruby.json").is_file()


def test_the_installed_command_builds_a_jekyll_site_in_its_folder(tmp_path):
    root = jekyll_site(tmp_path / "site")

    result = subprocess.run(
        [INSTALLED, "build", "--now", NOW], cwd=root, capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
    assert (root / "_site" / "feed.xml").is_file()


def test_an_excerpt_separator_makes_the_summary_from_what_comes_before_it(tmp_path):
    config = CONFIG + "excerpt_separator: <!--cut-->\n"
    posts = {"_posts/2020-01-05-cut.md": "---\ntitle: Cut\n---\nThe teaser **text**.\n\n<!--cut-->\n\nThe rest.\n"}
    root = jekyll_site(tmp_path / "site", config, posts)

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.output
    # Read from the XML: which of summary and content feedparser calls `summary` depends on its version.
    (summary,) = etree.parse(str(root / "_site" / "feed.xml")).getroot().iter(f"{ATOM}summary")
    assert summary.text == "<p>The teaser <strong>text</strong>.</p>"


def test_a_post_without_the_excerpt_separator_is_its_whole_summary_as_jekyll_partitions_it(tmp_path):
    config = CONFIG + "excerpt_separator: <!--cut-->\n"
    posts = {"_posts/2020-01-05-uncut.md": "---\ntitle: Uncut\n---\n* item\n\nFirst paragraph.\n\nSecond.\n"}
    root = jekyll_site(tmp_path / "site", config, posts)

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.output
    (summary,) = etree.parse(str(root / "_site" / "feed.xml")).getroot().iter(f"{ATOM}summary")
    # jekyll-feed's summary is this text: the excerpt with strip_html and normalize_whitespace.
    assert " ".join(re.sub("<[^>]+>", " ", summary.text).split()) == "item First paragraph. Second."


def test_the_summary_is_jekylls_excerpt_whatever_block_opens_the_post_with_its_reference_links(tmp_path):
    posts = {
        "_posts/2020-01-05-heading.md": "---\ntitle: Heading\n---\n\n\n## Basic\n\nSome text.\n",
        "_posts/2020-01-06-linked.md": "---\ntitle: Linked\n---\nRead [the guide][g].\n\nMore.\n\n[g]: /guide/\n",
    }
    root = jekyll_site(tmp_path / "site", CONFIG, posts)

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.output
    feed = etree.parse(str(root / "_site" / "feed.xml")).getroot()
    summaries = {e.findtext(f"{ATOM}title"): e.findtext(f"{ATOM}summary") for e in feed.iter(f"{ATOM}entry")}
    assert re.sub("<[^>]+>", "", summaries["Heading"]) == "Basic"
    assert summaries["Linked"] == '<p>Read <a href="https://blog.example.com/guide/">the guide</a>.</p>'


@pytest.mark.parametrize(
    "options",
    ["{block: {line_numbers: true}}", "{line_numbers: true}", "{line_numbers: true, block: {line_numbers: false}}"],
)
def test_kramdowns_line_numbers_option_numbers_code_blocks_as_rouge_does(tmp_path, options):
    config = CONFIG + f"kramdown:\n  syntax_highlighter_opts: {options}\n"
    posts = {"_posts/2020-01-05-code.md": "---\ntitle: Code\n---\nSee:\n\n```js\nvar a;\nvar b;\n```\n"}
    root = jekyll_site(tmp_path / "site", config, posts)

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.output
    (content,) = etree.parse(str(root / "_site" / "feed.xml")).getroot().iter(f"{ATOM}content")
    numbered = '<td class="rouge-gutter gl"><pre class="lineno">1\n2\n</pre></td>' in content.text
    assert numbered == ("false" not in options)


@pytest.mark.parametrize(("setting", "written"), [('"&#8617;&#xfe0e;"', "\u21a9\ufe0e"), ("", None), ('""', None)])
def test_kramdowns_footnote_backlink_option_is_the_text_of_each_link_back(tmp_path, setting, written):
    config = CONFIG + f"kramdown:\n  footnote_backlink: {setting}\n"
    posts = {"_posts/2020-01-05-note.md": "---\ntitle: Note\n---\nSaid[^1].\n\n[^1]: Where.\n"}
    root = jekyll_site(tmp_path / "site", config, posts)

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.stderr
    (content,) = etree.parse(str(root / "_site" / "feed.xml")).getroot().iter(f"{ATOM}content")
    backlinks = [link.text for link in etree.HTML(content.text).iter("a") if link.get("class") == "reversefootnote"]
    assert backlinks == ([written] if written else [])


@pytest.mark.parametrize(
    ("settings", "rouge"),
    [
        ("", True),
        ("highlighter: none\n", False),
        ("kramdown:\n  syntax_highlighter_opts: {disable: true}\n", False),
        ("kramdown:\n  syntax_highlighter_opts: {block: {disable: true}, span: {disable: yes}}\n", False),
        ("highlighter: none\nkramdown:\n  syntax_highlighter: rouge\n", True),
        ("kramdown:\n  syntax_highlighter_opts: {disable: false}\n", True),
    ],
)
def test_a_site_that_turns_rouge_off_gets_plain_code_as_jekyll_writes_it(tmp_path, settings, rouge):
    posts = {"_posts/2020-01-05-code.md": "---\ntitle: Code\n---\n```js\nvar a;\n```\n\nThen `x`.\n"}
    root = jekyll_site(tmp_path / "site", CONFIG + settings, posts)

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.stderr
    (content,) = etree.parse(str(root / "_site" / "feed.xml")).getroot().iter(f"{ATOM}content")
    if rouge:
        assert '<div class="language-js highlighter-rouge">' in content.text
        assert '<code class="language-plaintext highlighter-rouge">x</code>' in content.text
    else:
        assert '<pre><code class="language-js">var a;\n</code></pre>' in content.text
        assert "<p>Then <code>x</code>.</p>" in content.text


@pytest.mark.parametrize(
    ("date", "link", "published"),
    [
        # A YAML timestamp without a zone is UTC to Ruby's YAML, so to Jekyll: 05:00 the next day in Shanghai.
        ("2020-01-01 21:00:00", "/notes/2020/01/02/a.html", "2020-01-02T05:00:00+08:00"),
        ("2020-01-01T21:00:00", "/notes/2020/01/02/a.html", "2020-01-02T05:00:00+08:00"),
        # Without seconds it is text, which Jekyll parses in the site's zone.
        ("2020-01-01 21:00", "/notes/2020/01/01/a.html", "2020-01-01T21:00:00+08:00"),
        ("2020-01-01 21:00:00 +08:00", "/notes/2020/01/01/a.html", "2020-01-01T21:00:00+08:00"),
        ("2020-01-01", "/notes/2020/01/01/a.html", "2020-01-01T00:00:00+08:00"),
    ],
)
def test_a_date_without_a_zone_is_read_as_jekyll_reads_it(tmp_path, date, link, published):
    posts = {"_posts/2020-01-01-a.md": f"---\ntitle: A\ndate: {date}\n---\nBody.\n"}
    root = jekyll_site(tmp_path / "site", CONFIG, posts)

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.stderr
    entry = etree.parse(str(root / "_site" / "feed.xml")).getroot().find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}link").get("href") == "https://blog.example.com" + link
    assert entry.findtext(f"{ATOM}published") == published


def test_a_more_comment_stays_in_the_content_as_jekyll_keeps_it(tmp_path):
    posts = {"_posts/2020-01-05-m.md": "---\ntitle: M\n---\nIntro.\n\n<!-- more -->\n\nRest, and <!--more--> inline.\n"}
    root = jekyll_site(tmp_path / "site", CONFIG, posts)

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.stderr
    (content,) = etree.parse(str(root / "_site" / "feed.xml")).getroot().iter(f"{ATOM}content")
    assert content.text == "<p>Intro.</p>\n<!-- more -->\n<p>Rest, and <!--more--> inline.</p>"


def test_a_post_whose_front_matter_is_never_closed_is_all_body_as_jekyll_publishes_it(tmp_path):
    # lijiaocn.github.io closes one post's front matter with `----`: Jekyll reads no front matter and
    # publishes the whole file, titled from its name; the build used to stop with nothing published.
    posts = {**POSTS, "_posts/2020-01-10-never-closed.md": "---\ntitle: T\n----\n\nBody\n"}
    root = jekyll_site(tmp_path / "site", CONFIG, posts)

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.stderr
    assert "2020-01-10-never-closed.md:1: warning: front matter is never closed" in result.stderr
    found = {e.title: e for e in entries(root / "_site" / "feed.xml").values()}
    assert "<p>Body</p>" in found["Never Closed"].content[0].value


def test_a_description_is_the_summary_as_text_as_jekyll_feed_writes_it(tmp_path):
    # blog.rust-lang.org: jekyll-feed writes `description | strip_html | normalize_whitespace`, no Markdown.
    front = '---\ntitle: D\ndescription: "It\'s *new* -- <b>ok</b>\\n  too"\n---\nBody.\n'
    root = jekyll_site(tmp_path / "site", CONFIG, {"_posts/2020-01-05-d.md": front})

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.stderr
    entry = etree.parse(str(root / "_site" / "feed.xml")).getroot().find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}summary") == "It's *new* -- ok too"


def test_an_author_key_in_data_authors_is_that_entrys_name_email_and_uri_as_jekyll_feed_looks_it_up(tmp_path):
    config = CONFIG.replace("author:\n  name: 张三\n  twitter: zhangsan\n", "author: cotes\n")
    posts = {
        "_data/authors.yml": (
            "virginia:\n  name: Virginia Sanchez Cruz\n  twitter: vsc\n  uri: https://v.example/\n"
            "cotes:\n  name: 张三\n  email: z@example.com\n"
        ),
        "_posts/2020-01-05-keyed.md": "---\ntitle: Keyed\nauthor: virginia\n---\nBody.\n",
        "_posts/2020-01-06-site.md": "---\ntitle: Site author\n---\nBody.\n",
        "_posts/2020-01-07-plain.md": "---\ntitle: Plain\nauthor: Someone Else\n---\nBody.\n",
    }
    root = jekyll_site(tmp_path / "site", config, posts)

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.output
    found = {e.title: e for e in entries(root / "_site" / "feed.xml").values()}
    assert (found["Keyed"].author_detail.name, found["Keyed"].author_detail.href) == (
        "Virginia Sanchez Cruz",
        "https://v.example/",
    )
    assert (found["Site author"].author_detail.name, found["Site author"].author_detail.email) == (
        "张三",
        "z@example.com",
    )
    assert found["Plain"].author_detail.name == "Someone Else"


def test_a_file_name_with_a_one_digit_month_and_day_dates_the_post_as_jekyll_does(tmp_path):
    # A real blog names 153 of its 176 posts so (yanhaijing.github.io): they were all left out.
    posts = {
        "_posts/2016-1-8-one-digit.md": "---\ntitle: 一位数的日期\n---\nBody.\n",
        "_posts/web/2016-11-5-day.markdown": "---\ntitle: Day\n---\nBody.\n",
    }
    root = jekyll_site(tmp_path / "site", CONFIG, posts)

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.output
    assert "skips it" not in result.stderr
    found = entries(root / "_site" / "feed.xml")
    assert sorted(found) == [
        "https://blog.example.com/notes/2016/01/08/one-digit.html",
        "https://blog.example.com/notes/2016/11/05/day.html",  # a folder under _posts is no category
    ]
    assert found["https://blog.example.com/notes/2016/01/08/one-digit.html"].published.startswith("2016-01-08T00:00:00")


def test_a_date_with_another_offset_is_in_the_sites_zone_in_the_url(tmp_path):
    config = CONFIG.replace("timezone: Asia/Shanghai", "timezone: America/Los_Angeles")
    posts = {"_posts/2013-05-06-released.md": "---\ntitle: R\ndate: 2013-05-06 03:12:52 +0300\n---\nBody.\n"}
    root = jekyll_site(tmp_path / "site", config, posts)

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.output
    (link,) = entries(root / "_site" / "feed.xml")
    assert link == "https://blog.example.com/notes/2013/05/05/released.html"  # 2013-05-05 17:12:52 in Los Angeles


def test_serve_watch_in_a_jekyll_site_rebuilds_on_a_post_and_on_config_yml_but_not_on_its_own_writes(tmp_path):
    root = jekyll_site(tmp_path / "site")
    served = Served("--now", NOW, "--watch", cwd=root)
    try:
        url = served.wait_for(r"at (http://\S+/) ").group(1) + "feed.xml"
        served.wait_for(r"watching \. and _config\.yml for changes")
        (root / "_posts" / "2020-01-05-HFDP-Notes1.md").write_text("---\ntitle: Edited\n---\nNew.\n", encoding="utf-8")
        served.wait_for(r"rebuilt after _posts/2020-01-05-HFDP-Notes1\.md changed: \d+ written")
        (root / "_config.yml").write_text(CONFIG.replace("技术笔记", "新标题"), encoding="utf-8")
        served.wait_for(r"rebuilt after _config\.yml changed: \d+ written")
        time.sleep(1.5)  # a rebuild's own writes to _site and the cache must not start another
        feed = fetch(url)
    finally:
        code = served.stop()

    rebuilds = [line for line in served.lines["stdout"] if line.startswith("feedpub: rebuilt after")]
    assert rebuilds and not [line for line in rebuilds if ".feedpub-cache" in line or "_site" in line], rebuilds
    assert code == 0
    assert "新标题".encode() in feed


def test_a_feed_page_of_the_sites_own_is_left_alone_as_jekyll_feed_leaves_it(tmp_path):
    root = jekyll_site(tmp_path / "site")
    (root / "feed.xml").write_text("---\nlayout: null\n---\n<feed>the site's own</feed>\n", encoding="utf-8")
    (root / "_site").mkdir()
    (root / "_site" / "feed.xml").write_text("<feed>the site's own, as Jekyll built it</feed>\n", encoding="utf-8")

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.output
    assert (root / "_site" / "feed.xml").read_text(
        encoding="utf-8"
    ) == "<feed>the site's own, as Jekyll built it</feed>\n"
    assert (root / "_site" / "feed" / "release.xml").is_file()


def test_what_jekyll_accepts_and_pyyaml_or_iso_dates_would_not_is_published_with_warnings(tmp_path):
    posts = {
        "_posts/2011/2011-07-14-registration-open.md": "\n",  # no front matter at all
        "_posts/2021/2021-02-08-garbled-date.md": "---\ntitle: G\ndate: 2021-02-08 16:30-:00+16:30\n---\nBody.\n",
        "_posts/2025/2025-04-30-tab-after-colon.md": "---\ntitle: T\nauthor:\tAnn Lee\n---\nBody.\n",
    }
    root = jekyll_site(tmp_path / "site", CONFIG + "feed: {posts_limit: 50}\n", posts)

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.output
    assert (
        "garbled-date.md:3: warning: date: " in result.stderr
        and "used the file name's date, 2021-02-08" in result.stderr
    )
    found = entries(root / "_site" / "feed.xml")
    assert found["https://blog.example.com/notes/2011/07/14/registration-open.html"].title == "Registration Open"
    assert found["https://blog.example.com/notes/2025/04/30/tab-after-colon.html"].author == "Ann Lee"
    assert "https://blog.example.com/notes/2021/02/08/garbled-date.html" in found


def test_tags_whose_slugs_collide_both_get_a_feed_on_a_jekyll_site(tmp_path):
    posts = {
        "_posts/2020-01-05-a.md": "---\ntitle: A\ntags: [GNOME Music]\n---\nA.\n",
        "_posts/2020-01-06-b.md": "---\ntitle: B\ntags: [gnome-music]\n---\nB.\n",
    }
    root = jekyll_site(tmp_path / "site", CONFIG, posts)

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.output
    tag_feeds = sorted(p.name for p in (root / "_site" / "feed" / "by_tag").iterdir())
    assert len(tag_feeds) == 2 and "gnome-music.xml" in tag_feeds, tag_feeds
    again = run_cli("build", "-c", root / "_config.yml", "--now", NOW, "-o", tmp_path / "again")
    assert again.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "again" / "feed" / "by_tag").iterdir()) == tag_feeds


def test_one_post_with_two_spellings_of_a_tag_is_in_both_tags_feeds_as_in_jekyll(tmp_path):
    # openSUSE's Tumbleweed updates are tagged both `opcache` and `Opcache`: Jekyll's site.tags has both.
    posts = {
        "_posts/2020-01-05-a.md": "---\ntitle: A\ntags: [opcache, Opcache, opcache]\n---\nA.\n",
        "_posts/2020-01-06-b.md": "---\ntitle: B\ntags: [Opcache]\n---\nB.\n",
    }
    root = jekyll_site(tmp_path / "site", CONFIG, posts)

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.output
    by_tag = root / "_site" / "feed" / "by_tag"
    assert [entry.title for entry in entries(by_tag / "opcache.xml").values()] == ["A"]  # once, though tagged twice
    assert [entry.title for entry in entries(by_tag / "Opcache.xml").values()] == ["B", "A"]


def test_a_slug_never_takes_the_file_jekyll_feed_names_by_another_tag_or_category(tmp_path):
    # openSUSE's news site has the tags `glib` and `-glib`: the second's slug is `glib`, and
    # feed/by_tag/glib.xml is where jekyll-feed puts the first's feed. Both were written to it.
    posts = {
        "_posts/2020-01-05-a.md": "---\ntitle: A\ntags: [-glib]\ncategories: [release!]\n---\nA.\n",
        "_posts/2020-01-06-b.md": "---\ntitle: B\ntags: [glib]\ncategories: [release]\n---\nB.\n",
    }
    root = jekyll_site(tmp_path / "site", CONFIG, posts)

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.output
    feeds = root / "_site" / "feed"
    files = sorted(str(path.relative_to(feeds)) for path in feeds.rglob("*.xml"))
    assert [re.sub("-[0-9a-f]{8}[.]", "-HASH.", name) for name in files] == [
        "by_tag/glib-HASH.xml",
        "by_tag/glib.xml",
        "release-HASH.xml",
        "release.xml",
    ]
    for name in files:
        shown = [entry.title for entry in entries(feeds / name).values()]
        assert shown == (["A"] if "-" in name else ["B"]), name


def test_a_url_ending_in_a_slash_gives_the_double_slash_jekyll_feed_ids_have(tmp_path):
    config = CONFIG.replace("url: https://blog.example.com\nbaseurl: /notes\n", "url: https://nim.example.org/\n")
    posts = {"_posts/2020-01-05-a.md": "---\ntitle: A\n---\nA.\n"}
    root = jekyll_site(tmp_path / "site", config, posts)

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.output
    ((link, entry),) = entries(root / "_site" / "feed.xml").items()
    assert (link, entry.id) == ("https://nim.example.org//2020/01/05/a.html", "https://nim.example.org//2020/01/05/a")


def test_a_relative_config_path_from_another_folder_finds_the_site(tmp_path, monkeypatch):
    jekyll_site(tmp_path / "sites" / "blog")
    monkeypatch.chdir(tmp_path)

    result = run_cli("build", "-c", "sites/blog/_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.output
    assert (tmp_path / "sites" / "blog" / "_site" / "feed.xml").is_file()


def test_liquid_problems_are_reported_by_build_once_and_keep_going_leaves_the_broken_post_out(tmp_path):
    posts = {
        "_posts/2020-01-05-a.md": "---\ntitle: A\n---\nHello {% youtube abc %} there.\n",
        "_posts/2020-01-06-b.md": "---\ntitle: B\n---\nBroken {% if x %} never closed.\n",
    }
    root = jekyll_site(tmp_path / "site", CONFIG, posts)

    strict = run_cli("build", "-c", root / "_config.yml", "--now", NOW)
    lenient = run_cli("build", "-c", root / "_config.yml", "--now", NOW, "--keep-going")

    assert strict.exit_code == 1
    assert "2020-01-06-b.md:4: Liquid syntax error" in strict.stderr
    assert strict.stderr.count("unknown Liquid tag `youtube`") == 1
    assert lenient.exit_code == 5, lenient.output
    assert list(entries(root / "_site" / "feed.xml")) == ["https://blog.example.com/notes/2020/01/05/a.html"]


def test_tags_that_differ_in_case_keep_their_own_jekyll_feed_files(tmp_path):
    posts = {
        "_posts/2020-01-05-a.md": "---\ntitle: A\ntags: [openSUSE]\n---\nA.\n",
        "_posts/2020-01-06-b.md": "---\ntitle: B\ntags: [opensuse]\n---\nB.\n",
    }
    root = jekyll_site(tmp_path / "site", CONFIG, posts)

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.output
    by_tag = root / "_site" / "feed" / "by_tag"
    assert list(entries(by_tag / "openSUSE.xml")) == ["https://blog.example.com/notes/2020/01/05/a.html"]
    assert list(entries(by_tag / "opensuse.xml")) == ["https://blog.example.com/notes/2020/01/06/b.html"]


def test_a_post_whose_liquid_reads_another_post_is_rendered_again_when_that_post_moves(tmp_path):
    posts = {
        "_posts/2020-01-05-a.md": "---\ntitle: A\n---\nSee [B]({% post_url 2020-01-06-b %}).\n",
        "_posts/2020-01-06-b.md": "---\ntitle: B\n---\nB.\n",
    }
    root = jekyll_site(tmp_path / "site", CONFIG, posts)
    assert run_cli("build", "-c", root / "_config.yml", "--now", NOW).exit_code == 0
    (root / "_posts" / "2020-01-06-b.md").write_text("---\ntitle: B\npermalink: /moved/b/\n---\nB.\n", "utf-8")

    incremental = run_cli("build", "-c", root / "_config.yml", "--now", NOW)
    cold = run_cli("build", "-c", root / "_config.yml", "--now", NOW, "-o", tmp_path / "cold", "--no-cache")

    assert incremental.exit_code == cold.exit_code == 0
    feed = (root / "_site" / "feed.xml").read_bytes()
    assert b"https://blog.example.com/notes/moved/b/" in feed
    assert feed == (tmp_path / "cold" / "feed.xml").read_bytes()


def test_rfc5005_archives_on_a_jekyll_site_link_back_to_jekyll_feeds_paths(tmp_path):
    config = CONFIG + "feedpub:\n  feeds: {archive: true, archive_page_size: 2, limit: 2}\n"
    root = jekyll_site(tmp_path / "site", config)

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.output
    site = root / "_site"
    subscription = feedparser.parse((site / "feed.xml").read_bytes()).feed
    pages = sorted(site.glob("archive/*/atom.xml"))
    assert pages and {link.rel for link in subscription.links} >= {"self", "prev-archive"}
    for page in pages:
        assert_valid_atom(page)
        feed = feedparser.parse(page.read_bytes()).feed
        current = [link.href for link in feed.links if link.rel == "current"]
        assert current == ["https://blog.example.com/notes/feed.xml"]
        assert feed.id == "https://blog.example.com/notes/feed.xml"


def test_jekyll_feeds_collections_get_their_feed_and_stay_out_of_the_others(tmp_path):
    """Links and ids as Jekyll 4.3.1 + jekyll-feed 0.17 wrote them for the same files."""
    config = CONFIG.replace("feed:\n", "collections:\n  changes: {output: true}\nfeed:\n  collections: [changes]\n")
    posts = {
        "_posts/2020-01-05-a.md": "---\ntitle: A post\n---\nA.\n",
        "_changes/2021-03-04-v1.0.md": "---\ntitle: Version 1.0\n---\nReleased.\n",
        "_changes/nested/v2.md": "---\ntitle: Version 2\ndate: 2022-05-06\n---\nReleased.\n",
        "_changes/undated.md": "---\ntitle: Undated\n---\nNo date.\n",
    }
    root = jekyll_site(tmp_path / "site", config, posts)

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.output
    assert "_changes/undated.md: warning: no date in the file name or front matter" in result.stderr
    changes = feedparser.parse((root / "_site" / "feed" / "changes.xml").read_bytes())
    assert changes.feed.title == "技术笔记 | Changes"
    assert {entry.link: entry.id for entry in changes.entries} == {
        "https://blog.example.com/notes/changes/nested/v2.html": "https://blog.example.com/notes/changes/nested/v2",
        "https://blog.example.com/notes/changes/2021-03-04-v1.0.html": "https://blog.example.com/notes/changes/v1.0",
    }
    assert list(entries(root / "_site" / "feed.xml")) == ["https://blog.example.com/notes/2020/01/05/a.html"]


def test_kramdown_smart_quotes_in_config_yml_apply_to_bodies_and_titles(tmp_path):
    posts = {"_posts/2020-01-05-q.md": '---\ntitle: "It\'s \\"new\\""\n---\n形成："超越"。 It\'s.\n'}
    config = CONFIG + "kramdown:\n  smart_quotes: [apos, apos, quot, quot]\n"
    root = jekyll_site(tmp_path / "site", config, posts)

    result = run_cli("build", "-c", root / "_config.yml", "--now", NOW)

    assert result.exit_code == 0, result.stderr
    entry = etree.parse(root / "_site" / "feed.xml").getroot().find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == 'It\'s "new"'
    assert '形成："超越"。 It\'s.' in entry.findtext(f"{ATOM}content")
