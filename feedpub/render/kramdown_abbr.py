"""kramdown's abbreviations: `*[HTML]: Hyper Text Markup Language` marks every HTML in the text.

The definition line is removed; each whole-word occurrence of the name in
text (not in code, HTML or an image's alt) becomes
`<abbr title="Hyper Text Markup Language">HTML</abbr>`, before or after the
definition alike. kramdown 2.4's parser/kramdown/abbreviation.rb.
"""

from __future__ import annotations

import re
from html import escape

from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

# kramdown's ABBREV_DEFINITION_START: up to three spaces, `*[name]:`, the title to the end of the line.
_DEFINITION = re.compile(r" {0,3}\*\[(.+?)\]:(.*)")
# Ruby's \w is ASCII: an abbreviation next to a CJK character is still a whole word.
_WORD = "A-Za-z0-9_"
_ENV_KEY = "kramdown_abbreviations"


def definition(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A block rule: one definition line, remembered in the document's env and removed from the output."""
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    line = state.src[state.bMarks[start_line] : state.eMarks[start_line]]
    found = _DEFINITION.fullmatch(line)
    if found is None:
        return False
    if not silent:
        # A name defined twice takes its last title, as in kramdown.
        state.env.setdefault(_ENV_KEY, {})[found.group(1)] = found.group(2).strip()
        state.line = start_line + 1
    return True


def mark(state: StateCore) -> None:
    """A core rule after `inline`: each abbreviation in the text tokens becomes an `<abbr>` element."""
    titles: dict[str, str] = state.env.get(_ENV_KEY) or {}
    if not titles:
        return
    names = "|".join(re.escape(name) for name in sorted(titles, key=len, reverse=True))
    pattern = re.compile(rf"(?<![{_WORD}])(?:{names})(?![{_WORD}])")
    for token in state.tokens:
        if token.type == "inline" and token.children:
            token.children = [piece for child in token.children for piece in _split(child, pattern, titles)]


def _split(token: Token, pattern: re.Pattern[str], titles: dict[str, str]) -> list[Token]:
    if token.type != "text" or not pattern.search(token.content):
        return [token]
    pieces: list[Token] = []
    position = 0
    for found in pattern.finditer(token.content):
        pieces.append(_text(token.content[position : found.start()]))
        pieces.append(_abbr(found.group(), titles[found.group()]))
        position = found.end()
    pieces.append(_text(token.content[position:]))
    return [piece for piece in pieces if piece.content]


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _abbr(name: str, title: str) -> Token:
    token = Token("html_inline", "", 0)
    shown = f' title="{escape(title, quote=False).replace(chr(34), "&quot;")}"' if title else ""
    token.content = f"<abbr{shown}>{escape(name, quote=False)}</abbr>"
    return token
