"""Jekyll's Liquid tags (Jekyll 4.3's tags/*.rb) highlight, link and post_url, and what other tags share.

Each reads its markup as Jekyll does and writes what Jekyll writes, but
`highlight`, which writes Jekyll's markup without Rouge's token spans: the
code is escaped and unhighlighted, as feed readers apply no stylesheet. A
tag no one defines here (a site's own Ruby plugin) renders to nothing, with
a warning: its markup never reaches the feed.
"""

from __future__ import annotations

import html
import re
from abc import abstractmethod
from typing import TextIO

from liquid import Environment, RenderContext
from liquid.ast import BlockNode, Node
from liquid.builtin.expressions import FilteredExpression, tokenize
from liquid.builtin.output import Output, OutputNode
from liquid.exceptions import LiquidError, LiquidSyntaxError
from liquid.expression import Expression
from liquid.parser import get_parser
from liquid.stream import TokenStream
from liquid.tag import Tag
from liquid.template import BoundTemplate
from liquid.token import TOKEN_EOF, TOKEN_EXPRESSION, TOKEN_ILLEGAL, TOKEN_OUTPUT, TOKEN_TAG, Token

from feedpub.render.liquid_filters import relative_url
from feedpub.render.liquid_index import post_url, site_file_url
from feedpub.render.liquid_state import current

# HighlightBlock::SYNTAX: a language, then options (name, name=value, name="1 2 3").
_HIGHLIGHT = re.compile(r'^([a-zA-Z0-9.+#_-]+)((\s+\w+(=(\w+|"([0-9]+\s)*[0-9]+"))?)*)$')
_LINE_BREAKS_AROUND = re.compile(r"\A(\n|\r)+|(\n|\r)+\Z")
_BLANK_LINE_END = re.compile(r"^([ \t]*)\n", re.M)
_POST_NAME = re.compile(r"^(.+/)*(\d+-\d+-\d+)-(.*)$")
# Tags that only close or continue a block: out of place, they are a mistake, not a plugin.
_INNER_TAGS = ("else", "elsif", "when")


def markup(stream: TokenStream) -> tuple[Token, str]:
    """The tag token and its markup as written (empty when there is none); the stream left on the markup."""
    token = stream.current
    if stream.peek.kind == TOKEN_EXPRESSION:
        next(stream)
        return token, stream.current.value
    return token, ""


class Written(Node):
    """A node whose output is worked out at render time; never "blank", so no block drops it."""

    def __init__(self, token: Token):
        super().__init__(token)
        self.blank = False

    @abstractmethod
    def write(self, context: RenderContext) -> str:
        """The node's output in this context."""

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        return buffer.write(self.write(context))


# highlight ------------------------------------------------------------------------------------------------------------
class HighlightNode(Written):
    def __init__(self, token: Token, language: str, line_numbers: bool, block: BlockNode):
        super().__init__(token)
        self.language, self.line_numbers, self.block = language, line_numbers, block

    def write(self, context: RenderContext) -> str:
        buffer = context.get_buffer()
        self.block.render(context, buffer)
        code = _LINE_BREAKS_AROUND.sub("", buffer.getvalue())
        # Rouge escapes &, < and > only. A blank line would end the HTML block for a Markdown engine (cmark
        # reads the rest as Markdown: `# comment` a heading): its newline is written as the same character's
        # reference. Jekyll hides the figure from kramdown in {::nomarkdown} for the same reason.
        escaped = _BLANK_LINE_END.sub(r"\1&#10;", html.escape(code, quote=False))
        if self.line_numbers:
            numbers = "".join(f"{n}\n" for n in range(1, code.count("\n") + 2))
            escaped = (
                '<table class="rouge-table"><tbody><tr><td class="gutter gl">'
                f'<pre class="lineno">{numbers}</pre></td><td class="code"><pre>{escaped}\n</pre></td></tr></tbody></table>'
            )
        attributes = f'class="language-{self.language.replace("+", "-")}" data-lang="{self.language}"'
        return (
            f'<figure class="highlight"><pre><code {attributes}>{escaped.removesuffix(chr(10))}</code></pre></figure>'
        )


class HighlightTag(Tag):
    name = "highlight"
    end = "endhighlight"

    def parse(self, stream: TokenStream) -> Node:
        token, text = markup(stream)
        found = _HIGHLIGHT.match(text.strip())
        if not found:
            raise LiquidSyntaxError(
                f"Syntax Error in tag 'highlight' while parsing the following markup: {text.strip()!r}; "
                "valid syntax: highlight <lang> [linenos]",
                token=token,
            )
        next(stream)
        block = get_parser(self.env).parse_block(stream, (self.end, TOKEN_EOF))
        stream.expect(TOKEN_TAG, value=self.end)
        options = found.group(2).split()
        return HighlightNode(token, found.group(1).lower(), any(o.split("=")[0] == "linenos" for o in options), block)


