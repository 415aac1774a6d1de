"""Stale feeds go, everything else stays (README, Reliability: Manifest).

feedpub deletes the feeds of tags, categories and formats that no longer exist,
but never a file that is not in its manifest, nor one edited since it wrote it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import NOW, post, run_cli, write_site
from feedcheck import assert_valid_feed

MANIFEST = ".feedpub-manifest.json"
LOCK = ".feedpub.lock"

USER_FILES = {
    "index.html": b"<!doctype html><title>home</title>\n",
    "robots.txt": b"User-agent: *\nAllow: /\n",
    "images/a.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "tags/old/notes.txt": b"my notes about this tag\n",
    "tags/never-a-tag/atom.xml": b"<feed>mine, not feedpub's</feed>\n",
}


def build(config: Path, out: Path, *args: str):
    result = run_cli("build", "-c", config, "-o", out, "--now", NOW, *args)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def posts(old_tag: bool = True) -> dict[str, str]:
    return {
        "2026-01-10-a.md": post("A", "2026-01-10", tags=["keep", *(["old"] if old_tag else [])], categories=["news"]),
        "2026-01-20-b.md": post("B", "2026-01-20", tags=["keep", *(["old"] if old_tag else [])]),
    }


def manifest(out: Path) -> dict[str, str]:
    return json.loads((out / MANIFEST).read_text("utf-8"))["files"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}


def feed_files(out: Path, folder: str) -> set[str]:
    return {p.name for p in (out / folder).glob("*") if p.name in ("atom.xml", "rss.xml")}


def test_a_tag_no_post_uses_any_more_loses_its_feeds_and_its_empty_folder(tmp_path):
    root, out = tmp_path / "site", tmp_path / "out"
    config = write_site(root, posts())
    assert build(config, out).exit_code == 0
    assert feed_files(out, "tags/old") == {"atom.xml", "rss.xml"}

    write_site(root, posts(old_tag=False))
    result = build(config, out)

    assert result.exit_code == 0, result.stderr
    assert not (out / "tags" / "old").exists()
    assert feed_files(out, "tags/keep") == {"atom.xml", "rss.xml"}
    assert not any(rel.startswith("tags/old/") for rel in manifest(out))


def test_a_format_removed_from_the_config_has_its_files_removed(tmp_path):
    root, out = tmp_path / "site", tmp_path / "out"
    config = write_site(root, posts())
    assert build(config, out).exit_code == 0
    rss_before = {rel for rel in manifest(out) if rel.endswith("rss.xml")}
    assert {"rss.xml", "tags/keep/rss.xml", "categories/news/rss.xml"} <= rss_before

    write_site(root, posts(), {"feeds": {"formats": ["atom"]}})
    result = build(config, out)

    assert result.exit_code == 0, result.stderr
    assert [rel for rel in files(out) if rel.endswith("rss.xml")] == []
    assert [rel for rel in manifest(out) if rel.endswith("rss.xml")] == []
    for rel in rss_before:
        assert (out / rel.replace("rss.xml", "atom.xml")).is_file()


def test_stale_feeds_keep_keeps_them(tmp_path):
    root, out = tmp_path / "site", tmp_path / "out"
    config = write_site(root, posts(), {"stale_feeds": "keep"})
    assert build(config, out).exit_code == 0
    old_feeds = {rel: (out / rel).read_bytes() for rel in manifest(out) if rel.startswith("tags/old/")}
    rss = {rel: (out / rel).read_bytes() for rel in manifest(out) if rel.endswith("rss.xml")}

    write_site(root, posts(old_tag=False), {"stale_feeds": "keep", "feeds": {"formats": ["atom"]}})
    result = build(config, out)

    assert result.exit_code == 0, result.stderr
    for rel, data in {**old_feeds, **rss}.items():
        assert (out / rel).read_bytes() == data, f"{rel} was not kept"


def test_files_feedpub_did_not_write_survive_every_build(tmp_path):
    root, out = tmp_path / "site", tmp_path / "out"
    for rel, data in USER_FILES.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    config = write_site(root, posts())

    steps = [
        (posts(), None, ()),  # first build
        (posts(), None, ()),  # nothing changed
        (posts(old_tag=False), None, ()),  # tags/old/ becomes stale; the user's notes are in it
        (posts(old_tag=False), {"feeds": {"formats": ["atom"]}}, ()),  # rss.xml files become stale
        ({}, None, ("--allow-shrink",)),  # every post gone: every tag and category feed is stale
    ]
    for number, (site_posts, extra, args) in enumerate(steps):
        for stale in (root / "posts").glob("*.md"):
            stale.unlink()
        write_site(root, site_posts, extra)
        result = build(config, out, *args)
        assert result.exit_code == 0, f"build {number}: {result.stderr}"
        for rel, data in USER_FILES.items():
            assert (out / rel).read_bytes() == data, f"build {number} changed {rel}"
    assert not (out / "tags" / "old" / "atom.xml").exists()  # the stale feed itself did go


def test_a_stale_feed_edited_since_feedpub_wrote_it_is_not_deleted(tmp_path):
    root, out = tmp_path / "site", tmp_path / "out"
    config = write_site(root, posts())
    assert build(config, out).exit_code == 0
    edited = out / "tags" / "old" / "atom.xml"
    edited.write_bytes(edited.read_bytes().replace(b"</feed>", b"<!-- pinned by hand --></feed>"))
    mine = edited.read_bytes()

    write_site(root, posts(old_tag=False))
    result = build(config, out)

    assert result.exit_code == 0, result.stderr
    assert edited.read_bytes() == mine
    assert not (out / "tags" / "old" / "rss.xml").exists()  # its unedited sibling did go


def test_the_manifest_lists_exactly_the_files_feedpub_wrote_with_their_sha256(tmp_path):
    root, out = tmp_path / "site", tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_bytes(USER_FILES["index.html"])
    config = write_site(root, posts())
    result = build(config, out)
    assert result.exit_code == 0, result.stderr

    listed = manifest(out)
    assert set(listed) == files(out) - {MANIFEST, LOCK, "index.html"}
    for rel, digest in listed.items():
        assert digest == sha256(out / rel), rel

    write_site(root, posts(old_tag=False))
    assert build(config, out).exit_code == 0
    listed = manifest(out)
    assert set(listed) == files(out) - {MANIFEST, LOCK, "index.html"}
    for rel, digest in listed.items():
        assert digest == sha256(out / rel), rel


@pytest.mark.parametrize(
    "garbage",
    [
        b"{not json at all",
        b"",
        b"\xff\xfe\x00g\x00a\x00r",
        b"[]",
        b'{"version": 1, "files": ["atom.xml"]}',
        b'{"version": 1, "files": {"atom.xml": 5, "rss.xml": null}}',
        b'{"version": 999, "files": {}}',
    ],
)
def test_a_corrupt_manifest_does_not_stop_the_build_and_is_rewritten(tmp_path, garbage):
    root, out = tmp_path / "site", tmp_path / "out"
    config = write_site(root, posts())
    assert build(config, out).exit_code == 0
    good = (out / MANIFEST).read_bytes()
    (out / MANIFEST).write_bytes(garbage)

    result = build(config, out)

    assert result.exit_code == 0, result.stderr
    assert (out / MANIFEST).read_bytes() == good
    for rel in manifest(out):
        if rel.endswith((".xml",)) and rel.rsplit("/", 1)[-1] in ("atom.xml", "rss.xml"):
            assert_valid_feed(out / rel)


def test_with_a_corrupt_manifest_a_stale_feed_is_left_alone(tmp_path):
    # Not in the manifest means not feedpub's to delete, even if feedpub wrote it once.
    root, out = tmp_path / "site", tmp_path / "out"
    config = write_site(root, posts())
    assert build(config, out).exit_code == 0
    stale = (out / "tags" / "old" / "atom.xml").read_bytes()
    (out / MANIFEST).write_bytes(b"{garbage")

    write_site(root, posts(old_tag=False))
    result = build(config, out)

    assert result.exit_code == 0, result.stderr
    assert (out / "tags" / "old" / "atom.xml").read_bytes() == stale


def test_a_manifest_naming_files_outside_the_output_folder_does_not_get_them_deleted(tmp_path):
    root, out = tmp_path / "site", tmp_path / "out"
    config = write_site(root, posts())
    assert build(config, out).exit_code == 0
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious\n")
    outside = {"../victim.txt": sha256(victim), str(victim): sha256(victim), "tags/../../victim.txt": sha256(victim)}
    data = json.loads((out / MANIFEST).read_text("utf-8"))
    data["files"].update(outside)
    (out / MANIFEST).write_text(json.dumps(data), encoding="utf-8")

    result = build(config, out)

    assert result.exit_code == 0, result.stderr
    assert victim.read_bytes() == b"precious\n"
