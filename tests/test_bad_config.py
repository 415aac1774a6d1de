"""config.yaml and -o mistakes that would leak or lose files, a site.url that is no base URL, a misspelled key.

Each is exit 2 naming the key (or -o/--output) and, from config.yaml, its line.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CONFIG_SITE, NOW, build_into, feed_paths, run_cli

VALID = CONFIG_SITE


def build_with(site_dir: Path, config_text: str, *args: str):
    (site_dir / "config.yaml").write_text(config_text, encoding="utf-8")
    return run_cli("build", "--now", NOW, *args)


def files_under(folder: Path) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*")}


# --- output_dir among the sources or the cache ------------------------------------------


@pytest.mark.parametrize("output_dir", ["posts", "posts/feeds", "./posts/"])
def test_output_dir_equal_to_or_inside_posts_dir_is_a_config_error(site_dir, output_dir):
    result = build_with(site_dir, VALID + f"output_dir: {output_dir}\n")

    assert result.exit_code == 2, result.stderr
    assert "feedpub: config.yaml:5: output_dir: must not be posts_dir (posts) or inside it" in result.stderr
    assert files_under(site_dir / "posts") == {"hello.md"}


@pytest.mark.parametrize("output_dir", [".feedpub-cache", ".feedpub-cache/feeds"])
def test_output_dir_equal_to_or_inside_the_cache_is_a_config_error(site_dir, output_dir):
    result = build_with(site_dir, VALID + f"output_dir: {output_dir}\n")

    assert result.exit_code == 2, result.stderr
    assert "feedpub: config.yaml:5: output_dir: must be outside cache_dir (.feedpub-cache)" in result.stderr
    assert not (site_dir / ".feedpub-cache").exists()


def test_output_dir_containing_the_cache_is_a_config_error(site_dir):
    result = build_with(site_dir, VALID + "output_dir: .\n")

    assert result.exit_code == 2, result.stderr
    assert "feedpub: config.yaml:5: output_dir: must be outside cache_dir (.feedpub-cache) and not contain it" in (
        result.stderr
    )


def test_a_cache_dir_written_in_the_file_is_the_key_named_for_its_overlap(site_dir):
    result = build_with(site_dir, VALID + "output_dir: out\ncache_dir: out/cache\n")

    assert result.exit_code == 2, result.stderr
    assert "feedpub: config.yaml:6: cache_dir: must be a folder of its own, outside output_dir (out)" in result.stderr


def test_output_dir_containing_posts_dir_is_allowed_when_the_cache_is_elsewhere(site_dir):
    result = build_with(site_dir, VALID + "output_dir: .\ncache_dir: ../cache\n")

    assert result.exit_code == 0, result.stderr
    assert {"atom.xml", "rss.xml"} <= feed_paths(site_dir)


@pytest.mark.parametrize("output", ["posts", "posts/feeds", ".feedpub-cache", ".feedpub-cache/feeds", "."])
def test_output_option_among_the_sources_or_the_cache_is_a_usage_error(site_dir, output):
    (site_dir / "config.yaml").write_text(VALID, encoding="utf-8")

    result = build_into(Path("config.yaml"), Path(output))

    assert result.exit_code == 2, result.stderr
    assert "feedpub: config.yaml: -o/--output: must " in result.stderr
    assert files_under(site_dir / "posts") == {"hello.md"}
    assert not (site_dir / ".feedpub-cache").exists()


def test_output_option_names_the_posts_folder_it_overlaps(site_dir):
    (site_dir / "config.yaml").write_text(VALID, encoding="utf-8")

    result = build_into(Path("config.yaml"), site_dir / "posts")

    assert "-o/--output: must not be posts_dir (posts) or inside it" in result.stderr


def test_output_option_containing_posts_dir_is_allowed_when_the_cache_is_elsewhere(site_dir):
    (site_dir / "config.yaml").write_text(VALID + "cache_dir: ../cache\n", encoding="utf-8")

    result = build_into(Path("config.yaml"), site_dir)

    assert result.exit_code == 0, result.stderr
    assert {"atom.xml", "rss.xml"} <= feed_paths(site_dir)


# --- site.url is a base URL --------------------------------------------------------------


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://example.com/?", "must not have a query or fragment"),
        ("https://example.com/#", "must not have a query or fragment"),
        ("https://example.com/?page=1", "must not have a query or fragment"),
        ("https://user:secret@example.com/", "must not contain a user name or password"),
        ("https://user@example.com/", "must not contain a user name or password"),
        ("'https://example.com/my blog/'", "contains a space"),
        ("'https://exa mple.com/'", "contains a space"),
        ("https://example..com/", 'invalid host name "example..com"'),
        ("https://exa_mple.com/", 'invalid host name "exa_mple.com"'),
        ("https://-example.com/", 'invalid host name "-example.com"'),
        ("https://[not-an-ip]/", "is not a valid URL"),
        ("https://example.com:99999/", "is not a valid URL"),
        ("https://example.com:http/", "is not a valid URL"),
        ("https://example.com:0/", "invalid port 0"),
    ],
)
def test_a_site_url_that_is_no_base_url_is_a_config_error(site_dir, url, expected):
    result = build_with(site_dir, VALID.replace("https://example.com/", url))

    assert result.exit_code == 2, result.stderr
    assert "feedpub: config.yaml:3: site.url: " in result.stderr and expected in result.stderr


def test_a_site_url_password_is_not_repeated_in_the_message(site_dir):
    result = build_with(site_dir, VALID.replace("https://example.com/", "https://user:secret@example.com/"))

    assert "secret" not in result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/blog/",
        "http://127.0.0.1:8000/",
        "https://[::1]/",
        "https://例子.测试/",
        "https://example.com./",
    ],
)
def test_ordinary_site_urls_are_accepted(site_dir, url):
    result = build_with(site_dir, VALID.replace("https://example.com/", url))

    assert result.exit_code == 0, result.stderr


# --- a misspelled key --------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra, expected",
    [
        ("post_dir: posts\n", 'config.yaml:5: post_dir: unknown key; did you mean "posts_dir"?'),
        ("outptu_dir: public\n", 'config.yaml:5: outptu_dir: unknown key; did you mean "output_dir"?'),
        ("  titel: T\n", 'config.yaml:5: site.titel: unknown key; did you mean "title"?'),
        ("feeds:\n  limt: 5\n", 'config.yaml:6: feeds.limt: unknown key; did you mean "limit"?'),
        ("Feeds: {}\n", 'config.yaml:5: Feeds: unknown key; did you mean "feeds"?'),
    ],
)
def test_a_misspelled_config_key_suggests_the_key_meant(site_dir, extra, expected):
    result = build_with(site_dir, VALID + extra)

    assert result.exit_code == 2, result.stderr
    assert f"feedpub: {expected}" in result.stderr
    assert "expected one of" not in result.stderr


def test_an_unknown_config_key_close_to_none_lists_the_keys(site_dir):
    result = build_with(site_dir, VALID + "colour: red\n")

    assert result.exit_code == 2, result.stderr
    assert "feedpub: config.yaml:5: colour: unknown key; expected one of: site, posts_dir, output_dir" in result.stderr


def test_a_footnote_backlink_that_is_not_text_is_a_config_error(site_dir):
    result = build_with(site_dir, VALID + "markdown:\n  footnote_backlink: [a, b]\n")

    assert result.exit_code == 2
    assert "markdown.footnote_backlink" in result.stderr


@pytest.mark.parametrize("value", ["lsquo,rsquo", "lsquo,rsquo,ldquo,nosuch", "1114112,1,2,3"])
def test_smart_quotes_that_are_not_four_quotes_are_a_config_error(site_dir, value):
    result = build_with(site_dir, VALID + f"markdown:\n  smart_quotes: {value}\n")

    assert result.exit_code == 2, result.stderr
    assert "markdown.smart_quotes: " in result.stderr and "is not four quotes" in result.stderr
    assert "config.yaml:" in result.stderr