# link and post_url -----------------------------------------------------------------------------------------------
class LinkNode(Written):
    def __init__(self, token: Token, path: BoundTemplate):
        super().__init__(token)
        self.path = path

    def write(self, context: RenderContext) -> str:
        run = current()
        relative = rendered_text(self.path, context)  # the path may itself be Liquid: {% link {{ page.other }} %}
        url = site_file_url(relative, run.config) if run.config is not None else None
        if url is None:
            run.note(self.token, f"link: no site file `{relative.strip()}` to link to: the link is left empty")
            return ""
        return relative_url(url) or ""


def inner_template(env: Environment, text: str, token: Token) -> BoundTemplate:
    """A tag's markup read as a template of its own (`{% link {{ page.other }} %}`); its errors are the tag's."""
    try:
        return env.from_string(text)
    except LiquidError as err:
        raise LiquidSyntaxError(f"{token.value}: {err.message}", token=token) from err


def rendered_text(template: BoundTemplate, context: RenderContext) -> str:
    """What a tag's markup template writes in the context."""
    buffer = context.get_buffer()
    template.render_with_context(context, buffer, partial=True)
    return buffer.getvalue()


class LinkTag(Tag):
    name = "link"
    block = False

    def parse(self, stream: TokenStream) -> Node:
        token, text = markup(stream)
        return LinkNode(token, inner_template(self.env, text.strip(), token))


class PostUrlNode(Written):
    def __init__(self, token: Token, name: str):
        super().__init__(token)
        self.name = name

    def write(self, context: RenderContext) -> str:
        run = current()
        url = post_url(self.name, run.config) if run.config is not None else None
        if url is None:
            run.note(self.token, f"post_url: no post `{self.name}`: the link is left empty")
            return ""
        return relative_url(url) or ""


class PostUrlTag(Tag):
    name = "post_url"
    block = False

    def parse(self, stream: TokenStream) -> Node:
        token, text = markup(stream)
        if not _POST_NAME.match(text.strip().lstrip("/")):
            raise LiquidSyntaxError(f"Could not parse name of post {text.strip()!r} in tag 'post_url'", token=token)
        return PostUrlNode(token, text.strip())


# tags nobody defines -----------------------------------------------------------------------------------------------
class Unknown(Node):
    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        return 0


class UnknownTag(Tag):
    """Any tag python-liquid and Jekyll do not define: a plugin's, left out with a warning."""

    name = TOKEN_ILLEGAL
    block = False

    def parse(self, stream: TokenStream) -> Node:
        token, _ = markup(stream)
        name = token.value
        if name in _INNER_TAGS or (name.startswith("end") and name[3:] in self.env.tags) or not name:
            raise LiquidSyntaxError(f"unexpected tag '{name}'" if name else "missing tag name", token=token)
        if not name.startswith("end"):  # the end of a plugin's block: its start was reported
            current().note(token, f"unknown Liquid tag `{name}`: left out, as only a Jekyll plugin can run it")
        return Unknown(token)


# output statements Liquid cannot parse -------------------------------------------------------------------------------
# Liquid's lax Variable: the first fragment (a quoted string, or a run of anything but spaces, commas, pipes
# and quotes) is the value; the rest, filters included, is read as far as it can be.
_FIRST_FRAGMENT = re.compile(r"""\s*((?:"[^"]*"|'[^']*'|[^\s,|'"])+)""")


class LenientOutput(Output):
    """`{{ ... }}`; one Liquid cannot parse is written as Jekyll writes it, unless the site asks for strict.

    Jekyll's Liquid (`liquid: error_mode: warn`, its default) warns and parses such a statement
    leniently: a Go or Helm template quoted in a post (`{{ .Values.image }}`, `{{ include "x" . }}`)
    is written as nothing, `{{ page.title "x" }}` as the title. A build would otherwise publish
    nothing for a post Jekyll publishes.
    """

    def parse(self, stream: TokenStream) -> OutputNode:
        token = stream.eat(TOKEN_OUTPUT)
        expression_token = stream.expect(TOKEN_EXPRESSION)
        try:
            return self.node_class(token, _expression(self.env, expression_token.value, expression_token))
        except LiquidSyntaxError as err:
            run = current()
            jekyll = run.config.jekyll if run.config is not None else None
            if jekyll is None or jekyll.liquid_error_mode == "strict":
                raise
            if jekyll.liquid_error_mode == "warn":
                run.note(
                    token,
                    f"Liquid syntax error in `{{{{ {expression_token.value} }}}}` ({err.message}): written leniently, "
                    "as Jekyll writes it (liquid: error_mode: warn); to show it as written, put it inside "
                    "{% raw %}...{% endraw %}",
                )
            return self.node_class(token, _lenient_expression(self.env, expression_token))


def _expression(env: Environment, text: str, token: Token) -> Expression:
    return FilteredExpression.parse(env, TokenStream(tokenize(text, token)))


def _lenient_expression(env: Environment, token: Token) -> Expression:
    """The statement's first fragment as a value, where Liquid can read it as one; else nil (written as nothing)."""
    found = _FIRST_FRAGMENT.match(token.value)
    if found:
        try:
            return _expression(env, found.group(1), token)
        except LiquidSyntaxError:
            pass
    return _expression(env, "nil", token)


JEKYLL_TAGS: tuple[type[Tag], ...] = (HighlightTag, LinkTag, PostUrlTag, UnknownTag, LenientOutput)
