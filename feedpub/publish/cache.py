"""The persistent build cache: parsed posts, rendered entries, feed signatures.

One SQLite file (`.feedpub-cache/cache.sqlite`). Everything in it is keyed by
what produced it: a post by its file's path, stat and content hash; an
entry by its post's content hash and path; the whole file by a settings key (feedpub
version plus every config value that affects output). A cache made with other
settings is replaced silently; one SQLite cannot read is replaced with a
warning; neither is ever trusted. Posts are stored as JSON, not pickles, so a
tampered cache cannot run code, and every row carries a CRC-32 (SQLite keeps no
checksums of its own): a row whose bytes changed is not used.

A cache is never worth failing a build for. Reads, and the writes this build
reads back, raise CacheError, on which the caller builds again without this
cache (nothing is published before those are done). Writes that only serve the
next build (signatures, the no-op stamp) never raise: a failure there drops the
cache at close, with a warning in `Cache.notices`.
"""

from __future__ import annotations

import os
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from feedpub.model import Post, Problem
from feedpub.publish.cache_rows import post_from_json, post_to_json, problems_from_json, problems_to_json, row_crc

DATABASE_NAME = "cache.sqlite"
SCHEMA_VERSION = "13"  # bumped whenever what a post parses or renders to changes: old rows would be stale
BATCH_ROWS = 500
# A cold build of 10,000 posts puts 160 MB of entries in one transaction: with SQLite's 4 KiB pages and
# 2 MiB page cache, that was 169,000 writes and 86,000 reads of pages spilled and spilled again, 8,000
# writes with 64 KiB pages (chosen when a cache is created). A page cache of 64 MiB was no faster than 8.
PAGE_BYTES = 65536
PAGE_CACHE_KIB = 8192
_TABLES = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE posts (path TEXT PRIMARY KEY, mtime_ns INTEGER, ctime_ns INTEGER, size INTEGER, inode INTEGER,
                    source_hash TEXT, post TEXT, problems TEXT NOT NULL, crc INTEGER NOT NULL);
CREATE TABLE entries (entry_key TEXT NOT NULL, format TEXT NOT NULL, xml BLOB NOT NULL, crc INTEGER NOT NULL,
                      PRIMARY KEY (entry_key, format));
