"""The variables a post's Liquid sees: `site`, `page` and `jekyll`, as Jekyll 4 gives them.

On a Jekyll site `site` is the whole `_config.yml`, with `site.data` read
from `_data/` and `site.posts` from the posts; in feedpub's own mode it is
feedpub's config (title, url, baseurl, description...). `site.time` is the
post's date, never the clock, so that the output depends only on the input.
`site.data` and `site.posts` are read only when a template asks for them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from feedpub.model import Config, Post, Problem
from feedpub.render.liquid_index import all_posts, front_matter, post_variables
from feedpub.render.liquid_values import RubyTime

JEKYLL_VERSION = "4.3.4"  # the Jekyll whose Liquid this follows, for `jekyll.version`
_DATA_SUFFIXES = (".yml", ".yaml", ".json", ".csv", ".tsv")
# DataReader#sanitize_filename: characters other than word characters, spaces and hyphens go.
_UNSAFE_NAME = re.compile(r"[^\w\s-]+")


class LazyMapping(Mapping[str, object]):
    """A mapping whose costly values are made on first use: `site.posts` reads every post."""

    def __init__(self, fixed: Mapping[str, object], lazy: Mapping[str, Callable[[], object]]):
        self._values = dict(fixed)
        self._lazy = {key: make for key, make in lazy.items() if key not in self._values}

    def __getitem__(self, key: str) -> object:
        if key not in self._values and key in self._lazy:
            self._values[key] = self._lazy.pop(key)()
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter([*self._values, *self._lazy])

    def __len__(self) -> int:
        return len(self._values) + len(self._lazy)


@dataclass(frozen=True, slots=True)
class Variables:
    """What a post's Liquid sees by name."""

    site: Mapping[str, object]
    page: Mapping[str, object]
    jekyll: Mapping[str, object]

    def by_name(self) -> dict[str, object]:
        return {"site": self.site, "page": self.page, "jekyll": self.jekyll}


def variables(post: Post, config: Config | None, problems: list[Problem]) -> Variables:
    """The Liquid variables for one post (problems reading `_data/` go to `problems`).

    Without a config (a post rendered on its own) `site` has only `time`.
    """
    tz = post.published.tzinfo
    assert tz is not None, "posts have aware dates"
    now = RubyTime.of(post.published, tz)
    jekyll = {"version": JEKYLL_VERSION, "environment": "production"}
    if config is None:
        return Variables({"time": now}, _bare_page(post, now), jekyll)
    page = post_variables(post, config, front_matter(post.path, config))
    return Variables(site_variables(config, now, problems), page, jekyll)


def _bare_page(post: Post, now: RubyTime) -> dict[str, object]:
    return {"title": post.title, "date": now, "categories": list(post.categories), "tags": list(post.tags)}


def site_variables(config: Config, now: RubyTime, problems: list[Problem]) -> LazyMapping:
    lazy = {"posts": lambda: all_posts(config), "categories": lambda: _grouped(config, "categories")}
    lazy["tags"] = lambda: _grouped(config, "tags")
    lazy["data"] = lambda: _data(config, problems)
    fixed = {**(_jekyll_config(config) if config.jekyll is not None else _own_config(config)), "time": now}
    return LazyMapping(fixed, lazy)


def _jekyll_config(config: Config) -> dict[str, Any]:
    assert config.jekyll is not None, "a Jekyll site"
    given = json.loads(config.jekyll.variables)
    return {"baseurl": "", "permalink": "date", **(given if isinstance(given, dict) else {})}


def _own_config(config: Config) -> dict[str, Any]:
    """feedpub's site settings under Jekyll's names: url without the path, which is baseurl."""
    site = config.site
    parts = urlsplit(site.url)
    author = site.author
    return {
        "title": site.title,
        "url": f"{parts.scheme}://{parts.netloc}",
        "baseurl": parts.path.rstrip("/"),
        "description": site.description,
        "lang": site.language,
        "timezone": site.timezone,
        "author": {"name": author.name, "email": author.email, "uri": author.uri} if author else None,
    }


def _grouped(config: Config, key: str) -> dict[str, list[dict[str, Any]]]:
    """`site.categories` and `site.tags`: each name's posts, newest first.

    The names in the order Jekyll's post_attr_hash meets them, from the oldest post on: a loop over
    `site.tags` lists them so.
    """
    groups: dict[str, list[dict[str, Any]]] = {}
    for post in reversed(all_posts(config)):
        for name in post.get(key) or []:
            groups.setdefault(str(name), []).append(post)
    return {name: posts[::-1] for name, posts in groups.items()}


def _data(config: Config, problems: list[Problem]) -> dict[str, Any]:
    if config.jekyll is None:
        return {}
    folder = str(json.loads(config.jekyll.variables).get("data_dir") or "_data")
    data, found = read_data(config.jekyll.source / folder, config.jekyll.liquid_inputs)
    problems.extend(problem for problem in found if problem not in problems)
    return data


@lru_cache(maxsize=4)
def read_data(folder: Path, digest: str) -> tuple[dict[str, Any], tuple[Problem, ...]]:
    """Jekyll's DataReader: YAML, JSON, CSV and TSV files, a nested folder a nested key.

    `digest` (the site's liquid_inputs) keys the cache: an edited file is read again.
    A file that cannot be read is left out with a warning (Jekyll would stop).
    """
    problems: list[Problem] = []
    return (_read_folder(folder, problems) if folder.is_dir() else {}), tuple(problems)


def _read_folder(folder: Path, problems: list[Problem]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "_", "#")) or path.name.endswith("~"):
            continue
        key = re.sub(r"\s+", "_", _UNSAFE_NAME.sub("", path.stem if path.is_file() else path.name).strip())
        if path.is_dir():
            found[key] = _read_folder(path, problems)
        elif path.suffix.lower() in _DATA_SUFFIXES:
            try:
                found[key] = _read_file(path)
            except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError, csv.Error) as err:
                problems.append(Problem(path, None, f"cannot read it for site.data: {err}", "warning"))
    return found


def _read_file(path: Path) -> Any:
    text = path.read_text(encoding="utf-8-sig")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return json.loads(text)
    if suffix in (".csv", ".tsv"):
        return list(csv.DictReader(io.StringIO(text), delimiter="\t" if suffix == ".tsv" else ","))
    return yaml.safe_load(text)
