"""Measures how closely each Markdown engine reproduces Jekyll's own post HTML on one Jekyll site.

    python bench/fidelity.py SITE_DIR --jekyll-site DIR [--engines python-markdown,cmark,kramdown]
        [--repeat N] [--liquid] [--label NAME] [--json] [--show-diffs N]

SITE_DIR is a Jekyll site folder (the one holding _config.yml); --jekyll-site is
a folder that Jekyll 4.3 with jekyll-feed built from it, with `feed.xml` holding
every post (posts_limit raised, as bench/jekyll_compare.py builds it). Each
entry's `<content>` there is kramdown's HTML of the post, after Liquid.

Posts are read with feedpub's own Jekyll mode (load_config, post_files,
read_post), matched to feed entries by permalink = the entry's alternate link,
and each body is rendered with each engine through
`feedpub.render.content.markdown_to_html`. For each engine it reports:

- text identical %: the visible text (selectolax, a space at every block
  boundary, whitespace runs collapsed) equals Jekyll's;
- mean similarity: difflib's ratio of the two texts, averaged (1.0 when equal);
- structure identical %: the sequence of block-level tag names is Jekyll's.
  Rouge's wrappers (`<div class="highlighter-rouge">`, `<div class="highlight">`)
  are left out on both sides, so that a plain `<pre>` counts as Jekyll's;
- ms/post: the median over --repeat runs of the time to render every post,
  divided by the number of posts;
- unbalanced: outputs with an unclosed, stray or misnested tag (a stack check
  over the tags; void elements and raw-text elements understood). The same
  count for Jekyll's own HTML is shown as the row `jekyll`: raw HTML written
  unbalanced in a post stays so in every engine.

Figures are given separately for posts whose source has Liquid (`{%` or `{{`
anywhere in the body: Jekyll runs Liquid over the whole body, code blocks
included, before Markdown) and for the others: a post with Liquid differs until
feedpub runs Liquid too. A post that fails to render counts as different and
unbalanced. Exit 0 when the comparison ran; 2 on usage errors.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import statistics
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from lxml import etree
from selectolax.lexbor import LexborHTMLParser

from feedpub.model import Config, Post, errors_in
from feedpub.render.content import RenderError, engine_of, markdown_to_html
from feedpub.sources.config import ENGINES, load_config
from feedpub.sources.files import post_files
from feedpub.sources.posts import read_post

ATOM = {"a": "http://www.w3.org/2005/Atom"}
GROUPS = ("no Liquid", "Liquid", "all")
BLOCK_TAGS = frozenset(
    "p h1 h2 h3 h4 h5 h6 ul ol li pre blockquote table thead tbody tr th td dl dt dd hr div figure".split()
)
VOID_TAGS = frozenset("area base br col embed hr img input link meta param source track wbr".split())
RAW_TEXT_TAGS = ("script", "style", "textarea", "title")
TAG = re.compile(r"<!--.*?-->|<(/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.S)
ROUGE_WRAPPER = re.compile(r"\bhighlighter-rouge\b|\bclass=\"highlight\"")
BLOCK_BOUNDARY = re.compile(rf"(</?(?:{'|'.join(sorted(BLOCK_TAGS))}|br|tr|td|th)\b)", re.I)
LIQUID = re.compile(r"\{%|\{\{")
WHITESPACE = re.compile(r"\s+")


@dataclass
class Tally:
    """One engine's figures for one group of posts."""

    posts: int = 0
    text_same: int = 0
    similarity: float = 0.0
    structure_same: int = 0
    unbalanced: int = 0
    seconds: list[float] = field(default_factory=list)

    def row(self) -> dict:
        n = self.posts or 1
        return {
            "posts": self.posts,
            "text_identical_pct": round(100 * self.text_same / n, 1),
            "mean_similarity": round(self.similarity / n, 4),
            "structure_identical_pct": round(100 * self.structure_same / n, 1),
            "ms_per_post": round(1000 * statistics.median(self.seconds) / n, 3) if self.seconds else None,
            "unbalanced": self.unbalanced,
        }


@dataclass
class Sample:
    """One post matched to its Jekyll entry."""

    link: str
    body: str
    expected: str
    liquid: bool
    post: Post


# ---------------------------------------------------------------- reading


