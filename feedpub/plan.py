"""Which feeds exist, and which entries each one shows. Pure: no files, no clock."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from feedpub.model import Config, CustomFeed, FeedKind, FeedSpec, Post, Problem, TaxonomyKind
from feedpub.sources.slugs import is_safe_segment, name_key, slugify, url_segment

# Only the site feed can be empty (a feed per tag or category exists because a post shows it):
# no post is published yet, because every post is a draft or scheduled, or there is none.
# Its "updated" must be deterministic, so never the clock, and must not tell subscribers what
# is hidden: neither a draft's date nor when a scheduled post will appear (an embargo, say).
# No post a reader may see leaves no date to take, so it is this fixed one: not the Unix
# epoch, which readers and validators take for a missing or broken date.
EMPTY_FEED_UPDATED = datetime(2000, 1, 1, tzinfo=UTC)
# A language feed's folder is its language at the top (zh-cn/atom.xml), as a multilingual site's pages are.
_FOLDERS = {
    "site": "",
    "category": "categories",
    "tag": "tags",
    "author": "authors",
    "language": "",
    "custom": "feeds",
    "collection": "collections",
}
STYLESHEET = "feed.xsl"


# A Jekyll site with `future: true` publishes posts whatever their date.
_END_OF_TIME = datetime(9999, 12, 30, tzinfo=UTC)


def site_visibility(config: Config, now: datetime, drafts: bool) -> tuple[datetime, bool]:
    """The `now` and `drafts` a build of this site shows posts at: a Jekyll site's
    `future`, `show_drafts` and `unpublished` settings are as if given on the command line."""
    site = config.jekyll
    if site is None:
        return now, drafts
    return (_END_OF_TIME if site.future else now), drafts or site.show_drafts or site.unpublished


def visible_posts(posts: Iterable[Post], now: datetime, drafts: bool) -> list[Post]:
    """Posts a reader may see at `now`, newest first; ties broken by id."""
    shown = [p for p in posts if (drafts or not p.draft) and p.published <= now]
    shown.sort(key=lambda p: p.entry_id)
    shown.sort(key=lambda p: p.published, reverse=True)
    return shown


@dataclass(frozen=True, slots=True)
class Hidden:
    """The posts visible_posts leaves out, for check and list to tell the writer about."""

    scheduled: tuple[Post, ...]  # dated after `now`, soonest first: they appear by themselves
    drafts: int  # drafts left out (none when drafts are included)


def hidden_posts(posts: Iterable[Post], now: datetime, drafts: bool) -> Hidden:
    """What visible_posts(posts, now, drafts) leaves out, and why.

    A draft is counted as a draft whatever its date, unless drafts are
    included: it never appears by itself, so it is not scheduled.
    """
    posts = list(posts)
    scheduled = [p for p in posts if (drafts or not p.draft) and p.published > now]
    scheduled.sort(key=lambda p: (p.published, p.entry_id))
    return Hidden(tuple(scheduled), 0 if drafts else sum(1 for p in posts if p.draft))


@dataclass(frozen=True, slots=True)
class _Conflict:
    """A problem between posts, and every post it involves."""

    problem: Problem  # what plan_feeds reports
    posts: tuple[Post, ...]
    # The same problem told to each involved post the problem does not name, so a
    # post left out by build --keep-going is listed with its reason.
    told: tuple[Problem, ...]


def plan_feeds(config: Config, posts: list[Post]) -> tuple[list[FeedSpec], list[Problem]]:
    """The site feed, then one per category and tag, from posts sorted newest first.

    With feeds.archive, each subscription feed is followed by its RFC 5005
    archive pages.
    """
    feeds, conflicts = _plan(config, posts)
    return feeds, [conflict.problem for conflict in conflicts]


def plan_leaving_out_conflicts(config: Config, posts: list[Post]) -> tuple[list[FeedSpec], list[Problem], list[Post]]:
    """plan_feeds for build --keep-going: the posts a problem between posts involves are left out.

    Returns the feeds planned without them, the problems (each left-out post
    named by at least one), and the posts left out, in the order given.
    Every post involved goes, never all but one: keeping one would silently
    pick a winner (the first file of two with one id, or one of two tags that
    make one slug, whose feed could later change hands when another wins).
    """
    problems: list[Problem] = []
    left_out: dict[Path, Post] = {}
    while True:
        shown = [p for p in posts if p.path not in left_out]
        feeds, conflicts = _plan(config, shown)
        if not conflicts:
            order = {p.path: n for n, p in enumerate(posts)}
            return feeds, problems, sorted(left_out.values(), key=lambda p: order[p.path])
        # Leaving posts out cannot make a new conflict, but it may change which spelling
        # names a tag, so planning again until none is left is the safe way.
        for conflict in conflicts:
            problems.append(conflict.problem)
            problems.extend(conflict.told)
            left_out.update((p.path, p) for p in conflict.posts)


def _plan(config: Config, posts: list[Post]) -> tuple[list[FeedSpec], list[_Conflict]]:
    feeds, conflicts = _all_feeds(config, posts)
    if config.jekyll is not None and config.jekyll.own_feeds:
        # A site with a feed page of its own (feed.xml in its source) keeps it, as jekyll-feed leaves it.
        feeds = [feed for feed in feeds if feed.file("atom.xml") not in config.jekyll.own_feeds]
    return feeds, conflicts


def _all_feeds(config: Config, documents: list[Post]) -> tuple[list[FeedSpec], list[_Conflict]]:
    conflicts = _duplicate_ids(documents)
    # A Jekyll site's other collections have feeds of their own, and are in no other feed.
    posts = [post for post in documents if post.collection == "posts"]
    feeds = _feed(config, "site", None, None, posts)
    authors = {name_key(author.name) for post in posts for author in post.authors}
    languages = {name_key(name) for post in posts for name in _names(config, "language", post)}
    taxonomies: tuple[tuple[TaxonomyKind, bool], ...] = (
        ("category", config.feeds.categories),
        ("tag", config.feeds.tags),
        ("author", _switched_on(config.feeds.authors, authors)),
        ("language", _switched_on(config.feeds.languages, languages)),
    )
    for kind, enabled in taxonomies:
        if enabled:
            groups, found = _groups(config, kind, posts)
            conflicts.extend(found)
            for name, slug, members in groups:
                feeds.extend(_feed(config, kind, name, slug, members))
    for custom in config.custom_feeds:
        members = [post for post in posts if _selected(config, custom, post)]
        feeds.extend(_feed(config, "custom", custom.name, custom.name, members, custom.title))
    for label, _, _ in config.jekyll.feed.collections if config.jekyll is not None else ():
        members = [post for post in documents if post.collection == label]
        feeds.extend(_feed(config, "collection", label, slugify(label) or label, members))
    return feeds, conflicts


def _switched_on(switch: str, names: set[str]) -> bool:
    """feeds.authors, feeds.languages: on, off, or (auto) on when the posts carry more than one name between them."""
    return switch == "on" or (switch == "auto" and len(names) > 1)


def _selected(config: Config, custom: CustomFeed, post: Post) -> bool:
    """Whether a custom feed shows the post: one name of any_of, every name of all_of, none of none_of."""
    carried = {
        "tags": {name_key(n) for n in post.tags},
        "categories": {name_key(n) for n in post.categories},
        "authors": {name_key(a.name) for a in post.authors},
    }
    language = (post.lang or config.site.language or "").lower()

    def has(selector: str, name: str) -> bool:
        if selector == "languages":  # RFC 4647 basic filtering: "zh" takes zh-CN and zh-TW
            return language == name.lower() or language.startswith(name.lower() + "-")
        return name_key(name) in carried[selector]

    def count(clause: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[int, int]:
        pairs = [(selector, name) for selector, names in clause for name in names]
        return sum(1 for pair in pairs if has(*pair)), len(pairs)

    any_found, any_total = count(custom.any_of)
    all_found, all_total = count(custom.all_of)
    none_found, _ = count(custom.none_of)
    return (not any_total or any_found > 0) and all_found == all_total and none_found == 0


def _names(config: Config, kind: TaxonomyKind, post: Post) -> tuple[str, ...]:
    if kind == "author":
        return tuple(author.name for author in post.authors)
    if kind == "language":  # a post without `lang` is in the site's language
        language = post.lang or config.site.language
        return (language,) if language else ()
    return post.categories if kind == "category" else post.tags


def _slug_settings(config: Config, kind: TaxonomyKind) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The config key of a taxonomy's own slugs, and its pairs."""
    return {
        "category": ("category_slugs", config.category_slugs),
        "tag": ("tag_slugs", config.tag_slugs),
        "author": ("author_slugs", config.author_slugs),
        "language": ("lang", ()),
    }[kind]


