"""Compares feedpub's Jekyll site mode with real Jekyll + jekyll-feed on one Jekyll site: a report.

    python bench/jekyll_compare.py SITE_DIR [--jekyll-site DIR] [--feedpub CMD] [--keep WORKDIR]
        [--feedpub-arg ARG]... [--as-is] [--bare-layouts] [--pin-now] [--max-examples N] [--json]

SITE_DIR is a Jekyll site folder (the one with _config.yml). The reference is
what Jekyll itself publishes: --jekyll-site names a folder that Jekyll already
built from it with jekyll-feed and posts_limit raised; without it, this script
builds one, which needs `jekyll` and jekyll-feed (Debian: `apt-get install
jekyll ruby-jekyll-feed`; exit 2 without `jekyll`). It copies SITE_DIR to a
scratch folder and there:
  - writes _compare.yml: feed.posts_limit 100000 (Jekyll merges config files
    key by key, so the site's other feed: keys stay), plugins: the site's
    installed plugins plus jekyll-feed (not jekyll-github-metadata, which
    needs the network), theme: false if the theme's gem is missing;
  - sets aside a hand-written file where jekyll-feed would write (feed.xml,
    feed/<category>.xml), as jekyll-feed never writes over one;
  - deletes _plugins files that require Bundler;
then runs, without Bundler and with JEKYLL_ENV=production,

    jekyll build --config _config.yml,_compare.yml -d WORKDIR/jekyll_site

with Site#each_site_file made linear (RUBYOPT=-r: Jekyll 4.3 makes each
{% link %} cost files squared; same output). If that fails it tries again
with every layout reduced to {{ content }}, then with the pages' bodies
emptied: the feed only needs the posts (--bare-layouts starts with the
layouts reduced, which is faster). Each change is listed in the report.

Then it runs `feedpub build -c CONFIG -o WORKDIR/feedpub_out --no-cache
--allow-shrink [ARG...]`, feedpub being --feedpub CMD or the one beside this
Python, ARG each --feedpub-arg (e.g. --feedpub-arg=--keep-going), plus `--now`
at Jekyll's build time with --pin-now. CONFIG is the _config.yml of another
copy of SITE_DIR, as is but for `posts_limit: 100000` under feed: and the same
hand-written feed files set aside; --as-is gives SITE_DIR/_config.yml itself.

Both Atom feeds are read with lxml (a feed that is not well-formed only for
control characters XML forbids, which jekyll-feed copies from posts, is read
without them, with a warning). Entries are paired by alternate link, then by
<id>, then by a loose link (alike but for host case, repeated slashes,
%-encoding, a trailing / or .html). The Markdown report (--json: the same
figures as JSON) gives the posts on each side; how many links, ids, published
and updated instants (as aware datetimes) and titles (as shown, whitespace
normalised) are identical; up to --max-examples examples of each difference;
the same for informational fields (published as written, categories, author
name, summary present, xml:lang); entries on one side only; which category,
tag and collection feeds each side wrote and whether they hold the same
entries; feed-level elements; and Jekyll's warnings.

Exit 0 whenever the comparison ran, whatever it found and whatever feedpub's
exit code (shown in the report); 1 if the reference build failed (its log is
in WORKDIR: rerun with --keep WORKDIR to fix the copy by hand, then pass
--jekyll-site); 2 on usage errors. WORKDIR is --keep's folder, kept, else a
temporary one.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

ATOM = "http://www.w3.org/2005/Atom"
NS = {"a": ATOM}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
POSTS_LIMIT = 100000
# Plugins that reach the network while building (no network here, or a slow one): left out.
NETWORK_PLUGINS = {"jekyll-github-metadata", "jekyll-remote-theme"}
# Fields whose differences make an entry "differ"; then fields shown for information only.
CORE_FIELDS = ("link", "id", "published", "updated", "title")
INFO_FIELDS = ("published_text", "categories", "author", "summary", "lang")
COPY_IGNORE = shutil.ignore_patterns(
    ".git", "_site", ".jekyll-cache", ".jekyll-metadata", ".sass-cache", "node_modules"
)

# Reads the site's config the way Jekyll does and says which plugins and theme can be loaded.
SITE_INFO_RUBY = r"""
require "json"
require "jekyll"
cfg = begin
  Jekyll::Configuration.new.read_config_file(ARGV[0])
rescue StandardError => e
  warn "jekyll_compare: cannot read #{ARGV[0]}: #{e.message}"
  {}
end
ok = []
missing = []
Array(cfg["plugins"]).map(&:to_s).each do |name|
  begin
    require name
    ok << name
  rescue LoadError, StandardError
    missing << name
  end
