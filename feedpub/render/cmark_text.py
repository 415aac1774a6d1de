"""cmark's HTML as text with its markup set aside, for rewrites that must see text only.

The text passes (render/cmark_spans.py, render/cmark_typography.py) work on a
skeleton: the HTML with every tag, comment and code-like element replaced by
one MARK character, in the text's own order. Regular expressions then run
over text alone at C speed, and `joined` puts the markup back. The passes
write the elements they create as private-use characters (STRONG_OPEN...)
that `joined` turns into tags.
"""

from __future__ import annotations

import re
from itertools import chain

MARK = "\ue000"
STRONG_OPEN, STRONG_CLOSE, EM_OPEN, EM_CLOSE, DEL_OPEN, DEL_CLOSE = "\ue001\ue002\ue003\ue004\ue005\ue006"
CREATED = {
    STRONG_OPEN: "<strong>",
    STRONG_CLOSE: "</strong>",
    EM_OPEN: "<em>",
    EM_CLOSE: "</em>",
    DEL_OPEN: "<del>",
    DEL_CLOSE: "</del>",
}
PRIVATE = "\ue000\ue001\ue002\ue003\ue004\ue005\ue006"
# Markup, and elements whose text kramdown keeps as written (code, kbd...): no rewrite looks inside them.
# Lower case only, as cmark writes tags (HTML blocks are set aside before: render/cmark_source.py).
MARKUP = re.compile(
    r"(<(?:pre|code|kbd|script|style|math|samp)\b.*?</(?:pre|code|kbd|script|style|math|samp)>|<!--.*?-->|<[^>]*>)",
    re.DOTALL,
)


def skeleton(html: str) -> tuple[str, list[str]] | None:
    """The HTML's text with MARK for each piece of markup, and the markup in order; None if it has MARK already."""
    if any(character in html for character in PRIVATE):
        return None
    parts = MARKUP.split(html)
    return MARK.join(parts[0::2]), parts[1::2]


def joined(text: str, markup: list[str]) -> str:
    """The HTML again: `text` (a rewritten skeleton) with its markup back and created elements as tags."""
    for character, tag in CREATED.items():
        if character in text:
            text = text.replace(character, tag)
    pieces = text.split(MARK)
    return "".join(chain.from_iterable(zip(pieces, markup + [""], strict=True)))


def markup_after(text: str, position: int, markup: list[str]) -> str:
    """The markup that the MARK at `position` of a skeleton stands for."""
    return markup[text.count(MARK, 0, position)]
