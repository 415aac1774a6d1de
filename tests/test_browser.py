"""feed.xsl: a person who opens a feed in a browser sees a readable page, in real Chromium."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import NOW, ROOT, run_cli

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _install_chromium() -> str | None:
    """Debian's chromium, installed on first use where the machine allows it."""
    if shutil.which("chromium"):
        return shutil.which("chromium")
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        try:
            subprocess.run(
                command,
                capture_output=True,
                timeout=900,
                check=False,
                env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            )
        except subprocess.TimeoutExpired:
            return None
    return shutil.which("chromium")


@pytest.fixture(scope="module")
def chromium() -> str:
    path = _install_chromium()
    if path is None:
        pytest.skip("Debian package chromium is not installed and cannot be installed here (not root or no apt-get)")
    return path


class _StaticHost(SimpleHTTPRequestHandler):
    """Serves .xml as application/xml, as static hosts do, so browsers apply the stylesheet."""

    def guess_type(self, path):
        if str(path).endswith(".xml"):
            return "application/xml; charset=utf-8"
        if str(path).endswith(".xsl"):
            return "text/xsl; charset=utf-8"
        return super().guess_type(path)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served_sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("public")
    result = run_cli("build", "-c", ROOT / "config.yaml", "-o", out, "--now", NOW, "-q")
    assert result.exit_code == 0, result.stderr
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_StaticHost, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", out
    server.shutdown()
    server.server_close()


def run_chromium(chromium: str, profile: Path, *args: str) -> str:
    result = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=120
    )
    return result.stdout


@pytest.mark.parametrize("feed", ["rss.xml", "atom.xml"])
def test_a_tag_feed_opened_in_chromium_reads_as_a_page(chromium, served_sample, tmp_path, feed):
    base, _ = served_sample
    url = f"{base}tags/%E5%8C%BA%E5%9D%97%E9%93%BE/{feed}"
    dom = run_chromium(chromium, tmp_path / "profile", "--dump-dom", url)
    assert "Subscribe by copying this URL into your feed reader" in dom
    assert f"https://example.com/tags/%E5%8C%BA%E5%9D%97%E9%93%BE/{feed}" in dom
    assert "<h1>金融科技观察 · 区块链</h1>" in dom
    assert "链上反洗钱：监管科技如何追踪稳定币的资金流向" in dom
    assert "&lt;feed" not in dom and "&lt;rss" not in dom, "the browser showed raw XML"


def test_a_screenshot_of_the_site_feed_is_saved(chromium, served_sample, tmp_path):
    base, _ = served_sample
    shot = tmp_path / "feed.png"
    run_chromium(chromium, tmp_path / "profile", "--window-size=1000,900", f"--screenshot={shot}", base + "atom.xml")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 5000
