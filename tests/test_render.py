"""Post bodies in the feeds: summaries, absolute URLs, no state shared between posts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import NOW, build_into, post, run_cli
from feedcheck import assert_valid_feed, parse_ok
from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
PERMALINK = "https://example.com/2026/01/30/hello/"


def front(*lines: str, body: str) -> str:
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


def atom_entries(output: Path) -> dict[str, etree._Element]:
    """Entries of the site Atom feed by title."""
    feed = etree.parse(str(output / "atom.xml")).getroot()
    return {e.findtext(f"{ATOM}title"): e for e in feed.iter(f"{ATOM}entry")}


def rss_items(output: Path) -> dict[str, etree._Element]:
    channel = etree.parse(str(output / "rss.xml")).getroot().find("channel")
    return {item.findtext("title"): item for item in channel.iter("item")}


def urls(html: str, attribute: str) -> list[str]:
    return re.findall(rf'\s{attribute}="([^"]*)"', html)


@pytest.fixture
def output(tmp_path) -> Path:
    return tmp_path / "out"


@pytest.fixture
def render(site, output):
    """Build one post `2026-01-30-hello.md` and return its Atom entry."""

    def run(body: str, *lines: str, config: dict | None = None) -> etree._Element:
        result = build_into(site({"2026-01-30-hello.md": front("title: Hello", *lines, body=body)}, config), output)
        assert result.exit_code == 0, result.stderr
        (entry,) = atom_entries(output).values()
        return entry

    return run


# --- summaries -------------------------------------------------------------------


def test_front_matter_summary_is_rendered_as_markdown(render):
    entry = render("First paragraph.\n\nSecond paragraph.", "summary: A *short* summary.")

    assert entry.findtext(f"{ATOM}summary") == "<p>A <em>short</em> summary.</p>"
    assert entry.findtext(f"{ATOM}content") == "<p>First paragraph.</p>\n<p>Second paragraph.</p>"


def test_summary_is_the_part_before_the_more_marker(render):
    entry = render("Intro *one*.\n\nIntro two.\n\n<!--more-->\n\nThe rest.")

    assert entry.findtext(f"{ATOM}summary") == "<p>Intro <em>one</em>.</p>\n<p>Intro two.</p>"
    content = entry.findtext(f"{ATOM}content")
    assert "The rest." in content and "Intro two." in content
    assert "more" not in content


def test_summary_is_the_first_paragraph_without_marker_or_front_matter(render):
    entry = render("# A heading\n\nThe *first* paragraph.\n\nThe second paragraph.")

    assert entry.findtext(f"{ATOM}summary") == "<p>The <em>first</em> paragraph.</p>"


def test_a_marker_inside_a_paragraph_cuts_it_and_closes_what_it_left_open(render):
    entry = render("Intro *with a <!--more--> cut* in it.\n\nAfter.")

    assert entry.findtext(f"{ATOM}summary") == "<p>Intro <em>with a</em></p>"
    assert entry.findtext(f"{ATOM}content") == "<p>Intro <em>with a  cut</em> in it.</p>\n<p>After.</p>"


def test_front_matter_summary_wins_over_the_more_marker(render):
    entry = render("Before.\n\n<!--more-->\n\nAfter.", "excerpt: From front matter.")

    assert entry.findtext(f"{ATOM}summary") == "<p>From front matter.</p>"


def test_rss_description_is_the_summary_and_content_encoded_the_full_post(site, output):
    config = site({"2026-01-30-hello.md": front("title: Hello", body="Intro.\n\n<!--more-->\n\nRest.")})

    build_into(config, output)

    item = rss_items(output)["Hello"]
    assert item.findtext("description") == "<p>Intro.</p>"
    assert "Rest." in item.findtext(CONTENT_ENCODED)


def test_full_content_mode_puts_the_whole_post_in_each_entry(render):
    entry = render("Intro.\n\n<!--more-->\n\nRest.")

    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert "Rest." in content.text


def test_summary_content_mode_leaves_out_content_in_both_formats(site, output):
    config = site(
        {"2026-01-30-hello.md": front("title: Hello", body="Intro.\n\n<!--more-->\n\nRest.")},
        {"feeds": {"content": "summary"}},
    )

    result = build_into(config, output)

    assert result.exit_code == 0, result.stderr
    entry = atom_entries(output)["Hello"]
    assert entry.find(f"{ATOM}content") is None
    assert entry.findtext(f"{ATOM}summary") == "<p>Intro.</p>"
    item = rss_items(output)["Hello"]
    assert item.find(CONTENT_ENCODED) is None
    assert item.findtext("description") == "<p>Intro.</p>"
    assert b"Rest." not in (output / "atom.xml").read_bytes() + (output / "rss.xml").read_bytes()
    assert_valid_feed(output / "atom.xml")
    assert_valid_feed(output / "rss.xml")


# --- relative URLs -----------------------------------------------------------------

LINKS_BODY = """\
![a](/img/a.png) [other](../other/) ![b](img/b.png) [note](#fn) [query](?page=2)

[abs](https://other.example.org/x) [mail](mailto:a@example.com) [cdn](//cdn.example.net/c.png)
[search](/search?a=1&b=2)

<img src="img/s.png" srcset="/img/s-1x.png 1x, img/s-2x.png 2x" alt="s">
"""


@pytest.fixture
def linked_entry(render) -> etree._Element:
    return render(LINKS_BODY)


@pytest.mark.parametrize(
    "attribute, absolute",
    [
        ("src", "https://example.com/img/a.png"),
        ("href", "https://example.com/2026/01/30/other/"),
        ("src", PERMALINK + "img/b.png"),
        ("href", PERMALINK + "#fn"),
        ("href", PERMALINK + "?page=2"),
        ("href", "https://cdn.example.net/c.png"),
        ("href", "https://example.com/search?a=1&amp;b=2"),
        ("src", PERMALINK + "img/s.png"),
    ],
    ids=[
        "/img/a.png",
        "../other/",
        "img/b.png",
        "#fn",
        "?page=2",
        "//cdn.example.net/c.png",
        "/search?a=1&b=2",
        "raw-html-img/s.png",
    ],
)
def test_relative_urls_are_resolved_against_the_permalink(linked_entry, attribute, absolute):
    content = linked_entry.findtext(f"{ATOM}content")

    assert absolute in urls(content, attribute)


@pytest.mark.parametrize("url", ["https://other.example.org/x", "mailto:a@example.com"])
def test_absolute_urls_and_mailto_are_left_alone(linked_entry, url):
    content = linked_entry.findtext(f"{ATOM}content")

    assert url in urls(content, "href")


def test_srcset_candidates_are_each_resolved(linked_entry):
    content = linked_entry.findtext(f"{ATOM}content")

    assert urls(content, "srcset") == [f"https://example.com/img/s-1x.png 1x, {PERMALINK}img/s-2x.png 2x"]


def test_no_relative_url_is_left_in_content_or_summary(linked_entry):
    html = linked_entry.findtext(f"{ATOM}content") + linked_entry.findtext(f"{ATOM}summary")

    relative = [u for a in ("href", "src") for u in urls(html, a) if not re.match(r"^(https?|mailto):", u)]

    assert relative == []


def test_summary_links_are_absolute_too(render):
    entry = render("Intro with [a link](../other/).\n\nMore.", "summary: See [this](img/x.png).")

    assert urls(entry.findtext(f"{ATOM}summary"), "href") == [PERMALINK + "img/x.png"]


def test_first_paragraph_summary_links_are_absolute(render):
    entry = render("Intro with [a link](../other/).\n\nMore.")

    assert urls(entry.findtext(f"{ATOM}summary"), "href") == ["https://example.com/2026/01/30/other/"]


def test_relative_urls_resolve_against_a_percent_encoded_permalink(site, output):
    config = site({"2026-01-30-区块链.md": front("title: 链", body="![b](img/b.png)")})

    build_into(config, output)

    content = atom_entries(output)["链"].findtext(f"{ATOM}content")
    assert urls(content, "src") == ["https://example.com/2026/01/30/%E5%8C%BA%E5%9D%97%E9%93%BE/img/b.png"]


def test_rss_content_has_the_same_absolute_urls(site, output):
    build_into(site({"2026-01-30-hello.md": front("title: Hello", body=LINKS_BODY)}), output)

    html = rss_items(output)["Hello"].findtext(CONTENT_ENCODED)

    assert "https://example.com/img/a.png" in urls(html, "src")


# --- no state leaks from one post into the next -----------------------------------


@pytest.fixture
def two_posts(site, output) -> dict[str, str]:
    """A newer post that defines a footnote, a reference link and an abbreviation,
    and an older one that uses the same names without defining them."""
    definer = (
        "Alpha claim.[^1] See [the source][ref]. HTML is here.\n\n"
        "[^1]: Alpha footnote text.\n"
        "[ref]: https://alpha.example/ref\n"
        "*[HTML]: Hyper Text Markup Language\n"
    )
    user = "Beta claim.[^1] See [the source][ref]. HTML is here too.\n"
    config = site(
        {
            "2026-01-31-alpha.md": front("title: Alpha", body=definer),
            "2026-01-30-beta.md": front("title: Beta", body=user),
        }
    )
    result = build_into(config, output)
    assert result.exit_code == 0, result.stderr
    return {title: entry.findtext(f"{ATOM}content") for title, entry in atom_entries(output).items()}


def test_footnotes_belong_to_the_post_that_defines_them(two_posts):
    assert "Alpha footnote text." in two_posts["Alpha"]
    assert "Alpha footnote text." not in two_posts["Beta"]
    assert 'class="footnote"' not in two_posts["Beta"]


def test_footnote_links_point_into_their_own_post(two_posts):
    assert "https://example.com/2026/01/31/alpha/#fn:1" in urls(two_posts["Alpha"], "href")


def test_reference_links_and_abbreviations_do_not_leak_into_the_next_post(two_posts):
    assert "https://alpha.example/ref" in urls(two_posts["Alpha"], "href")
    assert "https://alpha.example/ref" not in two_posts["Beta"]
    assert "<abbr" in two_posts["Alpha"]
    assert "<abbr" not in two_posts["Beta"]


def test_markup_in_titles_round_trips_as_text(site, output):
    config = site({"x.md": front('title: "A & B <c> “引号”"', "date: 2026-01-30", body="Body.")})

    build_into(config, output)

    assert [e.title for e in parse_ok(output / "atom.xml").entries] == ["A & B <c> “引号”"]
    assert [e.title for e in parse_ok(output / "rss.xml").entries] == ["A & B <c> “引号”"]


@pytest.mark.parametrize("engine", ["python-markdown", "cmark"])
def test_unquoted_attributes_in_raw_html_are_made_absolute(render, engine):
    # Not with kramdown: an unquoted value that is not a word makes no tag to it, only text, as in Jekyll.
    body = "<img src=img/unquoted.png alt=u>\n\n<a href=../other/>other</a>"
    entry = render(body, config={"markdown": {"engine": engine}})

    content = entry.findtext(f"{ATOM}content")
    assert PERMALINK + "img/unquoted.png" in content
    assert "https://example.com/2026/01/30/other/" in content


def test_a_gt_inside_a_quoted_attribute_does_not_keep_the_url_relative(render):
    entry = render('<img alt="a>b" src="pic.png">')

    assert urls(entry.findtext(f"{ATOM}content"), "src") == [PERMALINK + "pic.png"]


def test_a_link_to_a_malformed_host_is_published_not_a_crash(render):
    entry = render("[broken](//[host/page)")

    # As written, as kramdown writes it: no percent-encoding of the [.
    assert urls(entry.findtext(f"{ATOM}content"), "href") == ["https://[host/page"]


def test_code_samples_are_published_exactly_as_written(render):
    entry = render('Use `<img src="logo.png">` inline.\n\n    <a href="/docs/">docs</a>\n')

    content = entry.findtext(f"{ATOM}content")
    assert '<code class="language-plaintext highlighter-rouge">&lt;img src="logo.png"&gt;</code>' in content
    assert "https://example.com/" not in content


def test_more_marker_shown_in_a_code_block_is_not_the_marker(render):
    entry = render("The first paragraph.\n\n```\n<!--more-->\n```\n\nAfter the code.")

    assert entry.findtext(f"{ATOM}summary") == "<p>The first paragraph.</p>"
    assert "&lt;!--more--&gt;" in entry.findtext(f"{ATOM}content")


@pytest.mark.parametrize("engine", ["python-markdown", "kramdown", "cmark"])
def test_a_style_element_never_closed_is_the_posts_error_not_a_hidden_entry(site, engine):
    """Python-Markdown leaves the <style> open; kramdown closes it at the very end, around the rest."""
    body = 'Intro.\n\n<style name="AppBaseTheme" parent="Theme">\n\nThe rest of the article.\n'
    config = site({"2026-01-30-style.md": post("Style", "2026-01-30", body)})
    config.write_text(config.read_text("utf-8") + f"markdown: {{engine: {engine}}}\n", "utf-8")

    result = run_cli("build", "-c", config, "--now", NOW)

    assert result.exit_code == 1
    assert "2026-01-30-style.md:" in result.stderr
    assert "a <style> is never closed" in result.stderr


def test_check_reports_the_unclosed_style_as_the_build_does(site):
    body = "Intro.\n\n<style>\n\nThe rest.\n"
    config = site({"2026-01-30-style.md": post("Style", "2026-01-30", body)})

    result = run_cli("check", "-c", config, "--now", NOW)

    assert result.exit_code == 1
    assert "2026-01-30-style.md:" in result.stderr and "a <style> is never closed" in result.stderr
