"""The feedgen entry of one post."""

from __future__ import annotations

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension
from lxml import etree

from feedpub.model import Enclosure, Post, Rendered, Site

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# feedgen builds Atom elements without a namespace and declares it on the root by hand.
ATOM_LINK = "link"


class _EntryExtras(BaseEntryExtension):
    """What feedgen cannot say right: xml:lang, Atom links other than alternate, RSS enclosures.

    feedgen 1.0 drops rel and type from every Atom entry link it writes, so a
    `related` or `enclosure` link would come out as a second `alternate` and
    break the feed; its own enclosure() goes through that same writer.
    """

    lang: str | None = None
    rss_enclosure: Enclosure | None = None
    links: tuple[tuple[str, str, str, int | None], ...] = ()  # (rel, href, media type, length)

    def extend_atom(self, entry):
        if self.lang:
            entry.attrib[XML_LANG] = self.lang
        for rel, href, media_type, length in self.links:
            link = etree.SubElement(entry, ATOM_LINK, href=href, rel=rel)
            if media_type:
                link.attrib["type"] = media_type
            if length is not None:
                link.attrib["length"] = str(length)
        return entry

    def extend_rss(self, item):
        if self.rss_enclosure:
            enclosure = self.rss_enclosure
            etree.SubElement(
                item, "enclosure", url=enclosure.url, length=str(enclosure.length), type=enclosure.media_type
            )
        return item


def build_entry(post: Post, rendered: Rendered, site: Site, full_content: bool) -> FeedEntry:
    """The feedgen entry for one post, usable in Atom and RSS feeds alike."""
    entry = FeedEntry()
    entry.load_extension("dc", atom=False, rss=True)
    entry.register_extension("feedpub_extras", _EntryExtras, atom=True, rss=True)
    entry.feedpub_extras.lang = post.lang
    entry.id(post.entry_id)
    # RSS readers treat a guid as a link only when isPermaLink is true, so say so only then.
    entry.guid(post.entry_id, permalink=post.entry_id == post.permalink)
    entry.title(post.title)
    entry.link(href=post.permalink, rel="alternate")
    links: list[tuple[str, str, str, int | None]] = (
        [("related", post.source_url, "text/html", None)] if post.source_url else []
    )
    links += [("enclosure", e.url, e.media_type, e.length) for e in post.enclosures]
    entry.feedpub_extras.links = tuple(links)
    # RSS allows one enclosure per item; readers take the first.
    entry.feedpub_extras.rss_enclosure = post.enclosures[0] if post.enclosures else None
    entry.published(post.published)
    entry.updated(post.updated)
    for author in post.authors:
        entry.author({k: v for k, v in (("name", author.name), ("email", author.email), ("uri", author.uri)) if v})
    # feedgen writes RSS <author> only with an email; dc:creator carries the other names
    # (not all of them: the RSS profile advises against both on one item).
    without_email = [a.name for a in post.authors if not a.email]
    if without_email:
        entry.dc.dc_creator(without_email)
    categories = [(name, "categories/") for name in post.categories] + [(name, "tags/") for name in post.tags]
    for name, folder in categories:
        entry.category(term=name, label=name, scheme=site.url + folder)
    if rendered.summary_html:
        entry.summary(rendered.summary_html, type="html")
    if full_content and rendered.content_html:
        entry.content(rendered.content_html, type="html")
    return entry
