"""Read-only views of a site: the feeds a build would write, and their autodiscovery links."""

from __future__ import annotations

import html
from datetime import datetime

from feedpub.build import read_site
from feedpub.feeds import FILENAMES, MEDIA_TYPES
from feedpub.model import Config, FeedSpec, Problem
from feedpub.plan import Hidden, hidden_posts, plan_feeds, site_visibility, visible_posts
from feedpub.sources.slugs import name_key

_FORMAT_NAMES = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}


def planned_feeds(config: Config, now: datetime, drafts: bool = False) -> tuple[list[FeedSpec], list[Problem]]:
    """Every feed a build at `now` would write (archive pages included), without writing anything."""
    feeds, problems, _ = planned_site(config, now, drafts)
    return feeds, problems


def planned_site(config: Config, now: datetime, drafts: bool = False) -> tuple[list[FeedSpec], list[Problem], Hidden]:
    """planned_feeds, and the posts a build at `now` leaves out on purpose: scheduled ones and drafts."""
    now, drafts = site_visibility(config, now, drafts)
    posts, problems, _ = read_site(config, drafts=drafts)
    feeds, plan_problems = plan_feeds(config, visible_posts(posts, now, drafts))
    return feeds, problems + plan_problems, hidden_posts(posts, now, drafts)


def find_feed(feeds: list[FeedSpec], kind: str, name: str | None) -> FeedSpec | None:
    """The subscription feed of the site, or of the category or tag called `name` (any case)."""
    for feed in feeds:
        if feed.kind == kind and not feed.archive and (name is None or name_key(feed.name or "") == name_key(name)):
            return feed
    return None


def autodiscovery_links(feed: FeedSpec, config: Config) -> list[str]:
    """The <link rel="alternate"> tags an HTML page's head needs, one per format."""
    lines = []
    for fmt in config.feeds.formats:
        title = f"{feed.title} ({_FORMAT_NAMES[fmt]})" if len(config.feeds.formats) > 1 else feed.title
        href = feed.url(config.site, FILENAMES[fmt])
        lines.append(
            f'<link rel="alternate" type="{MEDIA_TYPES[fmt]}" title="{html.escape(title)}" href="{html.escape(href)}">'
        )
    return lines
