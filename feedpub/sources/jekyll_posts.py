"""What Jekyll 4 derives for a post from its path and front matter: front matter
defaults, categories from folders, its slug, its URL and jekyll-feed's entry id.

Each rule follows Jekyll's own code (Document, Drops::UrlDrop, URL, Utils.slugify,
FrontmatterDefaults and the absolute_url filter), so that a site that moves from
jekyll-feed keeps its links and its subscribers keep their read entries.
"""

from __future__ import annotations

import json
import posixpath
import re
import unicodedata
from collections.abc import Callable, Collection
from datetime import datetime, tzinfo
from fnmatch import fnmatch
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from feedpub.model import JekyllSite
from feedpub.sources.files import JEKYLL_POST_NAME

OUTPUT_EXT = ".html"
# Characters Jekyll's URL.escape_path and Addressable keep in a path: unreserved, sub-delims, ":", "@", "/".
_PATH_SAFE = "/-._~!$&'()*+,;=:@"
_PLAIN_PATH = re.compile(r"^[a-zA-Z0-9./-]+$")
_PLACEHOLDER = re.compile(r":([a-z_]+)")
# Utils.slugify modes: which characters survive besides letters, marks and decimal digits.
_PRETTY_KEPT = set("._~!$&'()+,;=@")


class UnknownPlaceholder(ValueError):
    """A permalink placeholder Jekyll does not know: Jekyll stops the build on it."""


def defaults_for(site: JekyllSite, relative_path: str, kind: str) -> dict[str, Any]:
    """The front matter defaults that apply to a file, merged in config order (later wins)."""
    merged: dict[str, Any] = {}
    for scope_path, scope_type, values in site.defaults:
        if scope_type and scope_type != kind:
            continue
        if not _in_scope(relative_path, scope_path):
            continue
        merged = deep_merge(merged, json.loads(values))
    return merged


def _in_scope(relative_path: str, scope_path: str) -> bool:
    scope = scope_path.strip().strip("/")
    if not scope:
        return True
    if "*" in scope:  # Jekyll 4 globs a scope path against the file's path
        return fnmatch(relative_path, scope) or fnmatch(relative_path, scope + "/*")
    return relative_path == scope or relative_path.startswith(scope + "/")


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Utils.deep_merge_hashes: `over` wins, mappings merged key by key."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def relative_path(site: JekyllSite, path: Path) -> str:
    return _relative(site.source, path)


# Reading a Jekyll post asks for its path 7 times, and Path.relative_to took a tenth of the reading.
@lru_cache(maxsize=64)
def _relative(source: Path, path: Path) -> str:
    try:
        return path.relative_to(source).as_posix()
    except ValueError:
        return path.name


def folder_categories(site: JekyllSite, path: Path) -> tuple[str, ...]:
    """The folders above `_posts` (or `_drafts`): en/news/_posts/x.md is in categories en and news."""
    parts = Path(relative_path(site, path)).parts
    for index, part in enumerate(parts):
        if part in ("_posts", "_drafts"):
            return tuple(parts[:index])
    return ()


def names_from(value: Any) -> list[str]:
    """Utils.pluralized_array_from_hash's reading of one value: text is split on whitespace."""
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(item) for item in value if item is not None]
    return [str(value)]


def file_slug(path: Path) -> str:
    """The slug Jekyll takes from a file name: the date and the extension off, trailing dots too."""
    match = JEKYLL_POST_NAME.match(path.name)
    stem = match.group(2) if match else path.stem
    return stem.rstrip(".")


def slugify(text: str, mode: str = "default", cased: bool = False) -> str:
    """Jekyll's Utils.slugify for the modes a post URL uses (default, pretty, raw, ascii)."""
    if mode == "raw":
        slug = re.sub(r"\s+", "-", text)
    else:
        slug = "".join(ch if _kept(ch, mode) else "\0" for ch in text)
        slug = re.sub("\0+", "-", slug)
    slug = re.sub(r"^-|-$", "", slug)
    return slug if cased else slug.lower()


def _kept(char: str, mode: str) -> bool:
    if mode == "ascii":
        return char.isascii() and char.isalnum()
    category = unicodedata.category(char)
    if category[0] in ("L", "M") or category == "Nd":
        return True
    return mode == "pretty" and char in _PRETTY_KEPT


def escape_path(text: str) -> str:
    """Jekyll's URL.escape_path."""
    if not text or _PLAIN_PATH.match(text):
        return text
    return quote(text, safe=_PATH_SAFE)


