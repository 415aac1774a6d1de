"""RFC 5005 archived feeds: the whole history, in pages that never change once full."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import NOW, post, run_cli
from feedcheck import assert_valid_feed, parse_ok

SITE_URL = "https://example.com/"
PAGE = 3


def archive_site(site, count: int, **feeds):
    posts = {f"p{i:02d}.md": post(f"Post {i}", f"2026-01-{i + 1:02d}", tags=["all", f"t{i % 2}"]) for i in range(count)}
    options = {"limit": 2, "archive": True, "archive_page_size": PAGE, **feeds}
    return site(posts, {"feeds": options})


def build(config: Path) -> None:
    result = run_cli("build", "-c", config, "--now", NOW, "-q")
    assert result.exit_code == 0, result.stderr


def local(out: Path, url: str) -> Path:
    assert url.startswith(SITE_URL), url
    return out / unquote(url.removeprefix(SITE_URL))


def link(parsed, rel: str) -> str | None:
    return next((link.href for link in parsed.feed.links if link.rel == rel), None)


def follow_archives(out: Path, start: str) -> list[list[str]]:
    """The ids of each document, reading the subscription then prev-archive links, as a reader would."""
    documents, url, seen = [], start, set()
    while url and url not in seen and len(seen) < 100:
        seen.add(url)
        parsed = parse_ok(local(out, url))
        documents.append([e.id for e in parsed.entries])
        url = link(parsed, "prev-archive")
    return documents


@pytest.mark.parametrize("fmt", ["atom.xml", "rss.xml"])
def test_following_prev_archive_reconstructs_every_post_once_in_order(site, fmt):
    config = archive_site(site, 10)
    build(config)
    documents = follow_archives(config.parent / "public", SITE_URL + fmt)
    archived = [entry for page in documents[1:] for entry in page]
    assert len(archived) == len(set(archived)) == 10, "archive pages never overlap"
    ids = list(dict.fromkeys(entry for page in documents for entry in page))
    expected = [f"https://example.com/2026/01/{i + 1:02d}/p{i:02d}/" for i in reversed(range(10))]
    assert sorted(ids) == sorted(expected)
    newest_first = sorted(ids, key=expected.index)
    assert [entry for page in documents[1:] for entry in page] == newest_first


def test_archive_pages_are_marked_linked_and_valid(site):
    config = archive_site(site, 7)
    build(config)
    out = config.parent / "public"
    pages = sorted(out.glob("archive/*/atom.xml"))
    assert [p.parent.name for p in pages] == ["1", "2", "3"]
    for number, path in enumerate(pages, start=1):
        assert_valid_feed(path)
        assert b"<fh:archive/>" in path.read_bytes()
        parsed = parse_ok(path)
        assert link(parsed, "current") == SITE_URL + "atom.xml"
        assert link(parsed, "self") == f"{SITE_URL}archive/{number}/atom.xml"
        assert link(parsed, "prev-archive") == (f"{SITE_URL}archive/{number - 1}/atom.xml" if number > 1 else None)
        assert link(parsed, "next-archive") == (f"{SITE_URL}archive/{number + 1}/atom.xml" if number < 3 else None)
        assert parsed.feed.id == SITE_URL + "atom.xml"
    subscription = parse_ok(out / "atom.xml")
    assert b"fh:archive" not in (out / "atom.xml").read_bytes()
    assert link(subscription, "prev-archive") == SITE_URL + "archive/3/atom.xml"
    for path in out.glob("archive/*/rss.xml"):
        assert_valid_feed(path)


def test_a_new_post_changes_only_the_subscription_and_the_newest_archive_page(site):
    config = archive_site(site, 7)
    build(config)
    out = config.parent / "public"
    before = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (config.parent / "posts" / "new.md").write_text(post("New", "2026-02-01", tags=["all"]), encoding="utf-8")
    build(config)
    after = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    changed = {rel for rel in after if before.get(rel) != after[rel] and not rel.startswith(".feedpub")}
    full_pages = [f"archive/{n}/{fmt}" for n in (1, 2) for fmt in ("atom.xml", "rss.xml")]
    assert not changed & set(full_pages), "full archive pages are cacheable forever"
    assert {"atom.xml", "rss.xml", "archive/3/atom.xml", "archive/3/rss.xml"} <= changed
    assert all(rel.startswith(("archive/3/", "tags/")) or "/" not in rel for rel in changed), changed


def test_filling_a_page_opens_the_next_without_touching_full_ones(site):
    config = archive_site(site, 5)
    build(config)
    out = config.parent / "public"
    first_page = (out / "archive" / "1" / "atom.xml").read_bytes()
    (config.parent / "posts" / "six.md").write_text(post("Six", "2026-02-01"), encoding="utf-8")
    build(config)
    assert (out / "archive" / "1" / "atom.xml").read_bytes() == first_page
    assert link(parse_ok(out / "archive" / "2" / "atom.xml"), "next-archive") == SITE_URL + "archive/3/atom.xml"
    assert parse_ok(out / "archive" / "3" / "atom.xml").entries == []


def test_tag_feeds_are_archived_when_configured(site):
    config = archive_site(site, 6, archive_taxonomies=True)
    build(config)
    out = config.parent / "public"
    documents = follow_archives(out, SITE_URL + "tags/t0/atom.xml")
    assert len({entry for page in documents for entry in page}) == 3
    assert (out / "tags" / "t0" / "archive" / "1" / "atom.xml").is_file()


def test_archives_are_off_by_default(site):
    config = site({f"p{i}.md": post(f"P{i}", f"2026-01-{i + 1:02d}") for i in range(5)}, {"feeds": {"limit": 2}})
    build(config)
    assert not (config.parent / "public" / "archive").exists()


def test_an_empty_newest_page_dates_from_when_the_page_before_it_filled(site):
    config = archive_site(site, 2 * PAGE)  # two full pages, so the open third page is empty
    build(config)

    out = config.parent / "public"
    empty, full = parse_ok(out / "archive/3/atom.xml"), parse_ok(out / "archive/2/atom.xml")

    assert empty.entries == []
    assert empty.feed.updated == full.feed.updated == "2026-01-06T00:00:00+08:00"
