"""feedpub serve: the output folder over HTTP, rebuilt on changes.

A preview (--drafts, or --now) builds into a temporary folder of its own and
serves that: what it shows must never reach the output folder a web server
publishes, where a draft would stay live until the next real build.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import threading
from dataclasses import replace
from pathlib import Path

import click

from feedpub.build.caching import cache_folder
from feedpub.build.pipeline import BuildOptions, build
from feedpub.cli.common import (
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    config_option,
    config_with_output,
    drafts_option,
    echo_err,
    echo_problem,
    fail,
    main,
    now_option,
    parse_now,
    site_config,
)
from feedpub.model import Config
from feedpub.publish.cache import remove_cache_folder
from feedpub.publish.folder import LockTimeout, OutputError
from feedpub.sources.config import ConfigError
from feedpub.sources.files import POST_SUFFIXES
from feedpub.tools.serve import start_server
from feedpub.tools.watch import stop_watching, watch_sources


@main.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="The port to listen on; 0 picks a free one.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--build/--no-build", "build_first", default=True, show_default=True, help="Build before serving.")
@click.option("--watch", is_flag=True, help="Rebuild whenever a post or the config changes.")
@config_option
@now_option
@drafts_option
def serve(
    port: int, host: str, build_first: bool, watch: bool, config_path: Path, now_text: str | None, drafts: bool
) -> None:
    """Serve the feeds over HTTP (Ctrl-C stops).

    Serves the output folder as a careful static host would: feed media types,
    ETag and Last-Modified with 304s, gzip, and nothing outside the folder.
    With --drafts or --now it builds a preview into a temporary folder instead,
    removed on exit, and leaves the output folder as it is.
    """
    try:
        config = site_config(config_path)
        parse_now(now_text, config)
    except (ConfigError, click.BadParameter) as err:
        fail(str(err), EXIT_USAGE)
    if _is_preview(now_text, drafts) and not build_first:
        fail("--drafts and --now preview a build of their own: they cannot be used with --no-build", EXIT_USAGE)
    # A service manager stops with SIGTERM: the same clean stop as Ctrl-C.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        # config.path: the file actually read (a Jekyll site's _config.yml when config.yaml is missing).
        _serve(config, config.path, host, port, build_first, watch, now_text, drafts)
    except KeyboardInterrupt:
        click.echo("feedpub: stopped")
    finally:
        signal.signal(signal.SIGTERM, previous)
    sys.exit(EXIT_OK)


def _is_preview(now_text: str | None, drafts: bool) -> bool:
    """Whether these options change what is published, so that the build must not go to output_dir."""
    return drafts or now_text is not None


def _serve(
    config: Config,
    config_path: Path,
    host: str,
    port: int,
    build_first: bool,
    watch: bool,
    now_text: str | None,
    drafts: bool,
) -> None:
    """Serve output_dir, or for a preview a temporary folder of its own, removed on return."""
    if not _is_preview(now_text, drafts):
        return _serve_folder(config, config_path, config.output_dir, host, port, build_first, watch, now_text, drafts)
    preview = Path(tempfile.mkdtemp(prefix="feedpub-preview-"))
    try:
        _serve_folder(config, config_path, preview, host, port, build_first, watch, now_text, drafts)
    finally:
        # The preview's build cache holds the drafts too: it goes with the folder.
        preview_cache = cache_folder(replace(config, output_dir=preview))
        shutil.rmtree(preview, ignore_errors=True)
        remove_cache_folder(preview_cache)


def _serve_folder(
    config: Config,
    config_path: Path,
    folder: Path,
    host: str,
    port: int,
    build_first: bool,
    watch: bool,
    now_text: str | None,
    drafts: bool,
) -> None:
    """Build into `folder` (when asked), serve it, and rebuild into it on changes until stopped."""
    if build_first:
        _serve_build(config_path, folder, now_text, drafts, changed=None)
    if not folder.is_dir():
        fail(f"{folder}: no such folder, nothing to serve (run `feedpub build`)", EXIT_USAGE)
    try:
        server = start_server(folder, host, port, log=echo_err)
    except OSError as err:
        fail(f"cannot listen on {host}:{port}: {err.strerror or err} (choose another --port)", EXIT_USAGE)
    click.echo(f"feedpub: serving {folder} at {server.url} (Ctrl-C to stop)")
    if folder != config.output_dir:
        click.echo(f"feedpub: a preview: {folder} is removed on exit, {config.output_dir} is left as it is")
    stop = threading.Event()
    try:
        if watch:
            changes = watch_sources(
                config.posts_dir, config_path, stop, ignored=(folder, config.output_dir, config.cache_dir)
            )
            click.echo(f"feedpub: watching {config.posts_dir} and {config_path} for changes")
            for changed in changes:
                _serve_build(config_path, folder, now_text, drafts, changed)
        while not stop.wait(3600):
            pass
    except Exception as err:
        fail(f"cannot watch for changes: {type(err).__name__}: {err}", EXIT_INTERNAL)
    finally:
        stop_watching(stop)
        server.stop()


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _serve_build(
    config_path: Path, output_dir: Path, now_text: str | None, drafts: bool, changed: list[Path] | None
) -> None:
    """One build for `serve`: its problems on stderr, a line on stdout; a failed one leaves the last good feeds."""
    what = "built" if changed is None else f"rebuilt after {_names(changed)} changed"
    try:
        config = config_with_output(config_path, output_dir)  # the folder being served, whatever the config says now
        report = build(config, BuildOptions(now=parse_now(now_text, config), drafts=drafts))
    except (ConfigError, click.BadParameter, LockTimeout, OutputError) as err:
        echo_err(str(err))
        echo_err("feedpub: build failed; still serving the last good feeds")
        return
    except Exception as err:
        echo_err(f"feedpub: internal error: {type(err).__name__}: {err}; still serving the last good feeds")
        return
    for problem in report.errors + report.warnings:
        echo_problem(problem)
    if report.errors and not report.posts_skipped:
        echo_err(f"feedpub: {what}: {len(report.errors)} error(s); still serving the last good feeds")
        return
    click.echo(
        f"feedpub: {what}: {len(report.written)} written, {len(report.unchanged)} unchanged, "
        f"{len(report.removed)} removed in {report.seconds:.2f}s"
    )


def _names(paths: list[Path], shown: int = 3) -> str:
    """The changed posts, for a person: an editor's temporary files are left out when there are posts."""
    posts = [path for path in paths if path.name.endswith(POST_SUFFIXES)] or paths
    names = [os.path.relpath(path) if path.is_absolute() else str(path) for path in posts]
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more
