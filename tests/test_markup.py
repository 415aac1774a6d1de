"""render/markup.py: post HTML read and rewritten as a browser parses it.

Relative URLs made absolute, the summary cut at <!--more--> or taken from the
first paragraph, the words of a fragment, how a body opens and which URLs it
holds. Each function is called directly on small fragments.
"""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from feedpub.render import urls
from feedpub.render.markup import (
    Opening,
    UrlAttribute,
    absolutize,
    absolutize_with_first_paragraph,
    before_more_marker,
    close_open_tags,
    first_paragraph,
    has_more_marker,
    opening,
    plain_text,
    url_attributes,
    without_more_marker,
)
from feedpub.render.urls import resolve_url, srcset_candidates

PERMALINK = "https://example.com/2026/01/30/hello/"


# --- relative URLs -------------------------------------------------------------------


def test_a_gt_inside_a_quoted_attribute_does_not_end_the_tag():
    result = absolutize('<img alt="a>b" src="pic.png">', PERMALINK)

    assert result == f'<img alt="a&gt;b" src="{PERMALINK}pic.png">'


@pytest.mark.parametrize(
    "written, resolved",
    [
        ("/img/a.png", "https://example.com/img/a.png"),
        ("img/b.png", PERMALINK + "img/b.png"),
        ("../other/", "https://example.com/2026/01/30/other/"),
        ("../../../../../x", "https://example.com/x"),
        ("#fn:1", PERMALINK + "#fn:1"),
        ("?page=2", PERMALINK + "?page=2"),
        ("//cdn.example.net/c.png", "https://cdn.example.net/c.png"),
        ("", PERMALINK),
        ("  /padded.png\n", "https://example.com/padded.png"),
        ("/split\n/line.png", "https://example.com/split/line.png"),
        ("\\img\\a.png?q=\\x", "https://example.com/img/a.png?q=\\x"),
        ("./a/./b/../c", PERMALINK + "a/c"),
        ("page?", PERMALINK + "page?"),
        ("#", PERMALINK + "#"),
        ("//[bad-host/x", "https://[bad-host/x"),
    ],
)
def test_relative_urls_resolve_against_the_permalink_as_a_browser_resolves_them(written, resolved):
    assert resolve_url(PERMALINK, written) == resolved


@settings(max_examples=300)
@given(rest=st.text(alphabet="abcAZ09.-_~%/?#=&:@[]!$'()*+,;", max_size=30))
def test_a_url_without_its_scheme_resolves_as_urljoin_resolves_it(rest):
    url = "//" + rest
    assert resolve_url(PERMALINK, url) == urls._join(PERMALINK, url)


# Permalinks as sites have them: a port, a user, an IPv6 host, a query or fragment, or no path at all.
permalinks = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}{path}",
    st.sampled_from(["http", "https"]),
    st.sampled_from(["example.com", "example.com:8080", "u:p@example.com", "[::1]:4000", "xn--fiq228c.com"]),
    st.sampled_from(["", "/", "/2026/01/30/hello/", "/a/b.html", "?p=1", "/x?q=/y", "#top/x", "/blog/#a"]),
)


@settings(max_examples=200, deadline=None)
@given(permalinks, st.sampled_from(["/img/a.png", "/", "/x?y=1#z", "/%E4%B8%AD.png"]))
def test_a_root_relative_url_resolves_against_any_permalink_as_urljoin_resolves_it(permalink, url):
    assert resolve_url(permalink, url) == urls._join(permalink, url)


@pytest.mark.parametrize(
    "url",
    [
        "https://other.example.org/x?a=1&b=2",
        "HTTP://EXAMPLE.ORG/Upper",
        "mailto:a@example.com",
        "data:image/png;base64,iVBORw0KGgo=",
        "tel:+86-10-1234",
        "javascript:void(0)",
        " https://spaced.example/ ",
    ],
)
def test_absolute_urls_keep_their_value_exactly_as_written(url):
    assert resolve_url(PERMALINK, url) == url


