"""Read-only commands: check, list, links."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click

from feedpub.cli.common import (
    EXIT_CONTENT,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    config_option,
    drafts_option,
    echo_err,
    echo_problem,
    fail,
    main,
    now_option,
    parse_now,
    site_config,
)
from feedpub.model import Problem
from feedpub.sources.config import ConfigError, load_config
from feedpub.tools.check import CheckResult, check_site
from feedpub.tools.discovery import autodiscovery_links, find_feed, planned_feeds, planned_site
from feedpub.tools.listing import (
    ScheduledRow,
    drafts_note,
    feed_rows,
    json_rows,
    scheduled_rows,
    table_lines,
)


@main.command()
@config_option
@click.option("--category", metavar="NAME", help="Links for this category's feed.")
@click.option("--tag", metavar="NAME", help="Links for this tag's feed.")
@click.option("--author", metavar="NAME", help="Links for this author's feed.")
@click.option("--now", "now_text", metavar="ISO-8601", help="Pin the clock (default: the real time).")
def links(config_path: Path, category: str | None, tag: str | None, author: str | None, now_text: str | None) -> None:
    """Print the <link> tags an HTML <head> needs for feed autodiscovery."""
    if sum(1 for name in (category, tag, author) if name) > 1:
        fail("give one of --category, --tag and --author", EXIT_USAGE)
    try:
        config = load_config(config_path)
        feeds, problems = planned_feeds(config, parse_now(now_text, config))
    except (ConfigError, click.BadParameter) as err:
        fail(str(err), EXIT_USAGE)
    except Exception:
        _internal_error()
    kind, name = (
        ("category", category)
        if category
        else ("tag", tag)
        if tag
        else ("author", author)
        if author
        else ("site", None)
    )
    feed = find_feed(feeds, kind, name)
    if feed is None:
        fail(f'no {kind} called "{name}" in any post', EXIT_CONTENT)
    for line in autodiscovery_links(feed, config):
        click.echo(line)


@main.command()
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@click.option("--strict", is_flag=True, help=f"Exit {EXIT_CONTENT} on warnings too.")
@now_option
@drafts_option
def check(config_path: Path, as_json: bool, strict: bool, now_text: str | None, drafts: bool) -> None:
    """Validate config, posts and published feeds.

    Writes nothing. Errors make a build fail; warnings only fail with --strict.
    """
    try:
        config = site_config(config_path)
        result = check_site(config, *planned_site(config, parse_now(now_text, config), drafts))
    except ConfigError as err:
        problem = Problem(err.path, err.line, err.message)
        if as_json:
            _report_check(CheckResult((problem,), (), 0, 0, 0), as_json, EXIT_USAGE)
        echo_problem(problem)
        sys.exit(EXIT_USAGE)
    except click.BadParameter as err:
        fail(str(err), EXIT_USAGE)
    except Exception:
        _internal_error()
    failed = bool(result.errors) or (strict and bool(result.warnings))
    _report_check(result, as_json, EXIT_CONTENT if failed else EXIT_OK)


@main.command(name="list")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the feeds as JSON.")
@now_option
@drafts_option
def list_command(config_path: Path, as_json: bool, now_text: str | None, drafts: bool) -> None:
    """List the feeds a build would write.

    One row per file: path, kind (archive pages say so), entries, newest entry, title.
    Scheduled posts, with when they appear, and the number of drafts left out
    are told on stderr.
    """
    try:
        config = site_config(config_path)
        feeds, problems, hidden = planned_site(config, parse_now(now_text, config), drafts)
    except (ConfigError, click.BadParameter) as err:
        fail(str(err), EXIT_USAGE)
    except Exception:
        _internal_error()
    errors = [p for p in problems if p.severity == "error"]
    for problem in errors:
        echo_problem(problem)
    rows = feed_rows(feeds, config)
    if as_json:
        click.echo(json.dumps(json_rows(rows), ensure_ascii=False, indent=2))
    else:
        for line in table_lines(rows):
            click.echo(line)
    # On stderr, like check's: the table and the JSON list on stdout keep their shape for scripts.
    _tell_left_out(scheduled_rows(hidden, config), hidden.drafts)
    if errors:
        fail(
            f"{len(errors)} error(s) in posts: the list leaves those posts out; `feedpub check` shows every problem",
            EXIT_CONTENT,
        )


def _report_check(result: CheckResult, as_json: bool, code: int) -> None:
    if as_json:
        click.echo(json.dumps(_check_summary(result, code), ensure_ascii=False, indent=2))
        sys.exit(code)
    # Errors first, then warnings: what must be fixed before what should be.
    for problem in result.errors + result.warnings:
        echo_problem(problem)
    for note in result.notes:
        echo_err(f"feedpub: note: {note}")
    _tell_left_out(list(result.scheduled), result.drafts_left_out)
    counts = (
        f"{len(result.errors)} error(s), {len(result.warnings)} warning(s) in {result.posts} posts, "
        f"{result.feeds} feeds, {result.published} published feed files"
    )
    if code == EXIT_OK:
        click.echo(f"feedpub: checked: {counts}")
    else:
        echo_err(f"feedpub: check failed: {counts}")
    sys.exit(code)


def _check_summary(result: CheckResult, code: int) -> dict:
    def entry(problem: Problem) -> dict:
        return {
            "path": str(problem.path) if problem.path else None,
            "line": problem.line,
            "message": problem.message,
            "text": str(problem),
        }

    return {
        "exit_code": code,
        "errors": [entry(p) for p in result.errors],
        "warnings": [entry(p) for p in result.warnings],
        # The keys stay as documented: scheduled posts and drafts are notes, in the words printed.
        "notes": list(result.notes) + _left_out_lines(list(result.scheduled), result.drafts_left_out),
        "posts": result.posts,
        "feeds": result.feeds,
        "published_files": result.published,
    }


def _tell_left_out(scheduled: list[ScheduledRow], drafts: int) -> None:
    """The posts a build leaves out on purpose: intended, so notes, never problems."""
    for row in scheduled:
        echo_err(str(row))
    note = drafts_note(drafts)
    if note:
        echo_err(f"feedpub: note: {note}")


def _left_out_lines(scheduled: list[ScheduledRow], drafts: int) -> list[str]:
    note = drafts_note(drafts)
    return [str(row) for row in scheduled] + ([note] if note else [])


def _internal_error() -> NoReturn:
    """An unexpected exception: a bug. One line, exit 70, as build says it (these commands have no -v)."""
    error = sys.exc_info()[1]
    fail(f"internal error: {type(error).__name__}: {error}", EXIT_INTERNAL)
