"""The table in tests/cases/slugs.yaml, run against the slug functions of feedpub.sources.slugs."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml

from feedpub.sources.slugs import is_language_tag, is_safe_segment, name_key, slugify, url_path, url_segment

TABLE = yaml.safe_load((Path(__file__).resolve().parent / "cases" / "slugs.yaml").read_text("utf-8"))


def _short(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:12]}…{len(text)} chars"


def _slug_rows() -> list:
    params = []
    for row in TABLE["slugify"]:
        name = row["name"] * row.get("repeat", 1)
        params.append(pytest.param(name, row, id=_short(name)))
    return params


def _pairs(section: str) -> list:
    """[a, b], or {names: [a, b], repeat: n, xfail: reason} with each name repeated n times."""
    params = []
    for row in TABLE[section]:
        row = row if isinstance(row, dict) else {"names": row}
        first, second = (name * row.get("repeat", 1) for name in row["names"])
        marks = [pytest.mark.xfail(strict=True, reason=row["xfail"])] if "xfail" in row else []
        params.append(pytest.param(first, second, id=f"{_short(first)} | {_short(second)}", marks=marks))
    return params


@pytest.mark.parametrize(("name", "row"), _slug_rows())
def test_slug_and_url_segment_of_a_name_are_as_the_table_states(name: str, row: dict):
    slug = slugify(name)

    if "slug" in row:
        assert slug == row["slug"]
    else:
        assert re.fullmatch(row["slug_pattern"], slug), slug
        assert len(slug.encode("utf-8")) == row["slug_bytes"]
    segment = url_segment(slug)
    assert segment.isascii() and unquote(segment) == slug
    if "url_segment" in row:
        assert segment == row["url_segment"]


@pytest.mark.parametrize(("first", "second"), _pairs("same_slug"))
def test_names_that_are_one_tag_make_one_slug(first: str, second: str):
    assert name_key(first) == name_key(second)
    assert slugify(first) == slugify(second)


@pytest.mark.parametrize(("first", "second"), _pairs("same_name"))
def test_names_with_the_same_key_are_one_tag(first: str, second: str):
    assert name_key(first) == name_key(second)


@pytest.mark.parametrize(("first", "second"), _pairs("different_names"))
def test_names_with_different_keys_are_different_tags(first: str, second: str):
    assert name_key(first) != name_key(second)


@pytest.mark.parametrize("row", TABLE["safe_segment"], ids=lambda row: repr(row["slug"]))
def test_a_slug_is_safe_only_as_one_path_segment(row: dict):
    assert is_safe_segment(row["slug"]) is row["safe"]


@pytest.mark.parametrize("row", TABLE["url_path"], ids=lambda row: row["path"])
def test_url_path_percent_encodes_all_but_the_path_syntax(row: dict):
    assert url_path(row["path"]) == row["url"]


@pytest.mark.parametrize("row", TABLE["language_tag"], ids=lambda row: row["text"])
def test_language_tags_are_recognised(row: dict):
    assert is_language_tag(row["text"]) is row["valid"]