def test_entities_in_a_url_are_decoded_to_resolve_it_and_escaped_again_in_the_output():
    result = absolutize('<a href="/search?a=1&amp;b=2">s</a>', PERMALINK)

    assert result == '<a href="https://example.com/search?a=1&amp;b=2">s</a>'


@pytest.mark.parametrize(
    "element",
    [
        '<a href="x">',
        '<area href="x">',
        '<link href="x">',
        '<img src="x">',
        '<img longdesc="x">',
        '<iframe src="x"></iframe>',
        '<video poster="x"></video>',
        '<audio src="x"></audio>',
        '<video><source src="x"><track src="x"></video>',
        '<embed src="x">',
        '<blockquote cite="x"></blockquote>',
        '<q cite="x"></q>',
        '<ins cite="x"></ins>',
        '<form action="x"></form>',
        '<button formaction="x"></button>',
        '<input type="image" src="x">',
        '<div background="x"></div>',
        '<svg><use xlink:href="x"></use><image href="x"></image></svg>',
    ],
)
def test_every_url_attribute_of_every_element_is_resolved(element):
    result = absolutize(element, PERMALINK)

    assert {found.url for found in url_attributes(result)} == {PERMALINK + "x"}


def test_unquoted_and_single_quoted_attributes_are_resolved():
    result = absolutize("<img src=img/u.png alt=u><a href='../other/'>o</a>", PERMALINK)

    assert result == (f'<img src="{PERMALINK}img/u.png" alt="u"><a href="https://example.com/2026/01/30/other/">o</a>')


def test_each_srcset_candidate_is_resolved_and_keeps_its_descriptor():
    result = absolutize('<img srcset="/a-1x.png 1x,b-2x.png  2x, https://cdn.example/c.png 3x">', PERMALINK)

    assert result == (
        f'<img srcset="https://example.com/a-1x.png 1x, {PERMALINK}b-2x.png 2x, https://cdn.example/c.png 3x">'
    )


def test_a_comma_inside_a_srcset_url_does_not_split_the_candidate():
    assert srcset_candidates("a.png?w=1,2 2x, b.png, c.png 480w") == [
        ("a.png?w=1,2", "2x"),
        ("b.png", ""),
        ("c.png", "480w"),
    ]


def test_a_url_shown_in_a_code_sample_is_left_as_written():
    sample = '<p>Use <code>&lt;img src="logo.png"&gt;</code>.</p>\n<pre><code>&lt;a href="/docs/"&gt;docs&lt;/a&gt;\n</code></pre>'

    assert absolutize(sample, PERMALINK) == sample


def test_text_that_only_looks_like_an_attribute_is_untouched():
    text = '<p>Write href="page.html" or src=logo.png in the tag.</p>'

    assert absolutize(text, PERMALINK) == text


def test_a_url_inside_a_script_or_style_is_code_not_an_attribute():
    code = "<script>var s = '<img src=\"x.png\">';</script><style>a { background: url(x.png) }</style>"

    assert absolutize(code, PERMALINK) == code


# --- what survives the round trip through the parser --------------------------------


MARKDOWN_OUTPUT = """\
<h2>为什么跨境支付仍然“又慢又贵”</h2>
<p>结算 <strong>bold</strong> and <em>italic</em> &amp; 'quotes' "double" <code>&lt;img src="logo.png"&gt;</code>&nbsp;↩</p>
<ul>
<li><a href="https://example.com/posts/8/">a link</a></li>
</ul>
<p><img alt="figure 2" src="https://example.com/img/1/2.png"></p>
<pre><code class="language-python">def settle(amount):
    if amount &lt; 0 and fee &gt; 1:

\treturn amount * 1.0001\x20\x20
</code></pre>
<table>
<thead>
<tr>
<th>asset</th>
</tr>
</thead>
<tbody>
<tr>
<td>USD</td>
</tr>
</tbody>
</table>
<!--more-->
<iframe src="https://www.youtube.com/embed/x" allowfullscreen=""></iframe>
<script>if (a < b && c > d) { document.write("</p>"); }</script>
<style>p > a::after { content: "&amp;"; }</style>
<!-- a note to self -->"""


