"""The command line: parses options, calls the library, prints, picks the exit code."""
from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import threading
import traceback
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from . import __version__
from .build import BuildOptions, build
from .cache import cache_folders, remove_cache_folder
from .config import ConfigError, load_config
from .dates import DateError, parse_date
from .inspect import autodiscovery_links, find_feed, planned_feeds
from .listing import feed_rows, json_rows, table_lines
from .model import Config, Problem, Report
from .output import LockTimeout, OutputError
from .scaffold import ScaffoldError, create_post, init_site
from .serve import start_server, watch_sources
from .sources import POST_SUFFIXES
from .terminal import display_width, pad, progress_line, wants_colour
from .validate import CheckResult, check_site
from .websub import ping_hubs

EXIT_OK = 0
EXIT_CONTENT = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3
EXIT_OUTPUT = 4
EXIT_PARTIAL = 5
EXIT_PING = 6
EXIT_INTERNAL = 70

EXIT_CODES_HELP = f"""\b
Exit codes:
  {EXIT_OK}   success
  {EXIT_CONTENT}   content errors in posts: nothing was published
  {EXIT_USAGE}   usage or config error
  {EXIT_LOCKED}   another build held the output folder's lock past --wait
  {EXIT_OUTPUT}   the output folder could not be written: previous feeds intact
  {EXIT_PARTIAL}   --keep-going: published, but some posts were left out
  {EXIT_PING}   published, but a WebSub hub could not be notified
  {EXIT_INTERNAL}  internal error (a bug; -v shows the traceback)
"""


@click.group(epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="feedpub")
def main() -> None:
    """feedpub publishes Atom and RSS feeds from a folder of Markdown posts."""


@main.command(epilog=EXIT_CODES_HELP)
@click.option("-c", "--config", "config_path", type=click.Path(path_type=Path), default="config.yaml",
              show_default=True, help="The site's config file; its folders are relative to it.")
@click.option("-o", "--output", "output_dir", type=click.Path(path_type=Path),
              help="Publish here instead of the config's output_dir.")
@click.option("--now", "now_text", metavar="ISO-8601",
              help="Pin the clock: posts dated later are left out. Default: the real time.")
@click.option("--drafts", is_flag=True, help="Include drafts (draft: true / published: false).")
@click.option("--keep-going", is_flag=True, default=None,
              help=f"Leave broken posts out and publish the rest (exit {EXIT_PARTIAL}).")
@click.option("--wait", "wait_seconds", type=click.FloatRange(min=0), default=60, show_default=True,
              metavar="SECONDS", help="How long to wait for another build's lock.")
@click.option("--ping/--no-ping", default=None,
              help=f"Notify the WebSub hubs of changed feeds (default: websub.ping); exit {EXIT_PING} if one fails.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the build cache.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: one per core).")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success, only errors.")
@click.option("-v", "--verbose", is_flag=True, help="Print each file written and tracebacks.")
def build_command(config_path: Path, output_dir: Path | None, now_text: str | None, drafts: bool,
                  keep_going: bool | None, wait_seconds: float, ping: bool | None, no_cache: bool,
                  jobs: int | None, as_json: bool, quiet: bool, verbose: bool) -> None:
    """Build every feed: the site, each category and each tag."""
    failures: list = []
    progress = _ProgressBar() if not quiet and _stderr_is_terminal() else None
    try:
        config = _config(config_path, output_dir)
        now = _now(now_text, config)
        options = BuildOptions(now=now, drafts=drafts, wait_seconds=wait_seconds, keep_going=keep_going,
                               use_cache=not no_cache, jobs=jobs, progress=progress)
        ping = config.ping if ping is None else ping
        if ping and not config.hubs:
            raise click.BadParameter("--ping: no hubs configured in websub.hubs")
        try:
            report = build(config, options)
        finally:
            if progress:
                progress.clear()
        if ping:
            failures = ping_hubs(config.hubs, report.changed_feeds)
    except (ConfigError, click.BadParameter) as err:
        _fail(str(err), EXIT_USAGE)
    except LockTimeout as err:
        _fail(str(err), EXIT_LOCKED)
    except OutputError as err:
        _fail(str(err), EXIT_OUTPUT)
    except Exception:  # noqa: BLE001 - last line of defence: no traceback unless asked
        _internal_error(verbose)
    code = _report(report, as_json, quiet, verbose)
    for failure in failures:
        _echo_err(f"feedpub: {failure}")
    sys.exit(EXIT_PING if failures and code == EXIT_OK else code)


