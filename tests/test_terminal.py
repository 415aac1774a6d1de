"""What a person at a terminal sees: aligned columns, colour only for them, a progress bar on long builds."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from conftest import NOW, post, run_cli

import feedpub.cli as cli
from feedpub.model import Report
from feedpub.tools.terminal import display_width, pad, progress_line, table, wants_colour

INSTALLED = Path(sys.executable).parent / "feedpub"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class FakeTTY(io.TextIOWrapper):
    """A stderr that says it is a terminal, and keeps what was written to it."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8")

    def isatty(self) -> bool:
        return True

    def text(self) -> str:
        self.flush()
        return self.buffer.getvalue().decode("utf-8")


def run_on_terminal(monkeypatch, *args: str) -> tuple[int, str]:
    """Call the CLI in-process with stderr on a fake terminal; (exit code, what stderr got)."""
    terminal = FakeTTY()
    monkeypatch.setattr(sys, "stderr", terminal)
    try:
        cli.main.main([str(a) for a in args], prog_name="feedpub", standalone_mode=False)
        code = 0
    except SystemExit as stop:
        code = stop.code or 0
    return code, terminal.text()


def screen_columns(text: str) -> int:
    """An independent count of terminal columns: wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


@pytest.fixture
def broken(site) -> Path:
    """A site with one error and one warning."""
    return site(
        {
            "bad.md": "---\ntitle: Bad\ndate: someday\n---\nBody.\n",
            "warn.md": post("Warn", body="Body with a vertical tab\x0b here."),
        }
    )


@pytest.fixture
def terminal_env(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


# --- widths and tables ---------------------------------------------------------------


def test_chinese_characters_take_two_columns_and_combining_marks_none():
    assert display_width("feed") == 4
    assert display_width("区块链") == 6
    assert display_width("e\u0301") == 1
    assert pad("区块", 6) == "区块  "


def test_table_columns_line_up_on_screen_with_chinese_cells():
    lines = table(
        ("PATH", "N", "TITLE"), [("tags/区块链/atom.xml", "3", "链"), ("tags/ai/atom.xml", "12", "AI")], right=(1,)
    )

    starts = {
        screen_columns(line[: line.rindex(cell)]) for line, cell in zip(lines, ("TITLE", "链", "AI"), strict=True)
    }
    assert len(starts) == 1
    assert not any(line.endswith(" ") for line in lines)


def test_progress_line_fits_its_width_and_counts():
    line = progress_line("reading posts", 50, 200, width=60)

    assert display_width(line) <= 60
    assert line.startswith("reading posts [") and line.endswith("] 50/200")
    assert line.count("#") * 4 == line.count("#") + line.count(".")  # a quarter done


def test_progress_line_survives_a_tiny_terminal_and_a_zero_total():
    assert display_width(progress_line("writing feeds", 1, 3, width=10)) <= 10
    assert progress_line("writing feeds", 0, 0, width=60).endswith("0/0")


# --- colour --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "is_terminal, environ, expected",
    [
        (True, {"TERM": "xterm"}, True),
        (False, {"TERM": "xterm"}, False),
        (True, {"TERM": "xterm", "NO_COLOR": "1"}, False),
        (True, {"TERM": "xterm", "NO_COLOR": ""}, False),
        (True, {"TERM": "dumb"}, False),
    ],
)
def test_colour_only_on_a_terminal_without_no_color(is_terminal, environ, expected):
    assert wants_colour(is_terminal, environ) is expected


def test_errors_on_a_terminal_are_coloured_but_read_the_same(monkeypatch, broken, terminal_env, tmp_path):
    code, shown = run_on_terminal(monkeypatch, "build", "-c", broken, "-o", tmp_path / "out", "--now", NOW)

    assert code == 1
    assert ANSI.search(shown)
    # What the terminal shows: the progress line is erased (\r) before the messages.
    plain = ANSI.sub("", shown).split("\r")[-1]
    assert re.search(r"^\S*bad\.md:3: date: ", plain, re.MULTILINE)
    assert re.search(r"^\S*warn\.md:\d+: warning: removed control characters", plain, re.MULTILINE)


def test_no_color_turns_colour_off_even_on_a_terminal(monkeypatch, broken, terminal_env, tmp_path):
    monkeypatch.setenv("NO_COLOR", "1")

    code, shown = run_on_terminal(monkeypatch, "check", "-c", broken, "--now", NOW)

    assert code == 1
    assert "bad.md:3: date: " in shown
    assert not ANSI.search(shown) and "\x1b" not in shown


def test_without_a_terminal_nothing_is_coloured(broken, tmp_path, terminal_env):
    result = run_cli("build", "-c", broken, "-o", tmp_path / "out", "--now", NOW)

    assert result.exit_code == 1
    assert "bad.md:3: date: " in result.stderr
    assert "\x1b" not in result.stderr + result.stdout


def test_the_installed_command_prints_no_escapes_into_a_pipe(broken, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "TERM": "xterm-256color"}

    done = subprocess.run(
        [INSTALLED, "check", "-c", broken, "--now", NOW], capture_output=True, text=True, env=env, timeout=60
    )

    assert done.returncode == 1
    assert re.search(r"bad\.md:3: date: ", done.stderr)
    assert "\x1b" not in done.stderr + done.stdout


# --- progress ------------------------------------------------------------------------


def fake_build(calls: list):
    """A build that reports progress the way the real one does: (stage, done, total)."""

    def run(config, options):
        progress = getattr(options, "progress", None)
        calls.append(progress)
        if progress is not None:
            for done in range(0, 201, 1):
                progress("reading posts", done, 200)
            for done in range(0, 31):
                progress("writing feeds", done, 30)
        return Report(written=("atom.xml",), posts_read=200)

    return run


@pytest.fixture
def fake_builder(monkeypatch):
    calls: list = []
    monkeypatch.setattr(cli.building, "build", fake_build(calls))
    return calls


def test_a_build_on_a_terminal_shows_progress_then_erases_it(monkeypatch, site, fake_builder, terminal_env):
    config = site({"a.md": post()})

    code, shown = run_on_terminal(monkeypatch, "build", "-c", config, "--now", NOW)

    assert code == 0 and callable(fake_builder[0])
    assert "\rreading posts [" in shown and "] 200/200" in shown
    assert "\rwriting feeds [" in shown and "] 30/30" in shown
    # Redrawn per percent, not per post; then wiped so the summary starts clean.
    assert shown.count("\rreading posts") <= 101
    bar, _, rest = shown.rpartition("\r")
    assert rest == "" and bar.endswith(" ")
    assert "\x1b" not in shown  # no escapes: a progress bar is not colour, and NO_COLOR terminals get it too


def test_quiet_builds_and_builds_without_a_terminal_show_no_progress(monkeypatch, site, fake_builder, terminal_env):
    config = site({"a.md": post()})

    code, shown = run_on_terminal(monkeypatch, "build", "-c", config, "--now", NOW, "--quiet")
    result = run_cli("build", "-c", config, "--now", NOW)

    assert code == 0 and shown == ""
    assert result.exit_code == 0 and "reading posts" not in result.stderr
    assert fake_builder == [None, None]


def test_a_real_build_on_a_terminal_reports_its_stages(monkeypatch, site, terminal_env):
    config = site({f"p{i}.md": post(f"Post {i}", tags=["t"]) for i in range(30)})

    code, shown = run_on_terminal(monkeypatch, "build", "-c", config, "--now", NOW)

    assert code == 0
    assert re.search(r"\r\S.* \[[#.]+\] \d+/\d+", shown)
