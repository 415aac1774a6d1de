"""Finding post files and turning their bytes into front matter and body text.

Problems are returned as values with a file and line, never raised, so one run
reports every broken post at once.
"""

from __future__ import annotations

import errno
import hashlib
import math
import os
import re
import stat
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

from feedpub.model import Config, JekyllSite, Problem
from feedpub.sources.yamldoc import YamlDocument, YamlError, load_yaml

POST_SUFFIXES = (".md", ".markdown")
# A post this large is a log or a dump saved with a post's name, not an article: its entry
# would make every feed that shows it too large for a feed reader to fetch, and reading it
# would take the build's memory. The largest of 27,629 real Markdown files measured for
# render.limits (Rust's release notes) has 900 KB.
MAX_POST_BYTES = 8 * 1024 * 1024
# Characters XML 1.0 forbids (one makes the whole feed unreadable), and the C1
# controls it merely discourages, which YAML refuses and nobody means to publish.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
_FENCE = re.compile(r"^---[ \t]*$")
_FENCE_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
# Opening a FIFO without a writer blocks forever (with the build's lock held);
# non-blocking, the open returns at once and fstat shows what it is. Windows has
# neither FIFOs nor the flag.
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_FILE_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISDIR, "a folder"),
)


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: Path
    sha: str  # sha256 of the file's bytes
    front_matter: YamlDocument
    front_matter_line: int  # line of the file where the YAML text starts
    body: str
    body_line: int


def find_post_files(posts_dir: Path) -> tuple[list[Path], list[Problem]]:
    """Every post file under `posts_dir`, sorted, without following directory links.

    A file that is a symlink is read only when it resolves inside posts_dir:
    a post must not be able to publish an arbitrary file from the machine.
    A FIFO, socket or device named like a post is left out with a warning (reading
    a FIFO would hang), and a path that is not UTF-8 with an error: it could not
    go into a message, the cache or a feed.
    Runs on every cron build, so it uses scandir's cached file types.
    """
    root = posts_dir.resolve()
    found: list[str] = []
    problems: list[Problem] = []
    folders = [str(posts_dir)]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    # Jekyll keeps posts in _posts folders (en/news/_posts/...): those are read too.
                    if not entry.name.startswith((".", "_")) or entry.name == "_posts":
                        folders.append(entry.path)
                elif entry.name.endswith(POST_SUFFIXES) and not _ignored(entry.name):
                    problem = _unusable(entry, root)
                    if problem:
                        problems.append(problem)
                    else:
                        found.append(entry.path)
    # Sorted as Paths sort (by their parts), comparing strings: sorting 10,000 Paths was a tenth of a no-op build.
    return [Path(path) for path in sorted(found, key=lambda path: path.split("/"))], problems


# Jekyll reads a file in _posts only when its name has a date (Document::DATE_FILENAME_MATCHER).
JEKYLL_POST_NAME = re.compile(r"^(\d{2,4}-\d{1,2}-\d{1,2})-([^/]*)(\.[^.]+)$")


def find_jekyll_post_files(site: JekyllSite, output_dir: Path, drafts: bool) -> tuple[list[Path], list[Problem]]:
    """Every post of a Jekyll site, as Jekyll's reader finds them.

    Posts are the files in each `_posts` folder of the site (and in `_drafts` with
    `drafts`), at any depth in the folders Jekyll reads: not those starting with
    `.`, `_` or `#`, not those `exclude` lists (unless `include` does), not the
    output. A file in `_posts` whose name has no date is skipped, as Jekyll
    skips it, with a warning when it is named like a post.
    """
    root = site.source.resolve()
    skipped = {output_dir.resolve()}
    suffixes = (*site.markdown_ext, ".html")
    found: list[Path] = []
    problems: list[Problem] = []
    folders = [site.source]
    while folders:
        folder = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if not entry.is_dir(follow_symlinks=False):
                    continue
                if entry.name == "_posts" or (entry.name == "_drafts" and drafts):
                    _collect_jekyll_posts(Path(entry.path), entry.name == "_posts", suffixes, root, found, problems)
                elif _jekyll_reads(entry, site, root) and Path(entry.path).resolve() not in skipped:
                    folders.append(Path(entry.path))
    # The documents of the other collections jekyll-feed makes feeds of (feed: collections), in _<label>/.
    for label, _, _ in site.feed.collections:
        if (site.source / f"_{label}").is_dir():
            _collect_jekyll_posts(site.source / f"_{label}", False, suffixes, root, found, problems)
    return sorted(found), problems


