"""Emphasis and strikethrough that cmark leaves as text and kramdown renders, on cmark's text.

CommonMark's flanking rules leave `**备注：**经测试` as text (the closing `**`
follows punctuation and precedes a letter); kramdown opens a delimiter unless
whitespace follows it and closes one unless whitespace precedes it, so Jekyll
shows it bold. These passes pair the delimiters cmark left over by kramdown's
rule, in a skeleton of the HTML (render/cmark_text.py), within one block: the
pair may enclose inline tags (a link, a code span) but not a line break next
to a tag, which is where cmark's blocks meet.
"""

from __future__ import annotations

import re

from feedpub.render.cmark_text import DEL_CLOSE, DEL_OPEN, EM_CLOSE, EM_OPEN, MARK, STRONG_CLOSE, STRONG_OPEN

# Any character of one block: a newline only between two characters of text.
_INLINE = rf"(?:[^\n]|(?<!{MARK})\n(?!{MARK}))"
STRONG = re.compile(rf"\*\*(?=[^\s*])((?:(?!\*\*){_INLINE})+?)(?<=[^\s*])\*\*")
EMPHASIS = re.compile(rf"(?<!\*)\*(?=[^\s*])((?:(?!\*){_INLINE})+?)(?<=[^\s*])\*(?!\*)")
# kramdown-parser-gfm's STRIKETHROUGH_MATCH.
STRIKETHROUGH = re.compile(rf"~~(?![\s~])((?:(?!~~){_INLINE})*?[^\s~])~~")


def pair_leftover_delimiters(text: str) -> str:
    """A skeleton's text with `**x**`, `*x*` and `~~x~~` that cmark left as text made elements."""
    if "*" in text:
        text = STRONG.sub(rf"{STRONG_OPEN}\1{STRONG_CLOSE}", text)
        text = EMPHASIS.sub(rf"{EM_OPEN}\1{EM_CLOSE}", text)
    if "~~" in text:
        text = STRIKETHROUGH.sub(rf"{DEL_OPEN}\1{DEL_CLOSE}", text)
    return text
