"""kramdown's list items made plain to markdown-it: each item's lines indented under it, as kramdown collects them.

kramdown (parser/kramdown/list.rb, parse_list) gives a list item every
non-blank line that follows it directly, however little it is indented (a
"lazy" line), where CommonMark gives an item only the lines indented under
it, and lazy lines only to a paragraph. `- #### Title` then `Text` is one
item to kramdown, an item and a paragraph to CommonMark; `1. one` then
`  - sub` nests the bullet in kramdown and ends the numbered list in
CommonMark. This pass walks the lines as parse_list does and re-indents each
line an item takes to the item's content column, one output line for each
input line (so that line numbers still hold), items inside items too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# kramdown's HTML_SPAN_ELEMENTS and `script` (LAZY_END_HTML_SPAN_ELEMENTS): a line opening any other element
# ends a lazy run, as does a block IAL.
_SPAN_ELEMENTS = (
    "a|abbr|acronym|b|big|bdo|br|button|cite|code|del|dfn|em|i|img|input|ins|kbd|label|mark|option|q|rb|rbc|rp|"
    "rt|rtc|ruby|samp|select|small|span|strong|sub|sup|tt|u|var|script"
)
_NAME = r"(?:[A-Za-z_][\w.-]*:)?[A-Za-z_][\w.-]*"  # REXML's UNAME_STR, for the names Markdown meets
_ELEMENT_LINE = rf"</?(?!(?:{_SPAN_ELEMENTS})\b){_NAME}"  # LAZY_END_HTML_START and _STOP, near enough
# What ends a run of lazy lines (kramdown's LAZY_END, blank lines aside): a block IAL line, or an element's line.
LAZY_END = rf"(?:\{{:(?![:/])(?:\\\}}|[^}}])+\}}\s*$|{_ELEMENT_LINE})"
_MARKERS = {"ul": r"[+*-]", "ol": r"\d+\."}
_LIST_KIND = {kind: re.compile(rf" {{0,3}}{marker}[\t| ]") for kind, marker in _MARKERS.items()}
# kramdown's LIST_START: a marker, then a space, tab or `|` (GFM's PARAGRAPH_END_GFM holds it too).
LIST_START = re.compile(r" {0,3}(?:[+*-]|\d+\.)[\t| ]")
# An item whose marker line holds its text after one to four spaces, no tab.
_PLAIN_ITEM = {kind: re.compile(rf"( {{0,3}}){marker} {{1,4}}[^ \t]") for kind, marker in _MARKERS.items()}
# An item's line with a line right under it that is not an item of its list, nor blank.
_UNDER_AN_ITEM = re.compile(r"\n( {0,3})(?:([+*-])|\d+\.)[\t| ][^\n]*\n(?!\1(?(2)[+*-]|\d+\.)[\t| ]|[ \t]*(?:\n|$))")
# An item's line, blank lines, then an indented line: the item's, in kramdown and in CommonMark alike, but
# what follows that line may be the item's in kramdown only.
_INDENTED_AFTER_AN_ITEM = re.compile(r"\n {0,3}(?:[+*-]|\d+\.)[\t| ][^\n]*\n(?:[ \t]*\n)+[ \t]+\S")
# What a line must start with (after up to three spaces) to be anything but text to _container.
_SPECIAL_FIRST = frozenset("`~<*_-+0123456789")
_SPECIAL_LINE = re.compile(r"^ {0,3}[`~<*_+0-9-]", re.MULTILINE)
_HR = re.compile(r" {0,3}([*_-])[ \t]*\1[ \t]*\1(?:\1|[ \t])*$")
_EOB = re.compile(r"\^\s*$")
_BLANK = re.compile(r"\s*$")
_ITEM_IAL_ONLY = re.compile(r"\s*(?:\{:(?![\w-]*:|/)(?:\\\}|[^}])+\}\s*)?$")  # LIST_ITEM_IAL_CHECK
FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
BLOCK_HTML = re.compile(rf" {{0,3}}<(?!(?:{_SPAN_ELEMENTS})\b)([A-Za-z][\w-]*)(?:\s[^>]*)?/?>")
_SETEXT_UNDERLINE = re.compile(r"-+\s*$")  # under a text line, `- ` is a heading's underline, not an item


@lru_cache(maxsize=64)
def _item_start(kind: str, indentation: int) -> re.Pattern[str]:
    """fetch_pattern: a next item of the list, its marker indented less than the item's content."""
    spaces = min(max(indentation - 1, 0), 3)
    return re.compile(rf"( {{0,{spaces}}}{_MARKERS[kind]})([\t| ].*)$")


