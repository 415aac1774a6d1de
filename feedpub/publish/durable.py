"""Getting written files and renamed folders onto the disk, in as few waits for it as possible.

A published feed must never be replaced by a file whose bytes a power cut
could lose, so every staged file is flushed before any rename, and every
folder after its renames. fsync(2) waits for the disk once per file: a cold
build of 10,000 posts stages 4,000 files in 2,000 folders, and in a
single-process profile of one its 6,027 fsyncs took 1.6 s. On Linux,
syncfs(2) flushes everything written to one file system in a single wait,
so a build that stages many files flushes them with one syncfs before the
renames and one after.

A build of a few files fsyncs each of them: syncfs also waits for whatever
else the machine has written to that file system, which for a handful of
files can cost more than it saves. Linux reports a write-back error to
syncfs from 5.8 on, as it does to fsync.

Creating a file or a folder is a wait for the file system too: on the
benchmark's disk 0.05-0.5 ms each (the most just after thousands of files
were deleted), where writing 75 KB into it takes 25 µs. So Writer creates
them on a few threads, while the build goes on making the next feed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Collection
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

# From this many files or folders on, one syncfs flushes them (where the system has it).
SYNCFS_FROM = 64


# Threads creating files at once: 4,000 files in 2,000 new folders on the benchmark's disk took 4 threads
# 0.3-0.4 of the time of 1 when creating was slow, as long when it was fast; 16 were no faster than 4.
WRITER_THREADS = 4
# Files handed to the threads and not yet written: bounds the bytes held while the disk is slower than the build.
WRITES_IN_FLIGHT = 64


class WriteFailed(Exception):
    """A file Writer was given could not be written; `path` is the one its caller named."""

    def __init__(self, path: Path, error: OSError):
        super().__init__(f"{path}: {error.strerror or error}")
        self.path, self.error = path, error


class Writer:
    """Writes new files (their folders made as needed) on a few threads; `wait` reports the first failure."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._pending: list[tuple[Future[None], Path]] = []
        self._room = threading.BoundedSemaphore(WRITES_IN_FLIGHT)
        self._folders_made: set[Path] = set()

    def write(self, path: Path, data: bytes, named: Path) -> None:
        """Write `data` to the new file `path`, not flushed (see flush_files); `named` is the path a failure names."""
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor  # here: a build with nothing to write needs none

            self._pool = ThreadPoolExecutor(WRITER_THREADS, thread_name_prefix="feedpub-write")
        self._room.acquire()
        future = self._pool.submit(self._write, path, data)
        future.add_done_callback(lambda _: self._room.release())
        self._pending.append((future, named))

    def _write(self, path: Path, data: bytes) -> None:
        folder = path.parent
        if folder not in self._folders_made:
            folder.mkdir(parents=True, exist_ok=True)  # threads may race to make it: exist_ok
            self._folders_made.add(folder)
        write_file(path, data)

    def wait(self) -> None:
        """Wait for every write; raises WriteFailed for the first (in the order given) that failed."""
        pending, self._pending = self._pending, []
        failed: WriteFailed | None = None
        for future, named in pending:
            error = future.exception()
            if failed is None and isinstance(error, OSError):
                failed = WriteFailed(named, error)
            elif failed is None and error is not None:
                raise error
        if failed is not None:
            raise failed

    def close(self) -> None:
        """Wait for every write, failed or not, and stop the threads."""
        try:
            self.wait()
        except Exception:  # the caller is giving up on these files anyway
            pass
        finally:
            if self._pool is not None:
                self._pool.shutdown()
                self._pool = None


def write_file(path: Path, data: bytes) -> None:
    """Write `data` to a new file; flushing it is left to flush_files. Raises OSError."""
    with open(path, "wb") as handle:
        handle.write(data)


def write_file_now(path: Path, data: bytes) -> None:
    """Write `data` to a new file and fsync it. Raises OSError."""
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def flush_files(paths: Collection[Path], within: Path) -> None:
    """Every one of `paths` (files under the folder `within`) on the disk. Raises OSError."""
    if len(paths) >= SYNCFS_FROM and _sync_file_system(within):
        return
    for path in paths:
        _fsync_path(path, os.O_RDONLY)


def flush_folders(folders: Collection[Path], within: Path) -> None:
    """The entries of each folder (the renames in it) on the disk, as git and SQLite do. Raises OSError."""
    if len(folders) >= SYNCFS_FROM and _sync_file_system(within):
        return
    for folder in sorted(folders):
        _fsync_path(folder, os.O_RDONLY | os.O_DIRECTORY)


def _fsync_path(path: Path, flags: int) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_file_system(folder: Path) -> bool:
    """syncfs(2) the file system holding `folder`; False where there is no syncfs. Raises OSError."""
    syncfs = _syncfs()
    if syncfs is None:
        return False
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if syncfs(fd) != 0:
            import ctypes

            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))
    finally:
        os.close(fd)
    return True


@lru_cache(maxsize=1)
def _syncfs() -> Callable[[int], int] | None:
    import ctypes

    try:
        return ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):  # not Linux (or a libc without it): fsync each file
        return None
