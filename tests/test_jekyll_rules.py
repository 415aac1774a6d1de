"""Jekyll's rules for a post's URL, id, slug and categories, and for reading `_config.yml`.

Each expectation is what Jekyll 4.3 and jekyll-feed 0.17 produce for the same
input (their code: Drops::UrlDrop, URL, Utils.slugify, Document#id,
Document#populate_categories, jekyll-feed's generator).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from conftest import NOW, post, run_cli
from hypothesis import given
from hypothesis import strategies as st

from feedpub.model import JekyllSite
from feedpub.sources.config import ConfigError, load_config
from feedpub.sources.files import find_jekyll_post_files, find_post_files
from feedpub.sources.jekyll import expand_permalink_style
from feedpub.sources.jekyll_posts import (
    UnknownPlaceholder,
    defaults_for,
    escape_path,
    excerpt,
    file_slug,
    is_excerpt_of,
    link_definitions_for,
    post_categories,
    post_tags,
    post_urls,
    slugify,
)
from feedpub.sources.slugs import locale_to_language_tag

SITE_URL = "https://blog.example.com/"
BEIJING = timezone(timedelta(hours=8))


def jekyll_site(source: Path, permalink: str = "date", **fields) -> JekyllSite:
    return JekyllSite(source=source, base_path="", permalink=expand_permalink_style(permalink), **fields)


def urls(permalink: str, name: str, data: dict | None = None, when: datetime | None = None, folder: str = "_posts"):
    source = Path("/site")
    site = jekyll_site(source, permalink)
    path = source / folder / name
    data = data or {}
    return post_urls(SITE_URL, site, path, data, post_categories(site, path, data), when or datetime(2020, 1, 5))


# --- URLs and ids -----------------------------------------------------------------------------------


def test_the_date_style_keeps_the_file_names_case_and_dots_and_the_id_has_no_extension():
    url, entry_id = urls("date", "2020-01-05-HFDP-Notes1.md")

    assert url == "https://blog.example.com/2020/01/05/HFDP-Notes1.html"
    assert entry_id == "https://blog.example.com/2020/01/05/HFDP-Notes1"


def test_the_pretty_style_ends_with_a_slash_and_the_id_does_not():
    url, entry_id = urls("pretty", "2026-07-16-jekyll-sass-converter-3.0-released.md", when=datetime(2026, 7, 16))

    assert url == "https://blog.example.com/2026/07/16/jekyll-sass-converter-3.0-released/"
    assert entry_id == "https://blog.example.com/2026/07/16/jekyll-sass-converter-3.0-released"


def test_folders_above_posts_are_categories_and_come_first_in_the_url():
    url, entry_id = urls(
        "date", "2026-07-16-release.md", {"categories": ["Release"]}, datetime(2026, 7, 16), folder="en/news/_posts"
    )

    assert url == "https://blog.example.com/en/news/release/2026/07/16/release.html"
    assert entry_id == "https://blog.example.com/en/news/release/2026/07/16/release"


def test_a_template_with_placeholders_is_filled_not_published_literally():
    url, _ = urls("/blog/:year/:title/", "2020-01-05-hello.md")

    assert url == "https://blog.example.com/blog/2020/hello/"


def test_a_front_matter_permalink_gets_its_placeholders_filled_too():
    url, entry_id = urls("date", "2020-01-05-hello.md", {"permalink": "/notes/:year/:slug.html"})

    assert url == "https://blog.example.com/notes/2020/hello.html"
    assert entry_id == "https://blog.example.com/notes/2020/hello"


def test_an_explicit_slug_is_slugified_for_the_url_and_kept_as_written_in_the_id():
    url, entry_id = urls("date", "2020-01-05-x.md", {"slug": "My Slug"})

    assert url == "https://blog.example.com/2020/01/05/My-Slug.html"
    assert entry_id == "https://blog.example.com/2020/01/05/My%20Slug"


def test_chinese_slugs_are_percent_encoded():
    url, entry_id = urls("date", "2020-01-05-区块链 入门.md")

    assert url == "https://blog.example.com/2020/01/05/%E5%8C%BA%E5%9D%97%E9%93%BE-%E5%85%A5%E9%97%A8.html"
    assert entry_id == "https://blog.example.com/2020/01/05/%E5%8C%BA%E5%9D%97%E9%93%BE%20%E5%85%A5%E9%97%A8"


def test_the_url_date_is_the_one_given():
    when = datetime(2020, 1, 5, 23, 30, tzinfo=timezone(timedelta(hours=-8)))

    url, _ = urls("date", "2020-01-05-late.md", when=when)

    assert url == "https://blog.example.com/2020/01/05/late.html"


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("ordinal", "/2020/005/hello.html"),
        ("weekdate", "/2020/W01/Sun/hello.html"),
        ("none", "/hello.html"),
        (":pretty", "/2020/01/05/hello/"),
        (
            "/:year/:i_month/:i_day/:short_month/:long_month/:short_year/:hour:minute:second/",
            "/2020/1/5/Jan/January/20/000000/",
        ),
    ],
)
def test_every_built_in_style_and_date_placeholder(style, expected):
    url, _ = urls(style, "2020-01-05-hello.md")

    assert url == "https://blog.example.com" + expected


def test_an_unknown_placeholder_is_refused_as_jekyll_refuses_it():
    with pytest.raises(UnknownPlaceholder, match=":nonsense"):
        urls("/:nonsense/:title/", "2020-01-05-hello.md")


def test_category_names_are_lower_cased_and_escaped_in_urls_but_not_slugified():
    url, _ = urls("date", "2020-01-05-hello.md", {"categories": "Release Notes"})

    assert url == "https://blog.example.com/release/notes/2020/01/05/hello.html"


def test_a_category_with_a_space_given_alone_stays_one_category():
    source = Path("/site")
    site = jekyll_site(source)

    assert post_categories(site, source / "_posts" / "a.md", {"category": "Release Notes"}) == ("Release Notes",)


def test_tags_as_text_split_on_whitespace_and_commas_and_tag_alone_is_one_name():
    assert post_tags({"tags": "ruby, jekyll  blog"}) == ("ruby", "jekyll", "blog")
    assert post_tags({"tag": "release notes"}) == ("release notes",)
    assert post_tags({"tags": ["a", None, "", "b"]}) == ("a", "b")


# --- slugs -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "mode", "cased", "expected"),
    [
        ("HFDP-Notes1", "pretty", True, "HFDP-Notes1"),
        ("jekyll 3.0 released!", "pretty", True, "jekyll-3.0-released!"),
        ("jekyll 3.0 released!", "default", False, "jekyll-3-0-released"),
        ("  The _config.yml file ", "default", False, "the-config-yml-file"),
        ("区块链 入门", "default", False, "区块链-入门"),
        ("Café au lait", "ascii", False, "caf-au-lait"),
        ("a  b", "raw", False, "a-b"),
    ],
)
def test_slugify_modes_match_jekyll(text, mode, cased, expected):
    assert slugify(text, mode, cased) == expected


def test_the_file_slug_drops_the_date_the_extension_and_trailing_dots():
    assert file_slug(Path("2020-01-05-what.is.this..md")) == "what.is.this"
    assert file_slug(Path("2020-1-5-short-date.markdown")) == "short-date"


def test_escape_path_keeps_plain_paths_and_encodes_the_rest():
    assert escape_path("/2020/01/a-b.html") == "/2020/01/a-b.html"
    assert escape_path("a b#c") == "a%20b%23c"


# --- front matter defaults -------------------------------------------------------------------------


def test_defaults_apply_by_path_and_type_later_ones_winning():
    site = jekyll_site(
        Path("/site"),
        defaults=(
            ("", "posts", '{"author": "Ann", "layout": "post"}'),
            ("en/news", "", '{"author": "News Team"}'),
            ("zh", "posts", '{"lang": "zh-CN"}'),
            ("", "pages", '{"author": "Nobody"}'),
        ),
    )

    assert defaults_for(site, "en/news/_posts/2020-01-05-a.md", "posts") == {"author": "News Team", "layout": "post"}
    assert defaults_for(site, "_posts/2020-01-05-a.md", "posts") == {"author": "Ann", "layout": "post"}


# --- finding posts ----------------------------------------------------------------------------------


def test_posts_are_found_in_every_posts_folder_and_undated_files_are_skipped_with_a_warning(tmp_path):
    for name in (
        "_posts/2020-01-05-a.md",
        "_posts/sub/2020-01-06-b.markdown",
        "_posts/template.md",
        "_posts/.2020-01-07-hidden.md",
        "_posts/2020-01-08-page.html",
        "_posts/2020-01-09-notes.txt",
        "en/news/_posts/2020-01-10-c.md",
        "node_modules/x/_posts/2020-01-11-d.md",
        "_drafts/draft.md",
        "_site/_posts/2020-01-12-e.md",
        "private/_posts/2020-01-13-f.md",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("---\n---\n", encoding="utf-8")
    site = jekyll_site(tmp_path, exclude=("node_modules", "private"))

    found, problems = find_jekyll_post_files(site, tmp_path / "_site", drafts=False)
    with_drafts, _ = find_jekyll_post_files(site, tmp_path / "_site", drafts=True)

    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "_posts/2020-01-05-a.md",
        "_posts/2020-01-08-page.html",
        "_posts/sub/2020-01-06-b.markdown",
        "en/news/_posts/2020-01-10-c.md",
    ]
    assert [str(p) for p in problems] == [
        f"{tmp_path}/_posts/template.md: warning: no date in the file name; Jekyll skips it too"
    ]
    assert tmp_path / "_drafts" / "draft.md" in with_drafts


# --- _config.yml ------------------------------------------------------------------------------------


def write_config(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_config.yml").write_text(text, encoding="utf-8")
    return folder / "_config.yml"


def test_a_folder_with_only_a_jekyll_config_is_read_as_a_jekyll_site(tmp_path):
    write_config(
        tmp_path,
        "title: 技术博客\nurl: https://blog.example.com/\nbaseurl: /blog/\nlang: zh_cn\ntimezone: Asia/Shanghai\n"
        "permalink: pretty\nauthor: {name: Ann, twitter: ann}\nfeed: {posts_limit: 50, categories: [release]}\n",
    )

    config = load_config(tmp_path / "config.yaml")

    assert config.path == tmp_path / "_config.yml"
    assert config.site.url == "https://blog.example.com/blog/"
    assert config.site.language == "zh-CN"
    assert config.site.author is not None and config.site.author.name == "Ann"
    assert config.output_dir == tmp_path / "_site"
    assert config.feeds.formats == ("atom",) and config.feeds.limit == 50
    assert config.jekyll is not None
    assert config.jekyll.permalink == "/:categories/:year/:month/:day/:title/"
    assert config.jekyll.feed.categories == ("release",)


def test_collections_posts_permalink_wins_over_the_site_permalink(tmp_path):
    path = write_config(
        tmp_path, "title: T\nurl: https://e.com\npermalink: date\ncollections: {posts: {permalink: /blog/:title/}}\n"
    )

    assert load_config(path).jekyll.permalink == "/blog/:title/"


def test_feedpub_settings_under_feedpub_are_validated_and_named_as_written(tmp_path):
    path = write_config(tmp_path, "title: T\nurl: https://e.com\nfeedpub:\n  feeds: {formats: [atom, rss, json]}\n")
    bad = write_config(tmp_path / "bad", "title: T\nurl: https://e.com\nfeedpub:\n  feeds: {formats: [atom, yaml]}\n")

    assert load_config(path).feeds.formats == ("atom", "rss", "json")
    with pytest.raises(ConfigError, match=r'_config.yml:3: feedpub.feeds.formats: unknown format "yaml"'):
        load_config(bad)


def test_a_jekyll_site_without_url_is_a_config_error_naming_the_key(tmp_path):
    path = write_config(tmp_path, "title: T\n")

    with pytest.raises(ConfigError, match="_config.yml: url: is required"):
        load_config(path)


def test_a_bad_timezone_names_the_jekyll_key_and_line(tmp_path):
    path = write_config(tmp_path, "title: T\nurl: https://e.com\ntimezone: Mars/Olympus\n")

    with pytest.raises(ConfigError, match=r'_config.yml:3: timezone: unknown timezone "Mars/Olympus"'):
        load_config(path)


@pytest.mark.parametrize(
    ("written", "tag"),
    [("zh_cn", "zh-CN"), ("zh_CN.UTF-8", "zh-CN"), ("pt-br", "pt-BR"), ("en", "en"), ("zh-Hans-CN", "zh-Hans-CN")],
)
def test_locale_forms_become_language_tags(written, tag):
    assert locale_to_language_tag(written) == tag


def test_not_a_language_is_none():
    assert locale_to_language_tag("not a language") is None


def test_dates_in_the_file_name_may_have_one_digit_months_and_days():
    source = Path("/site")
    site = jekyll_site(source)
    path = source / "_posts" / "2020-1-5-short.md"

    url, _ = post_urls(SITE_URL, site, path, {}, (), datetime(2020, 1, 5, tzinfo=UTC))

    assert url == "https://blog.example.com/2020/01/05/short.html"


def test_feedpubs_own_mode_has_a_title_placeholder_that_keeps_the_file_names_case(site):
    config = site(
        {"2020-01-05-HFDP-Notes1.md": post("Notes", "2020-01-05"), "2020-01-06-sass-3.0.md": post("S", "2020-01-06")}
    )
    text = config.read_text(encoding="utf-8").replace("permalink: /{year}/{month}/{day}/{slug}/", "")
    config.write_text(text + "permalink: /{year}/{title}.html\n", encoding="utf-8")

    result = run_cli("build", "-c", config, "--now", NOW)

    assert result.exit_code == 0, result.output
    feed = (config.parent / "public" / "atom.xml").read_text(encoding="utf-8")
    assert "https://example.com/2020/HFDP-Notes1.html" in feed
    assert "https://example.com/2020/sass-3.0.html" in feed


def test_feedpubs_own_mode_finds_posts_in_posts_folders_below_posts_dir(tmp_path):
    for name in ("en/news/_posts/2020-01-05-a.md", "zh/news/_posts/2020-01-06-b.md", "_drafts/c.md", "_includes/d.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("---\ntitle: T\n---\n", encoding="utf-8")

    found, problems = find_post_files(tmp_path)

    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "en/news/_posts/2020-01-05-a.md",
        "zh/news/_posts/2020-01-06-b.md",
    ]
    assert problems == []


def test_ids_are_normalised_as_addressable_normalises_them():
    source = Path("/site")
    site = jekyll_site(source)
    path = source / "_posts" / "2011-08-04-rocking.md"

    _, entry_id = post_urls(SITE_URL, site, path, {"slug": "and-they-keep-rocking%e2%80%a6"}, (), datetime(2011, 8, 4))

    assert entry_id == "https://blog.example.com/2011/08/04/and-they-keep-rocking..."


@pytest.mark.parametrize(
    ("name", "entry_id"),
    [
        # What jekyll-feed writes (Addressable reads the id's `#` as a fragment, and drops the space before
        # it); wu-kan.github.io names posts after contest rounds.
        ("2020-03-01-Round #5 (Div. 2).md", "2020/03/01/Round#5%20(Div.%202)"),
        ("2020-03-01-what? now.md", "2020/03/01/what?%20now"),
    ],
)
def test_a_hash_or_question_mark_in_a_file_name_ends_the_ids_path_as_in_addressable(name, entry_id):
    source = Path("/site")
    site = jekyll_site(source)

    _, found = post_urls(SITE_URL, site, source / "_posts" / name, {}, (), datetime(2020, 3, 1))

    assert found == f"https://blog.example.com/{entry_id}"


def test_feedpub_feeds_that_is_not_a_mapping_is_a_config_error_not_a_crash(tmp_path):
    path = write_config(tmp_path, "title: T\nurl: https://e.com\nfeedpub:\n  feeds: [atom, rss]\n")

    with pytest.raises(ConfigError, match=r"_config.yml:3: feedpub: feeds: expected a mapping"):
        load_config(path)


JEKYLL_KEYS = (
    "title", "name", "description", "url", "baseurl", "lang", "timezone", "author", "permalink", "defaults",
    "exclude", "include", "future", "unpublished", "show_drafts", "excerpt_separator", "markdown_ext", "source",
    "destination", "feed", "collections", "feedpub",
)  # fmt: skip
ODD_VALUES = (5, 1.5, True, None, "", "x", [1, None], {"a": 1}, {"posts": 5}, {"path": [1]}, [{"scope": 5}])


@pytest.mark.parametrize("key", JEKYLL_KEYS)
def test_any_value_of_any_jekyll_key_is_read_or_a_config_error_never_a_crash(tmp_path, key):
    for number, value in enumerate(ODD_VALUES):
        base = {"title": "T", "url": "https://e.com"} | {key: value}
        path = write_config(tmp_path / str(number), yaml.safe_dump(base))
        try:
            load_config(path)
        except ConfigError as err:
            assert str(err).startswith(str(path)), err


# --- the excerpt (Jekyll's Excerpt#extract_excerpt) ------------------------------------------


@pytest.mark.parametrize(
    ("body", "separator", "expected"),
    [
        ("\n\n## Basic\n\nSome text.\n", "\n\n", "## Basic"),  # whatever block comes first
        ("this chapter:\n- one\n- two\n\nOverview.\n", "\n\n", "this chapter:\n- one\n- two"),
        ("  \n\t\n    indented code\n\nText", "\n\n", "    indented code"),  # blank lines go, indentation stays
        ("Teaser.\n<!--more-->\nRest.", "<!--more-->", "Teaser.\n"),
        ("No separator here.\n\nTwo paragraphs.", "<!--more-->", "No separator here.\n\nTwo paragraphs."),
    ],
)
def test_the_excerpt_is_the_text_before_the_separator_or_all_of_it(body, separator, expected):
    assert excerpt(body, separator) == expected


def test_an_excerpt_gets_the_definitions_of_the_reference_links_it_uses():
    body = "See [the docs][d] and [x].\n\nMore [e].\n\n[d]: https://docs.example/\n  [x]: /x 'X'\n[e]: /e\n"
    head = excerpt(body, "\n\n")

    assert link_definitions_for(head, body) == "\n\n[d]: https://docs.example/\n[x]: /x 'X'"  # groups joined: no indent
    assert link_definitions_for("No links.", "No links.\n\n[d]: /d\n") == ""


@given(
    st.text(st.sampled_from("ab \t\n[]:<!-->"), max_size=40),
    st.text(st.sampled_from("a\n<!->"), min_size=1, max_size=5),
)
def test_an_excerpt_is_always_found_where_the_body_starts(body, separator):
    assert is_excerpt_of(excerpt(body, separator), body)
