"""Publishing into the output folder: atomic, durable files, the manifest written around them, stale feeds.

A build stages every changed file as a temporary file beside its target, and
only when all of them are on disk renames them into place. A reader or web
server therefore sees each feed either entirely old or entirely new, and a
full disk leaves every published feed as it was.

The order of a commit keeps the manifest from ever being behind the folder:
stage every file and flush them all to disk; write a manifest that lists the
old and the new files; rename (keeping a hard link to each file replaced, so a
failure can put it back); flush the folders; write the final manifest, which
is the moment the build is published; only then drop the old copies and
remove stale feeds.

On Linux both flushes are one syncfs(2) each, where fsyncing every file and
folder would wait for the disk 6,000 times in a build of 10,000 posts (see
publish.durable).
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from feedpub.publish import durable
from feedpub.publish.folder import OutputError
from feedpub.publish.manifest import MANIFEST_NAME, MANIFEST_VERSION, Manifest, digest, load_manifest
from feedpub.sources.files import regular_file_bytes

TEMP_MARK = ".feedpub-tmp-"
OLD_MARK = ".feedpub-old-"

# The only names a build gives its own temporary files: `.NAME.feedpub-tmp-PID` for
# a new version of NAME, `.NAME.feedpub-old-PID` for the version it replaces.
_OURS = re.compile(r"\.(?P<target>.+)\.feedpub-(?:tmp|old)-[0-9]+")
_MANIFEST_TEMP = re.compile(re.escape(MANIFEST_NAME + TEMP_MARK) + r"[0-9]+")


@dataclass
class Publication:
    """One build's changes to the output folder, staged and then committed."""

    output_dir: Path
    manifest: Manifest = field(default_factory=Manifest)
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256
    staged: list[tuple[Path, Path, str]] = field(default_factory=list)  # temp, target, rel
    unchanged: list[str] = field(default_factory=list)
    posts_shown: int | None = None  # recorded in the manifest for the next build's shrink check
    settled: bool = True  # False when the manifest still lists feeds this build removed
    _resolved: dict[Path, bool] = field(default_factory=dict)  # path -> resolves into output_dir
    _resolved_root: Path | None = None
    _scanned: set[Path] = field(default_factory=set)  # folders whose symbolic links are in _links
    _links: set[Path] = field(default_factory=set)
    _writer: durable.Writer = field(default_factory=durable.Writer)
    _reserved: dict[str, tuple[Path, Path]] = field(default_factory=dict)  # rel -> temp, target: see reserve

    @classmethod
    def open(cls, output_dir: Path) -> Publication:
        return cls(output_dir, load_manifest(output_dir))

    @property
    def previous(self) -> dict[str, str]:
        return self.manifest.files

    def sweep(self, planned: Iterable[str] = ()) -> list[Path]:
        """Remove temporary files an interrupted build of this output folder left behind.

        It looks into the folder of every file published or planned, and notes
        which of those folders are inside the output folder and which of their
        files are symbolic links: `target` then needs no look at the disk
        while the build writes into those very folders.
        """
        known = {*self.previous, *self.manifest.also, *planned}
        folders = {rel: self.output_dir / rel for rel in sorted({"", *(rel.rpartition("/")[0] for rel in known)})}
        found = scan_folders({rel: folder for rel, folder in folders.items() if self._inside(folder)})
        self._scanned.update(folders[rel] for rel in found)
        self._links.update(Path(entry.path) for entries in found.values() for entry in entries if entry.is_symlink())
        return remove_leftover_temp_files(found, known)

    def target(self, rel: str) -> Path:
        """Where `rel` is published; OutputError when it or a folder on its way is a link out of the folder."""
        target = self.output_dir / rel
        link = target in self._links if target.parent in self._scanned else target.is_symlink()
        if not self._inside(target.parent) or (link and not self._inside(target)):
            raise OutputError(target, "path leaves the output folder; refusing to write it")
        return target

    def _inside(self, path: Path) -> bool:
        """True when `path` (the output folder or a path in it) resolves into the output folder.

        Each folder on the way is looked at once a build, with one lstat: only a
        link can lead out, and a path that does not exist yet will be made a folder.
        """
        known = self._resolved.get(path)
        if known is None:
            if path == self.output_dir:
                known = True
            elif path.name == ".." or path.parent == path or not self._inside(path.parent):
                known = False  # ".." would leave it, and the file system's root is not in it
            else:
                try:
                    link = stat.S_ISLNK(os.lstat(path).st_mode)
                except OSError:
                    link = False  # not there yet: made a folder by this build
                known = not link or path.resolve().is_relative_to(self._root())
            self._resolved[path] = known
        return known

    def _root(self) -> Path:
        if self._resolved_root is None:
            self._resolved_root = self.output_dir.resolve()
        return self._resolved_root

    def keep(self, rel: str) -> bool:
        """Carry a file over unchanged without reading it; False when the manifest does not know it.

        A file an interrupted build was replacing may hold either version: it must be read.
        """
        if rel not in self.previous or rel in self.manifest.also:
            return False
        self.files[rel] = self.previous[rel]
        self.unchanged.append(rel)
        return True

    def stage(self, rel: str, data: bytes) -> bool:
        """Stage `data` for `rel` (flushed to disk by commit); False when the file already holds these bytes.

        OutputError for a file this publication already has: two feeds planned into one file.
        """
        target = self.target(rel)
        if rel in self.files:
            raise OutputError(
                target, "two feeds of this build would be written to this one file; nothing was published"
            )
        hashed = digest(data)
        self.files[rel] = hashed
        if _same_bytes(target, data):
            self.unchanged.append(rel)
            return False
        temp = _temp_name(target)
        self.staged.append((temp, target, rel))
        self._writer.write(temp, data, named=target)
        return True

    def reserve(self, rel: str) -> tuple[Path, Path]:
        """The temporary file and the target of `rel`, for another process to stage (stage_file); see staged_elsewhere.

        Errors as stage's. Abort removes the temporary file whether or not it was written.
        """
        target = self.target(rel)
        if rel in self.files or rel in self._reserved:
            raise OutputError(
                target, "two feeds of this build would be written to this one file; nothing was published"
            )
        temp = _temp_name(target)
        self._reserved[rel] = (temp, target)
        return temp, target

    def staged_elsewhere(self, rel: str, hashed: str, written: bool) -> None:
        """Record what stage_file did with a reserved file: written (`hashed`: its SHA-256) or already there."""
        temp, target = self._reserved.pop(rel)
        self.files[rel] = hashed
        if written:
            self.staged.append((temp, target, rel))
        else:
            self.unchanged.append(rel)

    def abort(self) -> None:
        """Drop every staged file; the published feeds stay as they were."""
        self._writer.close()
        for temp, _, _ in self.staged:
            _remove_quietly(temp)
        for temp, _ in self._reserved.values():
            _remove_quietly(temp)
        self.staged.clear()
        self._reserved.clear()

    def stale(self) -> list[str]:
        """Files the last build wrote that this one does not (so far)."""
        return sorted(set(self.previous) - set(self.files))

    def commit(self, delete_stale: bool) -> tuple[list[str], list[str]]:
        """Move staged files into place, record the manifest, remove stale feeds.

        All or nothing up to the final manifest: a failure before it puts every
        replaced file back and raises OutputError. Returns (written, removed).
        """
        assert not self._reserved, "every reserved file is staged elsewhere before the commit"
        stale = self.stale()
        kept_stale = {rel: self.previous[rel] for rel in stale}
        done: list[tuple[Path, Path | None]] = []  # each target renamed, with its old copy (None: it is new)
        try:
            self._writer.wait()
        except durable.WriteFailed as failed:
            self.abort()
            raise OutputError(failed.path, f"cannot write: {failed.error.strerror or failed.error}") from None
        finally:
            self._writer.close()
        step = self.output_dir
        try:
            durable.flush_files([temp for temp, _, _ in self.staged], self.output_dir)
            step = self.output_dir / MANIFEST_NAME
            if self.staged:
                self._write_manifest({**kept_stale, **self.files}, self._also_during(), self.manifest.posts)
            for temp, target, _ in self.staged:
                step = target
                old = _keep_old_copy(target)
                try:
                    os.replace(temp, target)
                except OSError:
                    if old is not None:
                        _remove_quietly(old)
                    raise
                done.append((target, old))
            step = self.output_dir
            durable.flush_folders(self._folders_changed(done), self.output_dir)
            step = self.output_dir / MANIFEST_NAME
            self._write_manifest({**kept_stale, **self.files}, self._also_of(stale), self.posts_shown)
        except OSError as err:
            _roll_back(done, self.output_dir)
            self.abort()
            raise OutputError(step, f"cannot publish: {err.strerror or err}") from None
        written = [rel for _, _, rel in self.staged]
        for _, old in done:
            if old is not None:
                _remove_quietly(old)
        self.staged.clear()
        removed = self._remove(stale) if delete_stale else []
        if removed:
            kept = {rel: h for rel, h in kept_stale.items() if rel not in removed}
            try:
                self._write_manifest({**kept, **self.files}, self._also_of(list(kept)), self.posts_shown)
            except OSError:
                self.settled = False  # it still lists the removed files: the next build drops them
        return written, removed

    def _folders_changed(self, done: list[tuple[Path, Path | None]]) -> set[Path]:
        """The folders of the renamed files, and for a new file each folder made for it."""
        folders = set()
        for target, old in done:
            folder = target.parent
            folders.add(folder)
            while old is None and folder != self.output_dir and folder.is_relative_to(self.output_dir):
                folder = folder.parent
                folders.add(folder)
        return folders

    def _also_during(self) -> dict[str, tuple[str, ...]]:
        """While renaming, a replaced file holds its old hash or its new one: both are ours."""
        also = {rel: self.manifest.also[rel] for rel in self.stale() if rel in self.manifest.also}
        for _, _, rel in self.staged:
            earlier = {*self.manifest.also.get(rel, ()), self.previous.get(rel, "")} - {"", self.files[rel]}
            if earlier:
                also[rel] = tuple(sorted(earlier))
        return also

    def _also_of(self, rels: list[str]) -> dict[str, tuple[str, ...]]:
        return {rel: self.manifest.also[rel] for rel in rels if rel in self.manifest.also}

    def _remove(self, stale: list[str]) -> list[str]:
        """Delete files an earlier build wrote, if nobody has changed them since."""
        removed = []
        for rel in stale:
            path = self.output_dir / rel
            if not path.resolve().is_relative_to(self.output_dir.resolve()):
                continue
            try:
                if digest(regular_file_bytes(path)) not in {self.previous[rel], *self.manifest.also.get(rel, ())}:
                    continue  # edited by someone else: not ours to delete any more
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError:
                continue
            removed.append(rel)
            _remove_empty_parents(path.parent, self.output_dir)
        return removed

    def _write_manifest(self, files: dict[str, str], also: dict[str, tuple[str, ...]], posts: int | None) -> None:
        """Replace the manifest atomically and durably; raises OSError."""
        content: dict = {"version": MANIFEST_VERSION, "files": dict(sorted(files.items()))}
        if also:
            content["also"] = {rel: list(hashes) for rel, hashes in sorted(also.items())}
        if posts is not None:
            content["posts"] = posts
        data = json.dumps(content, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"
        path = self.output_dir / MANIFEST_NAME
        if _same_bytes(path, data):
            return
        temp = path.with_name(f"{path.name}{TEMP_MARK}{os.getpid()}")
        try:
            durable.write_file_now(temp, data)
            os.replace(temp, path)
        except OSError:
            _remove_quietly(temp)
            raise
        durable.flush_folders({self.output_dir}, self.output_dir)


def stage_file(temp: Path, target: Path, data: bytes) -> bool:
    """Write `data` to `temp` (making its folders), not flushed: Publication.commit flushes and renames it.

    False, writing nothing, when `target` already holds these bytes. Raises
    OSError, leaving no temporary file behind.
    """
    if _same_bytes(target, data):
        return False
    temp.parent.mkdir(parents=True, exist_ok=True)
    try:
        durable.write_file(temp, data)
    except OSError:
        _remove_quietly(temp)
        raise
    return True


def _temp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}{TEMP_MARK}{os.getpid()}")


