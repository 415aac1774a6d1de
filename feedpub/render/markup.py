"""What feedpub reads from and rewrites in a post's HTML: URLs, summaries, text, how it opens.

Every function parses its fragment as a browser does (render/fragment.py), so
only real elements count: a code sample showing `<img src="logo.png">` is text,
a `<!--more-->` inside one is not the marker, and a `>` inside a quoted
attribute does not end its tag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from feedpub.render.fragment import comments, correct, elements, parse, serialise, top_level
from feedpub.render.urls import resolve_srcset, resolve_url, srcset_candidates

MORE_MARKER = re.compile(r"<!--\s*more\s*-->", re.IGNORECASE)
_MORE_TEXT = re.compile(r"\s*more\s*", re.IGNORECASE)

# Attributes whose value is one URL a browser resolves against the page's base URL.
_URL_ATTRIBUTES = frozenset(
    ["href", "src", "poster", "cite", "action", "formaction", "background", "longdesc", "xlink:href"]
)
# Attributes holding a comma-separated list of "URL descriptor" candidates.
_SRCSET_ATTRIBUTES = frozenset(["srcset", "imagesrcset"])
_ANY_URL_ATTRIBUTE = _URL_ATTRIBUTES | _SRCSET_ATTRIBUTES
# Elements with which a parsed tree may not parse back from its own HTML: the parser drops a <form>
# inside another, which a tree can still hold, and nothing ends a <plaintext>.
_NOT_ROUND_TRIPPING = re.compile(r"<(?:form|plaintext)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class UrlAttribute:
    """One URL written in an element's attribute (each candidate of a srcset is one)."""

    element: str
    attribute: str
    url: str


@dataclass(frozen=True, slots=True)
class Opening:
    """How a fragment begins, as a reader sees it."""

    headings: tuple[str, ...]  # the text of each heading before the first other block
    block: str | None  # the first element after them; None when bare text (or nothing) comes first
    block_has_image: bool  # whether that element holds an <img>


def close_open_tags(fragment: str) -> str:
    """The fragment with every element it leaves open closed, where a browser would close it."""
    return serialise(parse(fragment))


# --- URLs --------------------------------------------------------------------------------


def absolutize(fragment: str, base_url: str) -> str:
    """Resolve every relative URL in the fragment's element attributes against `base_url`.

    Feed readers have no base URL for entry content, so `/img/a.png`, `../other/`
    and `#note` would break; they are resolved as a browser would. Absolute URLs
    (https:, mailto:, data:) keep their value exactly as written. The result is
    the fragment as an HTML5 serialiser writes it (`<br />` becomes `<br>`).
    """
    return serialise(_resolved(fragment, base_url))


def absolutize_with_first_paragraph(fragment: str, base_url: str) -> tuple[str, str]:
    """absolutize's result, and first_paragraph of that result, from one parse.

    Most summaries are a post's first paragraph, found here without parsing the
    post a second time. A tree parses back from its HTML (render/fragment.py),
    so its first <p> is the result's; with a <form> or <plaintext> it may not,
    and the result is parsed again.
    """
    tree = _resolved(fragment, base_url)
    html = serialise(tree)
    if _NOT_ROUND_TRIPPING.search(fragment):
        return html, first_paragraph(html)
    return html, _first_paragraph_of(tree)


def _resolved(fragment: str, base_url: str) -> LexborHTMLParser:
    tree = parse(fragment)
    for element, attributes in _with_url_attributes(tree):
        for name, value in attributes.items():
            if value is None or name not in _ANY_URL_ATTRIBUTE:
                continue
            resolved = resolve_srcset(base_url, value) if name in _SRCSET_ATTRIBUTES else resolve_url(base_url, value)
            if resolved != value:
                element.attrs[name] = resolved
    return tree


def url_attributes(fragment: str) -> list[UrlAttribute]:
    """Every URL written in an element attribute, in document order, as written (not resolved)."""
    found = []
    for element, attributes in _with_url_attributes(parse(fragment)):
        for name, value in attributes.items():
            if not value or not value.strip():
                continue
            if name in _URL_ATTRIBUTES:
                found.append(UrlAttribute(element.tag or "", name, value.strip()))
            elif name in _SRCSET_ATTRIBUTES:
                found.extend(UrlAttribute(element.tag or "", name, url) for url, _ in srcset_candidates(value))
    return found


def _with_url_attributes(tree: LexborHTMLParser) -> list[tuple[LexborNode, dict[str, str | None]]]:
    # Checking every element's attributes costs less than a CSS query for eleven of them.
    found = []
    for element in elements(tree):
        attributes = element.attributes
        if attributes and not _ANY_URL_ATTRIBUTE.isdisjoint(attributes):
            found.append((element, attributes))
    return found


# --- summaries ---------------------------------------------------------------------------


def has_more_marker(fragment: str) -> bool:
    """Whether the fragment holds a real <!--more--> comment (not one shown in a code sample)."""
    return bool(MORE_MARKER.search(fragment)) and bool(_markers(parse(fragment)))


def before_more_marker(fragment: str) -> str | None:
    """The part before the first <!--more-->, with the elements it leaves open closed; None without one."""
    if not MORE_MARKER.search(fragment):
        return None  # the common case, without parsing
    tree = parse(fragment)
    markers = _markers(tree)
    if not markers:
        return None
    _cut_at(markers[0])
    return serialise(tree)


def without_more_marker(fragment: str) -> str:
    """The fragment with its <!--more--> comments removed."""
    if not MORE_MARKER.search(fragment):
        return fragment
    tree = parse(fragment)
    for marker in _markers(tree):
        marker.decompose()
    return serialise(tree)


