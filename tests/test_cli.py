"""The command line: help, version, entry points, what it prints and how it exits."""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import click
import pytest
from conftest import NOW, ROOT, build_into, cli_commands, published_paths, run_cli

import feedpub

SUMMARY_LINE = re.compile(
    r"^feedpub: (?P<written>\d+) feeds written, (?P<unchanged>\d+) unchanged, (?P<removed>\d+) removed, "
    r"(?P<read>\d+) posts read in \d+\.\d\ds$"
)
README_OPTIONS = [
    "-c",
    "--config",
    "-o",
    "--output",
    "--now",
    "--drafts",
    "--keep-going",
    "--wait",
    "--json",
    "-q",
    "--quiet",
    "-v",
    "--verbose",
]
EXIT_CODES = ["0", "1", "2", "3", "4", "5", "6", "7", "70", "130"]
INSTALLED = Path(sys.executable).parent / "feedpub"


def front(*lines: str, body: str = "Body text.") -> str:
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


@pytest.fixture
def config(site) -> Path:
    return site(
        {
            "a.md": front("title: A", "date: 2026-01-30", "tags: [t]"),
            "b.md": front("title: B", "date: 2026-01-31"),
        }
    )


@pytest.fixture
def broken_config(site) -> Path:
    return site({"a.md": front("title: A", "date: someday")})


@pytest.fixture
def output(tmp_path) -> Path:
    return tmp_path / "out"


# --- help and version -------------------------------------------------------------


def option_strings(command: click.Command) -> list[str]:
    return [
        opt for param in command.params if isinstance(param, click.Option) for opt in param.opts + param.secondary_opts
    ]


def test_build_help_describes_every_option():
    result = run_cli("build", "--help")

    assert result.exit_code == 0
    shown = " ".join(result.stdout.split())  # click wraps long help over several lines
    undescribed = [
        param.opts[-1]
        for param in cli_commands()["build"].params
        if isinstance(param, click.Option)
        and not (param.help and " ".join(param.help.split()[:4]).removesuffix(".") in shown)
    ]
    missing = [
        opt for opt in option_strings(cli_commands()["build"]) if not re.search(rf"(?<![\w-]){re.escape(opt)}\b", shown)
    ]
    assert (undescribed, missing) == ([], [])


def test_build_help_lists_every_option_the_readme_documents():
    result = run_cli("build", "--help")

    assert [opt for opt in README_OPTIONS if not re.search(rf"(?<![\w-]){re.escape(opt)}\b", result.stdout)] == []


@pytest.mark.parametrize("args", [["--help"], ["build", "--help"], ["-h"]])
def test_help_lists_every_exit_code(args):
    result = run_cli(*args)

    assert result.exit_code == 0
    listed = re.findall(r"^\s+(\d+)\s+\S", result.stdout.split("Exit codes:")[1], re.MULTILINE)
    assert listed == EXIT_CODES


def test_top_level_help_lists_the_build_command():
    result = run_cli("--help")

    assert re.search(r"^\s+build\s+\S", result.stdout, re.MULTILINE)


def test_version_is_written_once_and_the_cli_and_metadata_agree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))

    result = run_cli("--version")

    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "feedpub.__version__"}
    assert result.exit_code == 0
    assert result.stdout.strip() == f"feedpub, version {feedpub.__version__}"
    assert importlib.metadata.version("feedpub") == feedpub.__version__


def test_unknown_option_is_a_usage_error(config):
    result = run_cli("build", "-c", config, "--frobnicate")

    assert result.exit_code == 2
    assert "--frobnicate" in result.stderr


@pytest.mark.parametrize("args", [["--wait", "-1"], ["--wait", "soon"]])
def test_bad_option_values_are_usage_errors(config, output, args):
    result = build_into(config, output, *args)

    assert result.exit_code == 2


# --- entry points -------------------------------------------------------------------


def test_python_dash_m_feedpub_builds_the_sample_site(sample_config, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "feedpub", "build", "-c", sample_config, "-o", tmp_path / "out", "--now", NOW],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert SUMMARY_LINE.match(result.stdout.strip())
    assert (tmp_path / "out" / "tags" / "区块链" / "atom.xml").is_file()


def test_python_dash_m_feedpub_exits_with_the_build_exit_code(broken_config, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "feedpub", "build", "-c", broken_config, "-o", tmp_path / "out", "--now", NOW],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    assert 'date: "someday" is not a date' in result.stderr


