"""Every piece of state feedpub keeps can be damaged, and a build still works (README, Reliability).

The build cache, the manifest and the lock file are each corrupted for real:
garbage pages in the SQLite file, truncated JSON in a row, a read-only
database, the cache deleted while a build runs, folders where files should be
and files where folders should be, manifests that are not manifests. Each
build either publishes exactly what a `--no-cache` build of the same site
publishes, warning once, or, where no build can be safe (no lock can be
taken, no manifest can be written), exits 4 and changes nothing.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from conftest import build_into, file_snapshot, post, published_paths, run_cli, write_site

from feedpub.build import pool
from feedpub.publish import cache as cache_module
from feedpub.publish import output as output_module

MANIFEST = ".feedpub-manifest.json"
LOCK = ".feedpub.lock"
PARAGRAPH = "A paragraph long enough to give each cached row some weight. " * 6


def posts(old_tag: bool = False, edited: bool = False) -> dict[str, str]:
    """Twelve posts, so the cache's posts table spans several SQLite pages."""
    made = {}
    for day in range(1, 13):
        tags = [f"topic-{day % 3}", *(["old"] if old_tag and day == 1 else [])]
        body = PARAGRAPH + (" Edited." if edited and day == 12 else "")
        made[f"2026-01-{day:02d}-post.md"] = post(f"Post {day}", f"2026-01-{day:02d}", body, tags=tags)
    return made


@pytest.fixture(autouse=True)
def fsync_checks_the_fd_only(monkeypatch):
    """Durability is not what these tests check, and real fsyncs double their time (as in test_publish_safety)."""
    monkeypatch.setattr(os, "fsync", os.fstat)


@pytest.fixture(autouse=True)
def small_cache_pages(monkeypatch):
    """SQLite's own page size, so that twelve posts span several pages of the cache and one can be damaged."""
    monkeypatch.setattr(cache_module, "PAGE_BYTES", 4096)


@pytest.fixture
def site(tmp_path) -> Path:
    return write_site(tmp_path / "site", posts())


@pytest.fixture(params=["in one process", "on workers"])
def staging(request, monkeypatch) -> str:
    """Where the feed files are assembled: in the build's process, or on two workers that read the cache's file."""
    if request.param == "on workers":
        monkeypatch.setattr(pool, "PARALLEL_THRESHOLD", 1)
        monkeypatch.setattr(pool, "cpu_count", lambda: 2)
    return request.param


def cache_files(config: Path) -> list[Path]:
    return sorted((config.parent / ".feedpub-cache").rglob("cache.sqlite"))


def published(out: Path) -> dict[str, bytes]:
    return {rel: data for rel, (data, _) in file_snapshot(out).items() if rel in published_paths(out)}


def reference(config: Path, tmp_path: Path) -> dict[str, bytes]:
    """What a build of the site as it is now publishes, with no cache at all."""
    out = tmp_path / "reference"
    assert build_into(config, out, "--no-cache").exit_code == 0
    return published(out)


def warnings(result) -> list[str]:
    assert "Traceback" not in result.stdout + result.stderr
    return [line for line in result.stderr.splitlines() if "warning:" in line]


def build(config: Path, out: Path, *args: str):
    result = build_into(config, out, *args)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def page_size(database: Path) -> int:
    size = int.from_bytes(database.read_bytes()[16:18])  # the file header's page size; 1 stands for 65,536
    return 65536 if size == 1 else size


def leaf_pages(database: Path, table: str) -> tuple[list[int], int]:
    """The numbers of the table's leaf pages, and of its root page, read from the file's b-tree.

    Walked by SQLite's file format: an interior page (type 5) lists a child
    page in each cell and one more after them; a leaf is type 13.
    """
    with sqlite3.connect(database) as db:
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    data, size = database.read_bytes(), page_size(database)
    leaves, pending = [], [root]
    while pending:
        number = pending.pop()
        page = data[(number - 1) * size : number * size]
        at = 100 if number == 1 else 0  # page 1 starts with the file's header
        if page[at] == 13:
            leaves.append(number)
            continue
        assert page[at] == 5, f"page {number} of {database} is not in a table's b-tree"
        cells = int.from_bytes(page[at + 3 : at + 5])
        offsets = [int.from_bytes(page[at + 12 + 2 * i : at + 14 + 2 * i]) for i in range(cells)]
        pending += [int.from_bytes(page[offset : offset + 4]) for offset in offsets]
        pending.append(int.from_bytes(page[at + 8 : at + 12]))
    return sorted(leaves), root


def touch_a_post(config: Path) -> None:
    """Edit the newest post, so the next build reads the cache instead of taking the no-op path."""
    write_site(config.parent, posts(edited=True))


