"""The one orchestrating function: config and a clock reading in, a Report out.

Work is never done twice: an unchanged post is not parsed again, a shown post
is rendered once however many feeds show it (and never again while it is
unchanged), and a feed whose inputs did not change is not even assembled.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from types import ModuleType

from feedpub.build.caching import open_cache, unusable_warning
from feedpub.build.pool import Workers
from feedpub.feeds import FILENAMES, OPML_FILENAME, PAGE_FILENAME
from feedpub.model import Config, FeedSpec, Post, Problem, Report
from feedpub.plan import STYLESHEET, plan_feeds, plan_leaving_out_conflicts, site_visibility, visible_posts
from feedpub.publish.cache import Cache, CacheError, FileStat
from feedpub.publish.folder import OutputError, build_lock, prepare_output_dir
from feedpub.publish.manifest import Manifest, manifest_problem, read_manifest
from feedpub.publish.output import Publication
from feedpub.sources.config import ConfigError
from feedpub.sources.files import file_sha, post_files


@dataclass(frozen=True, slots=True)
class BuildOptions:
    now: datetime
    drafts: bool = False
    wait_seconds: float = 60.0
    keep_going: bool | None = None  # None: as config.keep_going says
    use_cache: bool = True
    jobs: int | None = None  # worker processes; None: one per core
    allow_shrink: bool = False  # publish even when that removes most of what is published (see BuildRefused)
    # Called from this process as (stage, done, total) while a build works; for a progress bar.
    progress: Callable[[str, int, int], None] | None = None


# A build may remove at most this share of the files published, unless told it is meant:
# an unmounted disk, a failed checkout or a mistaken --now looks like a site that lost its posts.
SHRINK_LIMIT = 0.5

# A post whose mtime or ctime is this close to the moment a build looked at it may be edited again
# within the same timestamp tick (2 s on FAT, 1 s on ext3, HFS+ and some network mounts) and keep
# its size: its stat cannot tell, so the next build compares its bytes instead (git's "racy clean").
RACY_WINDOW_NS = 2_000_000_000


class BuildRefused(Exception):
    """The build would remove most of what is published, and nobody said that is meant.

    Nothing was written. `would_remove` lists the files (relative paths) that
    would go; `report` holds what the build read (posts, problems).
    """

    def __init__(self, message: str, would_remove: tuple[str, ...], published: int, report: Report):
        super().__init__(message)
        self.message, self.would_remove, self.published, self.report = message, would_remove, published, report


def build(config: Config, options: BuildOptions) -> Report:
    """Read every post, plan the feeds and publish them into config.output_dir.

    Publishes nothing when a post has an error, unless keep_going, in which
    case the broken posts are left out and listed in Report.posts_skipped.
    Raises ConfigError when posts_dir is missing, output.OutputError or
    output.LockTimeout when the output folder cannot be written, BuildRefused
    when it would remove most of the published files (unless allow_shrink).
    A build cache or manifest that cannot be used never fails a build: the
    report carries one warning for each.
    """
    if not config.posts_dir.is_dir():
        raise ConfigError(config.path, None, f"posts_dir: {config.posts_dir} is not a folder")
    now, drafts = site_visibility(config, options.now, options.drafts)
    options = replace(options, now=now, drafts=drafts)
    prepare_output_dir(config.output_dir)
    with build_lock(config.output_dir, options.wait_seconds) as lock_fd:
        notices = [p for p in (manifest_problem(config.output_dir),) if p is not None]
        places = [*(["persistent"] if options.use_cache else []), "temporary", "memory"]
        try:
            while True:
                try:
                    return _noted(_build_once(config, options, lock_fd, places, notices), notices)
                except CacheError as err:
                    # Raised before anything was published (see publish.cache): build again with the next cache.
                    if len(places) == 1:
                        raise
                    if places.pop(0) == "persistent":
                        notices.append(unusable_warning(err))
        except BuildRefused as refusal:
            refusal.report = _noted(refusal.report, notices)
            raise


def _build_once(
    config: Config, options: BuildOptions, lock_fd: int, places: list[str], notices: list[Problem]
) -> Report:
    with open_cache(config, options.drafts, places, notices) as cache:
        workers = Workers(options.jobs, close_fds=(lock_fd,))
        # A build makes almost no reference cycles (376 objects in a cold build of 10,000 posts), yet the
        # collector walked every post it held again and again: 2.4 s of a cold 100,000-post build's own
        # process, most of it while `collect` read posts. It runs again when the build is done.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return _Build(config, options, cache, workers).run()
        finally:
            if collecting:
                gc.enable()
            workers.close()


def _noted(report: Report, notices: list[Problem]) -> Report:
    return replace(report, problems=report.problems + tuple(notices)) if notices else report


class _Build:
    def __init__(self, config: Config, options: BuildOptions, cache: Cache, workers: Workers):
        self.config, self.options, self.cache, self.workers = config, options, cache, workers
        self.looked_at = cache.file_system_now()  # before any post is looked at
        self.started = time.perf_counter()
        self.signatures: dict[str, str] = {}  # output file -> signature of its inputs
        self.laps: dict[str, float] = {}
        self._last = self.started

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = self.laps.get(stage, 0.0) + now - self._last
        self._last = now

    def tick(self, stage: str, done: int, total: int) -> None:
        if self.options.progress is not None:
            self.options.progress(stage, done, total)

    def report(self, **fields) -> Report:
        return Report(seconds=time.perf_counter() - self.started, stage_seconds=self.laps, **fields)

    def run(self) -> Report:
        publication = Publication.open(self.config.output_dir)
        paths, problems = post_files(self.config, self.options.drafts)
        stats = {path: _post_stat(path) for path in paths}
        racy = self.racy(stats)
        if self.nothing_changed(stats, publication.previous) and self.same_bytes(racy):
            self.cache.put_meta("looked_at", str(self.looked_at))
            publication.sweep()
            self.lap("collect")
            return self.report(
                unchanged=tuple(sorted(publication.previous)),
                posts_read=len(paths),
                problems=tuple(problems + self.cache.warnings()),
            )
        posts = with_site_in_liquid_keys(self.collect(paths, stats, set(racy), problems))
        self.lap("collect")
        broken = sorted({p.path for p in problems if p.severity == "error" and p.path is not None})
        keep_going = self.config.keep_going if self.options.keep_going is None else self.options.keep_going
        if broken and not keep_going:
            return self.report(posts_read=len(paths), problems=tuple(problems))
        shown = visible_posts(posts, self.options.now, self.options.drafts)
        feeds, plan_problems = plan_feeds(self.config, shown)
        if plan_problems and not keep_going:
            return self.report(posts_read=len(paths), problems=tuple(problems + plan_problems))
        if plan_problems:
            # Problems between posts (one id, one slug): every post involved is left out, as a broken one is.
            feeds, plan_problems, left_out = plan_leaving_out_conflicts(self.config, shown)
            problems = sorted(problems + plan_problems, key=_in_file_order)
            gone = {p.path for p in left_out}
            broken = sorted(set(broken) | gone)
            shown = [p for p in shown if p.path not in gone]
        planned = planned_files(self.config, feeds)
        if not self.options.allow_shrink:
            self.refuse_shrinking(publication.manifest, planned, len(shown), len(paths), problems, broken)
        publication.sweep(planned)
        publication.posts_shown = len(shown)
        render_problems = self.render(feeds)
        self.lap("render")
        if render_problems:  # a post the limits did not foresee: nothing published, nothing cached as done
            return self.report(posts_read=len(paths), problems=tuple(problems + render_problems))
        written, unchanged, removed = self.publish(feeds, publication)
        self.remember(stats, posts, feeds, clean=not broken, settled=publication.settled)
        return self.report(
            written=tuple(written),
            unchanged=tuple(unchanged),
            removed=tuple(removed),
            changed_feeds=changed_feed_urls(feeds, self.config, written),
            posts_read=len(paths),
            entries=sum(len(feed.entries) for feed in feeds),
            posts_skipped=tuple(broken),
            problems=tuple(problems),
        )

    def refuse_shrinking(
        self,
        published: Manifest,
        planned: set[str],
        shown: int,
        posts_read: int,
        problems: list[Problem],
        broken: list[Path],
    ) -> None:
        """Raise BuildRefused when this build would empty the feeds or remove most published files."""
        delete = self.config.stale_feeds == "delete"
        would_remove = tuple(sorted(set(published.files) - planned)) if delete else ()
        total = len(published.files)
        going = f"{len(would_remove)} of the {total} published file(s) would be removed"
        if shown == 0 and published.posts:
            why = f"no post would be published, where the last build published {published.posts}, and {going}"
        elif shown == 0 and published.unreadable:
            why = "no post would be published, and the manifest of the last build could not be read"
        elif total and len(would_remove) > total * SHRINK_LIMIT:
            why = f"{going}, more than the {SHRINK_LIMIT:.0%} a build may remove"
        else:
            return
        message = (
            f"refusing to publish: {why} (posts_dir {self.config.posts_dir}: {posts_read} post file(s), "
            f"{shown} shown at --now {self.options.now.isoformat()}). Nothing was changed; "
            "if this is meant, run again with --allow-shrink"
        )
        self.lap("collect")
        report = self.report(posts_read=posts_read, posts_skipped=tuple(broken), problems=tuple(problems))
        raise BuildRefused(message, would_remove, total, report)

    # the no-op fast path ----------------------------------------------------
    def stamp(self, stats: dict[Path, FileStat], published: dict[str, str]) -> str:
        """A digest of every input and output file's stat."""
        digest = hashlib.sha256()
        for path, stat in sorted(stats.items()):
            digest.update(f"{path}\0{stat}\n".encode())
        output = str(self.config.output_dir)
        for rel in sorted(published):
            mtime, size = _stat(os.path.join(output, rel))
            digest.update(f"out\0{rel}\0{mtime}\0{size}\n".encode())
        # The folders of posts with include_relative, as the last build found them: their files are inputs.
        # Only folders that hold posts: a damaged cache must not send the build through the whole disk.
        folders = set(_json_list(self.cache.meta("beside"))) & {str(path.parent) for path in stats}
        for folder in sorted(folders):
            for path in beside_files(Path(folder), set()):
                digest.update(f"beside\0{path}\0{_post_stat(path)}\n".encode())
        return digest.hexdigest()

    def racy(self, stats: dict[Path, FileStat]) -> list[Path]:
        """The posts whose stat cannot show an edit made since the last build looked at them."""
        try:
            last_look = int(self.cache.meta("looked_at") or 0)
        except ValueError:
            last_look = 0
        since = last_look - RACY_WINDOW_NS
        return [path for path, (mtime, ctime, _, _) in stats.items() if max(mtime, ctime) >= since]

    def same_bytes(self, paths: list[Path]) -> bool:
        """True when each of `paths` holds the bytes it held when it was parsed."""
        if not paths:
            return True
        known = self.cache.source_hashes(str(path) for path in paths)
        return all(known.get(str(path)) and file_sha(path) == known[str(path)] for path in paths)

    def nothing_changed(self, stats: dict[Path, FileStat], published: dict[str, str]) -> bool:
        """True when no file changed and `now` shows the same posts as last time.

        The last build saw every post up to `newest_shown` and none from
        `next_change` on; any `now` between the two shows the same posts.
        """
        last = self.cache.meta("stamp")
        # A cold build has no stamp to compare: no digest of every file's stat for nothing (20 ms at 10,000 posts).
        if not last or last != self.stamp(stats, published):
            return False
        newest_shown, next_change = self.cache.meta("newest_shown"), self.cache.meta("next_change")
        if newest_shown is None or next_change is None:
            return False
        now = self.options.now
        try:
            return (not newest_shown or datetime.fromisoformat(newest_shown) <= now) and (
                not next_change or now < datetime.fromisoformat(next_change)
            )
        except (ValueError, TypeError):  # a damaged cache: build as if it said nothing
            return False

    # collect -------------------------------------------------------------
    def collect(
        self, paths: list[Path], stats: dict[Path, FileStat], racy: set[Path], problems: list[Problem]
    ) -> list[Post]:
        """Every post, from the cache where the file is unchanged, parsed (in parallel) otherwise.

        A file is unchanged when its stat is (and it is not racy), or else when its
        bytes are: a fresh checkout with a restored cache parses nothing again.
        """
        cached = self.cache.posts()
        posts: list[Post] = []
        changed: list[Path] = []
        total, done = len(paths), 0
        self.tick("reading posts", 0, total)
        for path in paths:
            known = cached.get(str(path))
            same_stat = known is not None and known.stat == stats[path] and path not in racy
            if known is not None and (same_stat or (known.source_hash and file_sha(path) == known.source_hash)):
                if not same_stat:
                    self.cache.put_post(str(path), stats[path], known.source_hash, known.parsed, known.problems())
                problems.extend(known.problems())
                post = known.post()
                if post is not None:
                    posts.append(post)
                done += 1
            else:
                changed.append(path)
        self.tick("reading posts", done, total)
        for path, post, found in _work().parse_posts(changed, self.config, self.workers):
            done += 1
            self.tick("reading posts", done, total)
            problems.extend(found)
            self.cache.put_post(str(path), stats[path], post.source_hash if post else "", post, found)
            if post is not None:
                posts.append(post)
        self.cache.forget_posts(set(cached) - {str(p) for p in paths})
        self.cache.flush()
        problems.sort(key=_in_file_order)
        return posts

    # render --------------------------------------------------------------
    def render(self, feeds: list[FeedSpec]) -> list[Problem]:
        """Render every shown post whose entry is not cached yet, each exactly once.

        Returns the problem of a post whose body could not be rendered after all.
        """
        cached = self.cache.entries_with(self.config.feeds.formats)
        todo: dict[str, Post] = {}
        for feed in feeds:
            for post in feed.entries:
                key = entry_key(post)
                if key not in todo and key not in cached:
                    todo[key] = post
        jobs = [(post, self.config) for post in todo.values()]
        self.tick("rendering", 0, len(jobs))
        try:
            for done, (key, (_, fragments)) in enumerate(
                zip(todo, self.workers.map_batches(_work().render_batch, jobs), strict=True), start=1
            ):
                for fmt, xml in fragments.items():
                    self.cache.put_entry(key, fmt, xml)
                self.tick("rendering", done, len(jobs))
        except _work().RenderError as err:
            self.cache.flush()
            return [err.problem()]
        self.cache.flush()
        return []

    # publish -------------------------------------------------------------
    def publish(self, feeds: list[FeedSpec], publication: Publication) -> tuple[list[str], list[str], list[str]]:
        """Assemble and stage each feed whose inputs changed, then commit them all at once."""
        from feedpub.feeds.emit import feed_document  # imported here: see _work
        from feedpub.feeds.opml import opml_document
        from feedpub.feeds.page import feeds_page

        known = self.cache.signatures()
        total, done = len(feeds) * len(self.config.feeds.formats), 0
        self.tick("writing feeds", 0, total)
        try:
            # feed, its header (the spec without entries), format, file, entry keys
            changed: list[tuple[FeedSpec, FeedSpec, str, str, list[str]]] = []
            for feed in feeds:
                header = replace(feed, entries=())
                keys = [entry_key(post) for post in feed.entries]
                for fmt in self.config.feeds.formats:
                    rel = feed.file(FILENAMES[fmt])
                    signature = _signature(header, fmt, keys)
                    self.signatures[rel] = signature
                    last = known.get(rel)  # None in a cold build: no need to stat a file that is not there
                    if (
                        last is not None
                        and last == (signature, *_stat(self.config.output_dir / rel))
                        and publication.keep(rel)
                    ):
                        done += 1
                    else:
                        changed.append((feed, header, fmt, rel, keys))
            if self.workers.in_process(len(changed)) or not self.cache.readable_elsewhere():
                for feed, _, fmt, rel, keys in changed:
                    data = feed_document(fmt, feed, self.config.site, self.cache.entries(keys, fmt))
                    self.lap("emit")
                    publication.stage(rel, data)
                    self.lap("write")
                    done += 1
                    self.tick("writing feeds", done, total)
            else:
                for _ in self.stage_on_workers(changed, publication):
                    done += 1
                    self.tick("writing feeds", done, total)
                self.lap("emit")
            if self.config.feeds.stylesheet:
                publication.stage(STYLESHEET, (Path(__file__).parents[1] / "assets" / STYLESHEET).read_bytes())
            if self.config.feeds.opml:
                filename = FILENAMES[self.config.feeds.formats[0]]
                publication.stage(OPML_FILENAME, opml_document(feeds, self.config.site, filename))
            if self.config.feeds.page:
                opml = OPML_FILENAME if self.config.feeds.opml else None
                page = feeds_page(feeds, self.config.site, self.config.feeds.formats, opml)
                publication.stage(PAGE_FILENAME, page)
        except BaseException:
            self.workers.close()  # first: a worker may be writing a file abort is to remove
            publication.abort()
            raise
        written, removed = publication.commit(delete_stale=self.config.stale_feeds == "delete")
        self.lap("write")
        return written, publication.unchanged, removed

    def stage_on_workers(
        self, changed: list[tuple[FeedSpec, FeedSpec, str, str, list[str]]], publication: Publication
    ) -> Iterator[str]:
        """Assemble and stage `changed` (feed, header, format, file, entry keys) on the workers; yields each file.

        A cold 10,000-post build's emit and write took 1.5-1.7 s with this work
        in its own process while the other core waited; 1.2-1.3 s with it on
        two workers that read the cache themselves. They read what
        this build committed, through connections of their own, opened in
        processes forked after the commit: a process forked while this one
        held the database's locks would believe it held them too.
        Raises CacheError or OutputError for the first document that failed.
        """
        assert self.cache.path is not None, "workers read the entries from the cache's file"
        self.cache.commit()
        self.workers.close()
        jobs = []
        for _, header, fmt, rel, keys in changed:
            temp, target = publication.reserve(rel)
            jobs.append(_work().DocumentJob(fmt, header, self.config.site, tuple(keys), self.cache.path, temp, target))
        for (_, _, _, rel, _), staged in zip(
            changed, self.workers.map_batches(_work().stage_documents, jobs), strict=True
        ):
            if staged.cache_error is not None:
                raise CacheError(self.cache.path, staged.cache_error)
            if staged.write_error is not None:
                error = staged.write_error
                raise OutputError(publication.output_dir / rel, f"cannot write: {error.strerror or error}")
            publication.staged_elsewhere(rel, staged.digest, staged.written)
            yield rel

    def remember(
        self,
        stats: dict[Path, FileStat],
        posts: list[Post],
        feeds: list[FeedSpec],
        clean: bool,
        settled: bool,
    ) -> None:
        """Record what this build saw, so the next one can skip what did not change.

        The posts' stats are those from the start of the build: a post edited
        while it ran must make the next build look again.
        """
        output = self.config.output_dir
        self.cache.put_signatures({rel: (sig, *_stat(output / rel)) for rel, sig in self.signatures.items()})
        self.cache.prune_entries({entry_key(post) for feed in feeds for post in feed.entries})
        now = self.options.now
        shown = [p.published for p in posts if p.published <= now]
        future = [p.published for p in posts if p.published > now]
        self.cache.put_meta("newest_shown", max(shown).isoformat() if shown else "")
        self.cache.put_meta("next_change", min(future).isoformat() if future else "")
        self.cache.put_meta("looked_at", str(self.looked_at))
        self.cache.put_meta(
            "beside", json.dumps(sorted({str(post.path.parent) for post in posts if post.reads_beside}))
        )
        # A build that left broken posts out must say so again next time, and one whose manifest
        # still lists the feeds it removed must set it right: no fast path for either.
        self.cache.put_meta("stamp", self.stamp(stats, read_manifest(output)) if clean and settled else "")


