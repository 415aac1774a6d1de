"""Per-post work, run on every core by build.pool: parsing a post file, rendering its entry."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from feedpub.build.pool import Workers
from feedpub.feeds.emit import entry_fragments, feed_document
from feedpub.model import Config, FeedSpec, Post, Problem, Rendered, Site, errors_in
from feedpub.publish.cache import CacheError, read_entries
from feedpub.publish.manifest import digest
from feedpub.publish.output import stage_file
from feedpub.render.content import RenderError, body_html, engine_of, finish_rendering, xml_safe
from feedpub.render.limits import limit_problems
from feedpub.render.liquid import has_liquid
from feedpub.render.liquid_check import body_liquid
from feedpub.sources.posts import read_post, with_body

__all__ = [
    "DocumentJob",
    "RenderError",
    "StagedDocument",
    "Workers",
    "parse_job",
    "parse_posts",
    "render_batch",
    "stage_documents",
]


def parse_job(job: tuple[Path, Config]) -> tuple[Post | None, list[Problem]]:
    """A post without its body: bodies stay on disk until a feed needs them.

    On a site of 100,000 posts the bodies would otherwise be most of the
    build's memory, and would cross between processes twice.
    """
    path, config = job
    post, problems = read_post(path, config)
    if post is None:
        return None, problems
    # A body past the render limits is refused here, where the post is read, so that it is broken
    # like a post with a bad date: named with its line, left out by --keep-going, never rendered.
    refused = limit_problems(post)
    if refused:
        return None, problems + refused
    # Liquid is run here too, while the body is at hand, so that its warnings (a plugin's tag left out)
    # are reported by every build and a template error breaks the post as a bad date does (--keep-going).
    liquid = has_liquid(post.body)
    if liquid:
        found = body_liquid(post, config, engine_of(config)).problems
        problems = problems + list(found)
        if errors_in(tuple(found)):
            return None, problems
    beside = liquid and "include_relative" in post.body
    return replace(post, body="", has_liquid=liquid, reads_beside=beside), problems


def parse_posts(
    paths: Sequence[Path], config: Config, workers: Workers
) -> Iterator[tuple[Path, Post | None, list[Problem]]]:
    """Each post file parsed, bodies left on disk, in the order of `paths`: the one way posts are read."""
    results = workers.map(parse_job, [(path, config) for path in paths])
    for path, (post, problems) in zip(paths, results, strict=True):
        yield path, post, problems


def render_batch(jobs: Sequence[tuple[Post, Config]]) -> list[tuple[str, dict[str, bytes]]]:
    """Each post's entry XML in each configured format, keyed by the post's content hash.

    Stage by stage over the batch: every body read, then converted to HTML,
    then finished with absolute URLs and a summary, then every entry built.
    Taking each post through every stage before the next, a cold
    10,000-post build's render took 3.2 s with cmark and 9.0 s with
    kramdown; stage by stage, 2.6 s and 8.4-8.7 s.

    Raises render.content.RenderError (carrying the Problem) for the first post
    the Markdown engine fails on; parse_job refuses the posts past the render
    limits, so this is left for what the limits cannot foresee.
    """
    posts = [with_body(post, config) for post, config in jobs]
    configs = [config for _, config in jobs]
    htmls = [body_html(post, engine_of(config), config) for post, config in zip(posts, configs, strict=True)]
    rendered = [
        finish_rendering(post, html, engine_of(config), config)
        for post, html, config in zip(posts, htmls, configs, strict=True)
    ]
    return [
        (post.source_hash, fragments_of(post, html, config))
        for post, html, config in zip(posts, rendered, configs, strict=True)
    ]


def fragments_of(post: Post, rendered: Rendered, config: Config) -> dict[str, bytes]:
    """The post's entry in each configured format; if feedgen refuses a character of it, the entry without."""
    full, formats = config.feeds.content == "full", config.feeds.formats
    try:
        return entry_fragments(post, rendered, config.site, full, formats)
    except ValueError:  # lxml's "All strings must be XML compatible"; anything else fails again below
        return entry_fragments(post, xml_safe(rendered), config.site, full, formats)


@dataclass(frozen=True, slots=True)
class DocumentJob:
    """One feed file to assemble and stage on a worker: its spec without entries, and its entries' cache keys."""

    fmt: str
    header: FeedSpec
    site: Site
    entry_keys: tuple[str, ...]
    cache_file: Path  # the committed cache the entries are read from
    temp: Path  # from Publication.reserve
    target: Path


@dataclass(frozen=True, slots=True)
class StagedDocument:
    """What stage_documents did with one DocumentJob: its SHA-256, and whether it wrote it (or why not)."""

    digest: str = ""
    written: bool = False
    write_error: OSError | None = None
    cache_error: str | None = None  # why the entries could not be read from the cache


def stage_documents(jobs: Sequence[DocumentJob]) -> list[StagedDocument]:
    """Each feed file assembled from its cached entries and written to its temporary file, not yet flushed.

    The work of feed_document and Publication.stage, done on the workers
    (see _Build.publish). A failure is the job's result, for the build to report.
    """
    return [_stage_document(job) for job in jobs]


def _stage_document(job: DocumentJob) -> StagedDocument:
    try:
        fragments = read_entries(job.cache_file, job.entry_keys, job.fmt)
    except CacheError as err:
        return StagedDocument(cache_error=err.reason)
    data = feed_document(job.fmt, job.header, job.site, fragments)
    try:
        written = stage_file(job.temp, job.target, data)
    except OSError as err:
        return StagedDocument(write_error=err)
    return StagedDocument(digest(data), written)
