"""What `render` does for one post, part by part, in one process: where a cold build's render time goes.

    python bench/render_parts.py SITE/config.yaml [--posts 1500] [--repeat 5]

Reads the first --posts posts as a build does (bodies left on disk), then
times each part of a post's rendering over all of them, --repeat times, and
prints the median microseconds per post of each:

- read body: the body read again from its file (a build keeps bodies on disk);
- engine: the Markdown engine alone (what bench/engine_floor.py times on
  every core);
- Liquid and checks: the rest of body_html (Liquid, the raw-text check);
- URLs and summary: finish_rendering (one HTML parse: absolute URLs, the
  summary);
- feedgen entries: the entry in every configured format, as feedgen writes it;
- render_batch: all of the above as a build's worker runs them on a batch.

No process pool and no cache: what is left of a build's `render` beyond
render_batch is moving posts and entries between processes and storing them.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from feedpub.build import workers
from feedpub.feeds.emit import entry_fragments
from feedpub.render.content import body_html, engine_of, finish_rendering, markdown_to_html
from feedpub.sources.config import load_config
from feedpub.sources.files import post_files
from feedpub.sources.posts import with_body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", type=Path)
    parser.add_argument("--posts", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    config = load_config(args.config)
    paths, _ = post_files(config)
    posts = [post for post in (workers.parse_job((path, config))[0] for path in paths[: args.posts]) if post]
    engine, formats, site = engine_of(config), config.feeds.formats, config.site
    full = config.feeds.content == "full"
    bodies = [with_body(post, config) for post in posts]
    htmls = [body_html(post, engine, config) for post in bodies]
    rendered = [finish_rendering(post, html, engine, config) for post, html in zip(bodies, htmls, strict=True)]
    gc.disable()  # as a build's workers run a batch

    def timed(work: Callable[[], object]) -> float:
        runs = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            work()
            runs.append(time.perf_counter() - started)
        return statistics.median(runs) / len(posts) * 1e6

    rows = [
        ("read body", timed(lambda: [with_body(post, config) for post in posts])),
        ("engine", timed(lambda: [markdown_to_html(post.body, engine) for post in bodies])),
        ("body_html", timed(lambda: [body_html(post, engine, config) for post in bodies])),
        (
            "URLs and summary",
            timed(lambda: [finish_rendering(p, h, engine, config) for p, h in zip(bodies, htmls, strict=True)]),
        ),
        (
            "feedgen entries",
            timed(lambda: [entry_fragments(p, r, site, full, formats) for p, r in zip(bodies, rendered, strict=True)]),
        ),
        ("render_batch", timed(lambda: workers.render_batch([(post, config) for post in posts]))),
    ]
    values = dict(rows)
    engine_us = values["engine"]
    rows.insert(3, ("Liquid and checks", values["body_html"] - engine_us))
    print(f"{len(posts)} posts, engine {engine[0]}, formats {', '.join(formats)}; median of {args.repeat} runs")
    print("| part | µs per post | of the engine's |")
    print("|---|---|---|")
    for name, micro in rows:
        if name != "body_html":
            print(f"| {name} | {micro:,.1f} | {micro / engine_us:.0%} |")
    around = values["render_batch"] - engine_us
    print(f"render_batch beyond the engine: {around:,.1f} µs per post, {around / engine_us:.0%} of the engine's")


if __name__ == "__main__":
    main()
