"""Ctrl-C has an exit code of its own (130), distinct from every result a cron job acts on."""

from __future__ import annotations

import fcntl
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import NOW, post

FEEDPUB = Path(sys.executable).parent / "feedpub"


def test_sigint_while_waiting_for_the_lock_exits_130_and_publishes_nothing(site):
    config = site({"a.md": post("A")})
    out = config.parent / "public"
    out.mkdir()
    with open(out / ".feedpub.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another build holds the folder: this one waits
        build = subprocess.Popen(
            [FEEDPUB, "build", "-c", config, "--now", NOW, "--wait", "30"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(0.8)  # let it import and start waiting
        build.send_signal(signal.SIGINT)
        _, stderr = build.communicate(timeout=20)

    assert build.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "feedpub: interrupted"
    assert "Aborted" not in stderr
    assert sorted(p.name for p in out.iterdir()) == [".feedpub.lock"]
