"""`feedpub serve`: the output folder over HTTP, as a careful static host would serve feeds.

Feed readers are picky about what real hosts do, so this does it too: the
feeds' own media types, strong ETags and Last-Modified with 304 answers,
gzip, HEAD. Nothing outside the output folder is ever served, nor any hidden
file (the manifest, the lock, a build's temporary files). Every request gets
a status code, a 500 at worst, and an idle connection is closed after a
while, so a few hundred idle sockets cannot starve it.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import socket
import stat
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import Message
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
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
IDLE_TIMEOUT = 10.0  # seconds a connection may stay silent before it is closed
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


def _mode(path: Path) -> int:
    """The file type bits of `path`, 0 when there is nothing there to serve.

    A name the file system refuses (a segment over 255 bytes is ENAMETOOLONG,
    which Path.is_file() raises) is simply not there: a 404, not a crash.
    """
    try:
        return path.stat().st_mode
    except (OSError, ValueError):
        return 0


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def text_response(status: int, text: str) -> Response:
    """A short plain-text answer, for the statuses that have no file behind them."""
    return Response(status, (("Content-Type", "text/plain; charset=utf-8"),), text.encode("utf-8") + b"\n")


NOT_FOUND = text_response(404, "404 Not Found")
INTERNAL_ERROR = text_response(500, "500 Internal Server Error")


def file_response(
    data: bytes, mtime: float, name: str, request_headers: Mapping[str, str] | Message, now: float
) -> Response:
    """The answer to a GET of a file holding `data`: 200 (gzipped if accepted) or 304.

    `now`, a Unix time, is what a client's If-Modified-Since may not be later than.
    """
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
    if not_modified(tag, mtime, request_headers, now):
        return Response(304, tuple(headers), b"")
    body = gzip.compress(data, mtime=0) if gzipped else data
    headers += [("Content-Type", media_type), ("Content-Length", str(len(body)))]
    if gzipped:
        headers.append(("Content-Encoding", "gzip"))
    return Response(200, tuple(headers), body)


def not_modified(tag: str, mtime: float, request_headers: Mapping[str, str] | Message, now: float) -> bool:
    """RFC 9110 13.1: If-None-Match decides when present; If-Modified-Since only otherwise.

    An If-Modified-Since that is not a date, or a date later than `now`, is
    ignored (RFC 9110 13.1.3, RFC 2616 14.25): the client gets the whole file.
    """
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
        seconds = stamp.timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):  # year 99999999999 overflows a C int
        return False
    # A date without a zone (-0000) names no instant; one in the future is a client's bug.
    return stamp.tzinfo is not None and seconds <= now and int(mtime) <= seconds


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
    # What a request line without a valid HTTP version is answered as. The default, 0.9,
    # answers a bare body without a status line; no HTTP/0.9 client is left to need that.
    default_request_version = "HTTP/1.0"

    def setup(self) -> None:
        super().setup()
        # A client silent this long is closed (the read raises TimeoutError), so idle
        # keep-alive sockets cannot hold every thread and file descriptor for ever.
        self.connection.settimeout(self.server.idle_timeout)

    def do_GET(self) -> None:
        self.send(self.answer(), send_body=True)

    def do_HEAD(self) -> None:
        self.send(self.answer(), send_body=False)

    def answer(self) -> Response:
        """The response to this GET or HEAD; a bug in making it is a 500 and one log line, never a dropped connection."""
        try:
            return self.respond()
        except Exception as err:
            self.log_error("internal error: %s: %s", type(err).__name__, err)
            return INTERNAL_ERROR

    def respond(self) -> Response:
        path = self.path.split("?", 1)[0]
        target = resolve(self.server.root, self.path)
        if target is not None and stat.S_ISDIR(_mode(target)):
            if not path.endswith("/"):
                return self.redirect_to_folder()
            target = resolve(self.server.root, path + INDEX)  # no listings
        if target is None or not stat.S_ISREG(_mode(target)):  # nor FIFOs or devices: open() would block
            return NOT_FOUND
        return self.read(target) or NOT_FOUND

    def read(self, target: Path) -> Response | None:
        try:
            with open(target, "rb") as handle:  # one open file: bytes and mtime of the same version
                mtime = os.fstat(handle.fileno()).st_mtime
                data = handle.read()
        except OSError:
            return None
        return file_response(data, mtime, target.name, self.headers, self.server.clock())

    def redirect_to_folder(self) -> Response:
        path, _, query = self.path.partition("?")
        # One leading slash: "//host/" would send the browser to another host.
        location = "/" + path.lstrip("/") + "/" + (f"?{query}" if query else "")
        return Response(
            301,
            (("Location", location), ("Content-Type", "text/plain; charset=utf-8")),
            b"Moved to " + location.encode("utf-8", "replace") + b"\n",
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

    def log_error(self, format: str, *args: object) -> None:
        # A keep-alive connection closed for being idle is the timeout working, not an error worth a line.
        if not format.startswith("Request timed out"):
            super().log_error(format, *args)

    def log_message(self, format: str, *args: object) -> None:
        if self.server.log is None:
            return
        try:
            # The request line is the client's text: an escape sequence in it must not reach the terminal.
            self.server.log(one_line(f"{self.address_string()} {format % args}"))
        except Exception:
            pass  # a log that cannot be written (stderr closed) must not cost the client its answer


class FeedServer(ThreadingHTTPServer):
    """An HTTP server for one output folder; `log` gets a line per request.

    A connection silent for `idle_timeout` seconds is closed. `clock` gives the
    Unix time that a client's If-Modified-Since may not be later than.
    """

    daemon_threads = True
    # The listen backlog (nginx uses 511); with socketserver's 5, a burst of clients has SYNs dropped
    # and each waits a second to retry.
    request_queue_size = 512

    def __init__(
        self,
        root: Path,
        host: str = "127.0.0.1",
        port: int = 8000,
        log: Log | None = None,
        idle_timeout: float = IDLE_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ):
        self.root, self.log, self.idle_timeout, self.clock = root, log, idle_timeout, clock
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        if isinstance(host, bytes):  # only for AF_UNIX, which this server never binds
            host = host.decode()
        return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"

    def get_request(self) -> tuple[socket.socket, Any]:
        try:
            return super().get_request()
        except OSError:
            # Out of file descriptors (EMFILE): the pending client stays queued, and the
            # loop would spin on it until idle connections time out. Spin slowly.
            time.sleep(0.05)
            raise

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One line for what escaped a handler, instead of socketserver's traceback on stderr."""
        error = sys.exc_info()[1]
        if self.log is None or isinstance(error, (ConnectionError, TimeoutError)):
            return  # the client went away or went silent: nothing to tell
        try:
            self.log(one_line(f"{client_address[0]} internal error: {type(error).__name__}: {error}"))
        except Exception:
            pass

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def start_server(
    root: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    log: Log | None = None,
    idle_timeout: float = IDLE_TIMEOUT,
) -> FeedServer:
    """A FeedServer already answering in a background thread; call .stop() to end it.

    Port 0 picks a free port: read it back from .url. Raises OSError when the
    address cannot be bound. A connection silent for `idle_timeout` seconds is closed.
    """
    server = FeedServer(root, host, port, log, idle_timeout)
    # A short poll interval: stop() waits for the loop to notice, and Ctrl-C should feel instant.
    threading.Thread(target=server.serve_forever, args=(0.05,), name="feedpub-serve", daemon=True).start()
    return server
