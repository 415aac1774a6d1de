"""Slugs for tags, categories and posts, and the keys that decide sameness.

One slug function for everything: lower-cased, runs of anything that is not a
letter, mark or digit become "-", Unicode letters are kept (区块链 stays 区块链,
as Hugo does). Files on disk keep the Unicode; URLs percent-encode it.
"""
from __future__ import annotations

import unicodedata
from urllib.parse import quote

_KEPT_CATEGORIES = ("L", "M", "N")


def name_key(name: str) -> str:
    """Two names with the same key are the same tag (case and NFC/NFD ignored)."""
    return unicodedata.normalize("NFC", name).casefold().strip()


def slugify(name: str) -> str:
    """The slug of a name; empty when the name has no letter or digit."""
    text = unicodedata.normalize("NFC", name).casefold()
    out: list[str] = []
    dash = False
    for char in text:
        if char == "_" or unicodedata.category(char)[0] in _KEPT_CATEGORIES:
            if dash and out:
                out.append("-")
            out.append(char)
            dash = False
        else:
            dash = True
    return "".join(out)


def is_safe_segment(slug: str) -> bool:
    """A slug must stay one folder below its parent: no separators, no dot names."""
    return bool(slug) and slug not in (".", "..") and "/" not in slug and "\\" not in slug \
        and "\x00" not in slug


def url_segment(slug: str) -> str:
    """Percent-encoded ASCII for one path segment of a URL."""
    return quote(slug, safe="-_.~")


def url_path(path: str) -> str:
    """Percent-encode a URL path, keeping its slashes (and existing escapes)."""
    return quote(path, safe="/-_.~%!$&'()*+,;=:@")
