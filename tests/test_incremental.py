"""Caching, parallel rendering and skipped feeds never change a byte of the output.

Every scenario of the benchmark is replayed on a small generated site, and
after each step the output of the cached, parallel build must equal that of a
cold, cache-less, single-process build of the same posts.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

sys.path.insert(0, str(ROOT / "bench"))
from corpus import write_corpus

NOW = "2030-01-01T00:00:00Z"
POSTS = 240  # above the size at which rendering moves to a process pool


def feed_files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".feedpub")
    }


def reference(config: Path, tmp: Path) -> dict[str, bytes]:
    out = tmp / "reference"
    shutil.rmtree(out, ignore_errors=True)
    result = run_cli("build", "-c", config, "-o", out, "--now", NOW, "--no-cache", "--jobs", "1", "-q")
    assert result.exit_code == 0, result.output
    return feed_files(out)


def cached_build(config: Path) -> dict:
    import json

    result = run_cli("build", "-c", config, "--now", NOW, "--jobs", "2", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def newest_post(site: Path) -> Path:
    return sorted((site / "posts" / "000").glob("*.md"))[-1]


def edit(site: Path) -> None:
    with open(newest_post(site), "a", encoding="utf-8") as handle:
        handle.write("\nAn edited paragraph with a [link](../elsewhere/).\n")


def add(site: Path) -> None:
    (site / "posts" / "2029-06-01-added.md").write_text(
        "---\ntitle: Added\ndate: 2029-06-01 10:00:00 +0800\ncategories: [category-01]\n"
        "tags: [tag-1, brand-new-tag]\n---\nA new post.\n",
        encoding="utf-8",
    )


def rename_tag(site: Path) -> None:
    path = newest_post(site)
    text = path.read_text("utf-8")
    path.write_text(text.replace('tags:\n  - "', 'tags:\n  - "renamed-', 1), encoding="utf-8")


def remove_post(site: Path) -> None:
    newest_post(site).unlink()


def change_config(site: Path) -> None:
    config = site / "config.yaml"
    config.write_text(config.read_text("utf-8").replace("limit: 20", "limit: 5"), encoding="utf-8")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    site = tmp_path_factory.mktemp("incremental")
    return site, write_corpus(site, POSTS)


def test_every_scenario_matches_a_cold_single_process_build(corpus, tmp_path):
    site, config = corpus
    first = cached_build(config)
    assert first["written"] and feed_files(site / "public") == reference(config, tmp_path)

    noop = cached_build(config)
    assert noop["written"] == [] and len(noop["unchanged"]) == len(first["written"])

    for step in (edit, add, rename_tag, remove_post, change_config):
        step(site)
        report = cached_build(config)
        assert feed_files(site / "public") == reference(config, tmp_path), step.__name__
        assert report["written"] or report["removed"], step.__name__


def test_an_edit_rewrites_only_the_feeds_that_show_the_post(corpus, tmp_path):
    site, config = corpus
    cached_build(config)
    edit(site)
    report = cached_build(config)
    text = newest_post(site).read_text("utf-8")
    assert "atom.xml" in report["written"]
    for rel in report["written"]:
        assert b"edited paragraph" in (site / "public" / rel).read_bytes(), rel
    assert len(report["written"]) < len(report["unchanged"])
    assert "An edited paragraph" in text


def test_a_corrupt_cache_is_rebuilt_not_trusted(corpus, tmp_path):
    site, config = corpus
    cached_build(config)
    for database in (site / ".feedpub-cache").rglob("cache.sqlite"):
        database.write_bytes(b"this is not a database" * 100)
    report = cached_build(config)
    assert report["exit_code"] == 0
    assert feed_files(site / "public") == reference(config, tmp_path)


def test_a_deleted_feed_file_is_restored_by_the_next_build(corpus, tmp_path):
    site, config = corpus
    cached_build(config)
    (site / "public" / "rss.xml").unlink()
    report = cached_build(config)
    assert "rss.xml" in report["written"]
    assert feed_files(site / "public") == reference(config, tmp_path)


def test_clean_removes_the_cache(corpus):
    site, config = corpus
    cached_build(config)
    result = run_cli("clean", "-c", config)
    assert result.exit_code == 0
    assert not (site / ".feedpub-cache").exists()