def placeholders(
    slug: str,
    basename: str,
    categories: tuple[str, ...],
    published: datetime,
    path: str,
    wanted: Collection[str] | None = None,
) -> dict[str, str]:
    """Drops::UrlDrop's values for a post, its date as given (Jekyll gives it in the site's zone).

    Only those named in `wanted` (all when None): a template uses a few, and
    each slug and date format costs, 10,000 times over in a large site.
    """
    day = published
    makers: dict[str, Callable[[], str]] = {
        "collection": lambda: "posts",
        "path": lambda: path,
        "output_ext": lambda: OUTPUT_EXT,
        "name": lambda: slugify(basename),
        "title": lambda: slugify(slug, "pretty", cased=True),
        "slug": lambda: slugify(slug),
        "categories": lambda: "/".join(dict.fromkeys(category.lower() for category in categories)),
        "slugified_categories": lambda: "/".join(dict.fromkeys(slugify(c) for c in categories)),
        "year": lambda: f"{day.year:04d}",
        "month": lambda: f"{day.month:02d}",
        "day": lambda: f"{day.day:02d}",
        "hour": lambda: f"{day.hour:02d}",
        "minute": lambda: f"{day.minute:02d}",
        "second": lambda: f"{day.second:02d}",
        "i_day": lambda: str(day.day),
        "i_month": lambda: str(day.month),
        "short_month": lambda: day.strftime("%b"),
        "long_month": lambda: day.strftime("%B"),
        "short_year": lambda: day.strftime("%y"),
        "w_year": lambda: f"{day.isocalendar().year:04d}",
        "week": lambda: f"{day.isocalendar().week:02d}",
        "w_day": lambda: str(day.isoweekday()),
        "short_day": lambda: day.strftime("%a"),
        "long_day": lambda: day.strftime("%A"),
        "y_day": lambda: day.strftime("%j"),
    }
    return {name: make() for name, make in makers.items() if wanted is None or name in wanted}


def template_names(template: str) -> set[str]:
    """The placeholder names url_from may look up for `template` (`:name_` may be `:name` and a `_`)."""
    return {candidate for name in _PLACEHOLDER.findall(template) for candidate in (name, name[:-1])}


def url_from(template: str, values: dict[str, str]) -> str:
    """URL#generate_url_from_drop then sanitize_url: the post's URL, site-relative."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        pool = [name, name[:-1]] if name.endswith("_") else [name]
        winner = next((key for key in pool if key in values), None)
        if winner is None:
            raise UnknownPlaceholder(f":{name}")
        return escape_path(values[winner]) + match.group(0)[1 + len(winner) :]

    url = _PLACEHOLDER.sub(replace, template)
    url = ("/" + url).replace("..", "/").replace("./", "")
    return re.sub("/+", "/", url)


def entry_id(url: str, slug: str) -> str:
    """Document#id: the URL's folder and the post's slug as written (no extension, no trailing slash)."""
    folder = posixpath.dirname(url.rstrip("/")) if url != "/" else "/"
    return posixpath.join(folder or "/", slug)


def absolute(site_url: str, path: str) -> str:
    """The absolute_url filter: the site's URL and baseurl (site_url ends with "/") and the path, normalised."""
    return site_url + _normalised(path.lstrip("/"))


def _normalised(path: str) -> str:
    """Addressable's normalize, as absolute_url applies it: escapes decoded, NFKC (… is ...), re-escaped.

    A `?` or `#` written in the path starts a query or a fragment, as Addressable parses it, and
    spaces written at the path's end go (Addressable strips the path): the id of
    `_posts/2020-03-01-Round #5 (Div. 2).md` is `.../Round#5%20(Div.%202)`, its URL `.../Round%20%235...`.
    """
    before_fragment, hash_mark, fragment = path.partition("#")
    before_query, question_mark, query = before_fragment.partition("?")
    normalised = _component(before_query.rstrip(" \t\n\v\f\r\0"), _PATH_SAFE)
    if question_mark:
        normalised += "?" + _component(query, _PATH_SAFE + "?")
    if hash_mark:
        normalised += "#" + _component(fragment, _PATH_SAFE + "?")
    return normalised


def _component(text: str, safe: str) -> str:
    return quote(unicodedata.normalize("NFKC", unquote(text)), safe=safe)


def post_categories(site: JekyllSite, path: Path, data: dict[str, Any]) -> tuple[str, ...]:
    """Document#populate_categories: the folders above _posts, then `categories`, then `category`."""
    found = [*folder_categories(site, path), *_names(data.get("categories"))]
    single = data.get("category")
    if single is not None:
        found.extend(_names(single) if isinstance(single, list) else [str(single)])
    return tuple(dict.fromkeys(name for name in found if name))


def post_tags(data: dict[str, Any]) -> tuple[str, ...]:
    """Document#populate_tags: `tag` (one name) or else `tags`."""
    single = data.get("tag")
    found = [str(single)] if single is not None and not isinstance(single, list) else _names(data.get("tags"))
    return tuple(dict.fromkeys(name for name in found if name))


