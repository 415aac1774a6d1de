"""A process pool for per-post work, started only when there is enough of it.

Rendering Markdown is the one cost that grows with the site, so a cold build
of a large site spreads it over a process pool. Small jobs stay in-process:
starting workers costs more than a few dozen posts. This module imports
nothing of feedpub's own, so that a build that finds nothing to do loads no
Markdown, Liquid or feed code.
"""

from __future__ import annotations

import gc
import os
import signal
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

Item = TypeVar("Item")
Result = TypeVar("Result")

PARALLEL_THRESHOLD = 200
CHUNK_ITEMS = 100  # posts per task: small enough to bound memory, large enough to amortise IPC


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _start_worker(inherited_fds: tuple[int, ...]) -> None:
    """Make a worker die with its build, and let go of what it inherited but must not hold.

    A worker that kept the build lock's fd would keep the lock after a killed
    build, and block every later build.
    """
    for fd in inherited_fds:
        try:
            os.close(fd)
        except OSError:
            pass
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass
    if os.getppid() == 1:  # the build died before we could ask to die with it
        os._exit(1)


_PR_SET_PDEATHSIG = 1


class Workers:
    """A lazily started process pool; `map` runs small batches in-process."""

    def __init__(self, jobs: int | None = None, close_fds: tuple[int, ...] = ()):
        self.jobs = jobs or cpu_count()
        self.close_fds = close_fds
        self._pool: ProcessPoolExecutor | None = None

    def map(self, func: Callable[[Item], Result], items: Sequence[Item]) -> Iterator[Result]:
        """Results in the order of `items`, yielded as they come so they need not all be held."""
        return self.map_batches(partial(_each, func), items)

    def map_batches(self, func: Callable[[Sequence[Item]], list[Result]], items: Sequence[Item]) -> Iterator[Result]:
        """As map, with `func` given up to CHUNK_ITEMS items at a time and giving their results in order.

        For work done in stages: one stage over a batch of posts before the
        next runs faster than every stage for one post before the next post.
        """
        if self.in_process(len(items)):
            return (result for chunk in _chunks(items, CHUNK_ITEMS) for result in func(chunk))
        if self._pool is None:
            # Imported here: a build with nothing to do starts no pool (8 ms of imports).
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # fork: the children inherit imported modules instead of re-importing them.
            self._pool = ProcessPoolExecutor(
                self.jobs,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_start_worker,
                initargs=(self.close_fds,),
            )
        return self._bounded(func, items)

    def in_process(self, count: int) -> bool:
        """Whether a map of `count` items runs in this process (too few for a pool to pay)."""
        return self.jobs <= 1 or count < PARALLEL_THRESHOLD

    def _bounded(self, func: Callable[[Sequence[Item]], list[Result]], items: Sequence[Item]) -> Iterator[Result]:
        """Keep only a few chunks in flight: when workers outpace this process, their
        results would otherwise pile up in memory (all of a large site's entries)."""
        size = max(1, min(CHUNK_ITEMS, len(items) // (self.jobs * 4)))
        in_flight: deque = deque()
        assert self._pool is not None, "_bounded runs only with a process pool"
        for chunk in _chunks(items, size):
            in_flight.append(self._pool.submit(_run_chunk, func, chunk))
            if len(in_flight) > self.jobs * 2:
                yield from in_flight.popleft().result()
        while in_flight:
            yield from in_flight.popleft().result()

    def close(self) -> None:
        """Stop the workers, waiting for the batches they run; a later map forks new ones."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def _chunks(items: Sequence[Item], size: int) -> Iterator[Sequence[Item]]:
    return (items[start : start + size] for start in range(0, len(items), size))


def _each(func: Callable[[Item], Result], chunk: Sequence[Item]) -> list[Result]:
    return [func(item) for item in chunk]


def _run_chunk(func: Callable[[Sequence[Item]], list[Result]], chunk: Sequence[Item]) -> list[Result]:
    # Parsing and rendering a post make no reference cycles, yet Python's collector kept walking the objects
    # a rendering held at the time (markdown-it-py's tokens above all): a cold 10,000-post build's `render`
    # took 9.9 s with kramdown, 9.2-9.4 s without it. It runs again once the chunk is done.
    gc.disable()
    try:
        return func(chunk)
    finally:
        gc.enable()