@lru_cache(maxsize=64)
def _content_and_lazy(indentation: int) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """PARSE_FIRST_LIST_LINE_REGEXP_CACHE: a line indented under the item, and a lazy line."""
    units, rest = divmod(indentation, 4)
    content = re.compile(rf"(?:(?:\t| {{4}}){{{units}}} {{{rest}}}|(?:\t| {{4}}){{{units + 1}}}).*\S")
    lazy = re.compile(rf"(?! {{0,{min(indentation, 3)}}}{LAZY_END}).*\S")
    return content, lazy


@dataclass(slots=True)
class _Item:
    first: int  # the index of its marker line
    indentation: int  # kramdown's: where its content starts
    lines: list[str]  # its value as kramdown keeps it, line by line: the marker line's content first
    column: int  # where CommonMark has its content start: its lines are written indented that far


def explicit_list_items(text: str) -> str:
    """`text` with every line a list item takes (kramdown's way) indented under that item."""
    lined = "\n" + text  # the patterns start with a newline, which the regex engine finds fast; ^ it does not
    if not _UNDER_AN_ITEM.search(lined) and not _INDENTED_AFTER_AN_ITEM.search(lined):
        return text  # each item one line, each list ended by a blank line: read alike (most posts)
    special, line, last = [], 0, 0
    for found in _SPECIAL_LINE.finditer(text):  # the lines to look at: finding them by regex is what keeps this cheap
        line += text.count("\n", last, found.start())
        last = found.start()
        special.append(line)
    return "\n".join(_container(text.split("\n"), special))


def _container(lines: list[str], special: list[int] | None = None) -> list[str]:
    """The lines of a document or an item's value, with the lists in them made explicit.

    `special`: the indexes of the lines that may open a list, a fence or raw HTML (the others are text).
    """
    if special is None:
        special = [index for index, line in enumerate(lines) if line[:4].lstrip(" ")[:1] in _SPECIAL_FIRST]
    out: list[str] = []
    index = 0
    for candidate in special:
        if candidate < index or _in_indented_code(lines, candidate, index):  # inside a block already taken, or code
            continue
        out.extend(lines[index:candidate])
        index = candidate
        line = lines[index]
        fence = FENCE.match(line)
        html = BLOCK_HTML.match(line)
        if fence and (end := fence_end(lines, index, fence.group(1))) is not None:
            out.extend(lines[index : end + 1])
            index = end + 1
        elif html:
            end = html_end(lines, index, html.group(1))
            out.extend(lines[index : end + 1])  # raw HTML: a line in it that looks like an item is text
            index = end + 1
        elif _HR.match(line) or (_SETEXT_UNDERLINE.match(line) and out and not _BLANK.match(out[-1])):
            out.append(line)
            index += 1
        elif kind := _list_kind(line):
            taken, written = _list_lines(lines, index, kind)
            out.extend(written)
            index += taken
        else:
            out.append(line)
            index += 1
    out.extend(lines[index:])
    return out


def _list_lines(lines: list[str], start: int, kind: str) -> tuple[int, list[str]]:
    """How many lines the list at `start` takes, and those lines as markdown-it is to read them."""
    end = _plain_list_end(lines, start, kind)
    if end is not None:
        return end - start, lines[start:end]
    return _list(lines, start, kind)


def _in_indented_code(lines: list[str], index: int, floor: int = 0) -> bool:
    """Whether the line at `index` is in an indented code block: kramdown's takes every line right under it
    (CODEBLOCK_MATCH), so a line of its text that looks like an item is code. Lines before `floor` belong
    to a block already read (a fence: its indented lines are no code block)."""
    line = index - 1
    while line >= floor and not _BLANK.match(lines[line]):
        if lines[line].startswith(("    ", "\t")) and (line == 0 or ends_a_block(lines[line - 1])):
            return True
        line -= 1
    return False


def ends_a_block(line: str) -> bool:
    """Whether indented code may start right under `line`: not under a paragraph's text, which it continues."""
    text = line.lstrip(" ")
    return bool(_BLANK.match(line) or text.startswith(("#", "[")) or _HR.match(line) or FENCE.match(line))


def _plain_list_end(lines: list[str], start: int, kind: str) -> int | None:
    """Where a list ends that kramdown and CommonMark read alike, its items one line each (most lists):
    it has nothing to indent. None for any other list: a line under an item, or after a blank line."""
    first = _PLAIN_ITEM[kind].match(lines[start])
    if first is None:
        return None
    indent, index = first.group(1), start + 1
    while index < len(lines):
        item = _PLAIN_ITEM[kind].match(lines[index])
        if item is not None and item.group(1) == indent:
            index += 1
            continue
        if not _BLANK.match(lines[index]):
            return None  # a line right under an item: kramdown's item takes it
        after = next((i for i in range(index, len(lines)) if not _BLANK.match(lines[i])), len(lines))
        if after < len(lines) and lines[after][:1] in (" ", "\t"):
            return None  # an indented line after a blank one may be an item's
        item = _PLAIN_ITEM[kind].match(lines[after]) if after < len(lines) else None
        if item is None or item.group(1) != indent:
            return index
        index = after
    return index


