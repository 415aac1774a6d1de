"""Markdown to HTML for feeds: bodies, summaries, and relative URLs made absolute.

Pure functions of (post, markdown extensions): the same post always renders to
the same HTML. The HTML itself is read and rewritten in render/markup.py.
"""

from __future__ import annotations

from functools import lru_cache

import markdown

from feedpub.model import Post, Rendered
from feedpub.render.cmark import gfm_to_html
from feedpub.render.markup import (
    MORE_MARKER,
    absolutize,
    before_more_marker,
    close_open_tags,
    first_paragraph,
    without_more_marker,
)

# Importable from here as before: check and the build use these names.
__all__ = [
    "MORE_MARKER",
    "MarkdownEngine",
    "absolutize",
    "close_open_tags",
    "markdown_to_html",
    "render_post",
    "summary_from_content",
]

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
    return Rendered(content_html=without_more_marker(content).strip(), summary_html=summary.strip())


def summary_from_content(content: str) -> str:
    """The part before <!--more--> with the elements it leaves open closed, else the first paragraph.

    The marker must be a real comment: one shown inside a code sample is
    escaped text and so never mistaken for it.
    """
    before = before_more_marker(content)
    return first_paragraph(content) if before is None else before
