"""kramdown's span-level rules as markdown-it inline rules: emphasis, escapes, typography, math, span IALs.

kramdown scans a paragraph's raw source with one regular expression per span
parser and takes the earliest match; each rule here fires where kramdown's
would and looks at the same raw characters (`state.src`) kramdown looks at.
The regular expressions quoted in comments are kramdown 2.4's
(parser/kramdown/*.rb) and kramdown-parser-gfm 1.1's.
"""

from __future__ import annotations

import html
import re

from markdown_it.common.html_re import open_tag
from markdown_it.rules_inline.state_inline import Delimiter, StateInline
from markdown_it.token import Token

from feedpub.sources.typography import _RULES as QUOTE_RULES
from feedpub.sources.typography import SMART_QUOTES, with_quotes

NBSP = "\u00a0"
# Characters that stop markdown-it's text rule, so that a rule here can look at
# them: markdown-it's own set, plus quotes and "..." (kramdown's smart quotes
# and typographic symbols).
TERMINATORS = re.compile(r"""[\n!#$%&*+\-:<=>@\[\\\]^_`{}~'"]|\.\.\.""")
# ESCAPED_CHARS_GFM: only these are escapes; a backslash before anything else stays.
ESCAPABLE = frozenset("\\.*_+`<>()[]{}#!:|\"'$=-~")
# kramdown's IAL_SPAN_START and ALD_ANY_CHARS: `{: .class #id key="value"}` right after an element.
SPAN_IAL = re.compile(r"\{:(?![:/])((?:\\\}|[^}])*)\}")
ATTRIBUTE = re.compile(r"""([\w-]+)=(["'])(.*?)\2|\.([\w-]+)|#([\w-]+)|([\w-]+)""")
# The elements a span IAL attaches to: kramdown gives it to the last child when that is not text.
_CLOSING = {"link_close": "link_open", "em_close": "em_open", "strong_close": "strong_open", "s_close": "s_open"}


def parse_attributes(text: str) -> tuple[dict[str, str], list[str]]:
    """An attribute list's attributes (class values joined) and the ALD names it refers to (`toc`)."""
    attributes: dict[str, str] = {}
    references: list[str] = []
    for match in ATTRIBUTE.finditer(text):
        key, _, value, class_name, id_value, reference = match.groups()
        if key:
            attributes[key] = value
        elif class_name:
            attributes["class"] = f"{attributes['class']} {class_name}" if "class" in attributes else class_name
        elif id_value:
            attributes["id"] = id_value
        elif reference:
            references.append(reference)
    return attributes, references


def apply_attributes(token: Token, attributes: dict[str, str]) -> None:
    """Adds an IAL's attributes to an element's token: classes are appended, others replaced."""
    for key, value in attributes.items():
        if key == "class" and token.attrGet("class"):
            token.attrJoin("class", value)
        else:
            token.attrSet(key, value)


_ASCII_SPACE = frozenset(" \t\n\r\f\v")


def emphasis(state: StateInline, silent: bool) -> bool:
    """`*`/`_` delimiters opened and closed by kramdown's rules, not CommonMark's flanking rules.

    kramdown (emphasis.rb) opens unless whitespace follows, closes unless
    whitespace precedes; an `_` after a letter is text and one before a letter
    or digit does not close. So `**备注：**经测试` is bold, as in Jekyll.
    """
    marker = state.src[state.pos]
    if silent or marker not in "*_":
        return False
    start = state.pos
    end = start
    while end < state.posMax and state.src[end] == marker:
        end += 1
    before = state.src[start - 1] if start > 0 else ""
    after = state.src[end] if end < state.posMax else " "
    # Ruby's \s is ASCII: an ideographic space (U+3000) or U+2028 beside a delimiter does not stop it.
    can_open = after not in _ASCII_SPACE
    can_close = before != "" and before not in _ASCII_SPACE
    if marker == "_":
        can_open = can_open and not before.isalpha()
        can_close = can_close and not after.isalnum()
    for _ in range(end - start):
        token = state.push("text", "", 0)
        token.content = marker
        state.delimiters.append(Delimiter(ord(marker), end - start, len(state.tokens) - 1, -1, can_open, can_close))
    state.pos = end
    return True


