"""Markdown to HTML for feeds: bodies, summaries, and relative URLs made absolute.

Pure functions of (post, markdown extensions): the same post always renders to
the same HTML.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

import markdown

from feedpub.model import Post, Rendered
from feedpub.render.cmark import gfm_to_html

MORE_MARKER = re.compile(r"<!--\s*more\s*-->", re.IGNORECASE)
# A start or end tag; text never holds a raw "<" (Markdown escapes it), so these are real tags.
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(?:\s[^<>]*)?/?>")
_URL_ATTRIBUTE = re.compile(
    r"""(\s(?:href|src|srcset|poster|cite|action|background)\s*=\s*)("[^"]*"|'[^']*'|[^\s"'=<>`]+)""", re.IGNORECASE
)
_VOID = frozenset(
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]
)
_FIRST_PARAGRAPH = re.compile(r"<p>.*?</p>", re.DOTALL)

MarkdownEngine = tuple[str, tuple[str, ...]]  # engine name, Python-Markdown extensions


@lru_cache(maxsize=4)
def _converter(extensions: tuple[str, ...]) -> markdown.Markdown:
    return markdown.Markdown(extensions=list(extensions), output_format="html")


def markdown_to_html(text: str, engine: MarkdownEngine) -> str:
    """HTML for a Markdown text with the configured engine: (name, extensions)."""
    name, extensions = engine
    if name == "cmark":
        return _cmark(text)
    md = _converter(extensions)
    # A reused converter otherwise carries footnotes and references into the next post.
    md.reset()
    return md.convert(text)


def _cmark(text: str) -> str:
    # Raw HTML passes through, as with Python-Markdown: the author wrote it.
    return gfm_to_html(text)


def render_post(post: Post, engine: MarkdownEngine) -> Rendered:
    """The post's full HTML and its summary HTML, both with absolute URLs."""
    content = absolutize(markdown_to_html(post.body, engine), post.permalink)
    if post.summary:
        summary = absolutize(markdown_to_html(post.summary, engine), post.permalink)
    else:
        summary = summary_from_content(content)
    return Rendered(content_html=MORE_MARKER.sub("", content).strip(), summary_html=summary.strip())


def summary_from_content(content: str) -> str:
    """The part before <!--more-->, else the first paragraph.

    The marker is looked for in the HTML, where a marker shown inside a code
    sample is escaped text and so never mistaken for the real one.
    """
    marker = MORE_MARKER.search(content)
    if marker:
        return close_open_tags(content[: marker.start()].rstrip())
    paragraph = _FIRST_PARAGRAPH.search(content)
    return paragraph.group(0) if paragraph else ""


def close_open_tags(fragment: str) -> str:
    """Close the elements a cut left open (`<p>text <!--more-->` leaves a <p>)."""
    stack: list[str] = []
    for match in _TAG.finditer(fragment):
        closing, name = match.group(1), match.group(2).lower()
        if name in _VOID or match.group(0).endswith("/>"):
            continue
        if not closing:
            stack.append(name)
        elif name in stack:
            while stack.pop() != name:
                pass
    return fragment + "".join(f"</{name}>" for name in reversed(stack))


def absolutize(fragment: str, base_url: str) -> str:
    """Resolve every relative URL in an HTML fragment against `base_url`.

    Feed readers have no base URL for entry content, so `/img/a.png`,
    `../other/` and `#note` would break; we resolve them as a browser would.
    Only attributes inside real tags are touched: a code sample showing
    `<img src="logo.png">` is escaped text and stays exactly as written.
    """

    def attribute(match: re.Match) -> str:
        name, quote, value = match.group(1), *_unquote(match.group(2))
        if name.lower().lstrip().startswith("srcset"):
            return f"{name}{quote}{_srcset(base_url, value)}{quote}"
        return f"{name}{quote}{_join(base_url, value)}{quote}"

    def tag(match: re.Match) -> str:
        return _URL_ATTRIBUTE.sub(attribute, match.group(0))

    return _TAG.sub(tag, fragment)


def _unquote(raw: str) -> tuple[str, str]:
    if raw[:1] in ("'", '"'):
        return raw[0], raw[1:-1]
    return '"', raw.replace('"', "&quot;")


def _srcset(base_url: str, value: str) -> str:
    candidates = []
    for candidate in html.unescape(value).split(","):
        parts = candidate.strip().split(None, 1)
        if parts:
            parts[0] = urljoin(base_url, parts[0])
            candidates.append(" ".join(parts))
    return html.escape(", ".join(candidates), quote=True)


_ABSOLUTE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _join(base_url: str, value: str) -> str:
    if _ABSOLUTE.match(value):
        return value  # already absolute (https:, mailto:, data:): leave the author's text alone
    raw = html.unescape(value).strip() if "&" in value else value.strip()
    if not raw:
        return html.escape(base_url, quote=True)
    if raw[0] == "/" and raw[1:2] != "/" and "/." not in raw:
        joined = _origin(base_url) + raw  # the common case, without urljoin's cost
    else:
        joined = urljoin(base_url, raw)
    return html.escape(joined, quote=True)


@lru_cache(maxsize=64)
def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
