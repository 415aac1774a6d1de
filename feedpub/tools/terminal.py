"""Text for a terminal: display widths, aligned tables, the progress line, the colour decision.

Pure functions returning strings; the CLI decides where they go.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: CJK characters take two, combining marks none."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Cf", "Mn", "Me"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def pad(text: str, width: int) -> str:
    """`text` followed by spaces up to `width` columns (str.ljust counts characters, not columns)."""
    return text + " " * max(width - display_width(text), 0)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> list[str]:
    """Lines of an aligned table; columns listed in `right` are right-aligned (numbers).

    The last column is not padded, so no line ends in spaces.
    """
    widths = [max(display_width(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = []
        for i, cell in enumerate(row):
            filler = " " * max(widths[i] - display_width(cell), 0)
            last = i == len(row) - 1
            cells.append(filler + cell if i in right else cell if last else cell + filler)
        lines.append("  ".join(cells))
    return lines


def progress_line(stage: str, done: int, total: int, width: int = 80) -> str:
    """One line of a progress bar, at most `width` columns: `reading posts [#####.....] 120/300`."""
    counter = f" {done}/{total}"
    bar_width = max(min(width - display_width(stage) - len(counter) - 4, 40), 0)
    if bar_width < 5:
        return (stage + counter)[: max(width - 1, 0)]
    filled = bar_width * min(done, total) // total if total > 0 else bar_width
    return f"{stage} [{'#' * filled}{'.' * (bar_width - filled)}]{counter}"


def wants_colour(is_terminal: bool, environ: Mapping[str, str]) -> bool:
    """Colour only on a terminal, never when NO_COLOR is set (https://no-color.org), nor for TERM=dumb.

    no-color.org ignores an empty NO_COLOR; we take any NO_COLOR as a no, the
    safe side for someone who meant to turn colour off.
    """
    return is_terminal and "NO_COLOR" not in environ and environ.get("TERM") != "dumb"
