"""The feedgen entry of one post."""
from __future__ import annotations

from feedgen.entry import FeedEntry
from lxml import etree
from feedgen.ext.base import BaseEntryExtension

from ..model import Post, Rendered, Site

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# feedgen builds Atom elements without a namespace and declares it on the root by hand.
ATOM_LINK = "link"


class _AtomExtras(BaseEntryExtension):
    """What feedgen cannot say in an Atom entry: xml:lang, and links other than alternate.

    feedgen 1.0 drops rel and type from every entry link it writes, so a
    `related` link would come out as a second `alternate` and break the feed.
    """

    lang: str | None = None
    links: tuple[tuple[str, str, str], ...] = ()  # (rel, href, media type)

    def extend_atom(self, entry):
        if self.lang:
            entry.attrib[XML_LANG] = self.lang
        for rel, href, media_type in self.links:
            link = etree.SubElement(entry, ATOM_LINK, href=href, rel=rel)
            if media_type:
                link.attrib["type"] = media_type
        return entry


def build_entry(post: Post, rendered: Rendered, site: Site, full_content: bool) -> FeedEntry:
    """The feedgen entry for one post, usable in Atom and RSS feeds alike."""
    entry = FeedEntry()
    entry.load_extension("dc", atom=False, rss=True)
    entry.register_extension("feedpub_atom", _AtomExtras, atom=True, rss=False)
    entry.feedpub_atom.lang = post.lang
    entry.id(post.entry_id)
    # RSS readers treat a guid as a link only when isPermaLink is true, so say so only then.
    entry.guid(post.entry_id, permalink=post.entry_id == post.permalink)
    entry.title(post.title)
    entry.link(href=post.permalink, rel="alternate")
    if post.source_url:
        entry.feedpub_atom.links = (("related", post.source_url, "text/html"),)
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
