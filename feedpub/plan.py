"""Which feeds exist, and which entries each one shows. Pure: no files, no clock."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from feedpub.model import Config, FeedKind, FeedSpec, Post, Problem, TaxonomyKind
from feedpub.sources.slugs import is_safe_segment, name_key, slugify, url_segment

# A feed with no entries has no natural "updated"; the epoch keeps it deterministic.
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)
_FOLDERS = {"category": "categories", "tag": "tags"}
STYLESHEET = "feed.xsl"


def visible_posts(posts: Iterable[Post], now: datetime, drafts: bool) -> list[Post]:
    """Posts a reader may see at `now`, newest first; ties broken by id."""
    shown = [p for p in posts if (drafts or not p.draft) and p.published <= now]
    shown.sort(key=lambda p: p.entry_id)
    shown.sort(key=lambda p: p.published, reverse=True)
    return shown


def plan_feeds(config: Config, posts: list[Post]) -> tuple[list[FeedSpec], list[Problem]]:
    """The site feed, then one per category and tag, from posts sorted newest first.

    With feeds.archive, each subscription feed is followed by its RFC 5005
    archive pages.
    """
    problems = _duplicate_ids(posts)
    feeds = _feed(config, "site", None, None, posts)
    taxonomies: tuple[tuple[TaxonomyKind, bool], ...] = (
        ("category", config.feeds.categories),
        ("tag", config.feeds.tags),
    )
    for kind, enabled in taxonomies:
        if enabled:
            groups, found = _groups(config, kind, posts)
            problems.extend(found)
            for name, slug, members in groups:
                feeds.extend(_feed(config, kind, name, slug, members))
    return feeds, problems


def _feed(config: Config, kind: FeedKind, name: str | None, slug: str | None, posts: list[Post]) -> list[FeedSpec]:
    """The subscription document, and its archive pages when configured."""
    site, options = config.site, config.feeds
    entries = tuple(posts[: options.limit] if options.limit else posts)
    subscription = FeedSpec(
        kind=kind,
        name=name,
        slug=slug,
        title=f"{site.title} · {name}" if name else site.title,
        description=f"{site.description or site.title} · {name}" if name else (site.description or site.title),
        home_url=site.url,
        folder=f"{_FOLDERS[kind]}/{slug}" if slug else "",
        url_folder=f"{_FOLDERS[kind]}/{url_segment(slug)}" if slug else "",
        entries=entries,
        updated=_updated(entries),
        hubs=config.hubs,
        stylesheet=urlsplit(site.url).path + STYLESHEET if options.stylesheet else None,
    )
    archived = options.archive if kind == "site" else options.archive_taxonomies
    if not archived or not options.limit:
        return [subscription]
    return archive_pages(subscription, posts, options.archive_page_size)


def archive_pages(subscription: FeedSpec, posts: list[Post], size: int) -> list[FeedSpec]:
    """RFC 5005 archives: every post, oldest first, in pages of `size` that never move.

    Page n always holds the n-th `size` posts in date order, so a new post only
    changes the newest page. There is always one page that is not full (it may
    be empty): a full page can then link next-archive to a page that exists,
    and never has to change again.
    """
    oldest_first = posts[::-1]
    count = len(oldest_first) // size + 1
    folder = _page_folder
    pages: list[FeedSpec] = []
    for number in range(1, count + 1):
        entries = tuple(reversed(oldest_first[(number - 1) * size : number * size]))
        # The empty newest page dates from when the page before it filled up, not from 1970.
        updated = _updated(entries) if entries or not pages else pages[-1].updated
        links = [("current", subscription.url_folder)]
        if number > 1:
            links.append(("prev-archive", folder(number - 1, subscription.url_folder)))
        if number < count:
            links.append(("next-archive", folder(number + 1, subscription.url_folder)))
        pages.append(
            replace(
                subscription,
                folder=folder(number, subscription.folder),
                url_folder=folder(number, subscription.url_folder),
                entries=entries,
                updated=updated,
                archive_links=tuple(links),
                archive=True,
            )
        )
    latest = ("prev-archive", folder(count, subscription.url_folder))
    return [replace(subscription, archive_links=(latest,))] + pages


def _page_folder(number: int, parent: str) -> str:
    return f"{parent}/archive/{number}" if parent else f"archive/{number}"


def _updated(entries: tuple[Post, ...]) -> datetime:
    return max((p.updated for p in entries), default=EMPTY_FEED_UPDATED)


def _groups(
    config: Config, kind: TaxonomyKind, posts: list[Post]
) -> tuple[list[tuple[str, str, list[Post]]], list[Problem]]:
    """(display name, slug, posts) per tag or category, sorted by slug."""
    members: dict[str, list[Post]] = defaultdict(list)
    spellings: dict[str, Counter] = defaultdict(Counter)
    for post in posts:
        for name in post.categories if kind == "category" else post.tags:
            members[name_key(name)].append(post)
            spellings[name_key(name)][name] += 1
    overrides = {name_key(k): v for k, v in (config.category_slugs if kind == "category" else config.tag_slugs)}
    config_key = "category_slugs" if kind == "category" else "tag_slugs"
    by_slug: dict[str, tuple[str, Path]] = {}
    groups, problems = [], []
    for key in sorted(members):
        name = min(spellings[key].items(), key=lambda item: (-item[1], item[0]))[0]
        slug = overrides.get(key) or slugify(name)
        first = members[key][0]
        line = first.line_of("tags") if kind == "tag" else first.line_of("categories") or first.line_of("category")
        if not is_safe_segment(slug):
            problems.append(
                Problem(
                    first.path,
                    line,
                    f'{kind} "{name}" has no letter or digit to make a feed path from; give it one in {config_key}: {{"{name}": some-slug}}',
                )
            )
            continue
        if slug in by_slug:
            other, other_path = by_slug[slug]
            problems.append(
                Problem(
                    first.path,
                    line,
                    f'{_FOLDERS[kind]} "{other}" ({other_path}) and "{name}" ({first.path}) both make the slug '
                    f'"{slug}"; give one its own in {config_key}: {{"{name}": another-slug}}',
                )
            )
            continue
        by_slug[slug] = (name, first.path)
        groups.append((name, slug, members[key]))
    groups.sort(key=lambda group: group[1])
    return groups, problems


def _duplicate_ids(posts: list[Post]) -> list[Problem]:
    """Two posts with one id would be one entry to every reader."""
    seen: dict[str, Post] = {}
    problems = []
    for post in sorted(posts, key=lambda p: str(p.path)):
        if post.entry_id in seen:
            line = post.line_of("id") or post.line_of("permalink")
            problems.append(
                Problem(post.path, line, f"has the same id/permalink as {seen[post.entry_id].path}: {post.entry_id}")
            )
        else:
            seen[post.entry_id] = post
    return problems