def _feed(
    config: Config, kind: FeedKind, name: str | None, slug: str | None, posts: list[Post], title: str | None = None
) -> list[FeedSpec]:
    """The subscription document, and its archive pages when configured."""
    site, options = config.site, config.feeds
    entries = tuple(posts[: options.limit] if options.limit else posts)
    subscription = FeedSpec(
        kind=kind,
        name=name,
        slug=slug,
        title=title or _title(config, kind, name),
        description=f"{site.description or site.title} · {name}" if name else (site.description or site.title),
        home_url=site.url,
        folder="/".join(part for part in (_FOLDERS[kind], slug) if part),
        url_folder="/".join(part for part in (_FOLDERS[kind], url_segment(slug) if slug else "") if part),
        entries=entries,
        updated=_updated(entries),
        hubs=config.hubs,
        stylesheet=urlsplit(site.url).path + STYLESHEET if options.stylesheet else None,
        files=_jekyll_files(config, kind, name, slug),
        language=name if kind == "language" else None,
    )
    archived = options.archive if kind == "site" else options.archive_taxonomies
    if not archived or not options.limit:
        return [subscription]
    return archive_pages(subscription, posts, options.archive_page_size)


def _title(config: Config, kind: FeedKind, name: str | None) -> str:
    title = config.site.title
    if name is None:
        return title
    if config.jekyll is None:
        return f"{title} · {name}"
    # jekyll-feed's title for a category or collection feed: "Site | Category", capitalised as Ruby's
    # String#capitalize does.
    capitalised = name[:1].upper() + name[1:].lower()
    return f"{title} | {capitalised}" if kind in ("category", "collection") else f"{title} | {name}"


