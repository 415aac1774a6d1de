"""When the disk, the folders or the posts fail: the documented exit code, a message
naming the path and the OS error, never a traceback, and the published feeds as
they were (README: Exit codes, Reliability).

The tests run as root on CI, where permission bits stop nobody; there the OS
errors a read-only folder would give are simulated at the open()/rename() calls.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
from pathlib import Path

import pytest
from conftest import NOW, post, run_cli
from feedcheck import assert_valid_feed

TEMP_MARK = ".feedpub-tmp-"  # .NAME.feedpub-tmp-PID: a new version of NAME being staged
OLD_MARK = ".feedpub-old-"  # .NAME.feedpub-old-PID: the version a build replaces, kept until it ends
AS_ROOT = os.geteuid() == 0
REAL_OPEN = builtins.open
REAL_OS_OPEN = os.open
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def build(config: Path, out: Path, *args: str):
    return run_cli("build", "-c", config, "-o", out, "--now", NOW, "--wait", "5", *args)


def output_of(result) -> str:
    return result.stdout + result.stderr


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if TEMP_MARK in p.name or OLD_MARK in p.name]


def feeds_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.name in ("atom.xml", "rss.xml"))


def three_posts() -> dict[str, str]:
    return {
        "2026-01-10-first.md": post("First", "2026-01-10", tags=["x", "shared"], categories=["news"]),
        "2026-01-20-second.md": post("Second", "2026-01-20", tags=["shared"]),
        "2026-01-30-third.md": post("Third", "2026-01-30", tags=["x"]),
    }


def published_then_edited(site, tmp_path) -> tuple[Path, Path]:
    """A site built once into `out`, then edited so that the next build rewrites every feed."""
    config = site(three_posts())
    out = tmp_path / "out"
    assert build(config, out).exit_code == 0
    for path in (config.parent / "posts").glob("*.md"):
        path.write_text(path.read_text("utf-8").replace("title: ", "title: Edited "), encoding="utf-8")
    return config, out


def is_write(mode: str) -> bool:
    return any(flag in mode for flag in "wax+")


def path_of(file) -> Path | None:
    return Path(os.fsdecode(file)) if isinstance(file, (str, bytes, os.PathLike)) else None


class _FillsTheDisk:
    """A file whose write stores half the data, then fails as a full disk does."""

    def __init__(self, handle):
        self._handle = handle

    def write(self, data):
        self._handle.write(data[: len(data) // 2])
        self._handle.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._handle.close()
        return False

    def __getattr__(self, name):
        return getattr(self._handle, name)


class FullDisk:
    """open() for builtins and io: the `fail_at`-th temporary file written hits a full disk."""

    def __init__(self, fail_at: int):
        self.fail_at, self.count, self.failed = fail_at, 0, None

    def __call__(self, file, mode="r", *args, **kwargs):
        handle = REAL_OPEN(file, mode, *args, **kwargs)
        path = path_of(file)
        if path is not None and TEMP_MARK in path.name and is_write(mode):
            self.count += 1
            if self.count == self.fail_at:
                self.failed = path
                return _FillsTheDisk(handle)
        return handle


def refuse_writes_under(monkeypatch, folder: Path, code: int) -> None:
    """What the kernel says when `folder` may not be written: creating, renaming or
    removing an entry in it fails with `code` (EACCES for 0o555, EROFS for a read-only mount)."""
    folder = folder.resolve()

    def inside(file) -> bool:  # an entry of `folder` or of a folder below it
        path = path_of(file)
        return path is not None and path.resolve().parent.is_relative_to(folder)

    def refuse(file):
        raise OSError(code, os.strerror(code), os.fspath(file))

    def guarded_open(file, mode="r", *args, **kwargs):
        if is_write(mode) and inside(file):
            refuse(file)
        return REAL_OPEN(file, mode, *args, **kwargs)

    def guarded(real):
        def call(src, dst=None, *args, **kwargs):
            for path in (src, dst):
                if path is not None and inside(path):
                    refuse(path)
            return real(src, dst, *args, **kwargs) if dst is not None else real(src, *args, **kwargs)

        return call

    def guarded_os_open(file, flags, *args, **kwargs):
        if flags & WRITE_FLAGS and inside(file):
            refuse(file)
        return REAL_OS_OPEN(file, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(io, "open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)
    for name in ("replace", "rename"):
        monkeypatch.setattr(os, name, guarded(getattr(os, name)))
    for name in ("unlink", "remove", "rmdir", "mkdir"):
        monkeypatch.setattr(os, name, guarded(getattr(os, name)))


def refuse_reading(monkeypatch, name: str) -> None:
    """What the kernel says to anyone but root when a file named `name` is mode 0o000:
    opening it fails with EACCES, whichever call (open, io.open, os.open) feedpub uses."""

    def refuse_if_named(file) -> None:
        path = path_of(file)
        if path is not None and path.name == name:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(file))

    def guarded_open(file, mode="r", *args, **kwargs):
        refuse_if_named(file)
        return REAL_OPEN(file, mode, *args, **kwargs)

    def guarded_os_open(file, flags, *args, **kwargs):
        refuse_if_named(file)
        return REAL_OS_OPEN(file, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(io, "open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)


# --- the output folder -----------------------------------------------------------


def test_a_full_disk_while_staging_exits_4_names_the_file_and_leaves_every_feed_as_it_was(site, tmp_path, monkeypatch):
    config, out = published_then_edited(site, tmp_path)
    before = snapshot(out)
    disk = FullDisk(fail_at=3)
    monkeypatch.setattr(builtins, "open", disk)
    monkeypatch.setattr(io, "open", disk)

    result = build(config, out)
    monkeypatch.undo()

    assert disk.failed is not None, "no temporary file was written"
    assert result.exit_code == 4, output_of(result)
    assert "No space left on device" in result.stderr
    target = disk.failed.parent / disk.failed.name.split(TEMP_MARK)[0].lstrip(".")  # staged beside it
    assert str(target) in result.stderr
    assert "Traceback" not in output_of(result)
    assert snapshot(out) == before
    assert temp_files(out) == []

    # Once there is room again, the next build publishes the edit.
    assert build(config, out).exit_code == 0
    assert b"Edited First" in (out / "atom.xml").read_bytes()
    assert temp_files(out) == []


def test_a_full_disk_on_a_worker_exits_4_names_the_file_and_leaves_every_feed_as_it_was(site, tmp_path, monkeypatch):
    from feedpub.build import pool
    from feedpub.publish import durable

    config, out = published_then_edited(site, tmp_path)
    before = snapshot(out)
    failing = out / "tags" / "x" / "rss.xml"
    write_file = durable.write_file

    def fills_the_disk(path, data):  # in the workers, which the build forks from this process
        if path.parent == failing.parent and path.name.startswith(f".{failing.name}{TEMP_MARK}"):
            path.write_bytes(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        write_file(path, data)

    monkeypatch.setattr(durable, "write_file", fills_the_disk)
    monkeypatch.setattr(pool, "PARALLEL_THRESHOLD", 1)

    result = build(config, out, "--jobs", "2")
    monkeypatch.undo()

    assert result.exit_code == 4, output_of(result)
    assert f"{failing}: cannot write: No space left on device" in result.stderr
    assert "Traceback" not in output_of(result)
    assert snapshot(out) == before
    assert temp_files(out) == []

    assert build(config, out, "--jobs", "2").exit_code == 0
    assert b"Edited First" in (out / "atom.xml").read_bytes()
    assert temp_files(out) == []


def test_a_read_only_tag_folder_exits_4_names_it_and_leaves_every_feed_as_it_was(site, tmp_path, monkeypatch):
    config, out = published_then_edited(site, tmp_path)
    folder = out / "tags" / "x"
    before = snapshot(out)
    if AS_ROOT:  # root writes through 0o555: simulate what anyone else would get
        refuse_writes_under(monkeypatch, folder, errno.EACCES)
    else:
        folder.chmod(0o555)
    try:
        result = build(config, out)
    finally:
        monkeypatch.undo()
        folder.chmod(0o755)

    assert result.exit_code == 4, output_of(result)
    assert str(folder) in result.stderr
    assert "Permission denied" in result.stderr
    assert "Traceback" not in output_of(result)
    assert snapshot(out) == before
    assert temp_files(out) == []


def test_a_read_only_file_system_exits_4_with_the_os_error(site, tmp_path, monkeypatch):
    config, out = published_then_edited(site, tmp_path)
    before = snapshot(out)
    refuse_writes_under(monkeypatch, out, errno.EROFS)

    result = build(config, out)
    monkeypatch.undo()

    assert result.exit_code == 4, output_of(result)
    assert str(out) in result.stderr
    assert "Read-only file system" in result.stderr
    assert "Traceback" not in output_of(result)
    assert snapshot(out) == before


@pytest.mark.parametrize("where", ["a file", "below a file"])
def test_an_output_folder_that_is_a_file_exits_4_with_a_message(site, tmp_path, where):
    config = site(three_posts())
    blocker = tmp_path / "out"
    blocker.write_bytes(b"not a folder\n")
    out = blocker if where == "a file" else blocker / "feeds"

    result = build(config, out)

    assert result.exit_code == 4, output_of(result)
    assert str(blocker) in result.stderr
    assert "Traceback" not in output_of(result)
    assert blocker.read_bytes() == b"not a folder\n"


# --- the posts ---------------------------------------------------------------------


def test_an_unreadable_post_is_reported_with_its_path_and_nothing_is_published(site, tmp_path, monkeypatch):
    config = site({**three_posts(), "secret.md": post("Secret", "2026-01-05")})
    secret = config.parent / "posts" / "secret.md"
    out = tmp_path / "out"
    if AS_ROOT:  # root reads through 0o000: simulate what anyone else would get
        refuse_reading(monkeypatch, "secret.md")
    else:
        secret.chmod(0)
    try:
        result = build(config, out)
    finally:
        monkeypatch.undo()
        secret.chmod(0o644)

    assert result.exit_code == 1, output_of(result)
    assert f"{secret}:" in result.stderr
    assert "Permission denied" in result.stderr
    assert "Traceback" not in output_of(result)
    assert not out.exists() or feeds_in(out) == []


def test_a_post_that_is_a_dangling_symlink_is_reported_with_its_path(site, tmp_path):
    config = site(three_posts())
    link = config.parent / "posts" / "gone.md"
    link.symlink_to(config.parent / "posts" / "deleted-since.md")

    result = build(config, tmp_path / "out")

    assert result.exit_code == 1, output_of(result)
    assert f"{link}:" in result.stderr
    assert "Traceback" not in output_of(result)


def test_a_missing_posts_folder_is_a_config_error_and_the_published_feeds_stay(site, tmp_path):
    config = site(three_posts())
    out = tmp_path / "out"
    assert build(config, out).exit_code == 0
    before = snapshot(out)
    posts = config.parent / "posts"
    for path in posts.glob("*.md"):
        path.unlink()
    posts.rmdir()

    result = build(config, out)

    # A site without its posts folder is misconfigured, not empty: publishing (and
    # deleting every tag feed as stale) would be the worst answer.
    assert result.exit_code == 2, output_of(result)
    assert str(posts) in result.stderr or "posts_dir" in result.stderr
    assert "Traceback" not in output_of(result)
    assert snapshot(out) == before


# --- --keep-going ------------------------------------------------------------------


def site_with_one_broken_post(site, **config) -> Path:
    return site(
        {
            **three_posts(),
            "2026-01-25-broken.md": "---\ntitle: Broken\ndate: someday\ntags: [only-broken, shared]\n---\nBody.\n",
        },
        config or None,
    )


def test_by_default_one_broken_post_publishes_nothing_and_exits_1(site, tmp_path):
    config = site_with_one_broken_post(site)
    out = tmp_path / "out"

    result = build(config, out)

    assert result.exit_code == 1, output_of(result)
    broken = config.parent / "posts" / "2026-01-25-broken.md"
    assert f"{broken}:3: " in result.stderr
    assert "Traceback" not in output_of(result)
    assert not out.exists() or feeds_in(out) == []


def test_by_default_one_broken_post_leaves_the_published_feeds_untouched(site, tmp_path):
    config = site(three_posts())
    out = tmp_path / "out"
    assert build(config, out).exit_code == 0
    before = snapshot(out)
    (config.parent / "posts" / "2026-01-25-broken.md").write_text("---\ntitle: [unclosed\n---\n")

    result = build(config, out)

    assert result.exit_code == 1, output_of(result)
    assert snapshot(out) == before


@pytest.mark.parametrize("how", ["--keep-going", "keep_going: true"])
def test_keep_going_publishes_the_good_posts_lists_the_broken_one_and_exits_5(site, tmp_path, how):
    config = site_with_one_broken_post(site, **({"keep_going": True} if how == "keep_going: true" else {}))
    out = tmp_path / "out"

    result = build(config, out, *([how] if how.startswith("--") else []))

    assert result.exit_code == 5, output_of(result)
    assert str(config.parent / "posts" / "2026-01-25-broken.md") in result.stderr
    assert "Traceback" not in output_of(result)
    site_feed = (out / "atom.xml").read_bytes()
    for title in (b"First", b"Second", b"Third"):
        assert title in site_feed
    assert b"Broken" not in site_feed
    assert not (out / "tags" / "only-broken").exists()
    for path in feeds_in(out):
        assert b"Broken" not in path.read_bytes()
        assert_valid_feed(path)
