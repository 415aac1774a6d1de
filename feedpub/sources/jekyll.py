"""A Jekyll `_config.yml` read as Jekyll 4 and jekyll-feed read it.

`jekyll_settings` turns it into the settings feedpub's own config has (which
sources.config then validates like any config.yaml) plus a JekyllSite with
what only Jekyll has: permalink styles, front matter defaults, exclude,
jekyll-feed's paths. Errors name the Jekyll key and its line.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from feedpub.model import JekyllFeed, JekyllSite
from feedpub.sources.slugs import locale_to_language_tag
from feedpub.sources.typography import SMART_QUOTES, parse_smart_quotes, smartify

JEKYLL_CONFIG_NAMES = ("_config.yml", "_config.yaml")
# Jekyll's built-in permalink styles (jekyll/utils.rb PERMALINK_STYLES ... in Jekyll 4.3).
PERMALINK_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
DEFAULT_MARKDOWN_EXT = "markdown,mkdown,mkdn,mkd,md"
# jekyll-feed's own default; feedpub's `feedpub: {feeds: {limit}}` overrides it.
JEKYLL_FEED_POSTS_LIMIT = 10
# What Jekyll itself leaves out of every site (Jekyll 4.3 Configuration::DEFAULTS["exclude"]).
DEFAULT_EXCLUDE = (
    ".sass-cache",
    ".jekyll-cache",
    "gemfiles",
    "Gemfile",
    "Gemfile.lock",
    "node_modules",
    "vendor/bundle/",
    "vendor/cache/",
    "vendor/gems/",
    "vendor/ruby/",
)
# The keys of feedpub's own config that a Jekyll site may set under `feedpub:`.
FEEDPUB_KEYS = (
    "feeds",
    "markdown",
    "tag_slugs",
    "category_slugs",
    "author_slugs",
    "custom_feeds",
    "stale_feeds",
    "keep_going",
    "cache_dir",
    "websub",
)


class JekyllConfigError(Exception):
    def __init__(self, key: str, line: int | None, message: str):
        super().__init__(f"{key}: {message}")
        self.key, self.line, self.message = key, line, message


@dataclass(frozen=True, slots=True)
class JekyllSettings:
    raw: dict[str, Any]  # feedpub's config keys, for sources.config to validate
    key_lines: dict[str, int]  # feedpub's config key -> the line of the Jekyll key it came from
    nested_lines: dict[tuple[str, str], int]
    site: JekyllSite


def is_jekyll_config(path: Path) -> bool:
    return path.name in JEKYLL_CONFIG_NAMES


def jekyll_settings(
    path: Path, data: dict[str, Any], key_lines: dict[str, int], nested: dict[tuple[str, str], int]
) -> JekyllSettings:
    """feedpub's settings for the Jekyll site whose `_config.yml` (parsed) is `data`."""
    reader = _Reader(path, data, key_lines, nested)
    return reader.settings()