def read_site(config: Config, jobs: int | None = None, drafts: bool = False) -> tuple[list[Post], list[Problem], int]:
    """Every post and the problems found, read as a build reads them but without its cache.

    Bodies stay on disk (`sources.posts.with_body` reads one). Returns the
    posts, the problems, and how many post files were found.
    """
    paths, problems = post_files(config, drafts)
    posts: list[Post] = []
    workers = Workers(jobs)
    try:
        for _, post, found in _work().parse_posts(paths, config, workers):
            problems.extend(found)
            if post is not None:
                posts.append(post)
    finally:
        workers.close()
    problems.sort(key=_in_file_order)
    return posts, problems, len(paths)


def _in_file_order(problem: Problem) -> tuple[str, int]:
    return str(problem.path), problem.line or 0


def planned_files(config: Config, feeds: list[FeedSpec]) -> set[str]:
    """Every file (relative path) a build of these feeds publishes."""
    planned = {feed.file(FILENAMES[fmt]) for feed in feeds for fmt in config.feeds.formats}
    if config.feeds.stylesheet:
        planned.add(STYLESHEET)
    if config.feeds.opml:
        planned.add(OPML_FILENAME)
    if config.feeds.page:
        planned.add(PAGE_FILENAME)
    return planned


def changed_feed_urls(feeds: list[FeedSpec], config: Config, written: list[str]) -> tuple[str, ...]:
    """The URLs of the feed documents among the files written, for WebSub pings."""
    urls = {feed.file(name): feed.url(config.site, name) for feed in feeds for name in FILENAMES.values()}
    return tuple(urls[rel] for rel in written if rel in urls)


