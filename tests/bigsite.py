"""A deterministic sample site of N posts with many tags, for the crash tests.

The same (N, version) always gives the same bytes. Version 2 is version 1
edited the way a busy author would between two builds: every title changes
(so every feed is rewritten), one tag disappears from every post (its feeds
become stale) and a new tag appears (its feeds are new files).

    python tests/bigsite.py OUT_DIR N [VERSION]
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import yaml

RETIRED_TAG = "retired-tag"  # in version 1 only
NEW_TAG = "新标签 new"  # in version 2 only
CATEGORIES = ["fintech", "支付", "open banking", "AI & ML", "监管科技", "markets"]
_TAG_STEMS = [
    "区块链",
    "稳定币",
    "跨境支付",
    "ledger",
    "custody",
    "risk",
    "C++ notes",
    "央行数字货币",
    "open-api",
    "audit",
]
_WORDS = [
    "ledger",
    "settlement",
    "liquidity",
    "custody",
    "stablecoin",
    "payment",
    "clearing",
    "risk",
    "model",
    "bank",
    "regulator",
    "token",
    "deposit",
    "reserve",
    "audit",
    "compliance",
    "wallet",
    "区块链",
    "稳定币",
    "支付",
    "清算",
    "监管",
]

CONFIG = {
    "site": {
        "title": "Big Site",
        "url": "https://big.example.com/",
        "description": "A generated site for crash tests",
        "language": "en",
        "timezone": "Asia/Shanghai",
        "author": {"name": "Big Author", "email": "big@example.com"},
    },
    "posts_dir": "posts",
    "output_dir": "public",
    "feeds": {"formats": ["atom", "rss"], "limit": 20, "content": "full"},
}


def tag_pool(count: int) -> list[str]:
    return [f"{_TAG_STEMS[i % len(_TAG_STEMS)]} {i}" for i in range(count)]


def _body(rng: random.Random, index: int) -> str:
    paragraphs = []
    for section in range(rng.randint(2, 4)):
        words = " ".join(rng.choices(_WORDS, k=rng.randint(25, 50)))
        paragraphs.append(f"## Part {section}\n\n{words}.\n\n- [link](/posts/{index}/{section}/)\n- *item* {section}")
    return "\n\n".join(paragraphs)


def post_text(index: int, version: int, tags: list[str]) -> tuple[str, str]:
    """(file name, text) of post `index` in site `version`."""
    rng = random.Random(index * 7919 + 17)  # per post, so an edit changes only what it means to
    chosen = sorted(set(rng.sample(tags, k=min(len(tags), 8))))
    chosen.append(RETIRED_TAG if version == 1 else NEW_TAG)
    day = 1 + index % 28
    month = 1 + (index // 28) % 12
    title = f"Post {index}: 金融科技 <notes> & more" + (" (edited)" if version > 1 else "")
    front = [
        "---",
        f"title: {_quoted(title)}",
        f"date: {2025}-{month:02d}-{day:02d} {index % 24:02d}:{index % 60:02d}:00 +0800",
        f"categories: [{_quoted(CATEGORIES[index % len(CATEGORIES)])}]",
        f"tags: [{', '.join(_quoted(t) for t in chosen)}]",
        f"author: {_quoted(f'Author {index % 9}')}",
        "---",
    ]
    name = f"{index // 100:02d}/2025-{month:02d}-{day:02d}-post-{index:05d}.md"
    return name, "\n".join(front) + "\n" + _body(rng, index) + "\n"


def _quoted(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar; much faster than yaml.safe_dump per post.
    return json.dumps(text, ensure_ascii=False)


def write_bigsite(root: Path, count: int, version: int = 1, tag_count: int = 40) -> Path:
    """Write config.yaml and posts/ for `count` posts under `root`; return the config path.

    Writing a different version over an existing site replaces every post file.
    """
    tags = tag_pool(tag_count)
    posts = root / "posts"
    for index in range(count):
        name, text = post_text(index, version, tags)
        path = posts / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    config = root / "config.yaml"
    config.write_text(yaml.safe_dump(CONFIG, allow_unicode=True), encoding="utf-8")
    return config


if __name__ == "__main__":
    write_bigsite(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1)
