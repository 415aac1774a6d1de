"""The `kramdown` engine: Markdown as Jekyll 4.3 renders it (kramdown 2.4, GFM input, Jekyll's options).

markdown-it-py parses (CommonMark with tables, strikethrough, footnotes and
definition lists); kramdown's own rules replace CommonMark's where the two
differ: emphasis, escapes, smart quotes and typographic symbols, math, HTML
blocks (render/kramdown_spans.py, render/kramdown_blocks.py), IALs, list
paragraphs, header ids and the table of contents (render/kramdown_tree.py).
The HTML is kramdown's markup as Jekyll publishes it: footnotes with kramdown's
ids and roles, and code in Rouge's wrappers (`<div class="language-ruby
highlighter-rouge"><div class="highlight"><pre class="highlight"><code>`)
without Rouge's colouring spans, which would need Rouge's lexers.
docs/fidelity.md lists what still differs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, normalizeReference
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.hr import hr as commonmark_hr
from markdown_it.rules_block.reference import reference as reference_rule
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin

from feedpub.render import kramdown_abbr, kramdown_blocks, kramdown_spans, kramdown_tables, kramdown_tree
from feedpub.render.kramdown_lists import explicit_list_items
from feedpub.render.kramdown_quotes import explicit_quote_lines
from feedpub.render.rouge_languages import ROUGE_LANGUAGES
from feedpub.sources.typography import SMART_QUOTES, SmartQuotes

# {::comment}...{:/comment} and {::nomarkdown}...{:/nomarkdown} (kramdown's EXT_BLOCK_START and EXT_SPAN_START),
# and {::options ... /}: a comment becomes an HTML comment, options vanish, nomarkdown content is kept as written.
EXTENSION = re.compile(r"\{::(comment|nomarkdown)(?:\s[^}]*)?\}(.*?)\{:/(?:\1)?\}|\{::options\b[^}]*/\}", re.DOTALL)
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.MULTILINE)
NOMARKDOWN = "kramdown-nomarkdown"


def kramdown_to_html(
    text: str,
    quotes: SmartQuotes = SMART_QUOTES,
    line_numbers: bool = False,
    backlink: str = "&#8617;",
    rouge: bool = True,
) -> str:
    """HTML for a post body as Jekyll's kramdown would render it; raw HTML passes through.

    `quotes` is kramdown's smart_quotes option: what its smart quotes are written as. `line_numbers`
    (syntax_highlighter_opts' line_numbers) puts each code block in Rouge's table with a line-number gutter.
    `backlink` is kramdown's footnote_backlink option: the text of each footnote's link back to its
    reference, HTML with its character references kept; "" writes no link back. Without `rouge`
    (Jekyll's `highlighter: none`, or syntax_highlighter_opts' disable), code is a plain <pre><code>.
    """
    kept: list[str] = []
    if "{::" in text:
        text = _extensions(text, kept)
    env = {
        "kramdown_kept": kept,
        "kramdown_quotes": quotes,
        "kramdown_line_numbers": line_numbers,
        "kramdown_backlink": _escaped(backlink, _UNESCAPED_IN_TEXT),
        "kramdown_rouge": rouge,
    }
    html = _parser().render(explicit_quote_lines(explicit_list_items(text)), env)
    if kept:
        html = re.sub(r"<!--kramdown-nomarkdown-(\d+)-->", lambda m: kept[int(m.group(1))], html)
    return html


def _extensions(text: str, kept: list[str]) -> str:
    """Removes kramdown's comment and options extensions; sets nomarkdown content aside, outside code fences."""
    parts = re.split(r"(^ {0,3}(?:`{3,}|~{3,}).*?^ {0,3}(?:`{3,}|~{3,})[ \t]*$)", text, flags=re.MULTILINE | re.DOTALL)
    for index in range(0, len(parts), 2):
        parts[index] = EXTENSION.sub(lambda match: _extension(match, kept), parts[index])
    return "".join(parts)


def _extension(match: re.Match[str], kept: list[str]) -> str:
    if match.group(1) == "comment":
        # kramdown writes a comment extension as an HTML comment: in the page, unseen.
        return f"<!-- {match.group(2).strip()} -->"
    if match.group(1) != "nomarkdown":
        return ""
    kept.append(match.group(2).strip("\n"))
    return f"<!--{NOMARKDOWN}-{len(kept) - 1}-->"


# kramdown's LINK_DEFINITION_START: a definition is a line `[label]: ...`, the label on that line.
_DEFINITION_LINE = re.compile(r"\[[^\n\]]+\]:")


def _reference(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """markdown-it's reference rule, tried only on a line that starts a definition as kramdown reads one.

    As a terminator (silent) the line alone decides, as in kramdown. Without the
    check, each `[link](url)` line of a paragraph made markdown-it's rule read
    the rest of the paragraph, asking it the same at every line: half of the
    engine's time on ruby-lang.org's posts. A definition ends only a paragraph
    it would be a lazy line of (a footnote's: `[^1]: note` then `[ref]: url`);
    under a paragraph line of its own container it is that paragraph's text.
    """
    start = state.bMarks[start_line] + state.tShift[start_line]  # after the indentation, which the rule checks
    if not _DEFINITION_LINE.match(state.src, start, state.eMarks[start_line]):
        return False
    if silent:
        return state.sCount[start_line] < state.blkIndent
    given_again = len(state.env.get("duplicate_refs", ()))
    if not reference_rule(state, start_line, end_line, silent):
        return _kramdown_definition(state, start_line)
    duplicates = state.env.get("duplicate_refs", ())
    if len(duplicates) > given_again:  # a label defined again: kramdown's last definition wins, markdown-it's first
        last = duplicates[-1]
        state.env["references"][last["label"]] = {"title": last["title"], "href": last["href"], "map": last["map"]}
    return True


# kramdown's LINK_DEFINITION_START on one line: the URL is anything up to the title or the line's end,
# `)` and spaces too (`[2]: http://a.com/b) "T"`), where CommonMark's destination must balance and not space.
_LOOSE_DEFINITION = re.compile(r"\[([^\n\]]+)\]:[ \t]*(?:<(.*?)>|(.*?\S.*?))(?:[ \t]+([\"'])(.+?)\4)?[ \t]*$")


def _kramdown_definition(state: StateBlock, line: int) -> bool:
    start = state.bMarks[line] + state.tShift[line]
    found = _LOOSE_DEFINITION.match(state.src, start, state.eMarks[line])
    label = normalizeReference(found.group(1)) if found else ""
    if found is None or not label:
        return False
    references = state.env.setdefault("references", {})
    references[label] = {
        "title": found.group(5) or "",
        "href": found.group(2) or found.group(3),
        "map": [line, line + 1],
    }
    state.line = line + 1
    return True


def _as_written(link: str) -> str:
    return link


def _any_link(url: str) -> bool:
    return True


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # No linkify: kramdown leaves a bare https://x.y as text. html: raw HTML passes, no tagfilter.
    md = MarkdownIt("commonmark", {"html": True, "xhtmlOut": True, "typographer": False})
    md.use(footnote_plugin).use(deflist_plugin)
    # Links as written: kramdown neither percent-encodes a destination nor decodes %E4%BA%91 into 云.
    md.normalizeLink = _as_written  # type: ignore[method-assign,assignment]
    md.normalizeLinkText = _as_written  # type: ignore[method-assign]
    # kramdown links to any URL it is given (file:, data:, ...); markdown-it's default refuses some
    # schemes and leaves the Markdown as text. Readers sanitise links; check warns about file: ones.
    md.validateLink = _any_link  # type: ignore[method-assign]
    md.inline.terminator_re = kramdown_spans.TERMINATORS
    md.inline.ruler.at("escape", kramdown_spans.escape)
    md.inline.ruler.at("backticks", kramdown_spans.codespan)
    md.inline.ruler.at("emphasis", kramdown_spans.emphasis)
    md.inline.ruler.before("emphasis", "kramdown_strikethrough", kramdown_spans.strikethrough)
    md.inline.ruler.before("html_inline", "kramdown_html", kramdown_spans.span_html)
    md.inline.ruler.before("link", "kramdown_undefined_footnote", kramdown_spans.undefined_footnote)
    md.inline.ruler.before("link", "kramdown_link", kramdown_spans.inline_link)
    md.inline.ruler.before("autolink", "kramdown_autolink", kramdown_spans.url_autolink)
    md.block.ruler.before("paragraph", "kramdown_table", kramdown_tables.table)
    # A link definition may follow a paragraph line directly in kramdown (CommonMark's may not):
    # `[^1]: note` then `[ref]: url` is a footnote and a definition, not one paragraph.
    md.block.ruler.at("reference", _reference, {"alt": ["paragraph", "reference"]})
    md.block.ruler.before("reference", "kramdown_abbreviation", kramdown_abbr.definition)
    md.inline.ruler.before("emphasis", "kramdown_math", kramdown_spans.inline_math)
    md.inline.ruler.push("kramdown_typography", kramdown_spans.typography)
    md.inline.ruler.push("kramdown_ial", kramdown_spans.span_ial)
    md.block.ruler.before("fence", "kramdown_math", kramdown_blocks.block_math)
    # kramdown's own reading of block HTML replaces CommonMark's seven kinds of HTML block.
    md.block.ruler.at("html_block", kramdown_blocks.html_block, {"alt": ["paragraph", "reference", "blockquote"]})
    md.block.ruler.at("heading", kramdown_blocks.heading, {"alt": ["paragraph", "reference", "blockquote"]})
    md.block.ruler.at("code", kramdown_blocks.code)
    md.block.ruler.at("lheading", kramdown_blocks.setext_heading)
    md.block.ruler.at("paragraph", kramdown_blocks.paragraph)
    md.block.ruler.before("paragraph", "kramdown_attributes", kramdown_blocks.attribute_line, {"alt": ["paragraph"]})
    # A rule does not end a paragraph in kramdown's GFM input (`* * *` and `- - -` do, as list items).
    md.block.ruler.at("hr", commonmark_hr, {"alt": ["reference", "blockquote", "list"]})
    md.block.ruler.at("fence", kramdown_blocks.fence, {"alt": ["paragraph", "reference", "blockquote", "list"]})
    definition_rule = next(rule for rule in md.block.ruler.__rules__ if rule.name == "deflist")
    md.block.ruler.at(
        "deflist",
        kramdown_blocks.definition_list(definition_rule.fn),
        {"alt": ["paragraph", "reference", "blockquote"]},
    )
    md.block.ruler.at("list", kramdown_blocks.list_block, {"alt": ["paragraph", "reference", "blockquote"]})
    md.block.ruler.before("list", "kramdown_list_start", kramdown_blocks.list_ends_paragraph, {"alt": ["paragraph"]})
    md.block.ruler.before(
        "list", "kramdown_quote_end", kramdown_blocks.lazy_end_ends_blockquote, {"alt": ["blockquote"]}
    )
    md.core.ruler.after("block", "kramdown_ials", kramdown_tree.block_ials)
    md.core.ruler.after("kramdown_ials", "kramdown_lists", kramdown_tree.list_paragraphs)
    md.core.ruler.after("kramdown_lists", "kramdown_labels", kramdown_tree.escaped_reference_labels)
    md.core.ruler.push("kramdown_strong_outside", kramdown_tree.strong_outside_emphasis)
    md.core.ruler.push("kramdown_span_html", kramdown_tree.balance_span_html)
    md.core.ruler.push("kramdown_ids", kramdown_tree.header_ids)
    md.core.ruler.push("kramdown_abbreviations", kramdown_abbr.mark)  # after the ids: they are the plain text's
    md.core.ruler.push("kramdown_toc", _table_of_contents)
    md.core.ruler.after("footnote_tail", "kramdown_backlinks", _backlink_paragraphs)
    for name, rule in _RENDER_RULES.items():
        md.add_render_rule(name, rule)
    return md


# --- rendering -------------------------------------------------------------------------


def _code_block(content: str, language: str | None, attributes: dict, env: EnvType) -> str:
    """Jekyll's markup for a code block (Rouge's spans inside are left out), the block's IAL on its wrapper.

    `language` is None for a block that names none. A language Rouge has no lexer for is not
    highlighted, nor is any with Rouge turned off: kramdown writes a plain <pre><code>, the IAL on <pre>.
    """
    code = escape(content, quote=False)
    if not env.get("kramdown_rouge", True) or (language or "plaintext") not in ROUGE_LANGUAGES:
        code_class = f' class="language-{escape(language)}"' if language else ""
        return f"<pre{_without_language(attributes)}><code{code_class}>{code}</code></pre>\n"
    language = language or "plaintext"  # Jekyll's default_lang
    if env.get("kramdown_line_numbers"):
        code = _with_line_numbers(content, code)
    return (
        f'<div{_rouge_attributes(language, attributes)}><div class="highlight">'
        f'<pre class="highlight"><code>{code}</code></pre></div></div>\n'
    )


def _rouge_attributes(language: str, attributes: dict) -> str:
    """The attributes of Rouge's wrapper as kramdown writes them: its language class, the IAL's classes, then
    `highlighter-rouge`; the IAL's other attributes after."""
    classes = [name for name in str(attributes.get("class") or "").split() if not name.startswith("language-")]
    names = " ".join([f"language-{language}", *classes, "highlighter-rouge"])
    return f' class="{escapeHtml(names)}"{_other_attributes(attributes)}'


def _without_language(attributes: dict) -> str:
    """The attributes, their class without its language (kramdown's extract_code_language!)."""
    classes = re.sub(r"\blanguage-\S+", "", str(attributes.get("class") or ""), count=1).strip()
    return (f' class="{escapeHtml(classes)}"' if classes else "") + _other_attributes(attributes)


def _other_attributes(attributes: dict) -> str:
    return "".join(f' {name}="{escapeHtml(str(value))}"' for name, value in attributes.items() if name != "class")


def _with_line_numbers(content: str, code: str) -> str:
    """Rouge's HTMLTable formatter: a gutter numbering the lines (the last counts without its newline too)."""
    count = content.count("\n") + (0 if content.endswith("\n") else 1)
    numbers = "".join(f"{number}\n" for number in range(1, count + 1))
    return (
        f'<table class="rouge-table"><tbody><tr><td class="rouge-gutter gl"><pre class="lineno">{numbers}</pre>'
        f'</td><td class="rouge-code"><pre>{code}</pre></td></tr></tbody></table>'
    )


def _fence(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    # kramdown's FENCED_CODEBLOCK_MATCH takes the first word of the info string, up to a `?`.
    token = tokens[idx]
    language = token.info.split(maxsplit=1)[0].split("?")[0] if token.info.strip() else _ial_language(token)
    return _code_block(token.content, language, token.attrs, env)


def _indented_code(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return _code_block(tokens[idx].content, _ial_language(tokens[idx]), tokens[idx].attrs, env)


def _ial_language(token: Token) -> str | None:
    """A code block's language from its IAL (`{: .language-ruby}`); None when it names none."""
    classes = str(token.attrGet("class") or "").split()
    return next((name.removeprefix("language-") for name in classes if name.startswith("language-")), None)


def _code_inline(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    # As a code block's wrapper: its language class (from an IAL, else plaintext), the IAL's classes, Rouge's.
    # With Rouge off, the IAL's attributes as they are.
    token = tokens[idx]
    code = escape(token.content, quote=False)
    if not env.get("kramdown_rouge", True):
        return f"<code{_attributes(dict(token.attrs))}>{code}</code>"
    language = _ial_language(token) or "plaintext"
    return f"<code{_rouge_attributes(language, dict(token.attrs))}>{code}</code>"


def _image(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    # kramdown's alt is the text between the brackets as written, its escapes undone: no emphasis, no
    # smart quotes or dashes (`![>>> pic](x.png)` keeps its >>>), character references kept.
    token = tokens[idx]
    alt = _ESCAPE.sub(lambda m: m.group(1) if m.group(1) in kramdown_spans.ESCAPABLE else m.group(0), token.content)
    written = "".join(
        f' {name}="{_escaped(alt, _UNESCAPED_IN_ATTRIBUTE) if name == "alt" else escapeHtml(str(value))}"'
        for name, value in token.attrs.items()
    )
    return f"<img{written} />"


_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
# kramdown's escape_html(text, :text) and (text, :attribute): <, > and & escaped (and " in an attribute),
# but not the & of a character reference.
_REFERENCE = r"#\d+;|#x[\da-fA-F]+;|[A-Za-z_:][\w:.-]*;"
_UNESCAPED_IN_TEXT = re.compile(rf"<|>|&(?!{_REFERENCE})")
_UNESCAPED_IN_ATTRIBUTE = re.compile(rf'<|>|"|&(?!{_REFERENCE})')
_ENTITIES = {"<": "&lt;", ">": "&gt;", '"': "&quot;", "&": "&amp;"}


def _escaped(text: str, unescaped: re.Pattern[str]) -> str:
    return unescaped.sub(lambda match: _ENTITIES[match.group()], text)


def _attributes(attributes: dict) -> str:
    return "".join(f' {name}="{escapeHtml(str(value))}"' for name, value in attributes.items())


def _math_inline(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return f"\\({escape(tokens[idx].content, quote=False)}\\)"


def _math_block(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return f"\\[{escape(tokens[idx].content, quote=False)}\\]\n"


def _del(tag: str):
    def render(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return tag

    return render


def _footnote_label(token: Token) -> str:
    label = token.meta.get("label")
    return label if label is not None else str(token.meta["id"] + 1)


def _footnote_ref(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    label, sub = _footnote_label(token), token.meta.get("subId", 0)
    ref_id = f"fnref:{label}" + (f":{sub}" if sub > 0 else "")
    return (
        f'<sup id="{escape(ref_id)}" role="doc-noteref"><a href="#fn:{escape(label)}" class="footnote" '
        f'rel="footnote">{token.meta["id"] + 1}</a></sup>'
    )


def _footnote_block_open(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return '<div class="footnotes" role="doc-endnotes">\n  <ol>\n'


def _footnote_open(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return f'    <li id="fn:{escape(_footnote_label(tokens[idx]))}" role="doc-endnote">\n'


def _footnote_anchor(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    text = env.get("kramdown_backlink", "&#8617;")
    if not text:
        return ""
    label, sub = _footnote_label(token), token.meta.get("subId", 0)
    target = f"fnref:{label}" + (f":{sub}" if sub > 0 else "")
    number = f"<sup>{sub + 1}</sup>" if sub > 0 else ""
    # kramdown puts a space before the first link only when it ends the note's last paragraph.
    space = "" if sub == 0 and token.meta.get("own_paragraph") else "\u00a0"
    return f'{space}<a href="#{escape(target)}" class="reversefootnote" role="doc-backlink">{text}{number}</a>'


def _backlink_paragraphs(state: StateCore) -> None:
    """A note that does not end in a paragraph gets its links back in a paragraph of their own, as in kramdown.

    markdown-it's footnote_tail puts them inside the note's last paragraph, or, after a list or
    code block, loose in the note's item.
    """
    if "footnotes" not in state.env:  # what footnote_tail checks: no note, no tokens to look at
        return
    tokens = state.tokens
    index = next((i for i in range(len(tokens) - 1, -1, -1) if tokens[i].type == "footnote_block_open"), len(tokens))
    while index < len(tokens):
        if tokens[index].type == "footnote_anchor" and tokens[index - 1].type != "footnote_anchor":
            end = index
            while end < len(tokens) and tokens[end].type == "footnote_anchor":
                end += 1
            if tokens[end].type != "paragraph_close":
                tokens[index].meta["own_paragraph"] = True
                tokens.insert(end, Token("paragraph_close", "p", -1, block=True))
                tokens.insert(index, Token("paragraph_open", "p", 1))  # not a block: no line break after <p>
                end += 2
            index = end
        index += 1


def _ordered_list_open(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    # kramdown numbers every ordered list from 1: it writes no start attribute.
    token = tokens[idx]
    if token.attrGet("start") is not None:
        token.attrs.pop("start")
    return self.renderToken(tokens, idx, options, env)


def _text(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    # kramdown escapes &, < and > in text; a " stays as typed (smart_quotes: quot writes one).
    return escape(tokens[idx].content, quote=False)


_RENDER_RULES = {
    "text": _text,
    "ordered_list_open": _ordered_list_open,
    "fence": _fence,
    "code_block": _indented_code,
    "code_inline": _code_inline,
    "math_inline": _math_inline,
    "math_block": _math_block,
    "s_open": _del("<del>"),
    "s_close": _del("</del>"),
    "image": _image,
    "footnote_ref": _footnote_ref,
    "footnote_block_open": _footnote_block_open,
    "footnote_block_close": _del("  </ol>\n</div>\n"),
    "footnote_open": _footnote_open,
    "footnote_close": _del("    </li>\n"),
    "footnote_anchor": _footnote_anchor,
}


# --- {:toc} ------------------------------------------------------------------------------


def _table_of_contents(state: StateCore) -> None:
    """Replaces a list marked `{:toc}` by kramdown's table of contents of the headers (those without `.no_toc`)."""
    tokens = state.tokens
    marked = [i for i, token in enumerate(tokens) if token.meta and token.meta.get("toc")]
    if not marked:
        return
    entries = [
        (int(token.tag[1]), str(token.attrGet("id") or ""), tokens[i + 1])
        for i, token in enumerate(tokens)
        if token.type == "heading_open" and "no_toc" not in str(token.attrGet("class") or "").split()
    ]
    for index in reversed(marked):
        opening = tokens[index]
        end = kramdown_tree._closing(tokens, index)
        # kramdown's converter writes nothing for a table of contents without headers, not an empty list.
        html = _toc_html(state, opening, entries) if entries else ""
        tokens[index : end + 1] = [Token("html_block", "", 0, content=html, block=True)] if html else []


@dataclass(slots=True)
class _TocEntry:
    level: int
    header_id: str
    inline: Token
    children: list[_TocEntry] = field(default_factory=list)


def _toc_html(state: StateCore, opening: Token, headers: list[tuple[int, str, Token]]) -> str:
    """The list of headers, nested as kramdown's generate_toc_tree nests them."""
    list_id = str(opening.attrGet("id") or "markdown-toc")
    opening.attrSet("id", list_id)
    roots: list[_TocEntry] = []
    stack: list[_TocEntry] = []
    for level, header_id, inline in headers:
        entry = _TocEntry(level, header_id, inline)
        while stack and stack[-1].level >= level:
            stack.pop()
        (stack[-1].children if stack else roots).append(entry)
        stack.append(entry)
    attributes = RendererHTML.renderAttrs(opening)
    return _toc_list(state, roots, opening.tag, attributes, list_id)


def _toc_list(state: StateCore, entries: list[_TocEntry], tag: str, attributes: str, list_id: str) -> str:
    items = []
    for entry in entries:
        nested = _toc_list(state, entry.children, tag, "", list_id) if entry.children else ""
        items.append(
            f'<li><a href="#{escape(entry.header_id)}" id="{escape(list_id)}-{escape(entry.header_id)}">'
            f"{_toc_text(state, entry.inline)}</a>{nested}</li>\n"
        )
    return f"<{tag}{attributes}>\n{''.join(items)}</{tag}>\n"


def _toc_text(state: StateCore, inline: Token) -> str:
    # kramdown's fix_for_toc_entry: footnote markers dropped, links reduced to their text.
    children = [
        child for child in inline.children or () if child.type not in ("footnote_ref", "link_open", "link_close")
    ]
    renderer = state.md.renderer
    assert isinstance(renderer, RendererHTML)
    return renderer.renderInline(children, state.md.options, state.env)