def with_site_in_liquid_keys(posts: list[Post]) -> list[Post]:
    """The posts, those with Liquid keyed by the whole site's posts as well as their own bytes.

    Liquid can read other posts (`post_url`, `link`, `site.posts`): their
    entries must be rendered again when any post changes, not only when their
    own file does. A post with `include_relative` is keyed by the files beside
    it too. Posts without Liquid keep their own bytes' key.
    """
    if not any(post.has_liquid for post in posts):
        return posts
    digest = hashlib.sha256()
    for post in sorted(posts, key=lambda p: str(p.path)):
        digest.update(f"{post.path}\0{post.source_hash}\n".encode())
    site = digest.hexdigest()
    post_paths = {post.path for post in posts}
    beside: dict[Path, str] = {}
    for post in posts:
        if post.reads_beside and post.path.parent not in beside:
            beside[post.path.parent] = _files_digest(beside_files(post.path.parent, post_paths))
    return [
        replace(post, liquid_key=_liquid_key(post, site, beside.get(post.path.parent, ""))) if post.has_liquid else post
        for post in posts
    ]


def _json_list(text: str | None) -> list[str]:
    try:
        found = json.loads(text or "[]")
    except ValueError:  # a damaged cache: no fast path is lost by reading nothing
        return []
    return [str(item) for item in found] if isinstance(found, list) else []


