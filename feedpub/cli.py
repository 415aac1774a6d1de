"""The command line: parses options, calls the library, prints, picks the exit code."""
from __future__ import annotations

import json
import sys
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
from .model import Config, Report
from .output import LockTimeout, OutputError
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
    try:
        config = _config(config_path, output_dir)
        now = _now(now_text, config)
        options = BuildOptions(now=now, drafts=drafts, wait_seconds=wait_seconds, keep_going=keep_going,
                               use_cache=not no_cache, jobs=jobs)
        ping = config.ping if ping is None else ping
        if ping and not config.hubs:
            raise click.BadParameter("--ping: no hubs configured in websub.hubs")
        report = build(config, options)
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
        _echo_err(str(problem))
    if not quiet:
        for problem in report.warnings:
            _echo_err(str(problem))
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
