"""Jekyll's `include` and `include_relative` tags (Jekyll 4.3's tags/include.rb).

`{% include note.html text="Hi" kind=page.kind %}` renders `_includes/note.html`
(or `includes_dir`) in the post's context with `include.text` and
`include.kind`; `include_relative` reads beside the post. Neither reads a
file outside its folder, links followed. A file that is not there (a theme's:
themes' files are not read) is left out with a warning; an error inside one
is the include tag's, naming the file and its line.
"""

from __future__ import annotations

import re
from pathlib import Path

from liquid import Environment, RenderContext
from liquid.ast import Node
from liquid.builtin.expressions import FilteredExpression
from liquid.exceptions import LiquidError, LiquidSyntaxError, ResourceLimitError
from liquid.stream import TokenStream
from liquid.tag import Tag
from liquid.template import BoundTemplate
from liquid.token import Token

from feedpub.render.liquid_arrays import expression_stream
from feedpub.render.liquid_state import current
from feedpub.render.liquid_tags import Written, inner_template, markup, rendered_text
from feedpub.sources.files import strip_forbidden_characters

# IncludeTag: key=value parameters, and a file name that is itself Liquid ({{ page.file }}).
_PARAM = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"\\]*(?:\\.[^"\\]*)*)"|'([^'\\]*(?:\\.[^'\\]*)*)'|([\w.-]+))""")
_PARAMS = re.compile(rf"\A\s*(?:{_PARAM.pattern}(?=\s|\Z)\s*)*\Z")
_FILE_IN_VARIABLE = re.compile(r"(?P<variable>[^{]*(\{\{\s*[\w\-.]+\s*(\|.*)?\}\}[^\s{}]*)+)(?P<params>.*)", re.S)
_FILE_NAME = re.compile(r"^[\w/.\-()+~#@]+$")
_BAD_SEQUENCE = re.compile(r"[./]{2,}")


class IncludeNode(Written):
    def __init__(self, token: Token, tag: str, file: str, params: str | None, env: Environment):
        super().__init__(token)
        self.tag, self.file, self.params = tag, file, params
        self.file_template = inner_template(env, file, token) if _FILE_IN_VARIABLE.match(file) else None

    def write(self, context: RenderContext) -> str:
        run = current()
        name = rendered_text(self.file_template, context).strip() if self.file_template is not None else self.file
        if _BAD_SEQUENCE.search(name) or not _FILE_NAME.match(name):
            raise LiquidError(f"{self.tag}: invalid file name {name!r}", token=self.token)
        path = self.locate(name)
        if path is None:
            run.note(self.token, f"{self.tag}: no file `{name}` in {self.folder_name()}: left out")
            return ""
        shown = f"{self.folder_name()}/{name}"
        try:
            with run.inside(shown, self.token):
                template = run.parsed.get(path)
                if not isinstance(template, BoundTemplate):  # a loop may include the same file many times
                    template = run.parsed[path] = context.env.from_string(self.read(path, shown), name=shown)
                namespace = {"include": self.arguments(context)} if self.params else {}
                buffer = context.get_buffer()
                template.render_with_context(context, buffer, namespace, partial=True)
                return buffer.getvalue()
        except ResourceLimitError as err:
            err.token = self.token  # a limit is the whole template's: placed at the outermost include
            raise
        except LiquidError as err:
            raise LiquidError(f"{err.message} (in {shown}{_line(err)})", token=self.token) from err
        except (OSError, UnicodeDecodeError) as err:
            raise LiquidError(f"{self.tag}: cannot read {shown}: {err}", token=self.token) from err

    def read(self, path: Path, shown: str) -> str:
        """The file's text without the characters XML forbids, each line that had them named in a warning:
        a post's own text is cleaned as it is read, and an include's text is the post's text too."""
        text, removed = strip_forbidden_characters(path, path.read_text(encoding="utf-8"))
        for problem in removed:
            current().note(None, f"{self.tag}: {problem.message} (in {shown}, line {problem.line})")
        return text

    def folder(self) -> Path | None:
        run = current()
        if run.config is None:
            return None
        if self.tag == "include_relative":
            return run.path.parent
        if run.config.jekyll is None:
            return None  # feedpub's own mode has no _includes folder
        return run.config.jekyll.source / str(run.site.get("includes_dir") or "_includes")

    def folder_name(self) -> str:
        folder, run = self.folder(), current()
        if folder is None:
            return "_includes (feedpub's own mode has none)"
        root = run.config.jekyll.source if run.config is not None and run.config.jekyll is not None else None
        return folder.relative_to(root).as_posix() if root and folder.is_relative_to(root) else folder.name

    def locate(self, name: str) -> Path | None:
        """The file, if it is inside the folder once links are followed (a post must not read any file)."""
        folder = self.folder()
        if folder is None:
            return None
        path = (folder / name.lstrip("/")).resolve()
        return path if path.is_file() and path.is_relative_to(folder.resolve()) else None

    def arguments(self, context: RenderContext) -> dict[str, object]:
        found: dict[str, object] = {}
        for key, double, single, variable in _PARAM.findall(self.params or ""):
            if variable:
                found[key] = FilteredExpression.parse(context.env, expression_stream(variable)).evaluate(context)
            else:
                found[key] = double.replace('\\"', '"') if double else single.replace("\\'", "'")
        return found


def _line(err: LiquidError) -> str:
    context = err.context()
    return f", line {context[0]}" if context else ""


class IncludeTag(Tag):
    name = "include"
    block = False

    def parse(self, stream: TokenStream) -> Node:
        token, text = markup(stream)
        text = text.strip()
        found = _FILE_IN_VARIABLE.match(text)
        if found:
            file, params = found.group("variable").strip(), found.group("params").strip()
        else:
            file, _, params = text.partition(" ")
            params = params.strip()
        if params and not _PARAMS.match(params):
            raise LiquidSyntaxError(
                f"Invalid syntax for {self.name} tag: {params!r}; valid syntax: "
                f"{{% {self.name} file.ext param='value' param2='value' %}}",
                token=token,
            )
        return IncludeNode(token, self.name, file, params or None, self.env)


class IncludeRelativeTag(IncludeTag):
    name = "include_relative"


INCLUDE_TAGS: tuple[type[Tag], ...] = (IncludeTag, IncludeRelativeTag)
