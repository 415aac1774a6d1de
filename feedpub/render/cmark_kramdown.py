"""The cmark engine made to publish what Jekyll's kramdown publishes, at cmark's speed.

cmark parses CommonMark; Jekyll's kramdown parses kramdown's own dialect.
Rather than a second parser, feedpub rewrites the few kramdown constructs
CommonMark reads differently in the Markdown before cmark sees it
(render/cmark_source.py), and fixes what cmark's rules decide differently in
the text of its HTML after (render/cmark_spans.py, render/cmark_typography.py).
Each pass is a handful of regular expressions: no Markdown parser besides
cmark loads.
"""

from __future__ import annotations

from feedpub.render.cmark import gfm_to_html
from feedpub.render.cmark_blocks import restore
from feedpub.render.cmark_source import kramdown_blocks
from feedpub.render.cmark_spans import pair_leftover_delimiters
from feedpub.render.cmark_text import joined, skeleton
from feedpub.render.cmark_typography import smarten
from feedpub.sources.typography import SMART_QUOTES, SmartQuotes, with_quotes

# A quote written as an entity stays straight in kramdown; cmark decodes it, so it travels as a private-use
# character, and comes back as the entity in text and as the entity's text in code.
ENTITIES = (("&quot;", "\ue007", "&quot;", "&amp;quot;"), ("&#39;", "\ue008", "&#39;", "&amp;#39;"))


# Typed ‘ ’ “ ” travel as private-use characters while kramdown's smart_quotes option rewrites the made ones.
TYPED_QUOTES: dict[str, str] = dict(zip(SMART_QUOTES, "\ue009\ue00a\ue00b\ue00c", strict=True))
_CARRY = {ord(typed): carrier for typed, carrier in TYPED_QUOTES.items()}
_RESTORE = {ord(carrier): typed for typed, carrier in TYPED_QUOTES.items()}


def kramdown_like_html(text: str, quotes: SmartQuotes = SMART_QUOTES) -> str:
    """HTML for a post's Markdown, rendered by cmark, as close to Jekyll's kramdown as cheap rewrites get it.

    `quotes` is kramdown's smart_quotes option: what the smart quotes made are written as.
    """
    if quotes == SMART_QUOTES or any(carrier in text for carrier in TYPED_QUOTES.values()):
        return _html(text)
    return with_quotes(_html(text.translate(_CARRY)), quotes).translate(_RESTORE)


def _html(text: str) -> str:
    source, raw = kramdown_blocks(text)
    entities = [entity for entity in ENTITIES if entity[0] in source and entity[1] not in source]
    for written, carrier, _, _ in entities:
        source = source.replace(written, carrier)
    html = gfm_to_html(source, smart=False, single_tilde=False)
    split = skeleton(html)
    if split is not None:  # None: text with the private-use characters the passes use
        plain, markup = split
        plain = pair_leftover_delimiters(plain.replace("&quot;", '"'))
        plain = smarten(plain, markup).replace('"', "&quot;")
        for _, carrier, in_text, in_code in entities:
            plain = plain.replace(carrier, in_text)
            markup = [piece.replace(carrier, in_code) for piece in markup]
        html = joined(plain, markup)
    return restore(html, raw)
