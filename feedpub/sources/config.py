"""Load and validate config.yaml into a frozen Config.

Every problem is a ConfigError naming the key, its line and what was expected;
the CLI turns it into exit code 2.
"""

from __future__ import annotations

import importlib
import string
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feedpub.model import (
    SELECTORS,
    Author,
    Config,
    CustomFeed,
    FeedContent,
    FeedOptions,
    FeedSwitch,
    JekyllSite,
    Podcast,
    Site,
    StaleFeeds,
    one_line,
)
from feedpub.sources.files import regular_file_bytes
from feedpub.sources.jekyll import JEKYLL_CONFIG_NAMES, JekyllConfigError, is_jekyll_config, jekyll_settings
from feedpub.sources.siteurl import site_url_problem
from feedpub.sources.slugs import is_language_tag, is_safe_segment
from feedpub.sources.spelling import similar_key
from feedpub.sources.typography import SmartQuotes, parse_smart_quotes
from feedpub.sources.yamldoc import YamlError, describe, load_yaml

FORMATS = ("atom", "rss", "json")
# Apple Podcasts' top-level categories (podcasters.apple.com, "Apple Podcasts categories").
APPLE_CATEGORIES = (
    "Arts",
    "Business",
    "Comedy",
    "Education",
    "Fiction",
    "Government",
    "Health & Fitness",
    "History",
    "Kids & Family",
    "Leisure",
    "Music",
    "News",
    "Religion & Spirituality",
    "Science",
    "Society & Culture",
    "Sports",
    "Technology",
    "True Crime",
    "TV & Film",
)
ENGINES = ("python-markdown", "cmark", "kramdown")
PERMALINK_FIELDS = ("year", "month", "day", "slug", "title", "category")

# key -> (type name, default). A default of ... means required.
_SCHEMA: dict[str, dict[str, tuple[str, Any]]] = {
    "": {
        "site": ("mapping", ...),
        "posts_dir": ("string", "posts"),
        "output_dir": ("string", "public"),
        "permalink": ("string", "/{year}/{month}/{day}/{slug}/"),
        "feeds": ("mapping", {}),
        "markdown": ("mapping", {}),
        "tag_slugs": ("mapping", {}),
        "category_slugs": ("mapping", {}),
        "author_slugs": ("mapping", {}),
        "custom_feeds": ("mapping", {}),
        "podcast": ("mapping", {}),
        "stale_feeds": ("string", "delete"),
        "keep_going": ("boolean", False),
        "cache_dir": ("string", ".feedpub-cache"),
        "websub": ("mapping", {}),
    },
    "site": {
        "title": ("string", ...),
        "url": ("string", ...),
        "description": ("string", ""),
        "language": ("string", None),
        "timezone": ("string", "UTC"),
        "author": ("author", None),
    },
    "feeds": {
        "formats": ("list", ["atom", "rss"]),
        "limit": ("integer", 20),
        "content": ("string", "full"),
        "categories": ("boolean", True),
        "tags": ("boolean", True),
        "opml": ("boolean", True),
        "archive": ("boolean", False),
        "archive_taxonomies": ("boolean", False),
        "archive_page_size": ("integer", 50),
        "stylesheet": ("boolean", False),
        "authors": ("switch", "auto"),
        "languages": ("switch", "auto"),
        "page": ("boolean", True),
    },
    "websub": {"hubs": ("list", []), "ping": ("boolean", False)},
    "podcast": {
        "image": ("string", ...),
        "category": ("string", ...),
        "explicit": ("boolean", False),
        "owner": ("author", None),
        "type": ("string", "episodic"),
    },
    "markdown": {
        "engine": ("string", "kramdown"),
        "extensions": ("list", ["extra", "sane_lists"]),
        "smart_quotes": ("string", "lsquo,rsquo,ldquo,rdquo"),
        "line_numbers": ("boolean", False),
        "footnote_backlink": ("string", "&#8617;"),
        "rouge": ("boolean", True),
    },
}


