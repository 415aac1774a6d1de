"""The feedgen entry of one post."""

from __future__ import annotations

import re

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension
from feedgen.ext.dc import DcEntryExtension
from feedgen.ext.podcast_entry import PodcastEntryExtension
from lxml import etree

from feedpub.model import Author, Enclosure, Post, Rendered, Site
from feedpub.render.markup import title_text

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
# feedgen builds Atom elements without a namespace and declares it on the root by hand.
ATOM_LINK = "link"


class _EntryExtras(BaseEntryExtension):
    """What feedgen cannot say right: xml:lang, Atom links other than alternate, RSS enclosures and authors.

    feedgen 1.0 drops rel and type from every Atom entry link it writes, so a
    `related` or `enclosure` link would come out as a second `alternate` and
    break the feed; its own enclosure() goes through that same writer. It also
    writes an RSS <author> for every author with an email, where RSS allows one.
    """

    lang: str | None = None
    rss_enclosure: Enclosure | None = None
    rss_author = True  # False: the names are dc:creator, and an item has one or the other
    links: tuple[tuple[str, str, str, int | None], ...] = ()  # (rel, href, media type, length)
    itunes_explicit: bool | None = None  # a podcast episode's, "true"/"false" as Apple spells it (feedgen: yes/no)

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
        if not self.rss_author:
            for author in item.findall("author"):
                item.remove(author)
        for element in [item.find("title"), *item.findall("category")]:
            hex_references(element)
        if self.rss_enclosure:
            enclosure = self.rss_enclosure
            etree.SubElement(
                item, "enclosure", url=enclosure.url, length=str(enclosure.length), type=enclosure.media_type
            )
        if self.itunes_explicit is not None:
            etree.SubElement(item, f"{{{ITUNES_NS}}}explicit").text = "true" if self.itunes_explicit else "false"
        return item


def hex_references(element: etree._Element | None) -> None:
    """Write "<" and "&" in an RSS element's plain text as &#x3C; and &#x26;, as the RSS Best Practices Profile asks.

    RSS readers cannot tell plain text from escaped HTML, and many take `&lt;b&gt;`
    as markup; a hexadecimal reference says "this is the character". The text
    an XML parser reads is the same.
    """
    text = element.text if element is not None else None
    if element is None or not text or ("<" not in text and "&" not in text):
        return
    pieces = re.split("([<&])", text)
    element.text = pieces[0]
    for character, following in zip(pieces[1::2], pieces[2::2], strict=True):
        reference = etree.Entity(f"#x{ord(character):X}")
        reference.tail = following
        element.append(reference)


def person(author: Author) -> dict[str, str]:
    """An author as feedgen takes one: name, and email and uri when given."""
    return {k: v for k, v in (("name", author.name), ("email", author.email), ("uri", author.uri)) if v}


def build_entry(post: Post, rendered: Rendered, site: Site, full_content: bool) -> FeedEntry:
    """The feedgen entry for one post, usable in Atom and RSS feeds alike."""
    entry = FeedEntry()
    # What load_extension("dc") registers, without its failed import of a module feedgen does not have per entry.
    entry.register_extension("dc", DcEntryExtension, atom=False, rss=True)
    entry.register_extension("feedpub_extras", _EntryExtras, atom=True, rss=True)
    entry.feedpub_extras.lang = post.lang
    entry.id(post.entry_id)
    # RSS readers treat a guid as a link only when isPermaLink is true, so say so only then.
    entry.guid(post.entry_id, permalink=post.entry_id == post.permalink)
    entry.title(title_text(post.title))
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
        entry.author(person(author))
    # RSS <author> is one email address: one author with an email gets it; any other
    # authors are all dc:creator names (the RSS profile advises against both on one item).
    if post.authors and (len(post.authors) > 1 or not post.authors[0].email):
        entry.feedpub_extras.rss_author = False
        entry.dc.dc_creator([a.name for a in post.authors])
    categories = [(name, "categories/") for name in post.categories] + [(name, "tags/") for name in post.tags]
    if categories:  # in one call: feedgen maps every category it holds to RSS again on each
        entry.category([{"term": name, "label": name, "scheme": site.url + folder} for name, folder in categories])
    if rendered.summary_html:
        entry.summary(rendered.summary_html, type="html")
    if full_content and rendered.content_html:
        entry.content(rendered.content_html, type="html")
    if site.podcast is not None:
        episode(entry, post)
    return entry


def episode(entry: FeedEntry, post: Post) -> None:
    """A podcast episode's iTunes tags, in RSS (Apple reads RSS): its length, and its own explicit flag."""
    entry.register_extension("podcast", PodcastEntryExtension, atom=False, rss=True)
    if post.duration:
        entry.podcast.itunes_duration(post.duration)
    entry.feedpub_extras.itunes_explicit = post.explicit