def feed_entries(jekyll_site: Path) -> dict[str, str]:
    """Alternate link -> content HTML for every entry of Jekyll's feed.xml."""
    # jekyll-feed copies control characters into its feed (ruby-lang.org's has U+0008), which makes it
    # not well-formed XML: they are dropped before parsing (lxml's recover mode drops the rest of the file).
    data = re.sub(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", b"", (jekyll_site / "feed.xml").read_bytes())
    root = etree.fromstring(data, etree.XMLParser(huge_tree=True))
    entries = {}
    for entry in root.iterfind("a:entry", ATOM):
        link = entry.find("a:link[@rel='alternate']", ATOM)
        content = entry.find("a:content", ATOM)
        if link is not None and content is not None:
            entries[link_key(link.get("href", ""))] = content.text or ""
    return entries


def link_key(url: str) -> str:
    # A site url ending in "/" gives Jekyll's links a double slash (https://nim-lang.org//blog/...).
    return re.sub(r"(?<!:)/{2,}", "/", url)


def samples(site_dir: Path, jekyll_site: Path) -> tuple[list[Sample], int, int, Config]:
    """The posts matched to Jekyll's entries; and how many posts and entries found no partner."""
    config = load_config(site_dir / "_config.yml")
    entries = feed_entries(jekyll_site)
    files, _ = post_files(config)
    found, unmatched_posts = [], 0
    for path in sorted(files):
        post, _ = read_post(path, config)
        if post is None or post.body_is_html:
            continue
        expected = entries.pop(link_key(post.permalink), None)
        if expected is None:
            unmatched_posts += 1
            continue
        found.append(Sample(post.permalink, post.body, expected, bool(LIQUID.search(post.body)), post))
    return found, unmatched_posts, len(entries), config


# ---------------------------------------------------------------- measures


def visible_text(html: str) -> str:
    """The text a reader sees, a space at each block boundary, whitespace collapsed."""
    spaced = BLOCK_BOUNDARY.sub(r" \1", html)
    body = LexborHTMLParser(f"<body>{spaced}</body>").body
    text = body.text(separator="") if body is not None else ""
    return WHITESPACE.sub(" ", text).strip()


def block_structure(html: str) -> tuple[str, ...]:
    """Block-level start tags in order, Rouge's wrapper divs left out."""
    names = []
    for match in TAG.finditer(html):
        closing, name, attributes = match.group(1), (match.group(2) or "").lower(), match.group(3) or ""
        if closing or name not in BLOCK_TAGS:
            continue
        if name == "div" and ROUGE_WRAPPER.search(attributes):
            continue
        names.append(name)
    return tuple(names)


def is_unbalanced(html: str) -> bool:
    """Whether a tag is left open, closed without being open, or closed out of order."""
    stack: list[str] = []
    position = 0
    while (match := TAG.search(html, position)) is not None:
        position = match.end()
        closing, name = match.group(1), (match.group(2) or "").lower()
        if not name or name in VOID_TAGS or match.group(3).rstrip().endswith("/") and not closing:
            continue
        if not closing:
            stack.append(name)
            if name in RAW_TEXT_TAGS:
                end = html.lower().find(f"</{name}", position)
                position = len(html) if end < 0 else end
            continue
        if not stack or stack.pop() != name:
            return True
    return bool(stack)


def similarity(got: str, expected: str) -> float:
    if got == expected:
        return 1.0
    return difflib.SequenceMatcher(None, got, expected).ratio()


# ---------------------------------------------------------------- running


def with_liquid(found: list[Sample], engine: tuple[str, tuple[str, ...]], config: Config) -> list[str | None]:
    """Each body after feedpub's Liquid step (None where Liquid fails), as Jekyll runs Liquid before Markdown."""
    from feedpub.render.liquid import render_liquid

    def markdownify(text: str) -> str:
        return markdown_to_html(text, engine)

    bodies: list[str | None] = []
    for sample in found:
        rendered = render_liquid(sample.body, sample.post, config, sample.post.body_line, markdownify)
        bodies.append(None if errors_in(rendered.problems) else rendered.text)
    return bodies


def render_all(bodies: list[str | None], engine: tuple[str, tuple[str, ...]]) -> tuple[list[str | None], float]:
    outputs: list[str | None] = []
    start = time.perf_counter()
    for body in bodies:
        try:
            outputs.append(None if body is None else markdown_to_html(body, engine))
        except RenderError:
            outputs.append(None)
    return outputs, time.perf_counter() - start


def measure(found: list[Sample], engine: tuple[str, tuple[str, ...]], repeat: int, bodies: list) -> tuple[dict, list]:
    """Tallies per group for one engine, and (link, got text, expected text) for each differing post."""
    runs = [render_all(bodies, engine) for _ in range(repeat)]
    outputs = runs[0][0]
    tallies = {group: Tally() for group in GROUPS}
    differing = []
    for sample, got in zip(found, outputs, strict=True):
        expected_text = visible_text(sample.expected)
        got_text = visible_text(got) if got is not None else ""
        for group in ("Liquid" if sample.liquid else "no Liquid", "all"):
            tally = tallies[group]
            tally.posts += 1
            tally.text_same += got_text == expected_text
            tally.similarity += similarity(got_text, expected_text)
            tally.structure_same += got is not None and block_structure(got) == block_structure(sample.expected)
            tally.unbalanced += got is None or is_unbalanced(got)
        if got_text != expected_text:
            differing.append((sample.link, got_text, expected_text))
    for group in GROUPS:
        group_share = [s for s in found if group == "all" or s.liquid == (group == "Liquid")]
        tallies[group].seconds = [seconds * len(group_share) / max(len(found), 1) for _, seconds in runs]
    return tallies, differing


def jekyll_unbalanced(found: list[Sample]) -> dict[str, int]:
    counts = dict.fromkeys(GROUPS, 0)
    for sample in found:
        if is_unbalanced(sample.expected):
            counts["Liquid" if sample.liquid else "no Liquid"] += 1
            counts["all"] += 1
    return counts


def first_difference(got: str, expected: str, width: int = 80) -> str:
    at = next((i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b), min(len(got), len(expected)))
    start = max(0, at - width // 2)
    return f"    engine: …{got[start : at + width]!r}\n    jekyll: …{expected[start : at + width]!r}"


def site_name(site_dir: Path) -> str:
    # /work/ref/NAME/src reads better as NAME.
    resolved = site_dir.resolve()
    return resolved.parent.name if resolved.name == "src" else resolved.name


def markdown_table(site: str, results: dict, baseline: dict, counts: dict, liquid: bool) -> str:
    step = "with feedpub's Liquid step first" if liquid else "bodies as written, no Liquid step"
    lines = [
        f"### {site}",
        "",
        f"{counts['matched']} posts matched ({counts['unmatched_posts']} posts and "
        f"{counts['unmatched_entries']} feed entries without a partner); {step}.",
        "",
        "| engine | posts | Liquid | text identical | mean similarity | structure identical | ms/post | unbalanced |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for engine, tallies in results.items():
        for group in GROUPS:
            row = tallies[group]
            lines.append(
                f"| {engine} | {row['posts']} | {group} | {row['text_identical_pct']}% | {row['mean_similarity']:.3f} | "
                f"{row['structure_identical_pct']}% | {row['ms_per_post']} | {row['unbalanced']} |"
            )
    lines.append(f"| jekyll | | all | | | | | {baseline['all']} |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Measure each Markdown engine against Jekyll's own post HTML.")
    parser.add_argument("site_dir", type=Path, help="a Jekyll site folder, the one with _config.yml")
    parser.add_argument("--jekyll-site", type=Path, required=True, help="the folder Jekyll built (with feed.xml)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated engine names")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per engine (the median is shown)")
    parser.add_argument("--label", help="the site's name in the report (default: SITE_DIR's, its parent's for src)")
    parser.add_argument("--liquid", action="store_true", help="run feedpub's Liquid step before each engine")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of Markdown")
    parser.add_argument("--show-diffs", type=int, default=0, metavar="N", help="show N differing posts per engine")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    engines = [name.strip() for name in args.engines.split(",") if name.strip()]
    unknown = [name for name in engines if name not in ENGINES]
    if unknown or args.repeat < 1:
        print(f"fidelity: unknown engine {unknown} (known: {', '.join(ENGINES)})", file=sys.stderr)
        return 2
    if not (args.jekyll_site / "feed.xml").is_file() or not (args.site_dir / "_config.yml").is_file():
        print("fidelity: need SITE_DIR/_config.yml and --jekyll-site DIR/feed.xml", file=sys.stderr)
        return 2
    found, unmatched_posts, unmatched_entries, config = samples(args.site_dir, args.jekyll_site)
    counts = {"matched": len(found), "unmatched_posts": unmatched_posts, "unmatched_entries": unmatched_entries}
    results, diffs = {}, {}
    for name in engines:
        engine = engine_of(replace(config, markdown_engine=name))
        bodies = with_liquid(found, engine, config) if args.liquid else [sample.body for sample in found]
        tallies, differing = measure(found, engine, args.repeat, bodies)
        results[name] = {group: tally.row() for group, tally in tallies.items()}
        diffs[name] = differing
    baseline = jekyll_unbalanced(found)
    if args.json:
        summary = {"site": str(args.site_dir), "liquid": args.liquid, **counts}
        print(json.dumps({**summary, "engines": results, "jekyll_unbalanced": baseline}))
        return 0
    print(markdown_table(args.label or site_name(args.site_dir), results, baseline, counts, args.liquid))
    for name in engines if args.show_diffs else ():
        print(f"\n{name}: {len(diffs[name])} posts differ")
        for link, got, expected in diffs[name][: args.show_diffs]:
            print(f"  {link}\n{first_difference(got, expected)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
