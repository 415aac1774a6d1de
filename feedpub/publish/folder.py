"""The output folder itself: creating it, locking it, and the error for when it cannot be written."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = ".feedpub.lock"


class OutputError(Exception):
    """The output folder could not be written; `path` names the file or folder."""

    def __init__(self, path: Path, message: str):
        super().__init__(f"{path}: {message}")
        self.path, self.message = path, message


class LockTimeout(Exception):
    """Another build held the output folder's lock for longer than we would wait."""

    def __init__(self, path: Path, waited: float):
        super().__init__(f"{path}: another feedpub build holds the lock (waited {waited:g}s)")
        self.path, self.waited = path, waited


def prepare_output_dir(output_dir: Path) -> None:
    """Create the output folder, or explain why it cannot be one."""
    if output_dir.exists() and not output_dir.is_dir():
        raise OutputError(output_dir, "output folder is a file, not a folder")
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(output_dir, f"cannot create output folder: {err.strerror or err}") from None


@contextmanager
def build_lock(output_dir: Path, wait_seconds: float) -> Iterator[int]:
    """Hold an exclusive OS lock on the output folder for the whole build; yields its fd.

    flock locks die with their process, so a build killed halfway never
    leaves a lock that blocks the next one. Forked workers inherit the fd and
    with it the lock: they must close it (build.pool.Workers does).
    """
    path = output_dir / LOCK_NAME
    if path.is_dir():
        raise OutputError(path, "the lock file is a folder, so no build can lock the output folder; remove the folder")
    try:
        handle = open(path, "a+b")
    except OSError as err:
        raise OutputError(path, f"cannot open lock file: {err.strerror or err}") from None
    with handle:
        deadline = time.monotonic() + max(wait_seconds, 0)
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeout(path, wait_seconds) from None
                time.sleep(0.05)
        try:
            yield handle.fileno()
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