# --- the build cache ------------------------------------------------------------


def test_a_cache_whose_pages_are_garbage_is_rebuilt_with_one_warning(site, tmp_path):
    out = tmp_path / "out"
    assert build(site, out).exit_code == 0
    (database,) = cache_files(site)
    data = bytearray(database.read_bytes())
    page = 4096
    data[page:] = b"\xa5" * (len(data) - page)  # every page but the first: the schema survives, the tables do not
    database.write_bytes(bytes(data))

    result = build(site, out)

    assert result.exit_code == 0, result.stderr
    [warning] = warnings(result)
    assert f"{database}: warning: the build cache could not be read (database disk image is malformed)" in warning
    assert "rebuilt it from scratch" in warning
    assert published(out) == reference(site, tmp_path)
    assert database.read_bytes()[:16] == b"SQLite format 3\x00"
    assert warnings(build(site, out)) == []  # the rebuilt cache is trusted again


def test_one_garbage_page_found_mid_build_makes_it_build_again_without_the_cache(site, tmp_path, staging):
    out = tmp_path / "out"
    assert build(site, out).exit_code == 0
    (database,) = cache_files(site)
    leaves, root = leaf_pages(database, "posts")
    leaf = max(page for page in leaves if page != root)  # a page the cache's opening check does not read
    size = page_size(database)
    with open(database, "r+b") as handle:
        handle.seek((leaf - 1) * size)
        handle.write(os.urandom(size))
    touch_a_post(site)

    result = build(site, out)

    assert result.exit_code == 0, result.stderr
    [warning] = warnings(result)
    assert f"{database}: warning: the build cache could not be used (database disk image is malformed)" in warning
    assert warning.endswith("building without it")
    assert published(out) == reference(site, tmp_path)
    assert not database.exists()  # dropped, so the next build starts afresh and quietly
    assert build(site, out).exit_code == 0
    assert warnings(build(site, out)) == []