def first_paragraph(fragment: str) -> str:
    """The first <p> element, wherever it is; "" when there is none."""
    tree = parse(fragment)
    correct(tree)
    return _first_paragraph_of(tree)


def _first_paragraph_of(corrected: LexborHTMLParser) -> str:
    # tags() walks the tree in C, in document order; css_first("p") cost a 4 KB post 40 µs more.
    paragraphs = corrected.tags("p")
    return (paragraphs[0].html or "") if paragraphs else ""


def _markers(tree: LexborHTMLParser) -> list[LexborNode]:
    return [node for node in comments(tree) if _MORE_TEXT.fullmatch(node.comment_content or "")]


def _cut_at(marker: LexborNode) -> None:
    """Remove the marker, everything after it in document order, and the spaces just before it."""
    node: LexborNode | None = marker
    while node is not None and not node.is_document_node:
        while node.next is not None:
            node.next.decompose()
        node = node.parent
    previous = marker.prev
    marker.decompose()
    while previous is not None and previous.is_text_node:
        text, earlier = (previous.text_content or "").rstrip(), previous.prev
        if text:
            previous.replace_with(text)
            return
        previous.decompose()
        previous = earlier


# --- text --------------------------------------------------------------------------------

# Elements that separate words; others (<a>, <strong>) sit inside a word in Chinese text.
_BREAKING = frozenset(
    "address article aside blockquote br dd details dialog div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot th thead tr ul".split()
)
# Elements whose content is code or inert markup, never words a reader sees.
_NOT_TEXT = frozenset(["script", "style", "template"])
_HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])
# The names of HTML's elements, current and obsolete (and the two foreign roots): in a title,
# `<code>` is markup, but `<T>` or `<K, V>` is a programmer's text.
HTML_ELEMENTS = frozenset(
    """a abbr acronym address applet area article aside audio b base basefont bdi bdo bgsound big blink
    blockquote body br button canvas caption center cite code col colgroup data datalist dd del details dfn
    dialog dir div dl dt em embed fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6
    head header hgroup hr html i iframe img input ins kbd keygen label legend li link main map mark marquee
    math menu meta meter nav nobr noembed noframes noscript object ol optgroup option output p param picture
    plaintext pre progress q rb rp rt rtc ruby s samp script search section select slot small source span
    strike strong style sub summary sup svg table tbody td template textarea tfoot th thead time title tr
    track tt u ul var video wbr xmp""".split()
)
# A start or end tag as HTML's tokenizer reads one: "<", an optional "/", a letter, then the name.
_TAG_START = re.compile(r"</?([A-Za-z][^\t\n\f\r />]*)")
# HTML's whitespace, which is ASCII's: Python's str.split() would also eat U+00A0 and U+3000.
_HTML_SPACES = re.compile(r"[ \t\n\f\r]+")


def plain_text(fragment: str) -> str:
    """The words of an HTML fragment: entities decoded, whitespace collapsed, blocks apart."""
    return _words(top_level(parse(fragment)))


def prose_text(fragment: str) -> str:
    """plain_text without code: what a fragment says outside <pre> and <code>."""
    tree = parse(fragment)
    for node in [*tree.css("pre"), *tree.css("code")]:
        node.decompose()
    return _words(top_level(tree))


def opening(fragment: str) -> Opening:
    """The headings a fragment opens with, and the first block after them."""
    headings: list[str] = []
    for node in top_level(parse(fragment)):
        if node.is_comment_node or (node.is_text_node and not (node.text_content or "").strip()):
            continue  # invisible to a reader
        if node.is_element_node and node.tag in _HEADINGS:
            headings.append(_words([node]))
            continue
        if not node.is_element_node:
            break
        return Opening(tuple(headings), _block_name(node), any(n.tag == "img" for n in node.traverse()))
    return Opening(tuple(headings), None, False)


def _block_name(node: LexborNode) -> str:
    """The element's tag; `pre` for a code block in Jekyll's wrapper (`<div class="... highlighter-rouge">`)."""
    if node.tag == "div" and "highlighter-rouge" in (node.attributes.get("class") or "").split():
        return "pre"
    return node.tag or ""


def title_text(title: str) -> str:
    """A post title as the text a reader shows: HTML elements removed, entities decoded, spaces collapsed.

    As jekyll-feed's `strip_html | normalize_whitespace`, but parsed as HTML:
    `<code>x</code>` gives "x", `A &amp; B` gives "A & B", `<script>` keeps
    nothing. A `<` before a name that is no HTML element (`Vec<T>`) is text, as
    it was meant. Only HTML's own spaces collapse: a no-break or ideographic
    space stays. A title with no text left is returned as written.
    """
    if "<" not in title and "&" not in title:
        text = title  # the common case, without parsing
    else:
        text = _text(top_level(parse(_TAG_START.sub(_as_text, title))))
    return _HTML_SPACES.sub(" ", text).strip(" ") or title


def _as_text(match: re.Match[str]) -> str:
    name = match.group(1).lower()
    return match.group(0) if name in HTML_ELEMENTS else "&lt;" + match.group(0)[1:]


def _words(nodes: list[LexborNode]) -> str:
    return " ".join(_text(nodes).split())


def _text(nodes: list[LexborNode]) -> str:
    # A stack rather than recursion: a summary may hold lists nested hundreds deep.
    parts: list[str] = []
    stack: list[LexborNode | None] = list(reversed(nodes))
    while stack:
        node = stack.pop()
        if node is None:
            parts.append(" ")  # the end of a breaking element
        elif node.is_text_node:
            parts.append(node.text_content or "")
        elif node.is_element_node and node.tag not in _NOT_TEXT:
            if node.tag in _BREAKING:
                parts.append(" ")
                stack.append(None)
            stack.extend(reversed(list(node.iter(include_text=True))))
    return "".join(parts)
