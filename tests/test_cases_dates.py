"""The table in tests/cases/dates.yaml, run against parse_date and date_from_filename."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from feedpub.sources.dates import DateError, date_from_filename, parse_date
from feedpub.sources.yamldoc import load_yaml

TABLE = yaml.load((Path(__file__).resolve().parent / "cases" / "dates.yaml").read_text("utf-8"), Loader=yaml.BaseLoader)
SITE_TIMEZONE = TABLE["timezone"]


def _rows(section: str, given: tuple[str, ...]) -> list:
    params = []
    for row in TABLE[section]:
        kind = next(key for key in given if key in row)
        zone = row.get("tz", SITE_TIMEZONE)
        params.append(pytest.param(row, id=f"{kind}={row[kind]!r} in {zone}"))
    return params


def _front_matter_value(text: str) -> object:
    """The value front matter `date: TEXT` gives, through the same YAML loader posts use."""
    return load_yaml(f"date: {text}").data["date"]


@pytest.mark.parametrize("row", _rows("parse_date", ("text", "yaml")))
def test_parse_date_gives_the_instant_or_the_error_the_table_states(row: dict):
    value = row["text"] if "text" in row else _front_matter_value(row["yaml"])
    zone = ZoneInfo(row.get("tz", SITE_TIMEZONE))

    if "error" in row:
        with pytest.raises(DateError) as raised:
            parse_date(value, zone)
        assert row["error"] in str(raised.value)
    else:
        assert parse_date(value, zone).isoformat() == row["expect"]


@pytest.mark.parametrize("row", _rows("date_from_filename", ("stem",)))
def test_date_from_filename_gives_the_date_the_table_states(row: dict):
    stamp = date_from_filename(row["stem"], ZoneInfo(row.get("tz", SITE_TIMEZONE)))

    assert (stamp.isoformat() if stamp else "none") == row["expect"]


def test_every_row_states_one_expectation():
    for row in TABLE["parse_date"]:
        assert ("expect" in row) != ("error" in row), row
        assert ("text" in row) != ("yaml" in row), row
    for row in TABLE["date_from_filename"]:
        assert set(row) <= {"stem", "tz", "expect"} and "expect" in row, row
