"""A cached post as it is stored: JSON, never pickles (a tampered cache must not run code), with a CRC-32.

SQLite keeps no checksums of its own: a row whose bytes changed would be trusted.
"""

from __future__ import annotations

import json
import zlib
from datetime import datetime
from pathlib import Path

from feedpub.model import Author, Enclosure, Post, Problem


def post_to_json(post: Post) -> str:
    # A hand-made dict: dataclasses.asdict deep-copies every field, a second per 10,000 posts.
    data = {name: getattr(post, name) for name in post.__dataclass_fields__}
    data["authors"] = [[a.name, a.email, a.uri] for a in post.authors]
    data["enclosures"] = [[e.url, e.length, e.media_type] for e in post.enclosures]
    data["path"] = str(post.path)
    # Bodies stay in the post files: a cached entry needs none, and a no-op build
    # should not decode megabytes of Markdown.
    data["body"] = ""
    data["published"] = post.published.isoformat()
    data["updated"] = post.updated.isoformat()
    return json.dumps(data, ensure_ascii=False)


def post_from_json(text: str) -> Post:
    data = json.loads(text)
    data["path"] = Path(data["path"])
    data["published"] = datetime.fromisoformat(data["published"])
    data["updated"] = datetime.fromisoformat(data["updated"])
    data["authors"] = tuple(Author(*a) for a in data["authors"])
    data["categories"] = tuple(data["categories"])
    data["tags"] = tuple(data["tags"])
    data["enclosures"] = tuple(Enclosure(*e) for e in data["enclosures"])
    data["key_lines"] = tuple(tuple(pair) for pair in data["key_lines"])
    return Post(**data)


def problems_to_json(problems: list[Problem]) -> str:
    return json.dumps(
        [[str(p.path) if p.path else None, p.line, p.message, p.severity] for p in problems], ensure_ascii=False
    )


def problems_from_json(text: str) -> list[Problem]:
    return [
        Problem(Path(path) if path else None, line, message, severity)
        for path, line, message, severity in json.loads(text)
    ]


def row_crc(post_json: str | None, problems_json: str) -> int:
    """A post row's checksum: SQLite keeps none, and a changed byte in a row would be trusted."""
    return zlib.crc32(f"{post_json or ''}\0{problems_json}".encode())
