"""`feedpub list`: every feed file a build would write, as an aligned table or as JSON."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from conftest import NOW, post, run_cli

INSTALLED = Path(sys.executable).parent / "feedpub"


@pytest.fixture
def config(site) -> Path:
    return site(
        {
            "a.md": post("Older", date="2026-01-30 09:00", tags=["区块链", "AI"], categories=["金融科技"]),
            "b.md": post("Newer", date="2026-02-14 18:30", tags=["AI"]),
            "draft.md": post("Draft", date="2026-02-20", tags=["secret"], draft=True),
            "future.md": post("Future", date="2027-01-01", tags=["later"]),
        }
    )


def listed(config: Path, *args: str) -> list[dict]:
    result = run_cli("list", "-c", config, "--now", NOW, "--json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def screen_columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def test_json_has_a_row_per_feed_file_with_entries_and_the_newest_date(config):
    rows = {row["path"]: row for row in listed(config)}

    assert sorted(rows) == sorted(
        [
            "atom.xml",
            "rss.xml",
            "categories/金融科技/atom.xml",
            "categories/金融科技/rss.xml",
            "tags/ai/atom.xml",
            "tags/ai/rss.xml",
            "tags/区块链/atom.xml",
            "tags/区块链/rss.xml",
        ]
    )
    assert rows["tags/ai/atom.xml"] == {
        "path": "tags/ai/atom.xml",
        "url": "https://example.com/tags/ai/atom.xml",
        "format": "atom",
        "kind": "tag",
        "name": "AI",
        "title": "Test Site · AI",
        "entries": 2,
        "newest": "2026-02-14T18:30:00+08:00",
        "archive": False,
    }
    assert rows["tags/区块链/rss.xml"]["url"] == "https://example.com/tags/%E5%8C%BA%E5%9D%97%E9%93%BE/rss.xml"
    assert rows["atom.xml"]["entries"] == 2 and rows["atom.xml"]["kind"] == "site"


def test_drafts_and_the_clock_decide_which_feeds_exist(config):
    assert "tags/secret/atom.xml" in {row["path"] for row in listed(config, "--drafts")}
    assert "tags/later/atom.xml" not in {row["path"] for row in listed(config)}
    later = run_cli("list", "-c", config, "--now", "2027-06-01", "--json")
    assert "tags/later/atom.xml" in {row["path"] for row in json.loads(later.stdout)}


def test_the_table_lines_up_on_screen_with_chinese_paths_and_titles(config):
    result = run_cli("list", "-c", config, "--now", NOW)

    lines = result.stdout.splitlines()
    assert result.exit_code == 0
    assert re.match(r"PATH\s+KIND\s+ENTRIES\s+NEWEST\s+TITLE$", lines[0])
    # Every cell starts (numbers: ends) on the same screen column, whatever the width of the characters before it.
    for header in ("KIND", "NEWEST", "TITLE"):
        start = screen_columns(lines[0][: lines[0].index(header)])
        for line in lines[1:]:
            before = prefix_of_width(line, start)
            assert before.endswith(" ") and line[len(before)] != " ", (header, line)
    end = screen_columns(lines[0][: lines[0].index("ENTRIES") + len("ENTRIES")])
    for line in lines[1:]:
        before = prefix_of_width(line, end)
        assert before[-1].isdigit() and line[len(before)] == " ", line
    chinese = next(line for line in lines if line.startswith("tags/区块链/atom.xml"))
    assert re.search(r"\btag\s+1\s+2026-01-30 09:00 \+0800\s+Test Site · 区块链$", chinese)


def prefix_of_width(line: str, columns: int) -> str:
    """The start of `line` that fills exactly `columns` screen columns."""
    taken = 0
    for index, char in enumerate(line):
        if taken == columns:
            return line[:index]
        taken += screen_columns(char)
    assert taken == columns, (line, columns)
    return line


def test_archive_pages_are_marked_as_archives(site):
    config = site(
        {f"p{i}.md": post(f"P{i}", date=f"2026-01-{i + 10}") for i in range(5)},
        {"feeds": {"archive": True, "limit": 2, "archive_page_size": 2, "formats": ["atom"]}},
    )

    rows = listed(config)
    table = run_cli("list", "-c", config, "--now", NOW).stdout

    archives = [row for row in rows if row["archive"]]
    assert [row["path"] for row in archives] == ["archive/1/atom.xml", "archive/2/atom.xml", "archive/3/atom.xml"]
    assert [row["entries"] for row in archives] == [2, 2, 1]
    assert re.search(r"^archive/1/atom\.xml\s+site archive\s+2 ", table, re.MULTILINE)
    assert re.search(r"^atom\.xml\s+site\s+2 ", table, re.MULTILINE)


def test_an_empty_site_lists_its_feed_with_no_newest_date(site):
    config = site({})

    assert listed(config) == [
        {
            "path": p,
            "url": f"https://example.com/{p}",
            "format": f,
            "kind": "site",
            "name": None,
            "title": "Test Site",
            "entries": 0,
            "newest": None,
            "archive": False,
        }
        for p, f in (("atom.xml", "atom"), ("rss.xml", "rss"))
    ]
    assert run_cli("list", "-c", config, "--now", NOW).stdout.splitlines()[1].split()[2:4] == ["0", "-"]


def test_broken_posts_are_reported_and_fail_but_the_rest_is_listed(site):
    config = site({"a.md": post("A", tags=["t"]), "b.md": "---\ntitle: B\ndate: someday\n---\n"})

    result = run_cli("list", "-c", config, "--now", NOW)

    assert result.exit_code == 1
    assert re.search(r"^\S*b\.md:3: date: ", result.stderr, re.MULTILINE)
    assert "tags/t/atom.xml" in result.stdout


def test_a_config_error_exits_2(site):
    config = site({}, {"feeds": {"formats": ["atom", "gopher"]}})

    result = run_cli("list", "-c", config)

    assert result.exit_code == 2 and "feeds.formats" in result.stderr


def test_the_installed_command_lists_the_feeds(config):
    done = subprocess.run(
        [INSTALLED, "list", "--now", NOW], cwd=config.parent, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0
    assert re.search(r"^tags/区块链/rss\.xml\s+tag\s+1\s", done.stdout, re.MULTILINE)
