"""`feedpub serve` run as its user runs it: the installed command in a subprocess, read line by line."""

from __future__ import annotations

import http.client
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

INSTALLED = Path(sys.executable).parent / "feedpub"


class Served:
    """`feedpub serve` in a subprocess, its output lines collected as they come."""

    def __init__(self, *args: str, cwd: Path):
        self.process = subprocess.Popen(
            [str(INSTALLED), "serve", "--port", "0", *map(str, args)],
            cwd=cwd,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            # A test runner started in the background ignores SIGINT, and children would inherit that.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        self.lines: dict[str, list[str]] = {"stdout": [], "stderr": []}
        self.arrived: queue.Queue = queue.Queue()
        for name in self.lines:
            threading.Thread(target=self._read, args=(name,), daemon=True).start()

    def _read(self, name: str) -> None:
        for line in getattr(self.process, name):
            self.lines[name].append(line.rstrip("\n"))
            self.arrived.put(name)

    def wait_for(self, pattern: str, stream: str = "stdout", timeout: float = 15) -> re.Match:
        deadline = time.monotonic() + timeout
        while True:
            for line in self.lines[stream]:
                if match := re.search(pattern, line):
                    return match
            left = deadline - time.monotonic()
            if left <= 0 or (self.process.poll() is not None and self.arrived.empty()):
                raise AssertionError(f"no {pattern!r} in {stream}: {self.lines}")
            try:
                self.arrived.get(timeout=min(left, 0.5))
            except queue.Empty:
                pass

    def stop(self, sig: int = signal.SIGINT) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


def fetch(url: str) -> bytes:
    host, _, rest = url.removeprefix("http://").partition("/")
    connection = http.client.HTTPConnection(host, timeout=10)
    try:
        connection.request("GET", "/" + rest)
        return connection.getresponse().read()
    finally:
        connection.close()
