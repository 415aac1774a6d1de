"""The plain frozen data that every stage of the pipeline shares.

Stages import their types from here rather than from each other, so data
flows one way: config -> posts -> plan -> render -> feeds -> output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal
from urllib.parse import quote

Severity = Literal["error", "warning"]
FeedContent = Literal["full", "summary"]
StaleFeeds = Literal["delete", "keep"]
FeedKind = Literal["site", "category", "tag", "author", "language", "custom", "collection"]
TaxonomyKind = Literal["category", "tag", "author", "language"]
# feeds.authors and feeds.languages: a feed for each when the posts have more than one ("auto"), always, or never.
FeedSwitch = Literal["auto", "on", "off"]

# Messages quote what the user wrote; a newline or an escape sequence in it must
# not split a `path:line: message` line or reach the terminal.
_UNPRINTABLE = {c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7F, 0xA0)]}
_UNPRINTABLE.update({0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"})


def one_line(text: str) -> str:
    """`text` with control characters shown as escapes, so it prints as one safe line."""
    return text.translate(_UNPRINTABLE)


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with an input file, with the place it was found."""

    path: Path | None
    line: int | None
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        prefix = "warning: " if self.severity == "warning" else ""
        return one_line(f"{where}{prefix}{self.message}")


def errors_in(problems: tuple[Problem, ...]) -> tuple[Problem, ...]:
    return tuple(p for p in problems if p.severity == "error")


def warnings_in(problems: tuple[Problem, ...]) -> tuple[Problem, ...]:
    return tuple(p for p in problems if p.severity == "warning")


@dataclass(frozen=True, slots=True)
class Author:
    name: str
    email: str | None = None
    uri: str | None = None


@dataclass(frozen=True, slots=True)
class Enclosure:
    url: str  # absolute
    length: int  # bytes
    media_type: str


@dataclass(frozen=True, slots=True)
class Site:
    title: str
    url: str  # absolute, always ends with "/"
    description: str
    language: str | None
    timezone: str
    author: Author | None
    podcast: Podcast | None = None  # the iTunes fields of every RSS feed, for a site whose posts are episodes


@dataclass(frozen=True, slots=True)
class Podcast:
    """config.yaml's podcast: what Apple Podcasts and the Podcast Index read from an RSS channel."""

    image: str  # absolute URL of the cover art (Apple: a square JPEG or PNG, 1400-3000 px)
    category: str  # one of Apple's top-level categories
    subcategory: str | None
    explicit: bool
    owner: Author | None  # itunes:owner: whom Apple writes to about the show
    type: str  # episodic or serial


@dataclass(frozen=True, slots=True)
class FeedOptions:
    formats: tuple[str, ...]
    limit: int  # 0 means every entry
    content: FeedContent
    categories: bool
    tags: bool
    opml: bool = True
    archive: bool = False  # RFC 5005 archive pages for the site feed
    archive_taxonomies: bool = False  # ... and for every category and tag feed
    archive_page_size: int = 50
    stylesheet: bool = False
    authors: FeedSwitch = "auto"
    languages: FeedSwitch = "auto"
    page: bool = True  # feeds.html: every feed on a page a person can open


# What a custom feed selects on: a post's tags, categories, authors' names, language.
SELECTORS = ("tags", "categories", "authors", "languages")


