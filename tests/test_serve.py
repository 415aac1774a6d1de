"""`feedpub serve`: the output folder over real HTTP on 127.0.0.1, as a careful static host serves feeds."""

from __future__ import annotations

import gzip
import http.client
import os
import re
import signal
import socket
import time
from pathlib import Path

import feedparser
import pytest
from conftest import NOW, post, run_cli
from served import Served, fetch

from feedpub.tools.serve import accepts_gzip, content_type, start_server

CONFIG = {"feeds": {"formats": ["atom", "rss", "json"], "stylesheet": True, "opml": True}}


@pytest.fixture
def built(site) -> Path:
    """A built site; returns its config path (output in public/ beside it)."""
    config = site(
        {
            "2026-01-30-hello.md": post("Hello", tags=["区块链"]),
            "2026-02-01-second.md": post("Second", date="2026-02-01"),
        },
        CONFIG,
    )
    assert run_cli("build", "-c", config, "--now", NOW).exit_code == 0
    return config


@pytest.fixture
def server(built):
    running = start_server(built.parent / "public", "127.0.0.1", 0)
    yield running
    running.stop()


def request(server, path: str, method: str = "GET", **headers: str) -> tuple[int, dict[str, str], bytes]:
    """One raw HTTP request, the path sent exactly as given; (status, headers, body)."""
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name.replace("_", "-"), value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


# --- content types and caching headers -------------------------------------------------


@pytest.mark.parametrize(
    "path, media_type",
    [
        ("/atom.xml", "application/atom+xml; charset=utf-8"),
        ("/rss.xml", "application/rss+xml; charset=utf-8"),
        ("/feed.json", "application/feed+json; charset=utf-8"),
        ("/feeds.opml", "text/x-opml; charset=utf-8"),
        ("/feed.xsl", "text/xsl; charset=utf-8"),
        ("/tags/%E5%8C%BA%E5%9D%97%E9%93%BE/atom.xml", "application/atom+xml; charset=utf-8"),
    ],
)
def test_each_file_is_served_with_its_own_media_type(server, built, path, media_type):
    status, headers, body = request(server, path)

    assert status == 200
    assert headers["content-type"] == media_type
    assert int(headers["content-length"]) == len(body) > 0


def test_a_feed_carries_a_strong_etag_and_its_files_mtime(server, built):
    path = built.parent / "public" / "atom.xml"

    status, headers, _ = request(server, "/atom.xml")

    assert status == 200
    assert re.fullmatch(r'"[0-9a-f]{32}"', headers["etag"])
    stamp = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(path.stat().st_mtime))
    assert headers["last-modified"] == stamp


def test_a_reader_polling_with_etag_and_modified_gets_304(server):
    url = server.url + "atom.xml"

    first = feedparser.parse(url)
    again = feedparser.parse(url, etag=first.etag, modified=first.modified)

    assert first.status == 200 and first.bozo == 0
    assert [e.title for e in first.entries] == ["Second", "Hello"]
    assert again.status == 304 and again.entries == []


def test_if_modified_since_alone_decides_when_there_is_no_etag(server):
    _, headers, _ = request(server, "/rss.xml")

    same, _, body = request(server, "/rss.xml", If_Modified_Since=headers["last-modified"])
    older, _, _ = request(server, "/rss.xml", If_Modified_Since="Thu, 01 Jan 1970 00:00:00 GMT")

    assert (same, body, older) == (304, b"", 200)


def test_a_changed_etag_gets_the_whole_feed_again(server):
    status, _, body = request(server, "/atom.xml", If_None_Match='"0123456789abcdef0123456789abcdef"')

    assert status == 200 and body.startswith(b"<?xml")


def test_gzip_when_the_client_accepts_it(server, built):
    original = (built.parent / "public" / "atom.xml").read_bytes()

    status, headers, body = request(server, "/atom.xml", Accept_Encoding="br, gzip;q=0.8")
    _, plain_headers, _ = request(server, "/atom.xml")

    assert status == 200
    assert headers["content-encoding"] == "gzip" and "Accept-Encoding" in headers["vary"]
    assert gzip.decompress(body) == original
    assert "content-encoding" not in plain_headers
    assert headers["etag"] != plain_headers["etag"]  # one strong ETag per representation