end
theme = cfg["theme"]
theme_ok = theme.is_a?(String) && !Gem::Specification.find_all_by_name(theme).empty?
puts JSON.generate(
  "jekyll_version" => Jekyll::VERSION,
  "feed" => cfg["feed"].is_a?(Hash) ? cfg["feed"] : {},
  "plugins_ok" => ok, "plugins_missing" => missing,
  "theme" => theme, "theme_ok" => theme_ok
)
"""


# Loaded with RUBYOPT=-r before Jekyll runs: Jekyll 4.3's Site#each_site_file keeps the files it saw in
# an Array, so each {% link %} costs files squared (a 4,700-post site took over 20 minutes). The same
# files in the same order, with a Set of the objects seen.
LINEAR_SITE_FILES_RUBY = r"""
require "set"
require "jekyll"
Jekyll::Site.class_eval do
  def each_site_file
    seen = Set.new.compare_by_identity
    %w(pages static_files_to_write docs_to_write).each do |type|
      send(type).each do |item|
        next unless seen.add?(item)

        yield item
      end
    end
  end
end
"""


@dataclass
class Feed:
    """One Atom feed as read: feed-level values, entries, or why it could not be read."""

    path: Path
    meta: dict = field(default_factory=dict)
    entries: list[dict] = field(default_factory=list)
    error: str | None = None
    warning: str | None = None


@dataclass
class FeedpubRun:
    command: list[str]
    exit_code: int | None
    stderr: str


# ---------------------------------------------------------------- arguments


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Compare feedpub's Jekyll site mode with Jekyll + jekyll-feed on one site (a report, not a test).",
    )
    parser.add_argument("site_dir", type=Path, help="a Jekyll site folder, the one with _config.yml")
    parser.add_argument(
        "--jekyll-site", type=Path, help="a folder Jekyll already built from SITE_DIR (else built here)"
    )
    parser.add_argument("--feedpub", help="the feedpub command (default: the feedpub beside this Python)")
    parser.add_argument(
        "--feedpub-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="one more argument for `feedpub build`, e.g. --feedpub-arg=--keep-going (repeatable)",
    )
    parser.add_argument("--keep", type=Path, metavar="WORKDIR", help="keep the scratch copy and both outputs here")
    parser.add_argument(
        "--bare-layouts",
        action="store_true",
        help="build the reference with every layout replaced by {{ content }} (faster)",
    )
    parser.add_argument(
        "--as-is", action="store_true", help="run feedpub on SITE_DIR/_config.yml itself (its own posts_limit)"
    )
    parser.add_argument("--pin-now", action="store_true", help="give feedpub --now set to Jekyll's build time")
    parser.add_argument("--max-examples", type=int, default=10, help="examples shown per kind of difference")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of Markdown")
    return parser.parse_args(argv)


def usage_error(message: str) -> int:
    print(f"jekyll_compare: {message}", file=sys.stderr)
    return 2


def config_file(site_dir: Path) -> Path | None:
    for name in ("_config.yml", "_config.yaml"):
        if (site_dir / name).is_file():
            return site_dir / name
    return None


def feedpub_command(option: str | None) -> list[str]:
    if option:
        return shlex.split(option)
    return [str(Path(sys.executable).parent / "feedpub")]


# ---------------------------------------------------------------- the reference build


def site_info(config: Path) -> dict | None:
    """The site's feed: config, loadable and missing plugins, theme; None without Ruby and Jekyll."""
    if not shutil.which("ruby"):
        return None
    done = subprocess.run(
        ["ruby", "-e", SITE_INFO_RUBY, str(config)], capture_output=True, text=True, cwd=config.parent
    )
    if done.returncode != 0:
        print(f"jekyll_compare: could not read the config with Jekyll:\n{done.stderr.strip()}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def feed_paths_asked(info: dict | None) -> dict:
    """What the site's feed: config asks jekyll-feed for: main path, categories, collections, tags."""
    feed = (info or {}).get("feed") or {}
    collections = feed.get("collections") or {}
    if isinstance(collections, list):
        collections = {name: {} for name in collections}
    return {
        "path": str(feed.get("path") or "/feed.xml").lstrip("/"),
        "categories": [str(c) for c in feed.get("categories") or []],
        "collections": {str(k): v or {} for k, v in collections.items()} if isinstance(collections, dict) else {},
        "tags": feed.get("tags"),
    }


def compare_config(info: dict) -> dict:
    """The _compare.yml written beside _config.yml (JSON is YAML)."""
    plugins = [p for p in info["plugins_ok"] if p not in NETWORK_PLUGINS]
    if "jekyll-feed" not in plugins:
        plugins.append("jekyll-feed")
    extra: dict = {"feed": {"posts_limit": POSTS_LIMIT}, "plugins": plugins}
    if info.get("theme") and not info.get("theme_ok"):
        extra["theme"] = False  # a null would not override: Jekyll merges a nil as "keep the old value"
    if "jekyll-gist" in plugins:
        extra["gist"] = {"noscript": False}  # else each {% gist %} fetches the gist
    return extra


def describe_changes(info: dict, extra: dict) -> list[str]:
    changes = [f"_compare.yml: feed.posts_limit {POSTS_LIMIT}; plugins {extra['plugins']}"]
    for name in info["plugins_missing"]:
        changes.append(f"plugin {name} left out: not installed")
    for name in sorted(set(info["plugins_ok"]) & NETWORK_PLUGINS):
        changes.append(f"plugin {name} left out: it reaches the network")
    if extra.get("theme") is False:
        changes.append(f"theme {info['theme']} turned off: its gem is not installed")
    if "gist" in extra:
        changes.append("gist.noscript false: no gist fetched")
    return changes


def set_aside_own_feeds(scratch: Path, asked: dict) -> list[str]:
    """Moves away hand-written files where jekyll-feed would write, as it never writes over one."""
    paths = [asked["path"]] + [f"feed/{c}.xml" for c in asked["categories"]]
    changes = []
    for rel in paths:
        own = scratch / rel
        if own.is_file():
            own.rename(own.with_name(f"_{own.name}.site-own"))  # a leading _ keeps Jekyll off it
            changes.append(
                f"the site's own {rel} set aside (renamed _{own.name}.site-own) so that jekyll-feed writes {rel}"
            )
    return changes


def drop_bundler_plugins(scratch: Path) -> list[str]:
    """Deletes _plugins files that set up Bundler: this build runs without it, on the installed gems."""
    changes = []
    for path in sorted((scratch / "_plugins").rglob("*.rb")) if (scratch / "_plugins").is_dir() else []:
        if re.search(r"""require\s*\(?\s*["']bundler""", path.read_text(encoding="utf-8", errors="replace")):
            path.unlink()
            changes.append(f"{path.relative_to(scratch)} deleted: it requires Bundler")
    return changes


def bare_layouts(scratch: Path) -> list[str]:
    """Replaces every layout by `{{ content }}`: the feed only needs the posts' own content."""
    layouts = sorted((scratch / "_layouts").glob("*.*")) if (scratch / "_layouts").is_dir() else []
    for layout in layouts:
        layout.write_text("{{ content }}\n", encoding="utf-8")
    return (
        [f"after a failed build: the {len(layouts)} layouts in _layouts replaced by `{{{{ content }}}}`"]
        if layouts
        else []
    )


FRONT_MATTER = re.compile(rb"\A---[ \t]*\r?\n.*?^(?:---|\.\.\.)[ \t]*\r?$", re.DOTALL | re.MULTILINE)


def blank_pages(scratch: Path) -> list[str]:
    """Empties the pages (files with front matter outside _ folders) but keeps their front matter,
    so that {% link %} still finds them: the feed only needs the posts."""
    count = 0
    for path in scratch.rglob("*"):
        parts = path.relative_to(scratch).parts
        if not path.is_file() or path.is_symlink() or any(p.startswith(("_", ".")) for p in parts):
            continue
        data = path.read_bytes()
        if data[:3] == b"---" and (front := FRONT_MATTER.match(data)):
            path.write_bytes(front.group(0) + b"\n")
            count += 1
    return (
        [f"after a failed build: the bodies of the {count} pages (files with front matter outside _ folders) emptied"]
        if count
        else []
    )


def run_jekyll(scratch: Path, dest: Path, config: Path) -> tuple[bool, str]:
    patch = scratch.parent / "linear_site_files.rb"
    patch.write_text(LINEAR_SITE_FILES_RUBY, encoding="utf-8")
    rubyopt = f"{os.environ.get('RUBYOPT', '')} -r{patch}".strip()
    env = dict(os.environ, JEKYLL_NO_BUNDLER_REQUIRE="true", JEKYLL_ENV="production", RUBYOPT=rubyopt)
    env.pop("BUNDLE_GEMFILE", None)
    # No -s: a `source:` in the site's config (twbs/blog's `source: src`) is where Jekyll reads posts from.
    command = ["jekyll", "build", "-d", str(dest), "--config", f"{config.name},_compare.yml"]
    done = subprocess.run(command, cwd=scratch, env=env, capture_output=True, text=True)
    return done.returncode == 0, done.stdout + done.stderr


def build_reference(
    site_dir: Path, config: Path, work: Path, info: dict, bare: bool = False
) -> tuple[Path | None, list[str], str]:
    """Copies the site, builds it with Jekyll + jekyll-feed; (output folder or None, changes, log).

    A build that fails is tried again with bare layouts, then also without pages:
    layouts and pages often need plugins or data that are not here."""
    scratch, dest = work / "site", work / "jekyll_site"
    for old in (scratch, dest):
        shutil.rmtree(old, ignore_errors=True)
    shutil.copytree(site_dir, scratch, symlinks=True, ignore=COPY_IGNORE)
    extra = compare_config(info)
    (scratch / "_compare.yml").write_text(json.dumps(extra, indent=2) + "\n", encoding="utf-8")
    changes = describe_changes(info, extra)
    changes += set_aside_own_feeds(scratch, feed_paths_asked(info)) + drop_bundler_plugins(scratch)
    changes.append("run without Bundler (JEKYLL_NO_BUNDLER_REQUIRE=true), JEKYLL_ENV=production")
    changes.append("Site#each_site_file made linear (RUBYOPT=-r linear_site_files.rb): speed only, same output")
    if bare:
        changes += [c.replace("after a failed build", "--bare-layouts") for c in bare_layouts(scratch)]
    ok, log = run_jekyll(scratch, dest, config)
    logs = [log]
    for fallback in (blank_pages,) if bare else (bare_layouts, blank_pages):
        if ok:
            break
        if retry := fallback(scratch):
            changes += retry
            ok, log = run_jekyll(scratch, dest, config)
            logs.append(log)
    (work / "jekyll_build.log").write_text("\n==== next attempt ====\n".join(logs), encoding="utf-8")
    return (dest if ok else None), changes, log


def jekyll_warnings(log: str) -> list[str]:
    """Lines of Jekyll's build log worth a look: skipped or invalid posts, errors, warnings."""
    pattern = re.compile(r"skipp|invalid|error|exception|warn|does not|conflict|deprecat", re.IGNORECASE)
    noise = re.compile(r"Layout '[^']*' requested in .* does not exist")  # expected with bare layouts or no theme
    lines = (re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in log.splitlines())
    return [line for line in lines if pattern.search(line) and not noise.search(line)]


# ---------------------------------------------------------------- feedpub


def raise_posts_limit(text: str) -> str | None:
    """The config text with feed.posts_limit set to POSTS_LIMIT, all else as written; None if its feed: is not a block."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if re.match(r"feed:\s*(#.*)?$", line)), None)
    if start is None:
        if any(re.match(r"feed\s*:", line) for line in lines):
            return None  # feed: {...} or a scalar: leave it to the reader of the report
        return text.rstrip("\n") + f"\nfeed:\n  posts_limit: {POSTS_LIMIT}\n"
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"[^\s#]", lines[i])), len(lines))
    children = [line for line in lines[start + 1 : end] if line.strip() and not line.lstrip().startswith("#")]
    indent = re.match(r"\s*", children[0]).group(0) if children else "  "
    body = [line for line in lines[start + 1 : end] if not re.match(rf"{indent}posts_limit\s*:", line)]
    new = [*lines[: start + 1], f"{indent}posts_limit: {POSTS_LIMIT}", *body, *lines[end:]]
    return "\n".join(new) + "\n"


def feedpub_site(site_dir: Path, config: Path, work: Path, asked: dict, as_is: bool) -> tuple[Path, str]:
    """The config feedpub reads: a copy of the site prepared as the reference was: feed.posts_limit
    raised, hand-written files at jekyll-feed's paths set aside. Unless as_is, or the config's feed:
    cannot be edited as text: then the site's own config."""
    if as_is:
        return config, "the site's own config, as is (feed.posts_limit as the site sets it, default 10)"
    raised = raise_posts_limit(config.read_text(encoding="utf-8"))
    if raised is None:
        return (
            config,
            f"the site's own config: its feed: is not a block mapping, so posts_limit {POSTS_LIMIT} could not be added",
        )
    copy = work / "feedpub_site"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site_dir, copy, symlinks=True, ignore=COPY_IGNORE)
    (copy / config.name).write_text(raised, encoding="utf-8")
    changes = [f"{config.name} with feed.posts_limit {POSTS_LIMIT} added (as the reference's _compare.yml)"]
    changes += set_aside_own_feeds(copy, asked)
    return copy / config.name, "a copy of the site, all as is but: " + "; ".join(changes)


