"""kramdown's tables (parser/kramdown/table.rb) as a markdown-it block rule.

kramdown reads any run of lines holding a `|` as a table when it stands
between block boundaries: no separator line is needed (then the table has a
body only), a `|---|` line after the first rows makes them the head, later
ones split the body, and a `|===|` line starts the foot. A paragraph line
with a `|` is a one-row table. GFM, and so markdown-it, needs the separator.
"""

from __future__ import annotations

import re

from markdown_it.rules_block import StateBlock

from feedpub.render.kramdown_blocks import after_block_boundary

# TABLE_PIPE_CHECK: a line that starts with `|` or has one not escaped.
PIPE_CHECK = re.compile(r"(?:\||.*?[^\\\n]\|)")
SEPARATOR = re.compile(r"([+|: \t-]*?-[+|: \t-]*?)[ \t]*")
FOOTER_SEPARATOR = re.compile(r"[+|: \t=]*?=[+|: \t=]*?[ \t]*")
ALIGNMENT = re.compile(r"[ \t]?(:?)-+(:?)[ \t]?")
CODE_SPAN = re.compile(r"(`+)(.*?)\1", re.DOTALL)


def table(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A kramdown table: consecutive lines with a pipe, after and before a block boundary."""
    # Tried at the start of every block: most lines have no pipe at all.
    if state.src.find("|", state.bMarks[start_line], state.eMarks[start_line]) < 0:
        return False
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    if not after_block_boundary(state, start_line):
        return False
    lines = []
    line = start_line
    while line < end_line and not state.isEmpty(line) and state.sCount[line] >= state.blkIndent:
        text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]
        # kramdown checks again without code spans: a pipe inside `a|b` makes no table.
        if not PIPE_CHECK.match(text) or not PIPE_CHECK.match(CODE_SPAN.sub("", text)):
            break
        lines.append(text)
        line += 1
    # before_block_boundary?: a blank line, the end (of the container too: the next item), or an IAL line
    # must follow.
    if not lines or (
        line < end_line
        and not state.isEmpty(line)
        and state.sCount[line] >= state.blkIndent
        and not _ial_line(state, line)
    ):
        return False
    sections, alignment = _sections(lines)
    if not any(kind != "thead" for kind, _ in sections):
        return False
    if silent:
        return True
    _push_table(state, sections, alignment, start_line, line)
    state.line = line
    return True


def _ial_line(state: StateBlock, line: int) -> bool:
    return state.src.startswith("{:", state.bMarks[line] + state.tShift[line])


def _sections(lines: list[str]) -> tuple[list[tuple[str, list[list[str]]]], list[str]]:
    """The table's row groups, ("thead" | "tbody" | "tfoot", rows of cell texts), and the column alignments."""
    leading_pipe = lines[0].lstrip().startswith("|")
    sections: list[tuple[str, list[list[str]]]] = []
    rows: list[list[str]] = []
    alignment: list[str] = []
    has_footer = False
    for text in lines:
        separator = SEPARATOR.fullmatch(text)
        if separator:
            if rows and not alignment and not has_footer:
                sections.append(("thead", rows))
                alignment = [_align(left, right) for left, right in ALIGNMENT.findall(separator.group(1))]
                rows = []
            elif rows:
                sections.append(("tbody", rows))
                rows = []
        elif FOOTER_SEPARATOR.fullmatch(text):
            if rows:
                sections.append(("tbody", rows))
                rows = []
            has_footer = True
        else:
            rows.append(_cells(text, leading_pipe))
    if rows:
        sections.append(("tfoot" if has_footer else "tbody", rows))
    return sections, alignment


def _align(left: str, right: str) -> str:
    if left and right:
        return "center"
    return "left" if left else "right" if right else ""


def _cells(text: str, leading_pipe: bool) -> list[str]:
    """A row's cells: split at pipes that are neither escaped nor in a code span."""
    cells = [""]
    position = 0
    while position < len(text):
        char = text[position]
        if char == "`":
            span = CODE_SPAN.match(text, position)
            if span:
                cells[-1] += span.group(0)
                position = span.end()
                continue
        if char == "\\" and text.startswith("\\|", position):
            cells[-1] += "|"
            position += 2
            continue
        if char == "|":
            cells.append("")
        else:
            cells[-1] += char
        position += 1
    if leading_pipe and not cells[0].strip():
        cells.pop(0)
    if cells and not cells[-1].strip():
        cells.pop()
    return [cell.strip() for cell in cells]


def _push_table(state: StateBlock, sections: list, alignment: list[str], start_line: int, end_line: int) -> None:
    columns = max(len(row) for _, rows in sections for row in rows)
    opening = state.push("table_open", "table", 1)
    opening.map = [start_line, end_line]
    for kind, rows in sections:
        state.push(f"{kind}_open", kind, 1)
        cell_tag = "th" if kind == "thead" else "td"
        for row in rows:
            state.push("tr_open", "tr", 1)
            for index in range(columns):
                cell = state.push(f"{cell_tag}_open", cell_tag, 1)
                if index < len(alignment) and alignment[index]:
                    cell.attrSet("style", f"text-align: {alignment[index]}")
                inline = state.push("inline", "", 0)
                inline.content = row[index] if index < len(row) else ""
                inline.map = [start_line, end_line]
                inline.children = []
                state.push(f"{cell_tag}_close", cell_tag, -1)
            state.push("tr_close", "tr", -1)
        state.push(f"{kind}_close", kind, -1)
    state.push("table_close", "table", -1)