@pytest.mark.parametrize(
    "header, expected",
    [
        ("gzip", True),
        ("gzip, deflate", True),
        ("*", True),
        ("deflate, br", False),
        ("gzip;q=0", False),
        ("", False),
        ("*;q=0, identity", False),
        ("GZIP;Q=0.5", True),
    ],
)
def test_accept_encoding_is_read_with_its_weights(header, expected):
    assert accepts_gzip(header) is expected


def test_head_sends_the_headers_of_a_get_without_the_body(server, built):
    size = (built.parent / "public" / "rss.xml").stat().st_size

    status, headers, body = request(server, "/rss.xml", method="HEAD")

    assert status == 200 and body == b""
    assert int(headers["content-length"]) == size
    assert headers["content-type"] == "application/rss+xml; charset=utf-8"


# --- folders -------------------------------------------------------------------------------


def test_a_folder_serves_its_index_html_and_never_a_listing(server, built):
    (built.parent / "public" / "index.html").write_text("<h1>home</h1>", encoding="utf-8")

    home = request(server, "/")
    tags = request(server, "/tags/")
    redirect = request(server, "/tags")

    assert home[0] == 200 and home[2] == b"<h1>home</h1>" and home[1]["content-type"].startswith("text/html")
    assert tags[0] == 404 and "atom.xml" not in tags[2].decode()
    assert redirect[0] == 301 and redirect[1]["location"] == "/tags/"


# --- never outside the output folder ------------------------------------------------------