def html_end(lines: list[str], start: int, name: str) -> int:
    """The line that closes the element `name` a block of raw HTML opens at `start`, else the last line
    (kramdown closes an element left open where its text ends)."""
    closing = re.compile(rf"</{re.escape(name)}\s*>", re.IGNORECASE)
    return next((index for index in range(start, len(lines)) if closing.search(lines[index])), len(lines) - 1)


def _list_kind(line: str) -> str | None:
    return next((kind for kind, start in _LIST_KIND.items() if start.match(line)), None)


def fence_end(lines: list[str], start: int, opening: str) -> int | None:
    """The line closing the fence `opening` opens at `start` (kramdown needs one), if any."""
    for index in range(start + 1, len(lines)):
        text = lines[index].strip(" \t")
        if (
            text.startswith(opening)
            and not text.strip(opening[0])
            and len(lines[index]) - len(lines[index].lstrip(" ")) <= 3
        ):
            return index
    return None


def _list(lines: list[str], start: int, kind: str) -> tuple[int, list[str]]:
    """The list starting at `start`, as parse_list reads it: how many lines it takes, and those lines re-indented."""
    items: list[_Item] = []
    item_start = re.compile(rf"( {{0,3}}{_MARKERS[kind]})([\t| ].*)$")
    content = lazy = re.compile(r"(?!)")
    indent = ""
    nested_found = last_blank = False
    index = start
    while index < len(lines):
        line = lines[index]
        if last_blank and _HR.match(line):
            break
        if _EOB.match(line):
            break
        if marker := item_start.match(line):
            indentation, value = _first_line(len(marker.group(1)), marker.group(2))
            items.append(_Item(index, indentation, [value], _commonmark_column(marker.group(1), marker.group(2))))
            item_start = _item_start(kind, indentation)
            content, lazy = _content_and_lazy(indentation)
            indent = " " * indentation
            nested_found = bool(LIST_START.match(value))
            last_blank = False
        elif content.match(line) or (not last_blank and lazy.match(line)):
            value = re.sub(r"^\t+", lambda tabs: " " * 4 * len(tabs.group(0)), line)
            indented = value.startswith(indent)
            value = value[len(indent) :] if indented else value
            if not nested_found and indented and LIST_START.match(value):
                nested_found = True
            elif nested_found and not indented and LIST_START.match(value):
                value = " " * (items[-1].indentation + 4) + value
            items[-1].lines.append(value)
            last_blank = False
        elif _BLANK.match(line):
            nested_found = last_blank = True
            items[-1].lines.append(line)
        else:
            break
        index += 1
    written: list[str] = []
    for item in items:
        # The marker line stays as written: the first value line comes out of _container unchanged.
        written.append(lines[item.first])
        padding = " " * item.column
        if len(item.lines) > 1:  # most items are their marker line alone
            written.extend(value if _BLANK.match(value) else padding + value for value in _container(item.lines)[1:])
    return index - start, written


def _commonmark_column(marker: str, rest: str) -> int:
    """The column CommonMark starts an item's content at: after the marker and 1-4 spaces (1 after more,
    or when the marker line is blank)."""
    expanded = rest.expandtabs(4)  # close enough: a tab right after a marker is rare
    spaces = len(expanded) - len(expanded.lstrip(" "))
    if not expanded.strip() or spaces > 4:
        return len(marker) + 1
    return len(marker) + spaces


def _first_line(marker_width: int, rest: str) -> tuple[int, str]:
    """parse_first_list_line: the item's indentation, and its first line's content."""
    content = rest.lstrip(" ")
    if "\t" not in rest and content.strip() and not content.startswith("{:"):  # the usual `- text`
        return marker_width + len(rest) - len(content), content
    if _ITEM_IAL_ONLY.match(rest):
        return 4, rest.strip()
    while tabs := re.match(r"( *)(\t+)", rest):
        width = len(tabs.group(1)) + marker_width
        rest = tabs.group(1) + " " * (4 - width % 4 + (len(tabs.group(2)) - 1) * 4) + rest[tabs.end() :]
    return marker_width + len(rest) - len(rest.lstrip(" ")), rest.lstrip()
