"""WebSub: hubs are advertised in every feed and told exactly which feeds changed."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from conftest import NOW, post, run_cli
from feedcheck import parse_ok

from feedpub.tools import websub


class Hub:
    """A WebSub hub on 127.0.0.1 that records publish requests and answers with `status`."""

    def __init__(self, status: int = 204, delay: float = 0.0):
        self.requests: list[dict[str, list[str]]] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                hub.requests.append(parse_qs(self.rfile.read(length).decode("ascii")))
                time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub():
    hubs = []

    def start(status: int = 204, delay: float = 0.0) -> Hub:
        hubs.append(Hub(status, delay))
        return hubs[-1]

    yield start
    for running in hubs:
        running.close()


def websub_site(site, hubs: list[str], ping: bool = False):
    return site(
        {"a.md": post("First", "2026-01-01", tags=["alpha"]), "b.md": post("Second", "2026-01-02", tags=["beta"])},
        {"feeds": {"formats": ["atom", "rss", "json"]}, "websub": {"hubs": hubs, "ping": ping}},
    )


def test_every_feed_advertises_each_hub(site):
    config = websub_site(site, ["https://hub.example.net/", "https://hub2.example.net/"])
    assert run_cli("build", "-c", config, "--now", NOW, "-q").exit_code == 0
    out = config.parent / "public"
    for path in sorted(out.rglob("atom.xml")) + sorted(out.rglob("rss.xml")):
        links = [(link.rel, link.href) for link in parse_ok(path).feed.links]
        assert ("hub", "https://hub.example.net/") in links and ("hub", "https://hub2.example.net/") in links, path
        assert any(rel == "self" for rel, _ in links)
    for path in out.rglob("feed.json"):
        hubs = json.loads(path.read_text("utf-8"))["hubs"]
        assert hubs == [
            {"type": "WebSub", "url": "https://hub.example.net/"},
            {"type": "WebSub", "url": "https://hub2.example.net/"},
        ]


def test_ping_names_exactly_the_feeds_whose_bytes_changed(site, hub):
    running = hub()
    config = websub_site(site, [running.url])
    first = run_cli("build", "-c", config, "--now", NOW, "--ping", "-q")
    assert first.exit_code == 0, first.stderr
    assert len(running.requests) == 1
    assert running.requests[0]["hub.mode"] == ["publish"]
    assert "https://example.com/atom.xml" in running.requests[0]["hub.url"]

    assert run_cli("build", "-c", config, "--now", NOW, "--ping", "-q").exit_code == 0
    assert len(running.requests) == 1, "nothing changed, so no hub was bothered"

    path = config.parent / "posts" / "a.md"
    path.write_text(post("First, edited", "2026-01-01", tags=["alpha"]), encoding="utf-8")
    assert run_cli("build", "-c", config, "--now", NOW, "--ping", "-q").exit_code == 0
    changed = sorted(running.requests[1]["hub.url"])
    assert changed == sorted(
        f"https://example.com/{rel}"
        for rel in (
            "atom.xml",
            "rss.xml",
            "feed.json",
            "tags/alpha/atom.xml",
            "tags/alpha/rss.xml",
            "tags/alpha/feed.json",
        )
    )


def test_config_ping_true_pings_without_the_flag(site, hub):
    running = hub()
    config = websub_site(site, [running.url], ping=True)
    assert run_cli("build", "-c", config, "--now", NOW, "-q").exit_code == 0
    assert len(running.requests) == 1


def test_a_failing_hub_is_reported_with_exit_6_and_the_feeds_stay_published(site, hub, monkeypatch):
    monkeypatch.setattr(websub, "BACKOFF_SECONDS", 0.01)
    failing = hub(status=503)
    config = websub_site(site, [failing.url])
    result = run_cli("build", "-c", config, "--now", NOW, "--ping", "-q")
    assert result.exit_code == 6
    assert f"{failing.url}: hub not notified: HTTP 503" in result.stderr
    assert len(failing.requests) == websub.ATTEMPTS
    parse_ok(config.parent / "public" / "atom.xml")


def test_a_hanging_hub_times_out_instead_of_blocking_the_build(site, hub, monkeypatch):
    monkeypatch.setattr(websub, "TIMEOUT_SECONDS", 0.3)
    monkeypatch.setattr(websub, "BACKOFF_SECONDS", 0.01)
    monkeypatch.setattr(websub.ping_hubs, "__defaults__", (0.3, 2))
    hanging = hub(delay=3)
    config = websub_site(site, [hanging.url])
    started = time.monotonic()
    result = run_cli("build", "-c", config, "--now", NOW, "--ping", "-q")
    assert result.exit_code == 6 and "timed out" in result.stderr
    assert time.monotonic() - started < 10
    parse_ok(config.parent / "public" / "rss.xml")


def test_a_hub_that_is_down_is_reported(site, monkeypatch):
    monkeypatch.setattr(websub, "BACKOFF_SECONDS", 0.01)
    config = websub_site(site, ["http://127.0.0.1:9/"])
    result = run_cli("build", "-c", config, "--now", NOW, "--ping", "-q")
    assert result.exit_code == 6 and "http://127.0.0.1:9/: hub not notified" in result.stderr


def test_ping_without_hubs_is_a_usage_error(site):
    config = site({"a.md": post()})
    result = run_cli("build", "-c", config, "--now", NOW, "--ping")
    assert result.exit_code == 2 and "websub.hubs" in result.stderr
