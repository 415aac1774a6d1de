"""feedpub build and feedpub clean."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import click

from feedpub.build.pipeline import BuildOptions, BuildRefused, build
from feedpub.cli.common import (
    EXIT_CODES_HELP,
    EXIT_CONTENT,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_PARTIAL,
    EXIT_PING,
    EXIT_REFUSED,
    EXIT_USAGE,
    ProgressBar,
    config_option,
    config_with_output,
    drafts_option,
    echo_err,
    echo_problem,
    fail,
    internal_error,
    main,
    now_option,
    parse_now,
    stderr_is_terminal,
)
from feedpub.model import Report
from feedpub.publish.cache import cache_folders, remove_cache_folder
from feedpub.publish.folder import LockTimeout, OutputError
from feedpub.sources.config import ConfigError, load_config


class _Seconds(click.ParamType):
    """A finite, non-negative number of seconds: nan and inf would wait forever or never."""

    name = "seconds"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            seconds = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not math.isfinite(seconds) or seconds < 0:
            self.fail(f"{value!r} is not a finite, non-negative number of seconds", param, ctx)
        return seconds


SECONDS = _Seconds()


# The name is explicit: click before 8.2 would otherwise call it "build-command".
@main.command(name="build", epilog=EXIT_CODES_HELP)
@config_option
@click.option(
    "-o",
    "--output",
    "output_dir",
    type=click.Path(path_type=Path),
    help="Publish here instead of the config's output_dir.",
)
@now_option
@drafts_option
@click.option(
    "--keep-going",
    is_flag=True,
    default=None,
    help=f"Leave broken posts out and publish the rest (exit {EXIT_PARTIAL}).",
)
@click.option(
    "--wait",
    "wait_seconds",
    type=SECONDS,
    default=60,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for another build's lock.",
)
@click.option(
    "--ping/--no-ping",
    default=None,
    help=f"Notify the WebSub hubs of changed feeds (default: websub.ping); exit {EXIT_PING} if one fails.",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the build cache.")
@click.option(
    "--allow-shrink",
    is_flag=True,
    help=f"Publish even if no post is left or most published files would go (else exit {EXIT_REFUSED}).",
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: one per core).")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success, only errors.")
@click.option("-v", "--verbose", is_flag=True, help="Print each file written and tracebacks.")
def build_command(
    config_path: Path,
    output_dir: Path | None,
    now_text: str | None,
    drafts: bool,
    keep_going: bool | None,
    wait_seconds: float,
    ping: bool | None,
    no_cache: bool,
    allow_shrink: bool,
    jobs: int | None,
    as_json: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Build every feed: the site, each category and each tag."""
    failures: list = []
    progress = ProgressBar() if not quiet and stderr_is_terminal() else None
    try:
        config = config_with_output(config_path, output_dir)
        now = parse_now(now_text, config)
        options = BuildOptions(
            now=now,
            drafts=drafts,
            wait_seconds=wait_seconds,
            keep_going=keep_going,
            use_cache=not no_cache,
            jobs=jobs,
            progress=progress,
            allow_shrink=allow_shrink,
        )
        ping = config.ping if ping is None else ping
        if ping and not config.hubs:
            raise click.BadParameter("--ping: no hubs configured in websub.hubs")
        try:
            report = build(config, options)
        finally:
            if progress:
                progress.clear()
        if ping:
            from feedpub.tools.websub import ping_hubs  # here: most builds ping no hub

            failures = ping_hubs(config.hubs, report.changed_feeds)
    except (ConfigError, click.BadParameter) as err:
        fail(str(err), EXIT_USAGE)
    except BuildRefused as err:
        sys.exit(_refused(err, as_json, quiet))
    except LockTimeout as err:
        fail(str(err), EXIT_LOCKED)
    except OutputError as err:
        fail(str(err), EXIT_OUTPUT)
    except Exception:
        internal_error(verbose)
    code = _report(report, as_json, quiet, verbose)
    for failure in failures:
        echo_err(f"feedpub: {failure}")
    sys.exit(EXIT_PING if failures and code == EXIT_OK else code)


@main.command()
@config_option
def clean(config_path: Path) -> None:
    """Delete the build cache (published feeds are left alone)."""
    try:
        config = load_config(config_path)
    except ConfigError as err:
        fail(str(err), EXIT_USAGE)
    folders = cache_folders(config.cache_dir)
    for folder in folders:
        remove_cache_folder(folder)
    try:
        config.cache_dir.rmdir()
    except OSError:
        pass  # not empty: something else lives there, and it is not ours to delete
    click.echo(f"feedpub: removed {len(folders)} cache(s) from {config.cache_dir}")


def _echo_problems(report: Report, quiet: bool) -> None:
    """Errors always; warnings unless --quiet."""
    for problem in report.errors:
        echo_problem(problem)
    if not quiet:
        for problem in report.warnings:
            echo_problem(problem)


def _report(report: Report, as_json: bool, quiet: bool, verbose: bool) -> int:
    code = _exit_code(report)
    _echo_problems(report, quiet)
    if as_json:
        click.echo(json.dumps(_summary(report, code), ensure_ascii=False, indent=2))
        return code
    if verbose:
        for rel in report.written:
            click.echo(f"wrote {rel}")
        for rel in report.removed:
            click.echo(f"removed {rel}")
    if code == EXIT_CONTENT:
        echo_err(f"feedpub: {len(report.errors)} error(s); nothing was published")
    elif not quiet:
        click.echo(
            f"feedpub: {len(report.written)} feeds written, {len(report.unchanged)} unchanged, "
            f"{len(report.removed)} removed, {report.posts_read} posts read in {report.seconds:.2f}s"
        )
    if code == EXIT_PARTIAL:
        echo_err(f"feedpub: published without {len(report.posts_skipped)} broken post(s)")
    return code


def _refused(refusal: BuildRefused, as_json: bool, quiet: bool) -> int:
    """Say why nothing was published; with --json the summary carries the reason and the files."""
    report = refusal.report
    _echo_problems(report, quiet)
    if as_json:
        summary = _summary(report, EXIT_REFUSED)
        summary["refused"] = refusal.message
        summary["would_remove"] = list(refusal.would_remove)
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        echo_err(f"feedpub: {refusal.message}")
    return EXIT_REFUSED


def _exit_code(report: Report) -> int:
    if report.posts_skipped:
        return EXIT_PARTIAL
    return EXIT_CONTENT if report.errors else EXIT_OK


def _summary(report: Report, code: int) -> dict:
    return {
        "exit_code": code,
        "written": list(report.written),
        "unchanged": list(report.unchanged),
        "removed": list(report.removed),
        "posts_read": report.posts_read,
        "entries": report.entries,
        "posts_skipped": [str(p) for p in report.posts_skipped],
        "skipped_reasons": {
            str(path): [str(p) for p in report.errors if p.path == path] for path in report.posts_skipped
        },
        "errors": [str(p) for p in report.errors],
        "warnings": [str(p) for p in report.warnings],
        "seconds": round(report.seconds, 3),
        "stage_seconds": {k: round(v, 3) for k, v in report.stage_seconds.items()},
    }
