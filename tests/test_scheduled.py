"""Posts a build leaves out on purpose: check and list say which are scheduled (and when) and how many drafts.

Also: what an empty site feed is dated, and the one-line internal error of
check, list and links.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import NOW, build_into, post, run_cli, write_site

# The line of `date:` is given when the post records it (path:line: like a problem), else the path alone.
SCHEDULED_LINE = re.compile(r"^(\S+\.md):(?:\d+:)? note: scheduled: appears at (.+) \(not published yet\)$")


@pytest.fixture
def config(site) -> Path:
    return site(
        {
            "shown.md": post("Shown", date="2026-01-30", body="A first paragraph."),
            "later.md": post("Later", date="2027-01-15 08:00", body="A first paragraph."),
            "soon.md": post("Soon", date="2026-12-01 10:00", body="A first paragraph."),
            "draft.md": post("Draft", date="2026-01-20", body="A first paragraph.", draft=True),
            "future-draft.md": post("Future draft", date="2026-12-24", body="A first paragraph.", draft=True),
        }
    )


def scheduled(stderr: str) -> list[tuple[str, str]]:
    """(file name, time) of each scheduled line, in the order printed."""
    found = (SCHEDULED_LINE.match(line) for line in stderr.splitlines())
    return [(Path(match[1]).name, match[2]) for match in found if match]


# --- check ----------------------------------------------------------------------------------


def test_check_names_each_scheduled_post_soonest_first_with_when_it_appears(config):
    result = run_cli("check", "-c", config, "--now", NOW)

    assert result.exit_code == 0
    assert scheduled(result.stderr) == [("soon.md", "2026-12-01 10:00 +0800"), ("later.md", "2027-01-15 08:00 +0800")]
    assert "feedpub: note: 2 draft(s) left out (--drafts includes them)" in result.stderr.splitlines()


def test_scheduled_posts_and_drafts_do_not_fail_strict(config):
    result = run_cli("check", "-c", config, "--now", NOW, "--strict")

    assert result.exit_code == 0
    assert result.stdout.startswith("feedpub: checked: 0 error(s), 0 warning(s) in 1 posts")


def test_check_json_carries_the_same_lines_as_notes(config):
    result = run_cli("check", "-c", config, "--now", NOW, "--json", "--strict")

    report = json.loads(result.stdout)
    assert report["exit_code"] == result.exit_code == 0
    assert report["errors"] == [] and report["warnings"] == []
    assert scheduled("\n".join(report["notes"])) == [
        ("soon.md", "2026-12-01 10:00 +0800"),
        ("later.md", "2027-01-15 08:00 +0800"),
    ]
    assert "2 draft(s) left out (--drafts includes them)" in report["notes"]


def test_with_drafts_no_draft_is_left_out_and_a_future_draft_is_scheduled(config):
    result = run_cli("check", "-c", config, "--now", NOW, "--drafts")

    assert [name for name, _ in scheduled(result.stderr)] == ["soon.md", "future-draft.md", "later.md"]
    assert "draft(s) left out" not in result.stderr


def test_a_site_with_nothing_left_out_says_nothing_more(site):
    config = site({"a.md": post("A", body="A first paragraph.")})

    result = run_cli("check", "-c", config, "--now", NOW, "--json")

    assert json.loads(result.stdout)["notes"] == []


# --- list -----------------------------------------------------------------------------------


def test_list_names_the_scheduled_posts_and_the_drafts_after_the_table(config):
    result = run_cli("list", "-c", config, "--now", NOW)

    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("PATH")
    assert scheduled(result.stderr) == [("soon.md", "2026-12-01 10:00 +0800"), ("later.md", "2027-01-15 08:00 +0800")]
    assert result.stderr.splitlines()[-1] == "feedpub: note: 2 draft(s) left out (--drafts includes them)"


def test_list_json_keeps_its_list_of_feeds_and_names_the_scheduled_posts_on_stderr(config):
    result = run_cli("list", "-c", config, "--now", NOW, "--json")

    assert result.exit_code == 0
    assert {row["path"] for row in json.loads(result.stdout)} == {"atom.xml", "rss.xml"}
    assert [name for name, _ in scheduled(result.stderr)] == ["soon.md", "later.md"]


# --- an empty site feed ---------------------------------------------------------------------


def feed_dates(output: Path) -> tuple[str, str]:
    atom = (output / "atom.xml").read_text(encoding="utf-8")
    rss = (output / "rss.xml").read_text(encoding="utf-8")
    return re.findall(r"<updated>([^<]+)</updated>", atom)[0], re.findall(r"<lastBuildDate>([^<]+)<", rss)[0]


def test_an_empty_feed_is_dated_2000_not_1970_nor_after_a_hidden_post(site, tmp_path):
    config = site(
        {
            "draft.md": post("Draft", date="2026-01-20", draft=True),
            "soon.md": post("Soon", date="2026-12-01 10:00"),
        }
    )

    result = build_into(config, tmp_path / "out")

    assert result.exit_code == 0
    updated, last_build = feed_dates(tmp_path / "out")
    assert updated.startswith("2000-01-01T00:00:00")
    assert last_build == "Sat, 01 Jan 2000 00:00:00 +0000"


def test_an_empty_feed_is_the_same_file_whatever_the_clock_and_with_no_post_at_all(tmp_path):
    empty = write_site(tmp_path / "empty", {})
    scheduled_only = write_site(tmp_path / "scheduled", {"soon.md": post("Soon", date="2026-12-01 10:00")})

    build_into(empty, tmp_path / "none")
    build_into(scheduled_only, tmp_path / "early", now="2026-11-01T00:00:00Z")
    build_into(scheduled_only, tmp_path / "later", now="2026-11-30T00:00:00Z")

    assert feed_dates(tmp_path / "none") == feed_dates(tmp_path / "early")
    assert (tmp_path / "early" / "atom.xml").read_bytes() == (tmp_path / "later" / "atom.xml").read_bytes()


# --- an unexpected exception: exit 70, one line ---------------------------------------------


@pytest.mark.parametrize("command", ["check", "list", "links"])
def test_an_unexpected_exception_is_an_internal_error_in_one_line(config, monkeypatch, command):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("feedpub.cli.inspecting.planned_site", broken)
    monkeypatch.setattr("feedpub.cli.inspecting.planned_feeds", broken)

    result = run_cli(command, "-c", config, "--now", NOW)

    assert result.exit_code == 70
    assert result.stderr == "feedpub: internal error: RuntimeError: boom\n"


def test_check_says_when_two_spellings_of_a_tag_differ_only_in_unicode_normalisation(site):
    config = site(
        {
            "2026-01-01-a.md": post("A", "2026-01-01", tags=["Caf\u00e9"]),
            "2026-01-02-b.md": post("B", "2026-01-02", tags=["Cafe\u0301"]),
        }
    )

    result = run_cli("check", "-c", config, "--now", NOW)

    assert result.exit_code == 0, result.stderr
    assert (
        'posts/2026-01-02-b.md:4: warning: tag "Cafe\u0301" differs from "Caf\u00e9" (posts/2026-01-01-a.md) '
        "only in Unicode normalisation (NFD and NFC): feedpub makes them one tag; write them alike"
    ) in result.stderr.replace(str(config.parent) + "/", "")
