"""kramdown's decisions over the whole document, as markdown-it core rules on the token stream.

Block IALs, which list items get a `<p>`, header ids in kramdown's GFM format,
and the `{:toc}` table of contents. Quoted code is kramdown 2.4's and
kramdown-parser-gfm 1.1's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from markdown_it.common.utils import normalizeReference
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from feedpub.render.kramdown_spans import apply_attributes, parse_attributes

# kramdown's IAL_BLOCK and ALD_START: `{: .class}` and `{:name: .class}` lines.
IAL_LINE = re.compile(r"\s*\{:(?![:/])((?:\\\}|[^}])*)\}\s*")
ALD_LINE = re.compile(r"\s*\{:[\w-]+:((?:\\\}|[^}])*)\}\s*")
HEADER_ID = re.compile(r"[\t ]+\{#([A-Za-z][\w:-]*)\}\s*$")
# kramdown-parser-gfm's NON_WORD_RE: what generate_gfm_header_id drops.
NON_WORD = re.compile(r"[^\w\- \t]")
LIST_OPEN = ("bullet_list_open", "ordered_list_open")
UNESCAPE = re.compile(r"\\([\\.*_+`<>()\[\]{}#!:|\"'$=\-~])")
TASK = re.compile(r"\s*\[([ xX])\]\s+")
TEXT_TYPES = ("text", "text_special", "code_inline", "math_inline")


@dataclass(slots=True)
class _PendingIal:
    attributes: dict[str, str]
    references: list[str]


def block_ials(state: StateCore) -> None:
    """Applies block IAL lines to the block before them (no blank line between) or after them, and drops ALDs."""
    tokens = state.tokens
    pending: _PendingIal | None = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "inline" and index > 0 and tokens[index - 1].type == "paragraph_open":
            consumed, pending = _paragraph_ials(state, index, pending)
            if consumed:
                continue
        elif token.type == "heading_open":
            _header_id(tokens[index + 1], token)
        if pending is not None and token.nesting == 1 and token.block and token.type != "paragraph_open":
            _apply(token, pending)
            pending = None
        index += 1


def _paragraph_ials(state: StateCore, index: int, pending: _PendingIal | None) -> tuple[bool, _PendingIal | None]:
    """Handles IAL lines at the start or end of the paragraph whose inline token is at `index`.

    Returns whether the paragraph was removed (it held only IALs), and the IAL
    waiting for the next block.
    """
    tokens = state.tokens
    inline, opening = tokens[index], tokens[index - 1]
    lines = inline.content.split("\n")
    if "{:" not in inline.content:
        if pending is not None:
            _apply(opening, pending)
        return False, None
    leading = 0
    while leading < len(lines) and _is_attribute_line(lines[leading]):
        leading += 1
    if leading == len(lines):
        return True, _standalone(state, index, lines, pending)
    trailing = len(lines)
    while trailing > leading and _is_attribute_line(lines[trailing - 1]):
        trailing -= 1
    for line in lines[:leading]:
        pending = _merge(pending, line)
    if pending is not None:
        _apply(opening, pending)
    if trailing < len(lines):
        target = _trailing_target(state, index, inline.map)
        after = None
        for line in lines[trailing:]:
            after = _merge(after, line)
        if after is not None:
            _apply(target, after)
    inline.content = "\n".join(lines[leading:trailing])
    return False, None


def _is_attribute_line(line: str) -> bool:
    return bool(IAL_LINE.fullmatch(line) or ALD_LINE.fullmatch(line))


def _merge(pending: _PendingIal | None, line: str) -> _PendingIal | None:
    match = IAL_LINE.fullmatch(line)
    if match is None:  # an ALD: a definition, nothing to show
        return pending
    attributes, references = parse_attributes(match.group(1))
    if pending is None:
        return _PendingIal(attributes, references)
    pending.attributes.update(attributes)
    pending.references.extend(references)
    return pending


def _standalone(state: StateCore, index: int, lines: list[str], pending: _PendingIal | None) -> _PendingIal | None:
    """Removes a paragraph of IAL lines; they go to the block just before it, else to the next one."""
    tokens = state.tokens
    opening = tokens[index - 1]
    for line in lines:
        pending = _merge(pending, line)
    del tokens[index - 1 : index + 2]
    previous = _previous_block(tokens, index - 1)
    if pending is not None and previous is not None and _touches(state, previous, opening):
        _apply(previous, pending)
        return None
    return pending


def _previous_block(tokens: list[Token], index: int) -> Token | None:
    """The opening token of the block ending right before `index`, at the same level."""
    if index == 0:
        return None
    last = tokens[index - 1]
    if last.nesting == 1:
        return None
    if last.nesting == 0:
        return last
    depth = 0
    for position in range(index - 1, -1, -1):
        depth += tokens[position].nesting
        if depth == 0:
            return tokens[position]
    return None


def _touches(state: StateCore, previous: Token, opening: Token) -> bool:
    """Whether no blank line separates the block `previous` from the paragraph `opening`."""
    if previous.map is None or opening.map is None:
        return False
    return previous.map[1] >= opening.map[0] or not any(
        not line.strip() for line in _source_lines(state)[previous.map[1] : opening.map[0]]
    )


def _source_lines(state: StateCore) -> list[str]:
    lines = state.env.get("kramdown_lines")
    if lines is None:
        lines = state.env["kramdown_lines"] = state.src.split("\n")
    return lines


def _trailing_target(state: StateCore, index: int, paragraph_map: list[int] | None) -> Token:
    """A trailing IAL line belongs to the paragraph, unless it is a lazy line of a list item: then to the list."""
    opening = state.tokens[index - 1]
    if paragraph_map is None:
        return opening
    last_line = _source_lines(state)[paragraph_map[1] - 1]
    if last_line[: len(last_line) - len(last_line.lstrip())]:
        return opening
    depth = 0
    for position in range(index - 2, -1, -1):
        token = state.tokens[position]
        depth += token.nesting
        if depth > 0 and token.type in LIST_OPEN:
            outer = token
            depth = 0
            for before in range(position - 1, -1, -1):
                depth += state.tokens[before].nesting
                if depth > 0 and state.tokens[before].type in LIST_OPEN:
                    outer = state.tokens[before]
                    depth = 0
            return outer
    return opening


def _apply(token: Token, ial: _PendingIal) -> None:
    apply_attributes(token, ial.attributes)
    if "toc" in ial.references and token.type in LIST_OPEN:
        token.meta["toc"] = True


def _header_id(inline: Token, heading: Token) -> None:
    match = HEADER_ID.search(inline.content)
    if match:
        heading.attrSet("id", match.group(1))
        inline.content = inline.content[: match.start()]


def list_paragraphs(state: StateCore) -> None:
    """Shows or hides each list item's first paragraph by kramdown's rule, item by item.

    kramdown (list.rb) leaves out the `<p>` of an item's first paragraph when no
    blank line follows it inside the item (the last item may end with one), and,
    for the last item, only if an earlier item had no `<p>` either; every other
    paragraph keeps its `<p>`. CommonMark decides once for the whole list.
    """
    tokens = state.tokens
    _join_bullet_lists(tokens)
    for index, token in enumerate(tokens):
        if token.type in LIST_OPEN:
            _list_items(state, index)


def _join_bullet_lists(tokens: list[Token]) -> None:
    """One list where the bullet changes: kramdown's list goes on at any of `*`, `+`, `-`; CommonMark's ends."""
    index = len(tokens) - 2
    while index >= 0:
        if tokens[index].type == "bullet_list_close" and tokens[index + 1].type == "bullet_list_open":
            del tokens[index : index + 2]
        index -= 1


def _list_items(state: StateCore, list_index: int) -> None:
    tokens = state.tokens
    level = tokens[list_index].level
    items = [i for i in range(list_index + 1, _closing(tokens, list_index)) if tokens[i].level == level + 1]
    items = [i for i in items if tokens[i].type == "list_item_open"]
    any_bare = False
    for number, item in enumerate(items):
        children = [i for i in range(item + 1, _closing(tokens, item)) if tokens[i].level == level + 2]
        paragraphs = [i for i in children if tokens[i].type == "paragraph_open"]
        for paragraph in paragraphs:
            tokens[paragraph].hidden = tokens[_closing(tokens, paragraph)].hidden = False
        first = tokens[children[0]] if children else None
        if first is None or first.type != "paragraph_open":
            any_bare = True
            continue
        _task_box(tokens[list_index], tokens[item], tokens[children[0] + 1])
        is_last = number == len(items) - 1
        following = [i for i in children if tokens[i].nesting >= 0][1:]
        more = bool(following)
        # A gap between the paragraph's last line and what follows it in the item is a blank line.
        if following:
            next_start = _start(tokens[following[0]])
        else:
            next_start = _end(tokens[item]) if is_last else _start(tokens[items[number + 1]])
        blank_after = first.map is not None and next_start > first.map[1]
        bare = (not blank_after or (is_last and not more)) and (not is_last or len(items) == 1 or any_bare)
        if bare:
            tokens[children[0]].hidden = tokens[_closing(tokens, children[0])].hidden = True
            any_bare = True


def _start(token: Token) -> int:
    return token.map[0] if token.map else 0


def _end(token: Token) -> int:
    return token.map[1] if token.map else 0


def _task_box(list_open: Token, item: Token, inline: Token) -> None:
    """GFM task items: `[ ]` or `[x]` opening an item becomes kramdown-parser-gfm's disabled checkbox."""
    match = TASK.match(inline.content)
    if match is None:
        return
    checked = ' checked="checked"' if match.group(1) != " " else ""
    box = f'<input type="checkbox" class="task-list-item-checkbox" disabled="disabled"{checked} />'
    inline.content = box + inline.content[match.end() :]
    item.attrSet("class", "task-list-item")
    list_open.attrSet("class", "task-list")


