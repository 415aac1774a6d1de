"""The floor of a cold build's `render`: the Markdown engine alone, over the posts some feed shows, on every core.

    python bench/engine_floor.py SITE/config.yaml [--now 2030-01-01T00:00:00Z] [--repeat 3]

Prints the median seconds of --repeat runs. Each run converts every shown
post's body (read beforehand) to HTML with the site's engine, in batches on
a process pool started beforehand, as a build's render does; nothing else of
rendering (Liquid, absolute URLs, summaries, entries) is in it.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from feedpub.build.pipeline import read_site
from feedpub.build.pool import Workers
from feedpub.plan import plan_feeds, visible_posts
from feedpub.render.content import MarkdownEngine, engine_of, markdown_to_html
from feedpub.sources.config import load_config
from feedpub.sources.posts import with_body


def html_lengths(batch: Sequence[tuple[str, MarkdownEngine]]) -> list[int]:
    return [len(markdown_to_html(body, engine)) for body, engine in batch]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", type=Path)
    parser.add_argument("--now", default="2030-01-01T00:00:00Z")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    config = load_config(args.config)
    posts, _, _ = read_site(config)
    feeds, _ = plan_feeds(config, visible_posts(posts, datetime.fromisoformat(args.now), False))
    shown = {post.path: post for feed in feeds for post in feed.entries}
    engine = engine_of(config)
    jobs = [(with_body(post, config).body, engine) for post in shown.values()]
    workers = Workers()
    try:
        list(workers.map_batches(html_lengths, jobs[:1000]))  # the pool started, as a build's is by `collect`
        runs = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            for _ in workers.map_batches(html_lengths, jobs):
                pass
            runs.append(time.perf_counter() - started)
    finally:
        workers.close()
    print(f"{statistics.median(runs):.4f}")


if __name__ == "__main__":
    main()
