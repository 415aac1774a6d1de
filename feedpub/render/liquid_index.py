"""The site's other files as Liquid sees them: `site.posts`, and the URLs `link` and `post_url` give.

Posts are read with sources.posts.read_post, so a post's URL here is the one
its own entry has. The list of every post is read only when a template asks
for `site.posts` (a post body rarely does), once per process while no post
file changes.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from feedpub.model import Config, Post
from feedpub.render.liquid_values import RubyTime
from feedpub.sources.files import post_files, read_source
from feedpub.sources.jekyll_posts import (
    OUTPUT_EXT,
    UnknownPlaceholder,
    escape_path,
    jekyll_front_matter,
    slugify,
    url_from,
)
from feedpub.sources.posts import read_post

# Jekyll's PostComparer: an optional folder, the date, the slug.
_POST_NAME = re.compile(r"^(.+/)*(\d+-\d+-\d+)-(.*)$")
_MARKUP_EXT = (".md", ".markdown", ".mkdown", ".mkdn", ".mkd", ".html", ".htm", ".textile")
_STAMPED: dict[Config, tuple[tuple[tuple[str, int, int], ...], list[dict[str, Any]]]] = {}


def site_relative_url(post: Post, config: Config) -> str:
    """The post's URL without the site's URL and baseurl, as Jekyll's `url`: `/2020/01/05/a.html`."""
    return "/" + post.permalink.removeprefix(config.site.url).lstrip("/")


def relative_id(post: Post, config: Config) -> str:
    return "/" + post.entry_id.removeprefix(config.site.url).lstrip("/") if config.jekyll else post.entry_id


def relative_path(path: Path, config: Config) -> str:
    """A file's path from the site's folder (a Jekyll site's source, else posts_dir), with `/`."""
    root = config.jekyll.source if config.jekyll is not None else config.posts_dir
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def front_matter(path: Path, config: Config) -> dict[str, Any]:
    """A file's front matter, under the site's front matter defaults; {} when it has none or cannot be read."""
    source, _ = read_source(path)
    data = source.front_matter.data if source is not None else None
    data = data if isinstance(data, dict) else {}
    return jekyll_front_matter(config.jekyll, path, data) if config.jekyll is not None else data


def post_variables(post: Post, config: Config, data: Mapping[str, Any]) -> dict[str, Any]:
    """Jekyll's document drop for a post: its front matter, and what Jekyll derives (url, date, id...)."""
    tz = post.published.tzinfo
    assert tz is not None, "posts have aware dates"
    path = relative_path(post.path, config)
    return {
        **{str(key): value for key, value in data.items()},
        "title": str(data["title"]) if data.get("title") is not None else post.title,  # Jekyll's, not smartified
        "date": RubyTime.of(post.published, tz),
        "url": site_relative_url(post, config),
        "id": relative_id(post, config),
        "categories": list(post.categories),
        "tags": list(post.tags),
        "path": path,
        "relative_path": path,
        "name": post.path.name,
        "slug": _slug(post.path, data),
        "ext": post.path.suffix,
        "collection": "posts",
        "draft": post.draft,
        "excerpt": post.summary or "",
    }


def _slug(path: Path, data: Mapping[str, Any]) -> str:
    given = data.get("slug")
    if given:
        return str(given)
    stem = path.stem
    return stem[11:] if re.match(r"^\d{4}-\d{2}-\d{2}-", stem) else stem


def all_posts(config: Config) -> list[dict[str, Any]]:
    """Every published post of the site, newest first, as `site.posts` lists them.

    Read again when a post file is added, removed or changed; drafts are left
    out, future posts are not (the build's --now is not known here).
    """
    paths, _ = post_files(config)
    stamp = tuple(_stat(path) for path in paths)
    known = _STAMPED.get(config)
    if known is not None and known[0] == stamp:
        return known[1]
    posts = [found for found in (read_post(path, config)[0] for path in paths) if found and not found.draft]
    posts.sort(key=lambda p: (p.published, str(p.path)), reverse=True)
    listed = [post_variables(post, config, front_matter(post.path, config)) for post in posts]
    _STAMPED.clear()  # one site per process is the usual case; never let this grow
    _STAMPED[config] = (stamp, listed)
    return listed


def _stat(path: Path) -> tuple[str, int, int]:
    try:
        info = os.stat(path)
    except OSError:
        return (str(path), 0, -1)
    return (str(path), info.st_mtime_ns, info.st_size)