CREATE TABLE feeds (file TEXT PRIMARY KEY, signature TEXT NOT NULL, mtime_ns INTEGER, size INTEGER);
"""


# What a post file's stat says of it: (mtime_ns, ctime_ns, size, inode). The ctime and the
# inode change on every write, even one that puts the mtime back (cp -p, rsync -t, tar x).
FileStat = tuple[int, int, int, int]


class CacheError(Exception):
    """The cache cannot be read or written; `path` names it (None: a cache in memory)."""

    def __init__(self, path: Path | None, reason: str):
        super().__init__(f"{path}: {reason}" if path else reason)
        self.path, self.reason = path, reason


@dataclass(frozen=True, slots=True)
class CachedPost:
    """One posts row, decoded: the post (None when the file had errors) and its problems."""

    stat: FileStat  # of the file when it was parsed
    source_hash: str  # SHA-256 of the file's bytes
    parsed: Post | None
    found: tuple[Problem, ...]

    def post(self) -> Post | None:
        return self.parsed

    def problems(self) -> list[Problem]:
        return list(self.found)


class Cache:
    """A read-write view of the cache for one build; `close(keep=True)` commits what was put."""

    def __init__(self, db: sqlite3.Connection, path: Path | None = None, notices: Iterable[Problem] = ()):
        self.db = db
        self.path = path  # the database file; None for a cache in memory
        self.notices: list[Problem] = list(notices)  # warnings about the cache itself, for the build's report
        self.failure: str | None = None  # why a write for the next build failed: the cache is dropped at close
        self._identity = _identity(path)
        # Rows are written in batches: one INSERT per post costs a second per 30,000.
        self._pending_posts: list[tuple] = []
        self._pending_entries: list[tuple] = []

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """Turn SQLite's errors into CacheError, naming this cache."""
        try:
            yield
        except sqlite3.Error as err:
            raise CacheError(self.path, _reason(err)) from None

    def _for_next_build(self, write: Callable[[], object]) -> None:
        """A write only the next build reads: a failure drops the cache at close instead of failing this build."""
        if self.failure is not None:
            return
        try:
            write()
        except sqlite3.Error as err:
            self.failure = _reason(err)

    def flush(self) -> None:
        """Write the buffered rows; reads of what was put need a flush first."""
        with self._reading():
            self._flush()

    def commit(self) -> None:
        """Commit what was put so far, for other processes to read (read_entries); a new transaction follows.

        Every row is keyed by the bytes it was made from, so a build interrupted
        after this leaves rows that are true; the meta rows that say what the
        last build published are written only at its end.
        """
        with self._reading():
            self._flush()
            self.db.execute("COMMIT")
            self.db.execute("BEGIN")

    def _flush(self) -> None:
        if self._pending_posts:
            self.db.executemany("INSERT OR REPLACE INTO posts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", self._pending_posts)
            self._pending_posts.clear()
        if self._pending_entries:
            self.db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)", self._pending_entries)
            self._pending_entries.clear()

    @classmethod
    def open(cls, folder: Path, settings_key: str) -> Cache:
        """Open or create the cache in `folder`; one of other settings or that SQLite cannot read is replaced.

        Raises CacheError when the folder or the database file cannot be used at
        all (a file where the folder should be, a folder where the database
        should be, read-only, a full disk): the caller builds without it.
        """
        path = folder / DATABASE_NAME
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise CacheError(folder, f"cannot create the folder: {_os_reason(err)}") from None
        if path.is_dir():
            raise CacheError(path, "is a folder, not a file")
        trouble = _usable(path, settings_key)
        if isinstance(trouble, sqlite3.Connection):
            return cls(trouble, path)
        notices = []
        if trouble:  # corrupt, not merely made by another version or other settings: say so
            notices.append(_notice(path, f"the build cache could not be read ({trouble}); rebuilt it from scratch"))
        try:
            for stale in folder.glob(f"{DATABASE_NAME}*"):
                stale.unlink(missing_ok=True)
        except OSError as err:
            raise CacheError(path, f"cannot replace it: {_os_reason(err)}") from None
        return cls(_create(path, settings_key), path, notices)

    @classmethod
    def in_memory(cls, settings_key: str) -> Cache:
        """A cache that lives as long as the build, for when no folder can hold one."""
        return cls(_create(":memory:", settings_key))

    def close(self, keep: bool) -> None:
        """Commit what was put (keep) or drop it. Never raises: a cache that cannot be saved is removed."""
        failure = self.failure
        if keep and failure is None:
            try:
                self._flush()
                self.db.execute("COMMIT")
            except sqlite3.Error as err:
                failure = _reason(err)
        if not keep or failure is not None:
            _quietly(lambda: self.db.execute("ROLLBACK"))
        _quietly(self.db.close)
        if not keep:
            return
        if failure is not None:
            self.discard()
            self.notices.append(
                _notice(self.path, f"the build cache could not be saved ({failure}); the next build starts without it")
            )
        elif self._identity is not None and _identity(self.path) != self._identity:
            self.notices.append(
                _notice(self.path, "the build cache was deleted while the build ran; the next build starts without it")
            )

    def discard(self) -> None:
        """Remove this cache's database files (after close), so the next build starts afresh; best effort."""
        if self.path is not None and self._identity is not None and _identity(self.path) == self._identity:
            remove_cache_folder(self.path.parent, keep_folder=True)

    def readable_elsewhere(self) -> bool:
        """Whether other processes can open this cache (read_entries): it is a file, and still the one opened."""
        return self.path is not None and self._identity is not None and _identity(self.path) == self._identity

    def file_system_now(self) -> int:
        """The cache file system's clock, in ns: the mtime the database takes when touched now; 0 in memory.

        A file's mtime comes from its file system's clock, which on a network
        mount need not agree with this machine's. Decides only which posts a
        build hashes instead of trusting their stat; nothing of it reaches a feed.
        """
        if self.path is None:
            return 0
        try:
            os.utime(self.path)
            return os.stat(self.path).st_mtime_ns
        except OSError:  # 0: every post with a cached row counts as possibly edited
            return 0

    # posts ---------------------------------------------------------------
    def posts(self) -> dict[str, CachedPost]:
        """Every cached post file by path, in one query; a row that cannot be decoded is left out (parsed again)."""
        with self._reading():
            rows = self.db.execute(
                "SELECT path, mtime_ns, ctime_ns, size, inode, source_hash, post, problems, crc FROM posts"
            ).fetchall()
        posts, unreadable = {}, []
        for path, mtime_ns, ctime_ns, size, inode, source_hash, post_json, problems_json, crc in rows:
            if row_crc(post_json, problems_json) != crc:
                unreadable.append(f"{path}: its bytes do not match their checksum")
                continue
            try:
                parsed = post_from_json(post_json) if post_json else None
                found = tuple(problems_from_json(problems_json)) if problems_json != "[]" else ()
            except (ValueError, TypeError, KeyError, AttributeError) as err:
                unreadable.append(f"{path}: {_reason(err)}")
                continue
            posts[path] = CachedPost((mtime_ns, ctime_ns, size, inode), source_hash, parsed, found)
        if unreadable:
            self.notices.append(
                _notice(
                    self.path,
                    f"{len(unreadable)} post(s) in the build cache could not be read ({unreadable[0]}); parsed them again",
                )
            )
        return posts

    def warnings(self) -> list[Problem]:
        """The warnings of every cached post, for a build that has nothing else to do."""
        with self._reading():
            rows = self.db.execute("SELECT problems FROM posts WHERE problems != '[]' ORDER BY path").fetchall()
        try:
            return [p for (text,) in rows for p in problems_from_json(text) if p.severity == "warning"]
        except (ValueError, TypeError) as err:
            raise CacheError(self.path, f"a post's problems cannot be read: {_reason(err)}") from None

    def put_post(self, path: str, stat: FileStat, source_hash: str, post: Post | None, problems: list[Problem]) -> None:
        post_json, problems_json = post_to_json(post) if post else None, problems_to_json(problems)
        checksum = row_crc(post_json, problems_json)
        self._pending_posts.append((path, *stat, source_hash, post_json, problems_json, checksum))
        if len(self._pending_posts) >= BATCH_ROWS:
            self.flush()

    def source_hashes(self, paths: Iterable[str]) -> dict[str, str]:
        """The content hash each of `paths` had when it was last parsed (paths not cached are left out)."""
        wanted = list(paths)
        found: dict[str, str] = {}
        with self._reading():
            for start in range(0, len(wanted), BATCH_ROWS):
                batch = wanted[start : start + BATCH_ROWS]
                marks = ",".join("?" * len(batch))
                query = f"SELECT path, source_hash FROM posts WHERE path IN ({marks})"
                found.update(self.db.execute(query, batch).fetchall())
        return found

    def forget_posts(self, paths: Iterable[str]) -> None:
        with self._reading():
            self.db.executemany("DELETE FROM posts WHERE path = ?", ((p,) for p in paths))

    # entries -------------------------------------------------------------
    def entries_with(self, formats: Iterable[str]) -> set[str]:
        """Keys of the entries cached in every one of `formats`, in one query."""
        wanted = list(dict.fromkeys(formats))
        marks = ",".join("?" * len(wanted))
        with self._reading():
            rows = self.db.execute(
                f"SELECT entry_key FROM entries WHERE format IN ({marks}) GROUP BY entry_key HAVING COUNT(*) = ?",
                (*wanted, len(wanted)),
            ).fetchall()
        return {row[0] for row in rows}

    def entries(self, keys: list[str], fmt: str) -> list[bytes]:
        """The entries for `keys` in one format, in the order of `keys`, in one query."""
        return _entries(self.db, self.path, keys, fmt)

    def put_entry(self, key: str, fmt: str, xml: bytes) -> None:
        self._pending_entries.append((key, fmt, xml, zlib.crc32(xml)))
        if len(self._pending_entries) >= BATCH_ROWS:
            self.flush()  # bounded: rendered entries must not pile up in memory

    def prune_entries(self, keep: set[str]) -> None:
        def prune() -> None:
            keys = [r[0] for r in self.db.execute("SELECT DISTINCT entry_key FROM entries")]
            self.db.executemany("DELETE FROM entries WHERE entry_key = ?", ((k,) for k in keys if k not in keep))

        self._for_next_build(prune)

    # feeds and the no-op stamp ---------------------------------------------
    def signatures(self) -> dict[str, tuple[str, int, int]]:
        """Output file -> (signature of its inputs, mtime_ns, size) as last written."""
        with self._reading():
            rows = self.db.execute("SELECT file, signature, mtime_ns, size FROM feeds").fetchall()
        return {row[0]: tuple(row[1:]) for row in rows}

    def put_signatures(self, signatures: dict[str, tuple[str, int, int]]) -> None:
        def put() -> None:
            self.db.execute("DELETE FROM feeds")
            self.db.executemany("INSERT INTO feeds VALUES (?, ?, ?, ?)", ((k, *v) for k, v in signatures.items()))

        self._for_next_build(put)

    def meta(self, key: str) -> str | None:
        with self._reading():
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def put_meta(self, key: str, value: str) -> None:
        self._for_next_build(lambda: self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value)))