def _names(value: Any) -> list[str]:
    # Jekyll splits text on whitespace and keeps the commas ("a, b" makes the tags "a," and "b", and a list item
    # "a, " the tag "a, "), which no author means: feedpub reads a and b, and a (docs/jekyll.md says so).
    return [name.strip(",") for name in names_from(value) if name.strip(",")]


def post_urls(
    site_url: str, site: JekyllSite, path: Path, data: dict[str, Any], categories: tuple[str, ...], published: datetime
) -> tuple[str, str]:
    """The post's absolute URL and jekyll-feed's entry id for it.

    Raises UnknownPlaceholder for a permalink placeholder Jekyll does not know.
    """
    given_slug = data.get("slug")
    slug = str(given_slug) if given_slug is not None and str(given_slug).strip() else file_slug(path)
    own = data.get("permalink")
    collection = collection_of(site, path)
    template = own.strip() if isinstance(own, str) and own.strip() else site.permalink
    if collection != "posts" and not (isinstance(own, str) and own.strip()):
        template = dict((label, url) for label, _, url in site.feed.collections)[collection]
    name = path.name.rsplit(".", 1)[0]
    values = placeholders(slug, name, categories, published, relative_path(site, path), template_names(template))
    if collection != "posts":
        # Document#cleaned_relative_path: the path inside _<label>/, extension off, with its leading "/".
        inside = relative_path(site, path)[len(collection) + 1 :]
        values |= {"collection": collection, "path": inside.rsplit(".", 1)[0].rstrip(".")}
    url = url_from(template, values)
    if site.url_prefix:
        return _prefixed(site.url_prefix, url), _prefixed(site.url_prefix, entry_id(url, slug))
    return absolute(site_url, url), absolute(site_url, entry_id(url, slug))


def _prefixed(prefix: str, path: str) -> str:
    """absolute_url exactly: the prefix as Jekyll has it, then the path with its leading slash."""
    return prefix + _normalised(path)


def collection_of(site: JekyllSite, path: Path) -> str:
    """The collection a file of the site is in: a label of `feed: collections` for _<label>/..., else posts."""
    first = Path(relative_path(site, path)).parts[0]
    return next((label for label, _, _ in site.feed.collections if first == f"_{label}"), "posts")


def jekyll_front_matter(site: JekyllSite, path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """The post's front matter with the site's defaults for it underneath (the file wins)."""
    kind = "drafts" if "_drafts" in path.parts else collection_of(site, path)
    defaults = defaults_for(site, relative_path(site, path), kind)
    return deep_merge(defaults, data) if defaults else data


def jekyll_file_date(path: Path, tz: tzinfo) -> datetime | None:
    """The date in a Jekyll post's file name, which may have one-digit months and days (2020-1-5-x.md)."""
    match = JEKYLL_POST_NAME.match(path.name)
    if not match:
        return None
    year, month, day = (int(part) for part in match.group(1).split("-"))
    try:
        return datetime(year if year > 99 else 2000 + year, month, day, tzinfo=tz)
    except ValueError:
        return None


def draft_date(path: Path, tz: tzinfo) -> datetime | None:
    """An undated draft's date: its file's mtime, as Jekyll dates it (drafts are previews, built with --drafts)."""
    try:
        return datetime.fromtimestamp(int(path.stat().st_mtime), tz)
    except (OSError, OverflowError, ValueError):
        return None


def jekyll_title(slug: str) -> str:
    """Jekyll's `:title`: the slug with its case and most punctuation kept (slugify's pretty mode)."""
    return slugify(slug, "pretty", cased=True)


# Document's YAML_FRONT_MATTER_REGEXP ends in `---\s*$\n?`: the blank lines after the front matter are not content.
_BLANK_LINES = re.compile(r"\A(?:[ \t\r\f\v]*\n)+")
# Excerpt's MKDWN_LINK_REF_REGEX: a reference-style link definition, `[label]: url`.
_LINK_DEFINITION = re.compile(r"^ {0,3}(\[[^\]\n]+\])(:.+)$", re.MULTILINE)


def excerpt(body: str, separator: str) -> str:
    """Jekyll's excerpt of a post body: the Markdown before `separator`, the whole body where it is not found."""
    return _BLANK_LINES.sub("", body).partition(separator)[0]


def is_excerpt_of(text: str, body: str) -> bool:
    """Whether `text` is how `body` starts (an excerpt cut from it), once the blank lines that open it are gone."""
    return _BLANK_LINES.sub("", body).startswith(text)


def link_definitions_for(head: str, body: str) -> str:
    """What Jekyll adds to the excerpt `head` of `body`: the link definitions further down whose label it
    uses (a reference link in the first paragraph is a link in the excerpt too), after a blank line; or ""."""
    rest = _BLANK_LINES.sub("", body)[len(head) :]
    definitions = ["".join(found) for found in _LINK_DEFINITION.findall(rest) if found[0] in head]
    return "\n\n" + "\n".join(definitions) if definitions else ""
