"""`feedpub serve --watch`: posts and the config watched for changes, in batches of one save each.

What a rebuild does is the caller's; this only says which paths changed.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path


def watch_sources(
    posts_dir: Path,
    config_path: Path,
    stop: threading.Event,
    debounce_ms: int = 300,
    ready_timeout: float = 10.0,
    ignored: tuple[Path, ...] = (),
) -> Iterator[list[Path]]:
    """Start watching posts and the config; the returned iterator yields the changed paths of each change.

    Returns once the watches are in place, so a change made after it is never
    missed. Ends when `stop` is set. The config is watched through its folder,
    not as a file: editors save by renaming a new file over the old one, and a
    watch on the old file would go deaf after the first save.
    """
    import watchfiles

    config_file = config_path.resolve()
    changes: queue.Queue = queue.Queue()

    def is_config(_change: object, path: str) -> bool:
        return Path(path).resolve() == config_file

    def run(folder: Path, recursive: bool, keep: Callable, ready: threading.Event) -> None:
        try:
            # yield_on_timeout: the first (empty) yield says the watch is in place.
            for batch in watchfiles.watch(
                folder,
                watch_filter=keep,
                recursive=recursive,
                stop_event=stop,
                debounce=debounce_ms,
                step=50,
                rust_timeout=200,
                yield_on_timeout=True,
                raise_interrupt=False,
            ):
                ready.set()
                if batch:
                    changes.put(sorted(Path(path) for _, path in batch))
        except Exception as err:
            changes.put(err)
            ready.set()

    # A Jekyll site's folder holds the output (_site) and the cache: a rebuild must not trigger the next.
    sources = watchfiles.DefaultFilter(ignore_paths=[str(folder.resolve()) for folder in ignored])
    # Resolved: watchfiles reports paths under the folder as given, and ignore_paths are absolute.
    watches = ((posts_dir.resolve(), True, sources), (config_file.parent, False, is_config))
    readiness = [threading.Event() for _ in watches]
    for (folder, recursive, keep), ready in zip(watches, readiness, strict=True):
        thread = threading.Thread(target=run, args=(folder, recursive, keep, ready), name="feedpub-watch", daemon=True)
        thread.start()
        _watchers.append(thread)
    for ready in readiness:
        ready.wait(ready_timeout)
    return _batches(changes, stop)


# Watcher threads run native code: the process must not exit while they are inside it.
_watchers: list[threading.Thread] = []


def stop_watching(stop: threading.Event, timeout: float = 2.0) -> None:
    """End every watch started with `stop`, and wait for its thread, so the process exits cleanly.

    A watcher thread still inside watchfiles' native code when the interpreter
    shuts down can abort the process (SIGABRT) instead of exiting with 0.
    """
    stop.set()
    while _watchers:
        _watchers.pop().join(timeout)


def _batches(changes: queue.Queue, stop: threading.Event) -> Iterator[list[Path]]:
    """Everything that arrived together, as one batch: one rebuild for one save."""
    while not stop.is_set():
        try:
            first = changes.get(timeout=0.2)
        except queue.Empty:
            continue
        batch = [first]
        while not changes.empty():
            batch.append(changes.get_nowait())
        for item in batch:
            if isinstance(item, Exception):
                raise item
        yield sorted({path for paths in batch for path in paths})
