"""Which feeds exist, and which entries each one shows. Pure: no files, no clock."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timezone
from typing import Iterable, Literal

from .model import Config, FeedSpec, Post, Problem
from .slugs import is_safe_segment, name_key, slugify, url_segment

# A feed with no entries has no natural "updated"; the epoch keeps it deterministic.
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=timezone.utc)
_FOLDERS = {"category": "categories", "tag": "tags"}


def visible_posts(posts: Iterable[Post], now: datetime, drafts: bool) -> list[Post]:
    """Posts a reader may see at `now`, newest first; ties broken by id."""
    shown = [p for p in posts if (drafts or not p.draft) and p.published <= now]
    shown.sort(key=lambda p: p.entry_id)
    shown.sort(key=lambda p: p.published, reverse=True)
    return shown


def plan_feeds(config: Config, posts: list[Post]) -> tuple[list[FeedSpec], list[Problem]]:
    """The site feed, then one per category and tag, from posts sorted newest first."""
    problems = _duplicate_ids(posts)
    feeds = [_feed(config, "site", None, None, posts)]
    for kind, enabled in (("category", config.feeds.categories), ("tag", config.feeds.tags)):
        if enabled:
            groups, found = _groups(config, kind, posts)
            problems.extend(found)
            feeds.extend(_feed(config, kind, name, slug, members) for name, slug, members in groups)
    return feeds, problems


def _feed(config: Config, kind: Literal["site", "category", "tag"], name: str | None,
          slug: str | None, posts: list[Post]) -> FeedSpec:
    site = config.site
    limit = config.feeds.limit
    entries = tuple(posts[:limit] if limit else posts)
    folder = f"{_FOLDERS[kind]}/{slug}" if slug else ""
    return FeedSpec(
        kind=kind, name=name, slug=slug,
        title=f"{site.title} · {name}" if name else site.title,
        description=f"{site.description or site.title} · {name}" if name else (site.description or site.title),
        home_url=site.url,
        folder=folder,
        url_folder=f"{_FOLDERS[kind]}/{url_segment(slug)}" if slug else "",
        entries=entries,
        updated=max((p.updated for p in entries), default=EMPTY_FEED_UPDATED),
    )


def _groups(config: Config, kind: str, posts: list[Post]) -> tuple[list[tuple[str, str, list[Post]]], list[Problem]]:
    """(display name, slug, posts) per tag or category, sorted by slug."""
    members: dict[str, list[Post]] = defaultdict(list)
    spellings: dict[str, Counter] = defaultdict(Counter)
    for post in posts:
        for name in (post.categories if kind == "category" else post.tags):
            members[name_key(name)].append(post)
            spellings[name_key(name)][name] += 1
    overrides = {name_key(k): v for k, v in (config.category_slugs if kind == "category" else config.tag_slugs)}
    config_key = "category_slugs" if kind == "category" else "tag_slugs"
    by_slug: dict[str, str] = {}
    groups, problems = [], []
    for key in sorted(members):
        name = min(spellings[key].items(), key=lambda item: (-item[1], item[0]))[0]
        slug = overrides.get(key) or slugify(name)
        first = members[key][0].path
        if not is_safe_segment(slug):
            problems.append(Problem(first, None, f'{kind} "{name}" has no letter or digit to make a feed path from; give it one in {config_key}: {{"{name}": some-slug}}'))
            continue
        if slug in by_slug:
            other = by_slug[slug]
            problems.append(Problem(first, None, f'{kind}s "{other}" and "{name}" both make the slug "{slug}"; give one its own in {config_key}: {{"{name}": another-slug}}'))
            continue
        by_slug[slug] = name
        groups.append((name, slug, members[key]))
    groups.sort(key=lambda group: group[1])
    return groups, problems


def _duplicate_ids(posts: list[Post]) -> list[Problem]:
    """Two posts with one id would be one entry to every reader."""
    seen: dict[str, Post] = {}
    problems = []
    for post in sorted(posts, key=lambda p: str(p.path)):
        if post.entry_id in seen:
            problems.append(Problem(post.path, None, f"has the same id/permalink as {seen[post.entry_id].path}: {post.entry_id}"))
        else:
            seen[post.entry_id] = post
    return problems
