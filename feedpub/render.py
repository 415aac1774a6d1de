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

from .model import Post, Rendered

MORE_MARKER = "<!--more-->"
_MORE = re.compile(r"<!--\s*more\s*-->", re.IGNORECASE)
_URL_ATTRIBUTE = re.compile(r"""(\s(?:href|src|poster|cite|action|background)\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_SRCSET = re.compile(r"""(\ssrcset\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
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
    import cmarkgfm
    from cmarkgfm.cmark import Options

    # Raw HTML passes through, as with Python-Markdown: the author wrote it.
    return cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES)


def render_post(post: Post, engine: MarkdownEngine) -> Rendered:
    """The post's full HTML and its summary HTML, both with absolute URLs."""
    content = absolutize(markdown_to_html(post.body, engine), post.permalink)
    if post.summary:
        summary = absolutize(markdown_to_html(post.summary, engine), post.permalink)
    else:
        summary = _summary_from_body(post, engine, content)
    return Rendered(content_html=_MORE.sub("", content).strip(), summary_html=summary.strip())


def _summary_from_body(post: Post, engine: MarkdownEngine, content: str) -> str:
    """The part before <!--more-->, else the first paragraph."""
    marker = _MORE.search(post.body)
    if marker:
        return absolutize(markdown_to_html(post.body[: marker.start()], engine), post.permalink)
    paragraph = _FIRST_PARAGRAPH.search(content)
    return paragraph.group(0) if paragraph else ""


def absolutize(fragment: str, base_url: str) -> str:
    """Resolve every relative URL in an HTML fragment against `base_url`.

    Feed readers have no base URL for entry content, so `/img/a.png`,
    `../other/` and `#note` would break; we resolve them as a browser would.
    """
    def one(match: re.Match) -> str:
        quote = '"' if match.group(2) is not None else "'"
        value = match.group(2) if match.group(2) is not None else match.group(3)
        return f"{match.group(1)}{quote}{_join(base_url, value)}{quote}"

    def srcset(match: re.Match) -> str:
        quote = '"' if match.group(2) is not None else "'"
        value = match.group(2) if match.group(2) is not None else match.group(3)
        candidates = []
        for candidate in html.unescape(value).split(","):
            parts = candidate.strip().split(None, 1)
            if parts:
                parts[0] = urljoin(base_url, parts[0])
                candidates.append(" ".join(parts))
        return f"{match.group(1)}{quote}{html.escape(', '.join(candidates), quote=True)}{quote}"

    return _SRCSET.sub(srcset, _URL_ATTRIBUTE.sub(one, fragment))


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