def run_feedpub(command: list[str], config: Path, out: Path, now: str | None, extra: list[str]) -> FeedpubRun:
    shutil.rmtree(out, ignore_errors=True)
    full = [*command, "build", "-c", str(config), "-o", str(out), "--no-cache", "--allow-shrink", *extra]
    if now:
        full += ["--now", now]
    try:
        done = subprocess.run(full, capture_output=True, text=True)
    except OSError as error:
        return FeedpubRun(full, None, f"could not run: {error}")
    return FeedpubRun(full, done.returncode, done.stderr)


# ---------------------------------------------------------------- reading Atom


def parse_instant(text: str | None) -> datetime | None:
    """An RFC 3339 date-time as an aware datetime, or None if it is not one."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def display_text(element: etree._Element | None) -> str | None:
    """What an Atom text construct shows, whitespace normalised (type html is unescaped once)."""
    if element is None:
        return None
    kind = element.get("type", "text")
    text = "".join(element.itertext()) if kind == "xhtml" else (element.text or "")
    if kind == "html":
        text = html.unescape(text)
    return " ".join(text.split())


def alternate_link(element: etree._Element) -> str | None:
    for link in element.findall("a:link", NS):
        if link.get("rel", "alternate") == "alternate":
            return link.get("href")
    return None


def read_entry(entry: etree._Element) -> dict:
    author = entry.find("a:author/a:name", NS)
    link = alternate_link(entry)
    return {
        "link": link,
        "loose_link": loose_link(link),
        "id": (entry.findtext("a:id", namespaces=NS) or "").strip() or None,
        "published": entry.findtext("a:published", namespaces=NS),
        "published_text": entry.findtext("a:published", namespaces=NS),  # the same, compared as text
        "updated": entry.findtext("a:updated", namespaces=NS),
        "title": display_text(entry.find("a:title", NS)),
        "categories": sorted(c.get("term", "") for c in entry.findall("a:category", NS)),
        "author": (author.text or "").strip() if author is not None else None,
        "summary": entry.find("a:summary", NS) is not None,
        "lang": entry.get(XML_LANG),
    }


def read_meta(root: etree._Element) -> dict:
    links = {link.get("rel", "alternate"): link.get("href") for link in root.findall("a:link", NS)}
    return {
        "id": (root.findtext("a:id", namespaces=NS) or "").strip() or None,
        "title": display_text(root.find("a:title", NS)),
        "subtitle": display_text(root.find("a:subtitle", NS)),
        "updated": root.findtext("a:updated", namespaces=NS),
        "author": root.findtext("a:author/a:name", namespaces=NS),
        "link self": links.get("self"),
        "link alternate": links.get("alternate"),
        "xml:lang": root.get(XML_LANG),
    }


XML_FORBIDDEN = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters XML 1.0 forbids


def parse_xml(path: Path) -> tuple[etree._Element | None, str | None, str | None]:
    """(root, warning, error): a feed that is not well-formed only for forbidden control characters
    (jekyll-feed copies them from the posts) is read without them, with a warning."""
    parser = etree.XMLParser(resolve_entities=False, huge_tree=True)
    data = path.read_bytes()
    try:
        return etree.fromstring(data, parser), None, None
    except etree.XMLSyntaxError as error:
        first = f"{error.msg.splitlines()[0]}, line {error.lineno}"
    cleaned, count = XML_FORBIDDEN.subn(b"", data)
    if count:
        try:
            root = etree.fromstring(cleaned, parser)
        except etree.XMLSyntaxError:
            pass
        else:
            return (
                root,
                f"not well-formed XML ({first}): read after removing {count} control characters XML forbids",
                None,
            )
    return None, None, f"not well-formed XML: {first}"


def read_feed(path: Path) -> Feed:
    feed = Feed(path)
    if not path.is_file():
        feed.error = f"no file {path}"
        return feed
    root, feed.warning, feed.error = parse_xml(path)
    if root is None:
        return feed
    if root.tag != f"{{{ATOM}}}feed":
        feed.error = f"not an Atom feed (root element {root.tag})"
        return feed
    feed.meta = read_meta(root)
    feed.entries = [read_entry(e) for e in root.findall("a:entry", NS)]
    return feed


# ---------------------------------------------------------------- matching and comparing


def index_by_keys(entries: list[dict], key: str) -> list[str | None]:
    """Each entry's value of one field, in order; a repeated value gets ' #2', ' #3'... so that none is lost."""
    seen: dict[str, int] = {}
    keys: list[str | None] = []
    for entry in entries:
        value = entry.get(key)
        if not value:
            keys.append(None)
            continue
        seen[value] = seen.get(value, 0) + 1
        keys.append(value if seen[value] == 1 else f"{value} #{seen[value]}")
    return keys


