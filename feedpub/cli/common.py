"""What every command shares: exit codes, the group, common options, messages, progress."""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import traceback
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn
from zoneinfo import ZoneInfo

import click

from feedpub import __version__
from feedpub.model import Config, Problem
from feedpub.sources.config import ConfigError, check_folders, load_config
from feedpub.sources.dates import DateError, parse_date
from feedpub.tools.terminal import display_width, pad, progress_line, wants_colour

EXIT_OK = 0
EXIT_CONTENT = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3
EXIT_OUTPUT = 4
EXIT_PARTIAL = 5
EXIT_PING = 6
EXIT_REFUSED = 7
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
  {EXIT_REFUSED}   refused: the build would remove most of the published feeds; pass --allow-shrink if meant
  {EXIT_INTERNAL}  internal error (a bug; -v shows the traceback)
  130 interrupted (Ctrl-C, SIGINT)
"""


EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


# The module that defines each command, imported when the command is run: a cron build that finds
# nothing changed is mostly start-up, and needs none of the other commands' imports.
COMMAND_MODULES = {
    "build": "building",
    "clean": "building",
    "check": "inspecting",
    "links": "inspecting",
    "list": "inspecting",
    "new": "authoring",
    "init": "authoring",
    "serve": "serving",
}


class _Commands(click.Group):
    """The command group; Ctrl-C exits 130, never click's "Aborted!" with 1, the content-error code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMAND_MODULES and cmd_name not in self.commands:
            importlib.import_module(f"feedpub.cli.{COMMAND_MODULES[cmd_name]}")  # registers it on `main`
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            echo_err("feedpub: interrupted")
            ctx.exit(EXIT_INTERRUPTED)


@click.group(cls=_Commands, epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="feedpub")
def main() -> None:
    """feedpub publishes Atom, RSS and JSON feeds from a folder of Markdown posts."""


config_option = click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default="config.yaml",
    show_default=True,
    help="The site's config file; posts_dir and output_dir are relative to its folder.",
)
now_option = click.option(
    "--now",
    "now_text",
    metavar="ISO-8601",
    help="Pin the clock: posts dated later are left out (default: the real time).",
)
drafts_option = click.option("--drafts", is_flag=True, help="Include drafts (draft: true / published: false).")


def config_with_output(path: Path, output_dir: Path | None) -> Config:
    """The config, with -o (when given) in place of output_dir, held to the same folder rules."""
    config = load_config(path)
    if output_dir is None:
        return config
    config = replace(config, output_dir=output_dir)
    check_folders(config, output_from_cli=True)
    return config


def parse_now(text: str | None, config: Config) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        return parse_date(text, ZoneInfo(config.site.timezone))
    except DateError as err:
        raise click.BadParameter(f"--now: {err}") from None


def echo_err(message: str) -> None:
    click.echo(message, err=True)


def fail(message: str, code: int) -> NoReturn:
    echo_err(f"feedpub: {message}")
    sys.exit(code)


def internal_error(verbose: bool) -> None:
    if verbose:
        traceback.print_exc()
    error = sys.exc_info()[1]
    fail(f"internal error: {type(error).__name__}: {error} (run with -v for the traceback)", EXIT_INTERNAL)


def site_config(path: Path) -> Config:
    """The config, with posts_dir required to exist, as a build requires it."""
    config = load_config(path)
    if not config.posts_dir.is_dir():
        raise ConfigError(config.path, None, f"posts_dir: {config.posts_dir} is not a folder")
    return config


# --- the terminal: colour and progress, only for a person watching --------------------


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def echo_problem(problem: Problem) -> None:
    """`path:line: message` as a compiler prints it; on a terminal the same text, in colour."""
    text = str(problem)
    colour = wants_colour(stderr_is_terminal(), os.environ)
    if colour:
        text = _coloured(problem, text)
    # color= is explicit: click would keep escapes on a terminal even under NO_COLOR.
    click.echo(text, err=True, color=colour)


def _coloured(problem: Problem, text: str) -> str:
    where = "" if problem.path is None else f"{problem.path}:{problem.line}: " if problem.line else f"{problem.path}: "
    if not text.startswith(where):
        return text
    rest = text[len(where) :]
    if problem.severity == "warning" and rest.startswith("warning: "):
        rest = click.style("warning:", fg="yellow", bold=True) + rest[len("warning:") :]
    else:
        rest = click.style(rest, fg="red")
    return click.style(where, bold=True) + rest


class ProgressBar:
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
