"""feed.xsl: a person who opens a feed in a browser sees a readable page, in real Chromium.

The sample site is served from 127.0.0.1 the way a static host serves it, and
Chromium's --dump-dom gives the page it made of a feed: the tests read the text
a person would see there. Chromium is never installed from here: without it
these tests are skipped (.ci/run installs Debian's chromium before the suite).
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from datetime import date
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import lxml.html
import pytest
from chromium import chromium_path, run_chromium
from conftest import NOW, copy_sample_site, run_cli

pytestmark = pytest.mark.slow  # a real browser: seconds per page

SITE_TITLE = "金融科技观察"
SITE_DESCRIPTION = "金融科技、支付与监管科技的每周观察与分析"
# The sample posts in the site feed, newest first; the draft and the unpublished post are not there.
SITE_ENTRIES = [
    ("链上反洗钱：监管科技如何追踪稳定币的资金流向", date(2026, 3, 16)),
    ("大模型进入风控：信贷与反欺诈中的机遇与边界", date(2026, 3, 2)),
    ("Tokenized Deposits vs. Stablecoins: Which Money Will Settle On-Chain Markets?", date(2026, 2, 20)),
    ("数字人民币的“可编程”之路：智能合约能为支付带来什么", date(2026, 2, 14)),
    ("金融科技新纪元：NYSE推出区块链证券交易，Circle发布互联网金融系统报告", date(2026, 1, 30)),
    ("Reading a Stablecoin Reserve Report: A Practical Checklist", date(2026, 1, 22)),
    ("开放银行在中国：从“API 开放”到“数据要素流通”", date(2026, 1, 12)),
    ("跨境支付的三条新轨道：代理行、多边央行数字货币与稳定币", date(2025, 12, 9)),
    ("Open Banking at a Crossroads: Five Lessons from Europe's API Experiment", date(2025, 11, 25)),
    ("香港稳定币牌照制度落地之后：发行人真正要过的几道关", date(2025, 11, 18)),
]
BLOCKCHAIN_ENTRIES = [SITE_ENTRIES[0], SITE_ENTRIES[3]]
BLOCKCHAIN_PATH = "tags/%E5%8C%BA%E5%9D%97%E9%93%BE/"  # tags/区块链/
SUBSCRIBE_TEXT = "This is a web feed. Subscribe by copying this URL into your feed reader:"
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def shown_date(day: date, feed: str) -> str:
    """How feed.xsl prints an entry's date: Atom's ISO date, or RSS's "16 Mar 2026"."""
    if feed == "atom.xml":
        return day.isoformat()
    return f"{day.day:02d} {MONTHS[day.month - 1]} {day.year}"


@pytest.fixture(scope="module")
def chromium() -> str:
    return chromium_path()


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
    """A copy of the sample site, built and served on 127.0.0.1; tests only read it."""
    folder = tmp_path_factory.mktemp("browser")
    out = folder / "public"
    result = run_cli("build", "-c", copy_sample_site(folder / "site"), "-o", out, "--now", NOW, "-q")
    assert result.exit_code == 0, result.stderr
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_StaticHost, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def text_of(element) -> str:
    """The element's text as a person reads it: whitespace runs collapsed to one space."""
    return " ".join(element.text_content().split())


@dataclass(frozen=True)
class FeedPage:
    """What the page Chromium made of a feed says."""

    heading: str
    description: str
    subscribe: str
    subscribe_url: str
    entries: list[tuple[str, str]]  # (title, date) as printed
    body: str


def read_page(dom: str) -> FeedPage:
    page = lxml.html.document_fromstring(dom)
    (heading,) = page.xpath("//body//h1")
    (subscribe,) = page.xpath("//*[@id='subscribe']")
    (subscribe_url,) = subscribe.xpath(".//code")
    return FeedPage(
        heading=text_of(heading),
        description=text_of(heading.getnext()),
        subscribe=text_of(subscribe),
        subscribe_url=text_of(subscribe_url),
        entries=[(text_of(li.find("a")), text_of(li.find("time"))) for li in page.xpath("//ul[@id='entries']/li")],
        body=text_of(page.body),
    )


@pytest.mark.parametrize("feed", ["atom.xml", "rss.xml"])
def test_the_site_feed_opened_in_chromium_shows_its_title_the_subscribe_url_and_every_entry(
    chromium, served_sample, tmp_path, feed
):
    page = read_page(run_chromium(chromium, tmp_path, "--dump-dom", served_sample + feed))

    assert page.heading == SITE_TITLE
    assert page.description == SITE_DESCRIPTION
    assert page.subscribe == f"{SUBSCRIBE_TEXT} https://example.com/{feed}"
    assert page.subscribe_url == f"https://example.com/{feed}"
    assert page.entries == [(title, shown_date(day, feed)) for title, day in SITE_ENTRIES]
    assert "<feed" not in page.body and "<rss" not in page.body, "the browser showed raw XML"


@pytest.mark.parametrize("feed", ["atom.xml", "rss.xml"])
def test_a_tag_feed_opened_in_chromium_reads_as_a_page(chromium, served_sample, tmp_path, feed):
    page = read_page(run_chromium(chromium, tmp_path, "--dump-dom", served_sample + BLOCKCHAIN_PATH + feed))

    assert page.heading == f"{SITE_TITLE} · 区块链"
    assert page.subscribe_url == f"https://example.com/{BLOCKCHAIN_PATH}{feed}"
    assert page.entries == [(title, shown_date(day, feed)) for title, day in BLOCKCHAIN_ENTRIES]
    assert "<feed" not in page.body and "<rss" not in page.body, "the browser showed raw XML"


def test_a_screenshot_of_the_site_feed_is_saved(chromium, served_sample, tmp_path):
    # For a person to look at (fonts-noto-cjk draws the Chinese); what the page says is checked above.
    shot = tmp_path / "feed.png"

    run_chromium(chromium, tmp_path, "--window-size=1000,900", f"--screenshot={shot}", served_sample + "atom.xml")

    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
