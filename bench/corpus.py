"""Deterministic benchmark corpus: N Jekyll-style posts, Chinese and English.

Bodies of 2-8 KB with headings, lists, links, images, code and tables; about
N/5 tags drawn Zipf-like (some Chinese, some with punctuation); 20 categories;
dates with offsets. The same N always gives the same bytes.

    python bench/corpus.py OUT_DIR N
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

CATEGORIES = [f"category-{i:02d}" for i in range(16)] + ["支付", "监管科技", "open banking", "AI & ML"]
_WORDS_EN = [
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
    "network",
    "fee",
    "latency",
]
_WORDS_ZH = [
    "区块链",
    "稳定币",
    "支付",
    "清算",
    "结算",
    "监管",
    "银行",
    "风控",
    "模型",
    "数字",
    "货币",
    "跨境",
    "合规",
    "托管",
    "储备",
    "流动性",
    "代币化",
    "存款",
]
_TAG_STEMS_ZH = [
    "区块链",
    "稳定币",
    "跨境支付",
    "央行数字货币",
    "开放银行",
    "风控",
    "反洗钱",
    "数据安全",
    "智能合约",
    "监管",
]


def tag_names(count: int) -> list[str]:
    names = []
    for i in range(count):
        if i % 7 == 3:
            names.append(f"{_TAG_STEMS_ZH[i % len(_TAG_STEMS_ZH)]}{i}")
        elif i % 11 == 5:
            names.append(f"Tag {i}: C++/Rust")
        else:
            names.append(f"tag-{i}")
    return names


def _sentence(rng: random.Random, chinese: bool) -> str:
    words = rng.choices(_WORDS_ZH if chinese else _WORDS_EN, k=rng.randint(8, 18))
    return ("".join(words) + "。") if chinese else (" ".join(words).capitalize() + ".")


def _body(rng: random.Random, chinese: bool, index: int) -> str:
    target = rng.randint(2000, 8000)
    parts: list[str] = []
    size = 0
    section = 0
    while size < target:
        section += 1
        block = [f"## Section {section}", ""]
        block.append(" ".join(_sentence(rng, chinese) for _ in range(rng.randint(3, 6))))
        block += [
            "",
            f"- {_sentence(rng, chinese)}",
            f"- [a link](/posts/{(index * 7 + section) % 997}/)",
            "- **bold** and *italic* text",
            "",
        ]
        if section % 2 == 0:
            block += [f"![figure {section}](/img/{index}/{section}.png)", ""]
        if section % 3 == 0:
            block += ["```python", f"def settle(amount_{section}):", "    return amount * 1.0001", "```", ""]
        if section % 4 == 0:
            block += [
                "| asset | amount |",
                "|---|---|",
                f"| USD | {index * section} |",
                f"| CNY | {index + section} |",
                "",
            ]
        text = "\n".join(block)
        parts.append(text)
        size += len(text.encode("utf-8"))
    return "\n".join(parts)


def post_text(index: int, tags: list[str], rng: random.Random) -> tuple[str, str]:
    chinese = index % 3 != 0
    base = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(hours=index * 7 + rng.randint(0, 6))
    offset = "+0800" if index % 2 else "+0000"
    date = base.strftime("%Y-%m-%d %H:%M:%S ") + offset
    chosen = sorted(set(rng.choices(tags, weights=[1 / (r + 1) for r in range(len(tags))], k=rng.randint(2, 6))))
    category = CATEGORIES[index % len(CATEGORIES)]
    title = f"{'金融科技观察第' if chinese else 'Fintech notes #'}{index}{'期' if chinese else ''}"
    front = [
        "---",
        "layout: post",
        f'title: "{title}"',
        f"date: {date}",
        f'author: "{"作者" if chinese else "Author"} {index % 13}"',
        "categories:",
        f'  - "{category}"',
        "tags:",
        *[f'  - "{t}"' for t in chosen],
        "---",
        "",
    ]
    name = f"{base.strftime('%Y-%m-%d')}-post-{index:06d}.md"
    return name, "\n".join(front) + _body(rng, chinese, index) + "\n"


def write_corpus(out: Path, count: int) -> Path:
    """Write config.yaml and posts/ for `count` posts under `out`; return the config path."""
    rng = random.Random(count)
    tags = tag_names(max(count // 5, 10))
    posts = out / "posts"
    posts.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        name, text = post_text(index, tags, rng)
        folder = posts / f"{index // 1000:03d}"
        folder.mkdir(exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return write_config(out)


def write_config(out: Path, formats: tuple[str, ...] = ("atom", "rss", "json")) -> Path:
    """The corpus's config.yaml: the given formats, 20 entries, full content."""
    config = out / "config.yaml"
    config.write_text(
        "site:\n  title: Bench\n  url: https://bench.example.com/\n  timezone: Asia/Shanghai\n"
        "  author: {name: Bench}\nposts_dir: posts\noutput_dir: public\n"
        f"feeds:\n  formats: [{', '.join(formats)}]\n  limit: 20\n  content: full\n",
        encoding="utf-8",
    )
    return config


if __name__ == "__main__":
    write_corpus(Path(sys.argv[1]), int(sys.argv[2]))
