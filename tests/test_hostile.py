"""Hostile and broken posts: never a traceback, never a file outside the output folder,
never an invalid feed, and errors in the README's `path:line: message` form.
"""

from __future__ import annotations

import json
import re
import resource
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

import pytest
import yaml
from conftest import NOW, post, run_cli, write_site
from feedcheck import assert_valid_atom, assert_valid_feed, parse_ok
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from feedpub.sources.config import load_config
from feedpub.sources.files import read_body
from feedpub.sources.posts import read_post

FEEDPUB = Path(sys.executable).parent / "feedpub"
ERROR_LINE = re.compile(r"^[^:]+:\d+: ")
ATOM = "{http://www.w3.org/2005/Atom}"


def build(config: Path, out: Path, *args: str):
    return run_cli("build", "-c", config, "-o", out, "--now", NOW, *args)


def feedpub(config: Path, out: Path, *args: str, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [FEEDPUB, "build", "-c", config, "-o", out, "--now", NOW, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        **kwargs,
    )


def output_of(result) -> str:
    return result.stdout + result.stderr


def xml_feeds(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*") if p.name in ("atom.xml", "rss.xml"))


def assert_error_lines(stderr: str) -> None:
    """Every problem is reported as `path:line: message` (README: Exit codes), one per line."""
    for line in stderr.rstrip("\n").split("\n"):
        if not line.startswith("feedpub: "):
            assert ERROR_LINE.match(line), f"not a path:line: message line: {line!r}\n{stderr}"


def all_files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() or p.is_symlink()}


# --- property: arbitrary front matter and bodies -------------------------------------

KEYS = [
    "title",
    "date",
    "updated",
    "tags",
    "categories",
    "category",
    "author",
    "summary",
    "slug",
    "permalink",
    "id",
    "lang",
    "draft",
    "published",
    "source",
    "layout",
]
WRONG_TYPES = [
    "2026-01-01",
    "yes",
    "no",
    "[1, 2]",
    "null",
    "~",
    "{a: b}",
    "99999-01-01",
    "2026-02-30",
    "0000-01-01",
    "2026-01-01 25:61:00",
    ".nan",
    "-.inf",
    "12",
    "[[a, b]]",
    "[{a: b}]",
    "!!binary aGk=",
    '"\\ud800"',
    '"a\\udfffb"',
    '"\\x01\\x0b\\ufffe"',
    '""',
    "[]",
    "{}",
    '"   "',
    "'..'",
    "'../../etc'",
    "'/abs'",
    "con",
    "[., ..]",
    "'-'",
    "[C++, C]",
    "https://example.org/x",
    "urn:uuid:7d3f2a91-5c4e-4b8a-9f61-2e0c8d4b7a15",
    "&a [x]",
    "*nowhere",
    "| \n  block",
]
SAMPLES = [
    "金融科技新纪元 🚀👨‍👩‍👧",
    "مرحبا بالعالم",
    "שלום \u202eevil\u202c",
    "e\u0301\u0302\u0303 Z\u0351\u0352",
    "Cafe\u0301",
    "Café",
    "\u200b\u200d\ufeff",
    "<script>alert(1)</script>",
    "a & b ]]> c",
    "x" * 5000,
    "\t tab \x0b vt \x0c ff \x1f us \x7f del \x85 nel \u2028 ls",
    "---",
    "...",
    "# not a comment",
    "{{ x }}",
]
texts = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=60),
    st.sampled_from(SAMPLES),
)


def as_yaml(text: str, style: int) -> str:
    if style == 0:
        return json.dumps(text, ensure_ascii=False)  # double-quoted, with \u escapes for controls
    if style == 1:
        return "'" + text.replace("'", "''") + "'"  # single-quoted, raw characters in the file
    return yaml.safe_dump(text, allow_unicode=True, default_flow_style=True).strip().removesuffix("\n...")


