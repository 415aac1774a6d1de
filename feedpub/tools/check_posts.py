"""Warnings `feedpub check` adds about posts that build fine but read badly in a feed reader.

Pure functions of (post, site, Markdown engine): each returns Problems with the
line of the post they are about, and none of them stops a build.
"""

from __future__ import annotations

import html
import re
from difflib import SequenceMatcher
from html.parser import HTMLParser
from ipaddress import ip_address
from urllib.parse import urljoin, urlsplit

from feedpub.model import Post, Problem, Site
from feedpub.render.content import MORE_MARKER, MarkdownEngine, markdown_to_html, summary_from_content

_TAGS = re.compile(r"<[^>]*>")
_HEADING = r"<h[1-6][^>]*>(.*?)</h[1-6]>"
_LEADING_HEADINGS = re.compile(rf"^(?:\s*{_HEADING})*\s*", re.DOTALL)
_FIRST_HEADING = re.compile(rf"^\s*{_HEADING}", re.DOTALL)
_FIRST_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)")
_BLOCK_NAMES = {
    "ul": "a list",
    "ol": "a list",
    "pre": "a code block",
    "img": "an image",
    "figure": "an image",
    "blockquote": "a quote",
    "table": "a table",
    "div": "a <div>",
    "hr": "a rule",
    "dl": "a list",
}
_URL_ATTRIBUTES = ("href", "src", "srcset", "poster")
# Elements whose src the reader loads into the page (a link is only followed on a click).
_EMBEDDING = ("img", "source", "video", "audio", "iframe", "embed", "track", "input")
_LOCAL_HOSTS = ("localhost", "0.0.0.0")


def post_warnings(post: Post, site: Site, engine: MarkdownEngine) -> list[Problem]:
    """Every check-only warning about one post, in the order of the lines they name."""
    if not post.body.strip():
        return [_warning(post, post.body_line, "the body is empty: the feed entry has no content")]
    content = markdown_to_html(post.body, engine)
    urls = _urls(content)
    found = (
        title_repeated(post, content)
        + no_summary(post, content)
        + markdown_source_links(post, urls)
        + unreachable_urls(post, urls)
        + mixed_content(post, urls, site)
        + outside_site(post, urls, site)
    )
    return sorted(found, key=lambda p: p.line or 0)


def no_summary(post: Post, content: str) -> list[Problem]:
    """No summary key, no <!--more-->, and a body whose first block (after headings) is not a paragraph of text.

    Readers then show a paragraph from further down, out of its context, or no
    text at all. Leading headings are skipped: the paragraph under
    "## Background" is the summary a person would pick.
    """
    if post.summary or MORE_MARKER.search(content):
        return []
    opening = _LEADING_HEADINGS.sub("", content)
    shown = _text(summary_from_content(content))  # without a marker: the first paragraph
    if opening.startswith("<p>") and shown:
        return []
    seen = f'a paragraph from further down ("{_shorten(shown)}")' if shown else "no text at all"
    return [
        _warning(
            post,
            _first_text_line(post),
            f"no summary: the body starts with {_describe(opening)}, "
            f"not a paragraph of text, and has no summary: or <!--more-->, so readers see {seen}",
        )
    ]


def _describe(opening: str) -> str:
    """What a body's first block is, in words."""
    first = _FIRST_TAG.match(opening)
    if first is None:
        return "text outside a paragraph"
    if first.group(1) == "p":
        return "an image" if "<img" in opening[: opening.find("</p>")] else "an empty paragraph"
    return _BLOCK_NAMES.get(first.group(1), f"<{first.group(1)}>")


def title_repeated(post: Post, content: str) -> list[Problem]:
    """A body opening with the title as a heading: readers show the title, then the title again."""
    heading = _FIRST_HEADING.match(content)
    if not heading:
        return []
    text, title = _text(heading.group(1)).casefold(), " ".join(post.title.split()).casefold()
    # Near enough counts too: a heading pasted from an older title differs by a character or two.
    if not title or not (text.startswith(title) or SequenceMatcher(None, title, text).ratio() >= 0.85):
        return []
    return [
        _warning(
            post,
            _first_text_line(post),
            "the body starts with the title again as a heading: readers show the title twice; remove the heading",
        )
    ]


