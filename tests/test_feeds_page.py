"""feeds.html: every feed on one page a person can open, read here as HTML and, in the slow tests, in Chromium."""

from __future__ import annotations

import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html
import pytest
from chromium import chromium_path, run_chromium
from conftest import NOW, build_into, copy_sample_site, post, published_paths, write_site
from served import Served


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("page")
    result = build_into(copy_sample_site(folder / "site"), folder / "out")
    assert result.exit_code == 0, result.stderr
    return folder / "out"


def page_of(output: Path) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring((output / "feeds.html").read_bytes())


def file_of(url: str, output: Path) -> Path:
    return output / unquote(urlsplit(url).path).lstrip("/")


def test_the_page_lists_every_feed_but_archive_pages_with_a_link_per_format(sample):
    page = page_of(sample)
    items = page.xpath("//li[@data-name]")
    feeds = {
        path.rsplit("/", 1)[0]
        for path in published_paths(sample)
        if path.endswith("atom.xml") and not ("/archive/" in path or path.startswith("archive/"))
    }
    feeds.discard("atom.xml")

    assert len(items) == len(feeds) + 1  # and the site feed
    for item in items:
        links = item.xpath(".//a")
        assert [a.text for a in links] == ["Atom", "RSS", "JSON Feed"]
        assert all(file_of(a.get("href"), sample).is_file() for a in links)
    groups = [h2.text_content().split(" (")[0] for h2 in page.xpath("//h2")]
    assert groups == ["Site", "Categories", "Tags", "Authors", "Languages", "Custom feeds"]


def test_each_feed_shows_its_name_entry_count_and_newest_date(sample):
    (item,) = [li for li in page_of(sample).xpath("//li[@data-name]") if li.find("span").text == "区块链"]

    assert " ".join(item.text_content().split()).startswith("区块链 2 entries, newest 2026-03-16")
    assert item.find(".//time").get("datetime") == "2026-03-16"


def test_without_javascript_it_reads_as_a_list_and_hides_the_controls_that_need_it(sample):
    page = page_of(sample)

    assert page.get_element_by_id("filter").get("hidden") is not None
    assert all(button.get("hidden") is not None for button in page.xpath("//button"))
    assert page.xpath("//a[@href='feeds.opml']")
    # Nothing loaded from elsewhere: no external script, stylesheet, font or image.
    assert not page.xpath("//script[@src] | //link[@rel='stylesheet'] | //img")
    assert "@import" not in (sample / "feeds.html").read_text("utf-8") and "url(" not in page.find(".//style").text


def test_names_are_text_never_markup(tmp_path):
    config = write_site(tmp_path / "site", {"a.md": post("A", tags=["<script>alert(1)</script>", "x"])})

    assert build_into(config, tmp_path / "out").exit_code == 0

    page = page_of(tmp_path / "out")
    assert len(page.xpath("//script")) == 1  # the page's own
    assert any(span.text == "<script>alert(1)</script>" for span in page.xpath("//span[@class='name']"))


def test_feeds_page_false_leaves_it_out_and_the_next_build_removes_it(tmp_path):
    config = write_site(tmp_path / "site", {f"{n}.md": post(f"P{n}", tags=[f"t{n}"]) for n in range(4)})
    out = tmp_path / "out"
    assert build_into(config, out).exit_code == 0 and (out / "feeds.html").is_file()

    write_site(tmp_path / "site", {}, {"feeds": {"page": False}})

    assert build_into(config, out).exit_code == 0
    assert not (out / "feeds.html").exists()


# --- in a browser -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> str:
    return chromium_path()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The sample site built and served by `feedpub serve`, as a person previewing it would."""
    folder = tmp_path_factory.mktemp("served-page")
    config = copy_sample_site(folder / "site")
    server = Served("-c", config, "--now", NOW, cwd=folder)
    url = server.wait_for(r"serving \S+ at (http://127\.0\.0\.1:\d+/)", timeout=60).group(1)
    yield url, server
    server.stop()


def shown(dom: str) -> list[str]:
    """The names of the feeds the page shows (items the script did not hide)."""
    page = lxml.html.document_fromstring(dom)
    return [li.find("span").text for li in page.xpath("//li[@data-name]") if li.get("hidden") is None]


@pytest.mark.slow
def test_chromium_shows_every_feed_with_the_controls_and_each_link_is_a_feed(chromium, served, tmp_path):
    url, _ = served
    dom = run_chromium(chromium, tmp_path, "--dump-dom", url + "feeds.html")
    run_chromium(
        chromium, tmp_path, "--window-size=900,1400", f"--screenshot={tmp_path / 'feeds.png'}", url + "feeds.html"
    )

    page = lxml.html.document_fromstring(dom)
    assert page.get_element_by_id("filter").get("hidden") is None  # the script ran and showed the filter
    assert "区块链" in shown(dom) and "金融科技观察" in shown(dom) and len(shown(dom)) > 40
    for href in {a.get("href").replace("https://example.com/", url) for a in page.xpath("//li//a")}:
        with urllib.request.urlopen(href, timeout=10) as response:
            assert response.status == 200 and response.headers["Content-Type"].startswith("application/")
    assert (tmp_path / "feeds.png").stat().st_size > 10_000


@pytest.mark.slow
def test_the_filter_shows_only_the_feeds_whose_name_matches(chromium, served, tmp_path):
    url, _ = served

    dom = run_chromium(chromium, tmp_path, "--dump-dom", url + "feeds.html?filter=%E7%A8%B3%E5%AE%9A")  # 稳定

    page = lxml.html.document_fromstring(dom)
    assert shown(dom) == ["稳定币", "金融科技观察 · 稳定币"]  # the tag, and the custom feed by its title
    visible_groups = [s.get("data-group") for s in page.xpath("//section") if s.get("hidden") is None]
    assert visible_groups == ["tag", "custom"]


def test_a_jekyll_site_with_a_feeds_page_of_its_own_keeps_it(tmp_path):
    root = tmp_path / "blog"
    (root / "_posts").mkdir(parents=True)
    (root / "_config.yml").write_text("title: Blog\nurl: https://blog.example.com\ntimezone: UTC\n", "utf-8")
    (root / "_posts" / "2026-01-01-a.md").write_text("---\ntitle: A\n---\nBody.\n", "utf-8")
    (root / "feeds.md").write_text("---\nlayout: page\n---\nOur feeds, as we list them.\n", "utf-8")
    site = root / "_site"
    site.mkdir()
    (site / "feeds.html").write_text("<p>Our feeds, as Jekyll rendered them.</p>\n", "utf-8")

    assert build_into(root / "_config.yml", site).exit_code == 0

    assert (site / "feeds.html").read_text("utf-8") == "<p>Our feeds, as Jekyll rendered them.</p>\n"
    assert (site / "feed.xml").is_file()
