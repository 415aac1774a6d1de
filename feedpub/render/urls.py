"""URLs in HTML attributes resolved as a browser resolves them, and srcset lists split."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")
# What browsers strip around a URL (C0 controls and space) and remove inside it (tab, newline).
_URL_EDGES = "".join(map(chr, range(0x21)))
_URL_INNER = str.maketrans("", "", "\t\n\r")


def resolve_url(base_url: str, value: str) -> str:
    """`value` resolved against `base_url`; an absolute URL is returned exactly as written."""
    url = value.strip(_URL_EDGES).translate(_URL_INNER)
    if _SCHEME.match(url):
        return value
    if base_url.startswith(("http:", "https:")):
        url = _forward_slashes(url)
        # A link to another host without its scheme (`//en.opensuse.org/...`, 14 a post in openSUSE's
        # news), without urljoin's cost. Not with a `;`, which urljoin reads as the start of RFC 1808's
        # parameters and can drop: that one goes through urljoin, as before.
        if url.startswith("//") and url[2:3].isalnum() and "/." not in url and ";" not in url:
            return base_url.partition(":")[0] + ":" + url
    if url.startswith("/") and not url.startswith("//") and "/." not in url:
        return _origin(base_url) + url  # the common case, without urljoin's cost
    return _join(base_url, url)


def _join(base_url: str, url: str) -> str:
    # urljoin drops an empty query or fragment ("page?", "#"), which browsers keep.
    before_hash, hash_mark, fragment = url.partition("#")
    try:
        joined = urljoin(base_url, before_hash) if before_hash else base_url.partition("#")[0]
    except ValueError:  # a host urljoin refuses ("//[x"): resolving it is the browser's business
        joined = base_url.partition(":")[0] + ":" + before_hash
    if before_hash.endswith("?") and not joined.endswith("?"):
        joined += "?"
    return joined + hash_mark + fragment


def _forward_slashes(url: str) -> str:
    # Browsers read "\" as "/" before the query in http(s) URLs: "\img\a.png" is "/img/a.png".
    if "\\" not in url:
        return url
    end = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=len(url))
    return url[:end].replace("\\", "/") + url[end:]


@lru_cache(maxsize=64)
def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def resolve_srcset(base_url: str, value: str) -> str:
    """A srcset with each candidate's URL resolved, written "URL descriptor, URL descriptor"."""
    return ", ".join(
        f"{resolve_url(base_url, url)} {descriptor}".rstrip() for url, descriptor in srcset_candidates(value)
    )


def srcset_candidates(value: str) -> list[tuple[str, str]]:
    """(URL, descriptor) of each candidate in a srcset, split as the HTML standard does.

    A URL may hold commas (`a.png?w=1,2 2x`): only a comma at a URL's end or
    after its descriptor separates candidates.
    """
    candidates = []
    position, end = 0, len(value)
    while position < end:
        while position < end and (value[position].isspace() or value[position] == ","):
            position += 1
        start = position
        while position < end and not value[position].isspace():
            position += 1
        url = value[start:position]
        if not url:
            break
        if url.endswith(","):
            candidates.append((url.rstrip(","), ""))
            continue
        start = position
        position = _descriptor_end(value, position)
        candidates.append((url, " ".join(value[start:position].split())))
    return candidates


def _descriptor_end(value: str, position: int) -> int:
    # A comma inside parentheses belongs to the descriptor (the standard's room for future syntax).
    depth = 0
    while position < len(value):
        char = value[position]
        if char == "," and depth == 0:
            return position
        depth += (char == "(") - (char == ")")
        position += 1
    return position
