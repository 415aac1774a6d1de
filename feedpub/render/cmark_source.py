"""kramdown's block constructs that CommonMark reads otherwise, rewritten in the Markdown before cmark.

Outside fenced code, line by line:
- an HTML block runs to its element's end tag, blank lines and all, and its
  text stays as written (no smart quotes): it is set aside for a comment
  `<!--feedpub-raw:N-->` that cmark passes through, and put back after;
- a line `^` ends the block before it (kramdown's end-of-block marker);
- `{: .class}` and `{:toc}` lines are attribute lists, never text: an
  attribute line goes, and the list it follows (`* TOC` then `{:toc}`) becomes
  `<!--feedpub-toc-->`, where render/cmark_blocks.py puts the table of contents;
- a list may start right after a paragraph line, with any number (CommonMark
  lets only `1.` interrupt a paragraph): a blank line is put before it.
"""

from __future__ import annotations

import re

FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
# kramdown's HTML_SPAN_ELEMENTS: a line starting with one of these is a paragraph, not an HTML block.
SPAN_ELEMENTS = frozenset(
    "a abbr acronym b big bdo br button cite code del dfn em i img input ins kbd label mark option q rb rbc "
    "rp rt rtc ruby samp select small span strong sub sup tt u var".split()
)
HTML_START = re.compile(r" {0,3}<([A-Za-z][\w:-]*)(?=[\s>/])((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
BLOCK_IAL = re.compile(r" {0,3}\{:(?![:/])(?:\\\}|[^}])*\}\s*$")
TOC_IAL = re.compile(r" {0,3}\{:[^}]*\btoc\b[^}]*\}\s*$")
END_OF_BLOCK = re.compile(r"\^\s*$")
# Searched for in "\n" + text: a literal first character makes the search fast.
CANDIDATE = re.compile(r"\n(?: {0,3}(?:`{3,}|~{3,}|<[A-Za-z]|\{:|\d+\.[ \t])|\^[ \t]*(?=\n|$))")
ORDERED_ITEM = re.compile(r" {0,3}\d+\.[ \t]")
LIST_ITEM = re.compile(r" {0,3}(?:[*+-]|\d+\.)[ \t]")
RAW_PLACEHOLDER = "<!--feedpub-raw:{}-->"
TOC_PLACEHOLDER = "<!--feedpub-toc-->"
END_OF_BLOCK_PLACEHOLDER = "<!--feedpub-eob-->"


def kramdown_blocks(text: str) -> tuple[str, list[str]]:
    """The Markdown with kramdown's block constructs rewritten for cmark, and the HTML blocks set aside."""
    searched = "\n" + text
    if CANDIDATE.search(searched) is None:
        return text, []
    lines = text.split("\n")
    edits: dict[int, tuple[int, list[str]]] = {}  # first line -> (line after the last, replacement lines)
    raw: list[str] = []
    fence, newlines, position, skip_to = "", 0, 0, 0
    # Only the lines that can start something are looked at: most lines of a post are plain text.
    for candidate in CANDIDATE.finditer(searched):
        # The match starts at the newline before its line: the line's number is the newlines up to it, less one.
        newlines += searched.count("\n", position, candidate.start() + 1)
        position = candidate.start() + 1
        number = newlines - 1
        line = lines[number]
        if number < skip_to:
            continue
        opening = FENCE.match(line)
        if fence or opening:
            if opening and not fence:
                fence = opening.group(1)
            elif opening and opening.group(1).startswith(fence) and not line[opening.end() :].strip():
                fence = ""
            continue
        rewrite = _rewritten(lines, number, raw)
        if rewrite is not None:
            first, after, replacement = rewrite
            edits[first] = (after, replacement)
            skip_to = after
    if not edits:
        return text, raw
    out: list[str] = []
    done = 0
    for first, (after, replacement) in sorted(edits.items()):
        out.extend(lines[done:first])
        out.extend(replacement)
        done = after
    out.extend(lines[done:])
    return "\n".join(out), raw


def _rewritten(lines: list[str], number: int, raw: list[str]) -> tuple[int, int, list[str]] | None:
    """The rewrite of the construct at lines[number]: (its first line, the line after it, its lines for cmark)."""
    line = lines[number]
    previous = lines[number - 1] if number > 0 else ""
    if line.lstrip(" ").startswith("<"):
        html_end = _html_block_end(lines, number)
        if html_end is None:
            return None
        raw.append("\n".join(lines[number : html_end + 1]))
        return number, html_end + 1, [RAW_PLACEHOLDER.format(len(raw) - 1)]
    if END_OF_BLOCK.match(line):
        return number, number + 1, ["", END_OF_BLOCK_PLACEHOLDER, ""]
    if TOC_IAL.match(line) and LIST_ITEM.match(previous):
        return number - 1, number + 1, [TOC_PLACEHOLDER]
    if BLOCK_IAL.match(line):
        # The attribute list goes; it ends the paragraph before it, as kramdown's does.
        return number, number + 1, [""]
    if ORDERED_ITEM.match(line) and previous.strip() and not LIST_ITEM.match(previous):
        if not previous.startswith((" ", "\t", "#", ">", "|")):
            return number, number + 1, ["", line]
    return None


def _html_block_end(lines: list[str], start: int) -> int | None:
    """The index of the line holding the end tag of the HTML element opened at lines[start], if kramdown's."""
    match = HTML_START.match(lines[start])
    if match is None or match.group(1).lower() in SPAN_ELEMENTS or "markdown=" in match.group(2):
        return None
    if start > 0 and lines[start - 1].strip() and not lines[start - 1].lstrip().startswith("<"):
        return None
    name = re.escape(match.group(1))
    tags = re.compile(rf"<(/?){name}(?=[\s>/])[^>]*>", re.IGNORECASE)
    depth = 0
    for number in range(start, len(lines)):
        for tag in tags.finditer(lines[number], match.start() if number == start else 0):
            if tag.group(1):
                depth -= 1
            elif not tag.group(0).endswith("/>"):
                depth += 1
            if depth == 0:
                rest = lines[number][tag.end() :]
                return number if not rest.strip() else None
    return None
