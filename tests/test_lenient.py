"""Front matter Jekyll 4.3 publishes and feedpub used to refuse: read as Jekyll reads it, with a warning where doubtful.

Unit tests call `read_post`, `parse_date` and `read_date` directly; the CLI
tests build small sites, feedpub's own and a Jekyll one, since both read
posts through the same front matter reader.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import NOW, build_into, run_cli
from lxml import etree

from feedpub.model import Author, Problem
from feedpub.sources import files
from feedpub.sources.config import load_config
from feedpub.sources.dates import DateError, parse_date, read_date
from feedpub.sources.posts import read_post
from feedpub.sources.yamldoc import DuplicateKey, YamlError, load_yaml

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# files.split_front_matter still calls load_yaml() with its strict default: until it passes
# duplicates="last", a key given twice in front matter is an error. These tests say so.


def front(*lines: str, body: str = "Body text.") -> str:
    """A post whose front matter is exactly these lines (so line numbers are known)."""
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


def shown(problem: Problem) -> str:
    """`LINE: message` or `LINE: warning: message`, as the CLI prints it without the file name."""
    where = f"{problem.line}: " if problem.line else ""
    return f"{where}{'warning: ' if problem.severity == 'warning' else ''}{problem.message}"


@pytest.fixture
def read(site):
    """read(text, name="2026-01-30-hello.md") -> (post or None, problems as `LINE: message`)."""

    def run(text: str, name: str = "2026-01-30-hello.md"):
        config_path = site({name: text})
        post, problems = read_post(config_path.parent / "posts" / name, load_config(config_path))
        return post, [shown(problem) for problem in problems]

    return run


@pytest.fixture
def keep_last_duplicate(monkeypatch):
    """Front matter loaded as files.split_front_matter will load it once it passes duplicates="last"."""
    monkeypatch.setattr(files, "load_yaml", partial(load_yaml, duplicates="last"))


@pytest.fixture
def build(site, tmp_path):
    """build(posts) -> (CLI result, output folder), run from inside the site so messages name posts/<file>."""

    def run(posts: dict[str, str], config: dict | None = None):
        config_path = site(posts, config)
        output = tmp_path / "out"
        return build_into(config_path, output), output

    return run


def atom_entry(output: Path) -> etree._Element:
    (entry,) = etree.parse(str(output / "atom.xml")).getroot().iter(f"{ATOM}entry")
    return entry


# --- 1. dates in the forms Ruby's Time.parse reads ------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020/01/05", "2020-01-05T00:00:00+08:00"),
        ("Jan 6, 2020", "2020-01-06T00:00:00+08:00"),
        ("2020-01-07 10:00:00 PST", "2020-01-07T10:00:00-08:00"),
        ("2023-01-29 18:30:22 2023 -0800", "2023-01-29T18:30:22-08:00"),
    ],
)
def test_dates_in_forms_ruby_reads_are_read_as_jekyll_publishes_them(text, expected):
    assert parse_date(text, SHANGHAI).isoformat() == expected


def test_iso_dates_take_the_fast_path_and_never_reach_dateutil(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("dateutil was asked about an ISO date")

    from dateutil import parser as dateutil_parser

    monkeypatch.setattr(dateutil_parser, "parse", refuse)

    assert parse_date("2026-01-30 10:00:00 +0800", SHANGHAI).isoformat() == "2026-01-30T10:00:00+08:00"
    assert parse_date("2026-01-30T02:00:00Z", SHANGHAI).isoformat() == "2026-01-30T02:00:00+00:00"


def test_fallback_text_without_an_offset_is_in_the_site_timezone():
    stamp = parse_date("Jan 6, 2020 10:00", ZoneInfo("America/New_York"))

    assert stamp.isoformat() == "2020-01-06T10:00:00-05:00"


def test_a_date_the_fallback_reads_whole_needs_no_warning():
    assert read_date("Jan 6, 2020", SHANGHAI)[1] is None
    assert read_date("2020-01-07 10:00:00 PST", SHANGHAI)[1] is None


def test_a_repeated_year_is_ignored_and_the_note_says_how_the_date_was_read():
    stamp, note = read_date("2023-01-29 18:30:22 2023 -0800", SHANGHAI)

    assert note == '"2023-01-29 18:30:22 2023 -0800" read as 2023-01-29T18:30:22-08:00; ignored "2023"'


def test_words_around_a_date_are_ignored_with_a_note_naming_them():
    stamp, note = read_date("Posted 6 January 2020 by Ann", SHANGHAI)

    assert stamp.isoformat() == "2020-01-06T00:00:00+08:00"
    assert note == '"Posted 6 January 2020 by Ann" read as 2020-01-06T00:00:00+08:00; ignored "Posted", "by", "Ann"'


def test_a_zone_ruby_does_not_know_is_read_in_the_site_timezone_with_a_note():
    stamp, note = read_date("2020-01-07 10:00:00 CET", SHANGHAI)

    assert stamp.isoformat() == "2020-01-07T10:00:00+08:00"
    assert note is not None and note.endswith('ignored "CET" (a time zone Jekyll does not know)')


def test_the_machine_timezone_never_decides_a_date(monkeypatch):
    # dateutil reads a zone name found in time.tzname as the machine's own zone, unless told otherwise.
    monkeypatch.setattr(time, "tzname", ("CET", "CEST"))

    assert parse_date("2020-01-07 10:00:00 CET", SHANGHAI).isoformat() == "2020-01-07T10:00:00+08:00"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("someday", '"someday" is not a date (expected YYYY-MM-DD, optionally with time and offset)'),
        ("Jan 6", '"Jan 6" is not a date (it has no year)'),
        ("01/05/20", '"01/05/20" is not a date (write the year with four digits)'),
        ("12/25/2020", '"12/25/2020" is not a date (read day first, as Jekyll reads it: month must be in 1..12)'),
        ("2026 " + "x" * 300, "is not a date (expected YYYY-MM-DD"),
    ],
)
def test_text_that_is_not_a_whole_date_stays_an_error(text, message):
    with pytest.raises(DateError) as raised:
        parse_date(text, SHANGHAI)

    assert message in str(raised.value)


def test_a_post_dated_in_a_ruby_form_is_read_without_a_problem(read):
    post, problems = read(front("title: Hello", "date: Jan 6, 2020 10:00 PST"))

    assert problems == []
    assert post.published.isoformat() == "2020-01-06T10:00:00-08:00"


def test_a_date_read_with_words_ignored_is_a_warning_on_its_line(read):
    post, problems = read(front("title: Hello", "date: 2023-01-29 18:30:22 2023 -0800"))

    assert post is not None
    assert problems == [
        '3: warning: date: "2023-01-29 18:30:22 2023 -0800" read as 2023-01-29T18:30:22-08:00; ignored "2023"'
    ]


def test_cli_publishes_a_post_dated_as_jekyll_sites_date_them(build):
    result, output = build({"x.md": front("title: Hello", "date: Jan 6, 2020 10:00 PST")})

    assert result.exit_code == 0, result.stderr
    assert atom_entry(output).findtext(f"{ATOM}published") == "2020-01-06T10:00:00-08:00"


def test_cli_warns_with_file_and_line_when_part_of_a_date_was_ignored(build):
    result, output = build({"x.md": front("title: Hello", "date: 2023-01-29 18:30:22 2023 -0800")})

    assert result.exit_code == 0, result.stderr
    assert 'x.md:3: warning: date: "2023-01-29 18:30:22 2023 -0800" read as' in result.stderr
    assert atom_entry(output).findtext(f"{ATOM}published") == "2023-01-29T18:30:22-08:00"


def test_cli_refuses_a_date_that_is_not_a_date_naming_file_and_line(build):
    result, output = build({"x.md": front("title: Hello", "date: next week")})

    assert result.exit_code == 1
    assert 'x.md:3: date: "next week" is not a date' in result.stderr
    assert not (output / "atom.xml").exists()


# --- 2. a key given twice: the last one, with a warning ---------------------------------------


def test_yaml_with_a_key_given_twice_keeps_the_last_and_lists_every_line():
    document = load_yaml("title: A\ndate: 2026-01-30\ntitle: B\n", duplicates="last")

    assert document.data["title"] == "B"
    assert document.key_lines["title"] == 3
    assert document.duplicates == (DuplicateKey("title", (1, 3)),)


def test_yaml_duplicates_are_found_inside_mappings_and_lists_too():
    text = "author:\n  name: A\n  name: B\nauthors:\n  - {name: C, email: c@x, email: d@x}\n"

    document = load_yaml(text, duplicates="last")

    assert document.duplicates == (DuplicateKey("author.name", (2, 3)), DuplicateKey("authors.email", (5, 5)))


def test_yaml_keeps_refusing_a_key_given_twice_by_default_as_config_yaml_needs():
    with pytest.raises(YamlError) as raised:
        load_yaml("title: A\ntitle: B\n")

    assert raised.value.describe() == "duplicate key 'title' (first at line 1)"


def test_a_key_given_twice_in_front_matter_warns_naming_both_lines(read, keep_last_duplicate):
    post, problems = read(front("title: One", "date: 2026-01-30", "title: Two"))

    assert post.title == "Two"
    assert problems == ["4: warning: title: given twice (lines 2 and 4); the last one is used"]


def test_a_key_given_three_times_names_every_line(read, keep_last_duplicate):
    post, problems = read(front("tags: a", "title: One", "tags: b", "date: 2026-01-30", "tags: c"))

    assert post.tags == ("c",)
    assert problems == ["6: warning: tags: given 3 times (lines 2, 4 and 6); the last one is used"]


def test_a_nested_key_given_twice_warns_at_its_own_line(read, keep_last_duplicate):
    post, problems = read(front("title: One", "date: 2026-01-30", "author:", "  name: Ann", "  name: Bea"))

    assert post.authors == (Author("Bea"),)
    assert problems == ["6: warning: author.name: given twice (lines 5 and 6); the last one is used"]


def test_cli_publishes_a_post_with_a_key_given_twice_with_a_warning(build):
    result, output = build({"x.md": front("title: One", "date: 2026-01-30", "title: Two")})

    assert result.exit_code == 0, result.stderr
    assert "x.md:4: warning: title: given twice (lines 2 and 4); the last one is used" in result.stderr
    assert atom_entry(output).findtext(f"{ATOM}title") == "Two"


# --- 3. booleans written as text ------------------------------------------------------------


@pytest.mark.parametrize(("text", "draft"), [('"false"', True), ('" FALSE "', True), ('"True"', False)])
def test_published_written_as_text_is_read_as_a_boolean_silently(read, text, draft):
    post, problems = read(front("title: Hello", f"published: {text}"))

    assert problems == []
    assert post.draft is draft


def test_draft_written_as_true_text_is_a_draft(read):
    post, problems = read(front("title: Hello", 'draft: "true"'))

    assert problems == []
    assert post.draft is True


def test_draft_yes_as_text_stays_an_error(read):
    post, problems = read(front("title: Hello", 'draft: "yes"'))

    assert post is None
    assert problems == ['3: draft: expected true or false, got "yes"']


# --- 4. a title from the file name ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("2020-01-05-my-first-post.md", "My First Post"),
        ("2020-01-05-HFDP-notes1.md", "Hfdp Notes1"),  # Ruby's capitalize lowers the rest, as Jekyll shows it
        ("about-this-site.md", "About This Site"),
    ],
)
def test_a_post_without_a_title_takes_it_from_its_file_name_as_jekyll_does(read, name, title):
    post, problems = read(front("date: 2020-01-05"), name)

    assert problems == []
    assert post.title == title


def test_an_empty_title_is_no_title(read):
    post, problems = read(front('title: ""', "date: 2020-01-05"), "2020-01-05-my-first-post.md")

    assert problems == []
    assert post.title == "My First Post"


def test_cli_publishes_a_post_without_a_title_under_its_file_name(build):
    result, output = build({"2020-01-05-my-first-post.md": front("date: 2020-01-05")})

    assert result.exit_code == 0, result.stderr
    assert atom_entry(output).findtext(f"{ATOM}title") == "My First Post"


# --- 5. numbers, booleans and dates where text belongs ------------------------------------------


@pytest.mark.parametrize(
    ("line", "title", "warning"),
    [
        ("title: 2020", "2020", 'a number (2020) read as the text "2020" (put it in quotes: title: "2020")'),
        ("title: 1.10", "1.10", 'a number (1.1) read as the text "1.10" (put it in quotes: title: "1.10")'),
        ("title: true", "true", 'a boolean (true) read as the text "true" (put it in quotes: title: "true")'),
        ("title: 2020-01-01", "2020-01-01", "a date (2020-01-01) read as the text"),
    ],
)
def test_an_unquoted_scalar_title_is_its_text_as_written_with_a_warning(read, line, title, warning):
    post, problems = read(front(line, "date: 2026-01-30"))

    assert post.title == title
    assert len(problems) == 1 and problems[0].startswith(f"2: warning: title: {warning}")


@pytest.mark.parametrize("key", ["summary", "description", "excerpt"])
def test_an_unquoted_number_summary_is_its_text_with_a_warning(read, key):
    post, problems = read(front("title: Hello", f"{key}: 42"))

    assert post.summary == "42"
    assert problems == [f'3: warning: {key}: a number (42) read as the text "42" (put it in quotes: {key}: "42")']


def test_cli_publishes_an_unquoted_number_title_and_warns(build):
    result, output = build({"x.md": front("title: 2020", "date: 2026-01-30")})

    assert result.exit_code == 0, result.stderr
    assert 'x.md:2: warning: title: a number (2020) read as the text "2020"' in result.stderr
    assert atom_entry(output).findtext(f"{ATOM}title") == "2020"


# --- 6. empty front matter ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["---\n---\nBody.\n", "---\n\n---\nBody.\n"])
def test_empty_front_matter_is_a_post_named_and_dated_by_its_file(read, text):
    post, problems = read(text, "2020-01-05-my-first-post.md")

    assert problems == []
    assert post.title == "My First Post"
    assert post.published.isoformat() == "2020-01-05T00:00:00+08:00"


# --- 7. empty names in a list -----------------------------------------------------------------


@pytest.mark.parametrize("lines", [("tags: [a, null, '', b]",), ("tags:", "  - a", "  -", "  - b")])
def test_empty_items_in_a_tag_list_are_dropped_silently(read, lines):
    post, problems = read(front("title: Hello", *lines))

    assert problems == []
    assert post.tags == ("a", "b")


def test_a_list_with_a_bare_comma_stays_invalid_yaml_as_ruby_finds_it(read):
    post, problems = read(front("title: Hello", "tags: [a, , b]"))

    assert post is None
    assert problems == ["3: invalid YAML: did not find expected node content"]


# --- 8. languages in locale form ------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "tag"),
    [
        ("zh_cn", "zh-CN"),
        ("zh_CN", "zh-CN"),
        ("en_US.UTF-8", "en-US"),
        ("pt-br", "pt-BR"),
        ("sr_RS@latin", "sr-RS"),
        ("zh-Hans-CN", "zh-Hans-CN"),
    ],
)
def test_a_locale_is_read_as_its_language_tag(read, given, tag):
    post, problems = read(front("title: Hello", f"lang: {given}"))

    assert problems == []
    assert post.lang == tag


@pytest.mark.parametrize(
    ("line", "shown"), [("lang: Simplified Chinese", '"Simplified Chinese"'), ("lang: 42", "a number (42)")]
)
def test_a_lang_that_is_no_language_is_a_warning_and_the_post_has_none(read, line, shown):
    post, problems = read(front("title: Hello", line))

    assert post.lang is None
    assert problems == [f"3: warning: lang: {shown} is not a language tag (e.g. en, zh-CN); published without one"]


def test_cli_writes_a_locale_as_its_language_tag(build):
    result, output = build({"x.md": front("title: Hello", "date: 2026-01-30", "lang: en_US.UTF-8")})

    assert result.exit_code == 0, result.stderr
    assert atom_entry(output).get(XML_LANG) == "en-US"


# --- 9. jekyll-seo-tag's image and author mappings -----------------------------------------


@pytest.mark.parametrize("mapping", ["{path: /img/a.png, alt: A cat}", "{url: /img/a.png, height: 100}"])
def test_an_image_mapping_gives_its_path_or_url(read, mapping):
    post, problems = read(front("title: Hello", f"image: {mapping}"))

    assert problems == []
    assert post.image == "https://example.com/img/a.png"


def test_an_image_mapping_without_a_url_is_a_warning_and_no_image(read):
    post, problems = read(front("title: Hello", "image: {alt: A cat}"))

    assert post.image is None
    assert problems == ["3: warning: image: a mapping without path: or url:; published without an image"]


@pytest.mark.parametrize(
    ("mapping", "author"),
    [
        ("{name: Ann, twitter: ann}", Author("Ann")),
        ("{name: Ann, url: 'https://a.example/', avatar: /a.png}", Author("Ann", None, "https://a.example/")),
        (
            "{name: Ann, uri: 'https://u.example/', url: 'https://a.example/'}",
            Author("Ann", None, "https://u.example/"),
        ),
        ("{name: Ann, email: ann@example.com, bio: Writes., github: ann}", Author("Ann", "ann@example.com")),
    ],
)
def test_an_author_mapping_gives_name_email_and_uri_and_leaves_the_rest(read, mapping, author):
    post, problems = read(front("title: Hello", f"author: {mapping}"))

    assert problems == []
    assert post.authors == (author,)


def test_a_list_of_author_mappings_with_extra_keys_gives_each_author(read):
    post, problems = read(
        front("title: Hello", "authors:", "  - {name: Ann, twitter: ann}", "  - {name: Bea, picture: /b.png}")
    )

    assert problems == []
    assert post.authors == (Author("Ann"), Author("Bea"))


def test_an_author_mapping_without_a_name_stays_an_error(read):
    post, problems = read(front("title: Hello", "author: {twitter: ann}"))

    assert post is None
    assert problems == [
        "3: author: expected a name, {name, email, uri}, or a list of them; got a mapping without name:"
    ]


# --- 10. undated files in _posts are skipped, as Jekyll skips them -----------------------------


def test_an_undated_file_in_posts_is_skipped_with_a_warning_only(read):
    post, problems = read(front("title: Template"), "_posts/template.md")

    assert post is None
    assert problems == ["warning: no date in the file name or front matter; Jekyll skips it too"]


def test_a_file_in_posts_dated_by_its_front_matter_is_read(read):
    post, problems = read(front("title: Notes", "date: 2026-01-30"), "_posts/notes.md")

    assert problems == []
    assert post.title == "Notes"


def test_an_undated_file_outside_posts_is_still_an_error(read):
    post, problems = read(front("title: Template"), "drafts/template.md")

    assert post is None
    assert problems == ["1: date: is required (or name the file YYYY-MM-DD-slug.md)"]


def test_cli_build_with_an_undated_file_in_posts_succeeds_with_a_warning(build):
    result, output = build(
        {"2026-01-30-hello.md": front("title: Hello"), "_posts/template.md": front("title: '{{ page.title }}'")}
    )

    assert result.exit_code == 0, result.stderr
    assert "_posts/template.md: warning: no date in the file name or front matter; Jekyll skips it too" in result.stderr
    assert atom_entry(output).findtext(f"{ATOM}title") == "Hello"


# --- 11. one reader, whatever the mode ----------------------------------------------------------


def test_a_jekyll_site_reads_front_matter_as_leniently(tmp_path):
    site = tmp_path / "blog"
    (site / "_posts").mkdir(parents=True)
    (site / "_config.yml").write_text("title: Blog\nurl: https://example.com\ntimezone: Asia/Shanghai\n", "utf-8")
    post = front("title: 2020", "date: Jan 6, 2020 10:00", "lang: zh_cn", 'published: "true"', "tags: [a, null]")
    (site / "_posts" / "2020-01-06-hello.md").write_text(post, "utf-8")

    result = run_cli("build", "-c", site / "_config.yml", "-o", tmp_path / "out", "--now", NOW)

    assert result.exit_code == 0, result.stderr
    (entry,) = etree.parse(str(tmp_path / "out" / "feed.xml")).getroot().iter(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "2020"
    assert entry.findtext(f"{ATOM}published") == "2020-01-06T10:00:00+08:00"
    assert entry.get(XML_LANG) == "zh-CN"
