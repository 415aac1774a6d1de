"""Caching, parallel rendering and skipped feeds never change a byte of the output.

Every scenario of the benchmark is replayed on a small generated site, and
after each step the output of the cached, parallel build must equal that of a
cold, cache-less, single-process build of the same posts.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from conftest import ROOT, run_cli
from lxml import etree

sys.path.insert(0, str(ROOT / "bench"))
from corpus import write_corpus

NOW = "2030-01-01T00:00:00Z"
ATOM = "{http://www.w3.org/2005/Atom}"
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
def pristine_corpus(tmp_path_factory) -> Path:
    """The generated site, written once for the module and never built or edited: tests copy it."""
    site = tmp_path_factory.mktemp("incremental") / "site"
    write_corpus(site, POSTS)
    return site


@pytest.fixture(scope="module")
def pristine_reference(pristine_corpus, tmp_path_factory) -> dict[str, bytes]:
    """The cold single-process build of the unedited site, made once: what every unedited copy must give."""
    return reference(pristine_corpus / "config.yaml", tmp_path_factory.mktemp("pristine-reference"))


@pytest.fixture
def corpus(pristine_corpus, tmp_path) -> tuple[Path, Path]:
    """This test's own copy of the generated site: (site folder, config path)."""
    site = tmp_path / "site"
    shutil.copytree(pristine_corpus, site)
    return site, site / "config.yaml"


def entry_id(atom: bytes, title: str) -> str:
    """The <id> of the entry titled `title` in an Atom document."""
    root = etree.fromstring(atom)
    (found,) = [e.findtext(f"{ATOM}id") for e in root.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == title]
    return found


@pytest.mark.slow  # about 8 s: seven cached builds and seven cold reference builds of 240 posts
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


def test_feed_files_made_on_worker_processes_give_the_single_process_bytes(corpus, pristine_reference, monkeypatch):
    from feedpub.build import pool

    site, config = corpus
    # Every batch of work goes to the two workers, the feed files too (this site has fewer feed documents
    # than the 200 jobs that move work to a pool).
    monkeypatch.setattr(pool, "PARALLEL_THRESHOLD", 1)

    assert cached_build(config)["written"]
    assert feed_files(site / "public") == pristine_reference


def test_an_edit_rewrites_exactly_the_feeds_that_show_the_post(corpus, tmp_path):
    site, config = corpus
    cached_build(config)
    before = feed_files(site / "public")
    title = re.search(r'^title: "(.*)"$', newest_post(site).read_text("utf-8"), re.MULTILINE).group(1)
    shown_in = {rel for rel, data in before.items() if entry_id(before["atom.xml"], title).encode() in data}

    edit(site)
    report = cached_build(config)

    after = feed_files(site / "public")
    assert "atom.xml" in shown_in and len(shown_in) < len(before)  # the post is in some feeds, not all
    assert set(report["written"]) == shown_in
    assert {rel for rel in after if after[rel] != before.get(rel)} == shown_in
    for rel in shown_in:
        assert b"edited paragraph" in after[rel], rel
    assert after == reference(config, tmp_path)


def test_a_corrupt_cache_is_rebuilt_not_trusted(corpus, pristine_reference):
    site, config = corpus
    cached_build(config)
    databases = list((site / ".feedpub-cache").rglob("cache.sqlite"))
    assert databases
    for database in databases:
        database.write_bytes(b"this is not a database" * 100)

    report = cached_build(config)

    assert report["exit_code"] == 0
    assert feed_files(site / "public") == pristine_reference
    rebuilt = [path.read_bytes()[:16] for path in (site / ".feedpub-cache").rglob("cache.sqlite")]
    assert rebuilt and set(rebuilt) == {b"SQLite format 3\x00"}  # a new database, not the garbage


def test_a_deleted_feed_file_is_restored_by_the_next_build(corpus, pristine_reference):
    site, config = corpus
    cached_build(config)
    (site / "public" / "rss.xml").unlink()

    report = cached_build(config)

    assert report["written"] == ["rss.xml"]
    assert feed_files(site / "public") == pristine_reference


def test_clean_removes_the_cache_and_leaves_the_feeds(corpus):
    site, config = corpus
    cached_build(config)
    published = feed_files(site / "public")

    result = run_cli("clean", "-c", config)

    assert result.exit_code == 0, result.output
    assert not (site / ".feedpub-cache").exists()
    assert feed_files(site / "public") == published