values = st.one_of(
    st.builds(as_yaml, texts, st.integers(0, 2)),
    st.sampled_from(WRONG_TYPES),
    st.lists(texts, max_size=4).map(
        lambda items: "[" + ", ".join(json.dumps(i, ensure_ascii=False) for i in items) + "]"
    ),
)
front_matters = st.tuples(
    st.booleans(),  # start with a valid title and date
    st.lists(st.tuples(st.sampled_from(KEYS), values), max_size=6),  # may repeat a key
)
bodies = st.one_of(st.just(""), texts, st.text(st.characters(blacklist_categories=("Cs",)), max_size=400))
names = st.sampled_from(
    [
        "post.md",
        "2026-01-15-post.md",
        "2026-02-30-no-such-day.md",
        "日本語 の 記事.md",
        "-.md",
        "sub/dir/Deep Post.markdown",
    ]
)


def hostile_post(valid_start: bool, pairs: list[tuple[str, str]], body: str) -> str:
    lines = ['title: "A fine title"', "date: 2026-01-15"] if valid_start else []
    lines += [f"{key}: {value}" for key, value in pairs]
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


# Front matter that reads, of any length (the body's first line moves with it), and bodies of any line ends.
readable_front_matters = st.lists(
    st.sampled_from(["tags: [a, 标签]", "x: 1", "# a comment", "", "summary: s", "list:\n  - a\n  - b"]), max_size=5
).map(lambda lines: "\n".join(["title: T", "date: 2026-01-01", *lines]))
line_ends = st.sampled_from(["\n", "\r\n", "\r"])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    front=readable_front_matters,
    body=bodies | st.lists(st.sampled_from(["a", "\n", "\r\n", "\r", "\x0b", "---"])).map("".join),
    line_end=line_ends,
)
@example(front="title: T\ndate: 2026-01-01", body="", line_end="\n")  # the file ends where the front matter does
def test_a_body_read_again_for_rendering_is_the_body_first_read(front, body, line_end):
    text = f"---\n{front}\n---\n".replace("\n", line_end) + body
    with tempfile.TemporaryDirectory() as folder:
        config = load_config(write_site(Path(folder) / "site", {"post.md": text.encode("utf-8")}))
        path = config.posts_dir / "post.md"
        first, _ = read_post(path, config)

        assert first is not None
        assert read_body(path, first.source_hash, first.body_line) == first.body


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(front=front_matters, body=bodies, name=names)
@example(front=(True, [("title", '"\\ud800"')]), body="", name="post.md")  # a lone surrogate, YAML-escaped
@example(
    front=(True, [("title", "'a \U0001f680 rocket'"), ("title", '"again"')]), body="x", name="post.md"
)  # duplicate key
@example(front=(False, [("title", "2026-01-01"), ("date", "2026-01-01")]), body="", name="post.md")
@example(front=(False, [("title", "yes"), ("date", "99999-01-01")]), body="", name="post.md")
@example(front=(True, [("tags", "[1, 2]"), ("categories", "{a: b}")]), body="", name="post.md")
@example(front=(True, [("tags", "null"), ("title", json.dumps("长" * 20000))]), body="", name="post.md")
@example(front=(True, [("title", "'DEL \x7f in a title'")]), body="", name="post.md")
@example(front=(True, [("summary", '"\u202eevil\u202c e\u0301\u0302 \x0b"')]), body="\x00\x0b\u200f", name="post.md")
def test_any_front_matter_and_body_builds_valid_feeds_or_reports_path_line_errors(front, body, name):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        config = write_site(
            root / "site",
            {
                name: hostile_post(*front, body).encode("utf-8"),
                "2026-01-01-good.md": post("Good", "2026-01-01", tags=["good"]),
            },
        )
        out = root / "out"

        result = build(config, out)

        assert result.exit_code in (0, 1), output_of(result)
        assert "Traceback" not in output_of(result)
        if result.exit_code == 0:
            for path in xml_feeds(out):
                parse_ok(path)
                assert_valid_feed(path)
                if path.name == "atom.xml":
                    assert_valid_atom(path)
        else:
            assert_error_lines(result.stderr)


