"""A cold build does each piece of work once: counted, not timed.

Timings live in bench/run.py; these tests guard the structure that makes a
cold build fast, so that a change that brings back repeated work fails here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest
from conftest import NOW, post, run_cli, write_site

from feedpub.sources import files, posts

POSTS = 30


@pytest.fixture
def counted(monkeypatch):
    """Counts calls of the functions a build should call once per post."""
    calls: Counter[str] = Counter()

    def counting(name, function):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(files, "load_yaml", counting("front matter parsed", files.load_yaml))
    monkeypatch.setattr(posts, "read_body", counting("body read again", posts.read_body))
    return calls


def site_of(tmp_path, count: int = POSTS):
    written = {
        f"2026-01-{day % 28 + 1:02d}-post-{day}.md": post(
            f"Post {day}", f"2026-01-{day % 28 + 1:02d}", f"Body {day} with *Markdown*.", tags=[f"t{day % 3}"]
        )
        for day in range(count)
    }
    return write_site(tmp_path / "site", written, {"feeds": {"limit": 100}})


def test_a_cold_build_parses_each_posts_front_matter_once(tmp_path, counted):
    config = site_of(tmp_path)

    result = run_cli("build", "-c", config, "--now", NOW, "--jobs", "1", "-q")

    assert result.exit_code == 0, result.stderr
    assert counted["front matter parsed"] == POSTS
    assert counted["body read again"] == POSTS  # each shown post's body, for its one rendering


def test_feedgen_writes_a_whole_feed_once_per_document_not_once_per_entry(tmp_path, monkeypatch):
    from feedgen.feed import FeedGenerator

    written: Counter[str] = Counter()
    for method in ("atom_str", "rss_str"):
        monkeypatch.setattr(FeedGenerator, method, counting_calls(getattr(FeedGenerator, method), written, method))
    config = site_of(tmp_path)

    result = run_cli("build", "-c", config, "--now", NOW, "--jobs", "1", "--json")

    assert result.exit_code == 0, result.stderr
    documents = json.loads(result.stdout)["written"]
    # One head per Atom or RSS document, and at most one empty feed per format whose root the entries are
    # written in (made once a process, so perhaps already by an earlier test): not one per entry (30 posts).
    for method, name in (("atom_str", "atom.xml"), ("rss_str", "rss.xml")):
        heads = sum(rel.endswith(name) for rel in documents)
        assert heads <= written[method] <= heads + 1


def test_feed_files_are_assembled_and_staged_on_the_workers_when_a_build_has_a_pool(tmp_path, monkeypatch):
    from feedpub.build import pool

    mapped: Counter[str] = Counter()
    monkeypatch.setattr(pool, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(pool.Workers, "_bounded", counting_calls(pool.Workers._bounded, mapped, by_argument=1))
    config = site_of(tmp_path)

    assert run_cli("build", "-c", config, "--now", NOW, "--jobs", "2", "-q").exit_code == 0
    assert set(mapped) == {"parse_job", "render_batch", "stage_documents"}


def test_a_new_cache_is_written_once_through_a_rollback_journal_and_later_builds_use_a_wal(tmp_path):
    import sqlite3

    config = site_of(tmp_path)

    def journal_mode() -> str:
        (database,) = (config.parent / ".feedpub-cache").rglob("cache.sqlite")
        with sqlite3.connect(database) as db:
            return db.execute("PRAGMA journal_mode").fetchone()[0]

    assert run_cli("build", "-c", config, "--now", NOW, "-q").exit_code == 0
    assert journal_mode() == "delete"  # a WAL would hold every page once more, until a checkpoint at close
    (config.parent / "posts" / "2026-01-01-post-0.md").write_text(post("Edited", "2026-01-01", "New."), "utf-8")
    assert run_cli("build", "-c", config, "--now", NOW, "-q").exit_code == 0
    assert journal_mode() == "wal"


def counting_calls(function, calls: Counter[str], name: str = "", by_argument: int | None = None):
    """`function`, counting its calls in `calls` under `name`, or under the name of its argument `by_argument`."""

    def wrapper(*args, **kwargs):
        func = args[by_argument] if by_argument is not None else None
        # Workers.map hands its function on wrapped in a functools.partial: count it by the function's name.
        calls[name or getattr(func, "__name__", None) or func.args[0].__name__] += 1
        return function(*args, **kwargs)

    return wrapper


def test_a_post_edited_between_reading_and_rendering_is_read_in_full(tmp_path, monkeypatch):
    config = site_of(tmp_path, 1)
    path = next((config.parent / "posts").glob("*.md"))
    read_body = files.read_body

    def edited_first(file, sha, line):
        path.write_text(post("Post 0", "2026-01-01", "Edited body."), encoding="utf-8")
        return read_body(file, sha, line)

    monkeypatch.setattr(posts, "read_body", edited_first)
    out = tmp_path / "out"

    result = run_cli("build", "-c", config, "-o", out, "--now", NOW, "--jobs", "1", "-q")

    assert result.exit_code == 0, result.stderr
    assert "Edited body." in (out / "atom.xml").read_text("utf-8")


HEAVY_MODULES = ("liquid", "markdown", "markdown_it", "feedgen", "selectolax", "cmarkgfm", "lxml")
# Nor what only a build with posts to read or files to write needs: date parsing beyond ISO, worker processes
# and writer threads.
WORKING_MODULES = ("dateutil", "multiprocessing", "concurrent", "ctypes")
NO_OP_PROBE = """
import sys
from feedpub.cli import main
try:
    main(["build", "-c", sys.argv[1], "--now", sys.argv[2], "-q"], prog_name="feedpub")
except SystemExit as exit:
    assert not exit.code, exit.code
print(" ".join(sorted({name.split(".")[0] for name in sys.modules} & set(sys.argv[3:]))))
"""


def test_a_no_op_build_loads_no_markdown_liquid_feed_or_worker_code(tmp_path):
    config = site_of(tmp_path)
    assert run_cli("build", "-c", config, "--now", NOW, "-q").exit_code == 0

    probe = subprocess.run(
        [sys.executable, "-c", NO_OP_PROBE, str(config), NOW, *HEAVY_MODULES, *WORKING_MODULES],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == []  # and a build with work to do loads them: see the first test


def test_a_workers_chunk_runs_without_the_cycle_collector_and_turns_it_back_on():
    import gc

    from feedpub.build.pool import _run_chunk

    assert _run_chunk(lambda chunk: [gc.isenabled() for _ in chunk], [1, 2]) == [False, False]
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError):
        _run_chunk(lambda chunk: [1 / n for n in chunk], [0])
    assert gc.isenabled()


@pytest.mark.parametrize("before", [True, False])
def test_the_cycle_collector_is_off_while_a_build_runs_and_as_it_was_after(tmp_path, monkeypatch, before):
    import gc

    from feedpub.build import pipeline

    collections_during_build = []
    running = []
    run = pipeline._Build.run

    def watched_run(self):
        running.append(True)
        try:
            return run(self)
        finally:
            running.pop()

    def on_collection(phase, info):
        if phase == "start" and running:
            collections_during_build.append(info["generation"])

    monkeypatch.setattr(pipeline._Build, "run", watched_run)
    gc.callbacks.append(on_collection)
    (gc.enable if before else gc.disable)()
    try:
        result = run_cli("build", "-c", site_of(tmp_path), "--now", NOW, "--jobs", "1", "-q")
        after = gc.isenabled()
    finally:
        gc.callbacks.remove(on_collection)
        gc.enable()

    assert result.exit_code == 0, result.stderr
    assert collections_during_build == []
    assert after == before
