"""Front matter dates: every form the README lists, the site timezone, the file name, --now."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import build_into
from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"


def front(*lines: str, body: str = "Body text.") -> str:
    """A post whose front matter is exactly these lines (so line numbers are known)."""
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


def atom_entries(output: Path) -> list[dict[str, str]]:
    """Each Atom entry of the site feed as the literal strings in the file."""
    feed = etree.parse(str(output / "atom.xml")).getroot()
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "published": entry.findtext(f"{ATOM}published"),
            "updated": entry.findtext(f"{ATOM}updated"),
            "link": entry.find(f"{ATOM}link").get("href"),
        }
        for entry in feed.iter(f"{ATOM}entry")
    ]


def rss_pub_dates(output: Path) -> list[str]:
    channel = etree.parse(str(output / "rss.xml")).getroot().find("channel")
    return [item.findtext("pubDate") for item in channel.iter("item")]


@pytest.fixture
def output(tmp_path) -> Path:
    return tmp_path / "out"


@pytest.fixture
def build_one(site, output):
    """Build a site of one post (`x.md` unless named) and return its only Atom entry."""

    def run(text: str, name: str = "x.md", config: dict | None = None) -> dict[str, str]:
        result = build_into(site({name: text}, config), output)
        assert result.exit_code == 0, result.stderr
        (entry,) = atom_entries(output)
        return entry

    return run


@pytest.mark.parametrize(
    "written, published",
    [
        ("date: 2026-01-30", "2026-01-30T00:00:00+08:00"),
        ('date: "2026-01-30"', "2026-01-30T00:00:00+08:00"),
        ("date: 2026-01-30 10:00:00", "2026-01-30T10:00:00+08:00"),
        ("date: 2026-01-30T10:00:00", "2026-01-30T10:00:00+08:00"),
        ("date: 2026-01-30T10:00:00-05:00", "2026-01-30T10:00:00-05:00"),
        ("date: 2026-01-30 10:00:00 +0800", "2026-01-30T10:00:00+08:00"),
        ('date: "2026-01-30 10:00:00 +0530"', "2026-01-30T10:00:00+05:30"),
        ('date: "2026-01-30T10:00:00+00:00"', "2026-01-30T10:00:00+00:00"),
        ("date: 2026-01-30T10:00:00Z", "2026-01-30T10:00:00+00:00"),
    ],
    ids=[
        "yaml-date",
        "date-string",
        "naive-datetime",
        "naive-iso",
        "yaml-offset",
        "compact-offset",
        "half-hour-offset",
        "iso-string",
        "zulu",
    ],
)
def test_every_date_form_is_published_with_its_offset(build_one, written, published):
    entry = build_one(front("title: Hello", written))

    assert entry["published"] == published


def test_dates_without_offset_are_in_the_site_timezone(build_one):
    entry = build_one(
        front("title: Hello", "date: 2026-01-30 10:00:00"), config={"site": {"timezone": "America/New_York"}}
    )

    assert entry["published"] == "2026-01-30T10:00:00-05:00"


def test_rss_pub_date_is_rfc_822_with_the_offset(site, output):
    result = build_into(site({"x.md": front("title: Hello", "date: 2026-01-30 10:00:00 +0800")}), output)

    assert result.exit_code == 0, result.stderr
    assert rss_pub_dates(output) == ["Fri, 30 Jan 2026 10:00:00 +0800"]


def test_date_comes_from_the_file_name_when_front_matter_has_none(build_one):
    entry = build_one(front("title: Hello"), name="2026-01-15-hello-world.md")

    assert entry["published"] == "2026-01-15T00:00:00+08:00"
    assert entry["link"] == "https://example.com/2026/01/15/hello-world/"


def test_front_matter_date_wins_over_the_file_name(build_one):
    entry = build_one(front("title: Hello", "date: 2026-02-01 09:00:00"), name="2026-01-15-hello.md")

    assert entry["published"] == "2026-02-01T09:00:00+08:00"
    assert entry["link"] == "https://example.com/2026/02/01/hello/"


def test_post_without_date_or_dated_file_name_is_an_error(site, output):
    result = build_into(site({"undated.md": front("title: Hello")}), output)

    assert result.exit_code == 1
    assert "undated.md:1: date: is required" in result.stderr


@pytest.mark.parametrize("key", ["updated", "last_modified_at"])
def test_updated_and_last_modified_at_set_the_entry_updated(build_one, key):
    entry = build_one(front("title: Hello", "date: 2026-01-30", f"{key}: 2026-02-03 12:00:00 +0000"))

    assert entry["published"] == "2026-01-30T00:00:00+08:00"
    assert entry["updated"] == "2026-02-03T12:00:00+00:00"


def test_updated_defaults_to_the_published_date(build_one):
    entry = build_one(front("title: Hello", "date: 2026-01-30 10:00:00"))

    assert entry["updated"] == entry["published"] == "2026-01-30T10:00:00+08:00"


def test_updated_before_date_is_a_warning_and_the_date_is_used(site, output):
    result = build_into(site({"x.md": front("title: Hello", "date: 2026-01-30", "updated: 2026-01-01")}), output)

    assert result.exit_code == 0
    assert "x.md:4: warning: updated: is before date" in result.stderr
    assert atom_entries(output)[0]["updated"] == "2026-01-30T00:00:00+08:00"


@pytest.mark.parametrize(
    "value",
    [
        '"30/13/2026"',
        "30/13/2026",
        "yesterday",
        '"2026-13-01"',
        "2026-02-30",
        "2026-13-01",
        "2026-01-30 25:00:00",
    ],
)
def test_a_bad_date_fails_the_build_naming_file_line_and_value(site, tmp_path, monkeypatch, value):
    config = site({"x.md": front("title: Hello", "layout: post", f"date: {value}")})
    monkeypatch.chdir(config.parent)
    shown = value.strip('"')

    result = build_into(Path("config.yaml"), tmp_path / "out")

    assert result.exit_code == 1, result.stderr
    assert f'posts/x.md:4: date: "{shown}" is not a date' in result.stderr
    assert not (tmp_path / "out" / "atom.xml").exists()


def test_a_bad_updated_date_names_its_key_and_line(site, tmp_path, monkeypatch):
    config = site({"x.md": front("title: Hello", "date: 2026-01-30", "last_modified_at: soon")})
    monkeypatch.chdir(config.parent)

    result = build_into(Path("config.yaml"), tmp_path / "out")

    assert result.exit_code == 1
    assert 'posts/x.md:4: last_modified_at: "soon" is not a date' in result.stderr


@pytest.fixture
def early_and_late(site):
    return site(
        {
            "early.md": front("title: Early", "date: 2026-01-01"),
            "late.md": front("title: Late", "date: 2026-06-01 10:00:00 +0800"),
        }
    )


def test_posts_dated_after_now_are_left_out(early_and_late, output):
    result = build_into(early_and_late, output, now="2026-03-01T00:00:00Z")

    assert result.exit_code == 0, result.stderr
    assert [e["title"] for e in atom_entries(output)] == ["Early"]


def test_a_post_appears_once_now_reaches_its_date(early_and_late, output):
    build_into(early_and_late, output, now="2026-03-01T00:00:00Z")

    result = build_into(early_and_late, output, now="2026-06-01T02:00:00Z")

    assert result.exit_code == 0, result.stderr
    assert [e["title"] for e in atom_entries(output)] == ["Late", "Early"]


def test_an_earlier_now_leaves_out_posts_that_a_later_build_showed(early_and_late, output):
    build_into(early_and_late, output, now="2026-11-24T00:00:00Z")

    result = build_into(early_and_late, output, now="2026-03-01T00:00:00Z")

    assert result.exit_code == 0, result.stderr
    assert [e["title"] for e in atom_entries(output)] == ["Early"]


@pytest.mark.parametrize(
    "now, shown",
    [
        ("2026-06-01T09:59:59", ["Early"]),
        ("2026-06-01T10:00:00", ["Late", "Early"]),
        ("2026-06-01T01:59:59Z", ["Early"]),
        ("2026-06-01T02:00:00+00:00", ["Late", "Early"]),
    ],
)
def test_now_without_offset_is_in_the_site_timezone(early_and_late, tmp_path, now, shown):
    output = tmp_path / now.replace(":", "-")

    result = build_into(early_and_late, output, now=now)

    assert result.exit_code == 0, result.stderr
    assert [e["title"] for e in atom_entries(output)] == shown


def test_now_that_is_not_a_date_is_a_usage_error(early_and_late, output):
    result = build_into(early_and_late, output, now="tomorrow")

    assert result.exit_code == 2
    assert "--now" in result.stderr


def test_permalink_date_is_the_day_in_the_site_timezone(build_one):
    entry = build_one(front("title: Hello", "date: 2026-01-22 18:00:00 +0000"), name="2026-01-22-late-night.md")

    assert entry["published"] == "2026-01-22T18:00:00+00:00"
    assert entry["link"] == "https://example.com/2026/01/23/late-night/"


def test_permalink_date_follows_a_different_site_timezone(build_one):
    entry = build_one(
        front("title: Hello", "date: 2026-01-22 18:00:00 +0000"),
        name="2026-01-22-late-night.md",
        config={"site": {"timezone": "UTC"}},
    )

    assert entry["link"] == "https://example.com/2026/01/22/late-night/"


def test_a_date_that_cannot_be_shown_in_the_site_timezone_is_a_content_error(site, tmp_path, monkeypatch):
    config = site({"x.md": front("title: Hello", "date: 9999-12-31 23:59:59 -1200")})
    monkeypatch.chdir(config.parent)

    result = build_into(Path("config.yaml"), tmp_path / "out")

    assert result.exit_code == 1, result.stderr
    assert "posts/x.md:3: date:" in result.stderr
