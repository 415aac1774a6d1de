"""feedpub in a crontab: silent when all is well, errors only, machine-readable on request.

README: `-q/--quiet`, `--json`, the one summary line, and the crontab example
`feedpub build --quiet`. Every test runs the installed command, with pipes (no
TTY), as cron does.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import NOW, post, write_site

FEEDPUB = Path(sys.executable).parent / "feedpub"
ERROR_LINE = re.compile(r"^[^:]+:\d+: ")
SUMMARY_LINE = re.compile(r"^feedpub: \d+ feeds written, \d+ unchanged, \d+ removed, \d+ posts read in \d+\.\d\ds$")
# A terminal-loving environment: colours or progress bars would show up here if ever emitted.
ENV = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80"}
for _name in ("NO_COLOR", "CLICOLOR_FORCE", "FORCE_COLOR"):
    ENV.pop(_name, None)


def feedpub(config: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [FEEDPUB, "build", "-c", config, "-o", out, "--now", NOW, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=ENV,
        stdin=subprocess.DEVNULL,
    )


def good_posts() -> dict[str, str]:
    return {
        "2026-01-10-a.md": post("A", "2026-01-10", tags=["x", "y"], categories=["news"]),
        "2026-01-20-b.md": post("B", "2026-01-20", tags=["y"]),
        # A character XML forbids: removed with a warning (which --quiet must not print).
        "2026-01-30-c.md": post("C \x0b with a vertical tab", "2026-01-30", body="Body \x0b here."),
    }


BROKEN = "---\ntitle: Broken\ndate: not a date\ntags: [x]\n---\nBody.\n"


def published(out: Path) -> list[str]:
    return sorted(json.loads((out / ".feedpub-manifest.json").read_text("utf-8"))["files"])


def assert_no_terminal_codes(result: subprocess.CompletedProcess) -> None:
    for stream in (result.stdout, result.stderr):
        assert "\x1b" not in stream, repr(stream)
        assert "\r" not in stream, repr(stream)
    assert "Traceback" not in result.stdout + result.stderr


def test_quiet_prints_nothing_on_success(tmp_path):
    config = write_site(tmp_path / "site", good_posts())
    out = tmp_path / "out"

    first = feedpub(config, out, "--quiet")
    again = feedpub(config, out, "--quiet")

    for result in (first, again):
        assert result.returncode == 0, result.stderr
        assert (result.stdout, result.stderr) == ("", "")
    assert (out / "atom.xml").is_file()


def test_quiet_prints_only_the_errors_on_failure(tmp_path):
    config = write_site(tmp_path / "site", {**good_posts(), "2026-01-25-broken.md": BROKEN})

    result = feedpub(config, tmp_path / "out", "--quiet")

    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    broken = config.parent / "posts" / "2026-01-25-broken.md"
    assert f"{broken}:3: " in result.stderr
    for line in lines:
        assert "warning" not in line, line
        assert ERROR_LINE.match(line) or line.startswith("feedpub: "), line
    assert_no_terminal_codes(result)


def test_without_quiet_a_build_prints_one_summary_line(tmp_path):
    config = write_site(tmp_path / "site", good_posts())

    result = feedpub(config, tmp_path / "out")

    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1
    assert SUMMARY_LINE.match(result.stdout.strip()), result.stdout
    assert_no_terminal_codes(result)


def test_json_prints_a_machine_readable_summary(tmp_path):
    root, out = tmp_path / "site", tmp_path / "out"
    config = write_site(root, good_posts())

    first = feedpub(config, out, "--json")
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    for key in ("written", "unchanged", "removed", "posts_skipped", "seconds"):
        assert key in summary, key
    assert sorted(summary["written"]) == published(out)
    assert (summary["unchanged"], summary["removed"], summary["posts_skipped"]) == ([], [], [])
    assert isinstance(summary["seconds"], (int, float)) and summary["seconds"] >= 0

    again = json.loads(feedpub(config, out, "--json").stdout)
    assert again["written"] == []
    assert sorted(again["unchanged"]) == published(out)

    (root / "posts" / "2026-01-10-a.md").write_text(post("A", "2026-01-10", tags=["y"], categories=["news"]))
    removed = feedpub(config, out, "--json")
    assert removed.returncode == 0, removed.stderr
    assert sorted(json.loads(removed.stdout)["removed"]) == ["tags/x/atom.xml", "tags/x/rss.xml"]
    assert_no_terminal_codes(removed)


def test_json_lists_the_skipped_posts_with_keep_going(tmp_path):
    config = write_site(tmp_path / "site", {**good_posts(), "2026-01-25-broken.md": BROKEN})

    result = feedpub(config, tmp_path / "out", "--json", "--keep-going")

    assert result.returncode == 5, result.stderr
    summary = json.loads(result.stdout)  # stdout holds the JSON and nothing else
    assert summary["posts_skipped"] == [str(config.parent / "posts" / "2026-01-25-broken.md")]
    assert summary["written"]
    assert_no_terminal_codes(result)


def test_nothing_looks_like_a_terminal_ui_without_a_tty(tmp_path):
    root, out = tmp_path / "site", tmp_path / "out"
    config = write_site(root, good_posts())
    results = [feedpub(config, out), feedpub(config, out, "-v")]
    (root / "posts" / "2026-01-25-broken.md").write_text(BROKEN)
    results += [feedpub(config, out), feedpub(config, out, "-v")]

    assert [r.returncode for r in results] == [0, 0, 1, 1]
    for result in results:
        assert_no_terminal_codes(result)
