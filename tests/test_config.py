"""config.yaml: every mistake is exit 2 naming the key and its line; folders are relative to it."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CONFIG_SITE, NOW, ROOT, build_into, feed_paths, run_cli

from feedpub.sources.config import _SCHEMA, load_config

VALID = CONFIG_SITE


@pytest.fixture
def build_with(site_dir, tmp_path):
    """Write config.yaml with this text and build it as `-c config.yaml`."""

    def run(config_text: str):
        (site_dir / "config.yaml").write_text(config_text, encoding="utf-8")
        return build_into(Path("config.yaml"), tmp_path / "out")

    return run


def test_minimal_config_with_title_and_url_builds(build_with, tmp_path):
    result = build_with("site:\n  title: T\n  url: https://example.com/blog\n")

    assert result.exit_code == 0, result.stderr
    assert feed_paths(tmp_path / "out") == {"atom.xml", "rss.xml", "tags/a/atom.xml", "tags/a/rss.xml"}


def test_site_url_without_trailing_slash_is_a_folder(build_with, tmp_path):
    build_with("site:\n  title: T\n  url: https://example.com/blog\n")

    assert b"https://example.com/blog/atom.xml" in (tmp_path / "out" / "atom.xml").read_bytes()


@pytest.mark.parametrize(
    "config_text, expected",
    [
        (VALID + "colour: red\n", "config.yaml:5: colour: unknown key"),
        (VALID + "  colour: red\n", "config.yaml:5: site.colour: unknown key"),
        (VALID + "feeds:\n  limit: 10\n  colour: red\n", "config.yaml:7: feeds.colour: unknown key"),
        (VALID + "feeds:\n  limit: ten\n", "config.yaml:6: feeds.limit: expected"),
        (VALID + "feeds:\n  limit: -1\n", "config.yaml:6: feeds.limit:"),
        (VALID + "feeds:\n  tags: sometimes\n", "config.yaml:6: feeds.tags: expected"),
        (VALID + "keep_going: 'yes'\n", "config.yaml:5: keep_going: expected"),
        (VALID + "posts_dir: [a, b]\n", "config.yaml:5: posts_dir: expected"),
        (VALID + "feeds: [atom]\n", "config.yaml:5: feeds: expected"),
        (VALID.replace("https://example.com/", "example.com"), "config.yaml:3: site.url:"),
        (VALID.replace("https://example.com/", "/blog/"), "config.yaml:3: site.url:"),
        (VALID.replace("https://example.com/", "ftp://example.com/"), "config.yaml:3: site.url:"),
        (VALID.replace("Asia/Shanghai", "Mars/Olympus"), "config.yaml:4: site.timezone:"),
        (VALID + "feeds:\n  formats: [atom, yaml]\n", 'config.yaml:6: feeds.formats: unknown format "yaml"'),
        (VALID + "feeds:\n  formats: []\n", "config.yaml:6: feeds.formats:"),
        (VALID + "feeds:\n  content: teaser\n", "config.yaml:6: feeds.content:"),
        (
            VALID + "markdown:\n  engine: python-markdown\n  extensions: [extra, no_such_extension]\n",
            "config.yaml:7: markdown.extensions:",
        ),
        (
            VALID + "markdown:\n  engine: python-markdown\n  extensions: ['']\n",
            "config.yaml:7: markdown.extensions:",
        ),
        (VALID + "stale_feeds: archive\n", "config.yaml:5: stale_feeds:"),
        (VALID + "permalink: /{year}/{name}/\n", "config.yaml:5: permalink:"),
        (VALID + "permalink: /{year.real}/{slug}/\n", "config.yaml:5: permalink:"),
        (VALID + "tag_slugs:\n  ok: ok\n  bad: a/b\n", "config.yaml:7: tag_slugs.bad:"),
        (VALID + "  author: {nom: X}\n", "config.yaml:5: site.author:"),
        ("site:\n  url: https://example.com/\n", "config.yaml:1: site.title: is required"),
        ("site:\n  title: T\n", "config.yaml:1: site.url: is required"),
        ("feeds: {}\n", "config.yaml: site: is required"),
    ],
    ids=[
        "unknown-top-level",
        "unknown-in-site",
        "unknown-in-feeds",
        "limit-not-integer",
        "limit-negative",
        "boolean-not-boolean",
        "keep-going-string",
        "posts-dir-list",
        "feeds-list",
        "url-no-scheme",
        "url-path-only",
        "url-ftp",
        "unknown-timezone",
        "unknown-format",
        "no-format",
        "unknown-content",
        "unknown-markdown-extension",
        "empty-markdown-extension",
        "unknown-stale-feeds",
        "unknown-permalink-placeholder",
        "permalink-attribute",
        "unsafe-tag-slug",
        "author-shape",
        "no-title",
        "no-url",
        "no-site",
    ],
)
def test_config_mistake_is_exit_2_naming_key_and_line(build_with, tmp_path, config_text, expected):
    result = build_with(config_text)

    assert result.exit_code == 2, result.stderr
    assert f"feedpub: {expected}" in result.stderr
    assert list((tmp_path / "out").rglob("*.xml")) == []


def test_invalid_yaml_in_config_names_its_line(build_with):
    result = build_with(VALID + "feeds:\n  limit: [1, 2\n")

    assert result.exit_code == 2
    assert "config.yaml:" in result.stderr and "invalid YAML" in result.stderr


def test_duplicate_key_in_config_is_an_error(build_with):
    result = build_with(VALID + "output_dir: a\noutput_dir: b\n")

    assert result.exit_code == 2
    assert "config.yaml:6: duplicate key 'output_dir' (first at line 5)" in result.stderr


def test_config_that_is_not_a_mapping_is_an_error(build_with):
    result = build_with("- site\n- feeds\n")

    assert result.exit_code == 2
    assert "config.yaml" in result.stderr


def test_missing_config_file_is_exit_2_naming_it(site_dir, tmp_path):
    result = build_into(Path("nowhere.yaml"), tmp_path / "out")

    assert result.exit_code == 2
    assert "nowhere.yaml" in result.stderr
    assert "not found" in result.stderr


def test_default_config_is_config_yaml_in_the_current_folder(site_dir):
    (site_dir / "config.yaml").write_text(VALID, encoding="utf-8")

    result = run_cli("build", "--now", NOW)

    assert result.exit_code == 0, result.stderr
    assert (site_dir / "public" / "atom.xml").is_file()


def test_missing_posts_folder_is_a_config_error(build_with):
    result = build_with(VALID + "posts_dir: articles\n")

    assert result.exit_code == 2
    assert "posts_dir" in result.stderr and "articles" in result.stderr


def test_output_option_overrides_output_dir(site_dir, tmp_path):
    (site_dir / "config.yaml").write_text(VALID + "output_dir: public\n", encoding="utf-8")

    result = build_into(Path("config.yaml"), tmp_path / "elsewhere")

    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "elsewhere" / "atom.xml").is_file()
    assert not (site_dir / "public").exists()


def test_folders_are_relative_to_the_config_file_not_the_current_folder(site_dir, tmp_path, monkeypatch):
    (site_dir / "config.yaml").write_text(VALID + "posts_dir: posts\noutput_dir: public/feeds\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    result = run_cli("build", "-c", "../site/config.yaml", "--now", NOW)

    assert result.exit_code == 0, result.stderr
    assert (site_dir / "public" / "feeds" / "atom.xml").is_file()
    assert list(elsewhere.iterdir()) == []


def test_absolute_config_path_works_from_any_folder(site_dir, tmp_path, monkeypatch):
    (site_dir / "config.yaml").write_text(VALID, encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    result = run_cli("build", "-c", site_dir / "config.yaml", "--now", NOW)

    assert result.exit_code == 0, result.stderr
    assert (site_dir / "public" / "atom.xml").is_file()


def test_shipped_config_is_valid_and_documents_every_key():
    load_config(ROOT / "config.yaml")
    text = (ROOT / "config.yaml").read_text("utf-8")

    missing = [key for section, keys in _SCHEMA.items() for key in keys if f"{key}:" not in text]
    assert missing == []


# --- cache_dir must never cost the user a file ------------------------------------


@pytest.fixture
def years_of_posts(site_dir) -> list[Path]:
    """Twelve posts, one folder per year, as many blogs keep them."""
    paths = []
    for year in range(2010, 2022):
        path = site_dir / "posts" / str(year) / f"{year}-01-01-p.md"
        path.parent.mkdir()
        path.write_text(f"---\ntitle: P{year}\n---\nBody.\n", encoding="utf-8")
        paths.append(path)
    return paths


@pytest.mark.parametrize("cache_dir", ["posts", "."])
def test_a_cache_dir_shared_with_the_site_never_deletes_posts(build_with, years_of_posts, cache_dir):
    result = build_with(VALID + f"cache_dir: {cache_dir}\n")

    assert [p for p in years_of_posts if not p.is_file()] == []
    assert result.exit_code in (0, 2), result.stderr
    if result.exit_code == 0:
        assert "13 posts read" in result.stdout


@pytest.mark.parametrize("cache_dir", ["posts", "public"])
def test_clean_deletes_neither_posts_nor_published_feeds(site_dir, years_of_posts, cache_dir):
    (site_dir / "config.yaml").write_text(VALID, encoding="utf-8")
    run_cli("build", "--now", NOW)
    published = sorted((site_dir / "public").rglob("*.xml"))
    (site_dir / "config.yaml").write_text(VALID + f"cache_dir: {cache_dir}\n", encoding="utf-8")

    result = run_cli("clean")

    assert result.exit_code == 2 and "cache_dir: must be a folder of its own" in result.stderr

    assert [p for p in years_of_posts if not p.is_file()] == []
    assert published and [p for p in published if not p.is_file()] == []