def _liquid_key(post: Post, site: str, beside: str) -> str:
    return hashlib.sha256(f"{post.source_hash}:{site}:{beside if post.reads_beside else ''}".encode()).hexdigest()


def beside_files(folder: Path, posts: set[Path]) -> list[Path]:
    """What `include_relative` in a post of `folder` may read: every file under it but posts and hidden ones."""
    found: list[Path] = []
    for root, folders, names in os.walk(folder):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        found.extend(path for name in sorted(names) if (path := Path(root, name)) not in posts and path.is_file())
    return found


def _files_digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(f"{path}\0{file_sha(path)}\n".encode())
    return digest.hexdigest()


def _work() -> ModuleType:
    """build.workers, imported when there is work: a build that finds nothing changed
    loads no Markdown, Liquid or feed code (half of a no-op build's time was imports)."""
    from feedpub.build import workers

    return workers


def entry_key(post: Post) -> str:
    """The cache key of a post's rendered entry: its file's bytes at its path."""
    return f"{post.liquid_key or post.source_hash}:{post.path}"


def _signature(header: FeedSpec, fmt: str, keys: list[str]) -> str:
    """Everything a feed file is made of (`header`: its spec without entries): equal signatures mean equal bytes."""
    return hashlib.sha256(repr((fmt, header, keys)).encode()).hexdigest()


def _post_stat(path: Path) -> FileStat:
    try:
        info = os.stat(path)
    except OSError:
        return (0, 0, -1, 0)
    return (info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino)


def _stat(path: Path | str) -> tuple[int, int]:
    try:
        info = os.stat(path)
    except OSError:
        return (0, -1)
    return (info.st_mtime_ns, info.st_size)