def loose_link(link: str | None) -> str | None:
    """A link with its differences of form ironed out: case of scheme and host, repeated slashes,
    percent-encoding, a trailing / or .html. Pairs entries whose links differ only so."""
    if not link:
        return None
    parts = urlsplit(link)
    path = re.sub(r"/{2,}", "/", unquote(parts.path)).removesuffix("/").removesuffix(".html")
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}"


MATCH_KEYS = ("link", "id", "loose_link")


def match_entries(
    jekyll: list[dict], feedpub: list[dict]
) -> tuple[list[tuple[dict, dict]], list[dict], list[dict], dict]:
    """Pairs (jekyll, feedpub) by alternate link, the rest by <id>, the rest by loose link; then each
    side's leftovers and how many pairs each key made."""
    pairs: list[tuple[dict, dict]] = []
    by_key: dict[str, int] = {}
    jekyll_left, feedpub_left = list(jekyll), list(feedpub)
    for key in MATCH_KEYS:
        index = {k: e for k, e in zip(index_by_keys(feedpub_left, key), feedpub_left, strict=True) if k}
        used, unmatched = set(), []
        for entry, k in zip(jekyll_left, index_by_keys(jekyll_left, key), strict=True):
            other = index.get(k) if k else None
            if other is None:
                unmatched.append(entry)
                continue
            pairs.append((entry, other))
            used.add(id(other))
        by_key[key] = len(jekyll_left) - len(unmatched)
        jekyll_left, feedpub_left = unmatched, [e for e in feedpub_left if id(e) not in used]
    return pairs, jekyll_left, feedpub_left, by_key


