"""Warnings `feedpub check` adds about posts that build fine but read badly in a feed reader.

Pure functions of (post, site, Markdown engine): each returns Problems with the
line of the post they are about, and none of them stops a build.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from ipaddress import ip_address
from urllib.parse import urljoin, urlsplit

from .model import Post, Problem, Site
from .render import MarkdownEngine, markdown_to_html, summary_from_content

# The marker render.summary_from_content cuts at.
_MORE = re.compile(r"<!--\s*more\s*-->", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")
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
    found = (no_summary(post, content) + markdown_source_links(post, urls) + unreachable_urls(post, urls)
             + mixed_content(post, urls, site) + outside_site(post, urls, site))
    return sorted(found, key=lambda p: p.line or 0)


def no_summary(post: Post, content: str) -> list[Problem]:
    """No summary key, no <!--more-->, and a body that does not open with a paragraph.

    Readers then show a paragraph from further down, or nothing, under the title.
    """
    if post.summary or _MORE.search(content) or content.lstrip().startswith("<p>"):
        return []
    shown = " ".join(_TAGS.sub("", summary_from_content(content)).split())
    what = f'a paragraph from further down ("{_shorten(shown)}")' if shown else "no summary at all"
    return [_warning(post, _first_text_line(post), "no summary: no summary:/excerpt:/description:, no <!--more-->, "
                     f"and the body does not start with a paragraph, so readers see {what}")]


def markdown_source_links(post: Post, urls: list[tuple[str, str, str]]) -> list[Problem]:
    """Links to other posts' .md files work in an editor, but no such page is published."""
    found = []
    for _, _, url in urls:
        parts = urlsplit(url)
        if not parts.scheme and not parts.netloc and parts.path.lower().endswith((".md", ".markdown")):
            found.append(_warning(post, _line_of(post, url), f'links to the Markdown file "{url}", which is not '
                                  "published: link to the post's URL instead"))
    return found


def unreachable_urls(post: Post, urls: list[tuple[str, str, str]]) -> list[Problem]:
    """URLs of the author's own machine (a local preview, a file) that no reader can open."""
    found = []
    for _, _, url in urls:
        parts = urlsplit(url)
        if parts.scheme == "file" or (parts.scheme in ("http", "https") and _is_local(parts.hostname or "")):
            found.append(_warning(post, _line_of(post, url), f'"{url}" points to the writer\'s own machine; '
                                  "readers cannot open it"))
    return found


def mixed_content(post: Post, urls: list[tuple[str, str, str]], site: Site) -> list[Problem]:
    """Web-based readers on https block http images and media, so they show as broken."""
    if urlsplit(site.url).scheme != "https":
        return []
    return [_warning(post, _line_of(post, url), f'embeds "{url}" over plain http on an https site: '
                     "web-based readers block it; use https")
            for tag, attribute, url in urls
            if tag in _EMBEDDING and attribute != "href" and urlsplit(url).scheme == "http"]


def outside_site(post: Post, urls: list[tuple[str, str, str]], site: Site) -> list[Problem]:
    """"/img/a.png" on a site at https://host/blog/ resolves to https://host/img/a.png, outside the site."""
    base_path = urlsplit(site.url).path
    if base_path == "/":
        return []
    found = []
    for _, _, url in urls:
        inside = url.startswith(base_path) or url == base_path.rstrip("/")
        if url.startswith("/") and not url.startswith("//") and not inside:
            found.append(_warning(post, _line_of(post, url), f'"{url}" resolves to {urljoin(site.url, url)}, '
                                  f'outside the site {site.url}; did you mean "{base_path.rstrip("/")}{url}"?'))
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


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _warning(post: Post, line: int, message: str) -> Problem:
    return Problem(post.path, line, message, "warning")