def _closing(tokens: list[Token], index: int) -> int:
    depth = 0
    for position in range(index, len(tokens)):
        depth += tokens[position].nesting
        if depth == 0:
            return position
    return len(tokens) - 1


def strong_outside_emphasis(state: StateCore) -> None:
    """`***text***` as kramdown nests it: <strong><em>, where markdown-it's pairing gives <em><strong>."""
    for block in state.tokens:
        children = block.children if block.type == "inline" else None
        if not children or ("***" not in block.content and "___" not in block.content):
            continue
        # The delimiters' own text tokens are left empty between the tags: they do not count.
        shown = [index for index, token in enumerate(children) if token.type != "text" or token.content]
        for before, after in pairwise(shown):
            emphasis, strong = children[before], children[after]
            # One run of three: `_**x**_` is written nested and stays as written.
            if emphasis.type != "em_open" or strong.type != "strong_open" or strong.markup != emphasis.markup * 2:
                continue
            close = _closing(children, after)
            following = next((index for index in shown if index > close), None)
            if following is not None and children[following].type == "em_close":
                children[before], children[after] = children[after], children[before]
                children[close], children[following] = children[following], children[close]


def header_ids(state: StateCore) -> None:
    """Gives each header without one an id made by kramdown-parser-gfm's generate_gfm_header_id.

    The header's text (code and typographic characters included) lower-cased,
    everything but word characters, hyphens, spaces and tabs dropped, spaces
    and tabs made hyphens; a repeated id gets -1, -2, ... as in kramdown.
    """
    counts: dict[str, int] = {}
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.attrGet("id"):
            continue
        text = "".join(child.content for child in tokens[index + 1].children or () if child.type in TEXT_TYPES)
        base = NON_WORD.sub("", text.lower()).replace(" ", "-").replace("\t", "-")
        count = counts[base] = counts.get(base, -1) + 1
        if base or count:  # kramdown writes no empty id, and counts it all the same
            token.attrSet("id", f"{base}-{count}" if count else base)


