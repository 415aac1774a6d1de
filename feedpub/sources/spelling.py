"""Which known key a misspelled one was meant to be, for front matter and config.yaml alike."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches


def similar_key(key: str, known: Iterable[str]) -> str | None:
    """The known key that `key` is most likely a misspelling of, or None when none is close.

    Close means the same letters in another case, two neighbours swapped
    ("tgas"), or difflib's ratio of at least 0.8: close enough for "darft" and
    "sumary", far enough that a theme's "subtitle" or "layout" stays unflagged.
    """
    known = list(known)
    lowered = key.lower()
    for name in known:
        if lowered == name or _one_swap_apart(lowered, name):
            return name
    matches = get_close_matches(lowered, known, n=1, cutoff=0.8)
    return matches[0] if matches else None


def _one_swap_apart(word: str, other: str) -> bool:
    if len(word) != len(other) or word == other:
        return False
    differ = [i for i, (a, b) in enumerate(zip(word, other, strict=True)) if a != b]
    return len(differ) == 2 and differ[1] == differ[0] + 1 and word[differ[0]] == other[differ[1]]