def _jekyll_reads(entry: os.DirEntry[str], site: JekyllSite, root: Path) -> bool:
    """Whether Jekyll's EntryFilter lets a folder in: no special names, nothing excluded."""
    relative = Path(entry.path).relative_to(site.source).as_posix()
    if any(_matches(relative, pattern) for pattern in site.include):
        return True
    if entry.name.startswith((".", "_", "#")) or entry.name.endswith("~"):
        return False
    return not any(_matches(relative, pattern) for pattern in site.exclude)


def _matches(relative: str, pattern: str) -> bool:
    pattern = pattern.strip().strip("/")
    return bool(pattern) and (relative == pattern or relative.startswith(pattern + "/") or fnmatch(relative, pattern))


def _collect_jekyll_posts(
    folder: Path, dated: bool, suffixes: tuple[str, ...], root: Path, found: list[Path], problems: list[Problem]
) -> None:
    stack = [folder]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.name.startswith((".", "_", "#")) or entry.name.endswith("~"):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                    continue
                if not entry.name.lower().endswith(suffixes):
                    continue
                if dated and not JEKYLL_POST_NAME.match(entry.name):
                    problems.append(
                        Problem(Path(entry.path), None, "no date in the file name; Jekyll skips it too", "warning")
                    )
                    continue
                problem = _unusable(entry, root)
                if problem:
                    problems.append(problem)
                else:
                    found.append(Path(entry.path))


def post_files(config: Config, drafts: bool = False) -> tuple[list[Path], list[Problem]]:
    """Every post file of the site: under posts_dir, or a Jekyll site's _posts folders."""
    if config.jekyll is not None:
        return find_jekyll_post_files(config.jekyll, config.output_dir, drafts or config.jekyll.show_drafts)
    return find_post_files(config.posts_dir)


def _unusable(entry: os.DirEntry[str], root: Path) -> Problem | None:
    """Why a file named like a post cannot be read as one, or None when it can."""
    name_problem = None if entry.path.isascii() else _name_problem(entry.path)
    if name_problem:
        return name_problem
    if entry.is_symlink():
        link_problem = _symlink_problem(Path(entry.path), root)
        if link_problem:
            return link_problem
    # is_file() follows a link, and for anything else answers from scandir's file
    # type without a stat call; a FIFO here would hang the read.
    if not entry.is_file():
        try:
            return _not_regular(Path(entry.path), _kind_of(entry.stat().st_mode))
        except OSError as err:  # removed since the folder was listed
            return Problem(Path(entry.path), None, f"cannot read file: {err.strerror or err}")
    return None


def _name_problem(path: str) -> Problem | None:
    """A path the file system gives but UTF-8 cannot encode (os.fsdecode kept its bytes as surrogates).

    Such a path cannot go into a message, the cache or a JSON report, so the file
    is reported under its name with the bad bytes escaped, and left out.
    """
    raw = os.fsencode(path)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as err:
        shown = raw.decode("utf-8", "backslashreplace")
        return Problem(
            Path(shown), None, f"file name is not UTF-8 (byte 0x{raw[err.start]:02x}); rename the file to publish it"
        )
    return None


def _kind_of(mode: int) -> str:
    return next((kind for test, kind in _FILE_KINDS if test(mode)), "a special file")


def _not_regular(path: Path, kind: str) -> Problem:
    """A warning, not an error: nobody wrote a post there, so leaving it out loses nothing."""
    return Problem(path, None, f"not a regular file ({kind}); left out", "warning")