def read_entries(path: Path, keys: Sequence[str], fmt: str) -> list[bytes]:
    """Cache.entries, read from another process by one connection of its own to the committed database at `path`.

    Raises CacheError as Cache.entries does.
    """
    db = _readers.get(path)
    if db is None:
        try:
            db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, isolation_level=None)
        except sqlite3.Error as err:
            raise CacheError(path, _reason(err)) from None
        _readers[path] = db
    return _entries(db, path, keys, fmt)


# A worker process's connections for read_entries, by database file: it reads the entries of one feed after another.
_readers: dict[Path, sqlite3.Connection] = {}


def _entries(db: sqlite3.Connection, path: Path | None, keys: Sequence[str], fmt: str) -> list[bytes]:
    if not keys:
        return []
    marks = ",".join("?" * len(keys))
    try:
        found = db.execute(
            f"SELECT entry_key, xml, crc FROM entries WHERE format = ? AND entry_key IN ({marks})", (fmt, *keys)
        ).fetchall()
    except sqlite3.Error as err:
        raise CacheError(path, _reason(err)) from None
    rows = {key: bytes(xml) for key, xml, crc in found if zlib.crc32(xml) == crc}
    if len(rows) < len(found):
        raise CacheError(path, "a rendered entry does not match its checksum")
    missing = [key for key in keys if key not in rows]
    if missing:  # rows vanish only when something outside this build touched the database
        raise CacheError(path, f"the rendered entry {missing[0]} is missing")
    return [rows[key] for key in keys]