def _jekyll_files(config: Config, kind: FeedKind, name: str | None, slug: str | None) -> tuple[tuple[str, str], ...]:
    """A Jekyll site's feed files where jekyll-feed puts them (feed.xml, feed/<category>.xml,
    feed/by_tag/<tag>.xml), so subscribers keep their feeds; the other formats beside each.

    A category or tag that jekyll-feed gives no feed (it makes tag feeds only for
    [A-Za-z0-9_] names, category feeds only for those listed) gets one named by its slug.
    """
    if config.jekyll is None:
        return ()
    feed = config.jekyll.feed
    if kind == "site":
        return _formats_beside(feed.path, {"rss.xml": "rss.xml", "feed.json": "feed.json"})
    assert name is not None and slug is not None, "a category or tag feed has a name and a slug"
    if kind == "collection":
        return _formats_beside(dict((label, path) for label, path, _ in feed.collections)[name])
    if kind == "category":
        return _formats_beside(f"feed/{name if _named_by_jekyll_feed(config, kind, name) else slug}.xml")
    if kind == "author":  # jekyll-feed makes none: beside its tag feeds, in its naming
        return _formats_beside(f"feed/by_author/{slug}.xml")
    if kind == "custom":
        return _formats_beside(f"feed/custom/{slug}.xml")
    if kind == "language":
        return _formats_beside(f"feed/by_lang/{slug}.xml")
    return _formats_beside(f"{feed.tags_path}{name if _named_by_jekyll_feed(config, kind, name) else slug}.xml")


def _named_by_jekyll_feed(config: Config, kind: FeedKind, name: str) -> bool:
    """Whether jekyll-feed writes this category's or tag's feed under its own name, not feedpub's slug."""
    if config.jekyll is None:
        return False
    feed = config.jekyll.feed
    if kind == "category":
        return name in feed.categories and is_safe_segment(name)
    if kind == "tag":
        pool = feed.tags_only if feed.tags_only is not None else (name,)
        return bool(feed.tags and name in pool and name not in feed.tags_except and _JEKYLL_TAG_NAME.match(name))
    return False


_JEKYLL_TAG_NAME = re.compile(r"^[a-zA-Z0-9_]+$")