def test_html_with_absolute_urls_comes_back_byte_for_byte():
    assert absolutize(MARKDOWN_OUTPUT, PERMALINK) == MARKDOWN_OUTPUT


@pytest.mark.parametrize(
    "written, serialised",
    [
        ("<p>a<br />b</p><hr />", "<p>a<br>b</p><hr>"),
        ("<p>&quot;q&quot; &#39;s&#39; &#8617; &copy;</p>", "<p>\"q\" 's' ↩ ©</p>"),
        ("<p>&#160;&#xa0;</p>", "<p>&nbsp;&nbsp;</p>"),
        ("<input type=checkbox checked disabled>", '<input type="checkbox" checked="" disabled="">'),
        ("<P CLASS='x'>a</P>", '<p class="x">a</p>'),
        ("<p>a\r\nb</p>", "<p>a\nb</p>"),
    ],
)
def test_the_output_is_written_as_an_html5_serialiser_writes_it(written, serialised):
    assert absolutize(written, PERMALINK) == serialised


def test_a_blank_line_opening_a_pre_survives():
    # The parser drops the newline right after <pre>, so "\n\ncode" holds one blank line.
    written = "<pre>\n\n  code\n</pre>"

    assert absolutize(written, PERMALINK) == written


def test_text_escaped_in_an_svg_style_stays_text():
    # In SVG, <style> text is parsed with entities decoded: written back raw, "&lt;img" would be a tag.
    written = '<svg><style>&lt;/style&gt;&lt;img src="x.png"&gt;</style></svg>'

    result = absolutize(written, PERMALINK)

    assert result == written
    assert url_attributes(result) == []


def test_style_and_script_at_the_start_stay_in_the_fragment():
    written = "<style>.note { color: red }</style><p class=note>x</p>"

    assert absolutize(written, PERMALINK) == '<style>.note { color: red }</style><p class="note">x</p>'


def test_elements_left_open_are_closed_where_a_browser_closes_them():
    assert close_open_tags("<p>Intro <em>one, <strong>two") == "<p>Intro <em>one, <strong>two</strong></em></p>"


def test_stray_end_tags_are_dropped():
    assert close_open_tags("</div>text</em>") == "text"


# --- summaries -------------------------------------------------------------------------


def test_the_part_before_the_marker_has_the_elements_the_cut_left_open_closed():
    content = "<p>Intro <em>one.</em></p>\n<blockquote><p>Quoted <!--more--> rest</p></blockquote>\n<p>After.</p>"

    assert before_more_marker(content) == "<p>Intro <em>one.</em></p>\n<blockquote><p>Quoted</p></blockquote>"


def test_the_marker_may_have_spaces_and_capitals():
    assert before_more_marker("<p>Intro.</p>\n<!-- MORE -->\n<p>Rest.</p>") == "<p>Intro.</p>"


def test_there_is_no_part_before_a_marker_that_is_not_there():
    assert before_more_marker("<p>Only text.</p>") is None


@pytest.mark.parametrize(
    "content",
    [
        "<p>Intro.</p><pre><code>&lt;!--more--&gt;</code></pre>",
        '<p>Intro.</p><script>document.write("<!--more-->")</script>',
        '<p title="<!--more-->">Intro.</p>',
        "<p>Intro.</p><!-- more of this later -->",
    ],
    ids=["code-sample", "script", "attribute", "other-comment"],
)
def test_only_a_real_more_comment_is_the_marker(content):
    assert before_more_marker(content) is None
    assert not has_more_marker(content)


def test_the_content_loses_the_marker_comment_and_keeps_other_comments():
    content = "<p>Intro.</p>\n<!--more-->\n<p>Rest.</p><!-- note -->"

    assert without_more_marker(content) == "<p>Intro.</p>\n\n<p>Rest.</p><!-- note -->"


def test_the_first_paragraph_is_the_first_p_element_wherever_it_is():
    content = '<h1>Title</h1><blockquote><p class="q">The <em>first</em>.</p></blockquote><p>Second.</p>'

    assert first_paragraph(content) == '<p class="q">The <em>first</em>.</p>'