def _symlink_problem(path: Path, root: Path) -> Problem | None:
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return Problem(path, None, "cannot read file: it is a broken or looping symlink")
    if not target.is_relative_to(root):
        return Problem(path, None, "is a symlink to a file outside the posts folder; not read", "warning")
    return None


def _ignored(name: str) -> bool:
    """Hidden files and editor leftovers (.#post.md, #post.md#); backups like post.md~ never end in .md."""
    return name.startswith((".", "#"))


def read_source(path: Path) -> tuple[SourceFile | None, list[Problem]]:
    """Read one post file; None with problems when it cannot be used."""
    try:
        raw = regular_file_bytes(path, MAX_POST_BYTES)
    except NotRegularFile as err:
        return None, [_not_regular(path, err.kind)]
    except FileTooLarge as err:
        limit = MAX_POST_BYTES // (1024 * 1024)
        size = math.ceil(err.size / 1024 / 1024 * 10) / 10  # up: 8.01 MiB must not read as "8.0 MiB"
        return None, [Problem(path, 1, f"file is {size:.1f} MiB; a post may have at most {limit} MiB")]
    except FileNotFoundError:
        # Found a moment ago: removed since (a `git pull` during a cron build). The post is gone,
        # so a build without it publishes what the next one would.
        return None, [Problem(path, None, "removed while the build read the posts; left out", "warning")]
    except OSError as err:
        if err.errno == errno.ENXIO:  # what opening a socket gives
            return None, [_not_regular(path, "a socket")]
        return None, [Problem(path, None, f"cannot read file: {err.strerror or err}")]
    text, problem = decode(path, raw)
    if problem:
        return None, [problem]
    text, warnings = strip_forbidden_characters(path, text)
    source, problems = split_front_matter(path, hashlib.sha256(raw).hexdigest(), text)
    return source, warnings + problems


def read_body(path: Path, sha: str, body_line: int) -> str | None:
    """The body of a post file read before, from `body_line` on, if the file still has the bytes `sha` names.

    The front matter is not parsed again: a rendered post's metadata is the
    one its first reading gave. None when the file changed or cannot be read.
    """
    try:
        raw = regular_file_bytes(path, MAX_POST_BYTES)
    except OSError:
        return None
    if hashlib.sha256(raw).hexdigest() != sha:
        return None
    text, problem = decode(path, raw)
    if problem:
        return None
    text, _ = strip_forbidden_characters(path, text)
    return "\n".join(text.split("\n")[body_line - 1 :])


def file_sha(path: Path) -> str | None:
    """SHA-256 of a post file's bytes, as read_source computes it; None when it cannot be read as a post."""
    try:
        return hashlib.sha256(regular_file_bytes(path, MAX_POST_BYTES)).hexdigest()
    except OSError:
        return None


class NotRegularFile(OSError):
    """A path that is a FIFO, socket, device or folder where a file was expected."""

    def __init__(self, kind: str):
        super().__init__(f"not a regular file ({kind})")
        self.kind = kind
        self.strerror = str(self)


class FileTooLarge(OSError):
    def __init__(self, size: int):
        super().__init__(f"file is {size} bytes")
        self.size = size
        self.strerror = str(self)