def escape(state: StateInline, silent: bool) -> bool:
    """GFM-input escapes: kramdown unescapes only its own set; `\\&` keeps its backslash."""
    if state.src[state.pos] != "\\" or state.pos + 1 >= state.posMax:
        return False
    following = state.src[state.pos + 1]
    if following == "\n":
        if not silent:
            state.push("hardbreak", "br", 0)
        state.pos += 2
        while state.pos < state.posMax and state.src[state.pos] in " \t":
            state.pos += 1
        return True
    if following not in ESCAPABLE:
        if not silent:
            state.pending += "\\"
        state.pos += 1
        return True
    if not silent:
        token = state.push("text_special", "", 0)
        token.content = following
        token.markup = "\\" + following
        token.info = "escape"
    state.pos += 2
    return True


def typography(state: StateInline, silent: bool) -> bool:
    """Smart quotes by kramdown's rules and its typographic symbols (-- --- ... << >>)."""
    char = state.src[state.pos]
    if char in "'\"":
        return _smart_quote(state, silent)
    symbol, length = _symbol_at(state.src, state.pos)
    if symbol is None:
        return False
    if not silent:
        if symbol == NBSP + "\u00bb" and state.pending.endswith(" "):
            state.pending = state.pending[:-1]
        _push_text(state, symbol)
    state.pos += length
    return True


def _symbol_at(src: str, pos: int) -> tuple[str | None, int]:
    """kramdown's TYPOGRAPHIC_SYMS at `pos`: the replacement and how many characters it takes."""
    if src.startswith("---", pos):
        return "\u2014", 3
    if src.startswith("--", pos):
        return "\u2013", 2
    if src.startswith("...", pos):
        return "\u2026", 3
    if src.startswith("<< ", pos):
        return "\u00ab" + NBSP, 3
    if src.startswith(">>", pos):
        # ' >>' is kramdown's raquo_space: the space before becomes a no-break space.
        return (NBSP + "\u00bb", 2) if pos > 0 and src[pos - 1] == " " else ("\u00bb", 2)
    if src.startswith("<<", pos):
        return "\u00ab", 2
    return None, 0


def _smart_quote(state: StateInline, silent: bool) -> bool:
    # kramdown's SMART_QUOTES_RE, /[^\\]?["']/, starts its match one character
    # early when that character is still plain text; the rules then see it.
    quote_at = state.pos
    start = quote_at - 1 if state.pending and state.src[quote_at - 1] != "\\" else quote_at
    for pattern, replace in QUOTE_RULES:
        match = pattern.match(state.src, start, state.posMax)
        if match and match.end() > quote_at:
            if not silent:
                replaced = with_quotes(replace(match), state.env.get("kramdown_quotes", SMART_QUOTES))
                _push_text(state, replaced[1:] if start < quote_at else replaced)
            state.pos = match.end()
            return True
    return False


def _push_text(state: StateInline, text: str) -> None:
    # A token of its own, not pending text: what follows must not see it as plain text.
    token = state.push("text", "", 0)
    token.content = text


def inline_math(state: StateInline, silent: bool) -> bool:
    """kramdown's INLINE_MATH_START, `$$...$$`, kept for MathJax as `\\(...\\)`."""
    if not state.src.startswith("$$", state.pos):
        return False
    end = state.src.find("$$", state.pos + 2, state.posMax)
    if end < 0:
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content = state.src[state.pos + 2 : end].strip()
    state.pos = end + 2
    return True


def span_ial(state: StateInline, silent: bool) -> bool:
    """`{: attributes}` right after a span element: its attributes; after text it stays text, as in kramdown."""
    match = SPAN_IAL.match(state.src, state.pos, state.posMax)
    if match is None or state.pending or not state.tokens:
        return False
    target = _ial_target(state.tokens)
    if target is None:
        return False
    if not silent:
        attributes, _ = parse_attributes(match.group(1))
        apply_attributes(target, attributes)
    state.pos = match.end()
    return True