def test_garbage_entries_found_by_the_workers_make_it_build_again_without_the_cache(site, tmp_path, monkeypatch):
    monkeypatch.setattr(pool, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(pool, "cpu_count", lambda: 2)
    out = tmp_path / "out"
    assert build(site, out).exit_code == 0
    (database,) = cache_files(site)
    leaves, _ = leaf_pages(database, "entries")
    size = page_size(database)
    with open(database, "r+b") as handle:
        # The rendered entries but the first (the cache's opening check reads it); not the index of their keys.
        for leaf in sorted(leaves)[1:]:
            handle.seek((leaf - 1) * size)
            handle.write(os.urandom(size))
    for path in out.rglob("*.xml"):  # every feed file is assembled again, from the cached entries
        path.unlink()

    result = build(site, out)

    assert result.exit_code == 0, result.stderr
    [warning] = warnings(result)
    assert warning.startswith(f"{database}: warning: the build cache could not be used (")
    assert warning.endswith("building without it")
    assert published(out) == reference(site, tmp_path)
    assert list(out.rglob("*.feedpub-tmp-*")) == []


def test_a_post_row_with_truncated_json_is_parsed_again(site, tmp_path):
    out = tmp_path / "out"
    assert build(site, out).exit_code == 0
    (database,) = cache_files(site)
    with sqlite3.connect(database) as db:
        db.execute("UPDATE posts SET post = substr(post, 1, 40) WHERE path LIKE '%2026-01-07-post.md'")
    touch_a_post(site)

    result = build(site, out)

    assert result.exit_code == 0, result.stderr
    [warning] = warnings(result)
    assert "1 post(s) in the build cache could not be read" in warning
    assert "2026-01-07-post.md" in warning and warning.endswith("parsed them again")
    assert published(out) == reference(site, tmp_path)
    assert warnings(build(site, out)) == []  # the row was written again, whole


def test_a_cache_sqlite_cannot_open_for_writing_is_replaced_by_a_temporary_one(site, tmp_path, monkeypatch):
    # Tests run as root, whom chmod does not stop: refuse as a read-only file or file system would.
    out = tmp_path / "out"
    assert build(site, out).exit_code == 0
    (database,) = cache_files(site)
    before = database.read_bytes()
    connect = sqlite3.connect

    def read_only(path, *args, **kwargs):
        if str(path).startswith(str(site.parent / ".feedpub-cache")):
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return connect(path, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", read_only)
    touch_a_post(site)

    result = build(site, out)

    assert result.exit_code == 0, result.stderr
    assert warnings(result) == [
        f"{database}: warning: the build cache could not be used (attempt to write a readonly database); "
        "building without it"
    ]
    monkeypatch.undo()
    assert published(out) == reference(site, tmp_path)
    assert database.read_bytes() == before  # left as it was: not ours to force


def test_a_cache_that_turns_read_only_mid_build_is_replaced_by_a_temporary_one(site, tmp_path, staging, monkeypatch):
    out = tmp_path / "out"
    assert build(site, out).exit_code == 0
    (database,) = cache_files(site)
    connect = sqlite3.connect

    def read_only(path, *args, **kwargs):
        if str(path) == str(database):  # opens, reads, and fails at the first write, as on a read-only mount
            return connect(f"file:{path}?mode=ro", *args, uri=True, **kwargs)
        return connect(path, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", read_only)
    touch_a_post(site)

    result = build(site, out)

    assert result.exit_code == 0, result.stderr
    [warning] = warnings(result)
    assert warning.startswith(f"{database}: warning: the build cache could not be used (attempt to write a readonly")
    monkeypatch.undo()
    assert published(out) == reference(site, tmp_path)


def test_feedpub_clean_while_a_build_runs_loses_the_cache_not_the_build(site, tmp_path, staging, monkeypatch):
    out = tmp_path / "out"
    assert build(site, out).exit_code == 0
    sweep = output_module.Publication.sweep

    def clean_then_sweep(publication, *args, **kwargs):
        assert run_cli("clean", "-c", site).exit_code == 0
        return sweep(publication, *args, **kwargs)

    monkeypatch.setattr(output_module.Publication, "sweep", clean_then_sweep)
    touch_a_post(site)

    result = build(site, out)

    monkeypatch.undo()
    assert result.exit_code == 0, result.stderr
    [warning] = warnings(result)
    assert warning.endswith(
        "warning: the build cache was deleted while the build ran; the next build starts without it"
    )
    assert published(out) == reference(site, tmp_path)
    assert cache_files(site) == []
    again = build(site, out)
    assert again.exit_code == 0 and warnings(again) == []
    assert published(out) == reference(site, tmp_path)


def test_a_folder_where_the_cache_file_should_be_is_left_alone(site, tmp_path):
    out = tmp_path / "out"
    assert build(site, out).exit_code == 0
    (database,) = cache_files(site)
    for path in database.parent.glob("cache.sqlite*"):
        path.unlink()
    database.mkdir()
    (database / "keep.txt").write_text("mine\n")
    touch_a_post(site)

    result = build(site, out)

    assert result.exit_code == 0, result.stderr
    assert warnings(result) == [
        f"{database}: warning: the build cache could not be used (is a folder, not a file); building without it"
    ]
    assert published(out) == reference(site, tmp_path)
    assert (database / "keep.txt").read_text() == "mine\n"


def test_a_file_where_the_cache_folder_should_be_is_left_alone(site, tmp_path):
    out = tmp_path / "out"
    cache_dir = site.parent / ".feedpub-cache"
    cache_dir.write_bytes(b"not a folder\n")

    result = build(site, out)

    assert result.exit_code == 0, result.stderr
    [warning] = warnings(result)
    assert "warning: the build cache could not be used (cannot create the folder: " in warning
    assert warning.endswith("building without it")
    assert published(out) == reference(site, tmp_path)
    assert cache_dir.read_bytes() == b"not a folder\n"


# --- the manifest -----------------------------------------------------------------


def write_garbage_manifest(path: Path, garbage: str) -> None:
    if garbage == "folder":
        path.mkdir()
    elif garbage == "named pipe":
        os.mkfifo(path)
    else:
        path.write_bytes(GARBAGE[garbage])


GARBAGE = {
    "deeply nested": b"[" * 100000,
    "files not a map": b'{"files": 3}',
    "binary": bytes(range(256)) * 4,
    "hashes not text": b'{"version": 1, "files": {"atom.xml": 5}}',
    "another version": b'{"version": 2, "files": {}}',
}


@pytest.mark.parametrize(
    ("garbage", "why"),
    [
        ("deeply nested", "not JSON"),
        ("files not a map", 'no "version"'),
        ("another version", "version 2, where this feedpub reads 1"),
        ("binary", "not UTF-8 text"),
        ("hashes not text", '"files" is not a map of file paths to SHA-256 hashes'),
        ("named pipe", "not a regular file"),
    ],
)
def test_an_unreadable_manifest_builds_as_if_empty_and_removes_nothing(tmp_path, garbage, why):
    root, out = tmp_path / "site", tmp_path / "out"
    config = write_site(root, posts(old_tag=True))
    assert build(config, out).exit_code == 0
    stale = {rel: data for rel, data in published(out).items() if rel.startswith("tags/old/")}
    assert stale
    write_site(root, posts())  # the tag "old" is gone: its feeds are stale
    (out / MANIFEST).unlink()
    write_garbage_manifest(out / MANIFEST, garbage)

    result = build(config, out)

    assert result.exit_code == 0, result.stderr
    assert warnings(result) == [
        f"{out / MANIFEST}: warning: the manifest could not be read ({why}); "
        "building as if it were empty, so no file it listed is removed"
    ]
    # Nothing proves feedpub wrote the stale feeds any more, so they stay; all else is as a clean build makes it.
    assert published(out) == {**reference(config, tmp_path), **stale}
    assert (out / MANIFEST).is_file()
    assert warnings(build(config, out)) == []


def test_after_an_unreadable_manifest_the_shrink_guard_works_again(tmp_path):
    root, out = tmp_path / "site", tmp_path / "out"
    config = write_site(root, posts())
    assert build(config, out).exit_code == 0
    (out / MANIFEST).write_bytes(GARBAGE["binary"])
    assert build(config, out).exit_code == 0  # rewrites the manifest from what it published
    before = file_snapshot(out)
    for path in (root / "posts").glob("*.md"):
        path.unlink()

    result = build(config, out)

    assert result.exit_code == 7, result.stderr
    assert file_snapshot(out) == before


def test_a_folder_where_the_manifest_should_be_stops_the_build_with_exit_4(tmp_path):
    root, out = tmp_path / "site", tmp_path / "out"
    config = write_site(root, posts())
    assert build(config, out).exit_code == 0
    (out / MANIFEST).unlink()
    (out / MANIFEST).mkdir()
    write_site(root, posts(edited=True))
    before = file_snapshot(out)

    result = build(config, out)

    assert result.exit_code == 4, result.stderr
    assert f"{out / MANIFEST}: the manifest is a folder, so feedpub cannot record what it publishes" in result.stderr
    assert file_snapshot(out) == before


# --- the lock ---------------------------------------------------------------------


def test_a_folder_where_the_lock_file_should_be_stops_the_build_with_exit_4(tmp_path):
    root, out = tmp_path / "site", tmp_path / "out"
    config = write_site(root, posts())
    assert build(config, out).exit_code == 0
    (out / LOCK).unlink()
    (out / LOCK).mkdir()
    write_site(root, posts(edited=True))
    before = file_snapshot(out)

    result = build(config, out)

    assert result.exit_code == 4, result.stderr
    assert f"{out / LOCK}: the lock file is a folder, so no build can lock the output folder" in result.stderr
    assert file_snapshot(out) == before


def test_a_truncated_problems_row_on_the_no_op_path_makes_it_build_again_without_the_cache(tmp_path):
    # A build with nothing to do reads only the cached warnings: a broken one there must not be fatal either.
    root, out = tmp_path / "site", tmp_path / "out"
    config = write_site(root, {**posts(), "2026-02-01-typo.md": post("Typo", "2026-02-01", tgas=["x"])})
    first = build(config, out)
    assert first.exit_code == 0 and len(warnings(first)) == 1  # tgas: did you mean tags?
    (database,) = cache_files(config)
    with sqlite3.connect(database) as db:
        db.execute("UPDATE posts SET problems = substr(problems, 1, 30) WHERE problems != '[]'")

    result = build(config, out)

    assert result.exit_code == 0, result.stderr
    [typo, cache] = warnings(result)
    assert "tgas" in typo
    assert cache.startswith(f"{database}: warning: the build cache could not be used (a post's problems cannot be read")
    assert published(out) == reference(config, tmp_path)


def test_an_unreadable_manifest_and_every_post_gone_is_refused_not_emptied(tmp_path):
    root, out = tmp_path / "site", tmp_path / "out"
    config = write_site(root, posts())
    assert build(config, out).exit_code == 0
    (out / MANIFEST).write_bytes(GARBAGE["binary"])
    for path in (root / "posts").glob("*.md"):
        path.unlink()
    before = file_snapshot(out)

    result = build(config, out)

    assert result.exit_code == 7, result.stderr
    assert "the manifest of the last build could not be read" in result.stderr
    assert file_snapshot(out) == before


def test_garbage_in_the_caches_own_dates_makes_a_full_build_not_an_internal_error(site, tmp_path):
    out = tmp_path / "out"
    assert build(site, out).exit_code == 0
    with sqlite3.connect(cache_files(site)[0]) as db:
        db.execute("UPDATE meta SET value = 'not a date' WHERE key IN ('newest_shown', 'next_change')")
    before = published(out)

    result = build(site, out)

    assert result.exit_code == 0, result.stderr
    assert published(out) == before == reference(site, tmp_path)
