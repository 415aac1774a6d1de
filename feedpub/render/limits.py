"""Limits on the work one post body may ask of a Markdown engine, checked before any engine sees it.

Python-Markdown recurses once per level of nested lists and quotes (a list
nested 300 levels deep, or `1. ` written 1,000 times on one line, raises
RecursionError), and scans from every `[` to its `]` or to the end of the
paragraph (60 KB of `![` took 104 s). So that no single post can crash or
stall a build, a body that asks for more than these limits is refused with a
message and the line to look at:

- MAX_NESTING: lists and quotes nested more than 100 levels on one line.
  Counted per line: each `>` and list marker (`-`, `+`, `*`, `1.`, `1)`) at the
  start of the line is a level, and so is each 4 columns of indentation before
  them. Python-Markdown renders 200 levels; the deepest of 27,629 real
  Markdown files (117 MB of READMEs, changelogs and manuals) has 7.
- MAX_BRACKET_SCAN: 4,000,000 characters scanned for the `]` of each `[`,
  summed over the body (an unclosed `[` scans to the end of its paragraph;
  what a closed code fence holds is not scanned).
  That is about a second of Python-Markdown's time; the most among the same
  files is 306,295 (Rust's 900 KB release notes).

Both limits hold for every engine, so a post that builds with one builds with
the other. What they do not foresee, RENDER_SECONDS bounds: an engine working
on one text for longer is stopped (time_budget).
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from feedpub.model import Post, Problem

MAX_NESTING = 100
MAX_BRACKET_SCAN = 4_000_000
# The slowest body allowed in (8 MiB of text, see sources.files) renders in about 3 s.
RENDER_SECONDS = 30.0
TAB_COLUMNS = 4  # Python-Markdown's tab_length: a nested list is indented this far

# One container marker after optional indentation: a quote's `>` or a list item's marker.
_MARKER = re.compile(r"[ \t]*(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$))")
_INDENT = re.compile(r"[ \t]*")
_BRACKET = re.compile(r"\\.|[\[\]]")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# A closed code fence: its opening line, the lines inside, its closing line.
_FENCED_CODE = re.compile(r"^([ \t]*(`{3,}|~{3,})[^\n]*\n)(.*?)(^[ \t]*\2[ \t]*$)", re.MULTILINE | re.DOTALL)
_BLANKED = re.compile(r"[^\n]")
# Only a line starting with this many marker or indentation characters can nest past the limit
# (a level is at least one character: a marker, or a tab); finding them is a regex search. After a
# "\n" rather than at a MULTILINE "^": with a literal to look for, the regex engine skips from line to
# line (2 µs for a 4 KB post, where "^" took 12 µs: every rendered post is searched twice).
_DEEP_RUN = f"[ \t>+*\\-0-9.)]{{{MAX_NESTING + 1},}}"
_DEEP_FIRST_LINE = re.compile(_DEEP_RUN)
_DEEP_LATER_LINE = re.compile("\n" + _DEEP_RUN)


@dataclass(frozen=True, slots=True)
class BodyProblem:
    """Why a body is refused, and the line of the body (1 = its first) to look at.

    The message leaves out what was refused: callers say "body: " or "summary: ".
    """

    message: str
    line: int


def limit_problems(post: Post) -> list[Problem]:
    """An error for the post's body and for its summary where either is past the limits.

    The check to make where a post is read, before it is rendered: the post is
    then broken like one with a bad date, and never reaches an engine.
    """
    problems = []
    refused = body_problem(post.body)
    if refused is not None:
        problems.append(Problem(post.path, post.body_line + refused.line - 1, f"body: {refused.message}"))
    refused = body_problem(post.summary) if post.summary else None
    if refused is not None:
        line = next((found for key in ("summary", "excerpt", "description") if (found := post.line_of(key))), None)
        problems.append(Problem(post.path, line, f"summary: {refused.message}"))
    return problems


def body_problem(body: str) -> BodyProblem | None:
    """Why the body would take a Markdown engine too much work, or None when it is within the limits.

    Linear in the body's length. The caller adds the body's first line in the
    file to `line - 1` to name the file line.
    """
    return nesting_problem(body) or bracket_problem(body)


def nesting_problem(body: str) -> BodyProblem | None:
    """The first line whose lists and quotes nest deeper than MAX_NESTING levels."""
    first = [0] if _DEEP_FIRST_LINE.match(body) else []
    for start in first + [found.start() + 1 for found in _DEEP_LATER_LINE.finditer(body)]:
        end = body.find("\n", start)
        depth = nesting_depth(body[start : end if end >= 0 else len(body)])
        if depth > MAX_NESTING:
            return BodyProblem(
                f"cannot be rendered: lists or quotes nested too deeply "
                f"({depth} levels on this line; the limit is {MAX_NESTING})",
                body.count("\n", 0, start) + 1,
            )
    return None


def nesting_depth(line: str) -> int:
    """How many list and quote levels the start of `line` opens: markers, and indentation before them."""
    indent = _INDENT.match(line)
    assert indent is not None, "the pattern matches the empty string"
    columns = len(indent.group().expandtabs(TAB_COLUMNS))
    markers, position = 0, 0
    while found := _MARKER.match(line, position):
        markers += 1
        position = found.end()
    # Indentation alone is a code block or a paragraph's continuation, not nesting.
    return markers + columns // TAB_COLUMNS if markers else 0


def bracket_problem(body: str) -> BodyProblem | None:
    """The paragraph where scanning for the `]` of each `[` passes MAX_BRACKET_SCAN characters in all."""
    if body.count("[") * len(body) <= MAX_BRACKET_SCAN:
        return None  # no `[` can scan further than the whole body: the usual post ends here
    body = _fenced_code_blanked(body)
    ends = [found.start() for found in _BLANK_LINE.finditer(body)] + [len(body)]
    blocks = list(zip([0, *ends[:-1]], ends, strict=True))
    # Nor further than its paragraph's end: of openSUSE's 2,288 news posts, this bound settled all 96 that
    # the first one did not, long and full of links, each of which the scan had taken about 1 ms.
    if sum(body.count("[", start, end) * (end - start) for start, end in blocks) <= MAX_BRACKET_SCAN:
        return None
    scanned = 0
    for start, block_end in blocks:
        scanned += bracket_scan(body[start:block_end])
        if scanned > MAX_BRACKET_SCAN:
            return BodyProblem(
                f"cannot be rendered: too many unclosed [ or ![ in this paragraph "
                f"(more than {MAX_BRACKET_SCAN:,} characters to scan for their ]); close them or write \\[",
                body.count("\n", 0, max(0, body.find("[", start))) + 1,
            )
    return None


def _fenced_code_blanked(body: str) -> str:
    """The body with the lines inside each closed code fence made blank, its length and lines kept.

    No engine looks for a link in code: a fence of 500 lines of a log full of `[` is no paragraph to
    scan (every engine's fenced code takes the block out before it reads spans).
    """
    if "```" not in body and "~~~" not in body:
        return body
    return _FENCED_CODE.sub(lambda found: found.group(1) + _BLANKED.sub(" ", found.group(3)) + found.group(4), body)


def bracket_scan(block: str) -> int:
    """Characters Python-Markdown reads looking for the `]` of each `[` in one paragraph.

    Each `[` reads up to the `]` that balances it, or to the end of the
    paragraph; an escaped `\\[` opens nothing.
    """
    openers: list[int] = []
    scanned = 0
    for found in _BRACKET.finditer(block):
        bracket = found.group()
        if bracket == "[":
            openers.append(found.start())
        elif bracket == "]" and openers:
            scanned += found.start() - openers.pop()
    return scanned + sum(len(block) - position for position in openers)


class OverBudget(BaseException):
    """Raised by the alarm into the engine: a BaseException, so no `except Exception` inside it stops it."""


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise OverBudget in the code run inside when it takes longer than `seconds`.

    An interval timer works only in a process's main thread (a build's
    workers and the CLI run there) and not on Windows; elsewhere the work is
    not bounded.
    """
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    fired = False

    def expired(signum: int, frame: object) -> None:
        nonlocal fired
        fired = True
        raise OverBudget

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if fired:
        # The alarm's exception lands wherever the interpreter is: in a GC callback or a __del__
        # it is swallowed and the work runs on. It is over budget all the same.
        raise OverBudget
