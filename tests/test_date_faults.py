"""Every date in every feed is valid in its format, whatever the zone's history."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from conftest import NOW, post, run_cli
from feedcheck import assert_valid_atom, parse_ok

from feedpub.sources.dates import DateError, is_nonexistent, parse_date

PARIS = ZoneInfo("Europe/Paris")


def test_a_local_mean_time_date_is_given_in_utc_at_the_same_instant():
    stamp = parse_date("1850-01-01 10:00", PARIS)  # Paris was +00:09:21 then

    assert stamp.isoformat() == "1850-01-01T09:50:39+00:00"


def test_a_date_with_a_whole_minute_offset_keeps_its_zone():
    assert parse_date("2026-01-30 10:00", PARIS).isoformat() == "2026-01-30T10:00:00+01:00"


@pytest.mark.parametrize(
    "text, skipped", [("2026-03-29 02:30", True), ("2026-03-29 03:30", False), ("2026-10-25 02:30", False)]
)
def test_a_wall_clock_time_the_zone_skipped_is_recognised(text, skipped):
    assert is_nonexistent(parse_date(text, PARIS)) is skipped


def test_a_date_out_of_range_is_described_as_written_not_as_python():
    with pytest.raises(DateError) as raised:
        parse_date(date(1, 1, 1), ZoneInfo("Asia/Shanghai"))

    assert str(raised.value) == "0001-01-01 is out of the range feeds can show"


def test_feeds_of_a_post_dated_in_local_mean_time_are_valid(site):
    config = site(
        {"old.md": post("Old news", "1850-01-01 10:00:00", tags=["history"])},
        {"site": {"timezone": "Europe/Paris"}},
    )

    result = run_cli("build", "-c", config, "--now", NOW, "-q")

    out = config.parent / "public"
    assert result.exit_code == 0, result.stderr
    for path in sorted(out.rglob("atom.xml")):
        assert_valid_atom(path)
        assert b"+00:09:21" not in path.read_bytes()
    entry = parse_ok(out / "rss.xml").entries[0]
    assert entry.published_parsed[:6] == (1850, 1, 1, 9, 50, 39)


def test_a_post_dated_in_a_dst_gap_builds_with_a_warning_naming_the_line(site):
    config = site({"spring.md": post("Spring forward", "2026-03-29 02:30:00")}, {"site": {"timezone": "Europe/Paris"}})

    result = run_cli("build", "-c", config, "--now", NOW)

    assert result.exit_code == 0, result.stderr
    assert (
        "posts/spring.md:3: warning: date: 2026-03-29 02:30 did not happen in Europe/Paris (the clocks skipped it); "
        "read as 2026-03-29 03:30:00+02:00"
    ) in result.stderr
