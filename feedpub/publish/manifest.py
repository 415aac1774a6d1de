"""The manifest: every file a build published, with its SHA-256, in `output_dir/.feedpub-manifest.json`.

What it lists is what a later build may delete, so it is trusted whole or not
at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from feedpub.model import Problem
from feedpub.publish.folder import OutputError

MANIFEST_NAME = ".feedpub-manifest.json"
MANIFEST_VERSION = 1


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Manifest:
    """What the last build recorded: each file it wrote with its SHA-256.

    `also` lists, for a file an interrupted build was replacing, the other
    hashes it may hold: either version is ours. `posts` is how many posts
    the last published build showed (None when unknown). `unreadable` says
    why a manifest that exists was ignored (None when it was read or there
    is none): an empty manifest proves no file is ours, so none is removed.
    """

    files: dict[str, str] = field(default_factory=dict)
    also: dict[str, tuple[str, ...]] = field(default_factory=dict)
    posts: int | None = None
    unreadable: str | None = None


class _Unreadable(Exception):
    """Why a manifest cannot be trusted."""


def load_manifest(output_dir: Path) -> Manifest:
    """The manifest in `output_dir`; empty when missing, and empty with `unreadable` set when it cannot be trusted.

    Trusted whole or not at all: a manifest with one malformed part may be
    wrong anywhere, and what it lists is what a build may delete.
    """
    try:
        data = _read_manifest_bytes(output_dir / MANIFEST_NAME)
        if data is None:
            return Manifest()
        return _parse_manifest(data)
    except _Unreadable as why:
        return Manifest(unreadable=str(why))


def manifest_problem(output_dir: Path) -> Problem | None:
    """A warning when the manifest exists but cannot be trusted, for the build's report.

    Raises OutputError when the manifest's path is a folder: a build could not
    record what it publishes, and without that record later builds could
    neither remove stale feeds nor tell a crash's leftovers from your files.
    """
    path = output_dir / MANIFEST_NAME
    if path.is_dir():
        raise OutputError(
            path, "the manifest is a folder, so feedpub cannot record what it publishes; remove the folder"
        )
    why = load_manifest(output_dir).unreadable
    if why is None:
        return None
    return Problem(
        path,
        None,
        f"the manifest could not be read ({why}); building as if it were empty, so no file it listed is removed",
        "warning",
    )


def _read_manifest_bytes(path: Path) -> bytes | None:
    """The manifest's bytes; None when there is none. Never waits on a named pipe put in its place."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise _Unreadable(err.strerror or str(err)) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _Unreadable("not a regular file")
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read()
    except OSError as err:
        raise _Unreadable(err.strerror or str(err)) from None
    finally:
        os.close(fd)


def _parse_manifest(data: bytes) -> Manifest:
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise _Unreadable("not UTF-8 text") from None
    except (ValueError, RecursionError):  # RecursionError: '[' nested deeper than the parser goes
        raise _Unreadable("not JSON") from None
    if not isinstance(raw, dict):
        raise _Unreadable("not a JSON object")
    if "version" not in raw:
        raise _Unreadable('no "version"')
    if raw["version"] != MANIFEST_VERSION:  # a newer feedpub's, perhaps: what it lists may mean something else
        raise _Unreadable(f"version {_shown(raw['version'])}, where this feedpub reads {MANIFEST_VERSION}")
    files, also, posts = raw.get("files"), raw.get("also", {}), raw.get("posts")
    if not isinstance(files, dict) or not _all(files.values(), str):
        raise _Unreadable('"files" is not a map of file paths to SHA-256 hashes')
    if not isinstance(also, dict) or not all(isinstance(v, list) and _all(v, str) for v in also.values()):
        raise _Unreadable('"also" is not a map of file paths to lists of hashes')
    if posts is not None and (not isinstance(posts, int) or isinstance(posts, bool) or posts < 0):
        raise _Unreadable('"posts" is not a count')
    return Manifest(files=files, also={k: tuple(v) for k, v in also.items()}, posts=posts)


def _all(values: Iterable[object], kind: type) -> bool:
    return all(isinstance(v, kind) for v in values)


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 20 else text[:20] + "..."


def read_manifest(output_dir: Path) -> dict[str, str]:
    """Files the previous build wrote, with their hashes; empty when unknown or corrupt."""
    return load_manifest(output_dir).files