class ConfigError(Exception):
    """config.yaml is missing, unreadable or invalid."""

    def __init__(self, path: Path, line: int | None, message: str):
        super().__init__(one_line(f"{path}:{line}: {message}" if line else f"{path}: {message}"))
        self.path, self.line, self.message = path, line, message


# feedpub's names for a Jekyll site's settings -> the Jekyll keys a message must name.
_JEKYLL_KEYS = {
    "site.title": "title",
    "site.url": "url",
    "site.description": "description",
    "site.language": "lang",
    "site.timezone": "timezone",
    "site.author": "author",
    "output_dir": "destination",
    "posts_dir": "source",
}


def config_path(path: Path) -> Path:
    """`path`, or the Jekyll `_config.yml` beside it when `path` is the default config.yaml and is missing."""
    if path.name != "config.yaml" or path.exists():
        return path
    for name in JEKYLL_CONFIG_NAMES:
        if (path.parent / name).is_file():
            return path.parent / name
    return path


def load_config(path: Path) -> Config:
    """Read and validate the config file at `path`: feedpub's config.yaml or a Jekyll site's _config.yml."""
    path = config_path(path)
    try:
        text = regular_file_bytes(path).decode("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(path, None, "config file not found (use -c PATH, or run `feedpub init`)") from None
    except OSError as err:
        raise ConfigError(path, None, f"cannot read config file: {err.strerror or err}") from None
    except UnicodeDecodeError as err:
        raise ConfigError(path, None, f"cannot read config file: {err}") from None
    try:
        # Ruby's YAML keeps the last of a key given twice, and a Jekyll site relies on what Ruby does.
        doc = load_yaml(text, duplicates="last" if is_jekyll_config(path) else "error")
    except YamlError as err:
        raise ConfigError(path, err.line, err.describe()) from None
    if is_jekyll_config(path):
        return _jekyll_config(path, doc.data if doc.data is not None else {}, doc.key_lines, doc.nested_lines)
    if not isinstance(doc.data, dict):
        raise ConfigError(path, None, "expected a mapping of settings (site:, feeds:, ...)")
    return _Validator(path, doc.key_lines, doc.nested_lines).config(doc.data)


def _jekyll_config(path: Path, data: object, key_lines: dict, nested_lines: dict) -> Config:
    if not isinstance(data, dict):
        raise ConfigError(path, None, "expected a mapping of Jekyll settings (title:, url:, ...)")
    try:
        settings = jekyll_settings(path, data, key_lines, nested_lines)
    except JekyllConfigError as err:
        raise ConfigError(path, err.line, str(err)) from None
    validator = _Validator(path, settings.key_lines, settings.nested_lines, _JEKYLL_KEYS, "feedpub.")
    return validator.config(settings.raw, settings.site)


class _Validator:
    def __init__(
        self, path: Path, key_lines: dict, nested_lines: dict, key_names: Mapping[str, str] | None = None, prefix=""
    ):
        self.path, self.key_lines, self.nested_lines = path, key_lines, nested_lines
        # A Jekyll site's settings come from other keys: messages name the key the user wrote.
        self.key_names, self.prefix = key_names or {}, prefix

    def fail(self, key: str, message: str) -> ConfigError:
        section, _, sub = key.partition(".")
        line = self.nested_lines.get((section, sub)) if sub else None
        shown = self.key_names.get(key) or self.prefix + key
        return ConfigError(self.path, line or self.key_lines.get(section), f"{shown}: {message}")

    def section(self, name: str, raw: Any) -> dict[str, Any]:
        """Check one mapping against the schema and fill in defaults."""
        schema = _SCHEMA[name]
        where = f"{name}." if name else ""
        if not isinstance(raw, dict):
            raise self.fail(name, "expected a mapping")
        for key in raw:
            if key not in schema:
                close = similar_key(str(key), schema)
                hint = f'did you mean "{close}"?' if close else f"expected one of: {', '.join(schema)}"
                raise self.fail(f"{where}{key}", f"unknown key; {hint}")
        values = {}
        for key, (kind, default) in schema.items():
            if key not in raw or raw[key] is None:
                if default is ...:
                    raise self.fail(f"{where}{key}", "is required")
                values[key] = default
                continue
            values[key] = self.typed(f"{where}{key}", kind, raw[key])
        return values

    def typed(self, key: str, kind: str, value: Any) -> Any:
        ok = {
            "string": isinstance(value, str),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "boolean": isinstance(value, bool),
            "list": isinstance(value, list) and all(isinstance(v, str) for v in value),
            "mapping": isinstance(value, dict),
            "author": isinstance(value, (str, dict)),
            "switch": isinstance(value, bool) or value in ("auto", "on", "off", "true", "false"),
        }[kind]
        if not ok:
            expected = {
                "list": "a list of strings",
                "author": "a name or {name, email, uri}",
                "integer": "an integer",
                "switch": "auto, true or false",
            }
            raise self.fail(key, f"expected {expected.get(kind, 'a ' + kind)}, got {describe(value)}")
        return value

    def config(self, raw: dict, jekyll: JekyllSite | None = None) -> Config:
        top = self.section("", raw)
        markdown_settings = self.section("markdown", top["markdown"])
        root = self.path.parent
        config = Config(
            path=self.path,
            site=replace(self.site(self.section("site", top["site"])), podcast=self.podcast(top["podcast"])),
            posts_dir=root / top["posts_dir"],
            output_dir=root / top["output_dir"],
            permalink=self.permalink(top["permalink"]),
            feeds=self.feeds(self.section("feeds", top["feeds"])),
            markdown_engine=(engine := self.engine(markdown_settings["engine"])),
            # Python-Markdown's extensions mean nothing to the other engines: loaded (so checked) only for it.
            markdown_extensions=(
                self.extensions(markdown_settings["extensions"])
                if engine == "python-markdown"
                else tuple(markdown_settings["extensions"])
            ),
            smart_quotes=self.smart_quotes(markdown_settings["smart_quotes"]),
            line_numbers=markdown_settings["line_numbers"],
            footnote_backlink=markdown_settings["footnote_backlink"],
            rouge=markdown_settings["rouge"],
            tag_slugs=self.slug_map("tag_slugs", top["tag_slugs"]),
            category_slugs=self.slug_map("category_slugs", top["category_slugs"]),
            author_slugs=self.slug_map("author_slugs", top["author_slugs"]),
            custom_feeds=tuple(self.custom_feed(name, value) for name, value in top["custom_feeds"].items()),
            stale_feeds=cast(StaleFeeds, self.choice("stale_feeds", top["stale_feeds"], ("delete", "keep"))),
            keep_going=top["keep_going"],
            cache_dir=root / top["cache_dir"],
            **self.websub(self.section("websub", top["websub"])),
            jekyll=jekyll,
        )
        check_folders(config, output_from_cli=False, key_lines=self.key_lines, key_names=self.key_names)
        return config

    def site(self, values: dict) -> Site:
        url = values["url"].strip()
        problem = site_url_problem(url)
        if problem:
            raise self.fail("site.url", problem)
        if values["language"] is not None and not is_language_tag(values["language"]):
            raise self.fail("site.language", f'"{values["language"]}" is not a language tag (e.g. en, zh-CN)')
        try:
            ZoneInfo(values["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail(
                "site.timezone", f'unknown timezone "{values["timezone"]}" (expected an IANA name like Asia/Shanghai)'
            ) from None
        return Site(
            title=values["title"],
            url=url.rstrip("/") + "/",
            description=values["description"],
            language=values["language"],
            timezone=values["timezone"],
            author=self.author(values["author"]),
        )

    def author(self, value: Any) -> Author | None:
        if value is None or isinstance(value, str):
            return Author(value) if value else None
        unknown = set(value) - {"name", "email", "uri"}
        if unknown or not isinstance(value.get("name"), str):
            raise self.fail("site.author", "expected a name or {name, email, uri} with a name")
        return Author(value["name"], value.get("email"), value.get("uri"))

    def websub(self, values: dict) -> dict:
        for hub in values["hubs"]:
            parts = urlsplit(hub)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise self.fail("websub.hubs", f'"{hub}" is not an absolute http(s) URL')
        if values["ping"] and not values["hubs"]:
            raise self.fail("websub.ping", "needs at least one hub in websub.hubs")
        return {"hubs": tuple(values["hubs"]), "ping": values["ping"]}

    def permalink(self, pattern: str) -> str:
        expected = f"expected placeholders among {{{'}, {'.join(PERMALINK_FIELDS)}}}"
        try:
            fields = [
                (name, spec, conversion)
                for _, name, spec, conversion in string.Formatter().parse(pattern)
                if name is not None
            ]
        except ValueError as err:
            raise self.fail("permalink", f"{err} ({expected})") from None
        for name, spec, conversion in fields:
            if name not in PERMALINK_FIELDS or spec or conversion:
                raise self.fail("permalink", f'"{{{name}}}" is not a placeholder ({expected})')
        if ".." in pattern.split("/"):
            raise self.fail("permalink", "must not contain '..'")
        return pattern

    def feeds(self, values: dict) -> FeedOptions:
        formats = tuple(dict.fromkeys(values["formats"]))
        for name in formats:
            if name not in FORMATS:
                raise self.fail("feeds.formats", f'unknown format "{name}" (expected: {", ".join(FORMATS)})')
        if not formats:
            raise self.fail("feeds.formats", "needs at least one format")
        if values["limit"] < 0:
            raise self.fail("feeds.limit", "expected 0 (every entry) or a positive number")
        content = cast(FeedContent, self.choice("feeds.content", values["content"], ("full", "summary")))
        if values["archive_page_size"] < 1:
            raise self.fail("feeds.archive_page_size", "expected a positive number of entries per archive page")
        return FeedOptions(
            formats,
            values["limit"],
            content,
            values["categories"],
            values["tags"],
            values["opml"],
            values["archive"],
            values["archive_taxonomies"],
            values["archive_page_size"],
            values["stylesheet"],
            self.switch("feeds.authors", values["authors"]),
            self.switch("feeds.languages", values["languages"]),
            values["page"],
        )

    def switch(self, key: str, value: object) -> FeedSwitch:
        """feeds.authors, feeds.languages: auto, true or false (YAML's booleans, or the words on and off)."""
        if value is True or value in ("on", "true"):
            return "on"
        if value is False or value in ("off", "false"):
            return "off"
        if value == "auto":
            return "auto"
        raise self.fail(key, f"expected auto, true or false, got {describe(value)}")

    def engine(self, name: str) -> str:
        engine = self.choice("markdown.engine", name, ENGINES)
        if engine == "cmark" and not available("cmarkgfm"):
            raise self.fail(
                "markdown.engine", "cmark needs feedpub's fast extra: pip install '.[fast]' in feedpub's folder"
            )
        return engine

    def smart_quotes(self, value: str) -> SmartQuotes:
        quotes = parse_smart_quotes(value)
        if quotes is None:
            raise self.fail(
                "markdown.smart_quotes",
                f'"{value}" is not four quotes: give four entity names or code points, e.g. lsquo,rsquo,ldquo,rdquo '
                "(apos,apos,quot,quot keeps quotes straight)",
            )
        return quotes

    def extensions(self, names: list[str]) -> tuple[str, ...]:
        import markdown  # here: only a site on the python-markdown engine loads it

        for name in names:
            try:
                markdown.Markdown(extensions=[name])
            except Exception as err:
                raise self.fail(
                    "markdown.extensions", f'cannot load Markdown extension "{name}": {err or type(err).__name__}'
                ) from None
        return tuple(names)

    def podcast(self, raw: dict) -> Podcast | None:
        """podcast: the iTunes fields of the RSS feeds; an empty mapping (the default) for none."""
        if not raw:
            return None
        values = self.section("podcast", raw)
        image = values["image"].strip()
        if urlsplit(image).scheme not in ("http", "https") or not urlsplit(image).netloc:
            raise self.fail("podcast.image", f'"{image}" is not an absolute http(s) URL of the cover art')
        category, _, subcategory = values["category"].partition("/")
        if category.strip() not in APPLE_CATEGORIES:
            raise self.fail(
                "podcast.category",
                f'"{category.strip()}" is not an Apple Podcasts category ({", ".join(APPLE_CATEGORIES)})',
            )
        owner = self.author(values["owner"])
        if owner is not None and not owner.email:
            raise self.fail("podcast.owner", "needs an email: Apple writes to it about the show")
        return Podcast(
            image=image,
            category=category.strip(),
            subcategory=subcategory.strip() or None,
            explicit=values["explicit"],
            owner=owner,
            type=self.choice("podcast.type", values["type"], ("episodic", "serial")),
        )

    def custom_feed(self, name: object, value: object) -> CustomFeed:
        """custom_feeds.<name>: {title, any_of, all_of, none_of}, each clause a mapping of SELECTORS to names."""
        key = f"custom_feeds.{name}"
        if not isinstance(name, str) or not is_safe_segment(name) or name != name.strip():
            raise self.fail(key, "a custom feed's name is its folder (feeds/<name>/): one path segment, e.g. fintech")
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a mapping (title:, any_of:, all_of:, none_of:), got {describe(value)}")
        unknown = [k for k in value if k not in ("title", "any_of", "all_of", "none_of")]
        if unknown:
            raise self.fail(key, f"{unknown[0]}: not a custom feed setting (title, any_of, all_of, none_of)")
        title = value.get("title")
        if title is not None and (not isinstance(title, str) or not title.strip()):
            raise self.fail(key, f"title: expected text, got {describe(title)}")
        clauses = {clause: self.selection(key, clause, value.get(clause)) for clause in ("any_of", "all_of", "none_of")}
        if not clauses["any_of"] and not clauses["all_of"]:
            raise self.fail(key, "selects nothing: give any_of or all_of (e.g. any_of: {tags: [fintech]})")
        return CustomFeed(name, title.strip() if title else None, **clauses)

    def selection(self, key: str, clause: str, value: object) -> tuple[tuple[str, tuple[str, ...]], ...]:
        if value is None:
            return ()
        if not isinstance(value, dict):
            raise self.fail(key, f"{clause}: expected a mapping of {', '.join(SELECTORS)} to lists of names")
        found = []
        for selector, names in value.items():
            if selector not in SELECTORS:
                raise self.fail(key, f"{clause}: {selector}: not one of {', '.join(SELECTORS)}")
            if isinstance(names, str):
                names = [names]
            if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
                raise self.fail(key, f"{clause}: {selector}: expected a list of names, got {describe(names)}")
            found.append((selector, tuple(n.strip() for n in names)))
        return tuple(found)

    def slug_map(self, key: str, value: dict) -> tuple[tuple[str, str], ...]:
        pairs = []
        for name, slug in value.items():
            if not isinstance(slug, str) or not is_safe_segment(slug.strip()):
                raise self.fail(f"{key}.{name}", f"expected a slug that is one path segment, got {describe(slug)}")
            pairs.append((str(name), slug.strip()))
        return tuple(pairs)

    def choice(self, key: str, value: str, allowed: tuple[str, ...]) -> str:
        if value not in allowed:
            raise self.fail(key, f'"{value}" is not one of: {", ".join(allowed)}')
        return value


def check_folders(
    config: Config,
    output_from_cli: bool = False,
    key_lines: Mapping[str, int] | None = None,
    key_names: Mapping[str, str] | None = None,
) -> None:
    """Refuse folders that overlap in a way that loses or leaks files; ConfigError naming the key to change.

    - cache_dir shares no folder with posts_dir or output_dir: feedpub deletes in it,
      and it holds every post, drafts included, which output must not publish.
    - output_dir is neither posts_dir nor inside it: the feeds would land among the
      sources, and the web server would serve the Markdown, drafts included.
    An output_dir that contains posts_dir stays allowed (`output_dir: .` with posts
    in ./posts is common); serving the sources is then the site's own choice.
    `key_lines` (top-level key -> line) come from config.yaml; with `output_from_cli`
    the output came from -o, which is then the option named.
    """
    lines = key_lines or {}
    posts, output, cache = (folder.resolve() for folder in (config.posts_dir, config.output_dir, config.cache_dir))
    output_key = "-o/--output" if output_from_cli else (key_names or {}).get("output_dir", "output_dir")
    output_line = None if output_from_cli else lines.get("output_dir")
    if config.jekyll is not None:
        _check_jekyll_folders(config, output_key, output_line, posts, output, cache)
        return
    if not output_from_cli and _overlap(cache, posts):
        raise _cache_error(config, lines, "posts_dir", posts)
    if output == posts or posts in output.parents:
        raise ConfigError(
            config.path,
            output_line,
            f"{output_key}: must not be posts_dir ({_shown(config, posts)}) or inside it: "
            "the web server would serve the Markdown sources, drafts included",
        )
    if not _overlap(output, cache):
        return
    if not output_from_cli and "cache_dir" in lines:  # name the key the user wrote
        raise _cache_error(config, lines, "output_dir", output)
    raise ConfigError(
        config.path,
        output_line,
        f"{output_key}: must be outside cache_dir ({_shown(config, cache)}) and not contain it: "
        "the cache holds every post, drafts included, and feedpub deletes in it",
    )


def _check_jekyll_folders(
    config: Config, output_key: str, output_line: int | None, source: Path, output: Path, cache: Path
) -> None:
    """A Jekyll site's rules: posts live only in _posts and _drafts folders, and the site
    folder itself holds the output (`_site`) and the cache (a dot folder Jekyll never publishes)."""
    if output == source or output in source.parents:
        raise ConfigError(
            config.path, output_line, f"{output_key}: must not be the site's source folder or contain it (as in Jekyll)"
        )
    inside = output.relative_to(source).parts if output.is_relative_to(source) else ()
    if "_posts" in inside or "_drafts" in inside:
        raise ConfigError(config.path, output_line, f"{output_key}: must not be inside a _posts or _drafts folder")
    if _overlap(output, cache):
        raise ConfigError(
            config.path,
            output_line,
            f"{output_key}: must be outside the cache ({_shown(config, cache)}) and not contain it: "
            "the cache holds every post, drafts included, and feedpub deletes in it",
        )


def _cache_error(config: Config, lines: Mapping[str, int], other_key: str, other: Path) -> ConfigError:
    return ConfigError(
        config.path,
        lines.get("cache_dir"),
        f"cache_dir: must be a folder of its own, outside {other_key} ({_shown(config, other)}) and not containing it",
    )


def _overlap(folder: Path, other: Path) -> bool:
    return folder == other or other in folder.parents or folder in other.parents


def _shown(config: Config, folder: Path) -> str:
    """A folder as the user would write it: relative to the config file's folder when inside it."""
    root = config.path.parent.resolve()
    return str(folder.relative_to(root)) if folder.is_relative_to(root) else str(folder)


def available(module: str) -> bool:
    """Whether an optional module can be imported."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True