class _Reader:
    def __init__(self, path: Path, data: dict[str, Any], key_lines: dict[str, int], nested: dict):
        self.path, self.data, self.lines, self.nested = path, data, key_lines, nested

    def fail(self, key: str, message: str) -> JekyllConfigError:
        top, _, sub = key.partition(".")
        line = self.nested.get((top, sub)) if sub else None
        return JekyllConfigError(key, line or self.lines.get(top), message)

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, (dict, list)):
            raise self.fail(key, "expected text")
        return str(value)

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key, default)
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        if not isinstance(value, bool):
            raise self.fail(key, "expected true or false")
        return value

    def names(self, key: str, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        if not isinstance(value, list):
            raise self.fail(key, "expected a list")
        return tuple(str(item) for item in value if item is not None and str(item).strip())

    # the site ----------------------------------------------------------------
    def settings(self) -> JekyllSettings:
        root = self.path.parent
        # Folders as written, relative to the config's folder: sources.config joins them to it.
        source_folder = Path(self.text("source") or ".")
        source = root / source_folder
        url = self.site_url()
        base_path = self.base_path()
        site = {
            # jekyll-feed smartifies the feed title as it does entry titles.
            "title": smartify(
                self.text("title") or self.text("name") or urlsplit(url).hostname or url,
                parse_smart_quotes(self.smart_quotes() or "") or SMART_QUOTES,
            ),
            "url": url + base_path,
            "description": self.text("description") or "",
            "language": self.language(),
            "timezone": self.timezone(),
            "author": self.author(),
        }
        feedpub = self.data.get("feedpub") or {}
        if not isinstance(feedpub, dict):
            raise self.fail("feedpub", "expected a mapping of feedpub settings (feeds:, markdown:, ...)")
        unknown = [key for key in feedpub if key not in FEEDPUB_KEYS]
        if unknown:
            raise self.fail("feedpub", f"{unknown[0]}: not a feedpub setting a Jekyll site can set here")
        feed = self.feed_settings()
        feeds = {"formats": ["atom"], "limit": self.posts_limit()}
        # A site with a feeds page of its own keeps it: feedpub's would overwrite its output.
        if any((source / name).is_file() for name in ("feeds.html", "feeds.md", "feeds.markdown")):
            feeds["page"] = False
        if self.excerpt_only():
            feeds["content"] = "summary"
        own_feeds = feedpub.get("feeds") or {}
        if not isinstance(own_feeds, dict):
            raise self.fail("feedpub", "feeds: expected a mapping (formats:, limit:, ...)")
        feeds.update(own_feeds)
        raw = {
            "site": site,
            "posts_dir": str(source_folder),
            "output_dir": self.text("destination") or "_site",
            **{key: value for key, value in feedpub.items() if key != "feeds"},
            "feeds": feeds,
        }
        raw.setdefault("cache_dir", str(source_folder / ".feedpub-cache"))
        # Jekyll renders Markdown with kramdown: its site's posts read as Jekyll publishes them with the
        # kramdown engine (docs/fidelity.md), unless `feedpub: markdown: engine` says otherwise.
        markdown = feedpub.get("markdown")
        quotes = self.smart_quotes()
        defaults = {
            "engine": "kramdown",
            **({"smart_quotes": quotes} if quotes else {}),
            **({"line_numbers": True} if self.block_line_numbers() else {}),
            **({"footnote_backlink": backlink} if (backlink := self.footnote_backlink()) is not None else {}),
            **({} if self.rouge() else {"rouge": False}),
        }
        raw["markdown"] = {**defaults, **markdown} if isinstance(markdown, dict) else markdown or defaults
        jekyll = JekyllSite(
            source=source,
            base_path=base_path,
            url_prefix=(self.text("url") or "").strip() + base_path,
            permalink=self.permalink(),
            defaults=self.defaults(),
            exclude=DEFAULT_EXCLUDE + self.names("exclude", self.data.get("exclude")),
            include=self.names("include", self.data.get("include")),
            future=self.flag("future"),
            unpublished=self.flag("unpublished"),
            show_drafts=self.flag("show_drafts"),
            excerpt_separator=self.text("excerpt_separator", "\n\n") or "",
            markdown_ext=self.markdown_ext(),
            feed=feed,
            own_feeds=own_feed_files(source, feed),
            variables=json.dumps(json_ready(self.data), ensure_ascii=False),
            liquid_inputs=liquid_inputs_digest(
                source, self.text("includes_dir", "_includes") or "_includes", self.text("data_dir", "_data") or "_data"
            ),
            liquid_error_mode=self.liquid_error_mode(),
            data_authors=data_authors(source / (self.text("data_dir", "_data") or "_data")),
        )
        return JekyllSettings(raw, self.feedpub_lines(), self.feedpub_nested_lines(), jekyll)

    def block_line_numbers(self) -> bool:
        """`kramdown: syntax_highlighter_opts:` `block: line_numbers:` (or `line_numbers:` for spans and
        blocks alike, as kramdown's Rouge highlighter merges them): code blocks get Rouge's line numbers."""
        kramdown = self.data.get("kramdown")
        options = kramdown.get("syntax_highlighter_opts") if isinstance(kramdown, dict) else None
        if not isinstance(options, dict):
            return False
        block = options.get("block")
        value = block.get("line_numbers") if isinstance(block, dict) and "line_numbers" in block else None
        return (value if value is not None else options.get("line_numbers")) is True

    def liquid_error_mode(self) -> str:
        """`liquid: error_mode:` (warn, strict or lax); Jekyll's default, warn, for anything else."""
        liquid = _mapping(self.data.get("liquid"))
        mode = str(liquid.get("error_mode") or "warn")
        return mode if mode in ("warn", "strict", "lax") else "warn"

    def rouge(self) -> bool:
        """Whether Jekyll's kramdown writes code in Rouge's markup: its highlighter (kramdown's
        `syntax_highlighter`, else Jekyll's `highlighter`, else rouge) is rouge, and
        `syntax_highlighter_opts` does not disable it for blocks and spans alike."""
        kramdown = _mapping(self.data.get("kramdown"))
        name = kramdown.get("syntax_highlighter") or self.data.get("highlighter") or "rouge"
        options = _mapping(kramdown.get("syntax_highlighter_opts"))

        def disabled(kind: str) -> bool:
            # Each kind's own options over the shared ones, as kramdown merges them; anything but
            # nil and false is true to Ruby.
            own = _mapping(options.get(kind))
            value = own["disable"] if "disable" in own else options.get("disable")
            return value is not None and value is not False

        return name == "rouge" and not (disabled("block") and disabled("span"))

    def footnote_backlink(self) -> str | None:
        """`kramdown: footnote_backlink:` if set; kramdown reads an empty value as "" (no links back)."""
        kramdown = self.data.get("kramdown")
        if not isinstance(kramdown, dict) or "footnote_backlink" not in kramdown:
            return None
        value = kramdown["footnote_backlink"]
        return "" if value is None else str(value)

    def smart_quotes(self) -> str | None:
        """`kramdown: smart_quotes:` as kramdown's comma-separated text (Jekyll takes a list too), if set."""
        kramdown = self.data.get("kramdown")
        value = kramdown.get("smart_quotes") if isinstance(kramdown, dict) else None
        if isinstance(value, list):
            return ",".join(str(item) for item in value)
        return str(value) if value is not None else None

    def feedpub_lines(self) -> dict[str, int]:
        """feedpub's top-level keys -> the line of the Jekyll key they came from, for messages."""
        where = self.lines.get("feedpub")
        lines = {key: where for key in FEEDPUB_KEYS if where}
        for ours, theirs in (("site", "url"), ("output_dir", "destination"), ("posts_dir", "source")):
            if theirs in self.lines:
                lines[ours] = self.lines[theirs]
        return lines

    def feedpub_nested_lines(self) -> dict[tuple[str, str], int]:
        jekyll_keys = (
            ("title", "title"),
            ("url", "url"),
            ("description", "description"),
            ("language", "lang"),
            ("timezone", "timezone"),
            ("author", "author"),
        )
        lines = {("site", ours): self.lines[theirs] for ours, theirs in jekyll_keys if theirs in self.lines}
        if "kramdown" in self.lines:
            lines[("markdown", "smart_quotes")] = self.lines["kramdown"]
            lines[("markdown", "line_numbers")] = self.lines["kramdown"]
            lines[("markdown", "footnote_backlink")] = self.lines["kramdown"]
            lines[("markdown", "rouge")] = self.lines["kramdown"]
        return lines

    def site_url(self) -> str:
        url = self.text("url")
        if not url:
            raise self.fail(
                "url", "is required: feeds need absolute links (set url: https://example.com in _config.yml)"
            )
        return url.strip().rstrip("/")

    def base_path(self) -> str:
        base = (self.text("baseurl") or "").strip().strip("/")
        return "/" + base if base else ""

    def language(self) -> str | None:
        lang = self.text("lang")
        if not lang:
            return None
        tag = locale_to_language_tag(lang)
        if tag is None:
            raise self.fail("lang", f'"{lang}" is not a language (e.g. en, zh-CN, zh_CN)')
        return tag

    def timezone(self) -> str:
        name = self.text("timezone")
        if not name:
            return local_timezone_name()
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail(
                "timezone", f'unknown timezone "{name}" (expected an IANA name like Asia/Shanghai)'
            ) from None
        return name

    def author(self) -> Any:
        value = self.data.get("author")
        if isinstance(value, dict):
            name = value.get("name")
            if not isinstance(name, str) or not name.strip():
                return None  # jekyll-feed writes no feed author then; feedpub falls back to the title
            uri = value.get("uri") or value.get("url")
            return {k: str(v) for k, v in (("name", name), ("email", value.get("email")), ("uri", uri)) if v}
        if isinstance(value, (str, int, float)) and str(value).strip():
            return str(value).strip()
        return None

    def permalink(self) -> str:
        collections = self.data.get("collections")
        posts = collections.get("posts") if isinstance(collections, dict) else None
        value = posts.get("permalink") if isinstance(posts, dict) and posts.get("permalink") else None
        value = value or self.data.get("permalink") or "date"
        if not isinstance(value, str):
            raise self.fail("permalink", "expected a style (date, pretty, ordinal, weekdate, none) or a template")
        return expand_permalink_style(value.strip())

    def defaults(self) -> tuple[tuple[str, str, str], ...]:
        value = self.data.get("defaults") or []
        if not isinstance(value, list):
            raise self.fail("defaults", "expected a list of {scope, values}")
        found = []
        for item in value:
            if not isinstance(item, dict) or not isinstance(item.get("values"), dict):
                continue  # Jekyll ignores what it cannot use
            scope = item["scope"] if isinstance(item.get("scope"), dict) else {}
            path = str(scope.get("path") or "")
            kind = str(scope.get("type") or "")
            found.append((path, kind, json.dumps(item["values"], default=str, ensure_ascii=False, sort_keys=True)))
        return tuple(found)

    def markdown_ext(self) -> tuple[str, ...]:
        text = self.text("markdown_ext", DEFAULT_MARKDOWN_EXT) or DEFAULT_MARKDOWN_EXT
        return tuple("." + ext.strip().lstrip(".").lower() for ext in text.split(",") if ext.strip())

    # jekyll-feed ---------------------------------------------------------------
    def feed(self) -> dict[str, Any]:
        value = self.data.get("feed") or {}
        if not isinstance(value, dict):
            raise self.fail("feed", "expected jekyll-feed's settings (path, posts_limit, categories, tags, ...)")
        return value

    def posts_limit(self) -> int:
        limit = self.feed().get("posts_limit", JEKYLL_FEED_POSTS_LIMIT)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise self.fail("feed.posts_limit", "expected a positive number of entries")
        return limit

    def excerpt_only(self) -> bool:
        return bool(self.feed().get("excerpt_only"))

    def feed_settings(self) -> JekyllFeed:
        feed = self.feed()
        collections = feed.get("collections")
        posts_meta = collections.get("posts") if isinstance(collections, dict) else None
        posts_meta = posts_meta if isinstance(posts_meta, dict) else {}
        path = str(feed.get("path") or posts_meta.get("path") or "feed.xml").lstrip("/")
        categories = self.names("feed.categories", feed.get("categories") or posts_meta.get("categories"))
        tags = feed.get("tags")
        options = tags if isinstance(tags, dict) else {}
        only = options.get("only")
        return JekyllFeed(
            path=path,
            categories=categories,
            tags=bool(tags),
            tags_only=self.names("feed.tags", only) if only is not None else None,
            tags_except=self.names("feed.tags", options.get("except")),
            tags_path=str(options.get("path") or "/feed/by_tag/").lstrip("/"),
            collections=self.feed_collections(collections),
        )

    def feed_collections(self, value: Any) -> tuple[tuple[str, str, str], ...]:
        """jekyll-feed's `collections` besides posts: (label, Atom file, the collection's URL template)."""
        if isinstance(value, list):
            value = {str(label): {} for label in value}
        if not isinstance(value, dict):
            return ()
        found = []
        for label, meta in value.items():
            if str(label) == "posts":
                continue
            meta = meta if isinstance(meta, dict) else {}
            path = str(meta.get("path") or f"feed/{label}.xml").lstrip("/")
            found.append((str(label), path, self.collection_permalink(str(label))))
        return tuple(found)

    def collection_permalink(self, label: str) -> str:
        """Jekyll's Collection#url_template: the collection's `permalink`, else /:collection/:path with
        the ending the site's permalink style has (Utils.add_permalink_suffix)."""
        collections = self.data.get("collections")
        meta = collections.get(label) if isinstance(collections, dict) else None
        if isinstance(meta, dict) and isinstance(meta.get("permalink"), str):
            return expand_permalink_style(meta["permalink"].strip())
        style = str(self.data.get("permalink") or "date").strip()
        if style.lstrip(":") == "pretty" or (style not in PERMALINK_STYLES and style.endswith("/")):
            return "/:collection/:path/"
        if style.lstrip(":") in PERMALINK_STYLES or style.endswith(":output_ext"):
            return "/:collection/:path:output_ext"
        return "/:collection/:path"


def expand_permalink_style(value: str) -> str:
    """A permalink template: a built-in style by name expanded, a template as written."""
    style = value.lstrip(":") if value.startswith(":") or value in PERMALINK_STYLES else value
    return PERMALINK_STYLES.get(style, value)


def local_timezone_name() -> str:
    """The machine's zone, as Jekyll uses when `timezone:` is unset: TZ, else /etc/localtime; UTC if unknown."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    except OSError:
        pass
    try:
        target = os.readlink("/etc/localtime")
        candidates.append(target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else "")
    except OSError:
        pass
    for name in candidates:
        if not name:
            continue
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return name
    return "UTC"


def json_ready(value: Any) -> Any:
    """YAML data as JSON can hold it: dates as ISO text, keys as text (YAML allows numbers and dates as keys)."""
    if isinstance(value, dict):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [json_ready(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def data_authors(data_dir: Path) -> tuple[tuple[str, str, str | None, str | None], ...]:
    """The entries of `authors.yml` (or .yaml, .json) in the site's data folder that give a name, email or uri:
    jekyll-feed looks a post's author up there. A file that cannot be read gives none (Liquid's site.data
    says why, when a post reads it)."""
    for name in ("authors.yml", "authors.yaml", "authors.json"):
        path = data_dir / name
        if not path.is_file():
            continue
        try:
            found = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            return ()
        if not isinstance(found, dict):
            return ()
        return tuple(
            (str(key), *_author_entry(str(key), value))
            for key, value in found.items()
            if isinstance(value, dict) and any(isinstance(value.get(k), str) for k in ("name", "email", "uri"))
        )
    return ()


def _author_entry(key: str, value: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """jekyll-feed's post_author_name (the entry's name, else the key), email and uri."""
    name, email, uri = (value.get(field) for field in ("name", "email", "uri"))
    return (
        name.strip() if isinstance(name, str) and name.strip() else key,
        email if isinstance(email, str) and email else None,
        uri if isinstance(uri, str) and uri else None,
    )


def liquid_inputs_digest(source: Path, *folders: str) -> str:
    """sha256 over the names and bytes of every file under `folders` of the site (missing folders add nothing).

    Liquid reads them while rendering (`include`, `site.data`), so they decide
    the output as much as the config does.
    """
    digest = hashlib.sha256()
    for folder in folders:
        root = source / folder
        if not root.is_dir():
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(f"{path.relative_to(source).as_posix()}\0".encode())
            try:
                digest.update(path.read_bytes())
            except OSError as err:
                digest.update(f"unreadable: {err.strerror}".encode())
    return digest.hexdigest()


def own_feed_files(source: Path, feed: JekyllFeed) -> tuple[str, ...]:
    """The files at jekyll-feed's paths that the site's source already has (jekyll-feed's file_exists?)."""
    found = [feed.path] if (source / feed.path).is_file() else []
    for folder in {"feed", feed.tags_path.strip("/")}:
        if (source / folder).is_dir():
            found.extend(path.relative_to(source).as_posix() for path in (source / folder).rglob("*.xml"))
    return tuple(sorted(set(found)))


def _mapping(value: object) -> dict:
    return value if isinstance(value, dict) else {}
