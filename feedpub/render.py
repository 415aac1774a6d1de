"""Markdown to HTML for feeds: bodies, summaries, and relative URLs made absolute.

Pure functions of (post, markdown extensions): the same post always renders to
the same HTML.
"""
from __future__ import annotations

import html
import re
from functools import lru_cache
from urllib.parse import urljoin

import markdown

from .model import Post, Rendered

MORE_MARKER = "<!--more-->"
_MORE = re.compile(r"<!--\s*more\s*-->", re.IGNORECASE)
_URL_ATTRIBUTE = re.compile(r"""(\s(?:href|src|poster|cite|action|background)\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_SRCSET = re.compile(r"""(\ssrcset\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_FIRST_PARAGRAPH = re.compile(r"<p>.*?</p>", re.DOTALL)


@lru_cache(maxsize=4)
def _converter(extensions: tuple[str, ...]) -> markdown.Markdown:
    return markdown.Markdown(extensions=list(extensions), output_format="html")


def markdown_to_html(text: str, extensions: tuple[str, ...]) -> str:
    md = _converter(extensions)
    # A reused converter otherwise carries footnotes and references into the next post.
    md.reset()
    return md.convert(text)


def render_post(post: Post, extensions: tuple[str, ...]) -> Rendered:
    """The post's full HTML and its summary HTML, both with absolute URLs."""
    content = absolutize(markdown_to_html(post.body, extensions), post.permalink)
    if post.summary:
        summary = absolutize(markdown_to_html(post.summary, extensions), post.permalink)
    else:
        summary = _summary_from_body(post, extensions, content)
    return Rendered(content_html=_MORE.sub("", content).strip(), summary_html=summary.strip())


def _summary_from_body(post: Post, extensions: tuple[str, ...], content: str) -> str:
    """The part before <!--more-->, else the first paragraph."""
    marker = _MORE.search(post.body)
    if marker:
        return absolutize(markdown_to_html(post.body[: marker.start()], extensions), post.permalink)
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


def _join(base_url: str, value: str) -> str:
    raw = html.unescape(value).strip()
    if not raw:
        return html.escape(base_url, quote=True)
    return html.escape(urljoin(base_url, raw), quote=True)
