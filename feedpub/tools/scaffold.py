"""New files for a writer: a post (`feedpub new`) and a whole site (`feedpub init`).

Both create files that must not exist yet, and never overwrite: the check is
the exclusive open itself, so two runs at once cannot both win.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import frontmatter

from feedpub.sources.slugs import slugify

ASSETS = Path(__file__).parents[1] / "assets"
CONFIG_TEMPLATE = ASSETS / "config.yaml"
EXAMPLE_BODY = ASSETS / "example-post.md"
EXAMPLE_POST = "welcome.md"  # a fixed name, so a second init finds it and refuses
DATE_FORMAT = "%Y-%m-%d %H:%M:%S %z"  # 2026-11-24 18:30:00 +0800, as the README writes dates


class ScaffoldError(Exception):
    """A file could not be created; `path` names it."""

    def __init__(self, path: Path | None, message: str, exists: bool = False):
        super().__init__(f"{path}: {message}" if path else message)
        self.path, self.message, self.exists = path, message, exists


def post_file_name(title: str, published: datetime, slug: str | None = None) -> str:
    """`YYYY-MM-DD-<slug>.md`, the slug made from `slug` if given, else from the title."""
    made = slugify(slug if slug else title)
    if not made:
        raise ScaffoldError(None, f'"{slug or title}" has no letter or digit to make a file name from; give --slug')
    return f"{published:%Y-%m-%d}-{made}.md"


def post_text(
    title: str,
    published: datetime,
    tags: Sequence[str],
    categories: Sequence[str],
    draft: bool,
    body: str = "",
    **extra: object,
) -> str:
    """A post file: front matter written by python-frontmatter, then the body."""
    metadata: dict[str, object] = {
        "title": title,
        "date": published.strftime(DATE_FORMAT),
        "tags": list(tags),
        "categories": list(categories),
        **extra,
    }
    if draft:
        metadata["draft"] = True
    # sort_keys=False keeps title and date first, where a writer looks for them.
    post = frontmatter.Post(body.strip("\n"))
    post.metadata.update(metadata)
    text = frontmatter.dumps(post, sort_keys=False, allow_unicode=True)
    # Without a body, a blank line after the front matter is where the writer starts typing.
    return text + ("\n" if body.strip() else "\n\n")


def create_post(
    posts_dir: Path,
    timezone: str,
    now: datetime,
    title: str,
    tags: Sequence[str] = (),
    categories: Sequence[str] = (),
    draft: bool = False,
    slug: str | None = None,
) -> Path:
    """Write a new post dated `now` (shown in the site's timezone) under posts_dir; return its path.

    Raises ScaffoldError when the title is empty, the slug would be, or the file exists.
    """
    title = " ".join(title.split())
    if not title:
        raise ScaffoldError(None, "the title is empty")
    published = now.astimezone(ZoneInfo(timezone)).replace(microsecond=0)
    path = posts_dir / post_file_name(title, published, slug)
    write_new_file(path, post_text(title, published, tags, categories, draft))
    return path


def init_site(folder: Path, now: datetime) -> list[Path]:
    """A commented config.yaml and one example post under folder/posts/; returns both paths.

    Nothing is written when either file exists already.
    """
    config_path, post_path = folder / "config.yaml", folder / "posts" / EXAMPLE_POST
    for path in (config_path, post_path):
        if path.exists() or path.is_symlink():
            raise ScaffoldError(path, "already exists; not overwritten", exists=True)
    write_new_file(config_path, CONFIG_TEMPLATE.read_text("utf-8"))
    # The template's timezone is UTC: the example is dated in it.
    published = now.astimezone(ZoneInfo("UTC")).replace(microsecond=0)
    text = post_text(
        "Welcome to feedpub",
        published,
        ["feedpub"],
        ["notes"],
        False,
        EXAMPLE_BODY.read_text("utf-8"),
        summary="What this site's feeds are made from.",
    )
    write_new_file(post_path, text)
    return [config_path, post_path]


def write_new_file(path: Path, text: str) -> None:
    """Create `path` (and its folders) with `text`; ScaffoldError if it exists already."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "x", encoding="utf-8")
    except FileExistsError:
        raise ScaffoldError(path, "already exists; not overwritten", exists=True) from None
    except OSError as err:
        raise ScaffoldError(path, f"cannot create: {err.strerror or err}") from None
    try:
        with handle:
            handle.write(text)
    except OSError as err:
        path.unlink(missing_ok=True)  # ours, half-written: a truncated post would build wrong
        raise ScaffoldError(path, f"cannot write: {err.strerror or err}") from None
