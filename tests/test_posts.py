"""Front matter keys, broken posts, file encodings and which files count as posts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import build_into, file_snapshot
from feedcheck import assert_valid_feed, parse_ok
from lxml import etree

from feedpub.sources.files import strip_forbidden_characters

ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def front(*lines: str, body: str = "Body text.") -> str:
    """A post whose front matter is exactly these lines (so line numbers are known)."""
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


def atom_entry(output: Path) -> etree._Element:
    (entry,) = etree.parse(str(output / "atom.xml")).getroot().iter(f"{ATOM}entry")
    return entry


def rss_item(output: Path) -> etree._Element:
    (item,) = etree.parse(str(output / "rss.xml")).getroot().iter("item")
    return item


@pytest.fixture
def output(tmp_path) -> Path:
    return tmp_path / "out"


@pytest.fixture
def build_ok(site, output):
    """Build the given posts and config; assert success; return the output folder."""

    def run(posts: dict[str, str | bytes], config: dict | None = None, *args: str) -> Path:
        result = build_into(site(posts, config), output, *args)
        assert result.exit_code == 0, result.stderr
        return output

    return run


@pytest.fixture
def build_in_site(site, tmp_path, monkeypatch):
    """Build from inside the site folder, so messages name `posts/<file>`."""

    def run(posts: dict[str, str | bytes], config: dict | None = None, *args: str):
        config_path = site(posts, config)
        monkeypatch.chdir(config_path.parent)
        return build_into(Path("config.yaml"), tmp_path / "out", *args)

    return run


# --- authors ------------------------------------------------------------------------


def atom_authors(entry) -> list[tuple[str, str | None]]:
    return [(a.findtext(f"{ATOM}name"), a.findtext(f"{ATOM}email")) for a in entry.findall(f"{ATOM}author")]


def test_author_as_a_name(build_ok):
    output = build_ok({"x.md": front("title: Hi", "date: 2026-01-30", "author: 李明")})

    assert atom_authors(atom_entry(output)) == [("李明", None)]
    assert [c.text for c in rss_item(output).findall(f"{DC}creator")] == ["李明"]


def test_author_as_a_mapping_with_email(build_ok):
    output = build_ok(
        {
            "x.md": front(
                "title: Hi",
                "date: 2026-01-30",
                "author: {name: 李明, email: liming@example.com, uri: 'https://li.example/'}",
            )
        }
    )

    entry = atom_entry(output)
    assert atom_authors(entry) == [("李明", "liming@example.com")]
    assert entry.find(f"{ATOM}author").findtext(f"{ATOM}uri") == "https://li.example/"
    assert rss_item(output).findtext("author") == "liming@example.com (李明)"


def test_author_as_a_list_of_names_and_mappings(build_ok):
    output = build_ok(
        {
            "x.md": front(
                "title: Hi",
                "date: 2026-01-30",
                "author:",
                "  - Emily Carter",
                "  - {name: 张伟, email: zw@example.com}",
            )
        }
    )

    assert atom_authors(atom_entry(output)) == [("Emily Carter", None), ("张伟", "zw@example.com")]


def test_authors_key_is_accepted_too(build_ok):
    output = build_ok({"x.md": front("title: Hi", "date: 2026-01-30", "authors: [A One, B Two]")})

    assert atom_authors(atom_entry(output)) == [("A One", None), ("B Two", None)]


def test_post_without_author_gets_the_site_author(build_ok):
    output = build_ok({"x.md": front("title: Hi", "date: 2026-01-30")})

    assert atom_authors(atom_entry(output)) == [("Site Author", "author@example.com")]
    assert rss_item(output).findtext("author") == "author@example.com (Site Author)"


def test_author_of_the_wrong_shape_is_an_error(build_in_site):
    result = build_in_site({"x.md": front("title: Hi", "date: 2026-01-30", "author: {nom: X}")})

    assert result.exit_code == 1
    assert "posts/x.md:4: author:" in result.stderr


# --- categories and tags ----------------------------------------------------------


def terms(entry, scheme_folder: str) -> list[str]:
    return [
        c.get("term")
        for c in entry.findall(f"{ATOM}category")
        if c.get("scheme") == f"https://example.com/{scheme_folder}/"
    ]


@pytest.mark.parametrize(
    "lines, expected",
    [
        (["categories: [fintech, 监管科技]"], ["fintech", "监管科技"]),
        (["categories:", "  - fintech", "  - 监管科技"], ["fintech", "监管科技"]),
        (["category: payments"], ["payments"]),
        (['categories: "fintech, open banking"'], ["fintech", "open banking"]),
        (['categories: "fintech payments"'], ["fintech", "payments"]),
    ],
    ids=["flow-list", "block-list", "category-singular", "comma-string", "space-string"],
)
def test_category_forms(build_ok, lines, expected):
    output = build_ok({"x.md": front("title: Hi", "date: 2026-01-30", *lines)})

    assert terms(atom_entry(output), "categories") == expected


@pytest.mark.parametrize(
    "line, expected",
    [
        ("tags: [blockchain, 稳定币]", ["blockchain", "稳定币"]),
        ('tags: "AI, Machine Learning, 风控"', ["AI", "Machine Learning", "风控"]),
        ("tags: ai fintech 风控", ["ai", "fintech", "风控"]),
        ("tags: [2026, web3]", ["2026", "web3"]),
    ],
    ids=["list", "comma-string", "space-string", "numbers"],
)
def test_tag_forms(build_ok, line, expected):
    output = build_ok({"x.md": front("title: Hi", "date: 2026-01-30", line)})

    assert terms(atom_entry(output), "tags") == expected
    assert [
        c.text for c in rss_item(output).findall("category") if c.get("domain") == "https://example.com/tags/"
    ] == expected


def test_each_category_and_tag_gets_its_own_feed(build_ok):
    output = build_ok({"x.md": front("title: Hi", "date: 2026-01-30", "categories: [Fin Tech]", 'tags: "AI, 风控"')})

    assert sorted(p.relative_to(output).as_posix() for p in output.rglob("atom.xml")) == [
        "atom.xml",
        "categories/fin-tech/atom.xml",
        "tags/ai/atom.xml",
        "tags/风控/atom.xml",
    ]


# --- summary, draft, id, slug, permalink, source, lang -----------------------------


@pytest.mark.parametrize("key", ["summary", "excerpt", "description"])
def test_summary_excerpt_and_description_give_the_entry_summary(build_ok, key):
    output = build_ok(
        {
            "x.md": front(
                "title: Hi", "date: 2026-01-30", f"{key}: One *short* line.", body="First paragraph of the body."
            )
        }
    )

    assert atom_entry(output).findtext(f"{ATOM}summary") == "<p>One <em>short</em> line.</p>"


@pytest.mark.parametrize("line", ["draft: true", "published: false"])
def test_drafts_and_unpublished_posts_are_left_out(build_ok, line):
    output = build_ok(
        {
            "shown.md": front("title: Shown", "date: 2026-01-30"),
            "hidden.md": front("title: Hidden", "date: 2026-01-31", line, "tags: [secret]"),
        }
    )

    assert [e.title for e in parse_ok(output / "atom.xml").entries] == ["Shown"]
    assert not (output / "tags" / "secret").exists()


@pytest.mark.parametrize("line", ["draft: true", "published: false"])
def test_drafts_option_includes_drafts_and_unpublished_posts(build_ok, line):
    output = build_ok({"hidden.md": front("title: Hidden", "date: 2026-01-31", line)}, None, "--drafts")

    assert [e.title for e in parse_ok(output / "atom.xml").entries] == ["Hidden"]


@pytest.mark.parametrize("line", ["draft: false", "published: true"])
def test_explicitly_published_posts_are_shown(build_ok, line):
    output = build_ok({"x.md": front("title: Shown", "date: 2026-01-30", line)})

    assert [e.title for e in parse_ok(output / "atom.xml").entries] == ["Shown"]


def test_draft_flag_that_is_not_a_boolean_is_an_error(build_in_site):
    result = build_in_site({"x.md": front("title: Hi", "date: 2026-01-30", "draft: maybe")})

    assert result.exit_code == 1
    assert "posts/x.md:4: draft:" in result.stderr


@pytest.mark.parametrize("entry_id", ["urn:uuid:7d3f2a91-5c4e-4b8a-9f61-2e0c8d4b7a15", "tag:example.com,2026:post-1"])
def test_front_matter_id_is_the_entry_id_and_not_a_permalink_guid(build_ok, entry_id):
    output = build_ok({"2026-01-30-hi.md": front("title: Hi", f"id: '{entry_id}'")})

    assert atom_entry(output).findtext(f"{ATOM}id") == entry_id
    guid = rss_item(output).find("guid")
    assert (guid.text, guid.get("isPermaLink")) == (entry_id, "false")
    assert rss_item(output).findtext("link") == "https://example.com/2026/01/30/hi/"


def test_id_that_is_not_an_absolute_uri_is_an_error(build_in_site):
    result = build_in_site({"x.md": front("title: Hi", "date: 2026-01-30", "id: post-1")})

    assert result.exit_code == 1
    assert 'posts/x.md:4: id: "post-1" is not an absolute URI' in result.stderr


def test_slug_replaces_the_file_name_in_the_permalink(build_ok):
    output = build_ok({"2026-01-30-long-file-name.md": front("title: Hi", "slug: nyse-blockchain")})

    assert atom_entry(output).find(f"{ATOM}link").get("href") == "https://example.com/2026/01/30/nyse-blockchain/"


def test_default_slug_is_the_file_name_without_date_and_extension(build_ok):
    output = build_ok({"notes/My Post.markdown": front("title: Hi", "date: 2026-01-30")})

    assert atom_entry(output).find(f"{ATOM}link").get("href") == "https://example.com/2026/01/30/my-post/"


def test_permalink_replaces_the_pattern_and_is_the_id(build_ok):
    output = build_ok({"x.md": front("title: Hi", "date: 2026-01-30", "permalink: /news/nyse/")})

    entry = atom_entry(output)
    assert entry.find(f"{ATOM}link").get("href") == "https://example.com/news/nyse/"
    assert entry.findtext(f"{ATOM}id") == "https://example.com/news/nyse/"
    assert rss_item(output).find("guid").get("isPermaLink") == "true"


def test_permalink_pattern_from_config_with_category(build_ok):
    output = build_ok(
        {"2026-01-30-hi.md": front("title: Hi", "categories: [Open Banking]")},
        {"permalink": "/{category}/{year}/{slug}.html"},
    )

    assert atom_entry(output).find(f"{ATOM}link").get("href") == "https://example.com/open-banking/2026/hi.html"


def test_source_becomes_an_atom_related_link(build_ok):
    output = build_ok({"x.md": front("title: Hi", "date: 2026-01-30", "source: https://example.org/original")})

    links = {(link.get("rel") or "alternate", link.get("href")) for link in atom_entry(output).findall(f"{ATOM}link")}
    assert links == {("alternate", "https://example.com/2026/01/30/x/"), ("related", "https://example.org/original")}
    assert_valid_feed(output / "atom.xml")


def test_source_that_is_not_an_http_url_is_an_error(build_in_site):
    result = build_in_site({"x.md": front("title: Hi", "date: 2026-01-30", "source: example.org/original")})

    assert result.exit_code == 1
    assert "posts/x.md:4: source:" in result.stderr


def test_lang_becomes_xml_lang_on_the_entry(build_ok):
    output = build_ok({"x.md": front("title: Hi", "date: 2026-01-30", "lang: zh-CN")})

    assert atom_entry(output).get(XML_LANG) == "zh-CN"
    assert_valid_feed(output / "atom.xml")


def test_post_without_lang_inherits_the_site_language(build_ok):
    output = build_ok({"x.md": front("title: Hi", "date: 2026-01-30")})

    assert atom_entry(output).get(XML_LANG) is None
    assert etree.parse(str(output / "atom.xml")).getroot().get(XML_LANG) == "en"


def test_unknown_front_matter_keys_are_ignored(build_ok):
    output = build_ok({"x.md": front("layout: post", "title: Hi", "date: 2026-01-30", "comments: true")})

    assert atom_entry(output).findtext(f"{ATOM}title") == "Hi"


# --- broken posts -------------------------------------------------------------------


def test_missing_title_is_made_from_the_file_name_as_jekyll_does(build_ok):
    output = build_ok({"2026-01-30-my-first-post.md": front("date: 2026-01-30")})

    assert atom_entry(output).findtext(f"{ATOM}title") == "My First Post"


def test_empty_title_is_made_from_the_file_name_as_jekyll_does(build_ok):
    output = build_ok({"my-first-post.md": front('title: "  "', "date: 2026-01-30")})

    assert atom_entry(output).findtext(f"{ATOM}title") == "My First Post"


def test_title_that_is_a_list_is_an_error_naming_the_line(build_in_site):
    result = build_in_site({"x.md": front("date: 2026-01-30", "title: [a, b]")})

    assert result.exit_code == 1
    assert "posts/x.md:3: title: expected text, got a list" in result.stderr


def test_broken_yaml_names_its_line_in_the_file(build_in_site):
    result = build_in_site({"x.md": front("title: Hi", "date: 2026-01-30", "summary: x: y")})

    assert result.exit_code == 1
    assert "posts/x.md:4: invalid YAML: mapping values are not allowed" in result.stderr


def test_bad_indentation_names_its_line_in_the_file(build_in_site):
    result = build_in_site({"x.md": front("title: Hi", "date: 2026-01-30", "  bad: indent")})

    assert result.exit_code == 1
    assert "posts/x.md:4: invalid YAML" in result.stderr


def test_front_matter_that_is_not_a_mapping_is_an_error(build_in_site):
    result = build_in_site({"x.md": front("- title", "- date")})

    assert result.exit_code == 1
    assert "posts/x.md:1: front matter must be a mapping" in result.stderr


def test_unclosed_front_matter_is_an_error(build_in_site):
    result = build_in_site({"x.md": "---\ntitle: Hi\ndate: 2026-01-30\n\nBody text.\n"})

    assert result.exit_code == 1
    assert "posts/x.md:1: front matter is never closed" in result.stderr


def test_file_without_front_matter_is_an_error(build_in_site):
    result = build_in_site({"x.md": "# Just Markdown\n\nNo front matter.\n"})

    assert result.exit_code == 1
    assert "posts/x.md:1: no front matter" in result.stderr


def test_file_that_is_not_utf8_is_an_error_naming_the_line(build_in_site):
    gbk = front("title: Hi", "date: 2026-01-30", body="First line.\n\n区块链").encode("gbk")

    result = build_in_site({"x.md": gbk})

    assert result.exit_code == 1
    assert "posts/x.md:7: file is not UTF-8" in result.stderr


def test_bom_and_crlf_line_ends_are_accepted(build_ok):
    text = "\ufeff" + front(
        "title: 区块链", "date: 2026-01-30 10:00:00", "tags: [a]", body="First line\nsame paragraph.\n\nSecond."
    ).replace("\n", "\r\n")

    output = build_ok({"x.md": text.encode("utf-8")})

    entry = atom_entry(output)
    assert entry.findtext(f"{ATOM}title") == "区块链"
    assert entry.findtext(f"{ATOM}published") == "2026-01-30T10:00:00+08:00"
    assert entry.findtext(f"{ATOM}content") == "<p>First line\nsame paragraph.</p>\n<p>Second.</p>"


def test_control_characters_on_many_lines_give_a_warning_for_each_of_the_first_and_one_for_the_rest(tmp_path):
    text = "\n".join(f"step \x1b[0;31m{n}\x1b[0m" for n in range(1, 401)) + "\nend \x07\n"

    cleaned, warnings = strip_forbidden_characters(tmp_path / "log.md", text)

    assert "\x1b" not in cleaned and "\x07" not in cleaned
    assert [(w.line, w.message) for w in warnings] == [
        (1, "removed control characters (U+001B)"),
        (2, "removed control characters (U+001B)"),
        (3, "removed control characters (U+001B)"),
        (4, "removed control characters (U+0007, U+001B) on 398 more line(s), to line 401"),
    ]


def test_control_characters_are_removed_with_a_warning_naming_file_and_line(site, output, monkeypatch):
    config = site({"x.md": front("title: Sa\x0bfe", "date: 2026-01-30", "tags: [t\x0b1]", body="Para\x00graph.")})
    monkeypatch.chdir(config.parent)

    result = build_into(Path("config.yaml"), output)

    assert result.exit_code == 0, result.stderr
    assert "posts/x.md:2: warning: removed control characters (U+000B)" in result.stderr
    assert "posts/x.md:6: warning: removed control characters (U+0000)" in result.stderr
    for rel in ("atom.xml", "rss.xml", "tags/t1/atom.xml", "tags/t1/rss.xml"):
        assert_valid_feed(output / rel)
    entry = atom_entry(output)
    assert entry.findtext(f"{ATOM}title") == "Safe"
    assert entry.findtext(f"{ATOM}content") == "<p>Paragraph.</p>"


def test_escaped_control_characters_in_yaml_are_removed_too(build_ok):
    output = build_ok({"x.md": front('title: "Sa\\x0Bfe"', "date: 2026-01-30")})

    assert atom_entry(output).findtext(f"{ATOM}title") == "Safe"
    assert_valid_feed(output / "atom.xml")


def test_every_problem_in_every_post_is_reported_in_one_run(build_in_site):
    result = build_in_site(
        {
            "a.md": front("title: A", "date: someday"),
            "b.md": front("date: 2026-01-30", "draft: maybe", "title: [B]"),
            "c.md": front("title: C", "date: 2026-01-30", "id: not-a-uri"),
            "d.md": front("title: D", "date: 2026-01-30"),
        }
    )

    assert result.exit_code == 1
    assert 'posts/a.md:3: date: "someday" is not a date' in result.stderr
    assert "posts/b.md:4: title: expected text" in result.stderr
    assert "posts/b.md:3: draft: expected true or false" in result.stderr
    assert 'posts/c.md:4: id: "not-a-uri" is not an absolute URI' in result.stderr
    assert "4 error(s); nothing was published" in result.stderr


def test_a_bad_id_is_reported_even_when_the_title_is_broken_too(build_in_site):
    result = build_in_site({"b.md": front("date: 2026-01-30", "id: not-a-uri", "title: [B]")})

    assert result.exit_code == 1
    assert "posts/b.md:4: title: expected text" in result.stderr
    assert 'posts/b.md:3: id: "not-a-uri" is not an absolute URI' in result.stderr


@pytest.fixture
def published_site(site, output):
    """A site built once, with old mtimes on its output, ready for a second build."""
    config = site({"good.md": front("title: Good", "date: 2026-01-30", "tags: [a]")})
    assert build_into(config, output).exit_code == 0
    for path in output.rglob("*"):
        os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    return config


def test_a_failing_build_leaves_the_previous_output_untouched(published_site, output):
    before = file_snapshot(output)
    (published_site.parent / "posts" / "bad.md").write_text(front("title: Bad", "date: someday", "tags: [b]"))

    result = build_into(published_site, output)

    assert result.exit_code == 1
    assert "nothing was published" in result.stderr
    assert file_snapshot(output) == before


def test_keep_going_publishes_the_good_posts_and_exits_5(published_site, output):
    (published_site.parent / "posts" / "bad.md").write_text(front("title: Bad", "date: someday"))
    (published_site.parent / "posts" / "new.md").write_text(front("title: New", "date: 2026-02-01"))

    result = build_into(published_site, output, "--keep-going")

    assert result.exit_code == 5
    assert "bad.md:3: date:" in result.stderr
    assert "published without 1 broken post(s)" in result.stderr
    assert [e.title for e in parse_ok(output / "atom.xml").entries] == ["New", "Good"]


def test_keep_going_reports_the_broken_post_again_on_the_next_build(published_site, output):
    (published_site.parent / "posts" / "bad.md").write_text(front("title: Bad", "date: someday"))
    build_into(published_site, output, "--keep-going")

    result = build_into(published_site, output, "--keep-going")

    assert result.exit_code == 5
    assert "bad.md:3: date:" in result.stderr


def test_a_post_skipped_with_keep_going_fails_a_build_without_it(published_site, output):
    (published_site.parent / "posts" / "bad.md").write_text(front("title: Bad", "date: someday"))
    build_into(published_site, output, "--keep-going")

    result = build_into(published_site, output)

    assert result.exit_code == 1
    assert "bad.md:3: date:" in result.stderr


# --- which files are posts -------------------------------------------------------

NOT_A_POST = "this is not a post: it has no front matter\n"


@pytest.mark.parametrize(
    "name",
    [
        ".hidden.md",
        "x.md~",
        ".#x.md",
        "x.md.swp",
        ".x.md.swp",
        "#x.md#",
        "notes.txt",
        "README",
        "_drafts/draft.md",
        ".git/HEAD.md",
        "sub/.hidden/post.md",
        "image.png",
    ],
)
def test_hidden_files_backups_and_non_markdown_files_are_ignored(build_ok, name):
    output = build_ok({"real.md": front("title: Real", "date: 2026-01-30"), name: NOT_A_POST})

    assert [e.title for e in parse_ok(output / "atom.xml").entries] == ["Real"]


@pytest.mark.parametrize("name", ["post.md", "post.markdown", "deep/er/post.md"])
def test_markdown_files_are_found_recursively(build_ok, name):
    output = build_ok({name: front("title: Found", "date: 2026-01-30")})

    assert [e.title for e in parse_ok(output / "atom.xml").entries] == ["Found"]


def test_a_site_without_posts_publishes_valid_empty_feeds(build_ok):
    output = build_ok({})

    for rel in ("atom.xml", "rss.xml"):
        assert_valid_feed(output / rel)
    assert parse_ok(output / "atom.xml").entries == []


def test_two_posts_with_one_id_is_an_error_naming_both(build_in_site):
    result = build_in_site(
        {
            "a.md": front("title: A", "date: 2026-01-30", "id: urn:x:same"),
            "b.md": front("title: B", "date: 2026-01-31", "id: urn:x:same"),
        }
    )

    assert result.exit_code == 1
    assert "posts/b.md" in result.stderr and "posts/a.md" in result.stderr
    assert "urn:x:same" in result.stderr


def test_two_posts_with_one_permalink_is_an_error(build_in_site):
    result = build_in_site(
        {
            "2026-01-30-same.md": front("title: A"),
            "old/2026-01-30-same.md": front("title: B"),
        }
    )

    assert result.exit_code == 1
    assert "https://example.com/2026/01/30/same/" in result.stderr


def test_utf16_file_is_an_error_saying_so(build_in_site):
    result = build_in_site({"x.md": front("title: Hi", "date: 2026-01-30").encode("utf-16")})

    assert result.exit_code == 1
    assert "posts/x.md:1: file is UTF-16" in result.stderr
