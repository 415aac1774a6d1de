"""The persistent build cache: parsed posts, rendered entries, feed signatures.

One SQLite file (`.feedpub-cache/cache.sqlite`). Everything in it is keyed by
what produced it: a post by its file's path, size, mtime and content hash; an
entry by its post's content hash and path; the whole file by a settings key (feedpub
version plus every config value that affects output). A cache made with other
settings, or that SQLite cannot read, is thrown away and rebuilt, never
trusted. Posts are stored as JSON, not pickles, so a tampered cache cannot run
code.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from feedpub.model import Author, Enclosure, Post, Problem

SCHEMA_VERSION = "5"
BATCH_ROWS = 500
_TABLES = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE posts (path TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER, source_hash TEXT,
                    post TEXT, problems TEXT NOT NULL);
CREATE TABLE entries (entry_key TEXT NOT NULL, format TEXT NOT NULL, xml BLOB NOT NULL,
                      PRIMARY KEY (entry_key, format));
CREATE TABLE feeds (file TEXT PRIMARY KEY, signature TEXT NOT NULL, mtime_ns INTEGER, size INTEGER);
"""


@dataclass(frozen=True, slots=True)
class CachedPost:
    """One posts row; the JSON is decoded only for the posts a build uses."""

    stat: tuple[int, int]  # (mtime_ns, size) of the file when it was parsed
    source_hash: str  # SHA-256 of the file's bytes
    post_json: str | None
    problems_json: str

    def post(self) -> Post | None:
        return post_from_json(self.post_json) if self.post_json else None

    def problems(self) -> list[Problem]:
        return problems_from_json(self.problems_json) if self.problems_json != "[]" else []


