"""`feedpub check`: the config, every post and the published feeds, validated without writing anything.

The published feeds are read by a real reader (feedparser) and, for Atom, the
RFC 4287 schema, when those libraries are installed; both are optional here,
so a missing one skips its part with a note instead of failing.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from feedpub.feeds import FILENAMES
from feedpub.model import Config, FeedSpec, Post, Problem, errors_in, warnings_in
from feedpub.plan import Hidden
from feedpub.publish.manifest import read_manifest
from feedpub.render.content import engine_of
from feedpub.sources.files import regular_file_bytes
from feedpub.sources.posts import with_body
from feedpub.tools.check_feeds import author_problems, textless_entries
from feedpub.tools.check_posts import post_warnings
from feedpub.tools.check_text import site_warnings, text_warnings
from feedpub.tools.listing import ScheduledRow, scheduled_rows

ATOM_SCHEMA = Path(__file__).parents[1] / "assets" / "atom.rng"
_ATOM_NS = "{http://www.w3.org/2005/Atom}"
# A broken template breaks every feed the same way: a few messages per file say enough.
MAX_SCHEMA_ERRORS = 5


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What `feedpub check` found; `notes` say which checks could not run.

    Scheduled posts and drafts are left out on purpose: they are told, never
    counted as problems, so they do not fail --strict.
    """

    problems: tuple[Problem, ...]
    notes: tuple[str, ...]
    posts: int  # posts some feed shows, each checked
    feeds: int  # feed documents a build would write (archive pages included)
    published: int  # feed files of the output folder that were validated
    scheduled: tuple[ScheduledRow, ...] = ()  # posts dated after --now, soonest first
    drafts_left_out: int = 0

    @property
    def errors(self) -> tuple[Problem, ...]:
        return errors_in(self.problems)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return warnings_in(self.problems)


def check_site(
    config: Config, feeds: list[FeedSpec], problems: list[Problem], hidden: Hidden | None = None
) -> CheckResult:
    """The verdict on a site: its problems, the check-only warnings, and the published feeds' validity.

    `feeds`, `problems` and `hidden` are what tools.discovery.planned_site returns; the
    posts those feeds show are the ones checked. Reads the output folder, writes nothing.
    """
    problems = list(problems) + site_warnings(config)
    posts = shown_posts(feeds)
    engine = engine_of(config)
    for post in posts:
        problems.extend(text_warnings(post, config.site))
        problems.extend(post_warnings(with_body(post, config), config.site, engine, config))
    problems.extend(normalisation_warnings(posts))
    files = published_feed_files(config, feeds)
    published, notes = validate_feed_files(config.output_dir, files)
    ordered = sorted(problems, key=lambda p: (str(p.path or ""), p.line or 0))
    return CheckResult(
        tuple(ordered + published),
        tuple(notes),
        len(posts),
        len(feeds),
        len(files),
        scheduled=tuple(scheduled_rows(hidden, config)) if hidden else (),
        drafts_left_out=hidden.drafts if hidden else 0,
    )


def normalisation_warnings(posts: list[Post]) -> list[Problem]:
    """Tag and category names that differ only in Unicode normalisation (NFC, NFD).

    They look identical, and feedpub makes them one feed, but they are
    different text: a search, or another tool, would see two names.
    """
    spellings: dict[tuple[str, str], dict[str, Post]] = {}
    for post in posts:
        for kind, names in (("tag", post.tags), ("category", post.categories)):
            for name in names:
                spellings.setdefault((kind, unicodedata.normalize("NFC", name)), {}).setdefault(name, post)
    problems = []
    for (kind, _), forms in sorted(spellings.items()):
        if len(forms) < 2:
            continue
        (first, first_post), (other, other_post) = list(forms.items())[:2]
        line = other_post.line_of("tags") if kind == "tag" else other_post.line_of("categories")
        message = (
            f'{kind} "{other}" differs from "{first}" ({first_post.path}) only in Unicode normalisation '
            f"({_form(other)} and {_form(first)}): feedpub makes them one {kind}; write them alike"
        )
        problems.append(Problem(other_post.path, line or other_post.line_of("category"), message, "warning"))
    return problems


def _form(name: str) -> str:
    return (
        "NFC"
        if unicodedata.is_normalized("NFC", name)
        else "NFD"
        if unicodedata.is_normalized("NFD", name)
        else "mixed"
    )


def shown_posts(feeds: list[FeedSpec]) -> list[Post]:
    """Each post some feed shows, once: the posts readers will see."""
    unique: dict[Path, Post] = {}
    for feed in feeds:
        for post in feed.entries:
            unique.setdefault(post.path, post)
    return sorted(unique.values(), key=lambda p: str(p.path))


