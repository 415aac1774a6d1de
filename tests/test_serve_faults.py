"""`feedpub serve` under faults: every request gets a status code, idle sockets cannot starve it, a preview stays apart.

Real sockets to 127.0.0.1 only; every wait is bounded and every socket closed.
"""

from __future__ import annotations

import http.client
import select
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import NOW, post, run_cli
from served import Served, fetch

from feedpub.tools import serve
from feedpub.tools.serve import FeedServer, start_server

DRAFT_TITLE = "Unannounced Merger Plans"


@pytest.fixture
def root(tmp_path) -> Path:
    """An output folder with one feed in it."""
    folder = tmp_path / "public"
    folder.mkdir()
    (folder / "atom.xml").write_bytes(b'<?xml version="1.0"?><feed/>')
    return folder


@pytest.fixture
def logged() -> list[str]:
    return []


@pytest.fixture
def server(root, logged):
    running = start_server(root, "127.0.0.1", 0, log=logged.append)
    yield running
    running.stop()


def address(server: FeedServer) -> tuple[str, int]:
    host, port = server.server_address[:2]
    assert isinstance(host, str)
    return host, port


def request(server: FeedServer, path: str, **headers: str) -> tuple[int, bytes]:
    """One GET on a connection of its own, the path sent as given; (status, body)."""
    connection = http.client.HTTPConnection(*address(server), timeout=5)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name.replace("_", "-"), value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# --- every request gets a status code ----------------------------------------------------


@pytest.mark.parametrize("path", ["/" + "a" * 300 + "/atom.xml", "/" + "a" * 300, "/" + "%E5%8C%BA" * 100])
def test_a_path_segment_longer_than_the_file_system_allows_is_404(server, path):
    status, body = request(server, path)

    assert (status, body) == (404, b"404 Not Found\n")


@pytest.mark.parametrize(
    "since",
    [
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "Sat, 01 Jan 10000 00:00:00 GMT",
        "Thu, 01 Jan 99999999999 00:00:00 GMT",
        "Mon, 01 Jan 0000 00:00:00 GMT",
        "Tue, 01 Jan 2030 99:00:00 GMT",
        "yesterday",
        "",
    ],
)
def test_an_if_modified_since_in_the_future_or_malformed_is_ignored(server, root, since):
    status, body = request(server, "/atom.xml", If_Modified_Since=since)

    assert status == 200 and body == (root / "atom.xml").read_bytes()


def test_if_modified_since_compares_with_the_clock_it_is_given():
    headers = {"If-Modified-Since": "Thu, 01 Jan 2099 00:00:00 GMT"}
    in_2099 = 4070908800.0

    assert serve.not_modified("tag", 1000.0, headers, now=in_2099 + 1)
    assert not serve.not_modified("tag", 1000.0, headers, now=in_2099 - 1)


