"""The one Liquid render under way, as Jekyll's tags and filters need to see it.

python-liquid hands a tag only the environment while parsing, and a filter
only its arguments: neither can tell which post is rendered, where its body
starts in the file, or where to note a warning. render/liquid.py sets a Run
in a context variable for the length of one render (one post's body or
excerpt); the tags and filters read it with `current()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path

from liquid.token import Token

from feedpub.model import Config, Problem, Severity


@dataclass(frozen=True, slots=True)
class Included:
    """An include being rendered: its name as written, and the post line of the outermost include tag."""

    name: str
    post_line: int


@dataclass(slots=True)
class Run:
    path: Path  # the post file: every problem is placed in it
    first_line: int  # the line of the file where the rendered text starts
    config: Config | None
    tz: tzinfo
    now: datetime  # site.time and the date filter's "now": the post's date, so that a build never reads the clock
    markdownify: Callable[[str], str]
    site: Mapping[str, object]
    problems: list[Problem] = field(default_factory=list)
    includes: list[Included] = field(default_factory=list)  # innermost last
    parsed: dict[Path, object] = field(default_factory=dict)  # include file -> its template, parsed once a render

    def line_of(self, token: Token | None) -> int:
        """The post file's line for a token of the text rendered, or of the include tag it is inside."""
        if self.includes:
            return self.includes[0].post_line
        if token is None or token.start_index < 0:
            return self.first_line
        return self.first_line + token.source.count("\n", 0, token.start_index)

    def where(self, token: Token | None) -> str:
        """` (in _includes/x.html, line 3)` for a token inside an include, else nothing."""
        if not self.includes or token is None or token.start_index < 0:
            return ""
        line = token.source.count("\n", 0, token.start_index) + 1
        return f" (in {self.includes[-1].name}, line {line})"

    def note(self, token: Token | None, message: str, severity: Severity = "warning") -> None:
        """A problem at the token's line, said once however often a loop renders the token."""
        problem = Problem(self.path, self.line_of(token), message + self.where(token), severity)
        if problem not in self.problems:
            self.problems.append(problem)

    @contextmanager
    def inside(self, name: str, token: Token) -> Iterator[None]:
        """Problems found while rendering the include `name` (tag `token`) go to the tag's line."""
        self.includes.append(Included(name, self.line_of(token)))
        try:
            yield
        finally:
            self.includes.pop()


_RUN: ContextVar[Run | None] = ContextVar("feedpub_liquid_run", default=None)


def current() -> Run:
    """The render under way; Jekyll's tags and filters run only inside one."""
    run = _RUN.get()
    assert run is not None, "Jekyll's Liquid tags and filters run only inside render_liquid"
    return run


@contextmanager
def running(run: Run) -> Iterator[Run]:
    token = _RUN.set(run)
    try:
        yield run
    finally:
        _RUN.reset(token)