class Cache:
    """A read-write view of the cache for one build; `close(keep=True)` commits what was put."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        # Rows are written in batches: one INSERT per post costs a second per 30,000.
        self._pending_posts: list[tuple] = []
        self._pending_entries: list[tuple] = []

    def flush(self) -> None:
        """Write the buffered rows; reads of what was put need a flush first."""
        if self._pending_posts:
            self.db.executemany("INSERT OR REPLACE INTO posts VALUES (?, ?, ?, ?, ?, ?)", self._pending_posts)
            self._pending_posts.clear()
        if self._pending_entries:
            self.db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?)", self._pending_entries)
            self._pending_entries.clear()

    @classmethod
    def open(cls, folder: Path, settings_key: str) -> Cache:
        """Open or create the cache in `folder`; a foreign or corrupt one is replaced."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "cache.sqlite"
        for _attempt in range(2):
            try:
                db = sqlite3.connect(path, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                if _matches(db, settings_key):
                    db.execute("BEGIN")
                    return cls(db)
                db.close()
            except sqlite3.DatabaseError:
                pass
            for stale in folder.glob("cache.sqlite*"):
                stale.unlink(missing_ok=True)
            db = sqlite3.connect(path, isolation_level=None)
            db.executescript(_TABLES)
            db.execute("INSERT INTO meta VALUES ('schema', ?), ('settings', ?)", (SCHEMA_VERSION, settings_key))
            db.execute("BEGIN")
            return cls(db)
        raise sqlite3.DatabaseError("cannot create cache")  # pragma: no cover

    def close(self, keep: bool) -> None:
        try:
            if keep:
                self.flush()
            self.db.execute("COMMIT" if keep else "ROLLBACK")
        finally:
            self.db.close()

    # posts ---------------------------------------------------------------
    def posts(self) -> dict[str, CachedPost]:
        """Every cached post file by path, in one query."""
        rows = self.db.execute("SELECT path, mtime_ns, size, source_hash, post, problems FROM posts")
        return {row[0]: CachedPost((row[1], row[2]), row[3], row[4], row[5]) for row in rows}

    def warnings(self) -> list[Problem]:
        """The warnings of every cached post, for a build that has nothing else to do."""
        rows = self.db.execute("SELECT problems FROM posts WHERE problems != '[]' ORDER BY path")
        return [p for (text,) in rows for p in problems_from_json(text) if p.severity == "warning"]

    def put_post(
        self, path: str, stat: tuple[int, int], source_hash: str, post: Post | None, problems: list[Problem]
    ) -> None:
        self._pending_posts.append(
            (path, stat[0], stat[1], source_hash, post_to_json(post) if post else None, problems_to_json(problems))
        )
        if len(self._pending_posts) >= BATCH_ROWS:
            self.flush()

    def forget_posts(self, paths: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM posts WHERE path = ?", ((p,) for p in paths))

    # entries -------------------------------------------------------------
    def entries_with(self, formats: Iterable[str]) -> set[str]:
        """Keys of the entries cached in every one of `formats`, in one query."""
        wanted = list(dict.fromkeys(formats))
        marks = ",".join("?" * len(wanted))
        rows = self.db.execute(
            f"SELECT entry_key FROM entries WHERE format IN ({marks}) GROUP BY entry_key HAVING COUNT(*) = ?",
            (*wanted, len(wanted)),
        )
        return {row[0] for row in rows}

    def entries(self, keys: list[str], fmt: str) -> list[bytes]:
        """The entries for `keys` in one format, in the order of `keys`, in one query."""
        marks = ",".join("?" * len(keys))
        rows = (
            dict(
                self.db.execute(
                    f"SELECT entry_key, xml FROM entries WHERE format = ? AND entry_key IN ({marks})", (fmt, *keys)
                )
            )
            if keys
            else {}
        )
        return [bytes(rows[key]) for key in keys]

    def put_entry(self, key: str, fmt: str, xml: bytes) -> None:
        self._pending_entries.append((key, fmt, xml))
        if len(self._pending_entries) >= BATCH_ROWS:
            self.flush()  # bounded: rendered entries must not pile up in memory

    def prune_entries(self, keep: set[str]) -> None:
        keys = [r[0] for r in self.db.execute("SELECT DISTINCT entry_key FROM entries")]
        self.db.executemany("DELETE FROM entries WHERE entry_key = ?", ((k,) for k in keys if k not in keep))

    # feeds and the no-op stamp ---------------------------------------------
    def signatures(self) -> dict[str, tuple[str, int, int]]:
        """Output file -> (signature of its inputs, mtime_ns, size) as last written."""
        return {row[0]: tuple(row[1:]) for row in self.db.execute("SELECT file, signature, mtime_ns, size FROM feeds")}

    def put_signatures(self, signatures: dict[str, tuple[str, int, int]]) -> None:
        self.db.execute("DELETE FROM feeds")
        self.db.executemany("INSERT INTO feeds VALUES (?, ?, ?, ?)", ((k, *v) for k, v in signatures.items()))

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def put_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))


def cache_folders(cache_dir: Path) -> list[Path]:
    """The per-output cache folders under `cache_dir`: those holding our database."""
    try:
        return [p for p in cache_dir.iterdir() if p.is_dir() and (p / "cache.sqlite").is_file()]
    except OSError:
        return []


def remove_cache_folder(folder: Path) -> None:
    """Delete our database files and the folder if that leaves it empty; nothing else, ever."""
    for path in folder.glob("cache.sqlite*"):
        path.unlink(missing_ok=True)
    try:
        folder.rmdir()
    except OSError:
        pass


def _matches(db: sqlite3.Connection, settings_key: str) -> bool:
    try:
        meta = dict(db.execute("SELECT key, value FROM meta"))
        db.execute("SELECT path, mtime_ns, size, source_hash, post, problems FROM posts LIMIT 1").fetchall()
        db.execute("SELECT entry_key, format, xml FROM entries LIMIT 1").fetchall()
        db.execute("SELECT file, signature, mtime_ns, size FROM feeds LIMIT 1").fetchall()
    except sqlite3.DatabaseError:
        return False
    return meta.get("schema") == SCHEMA_VERSION and meta.get("settings") == settings_key


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
