"""What the W3C Feed Validation Service asks of a feed, asserted directly on the fixture sites in tests/sites/.

Each fixture is built as a user would build it; the tests then check the
property the validator checks (docs/validation.md records what the validator
itself says on each fixture), and that `feedpub check` reports every problem
of that kind that comes from what the user wrote. The validator itself is not
needed: it is fetched outside the repository, by hand.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from conftest import NOW, build_into, post, run_cli
from feedcheck import assert_valid_feed
from lxml import etree

from feedpub.render.markup import title_text
from feedpub.tools.check_text import markup_in_text

SITES = Path(__file__).parent / "sites"
FIXTURES = sorted(path.name for path in SITES.iterdir() if (path / "config.yaml").is_file())
ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "jsonfeed-1.1.schema.json").read_text("utf-8"))
JSON_FEED = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def fixture_site(name: str, folder: Path) -> Path:
    """A private copy of tests/sites/<name>/ (the build writes beside its config); its config path."""
    shutil.copytree(SITES / name, folder / name)
    return folder / name / "config.yaml"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """fixture name -> its output folder, each fixture built once into the config's own output_dir."""
    folder = tmp_path_factory.mktemp("fixtures")
    outputs = {}
    for name in FIXTURES:
        config = fixture_site(name, folder)
        result = build_into(config, config.parent / "public")
        assert result.exit_code == 0, result.stderr
        outputs[name] = config.parent / "public"
    return outputs


def feeds(output: Path, filename: str) -> list[Path]:
    return sorted(output.rglob(filename))


def check_report(output: Path) -> dict:
    """`feedpub check --json` on the site whose output folder this is."""
    result = run_cli("check", "-c", output.parent / "config.yaml", "--now", NOW, "--json")
    return json.loads(result.stdout)


def messages(report: dict, kind: str = "warnings") -> list[str]:
    return [problem["message"] for problem in report[kind]]


# --- every fixture ------------------------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURES)
def test_every_feed_of_every_fixture_is_valid_to_the_schemas_and_a_reader(built, name):
    output = built[name]

    for path in feeds(output, "*.xml"):
        assert_valid_feed(path)  # Atom: RFC 4287 schema; RSS: required elements; both: feedparser bozo == 0
    for path in feeds(output, "feed.json"):
        JSON_FEED.validate(json.loads(path.read_text("utf-8")))


# --- an author on every Atom feed ---------------------------------------------------------


def test_every_atom_feed_of_a_site_without_any_author_names_the_site_title_as_its_author(built):
    atom_files = feeds(built["no-author"], "atom.xml")

    assert len(atom_files) == 8  # the site feed, its archive pages, categories, tags (区块链, 稳定币, ...)
    for path in atom_files:
        feed = etree.parse(str(path)).getroot()
        assert [author.findtext(f"{ATOM}name") for author in feed.findall(f"{ATOM}author")] == ["无作者的站点"]
        assert feed.findall(f"{ATOM}entry/{ATOM}author") == []


def test_every_json_feed_of_a_site_without_any_author_names_the_site_title_as_its_author(built):
    for path in feeds(built["no-author"], "feed.json"):
        assert json.loads(path.read_text("utf-8"))["authors"] == [{"name": "无作者的站点"}]


def test_rss_says_nothing_of_a_feed_author_that_is_only_a_name(built):
    for path in feeds(built["no-author"], "rss.xml"):
        channel = etree.parse(str(path)).getroot().find("channel")
        assert channel.find("managingEditor") is None and channel.find("webMaster") is None


def test_the_site_author_stays_the_feed_author_when_set(built):
    feed = etree.parse(str(built["html-titles"] / "atom.xml")).getroot()

    (author,) = feed.findall(f"{ATOM}author")
    assert (author.findtext(f"{ATOM}name"), author.findtext(f"{ATOM}email")) == ("编辑部", "editor@example.com")


def test_check_reports_a_published_atom_feed_that_has_no_author_anywhere(built, tmp_path):
    # As an older feedpub wrote it: no feed author, and entries without one.
    output = tmp_path / "no-author"
    shutil.copytree(built["no-author"].parent, output)
    atom = output / "public" / "atom.xml"
    tree = etree.parse(str(atom))
    tree.getroot().remove(tree.getroot().find(f"{ATOM}author"))
    tree.write(str(atom), xml_declaration=True, encoding="UTF-8")

    report = check_report(output / "public")

    (error,) = report["errors"]
    assert error["path"].endswith("public/atom.xml") and error["line"]
    assert error["message"].startswith("no author: RFC 4287 needs one on the feed or on every entry, and 2 entries")


# --- titles are text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("如何理解 <code>document</code>", "如何理解 document"),
        ("A &amp; B", "A & B"),
        ("A & B", "A & B"),
        ("&lt;script&gt; is text", "<script> is text"),
        ("<script>alert(1)</script>Shown", "Shown"),
        ("Spaces   and\ttabs\n collapse", "Spaces and tabs collapse"),
        ("<p>One</p><p>two</p>", "One two"),
        ("Caf&eacute; &#x4E2D;&#25991;", "Café 中文"),
        ("no-break\u00a0and ideographic\u3000spaces stay", "no-break\u00a0and ideographic\u3000spaces stay"),
        ("Vec<T> and HashMap<K, V>", "Vec<T> and HashMap<K, V>"),  # not HTML elements: text, as meant
        ("1 < 2", "1 < 2"),
        ("<br>", "<br>"),  # nothing left: the title as written, never an empty one
    ],
)
def test_a_title_is_the_text_its_html_shows(written, shown):
    assert title_text(written) == shown


