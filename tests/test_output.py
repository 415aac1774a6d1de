"""Publishing: deterministic bytes, no rewrite of unchanged files, atomic replacement."""

from __future__ import annotations

import errno
import hashlib
import json
import os
from pathlib import Path

import pytest
from conftest import build_into, file_snapshot, published_paths

OLD_NS = 1_000_000_000 * 1_000_000_000  # 2001-09-09, long before any test runs


def front(*lines: str, body: str = "Body text.") -> str:
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


POSTS = {
    "2026-01-30-alpha.md": front("title: Alpha", "categories: [news]", "tags: [x, 区块链]", body="Alpha body."),
    "2026-01-31-beta.md": front("title: Beta", "categories: [notes]", "tags: [y]", body="Beta body."),
}


def set_old_mtimes(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(OLD_NS, OLD_NS))


def published_snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and mtime of every published file (not the manifest or lock)."""
    published = published_paths(folder)
    return {rel: value for rel, value in file_snapshot(folder).items() if rel in published}


def json_summary(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def output(tmp_path) -> Path:
    return tmp_path / "out"


@pytest.fixture
def config(site) -> Path:
    return site(POSTS)


@pytest.fixture
def published(config, output) -> Path:
    """The site built once, every output file given an old mtime."""
    result = build_into(config, output)
    assert result.exit_code == 0, result.stderr
    set_old_mtimes(output)
    return output


def test_two_builds_into_two_folders_are_byte_identical(config, tmp_path):
    build_into(config, tmp_path / "one")
    build_into(config, tmp_path / "two")

    one, two = file_snapshot(tmp_path / "one"), file_snapshot(tmp_path / "two")
    assert sorted(one) == sorted(two)
    assert {rel: data for rel, (data, _) in one.items()} == {rel: data for rel, (data, _) in two.items()}


def test_rebuild_does_not_rewrite_unchanged_files(config, published):
    before = published_snapshot(published)

    summary = json_summary(build_into(config, published, "--json"))

    assert published_snapshot(published) == before
    assert summary["written"] == []
    assert sorted(summary["unchanged"]) == sorted(published_paths(published))


def test_rebuild_after_touching_posts_does_not_rewrite_feeds(config, published):
    before = published_snapshot(published)
    set_old_mtimes(config.parent / "posts")

    summary = json_summary(build_into(config, published, "--json"))

    assert published_snapshot(published) == before
    assert summary["written"] == []


def test_an_edited_post_rewrites_only_the_feeds_that_show_it(config, published):
    before = published_snapshot(published)
    beta = config.parent / "posts" / "2026-01-31-beta.md"
    beta.write_text(beta.read_text("utf-8").replace("Beta body.", "Beta body, edited."), encoding="utf-8")

    summary = json_summary(build_into(config, published, "--json"))

    changed = {
        "atom.xml",
        "rss.xml",
        "categories/notes/atom.xml",
        "categories/notes/rss.xml",
        "tags/y/atom.xml",
        "tags/y/rss.xml",
    }
    assert set(summary["written"]) == changed
    assert set(summary["unchanged"]) == published_paths(published) - changed
    after = published_snapshot(published)
    assert {rel for rel in after if after[rel] != before[rel]} == changed
    assert b"Beta body, edited." in (published / "tags" / "y" / "atom.xml").read_bytes()


def test_an_edit_of_the_same_size_is_published(config, published):
    beta = config.parent / "posts" / "2026-01-31-beta.md"
    beta.write_text(beta.read_text("utf-8").replace("Beta body.", "Beta BODY."), encoding="utf-8")
    os.utime(beta, ns=(OLD_NS + 5_000_000_000, OLD_NS + 5_000_000_000))

    build_into(config, published)

    assert b"Beta BODY." in (published / "atom.xml").read_bytes()


def test_a_feed_edited_by_hand_is_restored_by_the_next_build(config, published):
    original = (published / "tags" / "x" / "atom.xml").read_bytes()
    (published / "tags" / "x" / "atom.xml").write_bytes(b"<broken/>")

    build_into(config, published)

    assert (published / "tags" / "x" / "atom.xml").read_bytes() == original


def test_a_deleted_feed_is_written_again(config, published):
    (published / "tags" / "区块链" / "rss.xml").unlink()

    summary = json_summary(build_into(config, published, "--json"))

    assert summary["written"] == ["tags/区块链/rss.xml"]
    assert (published / "tags" / "区块链" / "rss.xml").is_file()


def test_manifest_lists_every_feed_with_its_sha256(config, published):
    manifest = json.loads((published / ".feedpub-manifest.json").read_text("utf-8"))

    assert set(manifest["files"]) == published_paths(published)
    assert "atom.xml" in manifest["files"]
    for rel, digest in manifest["files"].items():
        assert hashlib.sha256((published / rel).read_bytes()).hexdigest() == digest


def test_no_temporary_files_are_left_after_a_build(published):
    assert [p.name for p in published.rglob("*") if ".feedpub-tmp-" in p.name or ".feedpub-old-" in p.name] == []


def test_files_feedpub_did_not_write_are_left_alone(config, published):
    (published / "index.html").write_text("<html></html>")
    (published / "tags" / "x" / "notes.txt").write_text("mine")

    build_into(config, published)

    assert (published / "index.html").read_text() == "<html></html>"
    assert (published / "tags" / "x" / "notes.txt").read_text() == "mine"


@pytest.fixture
def failing_replace(monkeypatch):
    """os.replace works once, then fails as on a full disk."""
    real_replace = os.replace
    calls = []

    def replace(src, dst, *args, **kwargs):
        calls.append(Path(dst))
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    return calls


@pytest.fixture
def everything_edited(config, published) -> dict[str, tuple[bytes, int]]:
    """Both posts edited so that every feed would change; returns the output before."""
    for path in (config.parent / "posts").iterdir():
        path.write_text(path.read_text("utf-8").replace("body.", "body, edited."), encoding="utf-8")
    return published_snapshot(published)


def test_a_failed_rename_leaves_every_feed_entirely_old_or_entirely_new(
    config, published, everything_edited, failing_replace
):
    before = everything_edited

    result = build_into(config, published)

    assert result.exit_code == 4
    assert "No space left on device" in result.stderr
    assert len(failing_replace) >= 2
    after = published_snapshot(published)
    assert sorted(after) == sorted(before)
    for rel, (data, _) in after.items():
        new = b"body, edited." in data
        assert data == before[rel][0] or new, rel
    assert [p.name for p in published.rglob("*") if ".feedpub-tmp-" in p.name or ".feedpub-old-" in p.name] == []


def test_a_build_after_a_failed_one_publishes_what_a_fresh_build_would(
    config, published, everything_edited, failing_replace, monkeypatch, tmp_path
):
    build_into(config, published)
    monkeypatch.undo()

    result = build_into(config, published)

    assert result.exit_code == 0, result.stderr
    assert build_into(config, tmp_path / "fresh").exit_code == 0
    recovered, fresh = published_snapshot(published), published_snapshot(tmp_path / "fresh")
    assert {rel: data for rel, (data, _) in recovered.items()} == {rel: data for rel, (data, _) in fresh.items()}


# --- later builds follow every change of the inputs ---------------------------------


def test_a_config_change_republishes_every_feed(config, published):
    config.write_text(config.read_text("utf-8").replace("Test Site", "Renamed Site"), encoding="utf-8")

    summary = json_summary(build_into(config, published, "--json"))

    assert summary["unchanged"] == []
    assert b"Renamed Site" in (published / "tags" / "x" / "rss.xml").read_bytes()


def test_a_deleted_post_leaves_every_feed_and_its_own_feeds_are_removed(config, published):
    (config.parent / "posts" / "2026-01-31-beta.md").unlink()

    summary = json_summary(build_into(config, published, "--json"))

    assert {"tags/y/atom.xml", "tags/y/rss.xml", "categories/notes/atom.xml"} <= set(summary["removed"])
    assert not (published / "tags" / "y").exists()
    assert b"Beta" not in (published / "atom.xml").read_bytes()


def test_stale_feeds_keep_leaves_feeds_of_unused_tags_in_place(site, output):
    config = site(POSTS, {"stale_feeds": "keep"})
    build_into(config, output)
    (config.parent / "posts" / "2026-01-31-beta.md").unlink()

    summary = json_summary(build_into(config, output, "--json"))

    assert summary["removed"] == []
    assert (output / "tags" / "y" / "atom.xml").is_file()


def test_a_build_without_drafts_after_one_with_drafts_drops_them(site, output):
    config = site({**POSTS, "draft.md": front("title: Draft", "date: 2026-02-01", "draft: true", "tags: [wip]")})
    build_into(config, output, "--drafts")

    result = build_into(config, output)

    assert result.exit_code == 0, result.stderr
    assert b"Draft" not in (output / "atom.xml").read_bytes()
    assert not (output / "tags" / "wip").exists()


def test_fixing_a_broken_post_publishes_it(config, published):
    broken = config.parent / "posts" / "gamma.md"
    broken.write_text(front("title: Gamma", "date: someday"), encoding="utf-8")
    assert build_into(config, published).exit_code == 1
    broken.write_text(front("title: Gamma", "date: 2026-02-01"), encoding="utf-8")

    result = build_into(config, published)

    assert result.exit_code == 0, result.stderr
    assert b"Gamma" in (published / "atom.xml").read_bytes()


def test_a_broken_post_fails_every_build_until_it_is_fixed(config, published):
    (config.parent / "posts" / "gamma.md").write_text(front("title: Gamma", "date: someday"), encoding="utf-8")
    build_into(config, published)

    result = build_into(config, published)

    assert result.exit_code == 1
    assert 'gamma.md:3: date: "someday" is not a date' in result.stderr


def test_warnings_are_repeated_by_a_build_that_has_nothing_to_do(site, output):
    config = site({"a.md": front("title: A\x0b", "date: 2026-01-30")})
    build_into(config, output)

    result = build_into(config, output)

    assert result.exit_code == 0
    assert "a.md:2: warning: removed control characters" in result.stderr


def test_a_new_post_is_published_by_the_next_build(config, published):
    (config.parent / "posts" / "2026-02-01-gamma.md").write_text(front("title: Gamma", "tags: [x]"), encoding="utf-8")

    build_into(config, published)

    assert b"Gamma" in (published / "tags" / "x" / "atom.xml").read_bytes()
    assert b"Gamma" in (published / "atom.xml").read_bytes()
