"""Jekyll's `smartify`: straight quotes, dashes and dots made typographic, as kramdown's SmartyPants does.

jekyll-feed passes every title through it (`Jekyll's` becomes `Jekyll’s`), so a
Jekyll site's titles must too for its feeds to read the same. The quote rules
are kramdown 2.4's (parser/kramdown/smart_quotes.rb, from RubyPants), tried in
order at each quote together with the character before it; `\\w`, `\\s` and
`\\d` are ASCII there, as in Ruby.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.entities import html5

LSQUO, RSQUO, LDQUO, RDQUO = "\u2018", "\u2019", "\u201c", "\u201d"
# kramdown's smart_quotes option: the four characters written for ‘ ’ “ ”, in that order.
SmartQuotes = tuple[str, str, str, str]
SMART_QUOTES: SmartQuotes = (LSQUO, RSQUO, LDQUO, RDQUO)
_PUNCT = r"""[!"#$%'()*+,\-./:;<=>?@\[\\\]^_`{|}~]"""
_CLOSE = r"[^ \\\t\r\n\[{(-]"
_FLAGS = re.ASCII | re.MULTILINE | re.DOTALL
_QUOTE_START = re.compile(r"""[^\\]?["']""", re.DOTALL)
_SYMBOL = re.compile(r"---|--|\.\.\.")
_SYMBOLS = {"---": "\u2014", "--": "\u2013", "...": "\u2026"}
_TAG = re.compile(r"(<[^>]*>)")


def _opening(quote: str) -> str:
    return LDQUO if quote == '"' else LSQUO


def _closing(quote: str) -> str:
    return RDQUO if quote == '"' else RSQUO


_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]
_RULES: list[_Rule] = [
    (re.compile(r"""("|')(?=[_*]{1,2}\S)""", _FLAGS), lambda m: _opening(m[1])),
    (re.compile(rf"""("|')(?={_PUNCT}(?!\.\.)\B)""", _FLAGS), lambda m: _closing(m[1])),
    # "'Quoted' words in a larger quote."
    (re.compile(r"""(\s?)"'(?=\w)""", _FLAGS), lambda m: m[1] + LDQUO + LSQUO),
    (re.compile(r"""(\s?)'"(?=\w)""", _FLAGS), lambda m: m[1] + LSQUO + LDQUO),
    # the '80s
    (re.compile(r"""(\s?)'(?=\d\ds)""", _FLAGS), lambda m: m[1] + RSQUO),
    (re.compile(r"""(\s)('|")(?=\w)""", _FLAGS), lambda m: m[1] + _opening(m[2])),
    (re.compile(rf"""({_CLOSE})('|")""", _FLAGS), lambda m: m[1] + _closing(m[2])),
    (re.compile(r"""("|')(?=\s|s\b|$)""", _FLAGS), lambda m: _closing(m[1])),
    (re.compile(r"""(.?)'""", _FLAGS), lambda m: m[1] + LSQUO),
    (re.compile(r"""(.?)\"""", _FLAGS), lambda m: m[1] + LDQUO),
]


def smartify(text: str, quotes: SmartQuotes = SMART_QUOTES) -> str:
    """The text with typographic quotes, en and em dashes and ellipses; HTML tags are left as they are."""
    smart = "".join(part if _TAG.fullmatch(part) else _smartify_text(part) for part in _TAG.split(text))
    return with_quotes(smart, quotes)


def with_quotes(text: str, quotes: SmartQuotes) -> str:
    """The text with ‘ ’ “ ” written as `quotes` (kramdown's smart_quotes option)."""
    if quotes == SMART_QUOTES:
        return text
    return text.translate({ord(default): chosen for default, chosen in zip(SMART_QUOTES, quotes, strict=True)})


def parse_smart_quotes(value: str) -> SmartQuotes | None:
    """kramdown's smart_quotes value, `lsquo,rsquo,ldquo,rdquo`: four entity names or code points; None if not."""
    names = [name.strip() for name in value.split(",")]
    found = [_character(name) for name in names]
    if len(found) != 4 or any(char is None for char in found):
        return None
    return (str(found[0]), str(found[1]), str(found[2]), str(found[3]))


def _character(name: str) -> str | None:
    if name.isdigit():
        return chr(int(name)) if int(name) < 0x110000 else None
    return html5.get(name + ";")


def _smartify_text(text: str) -> str:
    out: list[str] = []
    pos = 0
    while pos < len(text):
        quote, symbol = _QUOTE_START.search(text, pos), _SYMBOL.search(text, pos)
        if symbol and (quote is None or symbol.start() <= quote.start()):
            out.append(text[pos : symbol.start()] + _SYMBOLS[symbol.group()])
            pos = symbol.end()
            continue
        if quote is None:
            out.append(text[pos:])
            break
        out.append(text[pos : quote.start()])
        pos = _quote(text, quote.start(), out)
    return "".join(out)


def _quote(text: str, start: int, out: list[str]) -> int:
    for pattern, replace in _RULES:
        match = pattern.match(text, start)
        if match:
            out.append(replace(match))
            return match.end()
    out.append(text[start])  # unreachable: the last two rules match any quote
    return start + 1
