"""Warnings `feedpub check` adds about posts that build fine but read badly in a feed reader.

Pure functions of (post, site, Markdown engine): each returns Problems with the
line of the post they are about, and none of them stops a build, but for the
error of a body the Markdown engine cannot render, which would.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from ipaddress import ip_address
from urllib.parse import urljoin, urlsplit

from feedpub.model import Config, Post, Problem, Site, errors_in
from feedpub.render.content import (
    MarkdownEngine,
    RenderError,
    hidden_rest,
    markdown_to_html,
    summary_from_content,
)
from feedpub.render.fragment import elements, parse
from feedpub.render.liquid_check import body_liquid
from feedpub.render.markup import (
    Opening,
    UrlAttribute,
    has_more_marker,
    opening,
    plain_text,
    prose_text,
    title_text,
    url_attributes,
)

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
# Elements whose src the reader loads into the page (a link is only followed on a click).
_EMBEDDING = ("img", "source", "video", "audio", "iframe", "embed", "track", "input")
_LOCAL_HOSTS = ("localhost", "0.0.0.0")
# Elements that act on the page around them (its styles, its base URL, a refresh): readers
# remove them from entries, and the W3C Feed Validation Service flags them (SecurityRisk).
_PAGE_ELEMENTS = ("base", "link", "meta", "style")


def post_warnings(post: Post, site: Site, engine: MarkdownEngine, config: Config | None = None) -> list[Problem]:
    """Every check-only warning about one post, in the order of the lines they name.

    The body is rendered with Liquid first, as a build renders it, with
    `config`'s site. What Liquid could not run is not repeated here: reading
    the post (build.workers.parse_job) reports it, in check as in build.
    """
    if not post.body.strip():
        return [_warning(post, post.body_line, "the body is empty: the feed entry has no content")]
    liquid = body_liquid(post, config, engine)
    if errors_in(liquid.problems):
        return list(liquid.problems)  # the build fails on this post too, and there is no HTML to check
    try:
        content = markdown_to_html(liquid.text, engine)
    except RenderError as err:
        # The build fails on this post too: an error, and no warning can be made without its HTML.
        return [err.in_file(post.path, post.body_line, "body").problem()]
    hiding = hidden_rest(post, content, liquid.text)
    if hiding is not None:  # the build refuses this post too (render.content.render_post)
        return [hiding.problem()]
    # urlsplit refuses a broken host ("//[x"): no reader opens such a URL, and no check here applies to it.
    attributes = [found for found in url_attributes(content) if _splits(found.url)]
    urls = [found.url for found in attributes]
    found = (
        title_repeated(post, content)
        + no_summary(post, content)
        + markdown_source_links(post, urls)
        + unreachable_urls(post, urls)
        + mixed_content(post, attributes, site)
        + outside_site(post, urls, site)
        + page_elements(post, content)
        + kramdown_left_as_text(post, content, engine)
    )
    return sorted(found, key=lambda p: p.line or 0)


def no_summary(post: Post, content: str) -> list[Problem]:
    """No summary key, no <!--more-->, and a body whose first block (after headings) is not a paragraph of text.

    Readers then show a paragraph from further down, out of its context, or no
    text at all. Leading headings are skipped: the paragraph under
    "## Background" is the summary a person would pick.
    """
    if post.summary or has_more_marker(content):
        return []
    start = opening(content)
    shown = plain_text(summary_from_content(content))  # without a marker: the first paragraph
    if start.block == "p" and shown:
        return []
    seen = f'a paragraph from further down ("{_shorten(shown)}")' if shown else "no text at all"
    return [
        _warning(
            post,
            _first_text_line(post),
            f"no summary: the body starts with {_describe(start)}, "
            f"not a paragraph of text, and has no summary: or <!--more-->, so readers see {seen}",
        )
    ]


def _describe(start: Opening) -> str:
    """What a body's first block after its headings is, in words."""
    if start.block is None:
        return "text outside a paragraph"
    if start.block == "p":
        return "an image" if start.block_has_image else "an empty paragraph"
    return _BLOCK_NAMES.get(start.block, f"<{start.block}>")


def title_repeated(post: Post, content: str) -> list[Problem]:
    """A body opening with the title as a heading: readers show the title, then the title again."""
    headings = opening(content).headings
    if not headings:
        return []
    text, title = headings[0].casefold(), " ".join(title_text(post.title).split()).casefold()  # as readers show it
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


def markdown_source_links(post: Post, urls: list[str]) -> list[Problem]:
    """Links to other posts' .md files work in an editor, but no such page is published."""
    found = []
    for url in urls:
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


def unreachable_urls(post: Post, urls: list[str]) -> list[Problem]:
    """URLs of the author's own machine (a local preview, a file) that no reader can open."""
    found = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme == "file" or (parts.scheme in ("http", "https") and _is_local(parts.hostname or "")):
            found.append(
                _warning(
                    post, _line_of(post, url), f'"{url}" points to the writer\'s own machine; readers cannot open it'
                )
            )
    return found


def mixed_content(post: Post, attributes: list[UrlAttribute], site: Site) -> list[Problem]:
    """Web-based readers on https block http images and media, so they show as broken."""
    if urlsplit(site.url).scheme != "https":
        return []
    return [
        _warning(
            post,
            _line_of(post, found.url),
            f'embeds "{found.url}" over plain http on an https site: web-based readers block it; use https',
        )
        for found in attributes
        if found.element in _EMBEDDING and found.attribute != "href" and urlsplit(found.url).scheme == "http"
    ]


def outside_site(post: Post, urls: list[str], site: Site) -> list[Problem]:
    """ "/img/a.png" on a site at https://host/blog/ resolves to https://host/img/a.png, outside the site."""
    base_path = urlsplit(site.url).path
    if base_path == "/":
        return []
    found = []
    for url in urls:
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


# kramdown's own syntax: {: .class} and {:toc} (attribute lists), {::comment} and {::nomarkdown} (extensions).
_KRAMDOWN_SYNTAX = re.compile(r"\{::?[^{}\n]{0,80}\}")


def kramdown_left_as_text(post: Post, content: str, engine: MarkdownEngine) -> list[Problem]:
    """kramdown syntax the engine did not read, which readers would see as text (`{: .note}`, `{:toc}`)."""
    found = _KRAMDOWN_SYNTAX.search(prose_text(content))
    if found is None:
        return []
    hint = "" if engine[0] == "kramdown" else "; markdown.engine: kramdown reads it as Jekyll does"
    message = f"kramdown syntax {found.group()} is left as text in the feed{hint}"
    return [_warning(post, _line_of(post, found.group()), message)]


def page_elements(post: Post, content: str) -> list[Problem]:
    """<style>, <link>, <meta> or <base> in a body: feed readers remove them, so they do nothing there."""
    present = {element.tag for element in elements(parse(content))}
    return [
        _warning(
            post,
            _line_of(post, f"<{name}"),
            f"the body has a <{name}> element: feed readers remove it, as it would act on their own page",
        )
        for name in _PAGE_ELEMENTS
        if name in present
    ]


def _splits(url: str) -> bool:
    try:
        urlsplit(url)
    except ValueError:
        return False
    return True


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
