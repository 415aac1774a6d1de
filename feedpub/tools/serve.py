"""`feedpub serve`: the output folder over HTTP, as a careful static host would serve feeds.

Feed readers are picky about what real hosts do, so this does it too: the
feeds' own media types, strong ETags and Last-Modified with 304 answers,
gzip, HEAD. Nothing outside the output folder is ever served, nor any hidden
file (the manifest, the lock, a build's temporary files). The watcher that
rebuilds on change lives here too; what a rebuild does is the caller's.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import queue
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.message import Message
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

from feedpub import __version__
from feedpub.feeds import FILENAMES, MEDIA_TYPES, OPML_FILENAME
from feedpub.model import one_line

_BY_NAME = {FILENAMES[fmt]: f"{MEDIA_TYPES[fmt]}; charset=utf-8" for fmt in FILENAMES}
_BY_NAME[OPML_FILENAME] = "text/x-opml; charset=utf-8"
_BY_SUFFIX = {
    # Browsers apply a feed's XSLT only when it comes as an XSL type.
    ".xsl": "text/xsl; charset=utf-8",
    ".xslt": "text/xsl; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}
_COMPRESSIBLE = ("text/", "+xml", "/xml", "json", "javascript", "svg")
INDEX = "index.html"
Log = Callable[[str], None]


_XML_FEEDS = {FILENAMES["atom"], FILENAMES["rss"]}


def content_type(name: str, accept: str = "") -> str:
    """The Content-Type for a file name: the feed formats' own types, else by suffix.

    A browser opening a feed (it asks for text/html, not for feeds) gets it as
    application/xml: browsers show application/atom+xml and rss+xml as plain
    text and would never apply feed.xsl. Feed readers ask for their types and get them.
    """
    if name in _XML_FEEDS and _is_browser(accept):
        return "application/xml; charset=utf-8"
    if name in _BY_NAME:
        return _BY_NAME[name]
    suffix = Path(name).suffix.lower()
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


def _is_browser(accept: str) -> bool:
    wanted = accept.lower()
    return "text/html" in wanted and "rss+xml" not in wanted and "atom+xml" not in wanted


def resolve(root: Path, request_target: str) -> Path | None:
    """The file or folder under `root` a request names, or None when it must be a 404.

    One percent-decoding, as browsers do; any hidden or dot segment ("..",
    ".feedpub.lock") is refused before the file system is asked, and what the
    path resolves to, symlinks followed, must still be inside `root`.
    """
    path = request_target.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/"):
        return None  # absolute-form and other odd targets: a static folder has no use for them
    decoded = unquote(path)
    if "\x00" in decoded or "\\" in decoded:
        return None
    segments = [segment for segment in decoded.split("/") if segment]
    if any(segment.startswith(".") for segment in segments):
        return None
    base = root.resolve()
    try:
        target = base.joinpath(*segments).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if not target.is_relative_to(base) or _hidden(target.relative_to(base)):
        return None
    return target


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def file_response(data: bytes, mtime: float, name: str, request_headers: Mapping[str, str] | Message) -> Response:
    """The answer to a GET of a file holding `data`: 200 (gzipped if accepted) or 304."""
    media_type = content_type(name, request_headers.get("Accept", ""))
    compressible = any(mark in media_type.split(";")[0] for mark in _COMPRESSIBLE)
    gzipped = compressible and accepts_gzip(request_headers.get("Accept-Encoding", ""))
    tag = hashlib.sha256(data).hexdigest()[:32]
    # A strong ETag names one representation: the gzipped bytes get their own.
    etag = f'"{tag}-gzip"' if gzipped else f'"{tag}"'
    headers = [
        ("ETag", etag),
        ("Last-Modified", formatdate(mtime, usegmt=True)),
        # Readers and browsers must revalidate: a rebuild may change any feed.
        ("Cache-Control", "no-cache"),
    ]
    if compressible:
        headers.append(("Vary", "Accept-Encoding, Accept" if name in _XML_FEEDS else "Accept-Encoding"))
    if not_modified(tag, mtime, request_headers):
        return Response(304, tuple(headers), b"")
    body = gzip.compress(data, mtime=0) if gzipped else data
    headers += [("Content-Type", media_type), ("Content-Length", str(len(body)))]
    if gzipped:
        headers.append(("Content-Encoding", "gzip"))
    return Response(200, tuple(headers), body)


def not_modified(tag: str, mtime: float, request_headers: Mapping[str, str] | Message) -> bool:
    """RFC 9110 13.1: If-None-Match decides when present; If-Modified-Since only otherwise."""
    if_none_match = request_headers.get("If-None-Match")
    if if_none_match is not None:
        # Weak comparison, either representation: the client's copy is current either way.
        given = {t.strip().removeprefix("W/").strip('"').removesuffix("-gzip") for t in if_none_match.split(",")}
        return "*" in given or tag in given
    since = request_headers.get("If-Modified-Since")
    if not since:
        return False
    try:
        stamp = parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False
    return stamp.tzinfo is not None and int(mtime) <= stamp.timestamp()


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows gzip (q=0 refuses it)."""
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        coding, _, params = item.partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[coding.strip().lower()] = weight
    for coding in ("gzip", "x-gzip"):
        if coding in weights:
            return weights[coding] > 0
    return weights.get("*", 0) > 0