@pytest.mark.parametrize(
    "request_line",
    [b"GET /atom.xml HTTP/1.1.1", b"GET /atom.xml HTTP/1.1 extra", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"],
)
def test_a_malformed_request_line_gets_a_400_status_line_and_the_server_goes_on(server, request_line):
    with socket.create_connection(address(server), timeout=5) as raw:
        raw.sendall(request_line + b"\r\nHost: x\r\n\r\n")
        answer = raw.makefile("rb").readline()

    assert answer.startswith(b"HTTP/1.1 400 ")
    assert request(server, "/atom.xml")[0] == 200


def test_an_exception_while_answering_is_a_500_with_one_log_line_and_the_next_request_is_served(
    server, logged, monkeypatch
):
    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(serve, "file_response", broken)
    status, body = request(server, "/atom.xml")
    monkeypatch.undo()

    assert (status, body) == (500, b"500 Internal Server Error\n")
    errors = [line for line in logged if "internal error" in line]
    assert len(errors) == 1 and "RuntimeError: disk on fire" in errors[0] and "\n" not in errors[0]
    assert request(server, "/atom.xml")[0] == 200


def test_a_500_keeps_a_keep_alive_connection_usable(server, monkeypatch):
    original, failures = serve.file_response, iter([RuntimeError("once")])

    def fails_once(*args, **kwargs):
        if (error := next(failures, None)) is not None:
            raise error
        return original(*args, **kwargs)

    monkeypatch.setattr(serve, "file_response", fails_once)
    connection = http.client.HTTPConnection(*address(server), timeout=5)
    try:
        statuses = []
        for _ in range(2):
            connection.request("GET", "/atom.xml")
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
    finally:
        connection.close()

    assert statuses == [500, 200]


def test_an_error_after_the_answer_began_is_one_log_line_not_a_traceback_and_the_server_goes_on(
    server, logged, monkeypatch, capsys
):
    def broken_send(self, response, send_body):
        raise RuntimeError("half-way")

    monkeypatch.setattr(serve._Handler, "send", broken_send)
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        request(server, "/atom.xml")  # past the point where a 500 could still be sent: the connection closes
    monkeypatch.undo()

    assert [line for line in logged if "internal error" in line] == ["127.0.0.1 internal error: RuntimeError: half-way"]
    assert "Traceback" not in capsys.readouterr().err
    assert request(server, "/atom.xml")[0] == 200


# --- idle connections ---------------------------------------------------------------------------


def test_an_idle_connection_is_closed_after_the_timeout(root):
    running = start_server(root, "127.0.0.1", 0, idle_timeout=0.3)
    try:
        with socket.create_connection(address(running), timeout=5) as idle:
            started = time.monotonic()
            closed = idle.recv(1)  # b"" once the server closes it; socket.timeout after 5 s otherwise
            waited = time.monotonic() - started
    finally:
        running.stop()

    assert closed == b""
    assert 0.2 < waited < 3


# The server in a process of its own whose file descriptors are capped at 256
# (macOS's default): without the idle timeout, 300 silent clients take every
# one and a new client waits for ever.
STARVED_SERVER = textwrap.dedent(
    """
    import resource, sys
    from pathlib import Path
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
    from feedpub.tools.serve import start_server
    running = start_server(Path(sys.argv[1]), "127.0.0.1", 0, idle_timeout=0.5)
    print(running.server_address[1], flush=True)
    sys.stdin.read()  # until the test closes our stdin
    """
)


def test_300_idle_sockets_do_not_starve_a_new_client(root):
    process = subprocess.Popen(
        [sys.executable, "-c", STARVED_SERVER, str(root)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    idle: list[socket.socket] = []
    try:
        assert process.stdout is not None and process.stdin is not None
        ready, _, _ = select.select([process.stdout], [], [], 10)
        assert ready, "the server did not start"
        port = int(process.stdout.readline())
        for _ in range(300):
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/atom.xml")
            status = connection.getresponse().status
        finally:
            connection.close()
    finally:
        for sock in idle:
            sock.close()
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    assert status == 200


# --- a preview never reaches production -----------------------------------------------------


def files_holding(folder: Path, text: str) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file() and text.encode() in path.read_bytes()]


@pytest.fixture
def published(site) -> Path:
    """A site whose output folder holds a real build; one of its posts is a draft. Returns the config path."""
    config = site(
        {
            "2026-01-30-hello.md": post("Hello"),
            "2026-02-01-draft.md": post(DRAFT_TITLE, date="2026-02-01", draft=True),
        }
    )
    assert run_cli("build", "-c", config, "--now", NOW).exit_code == 0
    return config


@pytest.mark.parametrize("options", [("--drafts",), ("--drafts", "--now", NOW)])
def test_a_drafts_preview_serves_the_draft_from_a_folder_of_its_own_and_never_writes_it_to_output(published, options):
    output, caches = published.parent / "public", published.parent / ".feedpub-cache"
    before = {path: path.read_bytes() for path in output.rglob("*") if path.is_file()}
    caches_before = sorted(caches.iterdir())
    served = Served("-c", published, *options, cwd=published.parent)
    try:
        folder, url = served.wait_for(r"serving (\S+) at (http://127\.0\.0\.1:\d+/)").groups()
        served.wait_for(r"a preview: .* is removed on exit")
        body = fetch(url + "atom.xml")
        during = files_holding(output, DRAFT_TITLE)
    finally:
        code = served.stop()

    assert DRAFT_TITLE.encode() in body
    assert Path(folder).resolve() != output.resolve()
    assert during == [] and files_holding(output, DRAFT_TITLE) == []
    assert {path: path.read_bytes() for path in output.rglob("*") if path.is_file()} == before
    assert code == 0 and not Path(folder).exists()
    assert sorted(caches.iterdir()) == caches_before  # the preview's build cache, drafts and all, went with it


def test_a_preview_of_a_future_now_does_not_touch_the_output_folder(published):
    output = published.parent / "public"
    before = {path: path.stat().st_mtime_ns for path in output.rglob("*") if path.is_file()}
    served = Served("-c", published, "--now", "2099-01-01T00:00:00Z", cwd=published.parent)
    try:
        folder = served.wait_for(r"serving (\S+) at http://").group(1)
    finally:
        code = served.stop()

    assert Path(folder).resolve() != output.resolve() and not Path(folder).exists()
    assert {path: path.stat().st_mtime_ns for path in output.rglob("*") if path.is_file()} == before
    assert code == 0


def test_plain_serve_builds_into_and_serves_the_output_folder(site):
    config = site({"2026-01-30-hello.md": post("Hello")})
    served = Served("-c", config, cwd=config.parent)
    try:
        folder, url = served.wait_for(r"serving (\S+) at (http://127\.0\.0\.1:\d+/)").groups()
        body = fetch(url + "atom.xml")
    finally:
        code = served.stop()

    assert Path(folder).resolve() == (config.parent / "public").resolve()
    assert b"<title>Hello</title>" in body
    assert body == (config.parent / "public" / "atom.xml").read_bytes()
    assert code == 0


@pytest.mark.parametrize("options", [("--drafts",), ("--now", NOW)])
def test_a_preview_without_a_build_is_a_usage_error(published, options):
    result = run_cli("serve", "-c", published, "--no-build", *options)

    assert result.exit_code == 2
    assert "cannot be used with --no-build" in result.stderr
