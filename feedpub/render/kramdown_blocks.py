"""kramdown's block-level rules as markdown-it block rules: display math and HTML blocks.

Quoted regular expressions are kramdown 2.4's (parser/kramdown/*.rb).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.code import code as commonmark_code
from markdown_it.rules_block.fence import fence as commonmark_fence
from markdown_it.rules_block.heading import heading as commonmark_heading
from markdown_it.rules_block.lheading import lheading as commonmark_setext_heading
from markdown_it.rules_block.list import list_block as commonmark_list
from markdown_it.rules_block.paragraph import paragraph as commonmark_paragraph

from feedpub.render.kramdown_lists import LAZY_END, LIST_START

# kramdown's HTML_SPAN_ELEMENTS: a line starting with one of these is a paragraph, not an HTML block.
SPAN_ELEMENTS = frozenset(
    "a abbr acronym b big bdo br button cite code del dfn em i img input ins kbd label mark option q rb rbc "
    "rp rt rtc ruby samp select small span strong sub sup tt u var".split()
)
VOID_ELEMENTS = frozenset("area base br col embed hr img input link meta param source track wbr".split())
OPENING_TAG = re.compile(r" {0,3}<([A-Za-z][\w:-]*)(?=\s|/?>)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
MARKDOWN_ATTRIBUTE = re.compile(r"""\s+markdown=(["']?)(?:1|block|span)\1""")
BLOCK_MATH_START = re.compile(r" {0,3}\$\$")


def after_block_boundary(state: StateBlock, start_line: int) -> bool:
    """kramdown's after_block_boundary?: the line comes after a blank line, or first in its container."""
    first_in_container = not state.tokens or state.tokens[-1].nesting == 1
    return start_line == 0 or state.isEmpty(start_line - 1) or first_in_container


def block_math(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """`$$ ... $$` standing between blank lines (kramdown's block math), kept for MathJax as `\\[...\\]`."""
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    first = state.bMarks[start_line] + state.tShift[start_line]
    if not state.src.startswith("$$", first):
        return False
    if not after_block_boundary(state, start_line):
        return False
    close = state.src.find("$$", first + 2)
    if close < 0:
        return False
    line = start_line
    while line < end_line and state.eMarks[line] < close + 2:
        line += 1
    if line >= end_line or state.src[close + 2 : state.eMarks[line]].strip():
        return False
    if line + 1 < end_line and not state.isEmpty(line + 1):
        return False
    if silent:
        return True
    token = state.push("math_block", "math", 0)
    # The lines as their container gives them (a quote's without its `>`), then what is between the $$.
    text = state.getLines(start_line, line + 1, state.blkIndent, False).strip()
    token.content = text[2:-2].strip()
    token.map = [start_line, line + 1]
    token.block = True
    state.line = line + 1
    return True


def html_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """An HTML element up to its matching end tag, blank lines and all, as kramdown reads block HTML.

    CommonMark ends an HTML block at a blank line and reads what follows as
    Markdown (an indented line becomes a code block); kramdown does not. A line
    opening a span element (`<img>`, `<a>`) starts a paragraph instead.
    `markdown="1"` on the element makes its content Markdown.
    """
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    start = state.bMarks[start_line] + state.tShift[start_line]
    if state.src[start : start + 1] != "<":
        return False
    if state.src.startswith("<!--", start):
        # kramdown's LAZY_END takes element lines only: a comment line under a paragraph line is the paragraph's.
        return not silent and _comment(state, start_line, end_line, start, silent)
    match = OPENING_TAG.match(state.src, start)
    if match is None:
        return False
    name = match.group(1).lower()
    if name in SPAN_ELEMENTS:
        return False
    # The element's end tag is looked for in its container (a list item's lines), as kramdown reads
    # the item on its own; without one, kramdown takes the rest of the container and closes it there.
    container_end = _container_end(state, start_line, end_line)
    if name in VOID_ELEMENTS or match.group(2).rstrip().endswith("/"):
        close_end, unclosed = match.end(), 0
    else:
        close_end, unclosed = _matching_end(state.src, name, match.end(), state.eMarks[container_end - 1])
    close_end = state.eMarks[container_end - 1] if unclosed else close_end
    last_line = start_line
    while last_line < end_line - 1 and state.eMarks[last_line] < close_end:
        last_line += 1
    if silent:
        return True
    if MARKDOWN_ATTRIBUTE.search(match.group(2)) and _markdown_inside(state, start_line, last_line, match):
        return True
    token = state.push("html_block", "", 0)
    token.map = [start_line, last_line + 1]
    token.content = state.getLines(start_line, last_line + 1, state.blkIndent, True)
    if unclosed:
        token.content = token.content.rstrip("\n") + f"\n</{match.group(1)}>" * unclosed + "\n"
    state.line = last_line + 1
    return True


def _comment(state: StateBlock, start_line: int, end_line: int, start: int, silent: bool) -> bool:
    """An HTML comment, blank lines and all, up to its `-->`."""
    end = state.src.find("-->", start + 4)
    if end < 0:
        return False
    last_line = start_line
    while last_line < end_line - 1 and state.eMarks[last_line] < end + 3:
        last_line += 1
    if state.src[end + 3 : state.eMarks[last_line]].strip():
        return False
    if not silent:
        token = state.push("html_block", "", 0)
        token.map = [start_line, last_line + 1]
        token.content = state.getLines(start_line, last_line + 1, state.blkIndent, True)
    state.line = last_line + 1
    return True


def _container_end(state: StateBlock, start_line: int, end_line: int) -> int:
    """The line after the last of the container `start_line` is in: a list item ends at a line indented less
    than its content (blank lines before it left out); a document or a quote at `end_line`."""
    if state.blkIndent == 0:  # no line of the document or of a quote is indented less
        return end_line
    line = start_line + 1
    while line < end_line and (state.isEmpty(line) or state.sCount[line] >= state.blkIndent):
        line += 1
    if line < end_line:
        while line - 1 > start_line and state.isEmpty(line - 1):
            line -= 1
    return line


def _matching_end(src: str, name: str, position: int, end: int) -> tuple[int, int]:
    """The end of the tag closing the element `name` opened before `position`, looked for up to `end`,
    and 0; or -1 and how many are open."""
    pattern = re.compile(rf"<(/?){re.escape(name)}(?=\s|/?>)[^>]*>", re.IGNORECASE)
    depth = 1
    for tag in pattern.finditer(src, position, end):
        if tag.group(1):
            depth -= 1
            if depth == 0:
                return tag.end(), 0
        elif not tag.group(0).endswith("/>"):
            depth += 1
    return -1, depth


def _markdown_inside(state: StateBlock, start_line: int, last_line: int, match: re.Match[str]) -> bool:
    """Renders `<tag markdown="1">` with its content as Markdown, when the tags stand on lines of their own."""
    opening_end = state.eMarks[start_line]
    closing_start = state.bMarks[last_line] + state.tShift[last_line]
    if last_line == start_line or state.src[match.end() : opening_end].strip():
        return False
    if not state.src[closing_start:].startswith("</"):
        return False
    opening = state.push("html_block", "", 0)
    opening.content = MARKDOWN_ATTRIBUTE.sub("", match.group(0).strip()) + "\n"
    opening.map = [start_line, start_line + 1]
    old_max = state.lineMax
    state.lineMax = last_line
    state.md.block.tokenize(state, start_line + 1, last_line)
    state.lineMax = old_max
    closing = state.push("html_block", "", 0)
    closing.content = state.getLines(last_line, last_line + 1, state.blkIndent, True)
    closing.map = [last_line, last_line + 1]
    state.line = last_line + 1
    return True


_HASHES_ALONE = re.compile(r"[ \t]*#{1,6}[ \t]*$")
_HEADER_TEXT = re.compile(r"#{1,6}[ \t]+(.*)$")
_CLOSING_HASHES = re.compile(r"[ \t]#+$")
# What Ruby's strip, lstrip and rstrip take off, as kramdown trims a paragraph or a header: ASCII only.
# CommonMark's trim takes Unicode spaces too: a Chinese paragraph's indent of two U+3000 went with it.
_RUBY_SPACE = " \t\n\v\f\r\0"
_UNICODE_SPACE = frozenset(
    "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def paragraph(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """CommonMark's paragraph, trimmed as kramdown trims one: spaces other than ASCII's stay at its ends."""
    found = commonmark_paragraph(state, start_line, end_line, silent)
    if found and _unicode_space_at_an_end(state, start_line, state.line):
        state.tokens[-2].content = state.getLines(start_line, state.line, state.blkIndent, False).strip(_RUBY_SPACE)
    return found


def _unicode_space_at_an_end(state: StateBlock, start_line: int, next_line: int) -> bool:
    """Whether the text of lines start_line..next_line-1 starts or ends (ASCII spaces aside) with another space."""
    src, first, end = state.src, state.bMarks[start_line] + state.tShift[start_line], state.eMarks[next_line - 1]
    while end > first and src[end - 1] in _RUBY_SPACE:
        end -= 1
    return src[first : first + 1] in _UNICODE_SPACE or src[end - 1 : end] in _UNICODE_SPACE


def heading(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """CommonMark's ATX heading, but not hashes alone: kramdown's ATX_HEADER_START needs text after them,
    so `###` on its own line is a paragraph (or a paragraph's line), not an empty heading. A heading
    whose text is hashes (`## ##`) keeps them: kramdown strips closing hashes only after a space.
    Its text is trimmed of ASCII spaces only, as kramdown trims it."""
    start = state.bMarks[start_line] + state.tShift[start_line]
    if not state.src.startswith("#", start):
        return False
    if _HASHES_ALONE.match(state.src, start, state.eMarks[start_line]):
        return False
    found = commonmark_heading(state, start_line, end_line, silent)
    if found and not silent:
        state.tokens[-2].content = _header_text(state.src[start : state.eMarks[start_line]])
    return found


def _header_text(line: str) -> str:
    """kramdown's text of an ATX header line: closing hashes stripped only after a space (`## ##` is "##"),
    and only ASCII spaces trimmed (parse_header_contents' rstrip)."""
    found = _HEADER_TEXT.match(line)
    text = found.group(1).rstrip(_RUBY_SPACE) if found else ""
    return _CLOSING_HASHES.sub("", text).rstrip(_RUBY_SPACE)


_UNDERLINE = re.compile(r"(?:-+|=+)[ \t]*$")


def setext_heading(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A setext heading only as kramdown's SETEXT_HEADER_START reads one: one line, its underline right
    under it, after a block boundary (a blank line, or first in its container). After two lines of a
    paragraph, or right under a rule or a fence, `---` or `===` is more of a paragraph's text."""
    underline = start_line + 1
    if (
        not after_block_boundary(state, start_line)
        or underline >= end_line
        or not 0 <= state.sCount[underline] - state.blkIndent < 4
        or not _UNDERLINE.match(state.src, state.bMarks[underline] + state.tShift[underline], state.eMarks[underline])
    ):
        return False
    return commonmark_setext_heading(state, start_line, end_line, silent)


# kramdown's IAL_BLOCK (and ALD) line: `{: .class}`, `{:name: .class}`; not an extension's `{::` or `{:/`.
_ATTRIBUTE_LINE = re.compile(r"\{:(?![:/])(?:\\\}|[^}])+\}[ \t]*$")


def attribute_line(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A block IAL line is a block of its own, as kramdown reads it: the paragraph it would otherwise start
    would run on into the lines under it (`{: .cls}` then `___` is an IAL, then a rule). It is written
    as a paragraph of its one line, for kramdown_tree.block_ials to apply."""
    start = state.bMarks[start_line] + state.tShift[start_line]
    if (
        not state.src.startswith("{:", start)
        or state.sCount[start_line] - state.blkIndent >= 4
        or not _ATTRIBUTE_LINE.match(state.src, start, state.eMarks[start_line])
    ):
        return False
    if silent:
        return True
    state.line = start_line + 1
    opening = state.push("paragraph_open", "p", 1)
    opening.map = [start_line, state.line]
    inline = state.push("inline", "", 0)
    inline.content = state.src[start : state.eMarks[start_line]].strip()
    inline.map = [start_line, state.line]
    inline.children = []
    state.push("paragraph_close", "p", -1)
    return True


_FENCE_OPENING = re.compile(r"(`{3,}|~{3,})")


def fence(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """CommonMark's fenced code, but only with its closing fence: kramdown's FENCED_CODEBLOCK_MATCH needs one,
    and an unclosed fence is paragraph text (CommonMark's runs to the end of its container)."""
    start = state.bMarks[start_line] + state.tShift[start_line]
    if not state.src.startswith(("`", "~"), start):  # the usual line: no fence at all
        return False
    opening = _FENCE_OPENING.match(state.src, start, state.eMarks[start_line])
    if opening is None or not _closed(state, opening.group(1), start_line, end_line):
        return False
    found = commonmark_fence(state, start_line, end_line, silent)
    if found and not silent and state.sCount[start_line] > state.blkIndent:
        # kramdown takes the lines between the fences as they stand in their container: an indented
        # fence's code keeps its indentation, which CommonMark takes off every line.
        state.tokens[-1].content = state.getLines(start_line + 1, state.line - 1, state.blkIndent, True)
    return found


def _closed(state: StateBlock, opening: str, start_line: int, end_line: int) -> bool:
    """Whether a line after `start_line`, inside the same container, closes the fence `opening` opens
    (markdown-it's fence rule's own search)."""
    for line in range(start_line + 1, end_line):
        start, end = state.bMarks[line] + state.tShift[line], state.eMarks[line]
        if start < end and state.sCount[line] < state.blkIndent:
            return False
        if state.is_code_block(line):
            continue
        text = state.src[start:end].rstrip(" \t")
        if text.startswith(opening) and text.strip(opening[0]) == "":
            return True
    return False


def definition_list(rule: Callable[[StateBlock, int, int, bool], bool]) -> Callable[[StateBlock, int, int, bool], bool]:
    """The definition list rule, without `~` definitions: kramdown's DEFINITION_LIST_START is a `:`, so
    `a` then `~ b` is one paragraph (a tab-indented `~ # curl` line of a shell session is code)."""

    def kramdown_definition_list(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        marker_line = start_line if silent else start_line + 1
        if not silent and marker_line < end_line and state.isEmpty(marker_line):
            marker_line += 1
        if marker_line < end_line and state.src.startswith("~", state.bMarks[marker_line] + state.tShift[marker_line]):
            return False
        return rule(state, start_line, end_line, silent)

    return kramdown_definition_list


# What kramdown's LIST_START does not take for an item: `3)` (its ordered items take a dot), and a
# marker with nothing after it on its line (`-` alone is a paragraph's text; `- ` is an empty item).
_NOT_AN_ITEM = re.compile(r"\d{1,9}\)|(?:[-+*]|\d{1,9}\.)$")


def list_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """CommonMark's list, but not where kramdown's LIST_START sees no item: `3) text` and a bare `-`
    are text (under a list item, more of the item's)."""
    start = state.bMarks[start_line] + state.tShift[start_line]
    if _NOT_AN_ITEM.match(state.src, start, state.eMarks[start_line]):
        return False
    return commonmark_list(state, start_line, end_line, silent)


_MARKER_FIRST = frozenset("+*-0123456789")


def list_ends_paragraph(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A paragraph terminator only: any list item ends a paragraph in kramdown's GFM input, also one numbered
    other than 1 or with nothing after its marker, which CommonMark lets a paragraph run into."""
    start = state.bMarks[start_line] + state.tShift[start_line]
    if (
        not silent
        or state.src[start : start + 1] not in _MARKER_FIRST
        or state.sCount[start_line] - state.blkIndent >= 4
    ):
        return False
    return bool(LIST_START.match(state.src[start : state.eMarks[start_line]] + "\n"))


_LAZY_END = re.compile(LAZY_END)


def lazy_end_ends_blockquote(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A blockquote terminator only: kramdown's LAZY_END ends a quote's lazy lines. A block IAL line is then
    the quote's (`> q` then `{: .tip}` is <blockquote class="tip">), and a line that opens or closes an
    element other than a span element is a block of its own (`<https://example.org/>` reads as one)."""
    if not silent or state.sCount[start_line] - state.blkIndent >= 4:
        return False
    start = state.bMarks[start_line] + state.tShift[start_line]
    return bool(_LAZY_END.match(state.src, start, state.eMarks[start_line]))


def code(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """An indented code block as kramdown's CODEBLOCK_MATCH takes it: a line right under an indented one is
    the block's too, however little it is indented (not an IAL's or an element's), joined to the line before
    with a space (parse_codeblock's `\\n( {0,3}\\S)` -> ` \\1`). Inside a container, CommonMark's block."""
    if not state.is_code_block(start_line):
        return False
    if state.blkIndent:
        return commonmark_code(state, start_line, end_line, silent)
    last = line = start_line + 1
    while line < end_line:
        start, end = state.bMarks[line] + state.tShift[line], state.eMarks[line]
        if state.isEmpty(line):
            line += 1
        elif state.is_code_block(line) or (line == last and not _LAZY_END.match(state.src, start, end)):
            line += 1
            last = line
        else:
            break
    if silent:
        return True
    state.line = last
    raw = state.src[state.bMarks[start_line] : state.eMarks[last - 1]] + "\n"
    token = state.push("code_block", "code", 0)
    token.content = _INDENT.sub("", _LAZY_CODE_LINE.sub(r" \1", raw))
    token.map = [start_line, last]
    return True


_LAZY_CODE_LINE = re.compile(r"\n( {0,3}\S)")
_INDENT = re.compile(r"^(?: {4}|\t)", re.MULTILINE)