# --- encodings and file contents -------------------------------------------------------

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_a_gbk_file_is_refused_with_its_path_and_line(site, tmp_path):
    config = site({"gbk.md": "---\ntitle: 金融科技\ndate: 2026-01-01\n---\n正文\n".encode("gbk")})
    result = build(config, tmp_path / "out")
    assert result.exit_code == 1, output_of(result)
    assert f"{config.parent / 'posts' / 'gbk.md'}:2: " in result.stderr
    assert "UTF-8" in result.stderr
    assert "Traceback" not in output_of(result)


def test_a_latin1_file_is_refused_with_its_path_and_line(site, tmp_path):
    config = site({"latin1.md": "---\ndate: 2026-01-01\ntitle: Café crème\n---\nBody\n".encode("latin-1")})
    result = build(config, tmp_path / "out")
    assert result.exit_code == 1, output_of(result)
    assert f"{config.parent / 'posts' / 'latin1.md'}:3: " in result.stderr
    assert "Traceback" not in output_of(result)


def test_a_utf16_file_with_a_bom_is_refused_with_its_path(site, tmp_path):
    config = site({"utf16.md": "---\ntitle: Hello\ndate: 2026-01-01\n---\nBody\n".encode("utf-16")})
    result = build(config, tmp_path / "out")
    assert result.exit_code == 1, output_of(result)
    assert f"{config.parent / 'posts' / 'utf16.md'}:1: " in result.stderr
    assert "UTF-16" in result.stderr
    assert "Traceback" not in output_of(result)


def test_a_binary_file_named_md_is_refused_with_its_path(site, tmp_path):
    config = site({"image.md": PNG, "2026-01-01-good.md": post("Good")})
    result = build(config, tmp_path / "out")
    assert result.exit_code == 1, output_of(result)
    assert f"{config.parent / 'posts' / 'image.md'}:" in result.stderr
    assert_error_lines(result.stderr)
    assert "Traceback" not in output_of(result)


