"""A build killed at any moment leaves each feed entirely old or entirely new.

README, Reliability: Atomic. The site is tests/bigsite.py: N_POSTS posts with
nine tags each out of N_TAGS, sized so that a cold build takes about 1-1.3 s on
two cores (measured), so that kills land in every stage: start-up, reading,
rendering, staging, renaming, stale removal and the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import bigsite
import pytest
from conftest import NOW, post, write_site
from feedcheck import assert_valid_feed

FEEDPUB = Path(sys.executable).parent / "feedpub"
MANIFEST = ".feedpub-manifest.json"
LOCK = ".feedpub.lock"
TEMP_MARK = ".feedpub-tmp-"  # .NAME.feedpub-tmp-PID: the new version of NAME, before its rename
OLD_MARK = ".feedpub-old-"  # .NAME.feedpub-old-PID: the version it replaces, kept until the build ends
N_POSTS = 3000
N_TAGS = 80
TIMEOUT = 120


def build_command(config: Path, output: Path, *args: str) -> list:
    return [FEEDPUB, "build", "-c", config, "-o", output, "--now", NOW, "--wait", "30", *args]


def feedpub(config: Path, output: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(build_command(config, output, *args), capture_output=True, text=True, timeout=TIMEOUT)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def published(folder: Path) -> dict[str, bytes]:
    """The files feedpub published there, as its manifest lists them."""
    names = json.loads((folder / MANIFEST).read_text("utf-8"))["files"]
    return {rel: (folder / rel).read_bytes() for rel in names}


def is_temporary(rel: str) -> bool:
    return TEMP_MARK in rel or OLD_MARK in rel


def is_xml_feed(rel: str) -> bool:
    return rel.rsplit("/", 1)[-1] in ("atom.xml", "rss.xml")


def kill_session(pid: int) -> None:
    """SIGKILL whatever is left of a session this test started (a killed build's workers)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def replace_tree(source: Path, target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, symlinks=True)


def wait_until(build: subprocess.Popen, condition) -> None:
    """Return once `condition()` holds, or the build has ended."""
    deadline = time.monotonic() + TIMEOUT
    while build.poll() is None and time.monotonic() < deadline:
        try:
            if condition():
                return
        except FileNotFoundError:
            pass
        time.sleep(0.0005)


class Versions:
    """Every file's allowed contents after a kill: its old bytes or its new bytes."""

    def __init__(self, old: Path, new: Path):
        self.old, self.new = published(old), published(new)
        self.valid: set[str] = set()  # digests of feed bytes that passed assert_valid_feed

    def check_feed_is_valid(self, path: Path, data: bytes) -> None:
        # Validation depends on the bytes alone, so each distinct content is validated once.
        if sha(data) not in self.valid:
            assert_valid_feed(path)
            self.valid.add(sha(data))

    def check(self, out: Path, moment: str) -> None:
        found = {rel: data for rel, data in files(out).items() if not is_temporary(rel) and rel != LOCK}
        assert MANIFEST in found, f"{moment}: the manifest is gone"
        manifest = json.loads(found.pop(MANIFEST))
        for rel, data in found.items():
            allowed = [v for v in (self.old.get(rel), self.new.get(rel)) if v is not None]
            assert allowed, f"{moment}: {rel} is neither an old nor a new file"
            assert data in allowed, f"{moment}: {rel} is neither entirely old nor entirely new"
            if is_xml_feed(rel):
                self.check_feed_is_valid(out / rel, data)
        for rel in self.old.keys() & self.new.keys():
            assert rel in found, f"{moment}: {rel}, in both versions, is missing"
        self.check_manifest(manifest, found, moment)

    def check_manifest(self, manifest: dict, found: dict[str, bytes], moment: str) -> None:
        """The manifest a killed build left, maybe one written between the old and the new, must let
        the next build recognise every file on disk as its own, and know no hash but old and new ones."""
        listed, also = manifest["files"], manifest.get("also", {})
        for rel, digest in listed.items():
            known = {digest, *also.get(rel, [])}
            versions = {sha(v) for v in (self.old.get(rel), self.new.get(rel)) if v is not None}
            assert known <= versions, f"{moment}: the manifest knows {rel} by a hash of neither version"
            if rel in found:
                assert sha(found[rel]) in known, f"{moment}: the manifest would not know {rel} as feedpub's"
        unlisted = sorted(set(found) - set(listed))
        assert unlisted == [], f"{moment}: files no build would ever update or remove: {unlisted[:5]}"


@pytest.mark.slow  # about 25 s: two cold builds of 3000 posts, then 16 killed ones
def test_a_build_killed_at_any_moment_leaves_each_feed_entirely_old_or_entirely_new(tmp_path):
    site = tmp_path / "site"
    out = site / "public"
    config = bigsite.write_bigsite(site, N_POSTS, version=1, tag_count=N_TAGS)
    first = feedpub(config, out)
    assert first.returncode == 0, first.stderr

    bigsite.write_bigsite(site, N_POSTS, version=2, tag_count=N_TAGS)
    reference = tmp_path / "reference"  # a clean build of the edited site: the new versions
    started = time.monotonic()
    clean = feedpub(config, reference)
    duration = time.monotonic() - started
    assert clean.returncode == 0, clean.stderr

    versions = Versions(out, reference)
    assert versions.old.keys() != versions.new.keys()  # files appear and disappear, too
    for rel in filter(is_xml_feed, versions.new):
        assert versions.new[rel] != versions.old.get(rel), f"{rel} would not be rewritten"
    for folder in (out, reference):
        for rel in filter(is_xml_feed, published(folder)):
            versions.check_feed_is_valid(folder / rel, (folder / rel).read_bytes())

    # Everything a build keeps beside the posts (output, cache), as the good build left it.
    kept = [p.name for p in site.iterdir() if p.name not in ("posts", "config.yaml")]
    saved = tmp_path / "saved"
    for name in kept:
        replace_tree(site / name, saved / name)

    # Kills spread over the whole build (and a little past it), then more in the short
    # stretch where files are written: counted from the first temporary file, and from
    # the first feed renamed into place (the stretch where old and new files mix).
    plan = [("start", duration * 1.1 * i / 5) for i in range(6)]
    plan += [("first temporary file", duration * 0.3 * i / 5) for i in range(6)]
    plan += [("first rename", 0.002 * i) for i in (0, 1, 3, 0)]
    killed = 0
    for number, (trigger, delay) in enumerate(plan):
        for name in kept:
            replace_tree(saved / name, site / name)
        site_feed = os.stat(out / "atom.xml").st_ino
        build = subprocess.Popen(
            build_command(config, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        try:
            if trigger == "first temporary file":
                wait_until(build, lambda: any(TEMP_MARK in name for name in os.listdir(out)))
            elif trigger == "first rename":
                wait_until(build, lambda inode=site_feed: os.stat(out / "atom.xml").st_ino != inode)
            time.sleep(delay)
            build.send_signal(signal.SIGKILL)
            code = build.wait(timeout=TIMEOUT)
        finally:
            kill_session(build.pid)  # whether they block the next build is test_concurrency's job
        killed += code == -signal.SIGKILL
        assert code in (0, -signal.SIGKILL), f"kill {number}: the build exited {code}"
        versions.check(out, f"after kill {number} ({trigger} + {delay:.3f}s)")
    assert killed >= len(plan) // 4  # the test is not vacuous: kills did interrupt builds

    final = feedpub(config, out)
    assert final.returncode == 0, final.stderr
    left = files(out)
    assert [rel for rel in left if is_temporary(rel)] == []
    assert set(left) == set(files(reference))
    assert {rel: data for rel, data in left.items() if rel != LOCK} == {
        rel: data for rel, data in files(reference).items() if rel != LOCK
    }


def test_the_next_build_removes_temporary_files_a_killed_build_left(tmp_path):
    config = write_site(
        tmp_path / "site",
        {
            "a.md": post("A", "2026-01-10", tags=["x"]),
            "b.md": post("B", "2026-01-20", tags=["y"]),
        },
    )
    out = tmp_path / "out"
    assert feedpub(config, out).returncode == 0
    before = files(out)
    leftovers = [
        out / f".atom.xml{TEMP_MARK}4242",
        out / "tags" / "x" / f".rss.xml{TEMP_MARK}4243",
        out / f"{MANIFEST}{TEMP_MARK}4244",
        out / "tags" / "y" / f".atom.xml{OLD_MARK}4245",
    ]
    for path in leftovers:
        path.write_bytes(b"<?xml version='1.0'?><feed>half a fee")

    result = feedpub(config, out)

    assert result.returncode == 0, result.stderr
    assert [path for path in leftovers if path.exists()] == []
    assert files(out) == before
