"""What render/cmark_source.py set aside or marked, put back into cmark's HTML the way kramdown writes it.

- `<!--feedpub-raw:N-->`: the HTML block, as written;
- `<!--feedpub-eob-->`: nothing (it only ended a block);
- `<!--feedpub-toc-->`: kramdown's table of contents, a nested list of the
  headers (those without `.no_toc`), each header given kramdown-parser-gfm's id;
- an ordered list's start number: none, as kramdown writes it;
- a span attribute list after a link or image (`[a](b){:target="_blank"}`):
  its attributes on the element, as kramdown does.
"""

from __future__ import annotations

import re
from html import escape

from feedpub.render.cmark_source import END_OF_BLOCK_PLACEHOLDER, TOC_PLACEHOLDER

RAW = re.compile(r"<!--feedpub-raw:(\d+)-->")
HEADER = re.compile(r"<h([1-6])((?:\s[^>]*)?)>(.*?)</h\1>", re.DOTALL)
TAG = re.compile(r"<[^>]*>")
ORDERED_START = re.compile(r'<ol start="\d+">')
NON_WORD = re.compile(r"[^\w\- \t]")
# A span IAL right after a link's end tag or an image, as cmark leaves it: text, quotes escaped.
SPAN_IAL = re.compile(
    r"(<a\s[^>]*>)((?:(?!</a>).)*</a>)\{:((?:[^}<])*)\}|(<img\s[^>]*?)(\s*/?>)\{:([^}<]*)\}", re.DOTALL
)
# Its quotes have been made typographic by then (render/cmark_typography.py).
ATTRIBUTE = re.compile(
    r"([\w-]+)=(?:&quot;|[\"“”])(.*?)(?:&quot;|[\"“”])|([\w-]+)=['‘’](.*?)['‘’]|\.([\w-]+)|#([\w-]+)"
)


def restore(html: str, raw: list[str]) -> str:
    """cmark's HTML with the set-aside HTML blocks back and the marked constructs rendered as kramdown does."""
    if END_OF_BLOCK_PLACEHOLDER in html:
        html = html.replace(END_OF_BLOCK_PLACEHOLDER + "\n", "").replace(END_OF_BLOCK_PLACEHOLDER, "")
    if "{:" in html:
        html = SPAN_IAL.sub(_with_attributes, html)
    if TOC_PLACEHOLDER in html:
        html = _with_toc(html)
    if "<ol start=" in html:
        # kramdown numbers every ordered list from 1, whatever number its first item has.
        html = ORDERED_START.sub("<ol>", html)
    if raw:
        html = RAW.sub(lambda match: raw[int(match.group(1))], html)
    return html


def _with_attributes(match: re.Match[str]) -> str:
    if match.group(1):
        return _add_attributes(match.group(1), match.group(3)) + match.group(2)
    return _add_attributes(match.group(4), match.group(6)) + match.group(5)


def _add_attributes(opening: str, ial: str) -> str:
    """An element's start tag (without its `>` for a void one) with an attribute list's attributes added."""
    closing = ">" if opening.endswith(">") else ""
    opening = opening[:-1] if closing else opening
    for key, value, single_key, single_value, class_name, element_id in ATTRIBUTE.findall(ial):
        if class_name:
            opening += f' class="{escape(class_name)}"'
        elif element_id:
            opening += f' id="{escape(element_id)}"'
        else:
            name, text = (key, value) if key else (single_key, single_value)
            opening += f' {name}="{text}"'
    return opening + closing


def _with_toc(html: str) -> str:
    """The HTML with each table-of-contents mark replaced by the list of headers, and the headers given ids."""
    counts: dict[str, int] = {}
    entries: list[tuple[int, str, str]] = []

    def with_id(match: re.Match[str]) -> str:
        level, attributes, inner = match.groups()
        text = TAG.sub("", inner)
        base = NON_WORD.sub("", text.lower()).replace(" ", "-").replace("\t", "-")
        count = counts[base] = counts.get(base, -1) + 1
        header_id = f"{base}-{count}" if count else base
        if "no_toc" not in attributes:
            entries.append((int(level), header_id, inner))
        if "id=" in attributes:
            return match.group()
        return f'<h{level} id="{escape(header_id)}"{attributes}>{inner}</h{level}>'

    html = HEADER.sub(with_id, html)
    return html.replace(TOC_PLACEHOLDER, _toc_list(entries))


def _toc_list(entries: list[tuple[int, str, str]]) -> str:
    """The nested list kramdown's generate_toc_tree makes: a header goes under the last one of a lower level."""
    out = ['<ul id="markdown-toc">\n']
    levels: list[int] = []
    for level, header_id, inner in entries:
        if levels and level > levels[-1]:
            out[-1] = out[-1].removesuffix("</li>\n")
            out.append("\n<ul>\n")
            levels.append(level)
        else:
            while len(levels) > 1 and level < levels[-1] and level <= levels[-2]:
                levels.pop()
                out.append("</ul>\n</li>\n")
            if not levels:
                levels.append(level)
        link = f'<a href="#{escape(header_id)}" id="markdown-toc-{escape(header_id)}">{TAG.sub("", inner)}</a>'
        out.append(f"<li>{link}</li>\n")
    out.extend("</ul>\n</li>\n" for _ in levels[1:])
    out.append("</ul>\n")
    return "".join(out)