def test_html_in_titles_is_text_in_atom_rss_and_json(built):
    output = built["html-titles"]

    atom = [e.findtext(f"{ATOM}title") for e in etree.parse(str(output / "atom.xml")).getroot().iter(f"{ATOM}entry")]
    rss = [item.findtext("title") for item in etree.parse(str(output / "rss.xml")).getroot().iter("item")]
    items = json.loads((output / "feed.json").read_text("utf-8"))["items"]

    expected = [
        "Café 中文 \u00a0",
        "<br>",
        "Vec<T> and HashMap<K, V> in Rust",
        "Emphasis and a link",
        "Spaces and tabs collapse",
        "<script> is text, dropped",
        "A & B, and C & D",
        "如何理解 document",
    ]
    assert atom == rss == [item["title"] for item in items] == expected


def test_rss_plain_text_writes_lt_and_amp_as_hexadecimal_references(built):
    data = (built["html-titles"] / "rss.xml").read_bytes()

    # The RSS Best Practices Profile: readers cannot tell "&lt;" in plain text from escaped HTML.
    assert b"<title>A &#x26; B, and C &#x26; D</title>" in data
    assert b"<title>Vec&#x3C;T&gt; and HashMap&#x3C;K, V&gt; in Rust</title>" in data
    assert b"&amp;" not in data.split(b"<item>")[1].split(b"<description>")[0]


def test_rss_channel_title_and_description_use_the_same_references(built):
    channel = (built["text-that-reads-as-html"] / "rss.xml").read_bytes().split(b"<item>")[0]

    assert b"<description>A &#x3C;b&gt;bold&#x3C;/b&gt; blog about HTML</description>" in channel


# --- RSS authors --------------------------------------------------------------------------


def test_an_rss_item_has_at_most_one_author_and_never_one_beside_dc_creator(built):
    output = built["text-that-reads-as-html"]
    items = {item.findtext("title"): item for item in etree.parse(str(output / "rss.xml")).getroot().iter("item")}

    def names(title):
        item = items[title]
        return [a.text for a in item.findall("author")], [c.text for c in item.findall(f"{DC}creator")]

    assert names("Writing &nbsp; in Markdown") == ([], ["Ann Lee", "Bo Chen"])  # two emails: RSS has room for one
    assert names("<hr>") == ([], ["Ann Lee", "李明"])  # one name without email
    assert names("Why </div> closes more than you think") == ([], ["Ann Lee <ann@example.com>"])


# --- feedpub check reports what comes from the user ---------------------------------------


def test_check_finds_nothing_to_say_about_titles_whose_html_becomes_text(built):
    report = check_report(built["html-titles"])

    assert report["errors"] == []
    assert messages(report) == ["title: has no text once its HTML is removed: feeds show it as written, tags and all"]


def test_check_warns_about_plain_text_that_readers_take_for_html_and_emails_in_names(built):
    report = check_report(built["text-that-reads-as-html"])

    assert report["errors"] == []
    assert set(messages(report)) >= {
        'site.description holds "</b>", which readers take for HTML',
        'title: the feeds show "Why </div> closes more than you think" as text, '
        'and readers that take titles for HTML read "</div>" as HTML',
        'title: the feeds show "Writing &nbsp; in Markdown" as text, '
        'and readers that take titles for HTML read "&nbsp" as HTML',
        'tag "&nbsp;" holds "&nbsp", which readers take for HTML',
        'author "Ann Lee <ann@example.com>": an email address in the name; give it as email: instead',
        "title: has no text once its HTML is removed: feeds show it as written, tags and all",
    }


def test_check_warns_once_about_an_entry_that_has_neither_summary_nor_content(built):
    # feeds.content: summary, and a post whose body opens with a heading and a list: no summary to show.
    report = check_report(built["media-and-languages"])

    textless = [m for m in messages(report) if "has neither summary nor content" in m]
    assert textless == [
        'entry "标题：没有摘要" (https://example.com/2026/03/01/no-summary/) has neither summary nor content: '
        "readers show its title alone; give the post some text (a summary:, or a body that opens with a paragraph)"
    ]


def test_check_warns_about_a_blank_site_title(site, tmp_path):
    config = site({"a.md": post("A", body="Text.")}, {"site": {"title": " "}})
    assert build_into(config, config.parent / "public").exit_code == 0

    report = check_report(config.parent / "public")

    assert "site.title is blank: every feed's title is blank" in messages(report)


@pytest.mark.parametrize(
    ("element", "name"),
    [
        ("<style>p{color:red}</style>", "style"),
        ('<link rel="stylesheet" href="/a.css">', "link"),
        ('<meta http-equiv="refresh" content="0">', "meta"),
        ('<base href="https://example.org/">', "base"),
    ],
)
def test_check_warns_about_elements_in_a_body_that_readers_remove(site, element, name):
    config = site({"a.md": post("A", body=f"First paragraph.\n\n{element}\n")})
    assert build_into(config, config.parent / "public").exit_code == 0

    warnings = messages(check_report(config.parent / "public"))

    assert f"the body has a <{name}> element: feed readers remove it, as it would act on their own page" in warnings


def test_check_compares_the_title_as_readers_show_it_with_the_first_heading(site):
    config = site({"a.md": post("如何理解 <code>document</code>", body="## 如何理解 document\n\nText.")})

    warnings = messages(check_report(config.parent / "public"))

    assert any(w.startswith("the body starts with the title again as a heading") for w in warnings)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Why </div> closes", "</div>"),
        ("Writing &nbsp; right", "&nbsp"),
        ("A &#169; B", "&#169"),
        ("AT&T and R&D", None),  # not references
        ("研发&测试", None),
        ("Vec<T> and </T>", None),  # T is no HTML element
        ("Plain text", None),
    ],
)
def test_markup_in_text_is_what_the_w3c_validator_takes_for_html(text, found):
    assert markup_in_text(text) == found
