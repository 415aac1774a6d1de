"""`feedpub check`: every problem of the config, the posts and the published feeds, without writing a file."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import NOW, file_snapshot, post, run_cli, write_site

import feedpub.tools.check as validate

INSTALLED = Path(sys.executable).parent / "feedpub"
BROKEN_DATE = "---\ntitle: Bad\ndate: someday\n---\nBody.\n"


def check(config: Path, *args: str):
    return run_cli("check", "-c", config, "--now", NOW, *args)


def check_json(config: Path, *args: str) -> dict:
    result = check(config, "--json", *args)
    report = json.loads(result.stdout)
    assert report["exit_code"] == result.exit_code
    return report


def warnings_of(site, body: str, config: dict | None = None, **front) -> list[str]:
    """The check-only warnings for one post with this body."""
    report = check_json(site({"2026-01-30-p.md": post("A post", body=body, **front)}, config))
    assert report["errors"] == []
    return [w["message"] for w in report["warnings"]]


# --- verdicts and exit codes ------------------------------------------------------------------


def test_a_clean_site_passes_with_a_summary_line(site):
    config = site({"a.md": post("A", body="A first paragraph.", tags=["t"])})

    result = check(config)

    assert result.exit_code == 0
    assert result.stdout.startswith("feedpub: checked: 0 error(s), 0 warning(s) in 1 posts")
    assert result.stderr == ""


def test_every_broken_post_is_reported_in_one_run_as_path_line_message(site):
    config = site(
        {
            "a.md": BROKEN_DATE,
            "b.md": "---\ntitle: B\ndate: 2026-01-30\ntags: {x: 1}\n---\nBody.\n",
            "c.md": post("C"),
        }
    )

    result = check(config)

    assert result.exit_code == 1
    assert re.search(r"^\S*/posts/a\.md:3: date: \"someday\" is not a date", result.stderr, re.MULTILINE)
    assert re.search(r"^\S*/posts/b\.md:4: tags: ", result.stderr, re.MULTILINE)
    assert "check failed: 2 error(s)" in result.stderr


def test_warnings_are_listed_after_the_errors_and_fail_only_with_strict(site, tmp_path):
    config = site({"a.md": post("A", body="Text with a vertical tab\x0b in it."), "b.md": BROKEN_DATE})
    fixed = write_site(tmp_path / "fixed", {"a.md": post("A", body="Text with a vertical tab\x0b in it.")})

    broken = check(config)
    lenient, strict = check(fixed), check(fixed, "--strict")

    lines = broken.stderr.splitlines()
    assert lines[0].endswith('date: "someday" is not a date (expected YYYY-MM-DD, optionally with time and offset)')
    assert re.search(r"a\.md:\d+: warning: removed control characters \(U\+000B\)", lines[1])
    assert (lenient.exit_code, strict.exit_code) == (0, 1)
    assert "1 warning(s)" in lenient.stdout and "warning: removed control characters" in lenient.stderr


def test_a_config_error_names_the_file_and_line_and_exits_2(site):
    config = site({"a.md": post()}, {"feeds": {"limit": "ten"}})

    result = check(config)
    report = check_json(config)

    assert result.exit_code == 2
    assert re.fullmatch(r"\S*config\.yaml:\d+: feeds\.limit: expected an? integer, got \"ten\"\n", result.stderr)
    assert [e["message"] for e in report["errors"]] == [result.stderr.split(": ", 1)[1].strip()]


def test_a_missing_posts_folder_is_a_config_error(site):
    config = site({})
    (config.parent / "posts").rmdir()

    result = check(config)

    assert result.exit_code == 2 and "posts_dir" in result.stderr


def test_json_lists_errors_and_warnings_with_their_places(site):
    config = site({"a.md": BROKEN_DATE, "b.md": post("B", body="\x0b")})

    report = check_json(config)

    assert report["exit_code"] == 1
    assert set(report) == {"exit_code", "errors", "warnings", "notes", "posts", "feeds", "published_files"}
    error = report["errors"][0]
    assert (Path(error["path"]).name, error["line"]) == ("a.md", 3)
    assert error["text"] == f"{error['path']}:3: {error['message']}"
    assert report["warnings"][0]["text"].startswith(report["warnings"][0]["path"] + ":")


def test_check_writes_nothing(site):
    config = site({"a.md": post(), "b.md": BROKEN_DATE})
    before = file_snapshot(config.parent)

    check(config)
    check(config, "--json", "--strict", "--drafts")

    assert file_snapshot(config.parent) == before
    assert not (config.parent / "public").exists() and not (config.parent / ".feedpub-cache").exists()


def test_drafts_and_future_posts_are_checked_only_as_a_build_would_show_them(site):
    config = site(
        {
            "a.md": post("A", body="- a list first", draft=True),
            "b.md": post("B", date="2027-01-01", body="- a list first"),
        }
    )

    assert check_json(config)["warnings"] == []
    assert len(check_json(config, "--drafts")["warnings"]) == 1


def test_the_installed_command_checks_a_site(site):
    config = site({"a.md": BROKEN_DATE})

    done = subprocess.run(
        [INSTALLED, "check", "--now", NOW], cwd=config.parent, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 1
    assert re.search(r"^posts/a\.md:3: date: ", done.stderr, re.MULTILINE)


# --- the check-only warnings -----------------------------------------------------------


def test_a_body_starting_with_a_list_and_no_summary_is_warned_with_what_readers_see(site):
    messages = warnings_of(site, "- one\n- two\n\nThe real text comes later.")

    assert messages == [
        "no summary: the body starts with a list, not a paragraph of text, and has no summary: or "
        '<!--more-->, so readers see a paragraph from further down ("The real text comes later.")'
    ]


@pytest.mark.parametrize("body, first", [("    code only", "a code block"), ("![hero](/hero.png)", "an image")])
def test_a_body_with_no_paragraph_of_text_gives_readers_no_summary_text(site, body, first):
    messages = warnings_of(site, body)

    assert messages == [
        f"no summary: the body starts with {first}, not a paragraph of text, and has no summary: "
        "or <!--more-->, so readers see no text at all"
    ]


@pytest.mark.parametrize(
    "body, front",
    [
        ("- a list first\n\nthen text", {"summary": "Given."}),
        ("- a list first\n\n<!--more-->\n\nthen text", {}),
        ("## Background\n\nA paragraph under a section heading is a good summary.", {}),
        ("A plain first paragraph.", {}),
    ],
)
def test_a_summary_source_means_no_warning(site, body, front):
    assert warnings_of(site, body, **front) == []


def test_the_title_repeated_as_the_first_heading_is_warned(site):
    assert warnings_of(site, "# A post\n\nText.") == [
        "the body starts with the title again as a heading: readers show the title twice; remove the heading"
    ]
    assert warnings_of(site, "# Something else\n\nText.") == []


def test_an_empty_body_is_warned(site):
    assert warnings_of(site, "\n\n") == ["the body is empty: the feed entry has no content"]


def test_links_to_markdown_files_name_their_line(site):
    config = site({"2026-01-30-p.md": post("P", body="Intro.\n\nSee [the other](2026-01-12-other.md).")})

    warning = check_json(config)["warnings"][0]

    assert warning["line"] == 7  # --- title date --- Intro. blank See...
    assert warning["message"] == (
        'links to the Markdown file "2026-01-12-other.md", which is not published: link to the post\'s URL instead'
    )


def test_a_link_shown_in_a_code_sample_is_not_a_link(site):
    assert warnings_of(site, 'Intro.\n\n    [x](other.md) <img src="http://localhost/a.png">') == []


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:4000/img/a.png",
        "http://127.0.0.1/a",
        "file:///home/me/a.png",
        "http://[::1]:8080/",
        "http://blog.localhost/x",
    ],
)
def test_urls_of_the_writers_own_machine_are_warned(site, url):
    messages = warnings_of(site, f"Intro [x]({url}).")

    assert messages == [f'"{url}" points to the writer\'s own machine; readers cannot open it']


def test_http_images_on_an_https_site_are_mixed_content(site):
    body = 'Intro.\n\n![a](http://img.example.org/a.png) [a link](http://example.org/) <img srcset="http://x.org/b.png 2x">'

    messages = warnings_of(site, body)

    assert messages == [
        'embeds "http://img.example.org/a.png" over plain http on an https site: web-based readers block it; use https',
        'embeds "http://x.org/b.png" over plain http on an https site: web-based readers block it; use https',
    ]
    assert warnings_of(site, body, {"site": {"url": "http://example.com/"}}) == []


def test_root_relative_urls_on_a_site_in_a_subfolder_leave_the_site(site):
    body = "Intro ![a](/img/a.png) and [ok](/blog/2026/x/)."

    messages = warnings_of(site, body, {"site": {"url": "https://example.com/blog/"}})

    assert messages == [
        '"/img/a.png" resolves to https://example.com/img/a.png, outside the site '
        'https://example.com/blog/; did you mean "/blog/img/a.png"?'
    ]
    assert warnings_of(site, body) == []


# --- the published feeds -------------------------------------------------------------------------


@pytest.fixture
def published(site) -> Path:
    config = site({"a.md": post("A", tags=["区块链"])}, {"feeds": {"formats": ["atom", "rss", "json"]}})
    assert run_cli("build", "-c", config, "--now", NOW).exit_code == 0
    return config


def test_published_feeds_are_read_and_validated(published):
    report = check_json(published)

    assert report["exit_code"] == 0 and report["notes"] == []
    assert report["published_files"] == 6  # site and one tag, three formats each


def test_a_published_feed_a_reader_cannot_parse_is_an_error_with_its_line(published):
    path = published.parent / "public" / "tags" / "区块链" / "rss.xml"
    path.write_bytes(path.read_bytes()[:300])

    result = check(published)

    assert result.exit_code == 1
    assert re.search(r"public/tags/区块链/rss\.xml:\d+: a feed reader cannot read it: ", result.stderr)


def test_a_published_atom_feed_is_checked_against_the_rfc_4287_schema(published):
    path = published.parent / "public" / "atom.xml"
    path.write_bytes(re.sub(rb"<updated>[^<]*</updated>", b"<updated>yesterday</updated>", path.read_bytes(), count=1))

    result = check(published)

    assert result.exit_code == 1
    assert re.search(r"public/atom\.xml:\d+: not valid Atom \(RFC 4287 schema\): ", result.stderr)


def test_a_broken_json_feed_is_an_error(published):
    (published.parent / "public" / "feed.json").write_text('{"version": "https://jsonfeed.org/version/1.1",\n', "utf-8")

    result = check(published)

    assert result.exit_code == 1
    assert re.search(r"public/feed\.json:2: not valid JSON: ", result.stderr)


def test_files_feedpub_did_not_write_are_not_feeds(published):
    (published.parent / "public" / "sitemap.xml").write_text("<urlset><broken>", "utf-8")

    assert check(published).exit_code == 0


def test_without_feedparser_the_reader_check_is_skipped_with_a_note(published, monkeypatch):
    monkeypatch.setattr(validate, "_feedparser", lambda: None)

    result = check(published)

    assert result.exit_code == 0
    assert "feedpub: note: feedparser is not installed" in result.stderr


def test_kramdown_syntax_the_engine_leaves_as_text_is_a_warning_but_not_in_code(site):
    body = "A note.\n\n{::comment}\nhidden\n{:/comment}\n\n```\n{::comment} shown as code\n```\n"
    # The kramdown engine (the default) renders {::comment}; Python-Markdown leaves it as text.
    config = site({"2026-01-30-a.md": post("A", "2026-01-30", body)}, {"markdown": {"engine": "python-markdown"}})

    result = run_cli("check", "-c", config, "--now", NOW)

    assert result.exit_code == 0
    assert "2026-01-30-a.md:7: warning: kramdown syntax {::comment} is left as text in the feed" in result.stderr
    assert result.stderr.count("kramdown syntax") == 1