def published_feed_files(config: Config, feeds: list[FeedSpec]) -> list[str]:
    """Feed files in the output folder (relative paths): those the manifest lists, and those a build would write.

    Only feedpub's own files: a sitemap.xml beside them is not a feed.
    """
    output = config.output_dir
    if not output.is_dir():
        return []
    names = set(FILENAMES.values())
    listed = {rel for rel in read_manifest(output) if rel.rsplit("/", 1)[-1] in names}
    planned = {feed.file(FILENAMES[fmt]) for feed in feeds for fmt in config.feeds.formats}
    root = output.resolve()
    return sorted(
        rel for rel in listed | planned if (output / rel).is_file() and (output / rel).resolve().is_relative_to(root)
    )


def validate_feed_files(output_dir: Path, files: list[str]) -> tuple[list[Problem], list[str]]:
    """Problems with the published feed files, and notes on the checks that could not run."""
    reader, schema, notes = _feedparser(), _atom_schema(), []
    if reader is None and any(rel.endswith(".xml") for rel in files):
        notes.append(
            "feedparser is not installed: published feeds were not read as a feed reader would (pip install feedparser)"
        )
    if schema is None and any(rel.endswith(".xml") for rel in files):
        notes.append("lxml is not installed: Atom feeds were not checked against the RFC 4287 schema")
    problems: list[Problem] = []
    for rel in files:
        path = output_dir / rel
        try:
            data = regular_file_bytes(path)
        except OSError as err:
            problems.append(Problem(path, None, f"cannot read: {err.strerror or err}"))
            continue
        if rel.endswith(".json"):
            problems.extend(json_feed_problems(path, data))
        else:
            problems.extend(xml_feed_problems(path, data, reader, schema))
    return _each_warning_once(problems), notes


def _each_warning_once(problems: list[Problem]) -> list[Problem]:
    """Every error, and each warning the first time its message comes.

    An entry that twenty tag feeds show is one warning: its message names the entry, not the file.
    """
    warned: set[str] = set()
    kept = []
    for problem in problems:
        if problem.severity == "warning" and problem.message in warned:
            continue
        warned.add(problem.message)
        kept.append(problem)
    return kept


def xml_feed_problems(path: Path, data: bytes, reader, schema) -> list[Problem]:
    """An Atom or RSS file as feedparser reads it (bozo must be 0), and Atom against RFC 4287: schema and rules."""
    if reader is not None:
        parsed = reader.parse(data)
        if parsed.bozo:
            error = parsed.get("bozo_exception")
            line = error.getLineNumber() if hasattr(error, "getLineNumber") else None
            return [Problem(path, line, f"a feed reader cannot read it: {error}")]
    if schema is None:
        return []
    from lxml import etree

    try:
        document = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as err:
        return [Problem(path, err.lineno, f"not well-formed XML: {err.msg}")]
    if document.tag != f"{_ATOM_NS}feed":
        return []
    rules = author_problems(path, document) + textless_entries(path, document)
    if schema.validate(document):
        return rules
    return [
        Problem(path, error.line, f"not valid Atom (RFC 4287 schema): {error.message}")
        for error in list(schema.error_log)[:MAX_SCHEMA_ERRORS]
    ] + rules


def json_feed_problems(path: Path, data: bytes) -> list[Problem]:
    """The parts of JSON Feed 1.1 a reader relies on (feedparser 6.0 does not read JSON Feed)."""
    try:
        feed = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        return [Problem(path, None, f"not UTF-8: {err}")]
    except json.JSONDecodeError as err:
        return [Problem(path, err.lineno, f"not valid JSON: {err.msg}")]
    if not isinstance(feed, dict) or not str(feed.get("version", "")).startswith("https://jsonfeed.org/version/"):
        return [Problem(path, None, 'not a JSON Feed: no "version": "https://jsonfeed.org/version/1.1"')]
    problems = []
    if not isinstance(feed.get("title"), str):
        problems.append(Problem(path, None, 'JSON Feed: "title" is required'))
    items = feed.get("items")
    if not isinstance(items, list):
        return problems + [Problem(path, None, 'JSON Feed: "items" must be a list')]
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            problems.append(Problem(path, None, f'JSON Feed: item {number} has no "id"'))
    return problems


def _feedparser():
    try:
        import feedparser
    except ImportError:
        return None
    return feedparser


def _atom_schema():
    try:
        from lxml import etree
    except ImportError:
        return None
    return etree.RelaxNG(etree.parse(str(ATOM_SCHEMA)))