def markdown_source_links(post: Post, urls: list[tuple[str, str, str]]) -> list[Problem]:
    """Links to other posts' .md files work in an editor, but no such page is published."""
    found = []
    for _, _, url in urls:
        parts = urlsplit(url)
        if not parts.scheme and not parts.netloc and parts.path.lower().endswith((".md", ".markdown")):
            found.append(
                _warning(
                    post,
                    _line_of(post, url),
                    f'links to the Markdown file "{url}", which is not published: link to the post\'s URL instead',
                )
            )
    return found


def unreachable_urls(post: Post, urls: list[tuple[str, str, str]]) -> list[Problem]:
    """URLs of the author's own machine (a local preview, a file) that no reader can open."""
    found = []
    for _, _, url in urls:
        parts = urlsplit(url)
        if parts.scheme == "file" or (parts.scheme in ("http", "https") and _is_local(parts.hostname or "")):
            found.append(
                _warning(
                    post, _line_of(post, url), f'"{url}" points to the writer\'s own machine; readers cannot open it'
                )
            )
    return found


def mixed_content(post: Post, urls: list[tuple[str, str, str]], site: Site) -> list[Problem]:
    """Web-based readers on https block http images and media, so they show as broken."""
    if urlsplit(site.url).scheme != "https":
        return []
    return [
        _warning(
            post,
            _line_of(post, url),
            f'embeds "{url}" over plain http on an https site: web-based readers block it; use https',
        )
        for tag, attribute, url in urls
        if tag in _EMBEDDING and attribute != "href" and urlsplit(url).scheme == "http"
    ]


def outside_site(post: Post, urls: list[tuple[str, str, str]], site: Site) -> list[Problem]:
    """ "/img/a.png" on a site at https://host/blog/ resolves to https://host/img/a.png, outside the site."""
    base_path = urlsplit(site.url).path
    if base_path == "/":
        return []
    found = []
    for _, _, url in urls:
        inside = url.startswith(base_path) or url == base_path.rstrip("/")
        if url.startswith("/") and not url.startswith("//") and not inside:
            found.append(
                _warning(
                    post,
                    _line_of(post, url),
                    f'"{url}" resolves to {urljoin(site.url, url)}, '
                    f'outside the site {site.url}; did you mean "{base_path.rstrip("/")}{url}"?',
                )
            )
    return found


class _UrlCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in _URL_ATTRIBUTES and value:
                values = [c.split()[0] for c in value.split(",") if c.strip()] if name == "srcset" else [value]
                self.urls.extend((tag, name, v.strip()) for v in values)

    handle_startendtag = handle_starttag


def _urls(content: str) -> list[tuple[str, str, str]]:
    """(tag, attribute, url) of every URL in real tags; a code sample's text is not a tag."""
    collector = _UrlCollector()
    collector.feed(content)
    collector.close()
    return collector.urls


def _is_local(host: str) -> bool:
    if host in _LOCAL_HOSTS or host.endswith(".localhost"):
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _line_of(post: Post, text: str) -> int:
    """The file line where `text` first appears in the body (the body's first line if nowhere)."""
    index = post.body.find(text)
    return post.body_line + post.body[:index].count("\n") if index >= 0 else post.body_line


def _first_text_line(post: Post) -> int:
    lines = post.body.split("\n")
    offset = next((i for i, line in enumerate(lines) if line.strip()), 0)
    return post.body_line + offset


def _text(fragment: str) -> str:
    """The words of an HTML fragment, entities decoded."""
    return " ".join(html.unescape(_TAGS.sub("", fragment)).split())


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _warning(post: Post, line: int, message: str) -> Problem:
    return Problem(post.path, line, message, "warning")
