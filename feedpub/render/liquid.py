"""Liquid before Markdown, as Jekyll renders a post: `{% highlight %}`, `{{ site.url }}`, `{% raw %}` and the rest.

Jekyll runs Liquid over the whole body (code fences too: that is what
`{% raw %}` is for) before the Markdown engine sees it, and only when the
body has `{{` or `{%` in it. This does the same with python-liquid, given
Jekyll's tags (render/liquid_tags.py), filters (render/liquid_filters.py)
and variables (render/liquid_site.py). Undefined variables print nothing, as
in Jekyll.

What cannot be run is said, never published: a plugin's tag renders to
nothing and its filter leaves the value as it was, each with a warning; a
template error (an unclosed `{% if %}`) is an error at its line of the post
file. A template is bounded like a Markdown body: loops, output, assigned
text and include depth have limits, and the whole render the time budget.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from liquid import Environment, RenderContext
from liquid.exceptions import (
    ContextDepthError,
    LiquidError,
    LocalNamespaceLimitError,
    LoopIterationLimitError,
    OutputStreamLimitError,
)
from liquid.template import BoundTemplate
from liquid.token import Token

from feedpub.model import Config, Post, Problem, errors_in
from feedpub.render import limits
from feedpub.render.liquid_filters import add_jekyll_filters
from feedpub.render.liquid_include import INCLUDE_TAGS
from feedpub.render.liquid_site import variables
from feedpub.render.liquid_state import Run, current, running
from feedpub.render.liquid_tags import JEKYLL_TAGS
from feedpub.sources.files import XML_FORBIDDEN

MAX_LOOP_ITERATIONS = 100_000  # of nested loops together: a site's whole archive is a few thousand posts
MAX_OUTPUT_BYTES = 8 * 1024 * 1024  # as much as the largest post file feedpub reads
MAX_ASSIGNED_BYTES = 8 * 1024 * 1024  # what assign and capture may hold at once
MAX_INCLUDE_DEPTH = 30  # includes (and loops) inside each other

_LIMIT_MESSAGES = {
    LoopIterationLimitError: f"its loops run more than {MAX_LOOP_ITERATIONS:,} times",
    OutputStreamLimitError: f"it writes more than {MAX_OUTPUT_BYTES // 1024 // 1024} MiB",
    LocalNamespaceLimitError: f"its assign and capture tags hold more than {MAX_ASSIGNED_BYTES // 1024 // 1024} MiB",
    ContextDepthError: f"it nests includes and loops more than {MAX_INCLUDE_DEPTH} deep (an include that includes itself?)",
}


@dataclass(frozen=True, slots=True)
class LiquidResult:
    text: str  # the text rendered; the text as given when there are errors
    problems: tuple[Problem, ...]  # placed in the post file; errors mean the text could not be rendered


def has_liquid(text: str) -> bool:
    """Jekyll's Utils.has_liquid_construct?: only such a text is rendered with Liquid."""
    return "{{" in text or "{%" in text


def render_liquid(
    text: str, post: Post, config: Config | None, first_line: int, markdownify: Callable[[str], str]
) -> LiquidResult:
    """`text` (a post's body or excerpt, starting on `first_line` of its file) rendered with Liquid.

    `config` None renders with the post's own page variables only (no site).
    `markdownify` is the `markdownify` filter: the site's Markdown engine.
    """
    if not has_liquid(text):
        return LiquidResult(text, ())
    problems: list[Problem] = []
    names = variables(post, config, problems)
    if names.page.get("render_with_liquid") is False:
        return LiquidResult(text, ())  # Jekyll 4's way to publish a body as written
    tz = post.published.tzinfo
    assert tz is not None, "posts have aware dates"
    run = Run(post.path, first_line, config, tz, post.published, _within_budget(markdownify), names.site, problems)
    with running(run):
        rendered = _render(text, names.by_name(), run)
    failed = errors_in(tuple(run.problems))
    if failed or rendered is None:
        return LiquidResult(text, tuple(run.problems))
    return LiquidResult(*_without_forbidden_characters(rendered, post, first_line, run.problems))


def _without_forbidden_characters(
    rendered: str, post: Post, first_line: int, problems: list[Problem]
) -> tuple[str, tuple[Problem, ...]]:
    """What Liquid wrote, without the characters XML forbids: a variable may hold them (a YAML escape, site.data)."""
    found = sorted(set(XML_FORBIDDEN.findall(rendered)))
    if not found:
        return rendered, tuple(problems)
    names = ", ".join(f"U+{ord(c):04X}" for c in found)
    warning = Problem(post.path, first_line, f"Liquid wrote characters XML forbids ({names}): removed", "warning")
    return XML_FORBIDDEN.sub("", rendered), (*problems, warning)


