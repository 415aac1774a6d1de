"""Runs the W3C Feed Validation Service's own validator over a built site, offline.

    python bench/validate_w3c.py --validator PATH OUTPUT_DIR [--base-url URL]
        [--content-type serve|none] [--sample-tags N] [--strict]

PATH is a checkout of https://github.com/w3c/feedvalidator, the code behind
https://validator.w3.org/feed/ (Python 3). It is used from where it lies and
never copied into this repository. Get it once, outside the repository, and
give the Python that runs this script the one package the validator needs for
Atom, RSS and OPML, html5lib (rdflib only serves RSS 1.0, which feedpub does
not write):

    git clone --depth 1 https://github.com/w3c/feedvalidator /tmp/feedvalidator
    .venv/bin/pip install html5lib

Every *.xml (Atom, RSS, archive pages) and *.opml file under OUTPUT_DIR is
validated; feed.json is not (the validator knows no JSON Feed) and neither is
feed.xsl. Each file is validated as if fetched from its real URL, the site's
base URL plus its path, percent-encoded (tags/区块链/atom.xml is
tags/%E5%8C%BA%E5%9D%97%E9%93%BE/atom.xml), because the validator checks that a
feed's rel="self" link names the address it came from. The base URL is
--base-url, else the one the site feed (atom.xml, else rss.xml) links to as
self; give --base-url to check the site feed's own self link too. Each file is
also given the Content-Type `feedpub serve` sends a feed reader
(application/atom+xml, application/rss+xml, text/x-opml; charset=utf-8), so
the validator checks the type against the format; --content-type none leaves
it out. As on validator.w3.org, a message repeated in a file is shown once
with its count, and only errors and warnings are shown (not the "info" class).

Prints one row per file (errors, warnings, then each message: class, line,
column and text), then a count per message class with an example and a
summary line. Exit status: 0 without errors, 1 with any error (with --strict
also with any warning), 2 when it could not run.

The sample site (config.yaml and posts/ of this repository):

    .venv/bin/feedpub build -o /tmp/w3c-sample --now 2026-11-24T00:00:00Z
    .venv/bin/python bench/validate_w3c.py --validator /tmp/feedvalidator /tmp/w3c-sample

The benchmark corpus (bench/corpus.py; 1,000 posts give about 200 tags):

    .venv/bin/python bench/corpus.py /tmp/w3c-corpus 1000
    .venv/bin/feedpub build -c /tmp/w3c-corpus/config.yaml -o /tmp/w3c-corpus/public --now 2030-01-01T00:00:00Z
    .venv/bin/python bench/validate_w3c.py --validator /tmp/feedvalidator /tmp/w3c-corpus/public

For bigger corpora, --sample-tags N validates every site and category feed
but only N tag folders, evenly spaced in sorted order (the same N, the same
folders).
"""

from __future__ import annotations

import argparse
import io
import sys
import unicodedata
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote, urljoin

ATOM_NS = "{http://www.w3.org/2005/Atom}"
# What `feedpub serve` sends a feed reader for each file (feedpub/tools/serve.py).
CONTENT_TYPES = {
    "atom.xml": "application/atom+xml; charset=utf-8",
    "rss.xml": "application/rss+xml; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
}
DOCS = "https://validator.w3.org/feed/docs/{kind}/{name}.html"


def fail(message: str) -> SystemExit:
    print(f"validate_w3c: {message}", file=sys.stderr)
    return SystemExit(2)


def load_validator(path: Path):
    """Imports feedvalidator from a checkout (its root, its src/, or the package folder itself)."""
    for candidate in (path / "src", path, path.parent):
        if (candidate / "feedvalidator" / "__init__.py").is_file():
            sys.path.insert(0, str(candidate.resolve()))
            break
    else:
        raise fail(f"no feedvalidator package under {path} (expected {path}/src/feedvalidator)")
    try:
        import feedvalidator
        import feedvalidator.validators  # imports html5lib, else only at the first feed
        from feedvalidator import compatibility
        from feedvalidator.formatter.text_plain import Formatter
    except ImportError as error:
        raise fail(f"cannot import the validator: {error} (pip install html5lib?)") from None
    return feedvalidator, compatibility, Formatter


def feed_files(root: Path, sample_tags: int) -> list[Path]:
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".xml", ".opml"))
    if sample_tags:
        folders = sorted({p.parent for p in files if p.relative_to(root).parts[0] == "tags"})
        if len(folders) > sample_tags:
            step = len(folders) / sample_tags
            keep = {folders[int(i * step)] for i in range(sample_tags)}
            files = [p for p in files if p.relative_to(root).parts[0] != "tags" or p.parent in keep]
    return files


def site_base(root: Path) -> str:
    """The base URL the site feed names as its own address: its self link less its file name."""
    for name in ("atom.xml", "rss.xml", "feed.xml"):  # feed.xml: a Jekyll site's, where jekyll-feed puts it
        try:
            links = list(ET.parse(root / name).iter(f"{ATOM_NS}link"))
        except (OSError, ET.ParseError):
            continue
        for link in links:
            if link.get("rel") == "self" and link.get("href", "").endswith(name):
                return link.get("href")[: -len(name)]
    raise fail("no atom.xml, rss.xml or feed.xml with a self link in OUTPUT_DIR; give --base-url")