def test_installed_command_prints_its_version():
    result = subprocess.run([INSTALLED, "--version"], capture_output=True, text=True, timeout=60)

    assert result.returncode == 0
    assert result.stdout.strip() == f"feedpub, version {feedpub.__version__}"


def test_installed_command_builds_quietly(config, tmp_path):
    result = subprocess.run(
        [INSTALLED, "build", "-c", config, "-o", tmp_path / "out", "--now", NOW, "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert (tmp_path / "out" / "atom.xml").is_file()


# --- what a build prints ------------------------------------------------------------


def test_build_prints_one_summary_line_with_true_counts(config, output):
    result = build_into(config, output)

    assert result.exit_code == 0
    assert result.stderr == ""
    (line,) = result.stdout.splitlines()
    counts = SUMMARY_LINE.match(line).groupdict()
    assert int(counts["written"]) == len(published_paths(output))
    assert (counts["unchanged"], counts["removed"], counts["read"]) == ("0", "0", "2")


def test_second_build_reports_every_file_unchanged(config, output):
    build_into(config, output)

    result = build_into(config, output)

    counts = SUMMARY_LINE.match(result.stdout.strip()).groupdict()
    assert counts["written"] == "0"
    assert int(counts["unchanged"]) == len(published_paths(output))


def test_removed_count_reports_feeds_of_a_tag_no_post_uses_any_more(config, output):
    build_into(config, output)
    post = config.parent / "posts" / "a.md"
    post.write_text(post.read_text("utf-8").replace("tags: [t]", "tags: []"), encoding="utf-8")

    result = build_into(config, output)

    counts = SUMMARY_LINE.match(result.stdout.strip()).groupdict()
    assert int(counts["removed"]) == 2
    assert not (output / "tags" / "t").exists()


def test_quiet_prints_nothing_on_success(config, output):
    result = build_into(config, output, "--quiet")

    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_quiet_still_prints_errors_on_failure(broken_config, output):
    result = build_into(broken_config, output, "-q")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert 'date: "someday" is not a date' in result.stderr


def test_quiet_hides_warnings(site, output):
    config = site({"a.md": front("title: A\x0b", "date: 2026-01-30")})

    loud, quiet = build_into(config, output), build_into(config, output, "--quiet")

    assert "warning:" in loud.stderr
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")


def test_content_errors_go_to_stderr_with_a_closing_line(broken_config, output):
    result = build_into(broken_config, output)

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == "feedpub: 1 error(s); nothing was published"


def test_verbose_lists_every_file_written(config, output):
    result = build_into(config, output, "-v")

    written = {line.removeprefix("wrote ") for line in result.stdout.splitlines() if line.startswith("wrote ")}
    assert written == published_paths(output)


def test_json_summary_parses_and_tells_what_happened(config, output):
    result = build_into(config, output, "--json")

    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert summary["exit_code"] == 0
    assert set(summary["written"]) == published_paths(output)
    assert summary["unchanged"] == [] and summary["removed"] == []
    assert summary["posts_read"] == 2
    assert summary["posts_skipped"] == [] and summary["errors"] == []
    assert isinstance(summary["seconds"], (int, float))


def test_json_summary_on_failure_lists_the_errors(broken_config, output):
    result = build_into(broken_config, output, "--json")

    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["exit_code"] == 1
    assert summary["written"] == []
    assert len(summary["errors"]) == 1 and "a.md:3: date:" in summary["errors"][0]


def test_json_summary_with_keep_going_lists_skipped_posts(site, output):
    config = site({"good.md": front("title: Good", "date: 2026-01-30"), "bad.md": front("title: Bad", "date: never")})

    result = build_into(config, output, "--json", "--keep-going")

    assert result.exit_code == 5
    summary = json.loads(result.stdout)
    assert summary["exit_code"] == 5
    assert [Path(p).name for p in summary["posts_skipped"]] == ["bad.md"]


def test_keep_going_from_config_behaves_like_the_option(site, output):
    config = site(
        {"good.md": front("title: Good", "date: 2026-01-30"), "bad.md": front("title: Bad", "date: never")},
        {"keep_going": True},
    )

    result = build_into(config, output)

    assert result.exit_code == 5
    assert (output / "atom.xml").is_file()


def test_output_folder_that_is_a_file_is_exit_4_naming_it(config, tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("not a folder")

    result = build_into(config, blocker)

    assert result.exit_code == 4
    assert str(blocker) in result.stderr
