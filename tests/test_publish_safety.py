"""Nothing already published is lost (docs/reliability.md).

Each fault is performed for real: the posts folder emptied, a clock far in the
past, foreign files that look like temporary files, another build's output
nested in ours, and a full disk at every step that writes.
"""

from __future__ import annotations

import builtins
import errno
import hashlib
import io
import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from conftest import NOW, file_snapshot, post, published_paths, run_cli, write_site

MANIFEST = ".feedpub-manifest.json"
REAL_OPEN = builtins.open
REAL_REPLACE = os.replace


@pytest.fixture(autouse=True)
def fsync_checks_the_fd_only():
    """What a power cut would lose cannot be seen from a test, and real fsyncs double its time.

    The calls are still made (a bad fd still fails), and the tests below make them fail.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "fsync", os.fstat)
        yield


def build(config: Path, out: Path, *args: str, now: str = NOW):
    result = run_cli("build", "-c", config, "-o", out, "--now", now, "--wait", "5", *args)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def site_posts(edited: bool = False) -> dict[str, str]:
    """Three tagged posts; `edited` retitles them, drops tag y (stale) and adds tag z (a new folder)."""
    prefix = "Edited " if edited else ""
    second_tags = ["shared", "z"] if edited else ["shared", "y"]
    return {
        "2026-01-10-a.md": post(f"{prefix}A", "2026-01-10", tags=["x", "shared"], categories=["news"]),
        "2026-01-20-b.md": post(f"{prefix}B", "2026-01-20", tags=second_tags),
        "2026-01-30-c.md": post(f"{prefix}C", "2026-01-30", tags=["x"]),
    }


def published_bytes(out: Path) -> dict[str, bytes]:
    return {rel: (out / rel).read_bytes() for rel in published_paths(out)}


def manifest_files(out: Path) -> dict[str, str]:
    return json.loads((out / MANIFEST).read_text("utf-8"))["files"]


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.rglob("*") if ".feedpub-tmp-" in p.name or ".feedpub-old-" in p.name)


def assert_manifest_lists_exactly_what_is_published(out: Path) -> None:
    listed = manifest_files(out)
    assert set(listed) == published_paths(out)
    assert all(hashlib.sha256((out / rel).read_bytes()).hexdigest() == h for rel, h in listed.items())


@pytest.fixture
def published(tmp_path) -> tuple[Path, Path]:
    """A site built once into out/, then edited so that the next build rewrites, adds and removes feeds."""
    config = write_site(tmp_path / "site", site_posts())
    out = tmp_path / "out"
    assert build(config, out).exit_code == 0
    for path in (config.parent / "posts").glob("*.md"):
        path.unlink()
    write_site(tmp_path / "site", site_posts(edited=True))
    return config, out


# --- a build that would remove most of what is published stops ------------------------


def test_an_emptied_posts_folder_exits_7_and_changes_nothing_until_allow_shrink(tmp_path):
    config = write_site(tmp_path / "site", site_posts())
    out = tmp_path / "out"
    assert build(config, out).exit_code == 0
    before = file_snapshot(out)
    for path in (config.parent / "posts").glob("*.md"):
        path.unlink()  # what an unmounted disk or a failed checkout looks like

    refused = build(config, out)

    assert refused.exit_code == 7, refused.stderr
    assert "--allow-shrink" in refused.stderr
    assert "file(s) would be removed" in refused.stderr
    assert file_snapshot(out) == before

    allowed = build(config, out, "--allow-shrink")

    assert allowed.exit_code == 0, allowed.stderr
    assert not (out / "tags").exists()
    assert_manifest_lists_exactly_what_is_published(out)


def test_a_now_far_in_the_past_exits_7_and_changes_nothing(tmp_path):
    config = write_site(tmp_path / "site", site_posts())
    out = tmp_path / "out"
    assert build(config, out).exit_code == 0
    before = file_snapshot(out)

    result = build(config, out, now="2000-01-01")

    assert result.exit_code == 7, result.stderr
    assert "0 shown" in result.stderr
    assert file_snapshot(out) == before


def test_removing_more_than_half_of_the_published_files_exits_7_even_with_posts_left(tmp_path):
    tags = [f"t{n}" for n in range(6)]
    config = write_site(tmp_path / "site", {"a.md": post("A", "2026-01-10", tags=tags)})
    out = tmp_path / "out"
    assert build(config, out).exit_code == 0
    before = file_snapshot(out)
    write_site(tmp_path / "site", {"a.md": post("A", "2026-01-10", tags=["t0"])})

    result = build(config, out, "--quiet")

    assert result.exit_code == 7
    assert "10 of the 16 published file(s) would be removed" in result.stderr
    assert file_snapshot(out) == before


def test_removing_a_few_feeds_is_published_as_usual(tmp_path, published):
    config, out = published

    result = build(config, out)

    assert result.exit_code == 0, result.stderr
    assert not (out / "tags" / "y").exists()
    assert (out / "tags" / "z" / "atom.xml").is_file()


def test_the_json_summary_of_a_refused_build_says_why_and_what_would_go(tmp_path):
    config = write_site(tmp_path / "site", site_posts())
    out = tmp_path / "out"
    assert build(config, out).exit_code == 0
    for path in (config.parent / "posts").glob("*.md"):
        path.unlink()

    result = build(config, out, "--json")

    summary = json.loads(result.stdout)
    assert result.exit_code == summary["exit_code"] == 7
    assert "--allow-shrink" in summary["refused"]
    assert "tags/x/atom.xml" in summary["would_remove"]
    assert summary["written"] == summary["removed"] == []


def test_keep_going_with_every_post_broken_is_refused_too(tmp_path):
    config = write_site(tmp_path / "site", site_posts())
    out = tmp_path / "out"
    assert build(config, out).exit_code == 0
    before = file_snapshot(out)
    for path in (config.parent / "posts").glob("*.md"):
        path.write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")

    result = build(config, out, "--keep-going")

    assert result.exit_code == 7, result.stderr
    assert file_snapshot(out) == before


# --- only what feedpub wrote is ever deleted ------------------------------------------


FOREIGN = [
    ".git/x.feedpub-tmp-1",
    ".git/.atom.xml.feedpub-tmp-1",
    "node_modules/pkg/.atom.xml.feedpub-tmp-2",
    "notes.feedpub-tmp-keep.md",
    ".atom.xml.feedpub-tmp-keep",
    ".index.html.feedpub-tmp-3",  # a temp name of ours, but for a file no build of ours writes
    "blog/.atom.xml.feedpub-tmp-99",  # the nested build's, below
    "blog/tags/y/.rss.xml.feedpub-tmp-99",
]
OURS = [
    ".atom.xml.feedpub-tmp-4242",
    "tags/x/.rss.xml.feedpub-tmp-4243",
    f"{MANIFEST}.feedpub-tmp-4244",
    "tags/x/.atom.xml.feedpub-old-4245",
]


@pytest.mark.parametrize("posts_changed", [False, True], ids=["nothing-changed", "posts-changed"])
def test_the_temp_sweep_removes_our_leftovers_and_nothing_else(tmp_path, posts_changed):
    config = write_site(tmp_path / "site", site_posts())
    out = tmp_path / "out"
    assert build(config, out).exit_code == 0
    for rel in FOREIGN + OURS:
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(b"half a fee")
    if posts_changed:
        write_site(tmp_path / "site", {**site_posts(), "d.md": post("D", "2026-02-01", tags=["x"])})

    result = build(config, out)

    assert result.exit_code == 0, result.stderr
    assert [rel for rel in OURS if (out / rel).exists()] == []
    assert [rel for rel in FOREIGN if not (out / rel).exists()] == []


def test_nested_builds_leave_each_others_temporary_files_alone(tmp_path):
    site = write_site(tmp_path / "site", site_posts())
    blog = write_site(tmp_path / "blog", {"b.md": post("B", "2026-01-20", tags=["x", "y"])})
    public = tmp_path / "public"
    assert build(site, public).exit_code == 0
    assert build(blog, public / "blog").exit_code == 0
    site_left = [public / ".atom.xml.feedpub-tmp-11", public / "tags/x/.rss.xml.feedpub-tmp-11"]
    blog_left = [public / "blog/.atom.xml.feedpub-tmp-22", public / "blog/tags/y/.rss.xml.feedpub-tmp-22"]
    for path in site_left + blog_left:
        path.write_bytes(b"half a fee")

    assert build(site, public).exit_code == 0
    assert [p for p in site_left if p.exists()] == []
    assert all(p.exists() for p in blog_left)

    assert build(blog, public / "blog").exit_code == 0
    assert [p for p in blog_left if p.exists()] == []


# --- all or nothing, the manifest included --------------------------------------------


def _no_space(*_args):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class _FullOnWrite:
    def __init__(self, handle):
        self._handle = handle

    def write(self, data):
        self._handle.write(data[: len(data) // 2])
        _no_space()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._handle.close()
        return False

    def __getattr__(self, name):
        return getattr(self._handle, name)


def fail_open(monkeypatch, matches, nth: int = 1) -> None:
    """The nth file opened for writing whose name `matches` hits a full disk while written."""
    seen = [0]

    def fake_open(file, mode="r", *args, **kwargs):
        handle = REAL_OPEN(file, mode, *args, **kwargs)
        if "w" in mode and matches(Path(os.fsdecode(file)).name):
            seen[0] += 1
            if seen[0] == nth:
                return _FullOnWrite(handle)
        return handle

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(io, "open", fake_open)


def fail_replace(monkeypatch, nth: int) -> None:
    """The nth rename of a staged feed into place fails."""
    seen = [0]

    def fake_replace(src, dst, *args, **kwargs):
        if ".feedpub-tmp-" in os.fspath(src) and MANIFEST not in os.fspath(src):
            seen[0] += 1
            if seen[0] == nth:
                _no_space()
        return REAL_REPLACE(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", fake_replace)


def fail_fsync(monkeypatch, of_folder: bool) -> None:
    """The first fsync of a file (or of a folder) fails, as it does when the disk cannot keep the data."""
    seen = [0]
    fsync = os.fsync

    def fake_fsync(fd):
        if stat.S_ISDIR(os.fstat(fd).st_mode) == of_folder:
            seen[0] += 1
            if seen[0] == 1:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return fsync(fd)

    monkeypatch.setattr(os, "fsync", fake_fsync)


def is_feed_temp(name: str) -> bool:
    return ".feedpub-tmp-" in name and not name.startswith(MANIFEST)


def is_manifest_temp(name: str) -> bool:
    return name.startswith(MANIFEST + ".feedpub-tmp-")


FAULTS = {
    "staged-file-write": lambda mp: fail_open(mp, is_feed_temp, nth=3),
    "staged-file-fsync": lambda mp: fail_fsync(mp, of_folder=False),
    "manifest-before-renames": lambda mp: fail_open(mp, is_manifest_temp, nth=1),
    "first-rename": lambda mp: fail_replace(mp, nth=1),
    "last-rename": lambda mp: fail_replace(mp, nth=10**6),  # replaced below by the real count
    "folder-fsync": lambda mp: fail_fsync(mp, of_folder=True),
    "manifest-after-renames": lambda mp: fail_open(mp, is_manifest_temp, nth=2),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_a_full_disk_at_each_write_step_exits_4_and_leaves_the_published_files_as_they_were(
    published, monkeypatch, fault
):
    config, out = published
    before = published_bytes(out)
    if fault == "last-rename":
        fail_replace(monkeypatch, nth=count_renames(config, out, monkeypatch))
    else:
        FAULTS[fault](monkeypatch)

    result = build(config, out)
    monkeypatch.undo()

    assert result.exit_code == 4, result.stdout + result.stderr
    assert "No space left on device" in result.stderr
    assert published_bytes(out) == before
    assert leftovers(out) == []

    again = build(config, out)

    assert again.exit_code == 0, again.stderr
    assert b"Edited A" in (out / "atom.xml").read_bytes()
    assert not (out / "tags" / "y").exists()
    assert_manifest_lists_exactly_what_is_published(out)


def count_renames(config: Path, out: Path, monkeypatch) -> int:
    """How many feeds the edited build renames into place, counted on a copy of `out`."""
    copy = out.parent / "count"
    shutil.copytree(out, copy)
    renamed = []
    monkeypatch.setattr(os, "replace", lambda src, dst: (renamed.append(src), REAL_REPLACE(src, dst))[1])
    assert build(config, copy).exit_code == 0
    monkeypatch.undo()
    return len([src for src in renamed if is_feed_temp(Path(os.fsdecode(src)).name)])


def test_a_full_disk_when_the_manifest_drops_removed_feeds_still_publishes_and_orphans_nothing(published, monkeypatch):
    config, out = published
    fail_open(monkeypatch, is_manifest_temp, nth=3)  # after the renames and after the stale feeds went

    result = build(config, out)
    monkeypatch.undo()

    assert result.exit_code == 0, result.stderr
    assert not (out / "tags" / "y").exists()
    assert set(manifest_files(out)) >= published_paths(out)  # it may still list the removed feeds

    assert build(config, out).exit_code == 0
    assert_manifest_lists_exactly_what_is_published(out)


class Killed(BaseException):
    """Stops a build where it stands: neither feedpub nor click catches a BaseException of its own."""


def test_a_build_stopped_between_two_renames_leaves_every_file_in_the_manifest(published, monkeypatch):
    config, out = published
    seen = [0]

    def stop_at_third(src, dst, *args, **kwargs):
        if is_feed_temp(Path(os.fsdecode(src)).name):
            seen[0] += 1
            if seen[0] == 3:
                raise Killed  # as SIGKILL does: no handler runs, nothing is put back
        return REAL_REPLACE(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", stop_at_third)
    with pytest.raises(Killed):
        build(config, out)
    monkeypatch.undo()

    on_disk = {rel for rel in published_paths(out) if ".feedpub-" not in rel}
    assert on_disk <= set(manifest_files(out))  # half published, yet nothing orphaned

    assert build(config, out).exit_code == 0
    assert leftovers(out) == []
    assert_manifest_lists_exactly_what_is_published(out)


def test_a_failed_build_then_the_edit_undone_leaves_a_manifest_true_to_the_bytes(tmp_path, published, monkeypatch):
    config, out = published
    fail_replace(monkeypatch, nth=2)
    assert build(config, out).exit_code == 4
    monkeypatch.undo()
    for path in (config.parent / "posts").glob("*.md"):
        path.unlink()
    write_site(tmp_path / "site", site_posts())  # the edit undone: the feeds put back are current again

    assert build(config, out).exit_code == 0
    assert_manifest_lists_exactly_what_is_published(out)


# --- writing many files: one syncfs, and links out of the output folder ---------------


@pytest.fixture
def flush_by_syncfs(monkeypatch) -> list[Path]:
    """Every build flushes with syncfs, however few files it writes; the folders it was asked to flush."""
    from feedpub.publish import durable

    if durable._syncfs() is None:
        pytest.skip("no syncfs on this system")
    calls: list[Path] = []
    real = durable._sync_file_system
    monkeypatch.setattr(durable, "SYNCFS_FROM", 1)
    monkeypatch.setattr(durable, "_sync_file_system", lambda folder: (calls.append(folder), real(folder))[1])
    return calls


def test_a_build_of_many_files_flushes_them_with_syncfs_not_an_fsync_each(published, flush_by_syncfs, monkeypatch):
    config, out = published
    fsynced_files = []
    monkeypatch.setattr(os, "fsync", lambda fd: fsynced_files.append(fd) if stat.S_ISREG(os.fstat(fd).st_mode) else 0)

    assert build(config, out).exit_code == 0

    # The staged files before the renames, the folders after them, and the output folder after each of
    # the manifest's three writes (before the renames, after them, after the stale feed of tag y went).
    assert flush_by_syncfs == [out] * 5
    assert len(fsynced_files) == 3  # the manifest's three versions, no feed
    assert b"Edited A" in (out / "atom.xml").read_bytes()
    assert_manifest_lists_exactly_what_is_published(out)


def test_a_failing_syncfs_exits_4_and_leaves_the_published_files_as_they_were(published, flush_by_syncfs, monkeypatch):
    from feedpub.publish import durable

    config, out = published
    before = published_bytes(out)
    monkeypatch.setattr(durable, "_sync_file_system", lambda folder: _no_space())

    result = build(config, out)

    assert result.exit_code == 4, result.stdout + result.stderr
    assert "No space left on device" in result.stderr
    assert published_bytes(out) == before
    assert leftovers(out) == []


def test_a_feed_folder_linked_out_of_the_output_folder_is_not_written_through(published, tmp_path):
    config, out = published
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(out / "tags" / "x")
    (out / "tags" / "x").symlink_to(elsewhere, target_is_directory=True)

    result = build(config, out)

    assert result.exit_code == 4, result.stdout + result.stderr
    assert "tags/x/atom.xml: path leaves the output folder" in result.stderr
    assert list(elsewhere.iterdir()) == []


def test_a_feed_file_linked_out_of_the_output_folder_is_not_written_through(published, tmp_path):
    config, out = published
    elsewhere = tmp_path / "elsewhere.xml"
    elsewhere.write_bytes(b"not ours")
    (out / "tags" / "x" / "atom.xml").unlink()
    (out / "tags" / "x" / "atom.xml").symlink_to(elsewhere)

    result = build(config, out)

    assert result.exit_code == 4, result.stdout + result.stderr
    assert "tags/x/atom.xml: path leaves the output folder" in result.stderr
    assert elsewhere.read_bytes() == b"not ours"
