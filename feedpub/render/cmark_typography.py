"""kramdown's smart quotes and typographic symbols, applied to cmark's text.

cmark's own smart punctuation pairs quotes by CommonMark's flanking rules;
kramdown decides each quote alone, from the character before it and the
source after it (`C#'s` after a code span is `’s`; `：“以后…。"` closes).
So feedpub renders with cmark's smart punctuation off and applies kramdown's
rules here, to a skeleton of the HTML (render/cmark_text.py): text outside
code, with MARK for each tag. A quote right after a tag had no plain character
before it in kramdown's source either (kramdown's scanner starts its match at
the quote), so MARK is never taken as that character; a quote right before a
tag is decided again with the Markdown the tag came from (`*` for `<em>`).

The rules are kramdown 2.4's (sources/typography.py), joined into one
expression that tries them in kramdown's order at each position.
"""

from __future__ import annotations

import re

from feedpub.render.cmark_text import (
    CREATED,
    DEL_CLOSE,
    DEL_OPEN,
    EM_CLOSE,
    EM_OPEN,
    MARK,
    STRONG_CLOSE,
    STRONG_OPEN,
    markup_after,
)
from feedpub.sources.typography import LDQUO, LSQUO, RDQUO, RSQUO, _smartify_text

_PUNCT = r"""[!"#$%'()*+,\-./:;<=>?@\[\\\]^_`{|}~]"""
# The tags set aside, and the elements created in their place: never the character before a quote.
MARKS = "\ue000-\ue006"
_CLOSE = rf"[^ \\\t\r\n\[{{(\-{MARKS}]"
QUOTES = re.compile(
    "|".join(
        (
            r"(?P<open>[\"'])(?=[_*]{1,2}\S)",
            rf"(?P<close>[\"'])(?={_PUNCT}(?!\.\.)\B)",
            r"(?P<double_single>\s?)\"'(?=\w)",
            r"(?P<single_double>\s?)'\"(?=\w)",
            r"(?P<decade>\s?)'(?=\d\ds)",
            r"(?P<space_open>\s)[\"'](?=\w)",
            rf"(?P<after_text>{_CLOSE})[\"']",
            r"(?P<before_space>[\"'])(?=\s|s\b|$)",
            rf"(?P<other>[^\\\\{MARKS}]?)[\"']",
        )
    ),
    re.ASCII | re.MULTILINE | re.DOTALL,
)
QUOTE = re.compile(r"[\"']")
# After these, kramdown's scanner starts a quote's match at the quote: a tag, an escape, or a quote or
# symbol its own earlier match took.
NOT_BEFORE_QUOTE = frozenset(
    MARK + "\ue001\ue002\ue003\ue004\ue005\ue006\\'\"\u2018\u2019\u201c\u201d\u2013\u2014\u2026"
)
MARK_CHARACTERS = frozenset(MARK) | frozenset(CREATED)
_PLAIN_CLOSE = rf"[^\s\\\[{{(\-.'\"{MARKS}\u2018\u2019\u201c\u201d\u2013\u2014\u2026]"
CLOSING_SINGLE = re.compile(rf"'(?<={_PLAIN_CLOSE}')")
CLOSING_DOUBLE = re.compile(rf'"(?<={_PLAIN_CLOSE}")')
# After a space or an opening bracket only opening rules remain, save the space before '80s.
OPENING_SINGLE = re.compile(r"'(?<=\s')(?!\d\ds)|'(?<=[\[{(\-]')", re.ASCII)
OPENING_DOUBLE = re.compile(r'"(?<=[\s\[{(\-]")', re.ASCII)
# The Markdown that made a tag, as far as the quote rules look past a quote.
SOURCE_OF_TAG = (
    (re.compile(r"</?em\b"), "*"),
    (re.compile(r"</?strong\b"), "**"),
    (re.compile(r"</?del\b"), "~~"),
    (re.compile(r"<a\b"), "["),
    (re.compile(r"</a\b"), "]"),
    (re.compile(r"<img\b"), "!"),
    (re.compile(r"<code\b"), "`"),
    (re.compile(r"<br\b"), "\n"),
    (re.compile(r"</?(?:p|li|h[1-6]|td|th|dt|dd|blockquote|ul|ol|div|table|tr|pre)\b"), ""),
)
SOURCE_OF_CREATED = {STRONG_OPEN: "**", STRONG_CLOSE: "**", EM_OPEN: "*", EM_CLOSE: "*"}
SOURCE_OF_CREATED |= {DEL_OPEN: "~~", DEL_CLOSE: "~~"}


def smarten(text: str, markup: list[str]) -> str:
    """A skeleton's text (quotes written `"`, not `&quot;`) with kramdown's quotes, dashes and ellipses."""
    # Left to right, `---` before `--`, as kramdown's scanner meets them.
    text = text.replace("---", "\u2014").replace("--", "\u2013").replace("...", "\u2026")
    if "'" not in text and '"' not in text:
        return text
    # Most quotes follow a letter (kramdown's rule 7 closes them whatever follows) or a space (they open).
    text = CLOSING_SINGLE.sub(RSQUO, CLOSING_DOUBLE.sub(RDQUO, text))
    text = OPENING_SINGLE.sub(LSQUO, OPENING_DOUBLE.sub(LDQUO, text))
    pieces: list[str] = []
    done = 0
    for quote in QUOTE.finditer(text):
        if quote.start() < done:
            continue  # the second quote of a pair already replaced
        start = quote.start()
        if start > 0 and text[start - 1] not in NOT_BEFORE_QUOTE:
            start -= 1  # kramdown's match takes the plain character before the quote
        match = QUOTES.match(text, start)
        if match is None:  # pragma: no cover - the last rules match any quote
            continue
        pieces.append(text[done : match.start()])
        after = text[match.end() : match.end() + 1]
        if after and after in MARK_CHARACTERS:
            pieces.append(_before_markup(match.group(), text, match.end(), markup))
        else:
            pieces.append(_replacement(match))
        done = match.end()
    pieces.append(text[done:])
    return "".join(pieces)


def _replacement(match: re.Match[str]) -> str:
    kind, found = match.lastgroup, match.group()
    quote = found[-1]
    if kind == "open":
        return LDQUO if quote == '"' else LSQUO
    if kind in ("close", "before_space", "decade"):
        return found[:-1] + (RDQUO if quote == '"' else RSQUO)
    if kind == "double_single":
        return found[:-2] + LDQUO + LSQUO
    if kind == "single_double":
        return found[:-2] + LSQUO + LDQUO
    if kind == "space_open":
        return found[:-1] + (LDQUO if quote == '"' else LSQUO)
    if kind == "after_text":
        return found[:-1] + (RDQUO if quote == '"' else RSQUO)
    return found[:-1] + (LDQUO if quote == '"' else LSQUO)


def _before_markup(found: str, text: str, end: int, markup: list[str]) -> str:
    """The replacement for a match that a tag follows, decided on the Markdown the tag came from."""
    mark = text[end]
    if mark == MARK:
        tag = markup_after(text, end, markup)
        source = next((source for pattern, source in SOURCE_OF_TAG if pattern.match(tag)), "<")
    else:
        source = SOURCE_OF_CREATED[mark]
    following = text[end + 1 : end + 2]
    # A quote, dash or dot here would be replaced too and change the length cut off again.
    following = source + ("a" if following in "'\"-." or following == MARK else following) if source else ""
    smart = _smartify_text(found + following)
    return smart[: len(smart) - len(following)]
