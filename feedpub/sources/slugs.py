"""Slugs for tags, categories and posts, and the keys that decide sameness.

One slug function for everything: lower-cased, runs of anything that is not a
letter, mark or digit become "-", Unicode letters are kept (区块链 stays 区块链,
as Hugo does). Files on disk keep the Unicode; URLs percent-encode it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import quote

_KEPT_CATEGORIES = ("L", "M", "N")
# File systems refuse names over 255 bytes; a long slug is cut and made unique again.
MAX_SLUG_BYTES = 120
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$")


def is_language_tag(text: str) -> bool:
    """A BCP 47 tag as xml:lang accepts it (en, zh-CN, zh-Hans-CN)."""
    return bool(_LANGUAGE_TAG.match(text))


def locale_to_language_tag(text: str) -> str | None:
    """A BCP 47 tag for a language written as a tag or a Ruby/POSIX locale; None when it is neither.

    `zh_cn` -> `zh-CN`, `en_US.UTF-8` -> `en-US`, `pt-br` -> `pt-BR`, `zh-Hans` stays.
    """
    tag = text.strip().split(".", 1)[0].split("@", 1)[0].replace("_", "-")
    parts = tag.split("-")
    if not is_language_tag(tag) or not parts[0].isalpha():
        return None
    shaped = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 2 and part.isalpha():
            shaped.append(part.upper())  # a region
        elif len(part) == 4 and part.isalpha():
            shaped.append(part.title())  # a script
        else:
            shaped.append(part)
    return "-".join(shaped)


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
    return _fit("".join(out), name)


def _fit(slug: str, name: str) -> str:
    if len(slug.encode("utf-8")) <= MAX_SLUG_BYTES:
        return slug
    cut = slug.encode("utf-8")[: MAX_SLUG_BYTES - 9].decode("utf-8", "ignore").rstrip("-")
    # Hash the key, not the spelling: every spelling of one tag must keep one folder.
    return f"{cut}-{hashlib.sha256(name_key(name).encode('utf-8')).hexdigest()[:8]}"


def is_safe_segment(slug: str) -> bool:
    """A slug must stay one folder below its parent: no separators, no dot names."""
    return bool(slug) and slug not in (".", "..") and "/" not in slug and "\\" not in slug and "\x00" not in slug


def url_segment(slug: str) -> str:
    """Percent-encoded ASCII for one path segment of a URL."""
    return quote(slug, safe="-_.~")


def url_path(path: str) -> str:
    """Percent-encode a URL path, keeping its slashes (and existing escapes)."""
    return quote(path, safe="/-_.~%!$&'()*+,;=:@")