TRAVERSALS = [
    "/../config.yaml",
    "/%2e%2e/config.yaml",
    "/%2E%2E/config.yaml",
    "/..%2fconfig.yaml",
    "/%2e%2e%2fconfig.yaml",
    "/%252e%252e%252fconfig.yaml",
    "/..%252fconfig.yaml",
    "/tags/../../config.yaml",
    "/..\\config.yaml",
    "/..%5cconfig.yaml",
    "/./../config.yaml",
    "//../config.yaml",
    "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "http://127.0.0.1/../config.yaml",
    "config.yaml",
    "/config.yaml%00.xml",
    "/%c0%ae%c0%ae/config.yaml",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_paths_climbing_out_of_the_output_folder_are_404(server, path):
    status, _, body = request(server, path)

    assert status == 404
    assert b"site:" not in body and b"root:" not in body


def test_a_request_line_with_escape_sequences_is_logged_harmlessly(built):
    lines: list[str] = []
    running = start_server(built.parent / "public", "127.0.0.1", 0, log=lines.append)
    try:
        # Raw bytes: http.client itself refuses to send control characters.
        with socket.create_connection(running.server_address[:2], timeout=10) as raw:
            raw.sendall(b"GET /\x1b[31mred\x1b[0m.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answer = raw.makefile("rb").readline()
    finally:
        running.stop()

    assert answer.startswith(b"HTTP/1.1 404")
    assert lines and "\x1b" not in "".join(lines) and "\\x1b[31mred" in lines[0]


def test_an_absolute_file_system_path_is_looked_up_inside_the_folder(server, built):
    status, _, body = request(server, "/" + str(built.resolve()).lstrip("/"))

    assert status == 404 and b"site:" not in body


@pytest.mark.parametrize("path", ["/.feedpub-manifest.json", "/.feedpub.lock", "/%2efeedpub.lock", "/tags/.secret"])
def test_hidden_files_are_404(server, built, path):
    (built.parent / "public" / "tags" / ".secret").write_text("no", encoding="utf-8")

    status, _, body = request(server, path)

    assert status == 404 and b"files" not in body


def test_symlinks_pointing_outside_are_404_and_inside_are_served(server, built):
    public = built.parent / "public"
    (public / "leak.yaml").symlink_to(built)
    (public / "up").symlink_to(built.parent, target_is_directory=True)
    (public / "latest.xml").symlink_to(public / "atom.xml")

    assert request(server, "/leak.yaml")[0] == 404
    assert request(server, "/up/config.yaml")[0] == 404
    assert request(server, "/latest.xml")[0] == 200


# --- the command -----------------------------------------------------------------------------


def poll_until(url: str, predicate, timeout: float = 15) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        body = fetch(url)
        if predicate(body) or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


def test_serve_builds_prints_its_url_and_stops_cleanly_on_ctrl_c(site):
    config = site({"2026-01-30-hello.md": post("Hello")})
    served = Served("-c", config, "--now", NOW, cwd=config.parent)
    try:
        url = served.wait_for(r"serving \S+ at (http://127\.0\.0\.1:\d+/)").group(1)
        assert served.lines["stdout"][0].startswith("feedpub: built: ")
        body = fetch(url + "atom.xml")
    finally:
        code = served.stop()

    assert b"<title>Hello</title>" in body
    assert code == 0
    assert served.lines["stdout"][-1] == "feedpub: stopped"


def test_sigterm_stops_it_cleanly_too(built):
    served = Served("-c", built, "--no-build", cwd=built.parent)
    served.wait_for(r"serving .* at http://")

    assert served.stop(signal.SIGTERM) == 0


def test_watch_rebuilds_after_a_post_changes_and_keeps_the_last_good_feeds_on_errors(site):
    config = site({"2026-01-30-hello.md": post("Hello")})
    served = Served("-c", config, "--now", NOW, "--watch", cwd=config.parent)
    try:
        url = served.wait_for(r"at (http://\S+/) ").group(1) + "atom.xml"
        served.wait_for(r"watching ")
        (config.parent / "posts" / "2026-01-30-hello.md").write_text(post("Hello again"), encoding="utf-8")
        changed = poll_until(url, lambda body: b"Hello again" in body)
        served.wait_for(r"rebuilt after \S*hello\.md changed: \d+ written")

        (config.parent / "posts" / "broken.md").write_text("---\ntitle: Broken\ndate: someday soon\n---\n", "utf-8")
        served.wait_for(r"broken\.md:3: date: ", stream="stderr")
        served.wait_for(r"still serving the last good feeds", stream="stderr")
        after_error = fetch(url)
    finally:
        code = served.stop()

    assert b"<title>Hello again</title>" in changed
    assert after_error == changed
    assert code == 0


def test_a_config_change_is_seen_even_after_an_editor_replaced_the_file(site):
    config = site({"2026-01-30-hello.md": post("Hello")})
    served = Served("-c", config, "--now", NOW, "--watch", cwd=config.parent)
    try:
        url = served.wait_for(r"at (http://\S+/) ").group(1) + "atom.xml"
        served.wait_for(r"watching ")
        for title in ("Renamed Site", "Renamed Twice"):
            replacement = config.with_name("config.yaml.new")
            replacement.write_text(
                config.read_text("utf-8").replace("Test Site", title).replace("Renamed Site", title), encoding="utf-8"
            )
            os.replace(replacement, config)  # how editors save
            body = poll_until(url, lambda b, t=title: f"<title>{t}</title>".encode() in b)
            assert f"<title>{title}</title>".encode() in body
    finally:
        assert served.stop() == 0


def test_no_build_without_an_output_folder_is_a_usage_error(site):
    config = site({"a.md": post()})

    result = run_cli("serve", "-c", config, "--no-build")

    assert result.exit_code == 2
    assert "nothing to serve" in result.stderr


def test_a_port_in_use_is_a_usage_error_naming_it(built):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = run_cli("serve", "-c", built, "--no-build", "--port", port)

    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_a_browser_gets_feeds_as_xml_so_it_applies_the_stylesheet_and_readers_get_feed_types():
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    reader = "application/atom+xml,application/rss+xml,application/xml;q=0.9,*/*;q=0.1"
    assert content_type("atom.xml", browser) == "application/xml; charset=utf-8"
    assert content_type("rss.xml", browser) == "application/xml; charset=utf-8"
    assert content_type("atom.xml", reader) == "application/atom+xml; charset=utf-8"
    assert content_type("rss.xml", "") == "application/rss+xml; charset=utf-8"
    assert content_type("feed.json", browser) == "application/feed+json; charset=utf-8"
