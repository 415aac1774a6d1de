"""HTML fragments parsed and serialised as a browser does, through lexbor (selectolax).

A fragment is parsed inside a <div>, as a reader's page holds entry content,
by the HTML standard's tree construction: only real elements have attributes,
a `>` inside a quoted attribute does not end its tag, and elements left open
are closed where a browser closes them. Serialising follows the standard's
algorithm, with the two places where lexbor departs from it corrected, so that
parsing the output gives the same tree again.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser, LexborNode

# Elements whose text lexbor writes unescaped, and those after whose start tag the parser drops a newline.
_RAW_TEXT = frozenset(["style", "script", "xmp", "iframe", "noembed", "noframes", "plaintext"])
_LEADING_NEWLINE_DROPPED = frozenset(["pre", "textarea", "listing"])
_NEEDING_CARE = tuple(sorted(_RAW_TEXT | _LEADING_NEWLINE_DROPPED))
_FOREIGN_ROOTS = frozenset(["svg", "math"])
# How the standard escapes text: "&", "<", ">" and the no-break space.
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\xa0": "&nbsp;"})


def parse(fragment: str) -> LexborHTMLParser:
    """The tree of an HTML fragment as a browser builds it inside a <div>.

    Not as a document: a <style> or <meta> at the start would move into a <head>.
    """
    return LexborHTMLParser(fragment, is_fragment=True)


def serialise(tree: LexborHTMLParser) -> str:
    """HTML for a whole parsed fragment: deterministic, and parsing it gives the same tree.

    Corrects the tree in place first (see correct), after which each of its
    elements' `.html` is also that element's HTML as the standard writes it.
    """
    correct(tree)
    return tree.html or ""


def correct(tree: LexborHTMLParser) -> None:
    """Change the tree where lexbor's serialiser departs from the standard's, so that its HTML parses back to it.

    Run once per tree: a second run would add a second newline to a <pre>.
    """
    for name in _NEEDING_CARE:
        # tags() walks the tree in C; a CSS query for the same ten names cost a 4 KB post 45-55 µs more.
        for element in tree.tags(name):
            foreign = _in_foreign_content(element)
            if name in _RAW_TEXT and foreign:
                _escape_text_children(element)
            elif name in _LEADING_NEWLINE_DROPPED and not foreign:
                _keep_leading_newline(element)


def top_level(tree: LexborHTMLParser) -> list[LexborNode]:
    """The fragment's top-level nodes (elements, text and comments), in order."""
    root = tree.root
    return list(root.iter(include_text=True)) if root is not None else []


def elements(tree: LexborHTMLParser) -> list[LexborNode]:
    """Every element of the fragment in document order (the inert content of a <template> aside)."""
    root = tree.root
    # The root stands for the whole fragment: its traversal covers every top-level node.
    return [node for node in root.traverse() if node.is_element_node] if root is not None else []


def comments(tree: LexborHTMLParser) -> list[LexborNode]:
    """Every comment of the fragment in document order."""
    root = tree.root
    return [node for node in root.traverse(include_text=True) if node.is_comment_node] if root is not None else []


def _in_foreign_content(element: LexborNode) -> bool:
    """Whether an element is SVG or MathML: below <svg> or <math>, and not back in HTML under them."""
    passed: list[LexborNode] = []
    node = element.parent
    while node is not None:
        if node.tag in _FOREIGN_ROOTS:
            return not any(_holds_html(node.tag, below) for below in passed)
        passed.append(node)
        node = node.parent
    return False


def _holds_html(root: str, node: LexborNode) -> bool:
    """Whether `node`, below an <svg> or <math> named `root`, is where that language holds HTML again."""
    if root == "svg":
        return node.tag in ("foreignObject", "desc", "title")
    if node.tag == "annotation-xml":
        return (node.attributes.get("encoding") or "").lower() in ("text/html", "application/xhtml+xml")
    return node.tag in ("mi", "mo", "mn", "ms", "mtext")


def _escape_text_children(element: LexborNode) -> None:
    # lexbor writes the text of an SVG or MathML <style> or <script> unescaped, as if it
    # were HTML's; that text was parsed with entities decoded, so "&lt;img" would come
    # back as a real <img> tag. Escaped here, lexbor's verbatim copy is the right output.
    for child in element.iter(include_text=True):
        if child.is_text_node:
            child.replace_with((child.text_content or "").translate(_TEXT_ESCAPES))


def _keep_leading_newline(element: LexborNode) -> None:
    # "<pre>\n\ncode" holds "\ncode": the parser drops the newline after the start tag, and
    # the standard's serialiser no longer writes one back, so a line would go per round trip.
    first = element.first_child
    if first is not None and first.is_text_node and (first.text_content or "").startswith("\n"):
        first.replace_with("\n" + (first.text_content or ""))
