"""Feed-level fields shared by the Atom and RSS emitters."""
from __future__ import annotations

from typing import Mapping

from feedgen.feed import FeedGenerator

from ..model import FeedSpec, Site
from .entries import EntryXml

GENERATOR = "feedpub"


def feed_generator(spec: FeedSpec, site: Site, self_url: str, media_type: str,
                   entries: Mapping[str, EntryXml]) -> FeedGenerator:
    """A FeedGenerator holding the spec's fields and entries, deterministic for a spec."""
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.id(spec.url(site, "atom.xml"))
    fg.title(spec.title)
    fg.subtitle(spec.description)
    fg.link(href=self_url, rel="self", type=media_type)
    # feedgen takes RSS <link> from the last link added, so the alternate goes last.
    fg.link(href=spec.home_url, rel="alternate", type="text/html")
    if site.language:
        fg.language(site.language)
    if site.author:
        fg.author({k: v for k, v in (("name", site.author.name), ("email", site.author.email), ("uri", site.author.uri)) if v})
    # Our own generator without a version: a feedpub upgrade must not rewrite every feed.
    fg.generator(GENERATOR)
    # feedgen defaults to now(); the newest entry's time keeps builds reproducible.
    fg.updated(spec.updated)
    for post in spec.entries:
        # feedgen prepends by default, which would reverse our newest-first order.
        fg.add_entry(entries[post.entry_id].entry, order="append")
    return fg