class _Handler(BaseHTTPRequestHandler):
    server: FeedServer
    server_version = f"feedpub/{__version__}"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.answer(send_body=True)

    def do_HEAD(self) -> None:
        self.answer(send_body=False)

    def answer(self, send_body: bool) -> None:
        target = resolve(self.server.root, self.path)
        if target is not None and target.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                return self.redirect_to_folder(send_body)
            target = resolve(self.server.root, self.path.split("?", 1)[0] + INDEX)  # no listings
        response = self.read(target) if target is not None and target.is_file() else None
        self.send(
            response or Response(404, (("Content-Type", "text/plain; charset=utf-8"),), b"404 Not Found\n"), send_body
        )

    def read(self, target: Path) -> Response | None:
        try:
            with open(target, "rb") as handle:  # one open file: bytes and mtime of the same version
                mtime = os.fstat(handle.fileno()).st_mtime
                data = handle.read()
        except OSError:
            return None
        return file_response(data, mtime, target.name, self.headers)

    def redirect_to_folder(self, send_body: bool) -> None:
        path, _, query = self.path.partition("?")
        # One leading slash: "//host/" would send the browser to another host.
        location = "/" + path.lstrip("/") + "/" + (f"?{query}" if query else "")
        self.send(
            Response(
                301,
                (("Location", location), ("Content-Type", "text/plain; charset=utf-8")),
                b"Moved to " + location.encode("utf-8", "replace") + b"\n",
            ),
            send_body,
        )

    def send(self, response: Response, send_body: bool) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.status != 304 and not any(name == "Content-Length" for name, _ in response.headers):
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if send_body and response.status != 304:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        if self.server.log is not None:
            # The request line is the client's text: an escape sequence in it must not reach the terminal.
            self.server.log(one_line(f"{self.address_string()} {format % args}"))


class FeedServer(ThreadingHTTPServer):
    """An HTTP server for one output folder; `log` gets a line per request."""

    daemon_threads = True

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 8000, log: Log | None = None):
        self.root, self.log = root, log
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        if isinstance(host, bytes):  # only for AF_UNIX, which this server never binds
            host = host.decode()
        return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def start_server(root: Path, host: str = "127.0.0.1", port: int = 8000, log: Log | None = None) -> FeedServer:
    """A FeedServer already answering in a background thread; call .stop() to end it.

    Port 0 picks a free port: read it back from .url. Raises OSError when the
    address cannot be bound.
    """
    server = FeedServer(root, host, port, log)
    # A short poll interval: stop() waits for the loop to notice, and Ctrl-C should feel instant.
    threading.Thread(target=server.serve_forever, args=(0.05,), name="feedpub-serve", daemon=True).start()
    return server


def watch_sources(
    posts_dir: Path, config_path: Path, stop: threading.Event, debounce_ms: int = 300, ready_timeout: float = 10.0
) -> Iterator[list[Path]]:
    """Start watching posts and the config; the returned iterator yields the changed paths of each change.

    Returns once the watches are in place, so a change made after it is never
    missed. Ends when `stop` is set. The config is watched through its folder,
    not as a file: editors save by renaming a new file over the old one, and a
    watch on the old file would go deaf after the first save.
    """
    import watchfiles

    config_file = config_path.resolve()
    changes: queue.Queue = queue.Queue()

    def is_config(_change: object, path: str) -> bool:
        return Path(path).resolve() == config_file

    def run(folder: Path, recursive: bool, keep: Callable, ready: threading.Event) -> None:
        try:
            # yield_on_timeout: the first (empty) yield says the watch is in place.
            for batch in watchfiles.watch(
                folder,
                watch_filter=keep,
                recursive=recursive,
                stop_event=stop,
                debounce=debounce_ms,
                step=50,
                rust_timeout=200,
                yield_on_timeout=True,
                raise_interrupt=False,
            ):
                ready.set()
                if batch:
                    changes.put(sorted(Path(path) for _, path in batch))
        except Exception as err:
            changes.put(err)
            ready.set()

    watches = ((posts_dir, True, watchfiles.DefaultFilter()), (config_file.parent, False, is_config))
    readiness = [threading.Event() for _ in watches]
    for (folder, recursive, keep), ready in zip(watches, readiness, strict=True):
        threading.Thread(target=run, args=(folder, recursive, keep, ready), name="feedpub-watch", daemon=True).start()
    for ready in readiness:
        ready.wait(ready_timeout)
    return _batches(changes, stop)


def _batches(changes: queue.Queue, stop: threading.Event) -> Iterator[list[Path]]:
    """Everything that arrived together, as one batch: one rebuild for one save."""
    while not stop.is_set():
        try:
            first = changes.get(timeout=0.2)
        except queue.Empty:
            continue
        batch = [first]
        while not changes.empty():
            batch.append(changes.get_nowait())
        for item in batch:
            if isinstance(item, Exception):
                raise item
        yield sorted({path for paths in batch for path in paths})