def test_a_post_over_8_mib_is_refused_with_its_size_before_it_is_read(tmp_path):
    config = write_site(tmp_path / "site", {"2026-01-02-kept.md": post("Kept", "2026-01-02", "Kept.")})
    with open(config.parent / "posts" / "2026-01-01-dump.md", "w", encoding="utf-8") as handle:
        handle.write("---\ntitle: Dump\ndate: 2026-01-01\n---\n")
        handle.write("log line 区块链 <tag>\n" * (9 * 1024 * 1024 // 25))  # 25 bytes a line

    result = build(config, tmp_path / "out")
    kept = build(config, tmp_path / "kept", "--keep-going")

    assert result.exit_code == 1, output_of(result)
    assert f"{config.parent / 'posts' / '2026-01-01-dump.md'}:1: file is 9.1 MiB; a post may have at most 8 MiB" in (
        result.stderr
    )
    assert_error_lines(result.stderr)
    assert kept.exit_code == 5, output_of(kept)
    assert b"<title>Kept</title>" in (tmp_path / "kept" / "atom.xml").read_bytes()


@pytest.mark.slow  # about 10 s: writes, renders and parses nearly 8 MiB
def test_a_post_just_under_8_mib_builds_into_a_sound_feed(tmp_path):
    config = write_site(tmp_path / "site", {})
    line = "    settle(amount) -> ledger.post(amount * 1.0001)  # 区块链 & <tag>\n"
    with open(config.parent / "posts" / "2026-01-01-huge.md", "w", encoding="utf-8") as handle:
        handle.write("---\ntitle: Huge\ndate: 2026-01-01\n---\nIntro paragraph.\n\n")
        for _ in range(8 * 1024 * 1024 // len(line.encode("utf-8")) - 100):
            handle.write(line)
        handle.write("\nThe last paragraph.\n")
    out = tmp_path / "out"

    result = feedpub(config, out, timeout=300)

    assert result.returncode == 0, result.stderr
    # lxml needs huge_tree for a text node this large; the document itself must be sound.
    document = etree.parse(str(out / "atom.xml"), etree.XMLParser(huge_tree=True))
    entry = document.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Huge"
    content = entry.findtext(f"{ATOM}content")
    assert len(content.encode("utf-8")) > 7 * 1024 * 1024 and "The last paragraph." in content
    assert "&lt;tag&gt;" in content  # the code block's text, escaped once in HTML


def test_front_matter_that_never_closes_is_an_error_with_path_and_line(site, tmp_path):
    config = site({"open.md": "---\ntitle: Open\ndate: 2026-01-01\n\nBody that never ends\n"})
    result = build(config, tmp_path / "out")
    assert result.exit_code == 1, output_of(result)
    assert f"{config.parent / 'posts' / 'open.md'}:" in result.stderr
    assert_error_lines(result.stderr)
    assert "Traceback" not in output_of(result)


def test_a_post_without_a_body_is_published(site, tmp_path):
    config = site(
        {
            "empty.md": "---\ntitle: Only a title\ndate: 2026-01-01\n---\n",
            "no-newline.md": "---\ntitle: No newline either\ndate: 2026-01-02\n---",
        }
    )
    out = tmp_path / "out"
    result = build(config, out)
    assert result.exit_code == 0, output_of(result)
    titles = [e.title for e in parse_ok(out / "atom.xml").entries]
    assert sorted(titles) == ["No newline either", "Only a title"]
    for path in xml_feeds(out):
        assert_valid_feed(path)


def test_ten_thousand_tags_on_one_post_are_refused_with_the_line(tmp_path):
    # Each tag feed would repeat all 10,000 categories: about 8 GB of feeds for one post.
    tags = [f"tag-{i}" for i in range(10_000)]
    config = write_site(tmp_path / "site", {"2026-01-01-many.md": post("Many tags", "2026-01-01", tags=tags)})
    out = tmp_path / "out"
    result = feedpub(config, out, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "2026-01-01-many.md:4: tags: 10000 names; at most 500 per post" in result.stderr
    assert not (out / "atom.xml").exists()


def test_a_post_with_hundreds_of_tags_builds_a_feed_for_each(tmp_path):
    tags = [f"tag-{i}" for i in range(300)]
    config = write_site(
        tmp_path / "site",
        {"2026-01-01-many.md": post("Many tags", "2026-01-01", tags=tags)},
        {"feeds": {"formats": ["atom"]}},
    )
    out = tmp_path / "out"
    result = feedpub(config, out, timeout=300)
    assert result.returncode == 0, result.stderr
    assert len(list((out / "tags").iterdir())) == 300
    for tag in ("tag-0", "tag-150", "tag-299"):
        parsed = assert_valid_feed(out / "tags" / tag / "atom.xml")
        assert [e.title for e in parsed.entries] == ["Many tags"]
        assert parsed.feed.title == f"Test Site · {tag}"
        assert len(parsed.entries[0].tags) == 300


# --- the file system ---------------------------------------------------------------------


def test_a_folder_symlink_loop_in_posts_is_not_followed(tmp_path):
    config = write_site(
        tmp_path / "site", {"sub/2026-01-01-a.md": post("A"), "2026-01-02-b.md": post("B", "2026-01-02")}
    )
    (config.parent / "posts" / "sub" / "loop").symlink_to("..", target_is_directory=True)
    out = tmp_path / "out"
    result = feedpub(config, out, timeout=60)
    assert result.returncode == 0, result.stderr
    assert sorted(e.title for e in parse_ok(out / "atom.xml").entries) == ["A", "B"]


def test_a_post_symlink_that_points_at_itself_is_reported_not_a_crash(site, tmp_path):
    config = site({"2026-01-02-b.md": post("B", "2026-01-02")})
    link = config.parent / "posts" / "self.md"
    link.symlink_to("self.md")
    result = build(config, tmp_path / "out")
    assert result.exit_code in (0, 1), output_of(result)
    assert str(link) in result.stderr
    assert "Traceback" not in output_of(result)


def test_a_post_symlink_to_a_file_outside_posts_is_not_read_and_warned_about(tmp_path):
    secret = (
        write_site(tmp_path / "elsewhere", {"secret.md": post("TOP SECRET", "2026-01-05")}).parent
        / "posts"
        / "secret.md"
    )
    config = write_site(tmp_path / "site", {"2026-01-02-b.md": post("B", "2026-01-02")})
    link = config.parent / "posts" / "leak.md"
    link.symlink_to(secret)
    out = tmp_path / "out"

    result = build(config, out)

    assert result.exit_code == 0, output_of(result)
    assert str(link) in result.stderr and "symlink" in result.stderr
    for path in all_files(out):
        assert b"TOP SECRET" not in path.read_bytes(), path


def test_tags_and_slugs_that_look_like_paths_stay_inside_the_output_folder(tmp_path):
    hostile = ["../../etc", "/abs", "con", "C:\\evil", "a/../../b", "~root", "NUL.txt"]
    config = write_site(
        tmp_path / "site",
        {
            "2026-01-01-a.md": post("A", tags=hostile, categories=["../../cat"], slug="../../etc/passwd"),
        },
    )
    out = tmp_path / "out"
    absolute = [Path(p) for p in ("/abs", "/etc/atom.xml", "/etc/rss.xml", "/etc/passwd/atom.xml", "/cat")]
    existed = {p for p in absolute if p.exists()}
    before = all_files(tmp_path)

    result = build(config, out)

    assert result.exit_code == 0, output_of(result)
    # Outside the output folder feedpub may only keep its own things beside the config.
    created = all_files(tmp_path) - before
    assert [p for p in created if not p.is_relative_to(out) and not p.is_relative_to(config.parent)] == []
    assert [p for p in created if p.is_relative_to(config.parent) and p.suffix == ".xml"] == []
    assert {p for p in absolute if p.exists()} == existed
    for folder in (out / "tags").iterdir():
        assert folder.parent.resolve() == (out / "tags").resolve()
    for path in xml_feeds(out):
        assert_valid_feed(path)


def test_tags_without_a_letter_or_digit_are_a_clear_error(tmp_path):
    for tag in (".", "..", "...", "/", "!!!"):
        config = write_site(tmp_path / tag.replace("/", "slash"), {"2026-01-01-a.md": post("A", tags=["fine", tag])})
        result = build(config, config.parent / "out")
        assert result.exit_code == 1, (tag, output_of(result))
        assert f'"{tag}"' in result.stderr and str(config.parent / "posts" / "2026-01-01-a.md") in result.stderr
        assert "tag_slugs" in result.stderr
        assert "Traceback" not in output_of(result)
        assert not (config.parent / "out").exists() or xml_feeds(config.parent / "out") == []


def test_a_tag_too_long_for_a_file_name_is_a_content_error_or_is_shortened(site, tmp_path):
    long_tag = "区块链" * 30  # 270 bytes in UTF-8: longer than a file name may be
    config = site(
        {
            "2026-01-01-a.md": post("A", tags=[long_tag, "short"]),
            "2026-01-02-b.md": post("B", "2026-01-02", categories=["x" * 300]),
        }
    )
    out = tmp_path / "out"
    result = build(config, out)
    assert result.exit_code in (0, 1), output_of(result)  # not 4: the disk is fine
    assert "Traceback" not in output_of(result)
    if result.exit_code == 1:
        assert_error_lines(result.stderr)
        return
    for path in xml_feeds(out):
        assert_valid_feed(path)


def test_a_lang_that_is_not_a_language_tag_does_not_make_an_invalid_feed(site, tmp_path):
    config = site(
        {
            "2026-01-01-a.md": post("A", lang="{{ page.lang }}"),
            "2026-01-02-b.md": post("B", "2026-01-02", lang="en us, please"),
        }
    )
    out = tmp_path / "out"
    result = build(config, out)
    assert result.exit_code in (0, 1), output_of(result)
    if result.exit_code == 1:
        assert_error_lines(result.stderr)
        return
    for path in xml_feeds(out):
        assert_valid_feed(path)


def test_an_error_about_a_tag_or_category_names_the_line_of_its_key(site, tmp_path):
    config = site(
        {
            "2026-01-01-a.md": "---\ntitle: A\ndate: 2026-01-01\ncategories: [news]\ntags: [fine, '...']\n---\nBody\n",
            "2026-01-02-b.md": "---\ntitle: B\ndate: 2026-01-02\ncategories: ['!!']\n---\nBody\n",
        }
    )
    result = build(config, tmp_path / "out")
    assert result.exit_code == 1, output_of(result)
    posts = config.parent / "posts"
    assert f"{posts / '2026-01-01-a.md'}:5: " in result.stderr, result.stderr
    assert f"{posts / '2026-01-02-b.md'}:4: " in result.stderr, result.stderr
    assert_error_lines(result.stderr)


def test_an_error_message_stays_on_one_line_and_prints_no_terminal_codes(site, tmp_path):
    # YAML escapes put a newline and an ESC (the start of every terminal control sequence) in values.
    config = site({"2026-01-01-a.md": '---\ntitle: A\ndate: "2026-01-01\\n\\e[2J"\nsource: "x\\ny"\n---\nBody\n'})
    result = build(config, tmp_path / "out")
    assert result.exit_code == 1, output_of(result)
    assert "\x1b" not in result.stderr
    assert_error_lines(result.stderr)


def test_a_tag_slug_override_that_leaves_the_folder_is_a_config_error(site, tmp_path):
    config = site({"2026-01-01-a.md": post("A", tags=["evil"])}, {"tag_slugs": {"evil": "../../etc"}})
    result = build(config, tmp_path / "out")
    assert result.exit_code == 2, output_of(result)
    assert "tag_slugs" in result.stderr
    assert not (tmp_path / "out").exists()


def test_tag_names_differing_only_in_case_or_normalisation_share_one_feed(site, tmp_path):
    nfc, nfd = "Café", unicodedata.normalize("NFD", "CAFÉ")
    assert nfc.casefold() != nfd.casefold()  # different strings, one tag
    config = site(
        {
            "2026-01-01-a.md": post("A", "2026-01-01", tags=[nfc]),
            "2026-01-02-b.md": post("B", "2026-01-02", tags=[nfd]),
            "2026-01-03-c.md": post("C", "2026-01-03", tags=["café"]),
        }
    )
    out = tmp_path / "out"
    result = build(config, out)
    assert result.exit_code == 0, output_of(result)
    folders = list((out / "tags").iterdir())
    assert len(folders) == 1, folders
    assert sorted(e.title for e in parse_ok(folders[0] / "atom.xml").entries) == ["A", "B", "C"]


def test_a_permalink_with_dot_dot_is_an_error(site, tmp_path):
    config = site({"2026-01-01-a.md": post("A", permalink="/news/../../etc/")})
    result = build(config, tmp_path / "out")
    assert result.exit_code == 1, output_of(result)
    assert f"{config.parent / 'posts' / '2026-01-01-a.md'}:" in result.stderr and "permalink" in result.stderr
    assert_error_lines(result.stderr)


def test_yaml_python_tags_are_refused_and_run_nothing(site, tmp_path):
    marker = tmp_path / "pwned"
    config = site(
        {
            "2026-01-01-a.md": (
                "---\ntitle: A\ndate: 2026-01-01\n"
                f'layout: !!python/object/apply:os.system ["echo hi; touch {marker}"]\n---\nBody\n'
            )
        }
    )
    result = build(config, tmp_path / "out")
    assert result.exit_code == 1, output_of(result)
    assert f"{config.parent / 'posts' / '2026-01-01-a.md'}:4: " in result.stderr
    assert "hi" not in result.stdout
    assert not marker.exists()
    assert "Traceback" not in output_of(result)


def test_an_impossible_yaml_date_is_a_content_error_not_a_crash(site, tmp_path):
    for front in ("date: 2026-02-30", "date: 2026-01-01\nupdated: 0000-01-01", "date: 2026-13-01T10:00:00Z"):
        config = site({"2026-01-01-a.md": f"---\ntitle: A\n{front}\n---\nBody\n"})
        result = build(config, tmp_path / "out")
        assert result.exit_code == 1, (front, output_of(result))
        assert "Traceback" not in output_of(result)
        assert_error_lines(result.stderr)


def test_an_impossible_date_in_a_key_feedpub_ignores_is_ignored(site, tmp_path):
    config = site({"2026-01-01-a.md": "---\ntitle: A\ndate: 2026-01-01\nlayout: 2026-02-30\n---\nBody\n"})
    out = tmp_path / "out"
    result = build(config, out)
    assert result.exit_code == 0, output_of(result)
    assert [e.title for e in parse_ok(out / "atom.xml").entries] == ["A"]


def _limit_memory() -> None:
    # A guard for this machine: feedpub needs a few hundred MB; a blow-up fails here instead.
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def test_a_billion_laughs_alias_bomb_finishes_quickly_without_a_memory_blowup(tmp_path):
    lines = [
        "---",
        "title: Bomb",
        "date: 2026-01-01",
        'lol0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
    ]
    for level in range(1, 10):
        lines.append(f"lol{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    for key in ("tags", "title"):
        text = "\n".join(lines).replace("title: Bomb", "title: Bomb" if key == "tags" else "layout: Bomb")
        config = write_site(
            tmp_path / key,
            {
                "2026-01-01-bomb.md": f"{text}\n{key}: *a9\n---\nBody\n",
                "2026-01-02-good.md": post("Good", "2026-01-02"),
            },
        )
        result = feedpub(config, tmp_path / key / "out", timeout=30, preexec_fn=_limit_memory)
        assert result.returncode in (0, 1), (key, result.stderr[-2000:])
        assert "Traceback" not in result.stdout + result.stderr
        if result.returncode == 1:
            assert_error_lines(result.stderr)


def test_html_and_xml_in_titles_authors_and_tags_comes_out_escaped(site, tmp_path):
    nasty = "<script>alert(1)</script> & ]]> \"quoted\" 'single' <![CDATA[x]]>"
    tag = "<script>AT&T]]>"
    config = site(
        {
            "2026-01-01-a.md": post(
                nasty,
                "2026-01-01",
                tags=[tag],
                categories=[nasty],
                author=nasty,
                summary=nasty,
                body="<script>alert(2)</script>\n\nText & ]]> more.",
            )
        }
    )
    out = tmp_path / "out"
    result = build(config, out)
    assert result.exit_code == 0, output_of(result)

    # A title is HTML made text, as jekyll-feed makes it: the script and the CDATA (a comment in HTML) go.
    title = "& ]]> \"quoted\" 'single'"
    atom = etree.parse(str(out / "atom.xml")).getroot()
    entry = atom.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == title
    assert entry.find(f"{ATOM}author").findtext(f"{ATOM}name") == nasty
    assert {c.get("term") for c in entry.findall(f"{ATOM}category")} == {tag, nasty}
    rss = etree.parse(str(out / "rss.xml")).getroot()
    assert rss.find("channel/item").findtext("title") == title
    for path in xml_feeds(out):
        tree = etree.parse(str(path))
        assert [e for e in tree.iter() if isinstance(e.tag, str) and etree.QName(e).localname.lower() == "script"] == []
        parsed = assert_valid_feed(path)
        assert parsed.entries[0].title == title


def test_an_entry_feedgen_refuses_for_a_control_character_is_written_without_it(tmp_path):
    # Every known way in is cleaned where its text is read; this is the last guard, for one not known yet.
    from feedpub.build.workers import fragments_of
    from feedpub.model import Rendered

    config = load_config(write_site(tmp_path / "site", {"2026-01-15-post.md": post("Post", "2026-01-15")}))
    found, _ = read_post(config.posts_dir / "2026-01-15-post.md", config)
    assert found is not None

    fragments = fragments_of(found, Rendered("<p>a\x08b\x1b</p>", "<p>s\x08</p>"), config)

    for fmt, xml in fragments.items():
        assert b"\x08" not in xml and b"\x1b" not in xml, fmt
    assert b"&lt;p&gt;ab&lt;/p&gt;" in fragments["atom"]
