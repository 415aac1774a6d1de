"""Markdown to HTML for feeds: bodies, summaries, and relative URLs made absolute.

Pure functions of (post, markdown extensions): the same post always renders to
the same HTML. The HTML itself is read and rewritten in render/markup.py.
A body that would make the engine recurse too deeply or scan for too long is
refused with a RenderError before the engine sees it (see render/limits.py).
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape
from pathlib import Path

import markdown

from feedpub.model import Config, Post, Problem, Rendered, errors_in
from feedpub.render import limits
from feedpub.render.cmark_kramdown import kramdown_like_html
from feedpub.render.limits import body_problem
from feedpub.render.liquid import close_liquid_blocks, render_liquid
from feedpub.render.markup import (
    MORE_MARKER,
    absolutize,
    absolutize_with_first_paragraph,
    before_more_marker,
    close_open_tags,
    first_paragraph,
    title_text,
    without_more_marker,
)
from feedpub.sources.files import XML_FORBIDDEN
from feedpub.sources.jekyll_posts import is_excerpt_of, link_definitions_for
from feedpub.sources.typography import SMART_QUOTES, SmartQuotes

# Importable from here as before: check and the build use these names.
__all__ = [
    "MORE_MARKER",
    "MarkdownEngine",
    "RenderError",
    "absolutize",
    "body_html",
    "close_open_tags",
    "engine_of",
    "finish_rendering",
    "markdown_to_html",
    "render_post",
    "summary_from_content",
]

# The engine's name and its options: Python-Markdown's extensions, or the four smart quotes of the kramdown
# and cmark engines, then the kramdown engine's: LINE_NUMBERS when code blocks get Rouge's line numbers, and
# FOOTNOTE_BACKLINK followed by the backlink's text when it is not kramdown's default, NO_ROUGE when code
# is written without Rouge's markup.
MarkdownEngine = tuple[str, tuple[str, ...]]
LINE_NUMBERS = "line_numbers"
NO_ROUGE = "no_rouge"
FOOTNOTE_BACKLINK = "footnote_backlink="
DEFAULT_BACKLINK = "&#8617;"


def engine_of(config: Config) -> MarkdownEngine:
    """The Markdown engine a config chooses, with its options."""
    if config.markdown_engine == "python-markdown":
        return config.markdown_engine, config.markdown_extensions
    options = (
        config.smart_quotes + ((LINE_NUMBERS,) if config.line_numbers else ()) + (() if config.rouge else (NO_ROUGE,))
    )
    if config.footnote_backlink != DEFAULT_BACKLINK:
        options += (FOOTNOTE_BACKLINK + config.footnote_backlink,)
    return config.markdown_engine, options


class RenderError(Exception):
    """A text the Markdown engine cannot render within the limits, with the line to look at.

    `line` counts from 1 at the first line of the text rendered, and the
    message leaves out what was rendered, until `in_file` places it in a post
    file as its "body" or "summary".
    """

    def __init__(self, message: str, line: int | None, path: Path | None = None):
        # All three in args: a worker process's error is pickled to the build by its args.
        super().__init__(message, line, path)
        self.message, self.line, self.path = message, line, path

    def __str__(self) -> str:
        return self.message

    def in_file(self, path: Path, first_line: int | None, what: str) -> RenderError:
        """The same error about `what` at its line of `path`, whose text starts on `first_line` (None: unknown)."""
        line = first_line + self.line - 1 if first_line is not None and self.line is not None else first_line
        return RenderError(f"{what}: {self.message}", line, path)

    def problem(self) -> Problem:
        return Problem(self.path, self.line, self.message)


@lru_cache(maxsize=4)
def _converter(extensions: tuple[str, ...]) -> markdown.Markdown:
    return markdown.Markdown(extensions=list(extensions), output_format="html")


def markdown_to_html(text: str, engine: MarkdownEngine) -> str:
    """HTML for a Markdown text with the configured engine: (name, extensions).

    Raises RenderError when the text is past render/limits.py's limits, takes
    the engine longer than limits.RENDER_SECONDS, or the engine fails on it all
    the same (a RecursionError, say).
    """
    refused = body_problem(text)
    if refused is not None:
        raise RenderError(refused.message, refused.line)
    try:
        with limits.time_budget(limits.RENDER_SECONDS):
            return _convert(text, engine)
    except limits.OverBudget:
        message = f"cannot be rendered: the Markdown engine took more than {limits.RENDER_SECONDS:g} s"
        raise RenderError(message, None) from None
    except RecursionError:
        # The limits keep nesting far below the recursion limit, but a Markdown
        # extension may nest by other means (`<div markdown="1">` in `extra`).
        raise RenderError("cannot be rendered: it nests too deeply for the Markdown engine", None) from None
    except Exception as err:
        # One post the engine chokes on must fail as that post, not stop the build unexplained.
        message = f"cannot be rendered: the Markdown engine failed: {type(err).__name__}: {err}"
        raise RenderError(message, None) from err


def _convert(text: str, engine: MarkdownEngine) -> str:
    name, extensions = engine
    if name == "cmark":
        return _cmark(text, _quotes(extensions))
    if name == "kramdown":
        # Imported here: markdown-it-py loads only for sites that choose this engine.
        from feedpub.render.kramdown import kramdown_to_html

        options = extensions[4:]
        backlinks = [
            option.removeprefix(FOOTNOTE_BACKLINK) for option in options if option.startswith(FOOTNOTE_BACKLINK)
        ]
        backlink = backlinks[0] if backlinks else DEFAULT_BACKLINK
        return kramdown_to_html(
            text, _quotes(extensions), LINE_NUMBERS in options, backlink, rouge=NO_ROUGE not in options
        )
    md = _converter(extensions)
    # A reused converter otherwise carries footnotes and references into the next post.
    md.reset()
    return md.convert(text)


def _quotes(options: tuple[str, ...]) -> SmartQuotes:
    if len(options) >= 4:
        return options[0], options[1], options[2], options[3]
    return SMART_QUOTES


def _cmark(text: str, quotes: SmartQuotes) -> str:
    # cmark with kramdown's rules around it: raw HTML passes through, as the author wrote it.
    return kramdown_like_html(text, quotes)


def render_post(post: Post, engine: MarkdownEngine, config: Config | None = None) -> Rendered:
    """The post's full HTML and its summary HTML, both with absolute URLs.

    Liquid runs first, as in Jekyll, over the body and over an excerpt cut from
    it, with `config`'s site as `site` (render/liquid.py). Raises RenderError,
    placed at its line of the post's file, for a body or summary Liquid or the
    engine cannot render (see markdown_to_html).
    """
    return finish_rendering(post, body_html(post, engine, config), engine, config)


def body_html(post: Post, engine: MarkdownEngine, config: Config | None = None) -> str:
    """The first half of render_post: the body through Liquid and the engine, as the engine writes it."""
    body = _liquid(post.body, post, config, post.body_line, engine)
    try:
        # A Jekyll `.html` post is HTML already: Jekyll publishes its body as it is.
        html = body if post.body_is_html else markdown_to_html(body, engine)
    except RenderError as err:
        raise err.in_file(post.path, post.body_line, "body") from err.__cause__
    hiding = hidden_rest(post, html, body)
    if hiding is not None:
        raise hiding
    return html


def finish_rendering(post: Post, html: str, engine: MarkdownEngine, config: Config | None = None) -> Rendered:
    """The second half of render_post, from body_html's `html`: absolute URLs, and the summary."""
    content, first_paragraph_html = absolutize_with_first_paragraph(html, post.permalink)
    jekyll = config is not None and config.jekyll is not None
    if post.summary and jekyll and not is_excerpt_of(post.summary, post.body):
        # A Jekyll post's `description:` is text to jekyll-feed (strip_html | normalize_whitespace), not Markdown.
        summary = escape(title_text(post.summary), quote=False)
    elif post.summary:
        # Front matter is not Liquid to Jekyll; an excerpt cut from the body is body text.
        if is_excerpt_of(post.summary, post.body):
            text = close_liquid_blocks(post.summary) + link_definitions_for(post.summary, post.body)
            text = _liquid(text, post, config, post.body_line, engine)
        else:
            text = post.summary
        try:
            summary_html = markdown_to_html(text, engine)
        except RenderError as err:
            raise err.in_file(post.path, _summary_line(post), "summary") from err.__cause__
        summary = absolutize(summary_html, post.permalink)
    else:
        summary = summary_from_content(content, first_paragraph_html)
    # A <!--more--> marks feedpub's own summaries; to Jekyll it is a comment, which jekyll-feed keeps.
    return Rendered(
        content_html=(content if jekyll else without_more_marker(content)).strip(), summary_html=summary.strip()
    )


