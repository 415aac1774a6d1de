"""kramdown's blockquotes made plain to markdown-it: every line a quote takes written with the quote's `>`.

kramdown (parser/kramdown/blockquote.rb) gives a blockquote each line after
its first up to a blank line or a LAZY_END line (a block IAL, an element's
line), with a `>` or without, and reads what is left once the `>` are
stripped as blocks. CommonMark gives a quote only lazy paragraph lines:
`> a`, `>`, `b` is a quote of two paragraphs to kramdown and a quote then a
paragraph to CommonMark; `>- a` then `- b` is one list in a quote to
kramdown, a quote then a list to CommonMark. This pass writes each line a
quote takes with as many `>` as the quote it joins is deep, one output line
for each input line (so that line numbers still hold).

Only quotes whose `>` starts its line are rewritten: an indented one is in a
list item (the lists pass indents an item's lines), where CommonMark's
reading stays.
"""

from __future__ import annotations

import re

from feedpub.render.kramdown_lists import BLOCK_HTML, FENCE, LAZY_END, ends_a_block, fence_end, html_end

_MARKER = re.compile(r" {0,3}> ?")
_ENDS_A_QUOTE = re.compile(rf" {{0,3}}(?:{LAZY_END}|\^\s*$)")  # kramdown's LAZY_END, blank lines aside
_CODE = re.compile(r"(?: {4}| {0,3}\t)[ \t]*\S")


def explicit_quote_lines(text: str) -> str:
    """The text with each line a top-level blockquote takes in kramdown marked with the quote's `>`."""
    if not text.startswith(">") and "\n>" not in text:
        return text
    lines = text.split("\n")
    depth = 0  # how deep the quote open at this line is; 0 outside any
    index = 0
    while index < len(lines):
        line = lines[index]
        if depth:
            depth, lines[index] = _in_quote(line, depth)
        elif line.startswith(">"):
            depth = _markers(line)[0]
        else:
            index = _past_code_or_raw_block(lines, index)
        index += 1
    return "\n".join(lines)


def _in_quote(line: str, depth: int) -> tuple[int, str]:
    """(the depth after `line`, `line` as markdown-it must read it) for a line of a quote `depth` deep."""
    markers, end = _markers(line)
    rest = line[end:]
    if not rest.strip() or _ENDS_A_QUOTE.match(rest):
        # A blank line ends the quotes inside the last `>` it has; with none, every quote.
        return markers, line
    if markers >= depth:
        return markers, line
    return depth, line[:end] + "> " * (depth - markers) + rest


def _markers(line: str) -> tuple[int, int]:
    """How many `>` the line starts with, each as kramdown's BLOCKQUOTE_START strips it, and where they end."""
    count, end = 0, 0
    while (found := _MARKER.match(line, end)) is not None:
        count, end = count + 1, found.end()
    return count, end


def _past_code_or_raw_block(lines: list[str], index: int) -> int:
    """The last line of the indented code, closed fence or HTML element starting at `index`, else `index`:
    a `>` inside one is code or HTML, not a quote. Indented code takes every line right under it, up to
    a blank one (kramdown's CODEBLOCK_MATCH), where it may start (not under a paragraph's text)."""
    line = lines[index]
    if _CODE.match(line) and (index == 0 or ends_a_block(lines[index - 1])):
        while index + 1 < len(lines) and lines[index + 1].strip():
            index += 1
        return index
    if fence := FENCE.match(line):
        end = fence_end(lines, index, fence.group(1))
        return index if end is None else end
    if element := BLOCK_HTML.match(line):
        return html_end(lines, index, element.group(1))
    return index