def same(name: str, a: object, b: object) -> bool:
    if name in ("published", "updated"):
        da, db = parse_instant(a), parse_instant(b)  # type: ignore[arg-type]
        return da == db if da and db else a == b
    return a == b


def compare_pairs(pairs: list[tuple[dict, dict]], limit: int) -> dict:
    """Counts of identical values per field, examples of differences, and entries differing in a core field."""
    identical = {name: 0 for name in CORE_FIELDS + INFO_FIELDS}
    examples: dict[str, list[dict]] = {name: [] for name in CORE_FIELDS + INFO_FIELDS}
    differing = 0
    for jekyll, feedpub in pairs:
        core_diff = False
        for name in CORE_FIELDS + INFO_FIELDS:
            if same(name, jekyll[name], feedpub[name]):
                identical[name] += 1
                continue
            core_diff = core_diff or name in CORE_FIELDS
            if len(examples[name]) < limit:
                examples[name].append(
                    {"entry": jekyll["link"] or jekyll["id"], "jekyll": jekyll[name], "feedpub": feedpub[name]}
                )
        differing += core_diff
    return {"identical": identical, "examples": examples, "differing": differing}


def compare_meta(jekyll: dict, feedpub: dict) -> list[dict]:
    rows = []
    for name, value in jekyll.items():
        other = feedpub.get(name)
        rows.append(
            {
                "element": name,
                "jekyll": value,
                "feedpub": other,
                "same": same("updated" if name == "updated" else name, value, other),
            }
        )
    return rows


