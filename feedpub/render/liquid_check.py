"""What `feedpub check` (and a build reading posts) says about a post's Liquid, before any feed is made."""

from __future__ import annotations

from feedpub.model import Config, Post
from feedpub.render.content import MarkdownEngine, markdown_to_html
from feedpub.render.liquid import LiquidResult, render_liquid


def body_liquid(post: Post, config: Config | None, engine: MarkdownEngine) -> LiquidResult:
    """The post's body rendered with Liquid, with the warnings (a plugin's tag or filter left out) and
    errors (a template that cannot render), each at its line of the post file. Needs the body."""
    return render_liquid(post.body, post, config, post.body_line, lambda text: markdown_to_html(text, engine))