def post_url(name: str, config: Config) -> str | None:
    """The URL of the post `post_url` names (`2020-01-05-a`, `folder/2020-01-05-a`), site-relative; None if none."""
    match = _POST_NAME.match(name.strip().lstrip("/"))
    if not match:
        return None
    folder, day, slug = match.group(1) or "", match.group(2), match.group(3)
    wanted = re.compile(
        rf"(?:^|/)_posts/{re.escape(folder)}{re.escape(day)}-{re.escape(slug)}\.[^./]+$"
        rf"|^{re.escape(folder)}_posts/?{re.escape(day)}-{re.escape(slug)}\.[^./]+$"
        rf"|^{re.escape(folder)}{re.escape(day)}-{re.escape(slug)}\.[^./]+$"
    )
    paths, _ = post_files(config)
    for path in paths:
        if wanted.search(relative_path(path, config)):
            post, _ = read_post(path, config)
            return site_relative_url(post, config) if post is not None else None
    return None


def site_file_url(relative: str, config: Config) -> str | None:
    """The URL of the site file at `relative` (a post, a collection's document, a page, a static file); None if none."""
    relative = relative.strip().lstrip("/")
    root = config.jekyll.source if config.jekyll is not None else config.posts_dir
    path = root / relative
    if not relative or ".." in relative.split("/") or not path.is_file():
        return None
    if "_posts" in path.relative_to(root).parts or config.jekyll is None:
        post, _ = read_post(path, config)
        return site_relative_url(post, config) if post is not None else None
    data = front_matter(path, config)
    own = data.get("permalink")
    variables = _site_config(config)
    collection = _collection_of(relative, variables)
    try:
        if collection is not None:
            return _document_url(relative, collection, data, variables)
        if not _has_front_matter(path):
            return "/" + escape_path(relative)  # a static file is served where it lies
        return _page_url(relative, own if isinstance(own, str) else None, variables)
    except UnknownPlaceholder:
        return None


def _site_config(config: Config) -> dict[str, Any]:
    assert config.jekyll is not None, "only a Jekyll site has pages and collections"
    variables = json.loads(config.jekyll.variables)
    return variables if isinstance(variables, dict) else {}


def _collection_of(relative: str, variables: Mapping[str, Any]) -> str | None:
    """The collection a file is in (its folder `_name` under collections_dir), if the site declares it."""
    collections = variables.get("collections") or {}
    names = list(collections) if isinstance(collections, (dict, list)) else []
    folder = str(variables.get("collections_dir") or "").strip("/")
    inside = relative.removeprefix(folder + "/") if folder else relative
    first = inside.split("/", 1)[0]
    return first[1:] if first.startswith("_") and first[1:] in names and first != "_posts" else None


def _document_url(relative: str, collection: str, data: Mapping[str, Any], variables: Mapping[str, Any]) -> str:
    """Document#url for a collection's document: its permalink, else the collection's template."""
    collections = variables.get("collections")
    meta = collections.get(collection) if isinstance(collections, dict) else None
    template = meta.get("permalink") if isinstance(meta, dict) else None
    if not isinstance(template, str) or not template:
        template = _with_suffix("/:collection/:path", _style(variables))
    own = data.get("permalink")
    inside = relative.split(f"_{collection}/", 1)[-1]
    stem, ext = os.path.splitext(inside)
    basename = Path(stem).name
    values = {
        "collection": collection,
        "path": "/" + stem.rstrip("."),
        "name": slugify(basename),
        "title": slugify(str(data.get("slug") or basename), "pretty", cased=True),
        "slug": slugify(str(data.get("slug") or basename)),
        "output_ext": _output_ext(ext),
    }
    return url_from(own if isinstance(own, str) and own else template, values)


def _page_url(relative: str, own: str | None, variables: Mapping[str, Any]) -> str:
    """Page#url: its permalink, else `/:path/:basename` with the site's permalink style's ending."""
    folder, _, name = relative.rpartition("/")
    stem, ext = os.path.splitext(name)
    output_ext = _output_ext(ext)
    if output_ext != OUTPUT_EXT:
        template = "/:path/:basename:output_ext"
    elif stem == "index":
        template = "/:path/"
    else:
        template = _with_suffix("/:path/:basename", _style(variables))
    values = {"path": "/" + folder, "basename": stem.rstrip("."), "output_ext": output_ext}
    return url_from(own or template, values)


def _style(variables: Mapping[str, Any]) -> str:
    return str(variables.get("permalink") or "date")


def _with_suffix(template: str, style: str) -> str:
    """Utils.add_permalink_suffix."""
    if style == "pretty" or style.endswith("/"):
        return template + "/"
    if style in ("date", "ordinal", "none") or style.endswith(":output_ext"):
        return template + ":output_ext"
    return template


def _output_ext(ext: str) -> str:
    return OUTPUT_EXT if ext.lower() in _MARKUP_EXT else ext


def _has_front_matter(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            return file.readline().rstrip() == b"---"
    except OSError:
        return False