@dataclass(frozen=True, slots=True)
class CustomFeed:
    """A feed the config defines by what its posts carry (custom_feeds.<name>)."""

    name: str  # its key in the config: the feed's folder (feeds/<name>/)
    title: str | None
    # Each: (selector, names) pairs, selector one of SELECTORS. A post is in the feed when it
    # has at least one name of any_of (if given), every name of all_of, and no name of none_of.
    any_of: tuple[tuple[str, tuple[str, ...]], ...] = ()
    all_of: tuple[tuple[str, tuple[str, ...]], ...] = ()
    none_of: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class JekyllFeed:
    """jekyll-feed's `feed:` settings, as jekyll-feed reads them."""

    path: str = "feed.xml"  # the site feed, relative to the output folder
    categories: tuple[str, ...] = ()  # categories jekyll-feed gives a feed of its own (feed/<name>.xml)
    tags: bool = False  # jekyll-feed's tag feeds are on (feed.tags)
    tags_only: tuple[str, ...] | None = None
    tags_except: tuple[str, ...] = ()
    tags_path: str = "feed/by_tag/"
    # Collections besides posts that get a feed (feed: collections): (label, Atom file, URL template).
    collections: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class JekyllSite:
    """What a Jekyll `_config.yml` says about posts beyond what Config holds."""

    source: Path  # the site's source folder (where _config.yml is)
    base_path: str  # `baseurl` as a URL path: "" or "/blog"
    permalink: str  # the posts' URL template, a built-in style already expanded (/:year/:month/:day/:title:output_ext)
    # front matter defaults: (path prefix or glob, type or "", the values as JSON text), in config order
    defaults: tuple[tuple[str, str, str], ...] = ()
    exclude: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    future: bool = False
    unpublished: bool = False
    show_drafts: bool = False
    excerpt_separator: str = "\n\n"
    markdown_ext: tuple[str, ...] = (".markdown", ".mkdown", ".mkdn", ".mkd", ".md")
    feed: JekyllFeed = field(default_factory=JekyllFeed)
    # The whole `_config.yml` as JSON text (dates as ISO text): Liquid's `site.*`. Text, not a dict, so
    # that the site stays frozen and hashable and its repr (the build cache's key) says everything.
    variables: str = "{}"
    # sha256 over the files of `_includes/` and `_data/`, which Liquid reads while rendering a post:
    # an edit there changes the config's repr, and with it the build cache's key.
    liquid_inputs: str = ""
    # Feed files the site's source has itself (a feed.xml page of its own): jekyll-feed then writes
    # none at that path, and neither does feedpub.
    own_feeds: tuple[str, ...] = ()
    # What Jekyll's absolute_url puts before a path: `url` as written and `baseurl`. A `url` ending
    # in "/" gives "https://x.org//2020/..." in every link and id jekyll-feed wrote: ids must not change.
    url_prefix: str = ""
    # `_data/authors.yml` (or .yaml, .json): (key, name, email, uri), for jekyll-feed's
    # `site.data.authors[post.author]`: a post's `author: virginia` is that entry's name.
    data_authors: tuple[tuple[str, str, str | None, str | None], ...] = ()
    # `liquid: error_mode:`: "warn" (Jekyll's default) and "lax" write an output statement Liquid cannot
    # parse (`{{ .Values.x }}` in a code block) leniently, as Jekyll does; "strict" makes it an error.
    liquid_error_mode: str = "warn"


@dataclass(frozen=True, slots=True)
class Config:
    path: Path  # the config file; relative folders are resolved against its parent
    site: Site
    posts_dir: Path
    output_dir: Path
    permalink: str
    feeds: FeedOptions
    markdown_extensions: tuple[str, ...]
    markdown_engine: str = "kramdown"  # or "cmark" (cmarkgfm), "python-markdown"
    smart_quotes: tuple[str, str, str, str] = ("\u2018", "\u2019", "\u201c", "\u201d")  # kramdown's ‘ ’ “ ”
    line_numbers: bool = False  # kramdown engine: code blocks in Rouge's table with a line-number gutter
    rouge: bool = True  # kramdown engine: code in Rouge's markup; False: a plain <pre><code>, as Rouge turned off
    footnote_backlink: str = "&#8617;"  # kramdown engine: a footnote's link back, as HTML text; "" for none
    tag_slugs: tuple[tuple[str, str], ...] = ()
    category_slugs: tuple[tuple[str, str], ...] = ()
    author_slugs: tuple[tuple[str, str], ...] = ()
    custom_feeds: tuple[CustomFeed, ...] = ()
    stale_feeds: StaleFeeds = "delete"
    keep_going: bool = False
    cache_dir: Path = Path(".feedpub-cache")
    hubs: tuple[str, ...] = ()  # websub.hubs
    ping: bool = False  # websub.ping
    jekyll: JekyllSite | None = None  # a Jekyll site read as Jekyll reads it (see sources.jekyll)