def _ial_target(tokens: list[Token]) -> Token | None:
    last = tokens[-1]
    if last.type in ("image", "code_inline", "math_inline", "html_inline"):
        return last if last.type != "html_inline" else None
    opening = _CLOSING.get(last.type)
    if opening is None:
        return None
    depth = 0
    for token in reversed(tokens[:-1]):
        if token.type == last.type:
            depth += 1
        elif token.type == opening:
            if depth == 0:
                return token
            depth -= 1
    return None


# kramdown's STRIKETHROUGH_MATCH (GFM): no flanking rules, so `~~，因为~~` is struck through.
STRIKETHROUGH = re.compile(r"~~(?!\s|~).*?[^\s~]~~", re.DOTALL)


def strikethrough(state: StateInline, silent: bool) -> bool:
    """`~~text~~` as kramdown-parser-gfm reads it, the content parsed as spans."""
    if not state.src.startswith("~~", state.pos):
        return False
    match = STRIKETHROUGH.match(state.src, state.pos, state.posMax)
    if match is None:
        return False
    if not silent:
        state.push("s_open", "del", 1)
        old_max = state.posMax
        state.pos, state.posMax = state.pos + 2, match.end() - 2
        state.md.inline.tokenize(state)
        state.posMax = old_max
        state.push("s_close", "del", -1)
    state.pos = match.end()
    return True


def codespan(state: StateInline, silent: bool) -> bool:
    """kramdown's code spans: a lone backtick between spaces is text; one space is trimmed at each end."""
    if state.src[state.pos] != "`":
        return False
    start = state.pos
    end = start
    while end < state.posMax and state.src[end] == "`":
        end += 1
    delimiter = state.src[start:end]
    before = state.src[start - 1] if start > 0 else " "
    after = state.src[end] if end < state.posMax else ""
    if len(delimiter) == 1 and before.isspace() and after.isspace():
        state.pending += delimiter
        state.pos = end
        return True
    close = state.src.find(delimiter, end, state.posMax)
    if close < 0:
        if not silent:
            state.pending += delimiter
        state.pos = end
        return True
    content = state.src[end:close]
    if len(delimiter) > 1:
        content = content[1:] if content.startswith(" ") else content
        content = content[:-1] if content.endswith(" ") else content
    if not silent:
        token = state.push("code_inline", "code", 0)
        token.markup = delimiter
        token.content = content
    state.pos = close + len(delimiter)
    return True


# kramdown's HTML content models (parser/html.rb): the content of these elements is parsed as Markdown;
# of any other element (code, kbd, an unknown <notextile>) it is kept as written.
PARSED_CONTENT = frozenset(
    "address applet article aside blockquote body dd details div dl fieldset figure figcaption footer form header "
    "hgroup iframe li main map menu nav noscript object section summary td a abbr acronym b bdo big button cite "
    "caption del dfn dt em h1 h2 h3 h4 h5 h6 i ins label legend optgroup p q rb rbc rp rt rtc ruby select small "
    "span strong sub sup th tt".split()
)
# HTML_BLOCK_ELEMENTS: kramdown shows one of these found inside a paragraph as text.
BLOCK_ELEMENTS = frozenset(
    "address article aside applet body blockquote caption col colgroup dd div dl dt fieldset figcaption footer "
    "form h1 h2 h3 h4 h5 h6 header hgroup hr html head iframe legend menu li main map nav ol optgroup p pre "
    "section summary table tbody td th thead tfoot tr ul".split()
)
WITHOUT_BODY = frozenset("area base br col command embed hr img input keygen link meta param source track wbr".split())
# kramdown's HTML_TAG_RE: an unquoted attribute value is word characters only (`c=(e)` makes no tag).
# kramdown's HTML_TAG_RE: a name, then attributes whose names are XML names (REXML's UNAME_STR), each with
# an optional word or quoted value. `<rpc a, b>` or `std::vector<task *>` in a post is no tag: text.
SPAN_TAG = re.compile(r"<([A-Za-z][\w:.-]*)((?:\s+[^\W\d][\w:.-]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|\w+))?)*)\s*(/?)>")
_COMMONMARK_OPEN_TAG = re.compile(open_tag)