def cache_folders(cache_dir: Path) -> list[Path]:
    """The per-output cache folders under `cache_dir`: those holding our database."""
    try:
        return [p for p in cache_dir.iterdir() if p.is_dir() and (p / DATABASE_NAME).is_file()]
    except OSError:
        return []


def remove_cache_folder(folder: Path, keep_folder: bool = False) -> None:
    """Delete our database files and the folder if that leaves it empty; nothing else, ever. Best effort."""
    try:
        paths = list(folder.glob(f"{DATABASE_NAME}*"))
    except OSError:
        return
    for path in paths:
        try:
            if path.is_file():
                path.unlink()
        except OSError:
            pass  # read-only, or gone already: the next build sees what is left and says so
    if keep_folder:
        return
    try:
        folder.rmdir()
    except OSError:
        pass


def _usable(path: Path, settings_key: str) -> sqlite3.Connection | str:
    """An open connection to the cache at `path` made with these settings, or why it is not one.

    "" means it is missing or was made by another version or with other settings (replace it
    silently); other text says why SQLite cannot read it (replace it, with a warning).
    Raises CacheError for what replacing cannot fix: read-only, locked, I/O errors.
    """
    if not path.exists():
        return ""
    try:
        db = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as err:
        raise CacheError(path, _reason(err)) from None
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        meta = dict(db.execute("SELECT key, value FROM meta"))
        db.execute(
            "SELECT path, mtime_ns, ctime_ns, size, inode, source_hash, post, problems, crc FROM posts LIMIT 1"
        ).fetchall()
        db.execute("SELECT entry_key, format, xml, crc FROM entries LIMIT 1").fetchall()
        db.execute("SELECT file, signature, mtime_ns, size FROM feeds LIMIT 1").fetchall()
        if meta.get("schema") == SCHEMA_VERSION and meta.get("settings") == settings_key:
            db.execute("BEGIN")
            return db
    except sqlite3.Error as err:
        db.close()
        name = getattr(err, "sqlite_errorname", "")
        if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
            return _reason(err)
        if name == "SQLITE_ERROR":
            return ""  # no such table or column: an older schema
        raise CacheError(path, _reason(err)) from None
    db.close()
    return ""


def _create(path: Path | str, settings_key: str) -> sqlite3.Connection:
    try:
        db = sqlite3.connect(path, isolation_level=None)
        if path != ":memory:":
            db.execute(f"PRAGMA page_size={PAGE_BYTES}")
            # A new cache is filled by one transaction: through a rollback journal its pages are written once,
            # through a WAL twice (the WAL, then the checkpoint at close, 0.5 s of a cold 10,000-post build).
            # Later builds change a few rows: _usable turns the WAL on for them.
            db.execute("PRAGMA journal_mode=DELETE")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
        db.executescript(_TABLES)
        db.execute("INSERT INTO meta VALUES ('schema', ?), ('settings', ?)", (SCHEMA_VERSION, settings_key))
        db.execute("BEGIN")
    except sqlite3.Error as err:
        raise CacheError(Path(path) if path != ":memory:" else None, _reason(err)) from None
    return db


def _identity(path: Path | None) -> tuple[int, int] | None:
    """Which file `path` is (device, inode), to notice it was deleted or replaced; None when missing."""
    if path is None:
        return None
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


def _notice(path: Path | None, message: str) -> Problem:
    return Problem(path, None, message, "warning")


def _reason(err: BaseException) -> str:
    return str(err) or type(err).__name__


def _os_reason(err: OSError) -> str:
    return err.strerror or str(err)


def _quietly(action: Callable[[], object]) -> None:
    try:
        action()
    except sqlite3.Error:
        pass
