"""Commands that write a writer's files: new and init."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from feedpub.cli.common import (
    EXIT_CONTENT,
    EXIT_OUTPUT,
    EXIT_USAGE,
    config_option,
    fail,
    internal_error,
    main,
    now_option,
    parse_now,
)
from feedpub.sources.config import ConfigError, load_config
from feedpub.tools.scaffold import ScaffoldError, create_post, init_site


@main.command()
@click.argument("title")
@click.option("--tags", metavar="A,B", default="", help="Comma-separated tags.")
@click.option("--category", "categories", metavar="NAME", multiple=True, help="A category (repeat for more).")
@click.option("--draft", is_flag=True, help="Write draft: true (left out of feeds until you remove it).")
@config_option
@click.option("--slug", help="The slug for the file name, instead of one made from the title.")
@now_option
@click.option("-v", "--verbose", is_flag=True, help="Show the traceback of an internal error.")
def new(
    title: str,
    tags: str,
    categories: tuple[str, ...],
    draft: bool,
    config_path: Path,
    slug: str | None,
    now_text: str | None,
    verbose: bool,
) -> None:
    """Write a new post dated now; print its path.

    The file is posts_dir/YYYY-MM-DD-<slug>.md (a Jekyll site: _posts/YYYY-MM-DD-<slug>.md); an existing
    file is never overwritten.
    """
    # As in build: a bug is one line and exit 70, not a traceback a writer must read past.
    try:
        path = _new_post(title, tags, categories, draft, config_path, slug, now_text)
    except Exception:
        internal_error(verbose)
    click.echo(str(path))


def _new_post(
    title: str,
    tags: str,
    categories: tuple[str, ...],
    draft: bool,
    config_path: Path,
    slug: str | None,
    now_text: str | None,
) -> Path:
    """The post `new` writes; exits with the command's code for each expected failure."""
    try:
        config = load_config(config_path)
        now = parse_now(now_text, config)
    except (ConfigError, click.BadParameter) as err:
        fail(str(err), EXIT_USAGE)
    names = [name.strip() for name in tags.split(",") if name.strip()]
    try:
        path = create_post(
            config.posts_dir / "_posts" if config.jekyll is not None else config.posts_dir,
            config.site.timezone,
            now,
            title,
            names,
            [c.strip() for c in categories if c.strip()],
            draft,
            slug,
        )
    except ScaffoldError as err:
        fail(str(err), EXIT_CONTENT if err.exists else EXIT_USAGE if err.path is None else EXIT_OUTPUT)
    return path


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=".")
def init(folder: Path) -> None:
    """Start a site: config.yaml and an example post.

    Both go into FOLDER (default: here); existing files are never overwritten.
    """
    try:
        created = init_site(folder, datetime.now(UTC))
    except ScaffoldError as err:
        fail(str(err), EXIT_CONTENT if err.exists else EXIT_OUTPUT)
    for path in created:
        click.echo(f"created {path}")
    click.echo("feedpub: next, set site.title and site.url in config.yaml, then run `feedpub build` or `feedpub serve`")
