"""JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/).

Items are serialised once each, like Atom and RSS entries, and spliced into
every feed that shows them. JSON strings never contain a raw newline, so
indenting an item's lines cannot change its content.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from feedpub.feeds.formats import FILENAMES
from feedpub.feeds.xmlfeeds import feed_author
from feedpub.model import Author, FeedSpec, Post, Rendered, Site
from feedpub.render.markup import plain_text, title_text

VERSION = "https://jsonfeed.org/version/1.1"
_ITEM_INDENT = "    "


def _dumps(value: object) -> str:
    # UTF-8 as written (no \\u escapes for Chinese), stable key order as built.
    return json.dumps(value, ensure_ascii=False, indent=2)


def _authors(authors: Sequence[Author]) -> list[dict[str, str]]:
    return [
        {k: v for k, v in (("name", a.name), ("url", a.uri or (f"mailto:{a.email}" if a.email else None))) if v}
        for a in authors
    ]


def item_fragment(post: Post, rendered: Rendered, full_content: bool) -> bytes:
    """One item, indented as it stands inside the feed's "items" array."""
    item: dict[str, object] = {"id": post.entry_id, "url": post.permalink}
    if post.source_url:
        item["external_url"] = post.source_url
    item["title"] = title_text(post.title)  # plain text, as in Atom and RSS
    item["content_html"] = rendered.content_html if full_content else rendered.summary_html
    summary = plain_text(rendered.summary_html)  # JSON Feed's summary is plain text
    if summary:
        item["summary"] = summary
    item["date_published"] = post.published.isoformat()
    item["date_modified"] = post.updated.isoformat()
    if post.authors:
        authors = _authors(post.authors)
        item["authors"] = authors
        item["author"] = authors[0]  # JSON Feed 1.0's single author, for readers written before 1.1
    names = list(dict.fromkeys(post.categories + post.tags))
    if names:
        item["tags"] = names
    if post.lang:
        item["language"] = post.lang
    if post.image:
        item["image"] = post.image
    if post.enclosures:
        item["attachments"] = [
            {"url": e.url, "mime_type": e.media_type, "size_in_bytes": e.length} for e in post.enclosures
        ]
    lines = _dumps(item).split("\n")
    return ("\n".join(_ITEM_INDENT + line for line in lines) + ",\n").encode("utf-8")


def document(spec: FeedSpec, site: Site, feed_url: str, fragments: Sequence[bytes]) -> bytes:
    """The whole feed.json with the item fragments in order."""
    feed: dict[str, object] = {
        "version": VERSION,
        "title": spec.title,
        "home_page_url": spec.home_url,
        "feed_url": feed_url,
        "description": spec.description,
    }
    older = dict(spec.archive_links).get("prev-archive")
    if older is not None:
        # JSON Feed's pagination: next_url leads to older items, as prev-archive does.
        feed["next_url"] = site.url + older + "/" + FILENAMES["json"]
    if spec.language or site.language:
        feed["language"] = spec.language or site.language
    # Items without authors: readers show the feed's, so a feed has one, as in Atom.
    authors = _authors([feed_author(site)])
    feed["authors"] = authors
    # JSON Feed 1.1 keeps 1.0's single `author` for compatibility: readers written for 1.0 show no author without it.
    feed["author"] = authors[0]
    if spec.hubs:
        feed["hubs"] = [{"type": "WebSub", "url": hub} for hub in spec.hubs]
    head = _dumps(feed)[:-2] + ',\n  "items": ['
    if not fragments:
        return (head + "]\n}\n").encode("utf-8")
    items = b"".join(fragments)[:-2]  # the last item takes no comma
    return head.encode("utf-8") + b"\n" + items + b"\n  ]\n}\n"
