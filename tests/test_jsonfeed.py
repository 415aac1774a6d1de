"""JSON Feed 1.1: valid against the schema, and saying what the Atom feed says."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest
from conftest import NOW, copy_sample_site, post, run_cli
from feedcheck import parse_ok
from lxml import etree

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "jsonfeed-1.1.schema.json").read_text("utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sample")
    out = folder / "public"
    result = run_cli("build", "-c", copy_sample_site(folder / "site"), "-o", out, "--now", NOW, "-q")
    assert result.exit_code == 0, result.output
    return out


def test_every_json_feed_of_the_sample_site_validates_against_the_schema(sample):
    files = sorted(sample.rglob("feed.json"))
    assert len(files) == len(sorted(sample.rglob("atom.xml"))) > 10
    for path in files:
        errors = list(VALIDATOR.iter_errors(json.loads(path.read_text("utf-8"))))
        assert errors == [], f"{path}: {errors[0].message}"


ATOM = "{http://www.w3.org/2005/Atom}"


def atom_contents(path: Path) -> list[str]:
    """Entry content exactly as written (feedparser would sanitise it)."""
    return [e.findtext(f"{ATOM}content") for e in etree.parse(str(path)).getroot().iter(f"{ATOM}entry")]


def test_json_feed_ids_dates_and_content_agree_with_the_atom_feed(sample):
    for atom_path in sorted(sample.rglob("atom.xml")):
        atom = parse_ok(atom_path)
        contents = atom_contents(atom_path)
        feed = json.loads((atom_path.parent / "feed.json").read_text("utf-8"))
        assert feed["title"] == atom.feed.title
        assert [i["id"] for i in feed["items"]] == [e.id for e in atom.entries]
        for item, entry, content in zip(feed["items"], atom.entries, contents, strict=True):
            assert item["title"] == entry.title
            assert item["url"] == entry.link
            assert (
                datetime.fromisoformat(item["date_published"]).timestamp()
                == datetime.fromisoformat(entry.published).timestamp()
            )
            assert (
                datetime.fromisoformat(item["date_modified"]).timestamp()
                == datetime.fromisoformat(entry.updated).timestamp()
            )
            assert item["content_html"] == content
            assert sorted(item.get("tags", [])) == sorted(t.term for t in entry.get("tags", []))


def test_json_feed_keeps_chinese_as_utf8_and_names_itself(sample):
    raw = (sample / "tags" / "区块链" / "feed.json").read_bytes()
    assert "区块链".encode() in raw and b"\\u" not in raw
    feed = json.loads(raw)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == "https://example.com/tags/%E5%8C%BA%E5%9D%97%E9%93%BE/feed.json"
    assert feed["language"] == "zh-CN"


def test_source_becomes_external_url_and_summary_is_plain_text(site, tmp_path):
    config = site(
        {
            "a.md": post(
                "Linked", "2026-01-02", "First **bold** paragraph.\n\nSecond.", source="https://example.org/original"
            )
        },
        {"feeds": {"formats": ["json"]}},
    )
    assert run_cli("build", "-c", config, "--now", NOW, "-q").exit_code == 0
    item = json.loads((config.parent / "public" / "feed.json").read_text("utf-8"))["items"][0]
    assert item["external_url"] == "https://example.org/original"
    assert item["summary"] == "First bold paragraph."
    assert "<strong>bold</strong>" in item["content_html"]


def test_an_empty_json_feed_is_still_valid(site):
    config = site({}, {"feeds": {"formats": ["json"]}})
    assert run_cli("build", "-c", config, "--now", NOW, "-q").exit_code == 0
    feed = json.loads((config.parent / "public" / "feed.json").read_text("utf-8"))
    assert feed["items"] == [] and not list(VALIDATOR.iter_errors(feed))


def test_the_single_author_of_json_feed_1_0_stands_beside_authors(sample):
    # JSON Feed 1.1 keeps `author` for readers written for 1.0, which otherwise show no author.
    feed = json.loads((sample / "feed.json").read_text("utf-8"))

    assert feed["author"] == feed["authors"][0]
    with_authors = [item for item in feed["items"] if "authors" in item]
    assert with_authors and all(item["author"] == item["authors"][0] for item in with_authors)