def span_html(state: StateInline, silent: bool) -> bool:
    """An HTML tag inside a paragraph, as kramdown's parse_span_html reads it.

    A block element's tag is text there; an element whose content kramdown
    does not parse (code, kbd, an unknown name) is kept whole, its text escaped
    and unclosed elements closed, as kramdown writes it back. Other tags are
    left to markdown-it's html_inline rule (and render/kramdown_tree.py closes
    what they leave open).
    """
    if state.src[state.pos] != "<":
        return False
    if state.src.startswith(("<!", "<?"), state.pos) and not state.src.startswith("<!--", state.pos):
        # kramdown's HTML_SPAN_START is a tag name, a comment or an end tag: a declaration (<!DOCTYPE html>),
        # CDATA or processing instruction is text, its "<" escaped (a browser would drop it as markup).
        if not silent:
            state.pending += "<"
        state.pos += 1
        return True
    match = SPAN_TAG.match(state.src, state.pos, state.posMax)
    if match is None:
        if _COMMONMARK_OPEN_TAG.match(state.src, state.pos, state.posMax):
            # A tag to CommonMark that is none to kramdown (`<li onClick={(e) => f()}>` quoted in a post):
            # text, as kramdown writes it, where markdown-it would keep it and a browser hide it.
            if not silent:
                state.pending += "<"
            state.pos += 1
            return True
        return False
    lower = match.group(1).lower()
    if lower in BLOCK_ELEMENTS:
        if not silent:
            state.pending += match.group(0)
        state.pos = match.end()
        return True
    if lower in PARSED_CONTENT or lower in WITHOUT_BODY or match.group(3):
        return False
    html, end = _raw_element(state.src, match, state.posMax)
    if not silent:
        token = state.push("html_inline", "", 0)
        token.content = html
    state.pos = end
    return True


def _raw_element(src: str, opening: re.Match[str], limit: int) -> tuple[str, int]:
    """An element with raw content: its HTML and where it ends; nested tags stay elements, text is escaped."""
    name = opening.group(1)
    closing = re.compile(rf"</{re.escape(name)}\s*>", re.IGNORECASE)
    out = [opening.group(0)]
    position = opening.end()
    while position < limit:
        next_tag = src.find("<", position, limit)
        if next_tag < 0:
            break
        out.append(_escape_raw(src[position:next_tag]))
        end_tag = closing.match(src, next_tag, limit)
        if end_tag:
            out.append(end_tag.group(0))
            return "".join(out), end_tag.end()
        nested = SPAN_TAG.match(src, next_tag, limit)
        if nested and nested.group(1).lower() not in BLOCK_ELEMENTS:
            if nested.group(3) or nested.group(1).lower() in WITHOUT_BODY:
                out.append(nested.group(0))
                position = nested.end()
            else:
                html, position = _raw_element(src, nested, limit)
                out.append(html)
            continue
        out.append("&lt;")
        position = next_tag + 1
    # No end tag: kramdown closes the element at the end of the paragraph.
    out.append(_escape_raw(src[position:limit]))
    out.append(f"</{name}>")
    return "".join(out), limit


def _escape_raw(text: str) -> str:
    # Entities stay as written; a bare < or > is escaped, as kramdown writes raw text.
    return text.replace("<", "&lt;").replace(">", "&gt;")


# kramdown's FOOTNOTE_MARKER_START: `[^name]`, the name an ALD id (\w[\w-]*).
_FOOTNOTE_MARKER = re.compile(r"\[\^(\w[\w-]*)\]")


# kramdown's AUTOLINK_START for a URL: anything up to the first `>` on the line, spaces too.
_URL_AUTOLINK = re.compile(r"<((?:mailto|https?|ftps?):[^>\n]+)>")


def url_autolink(state: StateInline, silent: bool) -> bool:
    """`<https://example.org/a b>` is a link to what is written, spaces and all, as kramdown reads it;
    CommonMark's autolink takes no space (and a URL without one is read the same by both)."""
    if state.src[state.pos] != "<":
        return False
    found = _URL_AUTOLINK.match(state.src, state.pos, state.posMax)
    if found is None or " " not in found.group(1) and "\t" not in found.group(1):
        return False
    if not silent:
        url = found.group(1)
        opening = state.push("link_open", "a", 1)
        opening.attrs = {"href": url}
        opening.markup, opening.info = "autolink", "auto"
        state.push("text", "", 0).content = url
        closing = state.push("link_close", "a", -1)
        closing.markup, closing.info = "autolink", "auto"
    state.pos = found.end()
    return True