SINGLE_TAG = re.compile(r"<(/?)([A-Za-z][\w:.-]*)(?:\s[^>]*)?>\Z", re.DOTALL)
VOID = frozenset("area base br col command embed hr img input keygen link meta param source track wbr".split())


def balance_span_html(state: StateCore) -> None:
    """Closes HTML elements a paragraph leaves open and shows a stray end tag as text, as kramdown does.

    kramdown parses the tags inside a paragraph into elements: one without an
    end tag ends with the paragraph, and an end tag that closes nothing is text.
    """
    for token in state.tokens:
        if token.type == "inline" and token.children and any(c.type == "html_inline" for c in token.children):
            token.children = _balanced(token.children)


def _balanced(children: list[Token]) -> list[Token]:
    out: list[Token] = []
    open_names: list[str] = []
    for child in children:
        match = SINGLE_TAG.match(child.content) if child.type == "html_inline" else None
        if match is None:
            out.append(child)
            continue
        closing, name = match.group(1), match.group(2).lower()
        if not closing:
            if name not in VOID and not child.content.endswith("/>"):
                open_names.append(name)
            out.append(child)
        elif name in open_names:
            while open_names:
                top = open_names.pop()
                if top == name:
                    break
                out.append(_html(f"</{top}>"))
            out.append(child)
        else:
            out.append(Token("text", "", 0, content=child.content))
    out.extend(_html(f"</{name}>") for name in reversed(open_names))
    return out


def _html(content: str) -> Token:
    return Token("html_inline", "", 0, content=content)


LABEL_WITH_ESCAPE = re.compile(r"\[((?:[^\[\]\\]|\\.)*\\(?:[^\[\]\\]|\\.)*)\]")


def escaped_reference_labels(state: StateCore) -> None:
    """Lets `[tern\\_for\\_vim][]` find `[tern_for_vim]: url`: kramdown drops escapes from a link's id."""
    references = state.env.get("references")
    if not references:
        return
    for token in state.tokens:
        if token.type != "inline" or "\\" not in token.content:
            continue
        for match in LABEL_WITH_ESCAPE.finditer(token.content):
            plain = normalizeReference(UNESCAPE.sub(r"\1", match.group(1)))
            written = normalizeReference(match.group(1))
            if plain in references and written not in references:
                references[written] = references[plain]
