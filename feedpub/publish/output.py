"""Everything that writes to the output folder: lock, atomic files, manifest, stale feeds.

A build stages every changed file as a temporary file beside its target, and
only when all of them are on disk renames them into place. A reader or web
server therefore sees each feed either entirely old or entirely new, and a
full disk leaves every published feed as it was.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

LOCK_NAME = ".feedpub.lock"
MANIFEST_NAME = ".feedpub-manifest.json"
TEMP_MARK = ".feedpub-tmp-"
MANIFEST_VERSION = 1


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
    with it the lock: they must close it (workers.Workers does).
    """
    path = output_dir / LOCK_NAME
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


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(output_dir: Path) -> dict[str, str]:
    """Files the previous build wrote, with their hashes; empty when unknown or corrupt."""
    try:
        raw = json.loads((output_dir / MANIFEST_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    files = raw.get("files") if isinstance(raw, dict) and raw.get("version") == MANIFEST_VERSION else None
    if not isinstance(files, dict):
        return {}
    return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)}


@dataclass
class Publication:
    """One build's changes to the output folder, staged and then committed."""

    output_dir: Path
    previous: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256
    staged: list[tuple[Path, Path, str]] = field(default_factory=list)  # temp, target, rel
    unchanged: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, output_dir: Path) -> Publication:
        remove_leftover_temp_files(output_dir)
        return cls(output_dir, read_manifest(output_dir))

    def target(self, rel: str) -> Path:
        target = self.output_dir / rel
        if not target.resolve().is_relative_to(self.output_dir.resolve()):
            raise OutputError(target, "path leaves the output folder; refusing to write it")
        return target

    def keep(self, rel: str) -> bool:
        """Carry a file over unchanged without reading it; False when the manifest does not know it."""
        if rel not in self.previous:
            return False
        self.files[rel] = self.previous[rel]
        self.unchanged.append(rel)
        return True

    def stage(self, rel: str, data: bytes) -> bool:
        """Stage `data` for `rel`; False when the file already holds exactly these bytes."""
        target = self.target(rel)
        hashed = digest(data)
        self.files[rel] = hashed
        if _same_bytes(target, data):
            self.unchanged.append(rel)
            return False
        temp = target.with_name(f".{target.name}{TEMP_MARK}{os.getpid()}")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(temp, "wb") as handle:
                handle.write(data)
        except OSError as err:
            _remove_quietly(temp)
            self.abort()
            raise OutputError(target, f"cannot write: {err.strerror or err}") from None
        self.staged.append((temp, target, rel))
        return True

    def abort(self) -> None:
        """Drop every staged file; the published feeds stay as they were."""
        for temp, _, _ in self.staged:
            _remove_quietly(temp)
        self.staged.clear()

    def commit(self, delete_stale: bool) -> tuple[list[str], list[str]]:
        """Move staged files into place, record the manifest, remove stale feeds.

        Returns (written, removed), relative paths.
        """
        written = []
        for temp, target, rel in self.staged:
            try:
                os.replace(temp, target)
            except OSError as err:
                self.abort()
                raise OutputError(target, f"cannot replace: {err.strerror or err}") from None
            written.append(rel)
        self.staged.clear()
        stale = sorted(set(self.previous) - set(self.files))
        removed = self._remove(stale) if delete_stale else []
        kept = {rel: self.previous[rel] for rel in stale if rel not in removed}
        self._write_manifest({**kept, **self.files})
        return written, removed

    def _remove(self, stale: list[str]) -> list[str]:
        """Delete files an earlier build wrote, if nobody has changed them since."""
        removed = []
        for rel in stale:
            path = self.output_dir / rel
            if not path.resolve().is_relative_to(self.output_dir.resolve()):
                continue
            try:
                if digest(path.read_bytes()) != self.previous[rel]:
                    continue  # edited by someone else: not ours to delete any more
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError:
                continue
            removed.append(rel)
            _remove_empty_parents(path.parent, self.output_dir)
        return removed

    def _write_manifest(self, files: dict[str, str]) -> None:
        data = (
            json.dumps(
                {"version": MANIFEST_VERSION, "files": dict(sorted(files.items()))}, ensure_ascii=False, indent=1
            ).encode("utf-8")
            + b"\n"
        )
        path = self.output_dir / MANIFEST_NAME
        if _same_bytes(path, data):
            return
        temp = path.with_name(f"{path.name}{TEMP_MARK}{os.getpid()}")
        try:
            temp.write_bytes(data)
            os.replace(temp, path)
        except OSError as err:
            _remove_quietly(temp)
            raise OutputError(path, f"cannot write manifest: {err.strerror or err}") from None


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def remove_leftover_temp_files(output_dir: Path) -> list[Path]:
    """Temporary files of a build that was killed; only ours carry TEMP_MARK."""
    removed = []
    for folder, _, names in os.walk(output_dir):
        for name in names:
            if TEMP_MARK in name:
                path = Path(folder) / name
                _remove_quietly(path)
                removed.append(path)
    return removed


def _remove_empty_parents(folder: Path, stop: Path) -> None:
    """Remove the folders a stale feed leaves empty (tags/<slug>/), up to the output folder."""
    while folder != stop and folder.is_relative_to(stop):
        try:
            folder.rmdir()
        except OSError:
            return  # not empty (a user's file, another feed) or already gone
        folder = folder.parent


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