def content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.name) or CONTENT_TYPES[path.suffix]


def excerpt(lines: list[str], line: int, column: int, width: int = 90) -> str:
    """The source line a message points at; of a long line, the stretch that ends at the column."""
    if not 0 < line <= len(lines):
        return ""
    text = lines[line - 1].strip()
    if len(text) <= width:
        return text
    text = lines[line - 1]
    start = max(0, min(column + 10, len(text)) - width)
    return ("..." if start else "") + text[start : start + width].strip() + ("..." if start + width < len(text) else "")


def pad(text: str, width: int) -> str:
    """`text` padded to `width` terminal columns (CJK characters take two)."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(1, width - shown)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output_dir", type=Path, metavar="OUTPUT_DIR")
    parser.add_argument("--validator", type=Path, required=True, help="checkout of github.com/w3c/feedvalidator")
    parser.add_argument("--base-url", help="the URL OUTPUT_DIR is published at (default: the site feed's self link)")
    parser.add_argument("--content-type", choices=["serve", "none"], default="serve")
    parser.add_argument("--sample-tags", type=int, default=0, metavar="N", help="validate only N tag folders")
    parser.add_argument("--strict", action="store_true", help="warnings fail too")
    args = parser.parse_args(argv)

    root = args.output_dir
    if not root.is_dir():
        parser.error(f"{root} is not a folder")
    feedvalidator, compatibility, Formatter = load_validator(args.validator)
    Error = feedvalidator.logging.Error
    base = args.base_url or site_base(root)
    base = base if base.endswith("/") else base + "/"
    files = feed_files(root, args.sample_tags)
    if not files:
        parser.error(f"no *.xml or *.opml files under {root}")

    print(f"Validating {len(files)} files as served from {base}")
    seen: dict[tuple[str, str], list] = defaultdict(list)  # (kind, class) -> [(file, line, message, count)]
    types: dict[str, int] = defaultdict(int)
    totals = {"error": 0, "warning": 0}
    failed_files = 0
    for path in files:
        rel = path.relative_to(root).as_posix()
        url = urljoin(base, quote(rel, safe="/"))
        data = path.read_bytes()
        messages = []  # (kind, class name, line, column, text, occurrences)
        try:
            result = feedvalidator.validateStream(
                io.BytesIO(data),
                firstOccurrenceOnly=1,
                contentType=content_type(path) if args.content_type == "serve" else None,
                base=url,
            )
            events, feed_type = result["loggedEvents"], result.get("feedType", 0)
        except feedvalidator.logging.ValidationFailure as failure:
            events, feed_type = [failure.event], 0
        except Exception as crash:  # a validator bug must not hide the other files
            events, feed_type = [], 0
            messages.append(("error", "ValidatorCrash", 0, 0, f"{type(crash).__name__}: {crash}", 1))
        events = compatibility.AA(events)  # errors and warnings, as validator.w3.org shows
        formatter = Formatter(events)
        for event in events:
            messages.append(
                (
                    "error" if isinstance(event, Error) else "warning",
                    type(event).__name__,
                    int(event.params.get("line", 0)),
                    int(event.params.get("column", 0)),
                    formatter.getMessage(event) + formatter.getCount(event),
                    int(event.params.get("msgcount", 1)),
                )
            )
        types[feedvalidator.logging.FEEDTYPEDISPLAY.get(feed_type, "?")] += 1
        errors = sum(m[0] == "error" for m in messages)
        warnings = len(messages) - errors
        totals["error"] += errors
        totals["warning"] += warnings
        failed_files += bool(messages)
        print(f"{pad(rel, 60)}{errors:>3} errors {warnings:>3} warnings")
        lines = data.decode("utf-8", "replace").splitlines()
        for kind, name, line, column, text, count in messages:
            print(f"    {kind.upper():<7} {name} line {line}, column {column}: {text}")
            shown = excerpt(lines, line, column)
            if shown:
                print(f"            {shown}")
            seen[(kind, name)].append((rel, line, text, count))

    print()
    for (kind, name), hits in sorted(seen.items()):
        rel, line, message, _ = hits[0]
        count, in_files = sum(hit[3] for hit in hits), len({hit[0] for hit in hits})
        print(f"{kind:<7} {name}: {count} occurrences in {in_files} files; e.g. {rel} line {line}: {message}")
        if name != "ValidatorCrash":
            print(f"        {DOCS.format(kind=kind, name=name)}")
    by_type = ", ".join(f"{n} {t}" for t, n in sorted(types.items()))
    print(
        f"{len(files)} files validated ({by_type}): {totals['error']} errors, {totals['warning']} warnings, "
        f"{failed_files} files with messages"
    )
    return 1 if totals["error"] or (args.strict and totals["warning"]) else 0


if __name__ == "__main__":
    sys.exit(main())
