"""What RFC 4287 and the W3C Feed Validation Service ask of a published Atom file beyond its schema.

RELAX NG cannot say "an author on the feed, or on every entry" (RFC 4287
states it in Schematron), nor that an entry should have some text to show;
the W3C validator reports both, as MissingElement and MissingTextualContent.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from feedpub.model import Problem

ATOM = "{http://www.w3.org/2005/Atom}"


def author_problems(path: Path, feed: etree._Element) -> list[Problem]:
    """An Atom feed without an author of its own, and entries without one: RFC 4287 forbids it."""
    if feed.find(f"{ATOM}author") is not None:
        return []
    without = [entry for entry in feed.iter(f"{ATOM}entry") if entry.find(f"{ATOM}author") is None]
    if not without:
        return []
    return [
        Problem(
            path,
            _line(without[0]),
            f"no author: RFC 4287 needs one on the feed or on every entry, and {_entries(len(without))} none; "
            "build again (feedpub names the site as the feed's author) or set site.author",
        )
    ]


def textless_entries(path: Path, feed: etree._Element) -> list[Problem]:
    """Entries with neither summary nor content: readers show a title and nothing else.

    The message names the entry by title and id, not the file, so that the
    caller can warn once about an entry that twenty tag feeds show.
    """
    found = []
    for entry in feed.iter(f"{ATOM}entry"):
        if entry.find(f"{ATOM}summary") is not None or entry.find(f"{ATOM}content") is not None:
            continue
        entry_id = entry.findtext(f"{ATOM}id") or ""
        title = entry.findtext(f"{ATOM}title") or entry_id
        message = (
            f'entry "{title}" ({entry_id}) has neither summary nor content: readers show its title alone; '
            "give the post some text (a summary:, or a body that opens with a paragraph)"
        )
        found.append(Problem(path, _line(entry), message, "warning"))
    return found


def _line(element: etree._Element) -> int | None:
    line = element.sourceline  # lxml-stubs type it loosely
    return line if isinstance(line, int) else None


def _entries(count: int) -> str:
    return "1 entry has" if count == 1 else f"{count} entries have"