main.add_command(build_command, name="build")


@main.command()
@click.option("-c", "--config", "config_path", type=click.Path(path_type=Path), default="config.yaml",
              show_default=True, help="The site's config file.")
@click.option("--category", metavar="NAME", help="Links for this category's feed.")
@click.option("--tag", metavar="NAME", help="Links for this tag's feed.")
@click.option("--now", "now_text", metavar="ISO-8601", help="Pin the clock (default: the real time).")
def links(config_path: Path, category: str | None, tag: str | None, now_text: str | None) -> None:
    """Print the <link> tags an HTML <head> needs for feed autodiscovery."""
    if category and tag:
        _fail("give --category or --tag, not both", EXIT_USAGE)
    try:
        config = load_config(config_path)
        feeds, problems = planned_feeds(config, _now(now_text, config))
    except (ConfigError, click.BadParameter) as err:
        _fail(str(err), EXIT_USAGE)
    kind, name = ("category", category) if category else ("tag", tag) if tag else ("site", None)
    feed = find_feed(feeds, kind, name)
    if feed is None:
        _fail(f'no {kind} called "{name}" in any post', EXIT_CONTENT)
    for line in autodiscovery_links(feed, config):
        click.echo(line)


@main.command()
@click.option("-c", "--config", "config_path", type=click.Path(path_type=Path), default="config.yaml",
              show_default=True, help="The site's config file.")
def clean(config_path: Path) -> None:
    """Delete the build cache (published feeds are left alone)."""
    try:
        config = load_config(config_path)
    except ConfigError as err:
        _fail(str(err), EXIT_USAGE)
    folders = cache_folders(config.cache_dir)
    for folder in folders:
        remove_cache_folder(folder)
    try:
        config.cache_dir.rmdir()
    except OSError:
        pass  # not empty: something else lives there, and it is not ours to delete
    click.echo(f"feedpub: removed {len(folders)} cache(s) from {config.cache_dir}")


# --- the everyday tool: check, list, new, init, serve ------------------------------

_config_option = click.option("-c", "--config", "config_path", type=click.Path(path_type=Path), default="config.yaml",
                              show_default=True, help="The site's config file.")
_now_option = click.option("--now", "now_text", metavar="ISO-8601", help="Pin the clock (default: the real time).")
_drafts_option = click.option("--drafts", is_flag=True, help="Include drafts, as `build --drafts` would.")


@main.command()
@_config_option
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@click.option("--strict", is_flag=True, help=f"Exit {EXIT_CONTENT} on warnings too.")
@_now_option
@_drafts_option
def check(config_path: Path, as_json: bool, strict: bool, now_text: str | None, drafts: bool) -> None:
    """Validate config, posts and published feeds.

    Writes nothing. Errors make a build fail; warnings only fail with --strict.
    """
    try:
        config = _site_config(config_path)
        result = check_site(config, *planned_feeds(config, _now(now_text, config), drafts))
    except ConfigError as err:
        problem = Problem(err.path, err.line, err.message)
        if as_json:
            _report_check(CheckResult((problem,), (), 0, 0, 0), as_json, EXIT_USAGE)
        _echo_problem(problem)
        sys.exit(EXIT_USAGE)
    except click.BadParameter as err:
        _fail(str(err), EXIT_USAGE)
    failed = bool(result.errors) or (strict and bool(result.warnings))
    _report_check(result, as_json, EXIT_CONTENT if failed else EXIT_OK)