# ---------------------------------------------------------------- category, tag and collection feeds


def atom_files(folder: Path | None) -> dict[str, list[str]]:
    """Every Atom feed under a folder, by relative path, with its entries' alternate links (else ids), sorted."""
    found: dict[str, list[str]] = {}
    if folder is None or not folder.is_dir():
        return found
    for path in sorted(folder.rglob("*.xml")):
        with path.open("rb") as handle:
            if b"<feed" not in handle.read(2048):
                continue
        feed = read_feed(path)
        if feed.error is None:
            found[path.relative_to(folder).as_posix()] = sorted(e["link"] or e["id"] or "" for e in feed.entries)
    return found


def side_feeds(jekyll_dir: Path, feedpub_dir: Path | None, asked: dict) -> dict:
    """The extra feeds the config asked for, and the Atom feeds each side wrote besides the main one."""
    jekyll_feeds = atom_files(jekyll_dir)
    feedpub_feeds = atom_files(feedpub_dir)
    for side in (jekyll_feeds, feedpub_feeds):
        side.pop(asked["path"], None)
    wanted = [f"feed/{c}.xml" for c in asked["categories"]]
    for name, meta in asked["collections"].items():
        if name != "posts":
            wanted.append(f"feed/{name}.xml")
            wanted += [f"feed/{name}/{c}.xml" for c in (meta or {}).get("categories") or []]
    tags = asked["tags"]
    tag_dir = (tags.get("path") if isinstance(tags, dict) else None) or "/feed/by_tag/"
    rows = []
    for rel in sorted(set(wanted) | set(jekyll_feeds)):
        jekyll, feedpub = jekyll_feeds.get(rel), feedpub_feeds.get(rel)
        rows.append(
            {
                "path": rel,
                "asked": rel in wanted or bool(tags and rel.startswith(tag_dir.lstrip("/"))),
                "jekyll": None if jekyll is None else len(jekyll),
                "feedpub": None if feedpub is None else len(feedpub),
                "same_entries": None if None in (jekyll, feedpub) else jekyll == feedpub,
            }
        )
    return {
        "asked": {"categories": asked["categories"], "collections": sorted(asked["collections"]), "tags": tags},
        "rows": rows,
        "feedpub_only": sorted(set(feedpub_feeds) - set(jekyll_feeds)),
    }


# ---------------------------------------------------------------- the report


def make_report(site_dir: Path, jekyll: Feed, feedpub: Feed, run: FeedpubRun, extras: dict, limit: int) -> dict:
    pairs, only_jekyll, only_feedpub, matched_by = match_entries(jekyll.entries, feedpub.entries)
    compared = compare_pairs(pairs, limit)
    total = len(jekyll.entries)
    return {
        "site": site_label(site_dir),
        "site_dir": str(site_dir),
        "jekyll_feed": str(jekyll.path),
        "jekyll_error": jekyll.error,
        "feedpub_feed": str(feedpub.path),
        "feedpub_error": feedpub.error,
        "jekyll_warning": jekyll.warning,
        "feedpub_warning": feedpub.warning,
        "feedpub_command": shlex.join(run.command),
        "feedpub_exit_code": run.exit_code,
        "feedpub_stderr": run.stderr,
        "posts_jekyll": total,
        "posts_feedpub": len(feedpub.entries),
        "matched": len(pairs),
        "matched_by": matched_by,
        "identical": compared["identical"],
        "percent": {k: round(100 * v / total, 1) if total else None for k, v in compared["identical"].items()},
        "differing": compared["differing"] + len(only_jekyll),
        "examples": compared["examples"],
        "only_jekyll": [e["link"] or e["id"] for e in only_jekyll],
        "only_feedpub": [e["link"] or e["id"] for e in only_feedpub],
        "feed_level": compare_meta(jekyll.meta, feedpub.meta) if not jekyll.error else [],
        **extras,
    }


def cell(value: object) -> str:
    """A table cell: an absent value shows as (absent), an empty string as \"\"."""
    if value is None:
        return "(absent)"
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, (list, bool)) or value == "" else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def site_label(site_dir: Path) -> str:
    """The site's folder name, with its parent's when the name says nothing (src, docs, jekyll...)."""
    if site_dir.name == "src":
        return site_dir.parent.name
    if site_dir.name in ("docs", "site", "jekyll", "website", "blog"):
        return f"{site_dir.parent.name}/{site_dir.name}"
    return site_dir.name