def _formats_beside(atom: str, others: dict[str, str] | None = None) -> tuple[tuple[str, str], ...]:
    """The Atom file at `atom`; RSS and JSON Feed beside it (feed/x.xml: feed/x.rss.xml, feed/x.json)."""
    stem = atom[: -len(".xml")] if atom.endswith(".xml") else atom
    names = others or {"rss.xml": f"{stem}.rss.xml", "feed.json": f"{stem}.json"}
    return (("atom.xml", atom), *names.items())


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
                files=(),  # archive pages keep the folder scheme: <feed folder>/archive/<n>/
                subscription_files=subscription.files,
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
) -> tuple[list[tuple[str, str, list[Post]]], list[_Conflict]]:
    """(display name, slug, posts) per tag or category, sorted by slug."""
    # Jekyll's site.tags tells `openSUSE` from `opensuse`, and jekyll-feed writes a feed for each.
    group_key = (lambda name: unicodedata.normalize("NFC", name)) if config.jekyll is not None else name_key
    members: dict[str, list[Post]] = defaultdict(list)
    spellings: dict[str, Counter] = defaultdict(Counter)
    for post in posts:
        for name in _names(config, kind, post):
            key = group_key(name)
            if members[key] and members[key][-1] is post:
                continue  # a post naming one author twice (`Ann`, and Ann with her email) is in her feed once
            members[key].append(post)
            spellings[key][name] += 1
    config_key, pairs = _slug_settings(config, kind)
    overrides = {name_key(k): v for k, v in pairs}
    by_slug: dict[str, tuple[str, str]] = {}  # slug -> (name, key) of the first to take it
    groups, conflicts = [], []
    names = {key: min(counts.items(), key=lambda item: (-item[1], item[0]))[0] for key, counts in spellings.items()}
    # The files jekyll-feed names by a tag (or listed category) itself: no other's slug may take one
    # (`-glib`'s slug is `glib`, and feed/by_tag/glib.xml is jekyll-feed's feed of `glib`).
    named_files = {name for name in names.values() if _named_by_jekyll_feed(config, kind, name)}
    for key in sorted(members):
        name = names[key]
        slug = overrides.get(key) or slugify(name)
        if slug in named_files and slug != name:
            slug = f"{slug}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:8]}"
        first = members[key][0]
        if not is_safe_segment(slug):
            message = (
                f'{kind} "{name}" has no letter or digit to make a feed path from; '
                f'give it one in {config_key}: {{"{name}": some-slug}}'
            )
            conflicts.append(_taxonomy_conflict(kind, message, members[key]))
            continue
        if slug in by_slug and config.jekyll is not None:
            # Jekyll keeps `GNOME Music` and `gnome-music` apart and publishes both: so does feedpub,
            # the second one under its slug made unique by a hash of its name (stable from build to build).
            slug = f"{slug}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:8]}"
        if slug in by_slug:
            other, other_key = by_slug[slug]
            message = (
                f'{_FOLDERS[kind]} "{other}" ({members[other_key][0].path}) and "{name}" ({first.path}) both make '
                f'the slug "{slug}"; give one its own in {config_key}: {{"{name}": another-slug}}'
            )
            # Every post of both names: leaving out only one name's posts would hand the slug's feed to the other.
            conflicts.append(_taxonomy_conflict(kind, message, members[key] + members[other_key]))
            continue
        by_slug[slug] = (name, key)
        groups.append((name, slug, members[key]))
    groups.sort(key=lambda group: group[1])
    return groups, conflicts


def _taxonomy_conflict(kind: TaxonomyKind, message: str, involved: list[Post]) -> _Conflict:
    """A problem with a tag or category, placed on the first involved post's tags (or categories) line."""
    unique = list({p.path: p for p in involved}.values())
    told = [Problem(p.path, _taxonomy_line(kind, p), message) for p in unique]
    return _Conflict(told[0], tuple(unique), tuple(told[1:]))


def _taxonomy_line(kind: TaxonomyKind, post: Post) -> int | None:
    if kind == "author":
        return post.line_of("author") or post.line_of("authors")
    if kind == "language":
        return post.line_of("lang")
    return post.line_of("tags") if kind == "tag" else post.line_of("categories") or post.line_of("category")


def _duplicate_ids(posts: list[Post]) -> list[_Conflict]:
    """Two posts with one id would be one entry to every reader: each later file names the first."""
    seen: dict[str, Post] = {}
    conflicts = []
    for post in sorted(posts, key=lambda p: str(p.path)):
        first = seen.setdefault(post.entry_id, post)
        if first is post:
            continue
        problem = Problem(post.path, _id_line(post), f"has the same id/permalink as {first.path}: {post.entry_id}")
        told = Problem(first.path, _id_line(first), f"has the same id/permalink as {post.path}: {post.entry_id}")
        conflicts.append(_Conflict(problem, (first, post), (told,)))
    return conflicts


def _id_line(post: Post) -> int | None:
    return post.line_of("id") or post.line_of("permalink")
