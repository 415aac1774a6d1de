"""Which build cache a build uses: the persistent one, else one in a temporary folder, else one in memory.

A cache is never worth failing a build for; what went wrong is said once, as a warning.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from feedpub import __version__
from feedpub.model import Config, Problem
from feedpub.publish.cache import Cache, CacheError, cache_folders, remove_cache_folder


@contextmanager
def open_cache(config: Config, drafts: bool, places: list[str], notices: list[Problem]) -> Iterator[Cache]:
    """The first cache of `places` that opens: persistent, in a temporary folder (--no-cache), in memory.

    Kept only when the build ends normally: an interrupted build leaves the
    cache as the last good build left it, but for the posts and entries it
    committed for its workers to read (Cache.commit), each true of the bytes
    it was made from. One that failed mid-build is removed, so the next build
    starts afresh; its warnings go to `notices` only when it served the build.
    """
    with ExitStack() as stack:
        cache = _open_first(config, drafts, places, stack)
        try:
            yield cache
        except CacheError:
            cache.close(keep=False)
            cache.discard()
            raise
        except BaseException:
            cache.close(keep=False)
            notices.extend(cache.notices)
            raise
        cache.close(keep=True)
        notices.extend(cache.notices)


def _open_first(config: Config, drafts: bool, places: list[str], stack: ExitStack) -> Cache:
    """Open the first of `places` that works, dropping from its front those that do not."""
    key = settings_key(config, drafts)
    unusable: Problem | None = None
    while True:
        place = places[0]
        try:
            if place == "memory":
                cache = Cache.in_memory(key)
            elif place == "persistent":
                cache = Cache.open(cache_folder(config), key)
            else:
                cache = Cache.open(Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="feedpub-"))), key)
        except (CacheError, OSError) as err:
            if len(places) == 1:
                raise
            failure = err if isinstance(err, CacheError) else CacheError(None, err.strerror or str(err))
            if places.pop(0) == "persistent":
                unusable = unusable_warning(failure)
            continue
        if unusable is not None:
            cache.notices.insert(0, unusable)
        return cache


def unusable_warning(err: CacheError) -> Problem:
    return Problem(err.path, None, f"the build cache could not be used ({err.reason}); building without it", "warning")


CACHES_KEPT = 8


def cache_folder(config: Config) -> Path:
    """One cache per output folder, beside (never inside) what the web server publishes.

    Builds into many throw-away folders (-o) would pile up caches, so only the
    CACHES_KEPT most recently used are kept.
    """
    output_key = hashlib.sha256(str(config.output_dir.resolve()).encode()).hexdigest()[:16]
    folder = config.cache_dir / output_key
    others = sorted((p for p in cache_folders(config.cache_dir) if p != folder), key=_last_used, reverse=True)
    for old in others[CACHES_KEPT - 1 :]:
        remove_cache_folder(old)
    return folder


def _last_used(folder: Path) -> float:
    try:
        return folder.stat().st_mtime
    except OSError:
        return 0.0  # removed meanwhile (feedpub clean): first to go


def settings_key(config: Config, drafts: bool) -> str:
    """Everything besides the posts that decides the output: a cache made under others is void."""
    return hashlib.sha256(f"{__version__}\n{config!r}\n{drafts}".encode()).hexdigest()