@dataclass(frozen=True, slots=True)
class Post:
    """One post as written, with dates made timezone-aware and names normalised."""

    path: Path  # as found under posts_dir, used in messages
    title: str
    published: datetime
    updated: datetime
    authors: tuple[Author, ...]
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    summary: str | None  # front matter summary/excerpt/description, Markdown
    draft: bool
    entry_id: str  # front matter id, else the permalink
    permalink: str  # absolute, percent-encoded URL
    source_url: str | None
    lang: str | None
    body: str  # Markdown; empty when the post came from the cache without it
    body_line: int  # line of the file where the body starts
    source_hash: str = ""  # sha256 of the file's bytes: the key of its rendered entry
    enclosures: tuple[Enclosure, ...] = ()
    image: str | None = None  # absolute URL of the post's main image
    body_is_html: bool = False  # a Jekyll `.html` post: its body is published as it is, not as Markdown
    has_liquid: bool = False  # its body has Liquid, which may read other posts (post_url, site.posts)
    reads_beside: bool = False  # its Liquid has include_relative: files in its folder decide its entry
    liquid_key: str = ""  # with Liquid: the key of its entry, over the other files its Liquid may read too
    duration: str | None = None  # a podcast episode's length, [[H:]M:]S as written (itunes:duration)
    explicit: bool | None = None  # a podcast episode's own explicit flag, else the show's
    collection: str = "posts"  # a Jekyll site's document in another collection (feed: collections)
    key_lines: tuple[tuple[str, int], ...] = ()  # front matter key -> file line, for later messages

    def line_of(self, key: str) -> int | None:
        return dict(self.key_lines).get(key)


@dataclass(frozen=True, slots=True)
class Rendered:
    """A post's HTML, with every relative URL made absolute."""

    content_html: str
    summary_html: str


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One feed to publish: its identity, where it goes, and its entries."""

    kind: FeedKind
    name: str | None  # the category or tag as written; None for the site feed
    slug: str | None
    title: str
    description: str
    home_url: str  # the HTML page the feed stands for
    folder: str  # relative to output_dir, "" for the site feed; Unicode as on disk
    url_folder: str  # the same folder percent-encoded, for URLs
    entries: tuple[Post, ...]
    updated: datetime
    # RFC 5005: (rel, url_folder) of sibling documents, in the same format as this one.
    archive_links: tuple[tuple[str, str], ...] = ()
    archive: bool = False  # an archive document (fh:archive), not the subscription document
    hubs: tuple[str, ...] = ()  # WebSub hubs to advertise
    stylesheet: str | None = None  # href of the XSLT that makes the feed readable in a browser
    language: str | None = None  # the feed's own language (a language feed), else the site's
    # (file name, path relative to output_dir) where a file is not <folder>/<file name>: a Jekyll
    # site's feeds go where jekyll-feed puts them (feed.xml, feed/by_tag/<tag>.xml).
    files: tuple[tuple[str, str], ...] = ()
    # An archive page's subscription document's `files`: its "current" link and its id point there.
    subscription_files: tuple[tuple[str, str], ...] = ()

    def link_url(self, site: Site, rel: str, url_folder: str, filename: str) -> str:
        """The URL of an RFC 5005 link of this feed (`rel` to the document in `url_folder`)."""
        placed = dict(self.subscription_files).get(filename) if rel == "current" else None
        return _placed_url(site, placed) if placed is not None else document_url(site, url_folder, filename)

    def file(self, filename: str) -> str:
        placed = dict(self.files).get(filename)
        if placed is not None:
            return placed
        return f"{self.folder}/{filename}" if self.folder else filename

    def url(self, site: Site, filename: str) -> str:
        placed = dict(self.files).get(filename)
        return _placed_url(site, placed) if placed is not None else document_url(site, self.url_folder, filename)


def _placed_url(site: Site, relative_path: str) -> str:
    """The URL of a feed file placed by path (FeedSpec.files), percent-encoded."""
    return site.url + quote(relative_path, safe="/-_.~")


def document_url(site: Site, url_folder: str, filename: str) -> str:
    """The absolute URL of a file in a feed's folder: the one place feed URLs are made."""
    return site.url + (f"{url_folder}/{filename}" if url_folder else filename)


@dataclass(frozen=True, slots=True)
class Report:
    """What a build did, for the CLI to print and scripts to read."""

    written: tuple[str, ...] = ()
    changed_feeds: tuple[str, ...] = ()  # absolute URLs of feeds whose bytes changed, for WebSub
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    posts_read: int = 0
    entries: int = 0  # entries over all feeds (one per feed, whatever the formats)
    posts_skipped: tuple[Path, ...] = ()
    problems: tuple[Problem, ...] = ()
    seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return errors_in(self.problems)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return warnings_in(self.problems)