def regular_file_bytes(path: Path, max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file; NotRegularFile (an OSError) for anything else,
    FileTooLarge when it has more than max_bytes (checked before reading).

    Reading a FIFO with no writer would block forever, with the build's lock
    held. For posts, find_post_files already left special files out; this
    guards the moment between that look and the read. Any other file feedpub
    reads (config, published feeds) goes through here too.
    """
    with open(os.open(path, os.O_RDONLY | _NONBLOCK), "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(_kind_of(info.st_mode))
        if max_bytes is not None and info.st_size > max_bytes:
            raise FileTooLarge(info.st_size)
        if max_bytes is None:
            return handle.read()
        # Sized by the file, not by the limit: read(limit) allocates the whole limit on every call.
        data = handle.read(info.st_size + 1)
        if len(data) > info.st_size:  # grew since the fstat
            data += handle.read(max_bytes + 1 - len(data))
        if len(data) > max_bytes:
            raise FileTooLarge(len(data))
        return data


def decode(path: Path, raw: bytes) -> tuple[str, Problem | None]:
    """UTF-8 text with the BOM dropped and line ends made "\\n"."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "", Problem(path, 1, "file is UTF-16; save it as UTF-8")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        if b"\x00" in raw[:8192]:
            return "", Problem(path, 1, "file is binary, not a Markdown text file")
        line = raw[: err.start].count(b"\n") + 1
        return "", Problem(
            path, line, f"file is not UTF-8 (byte 0x{raw[err.start]:02x} at offset {err.start}); save it as UTF-8"
        )
    return text.replace("\r\n", "\n").replace("\r", "\n"), None


# Lines named one warning each; the rest of a file's lines with such characters share one more warning
# (a terminal log pasted into a post has an escape character on each of its hundreds of lines).
WARNED_LINES = 3


def strip_forbidden_characters(path: Path, text: str) -> tuple[str, list[Problem]]:
    """Remove characters XML forbids, with a warning for each of the first lines that had them, and one for the rest."""
    if not XML_FORBIDDEN.search(text):
        return text, []
    lines = [
        (number, sorted(set(found)))
        for number, line in enumerate(text.split("\n"), start=1)
        if (found := XML_FORBIDDEN.findall(line))
    ]
    warnings = [
        Problem(path, number, f"removed control characters ({_code_points(found)})", "warning")
        for number, found in lines[:WARNED_LINES]
    ]
    rest = lines[WARNED_LINES:]
    if rest:
        found = sorted({character for _, characters in rest for character in characters})
        message = (
            f"removed control characters ({_code_points(found)}) on {len(rest)} more line(s), to line {rest[-1][0]}"
        )
        warnings.append(Problem(path, rest[0][0], message, "warning"))
    return XML_FORBIDDEN.sub("", text), warnings


def _code_points(characters: list[str]) -> str:
    return ", ".join(f"U+{ord(c):04X}" for c in characters)


def strip_forbidden(text: str) -> str:
    """The same cleaning for strings that YAML escapes produced (e.g. "\\ud800")."""
    return XML_FORBIDDEN.sub("", text)


def split_front_matter(path: Path, sha: str, text: str) -> tuple[SourceFile | None, list[Problem]]:
    """Split the leading `---` YAML block from the Markdown body, keeping line numbers.

    Done by hand rather than with python-frontmatter because its splitter eats
    blank lines and leading text, so YAML error lines stop matching the file.
    """
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0]):
        if "_posts" in path.parts and JEKYLL_POST_NAME.match(path.name):
            # Jekyll publishes a dated file in _posts without front matter: its name gives date and title.
            return SourceFile(path, sha, load_yaml(""), 1, text, 1), []
        return None, [Problem(path, 1, "no front matter: a post starts with a '---' line, then title: and date:")]
    end = next((i for i in range(1, len(lines)) if _FENCE_END.match(lines[i])), None)
    if end is None and "_posts" in path.parts and JEKYLL_POST_NAME.match(path.name):
        # Jekyll reads such a post as having no front matter: the whole file is its body, and it is published.
        message = "front matter is never closed (add a '---' line after it): the whole file is the body, as in Jekyll"
        return SourceFile(path, sha, load_yaml(""), 1, text, 1), [Problem(path, 1, message, "warning")]
    if end is None:
        return None, [Problem(path, 1, "front matter is never closed: add a '---' line after it")]
    try:
        document = load_yaml("\n".join(lines[1:end]), duplicates="last", tabs_after_colons=True)
    except YamlError as err:
        line = err.line + 1 if err.line is not None else 1
        return None, [Problem(path, line, err.describe(offset=1))]
    body = "\n".join(lines[end + 1 :])
    return SourceFile(path, sha, document, 2, body, end + 2), []
