"""Two builds on one output folder never interleave (README, Reliability: Lock).

Every build here is a real `feedpub` process; the lock is an OS `flock` on
`output/.feedpub.lock`, which the tests also take themselves.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import bigsite
from conftest import NOW, post, write_site
from feedcheck import assert_valid_feed

FEEDPUB = Path(sys.executable).parent / "feedpub"
LOCK = ".feedpub.lock"
MANIFEST = ".feedpub-manifest.json"
TIMEOUT = 120  # seconds any one feedpub process may take before the test fails


def feedpub(config: Path, output: Path, *args: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [FEEDPUB, "build", "-c", config, "-o", output, "--now", NOW, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start(config: Path, output: Path, *args: str, pipes: bool = True) -> subprocess.Popen:
    # Its own session, so the test can clean up any worker processes it leaves behind.
    # Without pipes for a build the test kills: its orphans would hold them open.
    stream = subprocess.PIPE if pipes else subprocess.DEVNULL
    return subprocess.Popen(
        [FEEDPUB, "build", "-c", config, "-o", output, "--now", NOW, *args],
        stdout=stream,
        stderr=stream,
        text=True,
        start_new_session=True,
    )


def kill_session(pid: int) -> None:
    """SIGKILL whatever is left of a session this test started (the build's workers)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `folder`: its bytes and mtime."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def contents(folder: Path, skip: tuple[str, ...] = (LOCK,)) -> dict[str, bytes]:
    return {rel: data for rel, (data, _) in snapshot(folder).items() if rel not in skip}


def published(folder: Path) -> list[str]:
    """The files feedpub says it published there (its manifest)."""
    return sorted(json.loads((folder / MANIFEST).read_text("utf-8"))["files"])


def is_xml_feed(rel: str) -> bool:
    return rel.rsplit("/", 1)[-1] in ("atom.xml", "rss.xml")


def small_site(root: Path) -> Path:
    return write_site(
        root,
        {
            "2026-01-10-first.md": post("First", "2026-01-10", tags=["alpha", "beta"], categories=["news"]),
            "2026-01-20-second.md": post("Second", "2026-01-20", tags=["beta"]),
            "2026-01-30-third.md": post("Third", "2026-01-30", tags=["gamma"], categories=["news"]),
        },
    )


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(c) for c in (task / "children").read_text().split())
        except OSError:
            pass
    return found


def test_a_build_gives_up_with_exit_3_while_another_holds_the_lock_and_changes_nothing(tmp_path):
    config = small_site(tmp_path / "site")
    out = tmp_path / "out"
    assert feedpub(config, out).returncode == 0
    # An edit, so the blocked build would have rewritten feeds had it run.
    (config.parent / "posts" / "2026-01-30-third.md").write_text(post("Third, edited", "2026-01-30", tags=["gamma"]))
    before = snapshot(out)

    with open(out / LOCK, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        blocked = feedpub(config, out, "--wait", "0.5")
        after_blocked = snapshot(out)

    assert blocked.returncode == 3, blocked.stderr
    assert "another" in blocked.stderr and "lock" in blocked.stderr, blocked.stderr
    assert "Traceback" not in blocked.stdout + blocked.stderr
    assert after_blocked == before

    released = feedpub(config, out, "--wait", "0.5")
    assert released.returncode == 0, released.stderr
    assert b"Third, edited" in (out / "atom.xml").read_bytes()
    assert_valid_feed(out / "atom.xml")


def test_two_builds_started_together_both_succeed_one_after_the_other(tmp_path):
    config = bigsite.write_bigsite(tmp_path / "site", 300, tag_count=30)
    reference = tmp_path / "reference"
    assert feedpub(config, reference).returncode == 0
    out = tmp_path / "out"

    builds = [start(config, out, "--json") for _ in range(2)]
    try:
        results = [(b.communicate(timeout=TIMEOUT), b.returncode) for b in builds]
    finally:
        for b in builds:
            kill_session(b.pid)

    for (stdout, stderr), code in results:
        assert code == 0, stderr
        assert "Traceback" not in stdout + stderr
    summaries = [json.loads(stdout) for (stdout, _), _ in results]
    files = published(reference)
    # Serialised by the lock: one build wrote every file, the other found them all written.
    assert sorted(len(s["written"]) for s in summaries) == [0, len(files)]
    assert contents(out) == contents(reference)
    for rel in filter(is_xml_feed, files):
        assert_valid_feed(out / rel)


def test_a_lock_file_left_by_a_killed_process_does_not_block_the_next_build(tmp_path):
    config = small_site(tmp_path / "site")
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time\n"
            "handle = open(sys.argv[1], 'a+b')\n"
            "fcntl.flock(handle, fcntl.LOCK_EX)\n"
            "print('locked', flush=True)\n"
            "time.sleep(120)\n",
            str(out / LOCK),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        ready, _, _ = select.select([holder.stdout], [], [], 30)
        assert ready and holder.stdout.readline().strip() == "locked"
        assert feedpub(config, out, "--wait", "0").returncode == 3  # the holder's lock is real
    finally:
        holder.kill()
        holder.wait(timeout=30)

    assert (out / LOCK).exists()
    result = feedpub(config, out, "--wait", "0")
    assert result.returncode == 0, result.stderr
    assert_valid_feed(out / "atom.xml")


def test_a_build_killed_while_its_workers_run_does_not_block_the_next_build(tmp_path):
    # Big enough that feedpub spreads the work over worker processes.
    config = bigsite.write_bigsite(tmp_path / "site", 1500, tag_count=40)
    out = tmp_path / "out"
    build = start(config, out, pipes=False)
    try:
        deadline = time.monotonic() + 60
        while build.poll() is None and not children(build.pid) and time.monotonic() < deadline:
            time.sleep(0.005)
        build.send_signal(signal.SIGKILL)
        build.wait(timeout=TIMEOUT)
        # The next build: it may have to clean up, but must not find the folder locked.
        result = feedpub(config, out, "--wait", "5")
    finally:
        kill_session(build.pid)

    assert result.returncode == 0, result.stderr
    assert_valid_feed(out / "atom.xml")