@main.command(name="list")
@_config_option
@click.option("--json", "as_json", is_flag=True, help="Print the feeds as JSON.")
@_now_option
@_drafts_option
def list_command(config_path: Path, as_json: bool, now_text: str | None, drafts: bool) -> None:
    """List the feeds a build would write.

    One row per file: path, kind (archive pages say so), entries, newest entry, title.
    """
    try:
        config = _site_config(config_path)
        feeds, problems = planned_feeds(config, _now(now_text, config), drafts)
    except (ConfigError, click.BadParameter) as err:
        _fail(str(err), EXIT_USAGE)
    errors = [p for p in problems if p.severity == "error"]
    for problem in errors:
        _echo_problem(problem)
    rows = feed_rows(feeds, config)
    if as_json:
        click.echo(json.dumps(json_rows(rows), ensure_ascii=False, indent=2))
    else:
        for line in table_lines(rows):
            click.echo(line)
    if errors:
        _fail(f"{len(errors)} error(s) in posts: the list leaves those posts out; `feedpub check` shows every problem",
              EXIT_CONTENT)


@main.command()
@click.argument("title")
@click.option("--tags", metavar="A,B", default="", help="Comma-separated tags.")
@click.option("--category", "categories", metavar="NAME", multiple=True, help="A category (repeat for more).")
@click.option("--draft", is_flag=True, help="Write draft: true (left out of feeds until you remove it).")
@_config_option
@click.option("--slug", help="The slug for the file name, instead of one made from the title.")
@_now_option
def new(title: str, tags: str, categories: tuple[str, ...], draft: bool, config_path: Path,
        slug: str | None, now_text: str | None) -> None:
    """Write a new post dated now; print its path.

    The file is posts_dir/YYYY-MM-DD-<slug>.md; an existing file is never overwritten.
    """
    try:
        config = load_config(config_path)
        now = _now(now_text, config)
    except (ConfigError, click.BadParameter) as err:
        _fail(str(err), EXIT_USAGE)
    names = [name.strip() for name in tags.split(",") if name.strip()]
    try:
        path = create_post(config.posts_dir, config.site.timezone, now, title, names,
                           [c.strip() for c in categories if c.strip()], draft, slug)
    except ScaffoldError as err:
        _fail(str(err), EXIT_CONTENT if err.exists else EXIT_USAGE if err.path is None else EXIT_OUTPUT)
    click.echo(str(path))


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=".")
def init(folder: Path) -> None:
    """Start a site: config.yaml and an example post.

    Both go into FOLDER (default: here); existing files are never overwritten.
    """
    try:
        created = init_site(folder, datetime.now(timezone.utc))
    except ScaffoldError as err:
        _fail(str(err), EXIT_CONTENT if err.exists else EXIT_OUTPUT)
    for path in created:
        click.echo(f"created {path}")
    click.echo("feedpub: next, set site.title and site.url in config.yaml, then run `feedpub build` or `feedpub serve`")


@main.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="The port to listen on; 0 picks a free one.")
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--build/--no-build", "build_first", default=True, show_default=True, help="Build before serving.")
@click.option("--watch", is_flag=True, help="Rebuild whenever a post or the config changes.")
@_config_option
@_now_option
@_drafts_option
def serve(port: int, host: str, build_first: bool, watch: bool, config_path: Path, now_text: str | None,
          drafts: bool) -> None:
    """Serve the feeds over HTTP (Ctrl-C stops).

    Serves the output folder as a careful static host would: feed media types,
    ETag and Last-Modified with 304s, gzip, and nothing outside the folder.
    """
    try:
        config = _site_config(config_path)
        _now(now_text, config)
    except (ConfigError, click.BadParameter) as err:
        _fail(str(err), EXIT_USAGE)
    # A service manager stops with SIGTERM: the same clean stop as Ctrl-C.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        _serve(config, config_path, host, port, build_first, watch, now_text, drafts)
    except KeyboardInterrupt:
        click.echo("feedpub: stopped")
    finally:
        signal.signal(signal.SIGTERM, previous)
    sys.exit(EXIT_OK)