def test_a_fragment_without_a_paragraph_has_no_first_paragraph():
    assert first_paragraph("<ul><li>one</li></ul>") == ""


# --- text ------------------------------------------------------------------------------


def test_blocks_separate_words_and_inline_elements_do_not():
    fragment = "<p>中文<a href=x>链接</a>文字</p><p>next</p><ul><li>one</li><li>two</li></ul>tail"

    assert plain_text(fragment) == "中文链接文字 next one two tail"


def test_text_has_entities_decoded_and_whitespace_collapsed():
    assert plain_text("<p>A &amp; B\n   &lt;c&gt; &nbsp; “引号”</p>") == "A & B <c> “引号”"


def test_scripts_styles_and_comments_are_not_text():
    assert plain_text("<p>Shown</p><script>hidden()</script><style>p{}</style><!-- hidden -->") == "Shown"


def test_a_tag_shown_in_code_is_text():
    assert plain_text("<p><code>&lt;img src=x&gt;</code></p>") == "<img src=x>"


# --- how a body opens ------------------------------------------------------------------


def test_the_headings_a_body_opens_with_are_listed_with_their_words():
    fragment = "<h1>Title &amp; <em>more</em></h1>\n<h2>Background</h2>\n<p>Text.</p><h2>Later</h2>"

    assert opening(fragment) == Opening(headings=("Title & more", "Background"), block="p", block_has_image=False)


def test_a_paragraph_holding_an_image_is_noted():
    assert opening('<p><img alt="" src="/hero.png"></p>') == Opening((), "p", True)


def test_comments_and_blank_lines_before_the_first_block_are_not_what_it_opens_with():
    assert opening("<!-- draft -->\n\n<ul><li>x</li></ul>") == Opening((), "ul", False)


@pytest.mark.parametrize("fragment", ["", "bare <b>text</b>"])
def test_bare_text_or_nothing_is_no_block(fragment):
    assert opening(fragment) == Opening((), None, False)


# --- the URLs a body holds ---------------------------------------------------------------


def test_urls_are_listed_with_their_element_and_attribute_as_written():
    fragment = '<p><a href=" other.md ">a</a><img src="http://localhost/a.png" srcset="s.png 1x, t.png 2x"></p>'

    assert url_attributes(fragment) == [
        UrlAttribute("a", "href", "other.md"),
        UrlAttribute("img", "src", "http://localhost/a.png"),
        UrlAttribute("img", "srcset", "s.png"),
        UrlAttribute("img", "srcset", "t.png"),
    ]


def test_urls_shown_in_a_code_sample_are_not_listed():
    assert url_attributes('<p><code>&lt;a href="x.md"&gt;</code></p><pre><code>[x](y.md)</code></pre>') == []


def test_an_element_with_two_url_attributes_is_listed_once_per_url():
    assert url_attributes('<a href="h" src="s"></a>') == [UrlAttribute("a", "href", "h"), UrlAttribute("a", "src", "s")]


# --- properties ------------------------------------------------------------------------

SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")


def is_absolute(url: str) -> bool:
    """Whether a browser reads `url` as absolute: it ignores tabs and newlines inside a URL."""
    return bool(SCHEME.match(re.sub(r"[\t\n\r]", "", url)))


URL_PIECES = st.sampled_from(
    ["a", "/", "../", "./", "#", "?", "&", "=", ",", " ", "\t", "\n", "\\", ":", "//", '"', "'", ">", "<", "%20"]
    + ["区块链", "1x", "https:", "mailto:x", "data:,", "HTTP://H", "C:", "[", "]", "@", "\x00", "\r", "\xa0"]
)
url_values = st.lists(URL_PIECES, max_size=6).map("".join)
TEXTS = st.lists(
    st.characters(exclude_categories=("Cs",)) | st.sampled_from(["<img src=x>", "&", "\n\n", "-->", "区块链"]),
    max_size=6,
).map("".join)
# Elements with the URL attributes they may carry; containers hold other content.
WITH_URLS = {
    "a": ("href",),
    "img": ("src", "srcset", "alt"),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "blockquote": ("cite",),
    "form": ("action",),
    "button": ("formaction",),
    "iframe": ("src",),
}
VOID = {"img", "source"}
CONTAINERS = ("p", "div", "span", "em", "strong", "li", "code", "pre", "blockquote", "section")