def _keep_old_copy(target: Path) -> Path | None:
    """A hard link to the file about to be replaced, to put it back if the build fails; None if none."""
    old = target.with_name(f".{target.name}{OLD_MARK}{os.getpid()}")
    _remove_quietly(old)
    try:
        os.link(target, old)
    except FileNotFoundError:
        return None
    except OSError:
        return None  # no hard links here (some network and FUSE file systems): the manifest still knows both hashes
    return old


def _roll_back(done: list[tuple[Path, Path | None]], output_dir: Path) -> None:
    """Put back every file this build replaced, newest first; best effort."""
    for target, old in reversed(done):
        try:
            if old is not None:
                os.replace(old, target)
            else:
                target.unlink()
                _remove_empty_parents(target.parent, output_dir)
        except OSError:
            pass  # both versions are listed in the manifest, so the next build sets it right


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return regular_file_bytes(path) == data
    except OSError:
        return False


def scan_folders(folders: dict[str, Path]) -> dict[str, list[os.DirEntry]]:
    """The entries of each folder that exists, by its path relative to the output folder."""
    found = {}
    for rel, folder in folders.items():
        try:
            found[rel] = list(os.scandir(folder))
        except OSError:
            continue
    return found


def remove_leftover_temp_files(folders: dict[str, list[os.DirEntry]], targets: Iterable[str]) -> list[Path]:
    """Temporary files of an interrupted build of this output folder; returns those removed.

    Only names our own scheme makes (`.NAME.feedpub-tmp-PID`, `.NAME.feedpub-old-PID`)
    and only when NAME is one of `targets` (the files this output folder's
    manifest and plan know) are ours. Only `folders` (those of these files
    and the output folder itself, by relative path, with their entries) are
    looked at, never walked: another build's output nested in ours, a `.git`
    or a user's file are left alone.
    """
    known = set(targets)
    removed = []
    for folder_rel, entries in folders.items():
        for entry in entries:
            if entry.is_file(follow_symlinks=False) and _is_our_temp(folder_rel, entry.name, known):
                _remove_quietly(Path(entry.path))
                removed.append(Path(entry.path))
    return removed


def _is_our_temp(folder_rel: str, name: str, known: set[str]) -> bool:
    if folder_rel == "" and _MANIFEST_TEMP.fullmatch(name):
        return True
    match = _OURS.fullmatch(name)
    if match is None:
        return False
    target = match["target"]
    return (f"{folder_rel}/{target}" if folder_rel else target) in known


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
