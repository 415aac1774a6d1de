"""Liquid in post bodies is rendered before Markdown, as Jekyll renders it.

The cases in tests/cases/liquid/cases.yaml check each of Jekyll's tags and
filters against what Jekyll 4.3 writes (tests/cases/liquid/check_with_jekyll.py
compares them with the installed `jekyll`); the tests here check what Jekyll
has no counterpart for: warnings for what cannot run, errors with their line,
limits, and a build of the fixture site.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from conftest import build_into, post, run_cli, write_site
from lxml import etree

from feedpub.model import Config, Post, Problem
from feedpub.render import limits
from feedpub.render.content import RenderError, markdown_to_html, render_post
from feedpub.render.liquid import MAX_LOOP_ITERATIONS, render_liquid
from feedpub.sources.config import load_config
from feedpub.sources.posts import read_post

CASES_DIR = Path(__file__).parent / "cases" / "liquid"
SITE = CASES_DIR / "site"
CASES = yaml.safe_load((CASES_DIR / "cases.yaml").read_text(encoding="utf-8"))
CASE_POST = "_posts/2020-02-10-data-and-includes.md"
PYTHON_MARKDOWN = ("python-markdown", ("extra",))
ATOM = "{http://www.w3.org/2005/Atom}"


def site_post(root: Path, name: str = CASE_POST) -> tuple[Config, Post]:
    config = load_config(root / "_config.yml")
    found, problems = read_post(root / name, config)
    assert found is not None, problems
    return config, found


def render(body: str, root: Path = SITE, name: str = CASE_POST, body_line: int = 6) -> tuple[str, list[Problem]]:
    config, found = site_post(root, name)
    markdownify = lambda text: markdown_to_html(text, PYTHON_MARKDOWN)  # noqa: E731
    rendered = render_liquid(body, replace(found, body=body, body_line=body_line), config, body_line, markdownify)
    return rendered.text, list(rendered.problems)


def jekyll_site(tmp_path: Path, files: dict[str, str]) -> Path:
    """A copy of the fixture site with `files` added (relative path -> text); its folder."""
    root = tmp_path / "site"
    shutil.copytree(SITE, root)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


# --- Jekyll's tags and filters, case by case ----------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case["case"] for case in CASES])
def test_a_case_renders_as_jekyll_renders_it(case):
    text, problems = render(case["template"])

    assert (text, problems) == (case["expect"], [])


def test_every_case_says_what_it_shows_and_what_it_expects():
    for case in CASES:
        assert set(case) <= {"case", "template", "expect", "jekyll"}, case
        assert case["case"] and isinstance(case["template"], str) and isinstance(case["expect"], str), case


def test_page_path_is_the_file_from_the_site_folder():
    assert render("{{ page.path }}")[0] == CASE_POST


def test_sample_picks_the_same_items_in_every_build():
    template = "{{ site.data.team | map: 'name' | sample }}|{{ site.data.team | map: 'name' | sample: 2 | join: ',' }}"

    first, again = render(template)[0], render(template)[0]

    one, two = first.split("|")
    assert first == again
    assert one in {"Ada", "Brook", "Cyd"} and len(set(two.split(","))) == 2


def test_liquid_in_a_code_fence_is_rendered_as_jekyll_renders_it():
    text, _ = render("```\n{{ site.title }}\n```\n")

    assert text == "```\nLiquid Fixture\n```\n"


def test_a_body_without_liquid_is_left_exactly_as_written():
    body = "No tags here: { % and } } and 100% of {braces}.\n"

    assert render(body) == (body, [])


# --- what cannot run: warnings, never published -------------------------------------------


def test_a_plugins_tag_renders_to_nothing_with_a_warning_at_its_line():
    text, problems = render("Watch:\n\n{% youtube abc123 %}\n", body_line=6)

    assert "youtube" not in text and "abc123" not in text
    assert problems == [
        Problem(
            SITE / CASE_POST,
            8,
            "unknown Liquid tag `youtube`: left out, as only a Jekyll plugin can run it",
            "warning",
        )
    ]


def test_a_plugins_block_tag_leaves_its_content_and_warns_once():
    text, problems = render("{% tab Scala 3 %}\nprintln(1)\n{% endtab %}\n")

    assert text == "\nprintln(1)\n\n"
    assert [p.message for p in problems] == ["unknown Liquid tag `tab`: left out, as only a Jekyll plugin can run it"]


def test_a_plugins_filter_leaves_the_value_unfiltered_with_a_warning():
    text, problems = render("a\n{{ page.title | my_filter: 3 | upcase }}\n", body_line=10)

    assert text == "a\nDATA AND INCLUDES\n"
    assert problems == [
        Problem(
            SITE / CASE_POST,
            11,
            "unknown Liquid filter `my_filter`: left out, as only a Jekyll plugin can run it (value unfiltered)",
            "warning",
        )
    ]


def test_a_plugin_tag_in_an_include_is_placed_at_the_include_and_names_the_file(tmp_path):
    root = jekyll_site(tmp_path, {"_includes/video.html": "<p>Video</p>\n{% youtube {{ include.id }} %}\n"})

    text, problems = render("Intro\n{% include video.html id='x1' %}\n", root=root, body_line=6)

    assert text == "Intro\n<p>Video</p>\n\n\n"
    assert [(p.line, p.message) for p in problems] == [
        (
            7,
            "unknown Liquid tag `youtube`: left out, as only a Jekyll plugin can run it (in _includes/video.html, line 2)",
        )
    ]


def test_control_characters_in_an_include_are_removed_with_a_warning_naming_the_file_and_line(tmp_path):
    root = jekyll_site(tmp_path, {"_includes/zh.md": "第一行\n在\x08 AE\x1b 中\n"})

    text, problems = render("Intro\n{% include zh.md %}\n", root=root, body_line=6)

    assert text == "Intro\n第一行\n在 AE 中\n\n"
    assert [(p.line, p.message, p.severity) for p in problems] == [
        (7, "include: removed control characters (U+0008, U+001B) (in _includes/zh.md, line 2)", "warning")
    ]


def test_control_characters_liquid_writes_from_a_variable_are_removed_with_a_warning(tmp_path):
    text, problems = render('{% assign x = "a" %}{{ page.escaped }}|{{ x }}', root=_with_escaped_front_matter(tmp_path))

    assert text == "ab|a"
    assert [(p.line, p.message) for p in problems] == [(6, "Liquid wrote characters XML forbids (U+0008): removed")]


def _with_escaped_front_matter(tmp_path: Path) -> Path:
    # A YAML escape puts a control character in a value, which front matter checks cannot see: it is not a field.
    return jekyll_site(tmp_path, {CASE_POST: '---\ntitle: Escaped\nescaped: "a\\bb"\n---\nBody.\n'})


def test_a_build_with_control_characters_from_an_include_and_a_variable_publishes_them_removed(tmp_path):
    root = jekyll_site(
        tmp_path,
        {
            "_includes/zh.md": "在\x08 AE 中\n",
            "_posts/2020-05-01-included.md": "---\ntitle: Included\n---\n{% include zh.md %}\n",
            "_posts/2020-05-02-escaped.md": '---\ntitle: Escaped\nx: "a\\bb"\n---\nval {{ page.x }} end\n',
        },
    )

    result = run_cli("build", "-c", root / "_config.yml", "--now", "2026-11-24T00:00:00Z")

    assert result.exit_code == 0, result.output
    assert "_posts/2020-05-01-included.md:4: warning: include: removed control characters (U+0008)" in result.stderr
    assert "_posts/2020-05-02-escaped.md:5: warning: Liquid wrote characters XML forbids (U+0008)" in result.stderr
    feed = etree.parse(str(root / "_site" / "feed.xml")).getroot()
    contents = {e.findtext(f"{ATOM}title"): e.findtext(f"{ATOM}content") for e in feed.iter(f"{ATOM}entry")}
    assert contents["Included"] == "<p>在 AE 中</p>"
    assert contents["Escaped"] == "<p>val ab end</p>"


def test_an_include_that_is_not_there_is_left_out_with_a_warning():
    text, problems = render("{% include from-the-theme.html %}")

    assert text == ""
    assert [p.message for p in problems] == ["include: no file `from-the-theme.html` in _includes: left out"]


def test_an_include_cannot_read_outside_its_folder():
    _, problems = render("{% include ../_config.yml %}")

    assert [(p.severity, p.message) for p in problems] == [
        ("error", "Liquid error: include: invalid file name '../_config.yml'")
    ]


def test_a_link_to_a_missing_file_is_empty_with_a_warning():
    text, problems = render("[x]({% link _posts/2001-01-01-gone.md %})")

    assert text == "[x]()"
    assert [p.message for p in problems] == [
        "link: no site file `_posts/2001-01-01-gone.md` to link to: the link is left empty"
    ]


# --- errors: the post cannot be rendered, at the line to look at ----------------------------


def test_an_unclosed_if_is_an_error_at_the_line_of_the_if():
    _, problems = render("one\ntwo\n{% if page.title %}\nthree\n", body_line=6)

    assert problems == [Problem(SITE / CASE_POST, 8, "Liquid syntax error: 'if' tag was never closed", "error")]


def test_a_stray_end_tag_is_an_error_not_a_plugin():
    _, problems = render("one\n{% endif %}\n", body_line=6)

    assert [(p.line, p.severity) for p in problems] == [(7, "error")]
    assert "endif" in problems[0].message


def test_render_post_raises_the_liquid_error_at_its_line_of_the_file():
    config, found = site_post(SITE)
    broken = replace(found, body="Text\n\n{% for x in site.posts %}\n{{ x.title }}\n", body_line=6)

    with pytest.raises(RenderError) as raised:
        render_post(broken, PYTHON_MARKDOWN, config)

    assert (raised.value.path, raised.value.line) == (SITE / CASE_POST, 8)
    assert "'for' tag was never closed" in raised.value.message


def test_loops_past_the_limit_are_an_error():
    side = int(MAX_LOOP_ITERATIONS**0.5) + 10
    template = f"x\n{{% for a in (1..{side}) %}}{{% for b in (1..{side}) %}}.{{% endfor %}}{{% endfor %}}"

    _, problems = render(template, body_line=6)

    assert [(p.line, p.severity) for p in problems] == [(7, "error")]
    assert "loops run more than" in problems[0].message


def test_an_include_that_includes_itself_is_an_error(tmp_path):
    root = jekyll_site(tmp_path, {"_includes/again.html": "a{% include again.html %}"})

    _, problems = render("{% include again.html %}", root=root)

    assert [(p.line, p.severity) for p in problems] == [(6, "error")]
    assert problems[0].message == (
        "Liquid: the template cannot be rendered: it nests includes and loops more than 30 deep (an include that includes itself?)"
    )


def test_a_template_past_the_time_budget_is_an_error_even_after_markdownify(monkeypatch):
    # markdownify runs the Markdown engine, which sets a budget of its own; the template's must outlive it.
    monkeypatch.setattr(limits, "RENDER_SECONDS", 0.2)
    template = (
        "{{ 'x' | markdownify }}"
        + "{% for a in (1..300) %}{% for b in (1..300) %}{% assign c = a | plus: b | times: 2 %}{% endfor %}{% endfor %}"
    )
    config, found = site_post(SITE)

    rendered = render_liquid(template, found, config, 6, lambda text: markdown_to_html(text, PYTHON_MARKDOWN))

    assert [p.message for p in rendered.problems] == ["Liquid: the template takes more than 0.2 s to render"]


# --- in a post: before Markdown ----------------------------------------------------------------


@pytest.mark.parametrize("engine", [PYTHON_MARKDOWN, ("cmark", ())], ids=["python-markdown", "cmark"])
def test_ruby_comments_in_highlight_stay_code_even_after_a_blank_line(engine):
    config, found = site_post(SITE)
    body = "Code:\n\n{% highlight ruby %}\nx = 1\n\n# not a heading\n{% endhighlight %}\n\nAfter.\n"

    html = render_post(replace(found, body=body, summary=None), engine, config).content_html

    assert "<h1" not in html
    assert "# not a heading</code></pre></figure>" in html
    assert "<p>After.</p>" in html


def test_render_with_liquid_false_publishes_the_body_as_written(tmp_path):
    root = jekyll_site(
        tmp_path,
        {
            "_posts/2020-04-01-as-written.md": "---\ntitle: As written\nrender_with_liquid: false\n---\n{{ site.title }}\n"
        },
    )

    assert render("{{ site.title }}", root=root, name="_posts/2020-04-01-as-written.md")[0] == "{{ site.title }}"


def test_an_excerpt_cut_inside_a_block_is_closed_as_jekyll_closes_it(tmp_path):
    root = jekyll_site(
        tmp_path,
        {
            "_posts/2020-04-02-cut.md": (
                "---\ntitle: Cut\nexcerpt_separator: <!--more-->\n---\n"
                "{% if true %}Shown {{ page.title }}<!--more-->\nrest{% endif %}\n"
            )
        },
    )
    config, found = site_post(root, "_posts/2020-04-02-cut.md")

    rendered = render_post(found, PYTHON_MARKDOWN, config)

    assert rendered.summary_html == "<p>Shown Cut</p>"


def test_feedpubs_own_mode_gives_its_config_as_site(tmp_path):
    config_path = write_site(
        tmp_path / "own",
        {
            "2026-01-30-hello.md": post(
                body="{{ site.title }}|{{ site.url }}{{ site.baseurl }}|{{ '/a.png' | absolute_url }}"
            )
        },
        {"site": {"url": "https://example.com/blog/"}},
    )
    config = load_config(config_path)
    found, _ = read_post(config.posts_dir / "2026-01-30-hello.md", config)
    assert found is not None

    html = render_post(found, PYTHON_MARKDOWN, config).content_html

    assert html == "<p>Test Site|https://example.com/blog|https://example.com/blog/a.png</p>"


def test_an_edit_in_includes_or_data_changes_the_config_and_so_the_cache_key(tmp_path):
    root = jekyll_site(tmp_path, {})
    before = load_config(root / "_config.yml")

    (root / "_includes" / "note.html").write_text("<aside>changed</aside>\n", encoding="utf-8")
    after_include = load_config(root / "_config.yml")
    (root / "_data" / "team.yml").write_text("[]\n", encoding="utf-8")
    after_data = load_config(root / "_config.yml")

    assert len({repr(before), repr(after_include), repr(after_data)}) == 3


# --- the command line ------------------------------------------------------------------------------


def _entry_contents(feed: Path) -> dict[str, str]:
    return {
        entry.find(f"{ATOM}title").text: entry.find(f"{ATOM}content").text
        for entry in etree.parse(feed).getroot().iter(f"{ATOM}entry")
    }


def test_an_edit_to_a_file_include_relative_reads_is_published_by_the_next_cached_build(tmp_path):
    root = jekyll_site(
        tmp_path,
        {"_posts/2020-04-01-beside.md": "---\ntitle: Beside\n---\nBefore. {% include_relative parts/note.md %}\n"},
    )
    note = root / "_posts" / "parts" / "note.md"
    note.parent.mkdir()
    note.write_text("First note.\n", encoding="utf-8")
    out = tmp_path / "out"
    assert build_into(root / "_config.yml", out).exit_code == 0
    assert "First note." in _entry_contents(out / "feed.xml")["Beside"]

    note.write_text("Second note, longer.\n", encoding="utf-8")
    result = build_into(root / "_config.yml", out, "--json")
    again = build_into(root / "_config.yml", out, "--json")

    assert result.exit_code == 0, result.stderr
    assert "Second note, longer." in _entry_contents(out / "feed.xml")["Beside"]
    assert yaml.safe_load(again.stdout)["written"] == []  # and then nothing changed


def test_a_jekyll_site_build_publishes_rendered_liquid(tmp_path):
    root = jekyll_site(tmp_path, {})
    out = tmp_path / "out"

    result = build_into(root / "_config.yml", out)

    assert result.exit_code == 0, result.output + result.stderr
    contents = {
        entry.find(f"{ATOM}title").text: entry.find(f"{ATOM}content").text
        for entry in etree.parse(out / "feed.xml").getroot().iter(f"{ATOM}entry")
    }
    code, data = contents["Highlighted code"], contents["Data and includes"]
    assert '<code class="language-ruby" data-lang="ruby"># a comment, not a heading' in code
    assert '<a href="https://example.org/blog/guides/setup/">setup guide</a>' in code
    assert "The source is at https://github.com/example/fixture." in code
    assert "Write {{ page.title }} to show the title." in code
    assert '<aside class="note">Read this first (tip)</aside>' in data
    assert "<p>Ada (since 2019)</p>" in data and "<p>Cyd (since 2020)</p>" in data and "Brook" not in data
    assert '<a href="https://example.org/blog/2020/01/05/highlighted-code/">here</a>' in data
    assert all("{%" not in text and "{{" not in text.replace("{{ page.title }}", "") for text in contents.values())


def test_check_warns_about_liquid_it_cannot_run(tmp_path):
    root = jekyll_site(
        tmp_path, {"_posts/2020-04-03-video.md": "---\ntitle: Video\n---\nIntro.\n\n{% youtube abc %}\n"}
    )

    result = run_cli("check", "-c", root / "_config.yml", "--now", "2026-11-24T00:00:00Z")

    assert "_posts/2020-04-03-video.md:6: warning: unknown Liquid tag `youtube`" in result.stdout + result.stderr


def test_site_tags_lists_names_in_the_order_jekyll_meets_them_from_the_oldest_post(tmp_path):
    # What Jekyll 4.3 writes (post_attr_hash walks the posts oldest first); a tags page loops over it.
    root = jekyll_site(
        tmp_path,
        {
            "_posts/2021-01-01-a.md": "---\ntitle: A\ntags: [zeta, alpha]\n---\nA.\n",
            "_posts/2021-01-02-b.md": "---\ntitle: B\ntags: [mid, zeta]\n---\nB.\n",
            "_posts/2021-01-03-c.md": "---\ntitle: C\ntags: [beta]\n---\nC.\n",
        },
    )
    template = "{% for tag in site.tags %}{{ tag[0] }}:{{ tag[1] | map: 'title' | join: '' }},{% endfor %}"

    text, problems = render(template, root=root)

    assert problems == []
    # The fixture's own 2020 posts are older: their tags come first.
    assert text == "code:Highlighted code,ruby:Highlighted code,zeta:BA,alpha:A,mid:B,beta:C,"


# --- output statements Liquid cannot parse: Jekyll's error_mode ----------------------------


@pytest.mark.parametrize(
    ("statement", "written"),
    [
        ("{{ .Values.image }}", ""),  # a Helm chart quoted in a post
        ('{{ include "name" . }}', ""),
        ("{{#each items}}", ""),  # Handlebars
        ("{{ x | }}", ""),
        ('{{ page.title "x" }}', "Data and includes"),  # Liquid's lax parse: the first fragment is the value
    ],
)
def test_an_output_statement_liquid_cannot_parse_is_written_as_jekyll_writes_it_with_a_warning(statement, written):
    # What Jekyll 4.3 (Liquid 5.4, error_mode: warn) writes for each, run once.
    text, problems = render(f"Before\nA {statement} B\n", body_line=6)

    assert text == f"Before\nA {written} B\n"
    assert [(p.line, p.severity) for p in problems] == [(7, "warning")]
    assert "Liquid syntax error in `{{" in problems[0].message and "{% raw %}" in problems[0].message


def test_liquid_error_mode_strict_makes_such_a_statement_an_error_and_lax_makes_it_silent(tmp_path):
    config = (SITE / "_config.yml").read_text(encoding="utf-8")
    for mode, expected in (("strict", ["error"]), ("lax", [])):
        root = jekyll_site(tmp_path / mode, {"_config.yml": config + f"\nliquid:\n  error_mode: {mode}\n"})

        _, problems = render("A {{ .Values.image }} B\n", root=root)

        assert [p.severity for p in problems] == expected


def test_a_post_quoting_a_go_template_is_published_as_jekyll_publishes_it(tmp_path):
    body = "Deploy with:\n\n```yaml\nimage: {{ .Values.image }}\n```\n"
    root = jekyll_site(tmp_path, {"_posts/2020-04-05-helm.md": f"---\ntitle: Helm\n---\n{body}"})

    result = build_into(root / "_config.yml", tmp_path / "out")

    assert result.exit_code == 0, result.stderr
    assert "_posts/2020-04-05-helm.md:7: warning: Liquid syntax error in `{{ .Values.image }}`" in result.stderr
    feed = etree.parse(str(tmp_path / "out" / "feed.xml")).getroot()
    content = next(e for e in feed.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == "Helm").findtext(
        f"{ATOM}content"
    )
    assert "image: \n</code>" in content


def test_a_build_stops_on_a_liquid_error_and_names_its_line(tmp_path):
    root = jekyll_site(
        tmp_path, {"_posts/2020-04-04-open.md": "---\ntitle: Open\n---\nIntro.\n\n{% if page.title %}\nNever closed.\n"}
    )

    result = build_into(root / "_config.yml", tmp_path / "out")

    assert result.exit_code == 1
    assert "_posts/2020-04-04-open.md:6: Liquid syntax error: 'if' tag was never closed" in result.stderr