@st.composite
def elements_with_urls(draw: st.DrawFn) -> str:
    tag = draw(st.sampled_from(sorted(WITH_URLS)))
    names = draw(st.lists(st.sampled_from(WITH_URLS[tag]), unique=True, max_size=3))
    attributes = "".join(f' {name}="{html.escape(draw(url_values))}"' for name in names)
    return f"<{tag}{attributes}>" if tag in VOID else f"<{tag}{attributes}></{tag}>"


leaves = st.one_of(
    TEXTS.map(lambda text: html.escape(text, quote=False)),
    elements_with_urls(),
    st.sampled_from(["<!--more-->", "<!-- note -->", "<br>", "<script>if (a < b) {}</script>", "<style>a>b{}</style>"]),
)
# Nested markup as authors and Markdown write it. Idempotence is claimed for such markup only:
# a tree built from nonsense (a table's foster-parented content) may have no HTML that parses back to it.
fragments = st.recursive(
    leaves,
    lambda children: (
        st.tuples(st.sampled_from(CONTAINERS), st.lists(children, max_size=4)).map(
            lambda element: f"<{element[0]}>{''.join(element[1])}</{element[0]}>"
        )
        | st.lists(children, min_size=2, max_size=4).map("".join)
    ),
    max_leaves=12,
)
# Markup with no promise of sense: stray and unclosed tags, raw text, foreign content.
tag_soup = st.lists(
    st.sampled_from(
        ["<p>", "</p>", "<a href=x>", "</a>", "<table>", "<td>", "<svg>", "<math>", "<style>", "<textarea>"]
        + ["<template>", "<select>", "<pre>\n", "<![CDATA[<img src=c>]]>", "&lt;img src=r&gt;", "<noscript>"]
    )
    | elements_with_urls()
    | TEXTS,
    max_size=10,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(fragments | tag_soup)
@example('<img alt="a>b" src="pic.png">')
@example('<svg><style>&lt;img src="x.png"&gt;</style></svg>')
@example("<math><mi><style>&lt;/style&gt;&lt;img src=x&gt;</style></mi><style>&lt;img src=y&gt;</style></math>")
def test_no_relative_url_is_left_in_any_element_attribute(fragment):
    result = absolutize(fragment, PERMALINK)

    assert [found for found in url_attributes(result) if not is_absolute(found.url)] == []


@settings(max_examples=300, deadline=None)
@given(fragments)
@example("<pre>\n\ncode</pre>")
def test_absolutize_is_idempotent(fragment):
    once = absolutize(fragment, PERMALINK)

    assert absolutize(once, PERMALINK) == once


# Tags with which a parser builds trees that may have no HTML parsing back to them.
_MISNESTING = st.sampled_from(
    "<p> </p> <b> </b> <a href=y> </a> <table> <tr> <td> </table> <form> </form> <div> </div> <li> <button> "
    "<select> <option> <svg> <math> <mi> <foreignObject> <template> </template> <nobr> <h1> </h1> <dd> "
    "<plaintext> <xmp> <noscript> <object> <marquee> <caption> <colgroup> <frameset> <body> <html> <iframe> "
    "<isindex> <input> <br> </br> <style> <ruby> <rt> <optgroup> <span> </span> <ul> <code> <em> </em>".split()
)
misnested = st.lists(_MISNESTING | st.just("<pre>\n") | elements_with_urls() | TEXTS, max_size=16).map("".join)


@settings(max_examples=500, deadline=None)
@given(fragments | tag_soup | misnested)
@example("<table><form action=x></form><p><form></form>")  # the tree holds a form the HTML cannot
@example("<p>a<button>b<plaintext>c")  # the HTML's end tags are <plaintext>'s text
def test_the_first_paragraph_found_with_absolutize_is_that_of_its_result(fragment):
    content = absolutize(fragment, PERMALINK)

    assert absolutize_with_first_paragraph(fragment, PERMALINK) == (content, first_paragraph(content))