def close_liquid_blocks(text: str) -> str:
    """Jekyll's Excerpt#sanitize_liquid_tags: an excerpt cut inside a block gets the block's end tags."""
    if "{%" not in text:
        return text
    unclosed = environment().analyze_tags_from_string(text).unclosed_tags
    opened = sorted(((span.index, name) for name, spans in unclosed.items() for span in spans), reverse=True)
    return text + "".join(f"\n{{% end{name} %}}" for _, name in opened)


def _render(text: str, names: dict[str, object], run: Run) -> str | None:
    """The rendered text; None after noting the error that stopped it."""
    try:
        with limits.time_budget(limits.RENDER_SECONDS):
            return environment().from_string(text).render(**names)
    except limits.OverBudget:
        run.note(None, f"Liquid: the template takes more than {limits.RENDER_SECONDS:g} s to render", "error")
    except LiquidError as err:
        token, message = _placed(err, text)
        run.note(token, message, "error")
    except RecursionError:
        run.note(None, "Liquid: the template nests too deeply to render", "error")
    except Exception as err:
        # One post Liquid chokes on must fail as that post, not stop the build unexplained.
        run.note(None, f"Liquid failed: {type(err).__name__}: {err}", "error")
    return None


def _placed(err: LiquidError, text: str) -> tuple[Token | None, str]:
    """(token, message) for a Liquid error: an unclosed block is placed at its opening tag."""
    for kind, why in _LIMIT_MESSAGES.items():
        if isinstance(err, kind):
            return err.token, f"Liquid: the template cannot be rendered: {why}"
    if err.token is None or err.token.start_index < 0:
        unclosed = environment().analyze_tags_from_string(text).unclosed_tags
        if unclosed:
            name, spans = next(iter(unclosed.items()))
            token = Token("tag", name, spans[0].index, text)
            return token, f"Liquid syntax error: '{name}' tag was never closed"
    return err.token, f"Liquid error: {err.message}"


class _Context(RenderContext):
    """A render context in which an unknown filter leaves its value as it was, with a warning."""

    def filter(self, name: str, token: Token | None) -> Callable[..., object]:
        if name not in self.env.filters:
            current().note(
                token,
                f"unknown Liquid filter `{name}`: left out, as only a Jekyll plugin can run it (value unfiltered)",
            )
            return _unfiltered
        return super().filter(name, token)


def _unfiltered(value: object, *_args: object, **_kwargs: object) -> object:
    return value


class _Template(BoundTemplate):
    context_class = _Context


class JekyllEnvironment(Environment):
    """python-liquid set up as Jekyll's Liquid: Jekyll's tags and filters, and limits on the work."""

    template_class = _Template
    loop_iteration_limit = MAX_LOOP_ITERATIONS
    output_stream_limit = MAX_OUTPUT_BYTES
    local_namespace_limit = MAX_ASSIGNED_BYTES
    context_depth_limit = MAX_INCLUDE_DEPTH


@lru_cache(maxsize=1)
def environment() -> JekyllEnvironment:
    """One environment per process: it holds no site and no post, only the tags and filters."""
    made = JekyllEnvironment()
    # Jekyll's include takes key=value parameters (python-liquid's is Shopify's); Jekyll 4 has no render tag.
    made.tags.pop("render", None)
    for tag in (*JEKYLL_TAGS, *INCLUDE_TAGS):
        made.add_tag(tag)
    add_jekyll_filters(made)
    return made


def _within_budget(markdownify: Callable[[str], str]) -> Callable[[str], str]:
    """`markdownify` that leaves the Liquid render's time budget running.

    The Markdown engine sets a budget of its own and, when done, turns the
    process's one interval timer off: the rest of the template would have none.
    """

    def converted(text: str) -> str:
        with _timer_kept():
            return markdownify(text)

    return converted


@contextmanager
def _timer_kept() -> Iterator[None]:
    if not hasattr(signal, "getitimer") or threading.current_thread() is not threading.main_thread():
        yield  # limits.time_budget sets no timer there either
        return
    left, _ = signal.getitimer(signal.ITIMER_REAL)
    started = time.monotonic()
    try:
        yield
    finally:
        if left:
            signal.setitimer(signal.ITIMER_REAL, max(left - (time.monotonic() - started), 0.001))