def _serve(config: Config, config_path: Path, host: str, port: int, build_first: bool, watch: bool,
           now_text: str | None, drafts: bool) -> None:
    if build_first:
        _serve_build(config_path, config.output_dir, now_text, drafts, changed=None)
    if not config.output_dir.is_dir():
        _fail(f"{config.output_dir}: no such folder, nothing to serve (run `feedpub build`)", EXIT_USAGE)
    try:
        server = start_server(config.output_dir, host, port, log=_echo_err)
    except OSError as err:
        _fail(f"cannot listen on {host}:{port}: {err.strerror or err} (choose another --port)", EXIT_USAGE)
    click.echo(f"feedpub: serving {config.output_dir} at {server.url} (Ctrl-C to stop)")
    stop = threading.Event()
    try:
        if watch:
            changes = watch_sources(config.posts_dir, config_path, stop)
            click.echo(f"feedpub: watching {config.posts_dir} and {config_path} for changes")
            for changed in changes:
                _serve_build(config_path, config.output_dir, now_text, drafts, changed)
        while not stop.wait(3600):
            pass
    except Exception as err:  # noqa: BLE001 - the watcher failed (e.g. too many inotify watches)
        _fail(f"cannot watch for changes: {type(err).__name__}: {err}", EXIT_INTERNAL)
    finally:
        stop.set()
        server.stop()


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _config(path: Path, output_dir: Path | None) -> Config:
    config = load_config(path)
    return replace(config, output_dir=output_dir) if output_dir is not None else config


def _now(text: str | None, config: Config) -> datetime:
    if text is None:
        return datetime.now(timezone.utc)
    try:
        return parse_date(text, ZoneInfo(config.site.timezone))
    except DateError as err:
        raise click.BadParameter(f"--now: {err}") from None


def _report(report: Report, as_json: bool, quiet: bool, verbose: bool) -> int:
    code = _exit_code(report)
    for problem in report.errors:
        _echo_problem(problem)
    if not quiet:
        for problem in report.warnings:
            _echo_problem(problem)
    if as_json:
        click.echo(json.dumps(_summary(report, code), ensure_ascii=False, indent=2))
        return code
    if verbose:
        for rel in report.written:
            click.echo(f"wrote {rel}")
        for rel in report.removed:
            click.echo(f"removed {rel}")
    if code == EXIT_CONTENT:
        _echo_err(f"feedpub: {len(report.errors)} error(s); nothing was published")
    elif not quiet:
        click.echo(
            f"feedpub: {len(report.written)} feeds written, {len(report.unchanged)} unchanged, "
            f"{len(report.removed)} removed, {report.posts_read} posts read in {report.seconds:.2f}s"
        )
    if code == EXIT_PARTIAL:
        _echo_err(f"feedpub: published without {len(report.posts_skipped)} broken post(s)")
    return code


def _exit_code(report: Report) -> int:
    if report.posts_skipped:
        return EXIT_PARTIAL
    return EXIT_CONTENT if report.errors else EXIT_OK


def _summary(report: Report, code: int) -> dict:
    return {
        "exit_code": code,
        "written": list(report.written), "unchanged": list(report.unchanged),
        "removed": list(report.removed), "posts_read": report.posts_read, "entries": report.entries,
        "posts_skipped": [str(p) for p in report.posts_skipped],
        "skipped_reasons": {str(path): [str(p) for p in report.errors if p.path == path]
                            for path in report.posts_skipped},
        "errors": [str(p) for p in report.errors], "warnings": [str(p) for p in report.warnings],
        "seconds": round(report.seconds, 3),
        "stage_seconds": {k: round(v, 3) for k, v in report.stage_seconds.items()},
    }


def _echo_err(message: str) -> None:
    click.echo(message, err=True)


def _fail(message: str, code: int) -> None:
    _echo_err(f"feedpub: {message}")
    sys.exit(code)


def _internal_error(verbose: bool) -> None:
    if verbose:
        traceback.print_exc()
    error = sys.exc_info()[1]
    _fail(f"internal error: {type(error).__name__}: {error} (run with -v for the traceback)", EXIT_INTERNAL)


def _site_config(path: Path) -> Config:
    """The config, with posts_dir required to exist, as a build requires it."""
    config = load_config(path)
    if not config.posts_dir.is_dir():
        raise ConfigError(config.path, None, f"posts_dir: {config.posts_dir} is not a folder")
    return config


def _report_check(result: CheckResult, as_json: bool, code: int) -> None:
    if as_json:
        click.echo(json.dumps(_check_summary(result, code), ensure_ascii=False, indent=2))
        sys.exit(code)
    # Errors first, then warnings: what must be fixed before what should be.
    for problem in result.errors + result.warnings:
        _echo_problem(problem)
    for note in result.notes:
        _echo_err(f"feedpub: note: {note}")
    counts = (f"{len(result.errors)} error(s), {len(result.warnings)} warning(s) in {result.posts} posts, "
              f"{result.feeds} feeds, {result.published} published feed files")
    if code == EXIT_OK:
        click.echo(f"feedpub: checked: {counts}")
    else:
        _echo_err(f"feedpub: check failed: {counts}")
    sys.exit(code)