def xml_safe(rendered: Rendered) -> Rendered:
    """The rendering without characters XML forbids. Every way in is cleaned, with a warning, where its text
    is read; this is the last guard, for the entry feedgen refuses: one such character would stop the build."""
    return Rendered(XML_FORBIDDEN.sub("", rendered.content_html), XML_FORBIDDEN.sub("", rendered.summary_html))


# Elements whose content HTML reads as text up to their end tag: one left open swallows the rest of the entry.
_RAW_TEXT_START = re.compile(r"<(style|script|textarea|title|xmp|noembed|noframes)(?=[\s>/])", re.IGNORECASE)


def hidden_rest(post: Post, html: str, source: str) -> RenderError | None:
    """The error for a body whose HTML leaves a raw-text element open (see unclosed_raw_text), at its line."""
    unclosed = unclosed_raw_text(html, source)
    if unclosed is None:
        return None
    found = _line_in(source, f"<{unclosed}")
    line = post.body_line + found - 1 if found is not None else post.body_line
    message = (
        f"body: a <{unclosed}> is never closed: a browser or feed reader would hide everything after it "
        "(put it in a code block, or close it)"
    )
    return RenderError(message, line, post.path)


def unclosed_raw_text(html: str, source: str) -> str | None:
    """The first raw-text element (<style>, <script>...) the HTML opens more often than the source closes it.

    Counted against the source: an engine may close the element at the very
    end of the entry (kramdown does), which leaves the HTML balanced but the
    rest of the entry inside the element, hidden all the same.
    """
    for name in dict.fromkeys(match.group(1).lower() for match in _RAW_TEXT_START.finditer(html)):
        opened = len(re.findall(rf"<{name}(?=[\s>/])", html, re.IGNORECASE))
        if len(re.findall(rf"</{name}\s*>", source, re.IGNORECASE)) < opened:
            return name
    return None


def _line_in(text: str, needle: str) -> int | None:
    index = text.lower().find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else None


def _liquid(text: str, post: Post, config: Config | None, first_line: int, engine: MarkdownEngine) -> str:
    """The text rendered with Liquid; RenderError at its line for the first error (warnings are check's)."""
    rendered = render_liquid(text, post, config, first_line, lambda markdown: markdown_to_html(markdown, engine))
    failed = errors_in(rendered.problems)
    if failed:
        raise RenderError(failed[0].message, failed[0].line, post.path)
    return rendered.text


def _summary_line(post: Post) -> int | None:
    return next((line for key in ("summary", "excerpt", "description") if (line := post.line_of(key))), None)


def summary_from_content(content: str, first_paragraph_html: str | None = None) -> str:
    """The part before <!--more--> with the elements it leaves open closed, else the first paragraph.

    The marker must be a real comment: one shown inside a code sample is
    escaped text and so never mistaken for it. `first_paragraph_html`, when
    given, is first_paragraph(content), found already.
    """
    before = before_more_marker(content)
    if before is not None:
        return before
    return first_paragraph(content) if first_paragraph_html is None else first_paragraph_html
