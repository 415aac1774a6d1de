"""Any sequence of edits, clock changes, config changes, cache damage and killed builds
leaves an incremental build publishing exactly what a cold build publishes.

A Hypothesis state machine keeps a small site (3-8 posts, Chinese and English
tags and categories) and applies one operation per step. After every step it
builds the site twice at the same --now: incrementally (same output folder,
cache kept) and with --no-cache into a fresh folder. Both get --allow-shrink:
what is checked here is that the cache never changes a byte, not the guard
against unpublishing a site (test_publish_safety covers that).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from conftest import BASE_CONFIG, NOW, post, published_paths, run_cli
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from feedpub.build import workers

FEEDPUB = Path(sys.executable).parent / "feedpub"
MANIFEST = ".feedpub-manifest.json"
TIMEOUT = 60  # seconds for any one subprocess; a build of this site takes well under one
# Hundreds of builds, each fsyncing every file it writes: on a busy disk the fsyncs alone take
# seconds, so the sites live in memory where there is a RAM-backed folder. What is compared
# (bytes, stats, the cache) behaves the same there.
SCRATCH = Path("/dev/shm") if os.access("/dev/shm", os.W_OK) else None

# Spellings that must share a feed (case, NFC "é" and NFD "e" + U+0301) next to ones that must not.
TAGS = [
    "Python",
    "python",
    "PYTHON",
    "区块链",
    "金融科技",
    "Caf\u00e9",
    "Cafe\u0301",
    "café",
    "机器学习",
    "Rust",
    "数据 分析",
]
CATEGORIES = ["技术", "Tech", "tech", "生活", "Notes", "笔记"]
BODY_PARTS = [
    "Plain text.",
    "你好，世界。今天讨论区块链。",
    "**备注：**经测试可用。",
    "A [relative link](../other/) and ![a picture](pic.png).",
    "`code` and <em>raw HTML</em>.",
    "\n\n- one\n- 二\n",
    "Footnote[^1].\n\n[^1]: 脚注。",
    "# Heading\n\nParagraph.",
]
# Every post is dated in 2026; the clock ranges from before the first to long after the last.
FIRST_DAY = datetime(2026, 1, 1, tzinfo=UTC)
CLOCKS = [
    datetime(2025, 12, 1, tzinfo=UTC),
    datetime(2026, 3, 15, 12, tzinfo=UTC),
    datetime(2026, 6, 1, tzinfo=UTC),
    datetime(2026, 9, 10, 6, 30, tzinfo=UTC),
    datetime(2026, 11, 24, tzinfo=UTC),
    datetime(2027, 6, 1, tzinfo=UTC),
    datetime(2030, 1, 1, tzinfo=UTC),
]
VARIANTS = ["same", "lower", "upper", "swapcase", "NFC", "NFD", "other"]


@dataclass(frozen=True)
class PostSource:
    """What the machine knows of one post file."""

    title: str
    published: datetime
    offset_hours: int  # the offset the date is written with
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    body: str

    def text(self) -> str:
        local = self.published.astimezone(timezone_of(self.offset_hours))
        return post(
            title=self.title,
            date=local.strftime("%Y-%m-%d %H:%M:%S %z"),
            body=self.body,
            tags=list(self.tags),
            categories=list(self.categories),
        )


def timezone_of(hours: int) -> timezone:
    return timezone(timedelta(hours=hours))


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def variant(name: str, how: str, other: str) -> str:
    """Another spelling of `name`: case-only, NFC/NFD, or a different name altogether."""
    return {
        "same": name,
        "lower": name.lower(),
        "upper": name.upper(),
        "swapcase": name.swapcase(),
        "NFC": unicodedata.normalize("NFC", name),
        "NFD": unicodedata.normalize("NFD", name),
        "other": other,
    }[how]


titles = st.one_of(
    st.sampled_from(["Hello", "你好，世界", "金融科技周报 第 3 期", "A & B <c>", "Café au lait"]),
    st.text(alphabet="abcXYZ金融科技区块链 é&<", min_size=1, max_size=12).filter(lambda t: t.strip() == t and t),
)
bodies = st.lists(st.sampled_from(BODY_PARTS), min_size=1, max_size=4).map("\n\n".join)
instants = st.builds(
    lambda day, minute: FIRST_DAY + timedelta(days=day, minutes=minute),
    st.integers(0, 299),
    st.integers(0, 24 * 60 - 1),
)
post_sources = st.builds(
    PostSource,
    title=titles,
    published=instants,
    offset_hours=st.sampled_from([8, 0, -5]),
    tags=st.lists(st.sampled_from(TAGS), max_size=3).map(tuple),
    categories=st.lists(st.sampled_from(CATEGORIES), max_size=2).map(tuple),
    body=bodies,
)
feed_settings = st.fixed_dictionaries(
    {
        "limit": st.sampled_from([0, 1, 2, 3, 20]),
        "formats": st.lists(st.sampled_from(["atom", "rss", "json"]), min_size=1, max_size=3, unique=True),
        "archive": st.booleans(),
        "archive_taxonomies": st.booleans(),
        "archive_page_size": st.sampled_from([1, 2, 50]),
    }
)


def file_hashes(folder: Path) -> dict[str, str]:
    return {rel: hashlib.sha256((folder / rel).read_bytes()).hexdigest() for rel in published_paths(folder)}


def kill_session(pid: int) -> None:
    """SIGKILL whatever is left of a build this test started (its workers, if any)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class IncrementalBuilds(RuleBasedStateMachine):
    """A site, its published output, and the operations a user, a clock or a crash applies to them."""

    def __init__(self):
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="feedpub-operations-", dir=SCRATCH))
        self.site = self.root / "site"
        self.posts: dict[str, PostSource] = {}  # path relative to posts/ -> source
        self.feeds: dict = {}
        self.now = datetime.fromisoformat(NOW.replace("Z", "+00:00"))
        self.names_made = 0
        self.cold_builds = 0

    def teardown(self):
        shutil.rmtree(self.root, ignore_errors=True)

    # the site on disk ------------------------------------------------------
    @property
    def config(self) -> Path:
        return self.site / "config.yaml"

    @property
    def output(self) -> Path:
        return self.site / "public"

    def write_config(self) -> None:
        config = {**BASE_CONFIG, "feeds": self.feeds}
        self.config.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")

    def write_post(self, name: str, source: PostSource) -> None:
        path = self.site / "posts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source.text(), encoding="utf-8")
        self.posts[name] = source

    def new_name(self, source: PostSource, chinese: bool, nested: bool) -> str:
        self.names_made += 1
        stem = f"文章-{self.names_made}" if chinese else f"post-{self.names_made}"
        # Unique stems keep permalinks (date + slug) unique: duplicate ids are another test's subject.
        name = f"{source.published:%Y-%m-%d}-{stem}.md"
        return f"{source.published:%Y}/{name}" if nested else name

    def pick(self, index: int) -> str:
        return sorted(self.posts)[index % len(self.posts)]

    def has_posts(self) -> bool:
        return bool(self.posts)

    def cache_files(self) -> list[Path]:
        return sorted((self.site / ".feedpub-cache").rglob("cache.sqlite*"))

    # operations ------------------------------------------------------------
    @initialize(sources=st.lists(post_sources, min_size=3, max_size=8), chinese=st.lists(st.booleans(), min_size=8))
    def make_site(self, sources, chinese):
        (self.site / "posts").mkdir(parents=True)
        self.feeds = {"limit": 3, "formats": ["atom", "rss", "json"]}
        self.write_config()
        for source, zh in zip(sources, chinese, strict=False):
            self.write_post(self.new_name(source, zh, nested=False), source)

    @precondition(has_posts)
    @rule(index=st.integers(0, 7), body=bodies)
    def edit_body(self, index, body):
        name = self.pick(index)
        self.write_post(name, replace(self.posts[name], body=body))

    @precondition(has_posts)
    @rule(index=st.integers(0, 7), title=titles)
    def edit_title(self, index, title):
        name = self.pick(index)
        self.write_post(name, replace(self.posts[name], title=title))

    @precondition(lambda self: len(self.posts) < 12)
    @rule(source=post_sources, chinese=st.booleans(), nested=st.booleans())
    def add_post(self, source, chinese, nested):
        self.write_post(self.new_name(source, chinese, nested), source)

    @precondition(has_posts)
    @rule(index=st.integers(0, 7))
    def delete_post(self, index):
        name = self.pick(index)
        (self.site / "posts" / name).unlink()
        del self.posts[name]

    @precondition(has_posts)
    @rule(index=st.integers(0, 7), chinese=st.booleans(), nested=st.booleans())
    def rename_post_file(self, index, chinese, nested):
        name = self.pick(index)
        source = self.posts.pop(name)
        target = self.new_name(source, chinese, nested)
        (self.site / "posts" / target).parent.mkdir(parents=True, exist_ok=True)
        os.rename(self.site / "posts" / name, self.site / "posts" / target)
        self.posts[target] = source

    @precondition(has_posts)
    @rule(
        index=st.integers(0, 7),
        categories=st.booleans(),
        action=st.sampled_from(["add", "remove", "rename", "rename everywhere"]),
        pick=st.integers(0, 10),
        how=st.sampled_from(VARIANTS),
    )
    def retag(self, index, categories, action, pick, how):
        pool = CATEGORIES if categories else TAGS
        key = "categories" if categories else "tags"
        name = self.pick(index)
        names = getattr(self.posts[name], key)
        if action == "add":
            self.write_post(
                name, replace(self.posts[name], **{key: (*names, variant(pool[pick % len(pool)], how, "新标签"))})
            )
            return
        if not names:
            return
        old = names[pick % len(names)]
        new = variant(old, how, pool[pick % len(pool)])
        targets = (
            [n for n in sorted(self.posts) if old in getattr(self.posts[n], key)]
            if action == "rename everywhere"
            else [name]
        )
        for target in targets:
            current = list(getattr(self.posts[target], key))
            position = current.index(old)
            if action == "remove":
                del current[position]
            else:
                current[position] = new
            self.write_post(target, replace(self.posts[target], **{key: tuple(current)}))

    @rule(
        what=st.sampled_from(["post", "config", "output"]),
        index=st.integers(0, 30),
        seconds=st.sampled_from([-3600, 1, 7]),
    )
    def touch(self, what, index, seconds):
        """A new mtime, the same bytes (a checkout, a backup restore, `touch`)."""
        if what == "post" and self.posts:
            path = self.site / "posts" / self.pick(index)
        elif what == "output" and self.output.is_dir() and published_paths(self.output):
            path = self.output / sorted(published_paths(self.output))[index % len(published_paths(self.output))]
        else:
            path = self.config
        info = path.stat()
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + seconds * 1_000_000_000))

    @rule(feeds=feed_settings)
    def change_config(self, feeds):
        self.feeds = feeds
        self.write_config()

    @rule(instant=st.sampled_from(CLOCKS))
    def set_clock(self, instant):
        self.now = instant

    @precondition(has_posts)
    @rule(index=st.integers(0, 7), seconds=st.sampled_from([-1, 0, 1]))
    def set_clock_at_a_post(self, index, seconds):
        """The clock on a post's own date, or one second either side: the edge of being shown."""
        self.now = self.posts[self.pick(index)].published + timedelta(seconds=seconds)

    @rule(delete=st.booleans(), where=st.floats(0, 1), garbage=st.binary(min_size=1, max_size=64))
    def damage_cache(self, delete, where, garbage):
        """Delete the cache, or overwrite one whole page in the middle of it with garbage.

        A whole page, because its header then no longer reads as one and SQLite says the
        file is corrupt. Bytes changed inside a row are not noticed at all (see
        test_bytes_changed_inside_a_cached_entry_are_not_published): with those, this
        machine would only find that one discrepancy again and again.
        """
        for database in [p for p in self.cache_files() if p.name == "cache.sqlite"]:
            if delete:
                for path in database.parent.glob("cache.sqlite*"):
                    path.unlink()
                continue
            with open(database, "r+b") as handle:
                header = handle.read(100)
                page = int.from_bytes(header[16:18], "big") if len(header) == 100 else 4096
                page = 65536 if page == 1 else page  # how SQLite's header writes 65536
                pages = handle.seek(0, os.SEEK_END) // max(page, 1)
                if pages < 2:
                    continue
                handle.seek(page * (1 + int((pages - 2) * where)))  # never page 1, which holds the header
                handle.write((garbage * (page // len(garbage) + 1))[:page])

    @rule(
        after_start=st.booleans(),
        delay=st.floats(0, 0.5),
        edit_first=st.booleans(),
        index=st.integers(0, 7),
        body=bodies,
    )
    def kill_a_build(self, after_start, delay, edit_first, index, body):
        """SIGKILL a build from outside; the next step's build must recover.

        Python starts in about 0.3 s and the build takes a few tens of ms, so
        half the kills wait for the build to open its cache (its WAL file,
        or a new cache's journal, appears) and then strike within a few ms, inside the build.
        """
        if edit_first and self.posts:
            self.edit_body(index, body)
        command = [FEEDPUB, "build", "-c", self.config, "--now", iso(self.now), "--allow-shrink", "-q"]
        build = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            if after_start:
                self.wait_for_cache_opened(build)
                time.sleep(delay / 20)
            else:
                time.sleep(delay)
            build.send_signal(signal.SIGKILL)
            code = build.wait(timeout=TIMEOUT)
        finally:
            kill_session(build.pid)
        assert code in (0, -signal.SIGKILL), f"the build to kill exited {code}"
        event("killed build: " + ("finished first" if code == 0 else "killed"))

    def wait_for_cache_opened(self, build: subprocess.Popen) -> None:
        deadline = time.monotonic() + TIMEOUT
        while build.poll() is None and time.monotonic() < deadline:
            if any(path.name.endswith(("-wal", "-journal")) for path in self.cache_files()):
                return
            time.sleep(0.0005)

    # the check after every step ----------------------------------------------
    @invariant()
    def incremental_build_matches_a_cold_build(self):
        now = iso(self.now)
        incremental = run_cli("build", "-c", self.config, "--now", now, "--allow-shrink", "-q")
        self.cold_builds += 1
        cold_output = self.root / f"cold-{self.cold_builds}"
        cold = run_cli(
            "build", "-c", self.config, "-o", cold_output, "--no-cache", "--now", now, "--allow-shrink", "-q"
        )
        try:
            assert incremental.exit_code == cold.exit_code, (incremental.stderr, cold.stderr)
            assert incremental.exit_code in (0, 1), incremental.stderr  # 1: content errors, as in the cold build
            if incremental.exit_code == 0:
                incremental_files = {rel: (self.output / rel).read_bytes() for rel in published_paths(self.output)}
                cold_files = {rel: (cold_output / rel).read_bytes() for rel in published_paths(cold_output)}
                assert sorted(incremental_files) == sorted(cold_files)
                for rel, data in cold_files.items():
                    assert incremental_files[rel] == data, f"{rel} differs from the cold build's"
            manifest = self.output / MANIFEST
            listed = json.loads(manifest.read_text("utf-8"))["files"] if manifest.exists() else {}
            assert listed == file_hashes(self.output), "the manifest does not list exactly the published files"
        finally:
            shutil.rmtree(cold_output, ignore_errors=True)


FAST = settings(
    max_examples=8,
    stateful_step_count=6,
    deadline=None,
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
THOROUGH = settings(
    FAST,
    max_examples=60,
    stateful_step_count=25,
)


def test_incremental_builds_publish_what_cold_builds_publish():
    run_state_machine_as_test(IncrementalBuilds, settings=FAST)


@pytest.mark.slow  # about 2 minutes: 60 sequences of up to 25 operations, two builds after each
def test_incremental_builds_publish_what_cold_builds_publish_over_long_sequences():
    run_state_machine_as_test(IncrementalBuilds, settings=THOROUGH)


def published_bytes(folder: Path) -> dict[str, bytes]:
    return {rel: (folder / rel).read_bytes() for rel in sorted(published_paths(folder))}


def test_an_edit_that_keeps_the_size_and_the_mtime_is_published(site, tmp_path):
    config = site({"2026-01-30-hello.md": post("Hello", "2026-01-30", "The old text.", tags=["Python", "区块链"])})
    assert run_cli("build", "-c", config, "--now", NOW).exit_code == 0
    path = config.parent / "posts" / "2026-01-30-hello.md"
    before = path.stat()
    path.write_text(post("Hello", "2026-01-30", "The new text.", tags=["Python", "区块链"]), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size

    incremental = run_cli("build", "-c", config, "--now", NOW)
    cold = run_cli("build", "-c", config, "-o", tmp_path / "cold", "--no-cache", "--now", NOW)

    assert incremental.exit_code == cold.exit_code == 0
    assert published_bytes(config.parent / "public") == published_bytes(tmp_path / "cold")


def test_an_edit_the_stat_cannot_show_is_published(site, tmp_path):
    """A second edit within the same timestamp tick (coarse file systems) leaves the stat as it was.

    No user-space call can put a ctime back, so the cache row is made to hold the
    edited file's stat instead: the build must look at the bytes of a post
    whose stat is as recent as the last build's look at it.
    """
    config = site({"2026-01-30-hello.md": post("Hello", "2026-01-30", "The old text.", tags=["Python"])})
    assert run_cli("build", "-c", config, "--now", NOW).exit_code == 0
    path = config.parent / "posts" / "2026-01-30-hello.md"
    path.write_text(post("Hello", "2026-01-30", "The new text.", tags=["Python"]), encoding="utf-8")
    info = path.stat()
    (database,) = (config.parent / ".feedpub-cache").rglob("cache.sqlite")
    with sqlite3.connect(database) as db:
        db.execute(
            "UPDATE posts SET mtime_ns = ?, ctime_ns = ?, size = ?, inode = ?",
            (info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino),
        )
        db.execute("UPDATE meta SET value = ? WHERE key = 'looked_at'", (str(info.st_mtime_ns),))

    incremental = run_cli("build", "-c", config, "--now", NOW)
    cold = run_cli("build", "-c", config, "-o", tmp_path / "cold", "--no-cache", "--now", NOW)

    assert incremental.exit_code == cold.exit_code == 0
    assert b"The new text." in (config.parent / "public" / "atom.xml").read_bytes()
    assert published_bytes(config.parent / "public") == published_bytes(tmp_path / "cold")


def test_a_fresh_checkout_with_a_restored_cache_parses_no_post_again(site, monkeypatch):
    """CI restores the cache into a new clone: every post has a new mtime, ctime and inode, and the same bytes."""
    config = site(
        {
            "2026-01-30-hello.md": post("Hello", "2026-01-30", "Some text.", tags=["Python", "区块链"]),
            "2026-01-31-again.md": post("Again", "2026-01-31", "More text.", tags=["Python"]),
        }
    )
    assert run_cli("build", "-c", config, "--now", NOW).exit_code == 0
    published = published_bytes(config.parent / "public")
    for path in (config.parent / "posts").glob("*.md"):  # as git checkout writes a file: a new one, renamed
        fresh = path.with_suffix(".tmp")
        fresh.write_bytes(path.read_bytes())
        fresh.replace(path)
    parsed: list[Path] = []
    real_parse_posts = workers.parse_posts

    def recording_parse_posts(paths, *args):
        parsed.extend(paths)
        return real_parse_posts(paths, *args)

    monkeypatch.setattr(workers, "parse_posts", recording_parse_posts)

    result = run_cli("build", "-c", config, "--now", NOW)

    assert result.exit_code == 0, result.output
    assert parsed == []
    assert published_bytes(config.parent / "public") == published


def test_bytes_changed_inside_a_cached_entry_are_not_published(site, tmp_path):
    config = site({"2026-01-30-hello.md": post("Hello", "2026-01-30", "Zebra text.", tags=["Python"])})
    assert run_cli("build", "-c", config, "--now", NOW).exit_code == 0
    (database,) = (config.parent / ".feedpub-cache").rglob("cache.sqlite")
    database.write_bytes(database.read_bytes().replace(b"Zebra", b"Zelda"))  # same length: pages stay valid
    feed = config.parent / "public" / "atom.xml"
    info = feed.stat()
    os.utime(feed, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))  # so the feeds are assembled again

    incremental = run_cli("build", "-c", config, "--now", NOW)
    cold = run_cli("build", "-c", config, "-o", tmp_path / "cold", "--no-cache", "--now", NOW)

    assert incremental.exit_code == cold.exit_code == 0
    assert "does not match its checksum" in incremental.stderr
    assert published_bytes(config.parent / "public") == published_bytes(tmp_path / "cold")
