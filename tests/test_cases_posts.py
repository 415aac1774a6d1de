"""Each file in tests/cases/posts/ is one post and, in its `<!-- expect -->` block, what reading it gives.

The runner calls read_post directly (no CLI, no output folder) and compares
only the fields the block names; tests/cases/README.md explains the format.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from functools import cache
from pathlib import Path

import pytest
import yaml

from feedpub.model import Author, Enclosure, Post, Problem
from feedpub.sources.config import load_config
from feedpub.sources.posts import read_post

CASES_DIR = Path(__file__).resolve().parent / "cases" / "posts"
SITE_CONFIG = CASES_DIR / "config.yaml"
_BLOCK = re.compile(r"^<!-- (expect|config)\n(.*?)^-->$", re.DOTALL | re.MULTILINE)
# Post fields an expect block may name, as they are shown (dates as ISO 8601 text, authors as names).
POST_FIELDS = {
    "title",
    "published",
    "updated",
    "authors",
    "categories",
    "tags",
    "summary",
    "draft",
    "entry_id",
    "permalink",
    "source_url",
    "lang",
    "body_line",
    "enclosures",
    "image",
    "key_lines",
}
OTHER_KEYS = {"problems", "xfail"}
_WARNING = re.compile(r"^(?:\d+: )?warning: ")


class _TextDates(yaml.SafeLoader):
    """YAML in which 2026-01-30T10:00:00+08:00 stays the text it is, so offsets are compared as written."""


_TextDates.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def blocks(path: Path) -> dict[str, dict]:
    """The case's `expect` and `config` blocks, as YAML mappings."""
    found = {name: yaml.load(text, Loader=_TextDates) or {} for name, text in _BLOCK.findall(path.read_text("utf-8"))}
    return {"expect": found.get("expect", {}), "config": found.get("config", {})}


def _merge(base: dict, extra: dict) -> dict:
    merged = dict(base)
    for key, value in extra.items():
        both_mappings = isinstance(value, dict) and isinstance(merged.get(key), dict)
        merged[key] = _merge(merged[key], value) if both_mappings else value
    return merged


@cache
def _config_for(overrides: str, folder: Path):
    """The Config the cases run under, with a case's `config` block merged over config.yaml."""
    if not overrides:
        return load_config(SITE_CONFIG)
    merged = _merge(yaml.safe_load(SITE_CONFIG.read_text("utf-8")), yaml.safe_load(overrides))
    path = folder / f"config-{hashlib.sha256(overrides.encode()).hexdigest()[:12]}.yaml"
    path.write_text(yaml.safe_dump(merged, allow_unicode=True), encoding="utf-8")
    return load_config(path)


@pytest.fixture(scope="session")
def config_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("case-configs")


def shown(value: object) -> object:
    """A Post field as an expect block writes it."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Author):
        extra = {k: v for k, v in (("email", value.email), ("uri", value.uri)) if v}
        return {"name": value.name, **extra} if extra else value.name
    if isinstance(value, Enclosure):
        return {"url": value.url, "length": value.length, "type": value.media_type}
    if isinstance(value, tuple):
        return [shown(item) for item in value]
    return value


def problem_line(problem: Problem) -> str:
    """`LINE: message`, or `LINE: warning: message`: the CLI's line without the file name."""
    where = f"{problem.line}: " if problem.line else ""
    prefix = "warning: " if problem.severity == "warning" else ""
    return f"{where}{prefix}{problem.message}"


def matches(expected: str, actual: str) -> bool:
    """Equal, or, when the expectation ends with "...", starting with what comes before it."""
    return actual.startswith(expected[:-3]) if expected.endswith("...") else actual == expected


def _param(path: Path):
    expect = blocks(path)["expect"]
    marks = [pytest.mark.xfail(strict=True, reason=expect["xfail"])] if "xfail" in expect else []
    return pytest.param(path, id=path.name, marks=marks)


CASES = sorted(CASES_DIR.glob("*.md"))


def test_the_case_folder_holds_the_cases():
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[path.name for path in CASES])
def test_every_case_says_what_it_tests_and_names_only_known_fields(case: Path):
    found = dict(_BLOCK.findall(case.read_text("utf-8")))
    assert "expect" in found, "a case ends with an <!-- expect ... --> block"
    assert found["expect"].startswith("# "), "the block's first line is a comment saying what the case shows"
    assert set(blocks(case)["expect"]) <= POST_FIELDS | OTHER_KEYS


@pytest.mark.parametrize("case", [_param(path) for path in CASES])
def test_reading_the_post_gives_what_its_expect_block_says(case: Path, config_folder: Path):
    given = blocks(case)
    overrides = yaml.safe_dump(given["config"], allow_unicode=True) if given["config"] else ""
    expect = given["expect"]

    post, problems = read_post(case, _config_for(overrides, config_folder))

    expected_problems = expect.get("problems", [])
    actual_problems = [problem_line(p) for p in problems]
    assert len(actual_problems) == len(expected_problems) and all(
        matches(e, a) for e, a in zip(expected_problems, actual_problems, strict=True)
    ), f"problems: expected {expected_problems}, got {actual_problems}"
    if any(not _WARNING.match(expected) for expected in expected_problems):
        assert post is None, "a post with an error is not published"
        return
    assert isinstance(post, Post)
    for field in sorted(set(expect) & POST_FIELDS):
        actual = dict(post.key_lines) if field == "key_lines" else shown(getattr(post, field))
        assert actual == expect[field], f"{field}: expected {expect[field]!r}, got {actual!r}"
