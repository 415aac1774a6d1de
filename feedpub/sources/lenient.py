"""What Jekyll makes of front matter values that are not quite what feedpub asks for.

Real Jekyll blogs leave titles unquoted (`title: 2020`), write booleans as
text (`published: "false"`), give jekyll-seo-tag's mappings for an image or an
author, and leave the title out altogether. Jekyll publishes all of these;
feedpub reads them the same way. Pure functions of a value: the caller decides
which readings deserve a warning.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

# jekyll-seo-tag's image mapping: {path, height, width, alt}; some themes write url: instead.
IMAGE_URL_KEYS = ("path", "url")


def title_from_file_name(slug: str) -> str:
    """Jekyll's Utils.titleize_slug: `my-first-post` -> "My First Post".

    Ruby's capitalize lowers the rest of each word, as Python's does (`HFDP` -> "Hfdp").
    """
    return " ".join(word.capitalize() for word in slug.rstrip(".").split("-") if word)


def written_text(value: bool | int | float | date, written: str | None) -> str:
    """An unquoted number, boolean or date as its text: as written in the file when known."""
    if written:
        return written
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return value.isoformat() if isinstance(value, date) else str(value)


def flag_value(value: object) -> bool | None:
    """A boolean, or "true"/"false" written as text in any case; None for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def image_url(mapping: dict[Any, Any]) -> str | None:
    """The URL of jekyll-seo-tag's `image: {path: ..., alt: ...}` (or `{url: ...}`); None without one."""
    for key in IMAGE_URL_KEYS:
        value = mapping.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def author_fields(mapping: dict[Any, Any]) -> tuple[str, str | None, str | None] | None:
    """(name, email, uri) of an author mapping; None when it has no name to credit.

    Themes give authors `url`, `twitter`, `avatar`, `bio`...: a feed takes the
    name, the email and a URI (`uri`, else `url`), and leaves the rest.
    """
    name = mapping.get("name")
    if not isinstance(name, str) or not name.strip():
        return None
    return name.strip(), _text_or_none(mapping.get("email")), _text_or_none(mapping.get("uri") or mapping.get("url"))


def _text_or_none(value: object) -> str | None:
    return (str(value).strip() or None) if value else None