def _check_summary(result: CheckResult, code: int) -> dict:
    def entry(problem: Problem) -> dict:
        return {"path": str(problem.path) if problem.path else None, "line": problem.line,
                "message": problem.message, "text": str(problem)}

    return {
        "exit_code": code, "errors": [entry(p) for p in result.errors],
        "warnings": [entry(p) for p in result.warnings], "notes": list(result.notes),
        "posts": result.posts, "feeds": result.feeds, "published_files": result.published,
    }


def _serve_build(config_path: Path, output_dir: Path, now_text: str | None, drafts: bool,
                 changed: list[Path] | None) -> None:
    """One build for `serve`: its problems on stderr, a line on stdout; a failed one leaves the last good feeds."""
    what = "built" if changed is None else f"rebuilt after {_names(changed)} changed"
    try:
        config = _config(config_path, output_dir)  # the folder being served, whatever the config says now
        report = build(config, BuildOptions(now=_now(now_text, config), drafts=drafts))
    except (ConfigError, click.BadParameter, LockTimeout, OutputError) as err:
        _echo_err(str(err))
        _echo_err("feedpub: build failed; still serving the last good feeds")
        return
    except Exception as err:  # noqa: BLE001 - a bug must not take the preview down
        _echo_err(f"feedpub: internal error: {type(err).__name__}: {err}; still serving the last good feeds")
        return
    for problem in report.errors + report.warnings:
        _echo_problem(problem)
    if report.errors and not report.posts_skipped:
        _echo_err(f"feedpub: {what}: {len(report.errors)} error(s); still serving the last good feeds")
        return
    click.echo(f"feedpub: {what}: {len(report.written)} written, {len(report.unchanged)} unchanged, "
               f"{len(report.removed)} removed in {report.seconds:.2f}s")


def _names(paths: list[Path], shown: int = 3) -> str:
    """The changed posts, for a person: an editor's temporary files are left out when there are posts."""
    posts = [path for path in paths if path.name.endswith(POST_SUFFIXES)] or paths
    names = [os.path.relpath(path) if path.is_absolute() else str(path) for path in posts]
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


# --- the terminal: colour and progress, only for a person watching --------------------

def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def _echo_problem(problem: Problem) -> None:
    """`path:line: message` as a compiler prints it; on a terminal the same text, in colour."""
    text = str(problem)
    colour = wants_colour(_stderr_is_terminal(), os.environ)
    if colour:
        text = _coloured(problem, text)
    # color= is explicit: click would keep escapes on a terminal even under NO_COLOR.
    click.echo(text, err=True, color=colour)


def _coloured(problem: Problem, text: str) -> str:
    where = "" if problem.path is None else f"{problem.path}:{problem.line}: " if problem.line else f"{problem.path}: "
    if not text.startswith(where):
        return text
    rest = text[len(where):]
    if problem.severity == "warning" and rest.startswith("warning: "):
        rest = click.style("warning:", fg="yellow", bold=True) + rest[len("warning:"):]
    else:
        rest = click.style(rest, fg="red")
    return click.style(where, bold=True) + rest


class _ProgressBar:
    """Build progress on one stderr line, redrawn in place: (stage, done, total) calls from the build."""

    def __init__(self) -> None:
        self.last_key: tuple[str, int] | None = None
        self.drawn = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        key = (stage, done * 100 // total if total > 0 else 100)
        if key == self.last_key and done != total:
            return  # a thousand posts need not mean a thousand redraws
        self.last_key = key
        width = shutil.get_terminal_size((80, 24)).columns - 1
        line = progress_line(stage, done, total, width)
        click.echo("\r" + pad(line, display_width(self.drawn)), nl=False, err=True)
        self.drawn = line

    def clear(self) -> None:
        """Erase the bar, so the summary and any errors start on a clean line."""
        if self.drawn:
            click.echo("\r" + " " * display_width(self.drawn) + "\r", nl=False, err=True)
            self.drawn = ""


