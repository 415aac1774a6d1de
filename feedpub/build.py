"""The one orchestrating function: config and a clock reading in, a Report out."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .feeds import FILENAMES, emit
from .feeds.entries import EntryXml, build_entry
from .model import Config, FeedSpec, Post, Problem, Report
from .output import Publication, build_lock, prepare_output_dir
from .plan import plan_feeds, visible_posts
from .posts import read_posts
from .render import render_post


@dataclass(frozen=True, slots=True)
class BuildOptions:
    now: datetime
    drafts: bool = False
    wait_seconds: float = 60.0
    keep_going: bool | None = None  # None: as config.keep_going says


def build(config: Config, options: BuildOptions) -> Report:
    """Read every post, plan the feeds and publish them into config.output_dir.

    Publishes nothing when a post has an error, unless keep_going, in which
    case the broken posts are left out and listed in Report.posts_skipped.
    Raises output.OutputError or output.LockTimeout when the folder cannot be written.
    """
    started = time.perf_counter()
    timer = _StageTimer()
    posts, problems, found = read_posts(config)
    timer.lap("collect")
    keep_going = config.keep_going if options.keep_going is None else options.keep_going
    broken = _paths_with_errors(problems)
    if broken and not keep_going:
        return Report(posts_read=found, problems=tuple(problems), seconds=time.perf_counter() - started)
    feeds, plan_problems = plan_feeds(config, visible_posts(posts, options.now, options.drafts))
    problems.extend(plan_problems)
    if plan_problems:
        return Report(posts_read=found, problems=tuple(problems), seconds=time.perf_counter() - started)
    entries = render_entries(config, feeds, problems)
    timer.lap("render")
    written, unchanged, removed = publish(config, feeds, entries, options.wait_seconds, timer)
    return Report(
        written=tuple(written), unchanged=tuple(unchanged), removed=tuple(removed),
        posts_read=found, posts_skipped=tuple(sorted(broken)), problems=tuple(problems),
        seconds=time.perf_counter() - started, stage_seconds=timer.laps,
    )


def render_entries(config: Config, feeds: list[FeedSpec], problems: list[Problem]) -> dict[str, EntryXml]:
    """Render each post that some feed shows, once, however many feeds show it."""
    shown: dict[str, Post] = {}
    for feed in feeds:
        for post in feed.entries:
            shown.setdefault(post.entry_id, post)
    full = config.feeds.content == "full"
    return {
        entry_id: build_entry(post, render_post(post, config.markdown_extensions), config.site, full)
        for entry_id, post in shown.items()
    }


def publish(config: Config, feeds: list[FeedSpec], entries: dict[str, EntryXml],
            wait_seconds: float, timer: "_StageTimer") -> tuple[list[str], list[str], list[str]]:
    """Write every feed file atomically under the output lock."""
    prepare_output_dir(config.output_dir)
    with build_lock(config.output_dir, wait_seconds):
        publication = Publication.open(config.output_dir)
        try:
            for feed in feeds:
                for fmt in config.feeds.formats:
                    data = emit(fmt, feed, config.site, entries)
                    timer.lap("emit")
                    publication.stage(feed.file(FILENAMES[fmt]), data)
                    timer.lap("write")
        except BaseException:
            publication.abort()
            raise
        written, removed = publication.commit(delete_stale=config.stale_feeds == "delete")
        timer.lap("write")
    return written, publication.unchanged, removed


def _paths_with_errors(problems: list[Problem]) -> set[Path]:
    return {p.path for p in problems if p.severity == "error" and p.path is not None}


class _StageTimer:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = self.laps.get(stage, 0.0) + now - self._last
        self._last = now
