"""markdown.engine: cmark renders with GitHub's C implementation, with the same feed semantics."""

from __future__ import annotations

from conftest import NOW, post, run_cli
from feedcheck import assert_valid_feed
from lxml import etree

from feedpub.sources import config as config_module

ATOM = "{http://www.w3.org/2005/Atom}"
BODY = """First paragraph with ~~struck~~ text and a [link](../other/).

| a | b |
|---|---|
| 1 | 2 |

- [x] done

Footnote here.[^1]

[^1]: The note.
"""


def content(config_path) -> str:
    root = etree.parse(str(config_path.parent / "public" / "atom.xml")).getroot()
    return root.find(f"{ATOM}entry/{ATOM}content").text


def test_cmark_renders_gfm_and_keeps_urls_absolute(site):
    config = site({"x.md": post("GFM", "2026-01-30", BODY)}, {"markdown": {"engine": "cmark"}})
    result = run_cli("build", "-c", config, "--now", NOW, "-q")
    assert result.exit_code == 0, result.stderr
    html = content(config)
    assert "<del>struck</del>" in html and "<table>" in html and 'type="checkbox"' in html
    assert 'href="https://example.com/2026/01/30/other/"' in html
    assert 'class="footnotes"' in html
    assert_valid_feed(config.parent / "public" / "atom.xml")
    summary = etree.parse(str(config.parent / "public" / "atom.xml")).getroot().find(f"{ATOM}entry/{ATOM}summary").text
    assert summary.startswith("<p>First paragraph")


def test_cmark_without_the_package_is_a_config_error_naming_the_install_command(site, monkeypatch):
    monkeypatch.setattr(config_module, "available", lambda module: False)
    config = site({"x.md": post()}, {"markdown": {"engine": "cmark"}})
    result = run_cli("build", "-c", config, "--now", NOW)
    assert result.exit_code == 2
    assert (
        "markdown.engine: cmark needs feedpub's fast extra: pip install '.[fast]' in feedpub's folder" in result.stderr
    )


def test_an_unknown_engine_is_a_config_error(site):
    config = site({"x.md": post()}, {"markdown": {"engine": "pandoc"}})
    result = run_cli("build", "-c", config, "--now", NOW)
    assert result.exit_code == 2 and 'markdown.engine: "pandoc" is not one of' in result.stderr


def test_the_leak_free_cmark_wrapper_renders_exactly_what_cmarkgfm_renders():
    import cmarkgfm
    from cmarkgfm.cmark import Options

    from feedpub.render.cmark import GFM_EXTENSIONS, gfm_to_html

    options = (
        Options.CMARK_OPT_UNSAFE
        | Options.CMARK_OPT_FOOTNOTES
        | Options.CMARK_OPT_GITHUB_PRE_LANG
        | Options.CMARK_OPT_SMART
    )
    samples = [
        BODY,
        "",
        "# 标题\n\n**粗体** 与 www.example.com\n\n```python\nx = 1\n```\n",
        "<div>raw</div>\n\n<script>x</script>",
    ]
    for text in samples:
        expected = cmarkgfm.markdown_to_html_with_extensions(text, options=options, extensions=list(GFM_EXTENSIONS))
        assert gfm_to_html(text) == expected


def test_cmark_keeps_embeds_leaves_bare_urls_and_sets_quotes_as_kramdown_does():
    from feedpub.render.cmark import gfm_to_html

    html = gfm_to_html('<iframe src="https://v.example/1"></iframe>\n\nSee https://example.com -- "it\'s" here...\n')

    assert '<iframe src="https://v.example/1"></iframe>' in html
    assert "<a " not in html
    assert "“it’s”" in html and "–" in html and "…" in html