def count_cell(report: dict, name: str) -> str:
    pct = report["percent"][name]
    return f"{report['identical'][name]} ({pct}%)" if pct is not None else str(report["identical"][name])


def markdown_summary(report: dict) -> list[str]:
    heads = [
        "site",
        "posts (Jekyll)",
        "posts (feedpub)",
        "links identical",
        "ids identical",
        "published identical",
        "updated identical",
        "titles identical",
        "entries differing",
    ]
    values = (
        [report["site"], report["posts_jekyll"], report["posts_feedpub"]]
        + [count_cell(report, n) for n in CORE_FIELDS]
        + [report["differing"]]
    )
    return [
        "| " + " | ".join(heads) + " |",
        "|" + "---|" * len(heads),
        "| " + " | ".join(cell(v) for v in values) + " |",
        "",
        "Percentages are of the posts in Jekyll's feed; a post found only in Jekyll's feed counts as differing.",
        "Entries paired by alternate link: {link}; then by <id>: {id}; then by loose link (the same but for "
        "case of host, repeated slashes, %-encoding, a trailing / or .html): {loose_link}.".format(
            **report["matched_by"]
        ),
        "Other fields (informational, not counted above): "
        + ", ".join(f"{n} identical {count_cell(report, n)}" for n in INFO_FIELDS)
        + f", of {report['matched']} matched entries.",
    ]


def markdown_examples(report: dict) -> list[str]:
    lines = []
    for name in CORE_FIELDS + INFO_FIELDS:
        rows = report["examples"][name]
        if not rows:
            continue
        lines += [
            "",
            f"### {name} differs ({report['matched'] - report['identical'][name]} entries; up to {len(rows)} shown)",
            "",
            "| entry (Jekyll's link) | Jekyll | feedpub |",
            "|---|---|---|",
        ]
        lines += [f"| {cell(r['entry'])} | {cell(r['jekyll'])} | {cell(r['feedpub'])} |" for r in rows]
    return lines


def markdown_list(title: str, items: list[str], limit: int) -> list[str]:
    if not items:
        return []
    lines = ["", f"### {title} ({len(items)})", ""] + [f"- {item}" for item in items[:limit]]
    if len(items) > limit:
        lines.append(f"- ... and {len(items) - limit} more")
    return lines


def side_feed_summary(rows: list[dict]) -> str:
    same = sum(r["same_entries"] is True for r in rows)
    counts = sum(r["same_entries"] is False for r in rows)
    no_feedpub = sum(r["jekyll"] is not None and r["feedpub"] is None for r in rows)
    no_jekyll = sum(r["jekyll"] is None for r in rows)
    return (
        f"{len(rows)} feeds besides the main one (written by Jekyll or asked by the config): {same} on both sides "
        f"with the same entries (by link), {counts} with different entries, {no_feedpub} missing from feedpub's "
        f"output, {no_jekyll} asked but not written by Jekyll."
    )


def markdown_side_feeds(report: dict, limit: int) -> list[str]:
    side = report.get("side_feeds")
    if not side:
        return []
    asked = {k: json.dumps(v, ensure_ascii=False) for k, v in side["asked"].items()}
    lines = [
        "",
        "### Category, tag and collection feeds",
        "",
        f"The site's feed: config asks for categories {asked['categories']}, collections {asked['collections']}, tags {asked['tags']}.",
    ]
    if not side["rows"]:
        lines += ["", "Jekyll wrote no Atom feed besides the main one."]
    else:
        lines += ["", side_feed_summary(side["rows"])]
        unequal = [r for r in side["rows"] if not r["same_entries"]]
        if unequal:
            lines += [
                "",
                f"Those that differ (up to {limit} shown):",
                "",
                "| file | asked by config | entries (Jekyll) | entries (feedpub) |",
                "|---|---|---|---|",
            ]
            lines += [
                f"| {cell(r['path'])} | {'yes' if r['asked'] else 'no'} | {'missing' if r['jekyll'] is None else r['jekyll']} | {'missing' if r['feedpub'] is None else r['feedpub']} |"
                for r in unequal[:limit]
            ]
    lines += markdown_list("Atom feeds only feedpub wrote", side["feedpub_only"], limit)
    return lines


def markdown_feed_level(report: dict) -> list[str]:
    rows = report["feed_level"]
    if not rows:
        return []
    lines = ["", "### Feed-level elements", "", "| element | Jekyll | feedpub | same |", "|---|---|---|---|"]
    return lines + [
        f"| {r['element']} | {cell(r['jekyll'])} | {cell(r['feedpub'])} | {'yes' if r['same'] else 'no'} |"
        for r in rows
    ]


