"""Front matter to Post: dates made aware, names and authors normalised, URLs built.

Every problem becomes a Problem with the file and the line of the offending
key; nothing is raised, so a run reports every broken post at once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from feedpub.model import Author, Config, Enclosure, Post, Problem
from feedpub.sources.dates import DateError, date_from_filename, is_nonexistent, read_date
from feedpub.sources.files import SourceFile, read_body, read_source, strip_forbidden
from feedpub.sources.jekyll_posts import (
    UnknownPlaceholder,
    collection_of,
    draft_date,
    escape_path,
    excerpt,
    file_slug,
    jekyll_file_date,
    jekyll_front_matter,
    jekyll_title,
    post_categories,
    post_tags,
    post_urls,
)
from feedpub.sources.lenient import author_fields, flag_value, image_url, title_from_file_name, written_text
from feedpub.sources.slugs import locale_to_language_tag, name_key, slugify, url_path, url_segment
from feedpub.sources.spelling import similar_key
from feedpub.sources.typography import smartify
from feedpub.sources.yamldoc import describe

_SUMMARY_KEYS = ("summary", "excerpt", "description")
# jekyll-feed's <summary>: `description`, else the excerpt (a front matter `excerpt:` wins over Jekyll's own).
_JEKYLL_SUMMARY_KEYS = ("description", "excerpt")
# Every front matter key a post is read with; a key close to one of these is most
# likely a misspelling of it (`darft: true` would publish a draft).
KNOWN_KEYS = (
    "title",
    "date",
    "updated",
    "last_modified_at",
    "categories",
    "category",
    "tags",
    *_SUMMARY_KEYS,
    "draft",
    "published",
    "author",
    "authors",
    "slug",
    "permalink",
    "source",
    "lang",
    "id",
    "enclosure",
    "enclosures",
    "image",
    "duration",
    "explicit",
)
# itunes:duration as Apple reads it: seconds, or [H:]MM:SS.
_DURATION = re.compile(r"(?:\d+:)?\d{1,2}:\d{2}|\d+")
# Each tag makes a feed that repeats all of the post's tags: 10,000 tags would
# write 10,000 feeds of 10,000 categories each (gigabytes). No real post needs more.
MAX_NAMES_PER_POST = 500


def read_post(path: Path, config: Config) -> tuple[Post | None, list[Problem]]:
    """The post in the file at `path`, and every problem with it; None when it is not published.

    A post with an error is None; so is a file Jekyll would skip, with only a
    warning, so that the build does not count it as broken.
    """
    source, problems = read_source(path)
    if source is None:
        return None, problems
    if config.jekyll is not None and _undated_document(config, source):
        message = "no date in the file name or front matter: jekyll-feed dates it with the build's time; left out"
        return None, [*problems, Problem(path, None, message, "warning")]
    if _skipped_by_jekyll(source):
        return None, [
            *problems,
            Problem(path, None, "no date in the file name or front matter; Jekyll skips it too", "warning"),
        ]
    reader = _FrontMatter(source, config)
    post = reader.post()
    problems.extend(reader.problems)
    return (post if not reader.failed else None), problems


def with_body(post: Post, config: Config) -> Post:
    """The post with its body, read again from its file if a build left it on disk.

    While the file still has the bytes it was read from, only the body is
    taken again (no front matter parsed twice); a file edited since is read in full.
    """
    if post.body:
        return post
    body = read_body(post.path, post.source_hash, post.body_line)
    if body is not None:
        return replace(post, body=body)
    fresh, _ = read_post(post.path, config)
    return fresh if fresh is not None else post


@lru_cache(maxsize=4096)
def _similar_known_key(key: str) -> str | None:
    # Every post of a site carries the same theme keys (layout:, comments:): difflib once per key, not per post.
    return similar_key(key, KNOWN_KEYS)


class _FrontMatter:
    """Reads one post's front matter, collecting a Problem per bad key."""

    def __init__(self, source: SourceFile, config: Config):
        self.source, self.config = source, config
        self.tz: tzinfo = ZoneInfo(config.site.timezone)
        data = source.front_matter.data
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        self.jekyll = config.jekyll
        if self.jekyll is not None:  # Jekyll's front matter defaults, under what the file says
            self.data = jekyll_front_matter(self.jekyll, source.path, self.data)
        self.problems: list[Problem] = []
        self.failed = False
        if data is not None and not isinstance(data, dict):
            self.error(None, "front matter must be a mapping of keys (title: ..., date: ...)")
        self.misspelled_keys()
        self.duplicate_keys()

    def misspelled_keys(self) -> None:
        """A warning for each unknown key close to a known one.

        Other unknown keys stay silent: Jekyll front matter carries a theme's own
        keys (layout:, comments:, toc:) that are none of a feed's business.
        """
        for key in self.data:
            if not isinstance(key, str) or key in KNOWN_KEYS:
                continue
            close = _similar_known_key(key)
            if close and close not in self.data:
                self.problems.append(
                    Problem(self.source.path, self.line(key), f'{key}: unknown key; did you mean "{close}"?', "warning")
                )

    def duplicate_keys(self) -> None:
        """A warning for each key given twice: Ruby's YAML, so Jekyll, keeps the last value, and so do we."""
        offset = self.source.front_matter_line - 1
        for duplicate in self.source.front_matter.duplicates:
            lines = [line + offset for line in duplicate.lines]
            message = f"{duplicate.key}: {_given_again(lines)}; the last one is used"
            self.problems.append(Problem(self.source.path, lines[-1], message, "warning"))

    def line(self, key: str | None) -> int:
        lines = self.source.front_matter.key_lines
        if key in lines:
            return lines[key] + self.source.front_matter_line - 1
        return 1

    def error(self, key: str | None, message: str) -> None:
        self.failed = True
        self.problems.append(Problem(self.source.path, self.line(key), message))

    def warn(self, key: str | None, message: str) -> None:
        self.problems.append(Problem(self.source.path, self.line(key), message, "warning"))

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            hint = f' (put it in quotes: {key}: "{value}")' if isinstance(value, (bool, int, float, date)) else ""
            self.error(key, f"{key}: expected text, got {describe(value)}{hint}")
            return None
        cleaned = strip_forbidden(value).strip()
        if cleaned != value.strip():
            self.warn(key, f"{key}: removed characters XML forbids")
        return cleaned

    def prose(self, key: str) -> str | None:
        """Text a writer may have left unquoted: a number, boolean or date is taken as written, with a warning.

        Jekyll prints `title: 2020` as "2020"; feedpub did refuse it, and the
        author's intent is plain, so the quotes become a hint.
        """
        value = self.data.get(key)
        if not isinstance(value, (bool, int, float, date)):
            return self.text(key)
        written = written_text(value, self.source.front_matter.value_texts.get(key))
        self.warn(key, f'{key}: {describe(value)} read as the text "{written}" (put it in quotes: {key}: "{written}")')
        return written

    def title(self) -> str:
        """The title; without one (or an empty one), the file name's, as Jekyll makes it (silently, on purpose)."""
        given = self.prose("title")
        if given:
            return given
        derived = strip_forbidden(title_from_file_name(file_slug(self.source.path)))
        if not derived:
            self.error("title", "title: is required (the file name has no words to make one from)")
        return derived

    def first_key(self, keys: tuple[str, ...]) -> str | None:
        return next((k for k in keys if self.data.get(k) is not None), None)

    def date(self, key: str | None) -> datetime | None:
        if key is None:
            return None
        value = self.data[key]
        # Ruby's YAML reads a timestamp without a zone (`2020-01-01 21:00:00`) as UTC, and Jekyll shows that
        # instant in the site's zone; text YAML does not take for a timestamp (`2020-01-01 21:00`) Jekyll
        # parses in the site's zone.
        utc_timestamp = self.jekyll is not None and isinstance(value, datetime) and value.tzinfo is None
        try:
            stamp, how_read = read_date(value, UTC if utc_timestamp else self.tz)
        except DateError as err:
            self.error(key, f"{key}: {err}")
            return None
        if utc_timestamp:
            stamp = stamp.astimezone(self.tz)
        if how_read:
            self.warn(key, f"{key}: {how_read}")
        if is_nonexistent(stamp):
            shown = stamp.astimezone(UTC).astimezone(stamp.tzinfo).isoformat(sep=" ")
            message = (
                f"{key}: {stamp:%Y-%m-%d %H:%M} did not happen in {self.tz} (the clocks skipped it); read as {shown}"
            )
            self.problems.append(Problem(self.source.path, self.line(key), message, "warning"))
        return stamp

    def published(self) -> datetime | None:
        if self.data.get("date") is not None and self.jekyll is not None:
            return self.jekyll_date()
        if self.data.get("date") is not None:
            return self.date("date")
        stamp = date_from_filename(self.source.path.stem, self.tz)
        if stamp is None and self.jekyll is not None:
            stamp = jekyll_file_date(self.source.path, self.tz)
        if stamp is None and self.jekyll is not None and "_drafts" in self.source.path.parts:
            stamp = draft_date(self.source.path, self.tz)
        if stamp is None:
            self.error("date", "date: is required (or name the file YYYY-MM-DD-slug.md)")
        return stamp

    def names(self, *keys: str) -> tuple[str, ...]:
        """Tags or categories: a list, or a string split on commas (else whitespace)."""
        key = self.first_key(keys)
        if key is None:
            return ()
        value = self.data[key]
        if isinstance(value, str) and key == "category":
            value = [value]  # Jekyll: `category` names one category, spaces and all
        elif isinstance(value, str):
            value = value.split(",") if "," in value else value.split()
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list):
            self.error(key, f"{key}: expected a list or a comma-separated string, got {describe(value)}")
            return ()
        if len(value) > MAX_NAMES_PER_POST:
            self.error(key, f"{key}: {len(value)} names; at most {MAX_NAMES_PER_POST} per post")
            return ()
        names: dict[str, str] = {}
        for item in value:
            if item is None:
                continue  # `- ` with nothing after it, or `[a, null]`: Jekyll drops it too
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                self.error(key, f"{key}: expected names, got {describe(item)}")
                continue
            name = " ".join(strip_forbidden(str(item)).split())
            if name:
                names.setdefault(name_key(name), name)
        return tuple(names.values())

    def authors(self) -> tuple[Author, ...]:
        value = self.data.get("author", self.data.get("authors"))
        key = "author" if "author" in self.data else "authors"
        if value is None:
            site_author = self.config.site.author
            return (self.data_author(site_author.name) or site_author,) if site_author else ()
        items = value if isinstance(value, list) else [value]
        authors = []
        for item in items:
            fields = author_fields(item) if isinstance(item, dict) else None
            if isinstance(item, str) and item.strip():
                authors.append(self.data_author(item.strip()) or Author(strip_forbidden(item.strip())))
            elif fields is not None:
                name, email, uri = (strip_forbidden(field) if field else None for field in fields)
                authors.append(Author(name or "", email, uri))
            else:
                got = "a mapping without name:" if isinstance(item, dict) else describe(item)
                self.error(key, f"{key}: expected a name, {{name, email, uri}}, or a list of them; got {got}")
        return tuple(dict.fromkeys(authors))  # one author listed twice is one author, as a tag given twice

    def data_author(self, key: str) -> Author | None:
        """On a Jekyll site, the author `key` names in `_data/authors.yml`, as jekyll-feed looks it up."""
        if self.jekyll is None:
            return None
        found = next((entry for entry in self.jekyll.data_authors if entry[0] == key), None)
        if found is None:
            return None
        _, name, email, uri = found
        return Author(strip_forbidden(name), email and strip_forbidden(email), uri and strip_forbidden(uri))

    def jekyll_date(self) -> datetime | None:
        """`date:` on a Jekyll site: one no parser can read falls back to the file name's date, with a warning.

        Ruby's Time.parse reads almost anything (`2021-02-08 16:30-:00+16:30` is 16:30 UTC to it),
        so Jekyll publishes such a post; feedpub does too, on the date its file name gives.
        """
        try:
            read_date(self.data["date"], self.tz)
        except DateError as err:
            fallback = jekyll_file_date(self.source.path, self.tz)
            if fallback is not None:
                self.warn("date", f"date: {err}; used the file name's date, {fallback.date().isoformat()}")
                return fallback
        return self.date("date")

    def jekyll_excerpt(self) -> str | None:
        """A Jekyll site's excerpt: the Markdown before the post's or the site's `excerpt_separator` (a blank
        line unless set), or the whole body where it is not found, as Jekyll's Excerpt partitions it, whatever
        block it is (a heading, a list, code). The body must hold it: render.content finds it there again."""
        if self.jekyll is None:
            return None
        separator = self.data.get("excerpt_separator", self.jekyll.excerpt_separator)
        if not isinstance(separator, str) or not separator:
            return None
        return excerpt(self.source.body, separator).rstrip() or None

    def published_flag(self) -> bool:
        """`published:`; on a Jekyll site, text is true whatever it says, as in Ruby (with a warning)."""
        value = self.data.get("published")
        if self.jekyll is not None and isinstance(value, str):
            self.warn("published", f'published: "{value}" is text, which Jekyll takes as true; write false unquoted')
            return True
        return self.flag("published", True)

    def jekyll_taxonomies(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """A Jekyll post's categories (the folders above _posts first) and tags, as Document reads them."""
        assert self.jekyll is not None, "only for a Jekyll site"
        categories = post_categories(self.jekyll, self.source.path, self.data)
        return self.jekyll_names(categories), self.jekyll_names(post_tags(self.data))

    def jekyll_names(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """Jekyll's categories or tags, each once, without control characters.

        Told apart as Jekyll's site.tags tells them apart: a post tagged both
        `opcache` and `Opcache` is in both tags' feeds (where feedpub's own
        site keeps one spelling per name).
        """
        if len(names) > MAX_NAMES_PER_POST:
            self.error("tags", f"{len(names)} tags or categories; at most {MAX_NAMES_PER_POST} per post")
            return ()
        kept: dict[str, str] = {}
        for name in names:
            cleaned = " ".join(strip_forbidden(name).split())
            if cleaned:
                kept.setdefault(unicodedata.normalize("NFC", cleaned), cleaned)
        return tuple(kept.values())

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        flag = flag_value(value)
        if flag is None:
            self.error(key, f"{key}: expected true or false, got {describe(value)}")
            return default
        return flag

    def language(self) -> str | None:
        """A BCP 47 tag, from a tag or a Ruby/POSIX locale (`zh_CN.UTF-8` -> zh-CN).

        Anything else is a warning, not an error: Jekyll never reads `lang`, so a
        post is published without one rather than not at all.
        """
        value = self.data.get("lang")
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        tag = locale_to_language_tag(strip_forbidden(value)) if isinstance(value, str) else None
        if tag is None:
            self.warn("lang", f"lang: {describe(value)} is not a language tag (e.g. en, zh-CN); published without one")
        return tag

    def image(self) -> str | None:
        value = self.data.get("image")
        if not isinstance(value, dict):
            return self.text("image")
        url = image_url(value)
        if url is None:
            self.warn("image", "image: a mapping without path: or url:; published without an image")
        return strip_forbidden(url) if url else None

    def duration(self) -> str | None:
        """A podcast episode's length: whole seconds (YAML reads 3600 as a number) or [H:]MM:SS."""
        value = self.data.get("duration")
        if value is None:
            return None
        text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
        if not _DURATION.fullmatch(text):
            self.warn("duration", f"duration: {describe(value)} is not seconds or [H:]MM:SS; published without one")
            return None
        return text

    def explicit(self) -> bool | None:
        if "explicit" not in self.data:
            return None
        return self.flag("explicit", False)

    def own_id(self) -> str | None:
        value = self.data.get("id")
        if value is None:
            return None
        text = strip_forbidden(str(value)).strip()
        if not urlsplit(text).scheme:
            self.error(
                "id",
                f'id: "{text}" is not an absolute URI (Atom ids must be, e.g. urn:uuid:... or tag:example.com,2026:post-1)',
            )
        return text

    def url(self, key: str) -> str | None:
        text = self.text(key)
        if text and urlsplit(text).scheme not in ("http", "https"):
            self.error(key, f'{key}: "{text}" is not an absolute http(s) URL')
        return text or None

    def enclosures(self) -> list[tuple[str, int, str]]:
        """(url as written, length, media type) for each enclosure; RSS requires all three."""
        value = self.data.get("enclosure", self.data.get("enclosures"))
        key = "enclosure" if "enclosure" in self.data else "enclosures"
        if value is None:
            return []
        found = []
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                item = {"url": item}
            if not isinstance(item, dict) or not isinstance(item.get("url"), str) or not item["url"].strip():
                self.error(key, f"{key}: expected {{url, length, type}} (or a list of them), got {describe(item)}")
                continue
            length, media_type = item.get("length"), item.get("type")
            if isinstance(length, bool) or not isinstance(length, int) or length < 0:
                self.error(
                    key, f"{key}: {item['url']}: length is required, in bytes (RSS needs it), got {describe(length)}"
                )
            elif not isinstance(media_type, str) or "/" not in media_type:
                self.error(
                    key,
                    f"{key}: {item['url']}: type is required, a media type like audio/mpeg, got {describe(media_type)}",
                )
            else:
                found.append((item["url"].strip(), length, media_type.strip()))
        return found

    def slug(self) -> str:
        given = self.text("slug")
        stem = self.source.path.stem
        if date_from_filename(stem, self.tz) is not None:
            stem = stem[11:]
        slug = slugify(given if given else stem)
        if not slug:
            self.error(
                "slug" if given else None,
                f'slug: "{given or stem}" has no letter or digit to make a URL from; set slug:',
            )
        return slug

    def permalink(self, published: datetime, slug: str, categories: tuple[str, ...]) -> str:
        site_url = self.config.site.url
        own = self.text("permalink")
        if own:
            if ".." in own.split("/"):
                self.error("permalink", "permalink: must not contain '..'")
            return url_path(urljoin(site_url, own.lstrip("/")) if not urlsplit(own).scheme else own)
        local = published.astimezone(self.tz)
        pattern = self.config.permalink
        # Each placeholder made only when the pattern has it: most patterns have no {title} nor {category}.
        category = _category_slug(self.config, categories[0]) if categories and "{category}" in pattern else ""
        title = jekyll_title(self.text("slug") or file_slug(self.source.path)) if "{title}" in pattern else ""
        path = pattern.format(
            year=f"{local.year:04d}",
            month=f"{local.month:02d}",
            day=f"{local.day:02d}",
            slug=url_segment(slug),
            title=escape_path(title),
            category=url_segment(category),
        )
        while "//" in path:
            path = path.replace("//", "/")
        return site_url + path.lstrip("/")

    def jekyll_urls(self, published: datetime, categories: tuple[str, ...]) -> tuple[str, str]:
        """A Jekyll site's URL and jekyll-feed's id for this post (see sources.jekyll_posts)."""
        assert self.jekyll is not None, "only for a Jekyll site"
        try:
            # Jekyll reads every date into the site's zone (Utils.parse_date's localtime) before making the URL.
            local = published.astimezone(self.tz)
            return post_urls(self.config.site.url, self.jekyll, self.source.path, self.data, categories, local)
        except UnknownPlaceholder as err:
            self.error("permalink", f"permalink: {err} is not a placeholder Jekyll knows; Jekyll stops on it too")
            return self.config.site.url, self.config.site.url

    def post(self) -> Post | None:
        jekyll = self.jekyll is not None
        # jekyll-feed smartifies every title: `Jekyll's` is `Jekyll’s` in its feeds.
        title = smartify(self.title(), self.config.smart_quotes) if jekyll else self.title()
        published = self.published()
        # jekyll-feed's <updated> is last_modified_at or the date; `updated:` means nothing to it.
        updated_key = self.first_key(("last_modified_at",) if jekyll else ("updated", "last_modified_at"))
        updated = self.date(updated_key)
        categories, tags = (
            self.jekyll_taxonomies() if jekyll else (self.names("categories", "category"), self.names("tags"))
        )
        summary_key = self.first_key(_JEKYLL_SUMMARY_KEYS if jekyll else _SUMMARY_KEYS)
        summary = self.prose(summary_key) if summary_key else self.jekyll_excerpt()
        draft = self.flag("draft", False) or not self.published_flag() or "_drafts" in self.source.path.parts
        authors = self.authors()
        slug = "" if jekyll else self.slug()
        source_url, lang = self.url("source"), self.language()
        own_id = None if jekyll else self.own_id()  # jekyll-feed's id is Document#id, whatever `id:` says
        enclosures, image = self.enclosures(), self.image()
        if self.failed or published is None:
            return None
        if jekyll:
            permalink, entry_id = self.jekyll_urls(published, categories)
        else:
            permalink = self.permalink(published, slug, categories)
            entry_id = own_id or permalink
        if updated is not None and updated < published:
            self.problems.append(
                Problem(
                    self.source.path, self.line(updated_key), f"{updated_key}: is before date; using date", "warning"
                )
            )
            updated = None
        if self.failed:
            return None
        return Post(
            path=self.source.path,
            title=title,
            published=published,
            updated=updated or published,
            authors=authors,
            categories=categories,
            tags=tags,
            summary=summary or None,
            draft=draft,
            entry_id=entry_id,
            permalink=permalink,
            source_url=source_url,
            lang=lang or None,
            body=self.source.body,
            body_line=self.source.body_line,
            source_hash=self.source.sha,
            # Feed readers have no base URL: relative media URLs resolve against the post.
            enclosures=tuple(
                Enclosure(url_path(urljoin(permalink, url)), length, media_type)
                for url, length, media_type in enclosures
            ),
            image=url_path(urljoin(permalink, image)) if image else None,
            duration=self.duration(),
            explicit=self.explicit(),
            body_is_html=jekyll and self.source.path.suffix.lower() == ".html",
            collection=collection_of(self.jekyll, self.source.path) if self.jekyll else "posts",
            key_lines=tuple(
                (key, self.line(key))
                for key in ("tags", "categories", "category", "author", "authors", "lang", "id", "permalink")
                if key in self.source.front_matter.key_lines
            ),
        )


def _category_slug(config: Config, name: str) -> str:
    overrides = {name_key(k): v for k, v in config.category_slugs}
    return overrides.get(name_key(name)) or slugify(name)


def _undated_document(config: Config, source: SourceFile) -> bool:
    """A document of another collection (feed: collections) with no date anywhere.

    Jekyll dates such a document with the time of each build, so its entry would
    move on every run; a feed that must not change when nothing changed leaves it out.
    """
    assert config.jekyll is not None, "only for a Jekyll site"
    if collection_of(config.jekyll, source.path) == "posts" or jekyll_file_date(source.path, UTC) is not None:
        return False
    data = source.front_matter.data
    return not isinstance(data, dict) or data.get("date") is None


def _skipped_by_jekyll(source: SourceFile) -> bool:
    """A file in a `_posts` folder with no date in its name or front matter (`_posts/template.md`).

    Jekyll leaves such a file out without a word; outside `_posts`, the missing
    date stays an error, as it always was.
    """
    # Jekyll's file name date may have one-digit months and days (2016-1-8-post.md), as jekyll_file_date reads it.
    if "_posts" not in source.path.parts or jekyll_file_date(source.path, UTC) is not None:
        return False
    data = source.front_matter.data
    return not isinstance(data, dict) or data.get("date") is None


def _given_again(lines: list[int]) -> str:
    """`given twice (lines 2 and 5)`."""
    times = "twice" if len(lines) == 2 else f"{len(lines)} times"
    if len(set(lines)) == 1:
        return f"given {times} on line {lines[0]}"
    return f"given {times} (lines {', '.join(map(str, lines[:-1]))} and {lines[-1]})"