def undefined_footnote(state: StateInline, silent: bool) -> bool:
    """A footnote marker with no definition, kept as the text it is (as kramdown keeps it, with a warning):
    whole, so that the `_` of `[^9_]` cannot open emphasis that a later `_` closes."""
    if not state.src.startswith("[^", state.pos):
        return False
    match = _FOOTNOTE_MARKER.match(state.src, state.pos, state.posMax)
    defined = state.env.get("footnotes", {}).get("refs", {})
    if match is None or f":{match.group(1)}" in defined:
        return False
    if not silent:
        state.pending += match.group(0)
    state.pos = match.end()
    return True


# kramdown's LINK_PAREN_STOP_RE and LINK_INLINE_TITLE_RE.
_PAREN_STOP = re.compile(r"(\()|(\))|\s(?=['\"])")
_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_INLINE_TITLE = re.compile(r"\s*?([\"'])(.+?)\1\s*?\)", re.DOTALL)


def inline_link(state: StateInline, silent: bool) -> bool:
    """`[text](url)` and `![alt](url)` with the URL read as kramdown reads it: up to the parenthesis that
    balances the first, spaces and backslashes kept (`(a b.png)`, `(wiki/Metro_(design\\))`), where
    CommonMark stops at a space and removes escapes. Reference links and `(<url>)` are left to markdown-it."""
    image = state.src.startswith("![", state.pos)
    if not image and state.src[state.pos] != "[":
        return False
    label_end = state.md.helpers.parseLinkLabel(state, state.pos + image, not image)
    if label_end < 0 or not state.src.startswith("(", label_end + 1) or state.src.startswith("(<", label_end + 1):
        return False
    found = _destination(state.src, label_end + 1, state.posMax)
    if found is None:
        return False
    href, title, end = (_entities_decoded(found[0]), _entities_decoded(found[1]), found[2])
    if not silent:
        label_start = state.pos + 1 + image
        if image:
            _push_image(state, state.src[label_start:label_end], href, title)
        else:
            _push_link(state, label_start, label_end, href, title)
    state.pos = end
    return True


def _entities_decoded(text: str) -> str:
    """Entity references read as their characters: kramdown writes them back as they were (`&amp;` stays
    `&amp;`, a bare `&` becomes `&amp;`), which is what escaping the decoded text gives."""
    return _ENTITY.sub(lambda match: html.unescape(match.group(0)), text) if "&" in text else text


def _destination(src: str, opening: int, limit: int) -> tuple[str, str, int] | None:
    """kramdown's link URL after `(` at `opening`: the URL, the title, and where the link ends; None for text."""
    depth, position = 0, opening
    while stop := _PAREN_STOP.search(src, position, limit):
        position = stop.end()
        if stop.group(2):
            depth -= 1
            if depth == 0:
                return src[opening + 1 : stop.start()].strip(), "", position
        elif stop.group(1):
            depth += 1
        else:
            break
    else:
        return None
    title = _INLINE_TITLE.match(src, position, limit)
    if title is None:
        return None
    return src[opening + 1 : stop.start()].strip(), title.group(2), title.end()


def _push_link(state: StateInline, label_start: int, label_end: int, href: str, title: str) -> None:
    """The link's tokens, its text parsed as markdown-it's link rule parses it."""
    end = state.posMax
    state.pos, state.posMax = label_start, label_end
    token = state.push("link_open", "a", 1)
    token.attrs = {"href": href, **({"title": title} if title else {})}
    state.linkLevel += 1
    state.md.inline.tokenize(state)
    state.linkLevel -= 1
    state.push("link_close", "a", -1)
    state.posMax = end


def _push_image(state: StateInline, alt: str, src: str, title: str) -> None:
    """The image's token, its alt text's tokens as children, as markdown-it's image rule makes them."""
    children: list[Token] = []
    state.md.inline.parse(alt, state.md, state.env, children)
    token = state.push("image", "img", 0)
    token.attrs = {"src": src, "alt": "", **({"title": title} if title else {})}
    token.children = children
    token.content = alt