def markdown_header(report: dict) -> list[str]:
    lines = [
        f"## jekyll-feed vs feedpub: {report['site']}",
        "",
        f"- site: `{report['site_dir']}`",
        f"- Jekyll's feed: `{report['jekyll_feed']}`",
    ]
    for change in report.get("reference_changes") or []:
        lines.append(f"  - reference build: {change}")
    lines += [f"- feedpub: `{report['feedpub_command']}` exited {report['feedpub_exit_code']}"]
    if report.get("feedpub_input"):
        lines.append(f"  - feedpub read {report['feedpub_input']}")
    lines += [f"- **note**: {note}" for note in report.get("notes") or []]
    for key, label in (("jekyll_error", "Jekyll's feed"), ("feedpub_error", "feedpub's feed")):
        if report[key]:
            lines.append(f"- **{label} could not be read**: {report[key]}")
    for key, label in (("jekyll_warning", "Jekyll's feed"), ("feedpub_warning", "feedpub's feed")):
        if report[key]:
            lines.append(f"- **{label}** is {report[key]}")
    if report["feedpub_exit_code"] != 0 and report["feedpub_stderr"].strip():
        tail = report["feedpub_stderr"].strip().splitlines()[-20:]
        lines += ["", "feedpub's stderr (last lines):", "", "```", *tail, "```"]
    return lines + [""]


def render_markdown(report: dict, limit: int) -> str:
    lines = markdown_header(report) + markdown_summary(report) + markdown_examples(report)
    lines += markdown_list("Only in Jekyll's feed", report["only_jekyll"], limit)
    lines += markdown_list("Only in feedpub's feed", report["only_feedpub"], limit)
    lines += markdown_side_feeds(report, limit) + markdown_feed_level(report)
    lines += markdown_list("Jekyll build log lines worth a look", report.get("jekyll_warnings") or [], limit)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- main


def reference(args: argparse.Namespace, config: Path, work: Path, info: dict | None) -> tuple[Path | None, dict]:
    """The folder Jekyll built (given or built now) and what the report says about it; None if the build failed."""
    if args.jekyll_site:
        return args.jekyll_site.resolve(), {}
    assert info is not None
    print(f"jekyll_compare: building the reference with Jekyll {info['jekyll_version']} in {work} ...", file=sys.stderr)
    built, changes, log = build_reference(args.site_dir, config, work, info, args.bare_layouts)
    if built is None:
        errors = [line for line in jekyll_warnings(log) if re.search(r"error|exception", line, re.IGNORECASE)]
        tail = "\n".join(errors[-10:] or log.strip().splitlines()[-30:])
        print(
            f"jekyll_compare: the reference build failed (log: {work / 'jekyll_build.log'}):\n{tail}", file=sys.stderr
        )
        if not args.keep:
            print(
                "jekyll_compare: rerun with --keep WORKDIR to fix the scratch copy by hand, then pass --jekyll-site",
                file=sys.stderr,
            )
    return built, {"reference_changes": changes, "jekyll_warnings": jekyll_warnings(log)}


def usage_problem(args: argparse.Namespace, config: Path | None) -> str | None:
    if config is None:
        return f"{args.site_dir} has no _config.yml"
    if args.jekyll_site and not args.jekyll_site.is_dir():
        return f"--jekyll-site {args.jekyll_site} is not a folder"
    if not args.jekyll_site and not shutil.which("jekyll"):
        return "`jekyll` is not installed (apt-get install jekyll ruby-jekyll-feed), or pass --jekyll-site DIR"
    return None


def run_both(args: argparse.Namespace, config: Path, work: Path, info: dict | None) -> dict | None:
    """Builds (or takes) the reference, runs feedpub, compares; the report, or None if the reference build failed."""
    asked = feed_paths_asked(info)
    jekyll_dir, extras = reference(args, config, work, info)
    if jekyll_dir is None:
        return None
    jekyll = read_feed(jekyll_dir / asked["path"])
    if args.jekyll_site and len(jekyll.entries) == 10:
        extras["notes"] = [
            "Jekyll's feed has exactly 10 entries, jekyll-feed's default posts_limit: was the reference built with a _compare.yml raising it?"
        ]
    now = jekyll.meta.get("updated") if args.pin_now else None
    out = work / "feedpub_out"
    feedpub_config, extras["feedpub_input"] = feedpub_site(args.site_dir, config, work, asked, args.as_is)
    run = run_feedpub(feedpub_command(args.feedpub), feedpub_config, out, now, args.feedpub_arg)
    feedpub = read_feed(out / asked["path"])
    extras["side_feeds"] = side_feeds(jekyll_dir, out, asked)
    return make_report(args.site_dir, jekyll, feedpub, run, extras, args.max_examples)


def compare(args: argparse.Namespace, work: Path) -> int:
    args.site_dir = args.site_dir.resolve()
    config = config_file(args.site_dir)
    if problem := usage_problem(args, config):
        return usage_error(problem)
    assert config is not None
    info = site_info(config)
    if not args.jekyll_site and info is None:
        return usage_error("Ruby could not load Jekyll to read the site's config")
    report = run_both(args, config, work, info)
    if report is None:
        return 1
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else render_markdown(report, args.max_examples))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.max_examples < 0:
        return usage_error("--max-examples must be 0 or more")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        return compare(args, args.keep.resolve())
    with tempfile.TemporaryDirectory(prefix="jekyll_compare.") as tmp:
        return compare(args, Path(tmp))


if __name__ == "__main__":
    sys.exit(main())
