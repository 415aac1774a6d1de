"""The docs are the manual: every command, option and config key is in them, and every command they show runs.

The docs are README.md and docs/*.md. A command shown in them is a line of a
```sh or ```console code block (in a console block, only lines that start with
`$ `) with a `feedpub ...` command in it, also after `&&` or `;`, and also as
`.venv/bin/feedpub ...`. Each one runs, in-process, in a fresh copy of the
sample site (config.yaml and posts/) with HOME in the test's temporary folder,
and must exit 0, or N when the line's comment starts with `exit N`
(`feedpub check --strict   # exit 1: ...`). `feedpub serve` would listen until
stopped, so its options are only parsed.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import ROOT, cli_commands

from feedpub.cli import main
from feedpub.sources.config import _SCHEMA

DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DOCS = "\n".join(path.read_text("utf-8") for path in DOC_FILES)
RUN_LANGUAGES = ("sh", "console")
PARSE_ONLY = {"serve"}  # runs until stopped: its options are parsed, it is not started
_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<language>[\w+-]*)")
_SEPARATORS = {"&&", "||", ";", "|", "&"}
_EXPECTED_EXIT = re.compile(r"^exit (\d+)\b")


# --- what the docs say ------------------------------------------------------------


def cli_options() -> list[tuple[str, str]]:
    """(command, option) for every option string of every subcommand, e.g. ("build", "--now")."""
    return [
        (name, opt)
        for name, command in sorted(cli_commands().items())
        for param in command.params
        if isinstance(param, click.Option)
        for opt in param.opts + param.secondary_opts
    ]


def config_keys() -> list[str]:
    """Every key of the config schema: top-level keys as-is, nested ones as section.key."""
    return [f"{section}.{key}" if section else key for section, keys in _SCHEMA.items() for key in keys]


@dataclass(frozen=True, slots=True)
class DocCommand:
    """One `feedpub ...` command shown in the docs."""

    place: str  # "docs/commands.md:42", for messages and test ids
    args: tuple[str, ...]  # what follows `feedpub`
    exit_code: int  # what the docs expect it to exit with

    @property
    def name(self) -> str:
        return self.args[0] if self.args else ""


def code_blocks(text: str) -> Iterator[tuple[str, int, list[str]]]:
    """(language, line of the first content line, lines) of every fenced code block, indented ones too."""
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        body: list[str] = []
        index += 1
        while index < len(lines) and lines[index].strip() != fence:
            body.append(lines[index][indent:] if lines[index][:indent].isspace() else lines[index].lstrip())
            index += 1
        yield opening["language"], index - len(body) + 1, body
        index += 1


def split_comment(line: str) -> tuple[str, str]:
    """(code, comment) of a shell line: the comment starts at a `#` outside quotes after a space."""
    quote = None
    for position, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (position == 0 or line[position - 1].isspace()):
            return line[:position], line[position + 1 :].strip()
    return line, ""


def feedpub_commands(line: str) -> Iterator[tuple[tuple[str, ...], str]]:
    """(arguments, comment) of each `feedpub` command on one shell line."""
    code, comment = split_comment(line)
    lexer = shlex.shlex(code, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    segment: list[str] = []
    for token in [*lexer, ";"]:
        if token not in _SEPARATORS:
            segment.append(token)
            continue
        if segment and os.path.basename(segment[0]) == "feedpub":
            yield tuple(segment[1:]), comment
        segment = []


def doc_commands() -> list[DocCommand]:
    """Every feedpub command of the sh and console blocks of README.md and docs/*.md."""
    found = []
    for path in DOC_FILES:
        relative = path.relative_to(ROOT).as_posix()
        for language, first_line, lines in code_blocks(path.read_text("utf-8")):
            if language not in RUN_LANGUAGES:
                continue
            for offset, line in enumerate(lines):
                if language == "console":
                    if not line.startswith("$ "):
                        continue
                    line = line[2:]
                for args, comment in feedpub_commands(line):
                    expected = _EXPECTED_EXIT.match(comment)
                    found.append(
                        DocCommand(f"{relative}:{first_line + offset}", args, int(expected[1]) if expected else 0)
                    )
    return found


DOC_COMMANDS = doc_commands()


# --- every command, option and key is documented --------------------------------------


def test_introspection_finds_the_build_options_and_the_config_keys():
    assert ("build", "--now") in cli_options()
    assert {"site.url", "feeds.limit", "posts_dir"} <= set(config_keys())


@pytest.mark.parametrize("command", sorted(cli_commands()))
def test_every_command_is_in_the_docs(command):
    assert re.search(rf"\bfeedpub {re.escape(command)}\b", DOCS), f"`feedpub {command}` is not in the docs"


@pytest.mark.parametrize("command, option", cli_options(), ids=[f"{c} {o}" for c, o in cli_options()])
def test_every_cli_option_is_in_the_docs(command, option):
    assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", DOCS), (
        f"`feedpub {command} {option}` is not in the docs"
    )


@pytest.mark.parametrize("key", config_keys())
def test_every_config_key_is_in_the_docs(key):
    assert f"`{key}" in DOCS, f"config key `{key}` is not in the docs"


def test_the_readme_keeps_the_test_command_that_ci_runs():
    """.ci/run runs the line after `# Run the test suite` in README.md."""
    lines = (ROOT / "README.md").read_text("utf-8").split("\n")
    command = lines[lines.index("# Run the test suite") + 1]
    assert command.startswith("python3 -m venv .venv && ") and "pytest" in command


# --- every command the docs show still runs --------------------------------------------


def test_commands_are_found_in_the_readme_and_the_docs_pages():
    places = {command.place.split(":")[0] for command in DOC_COMMANDS}
    assert "README.md" in places and "docs/commands.md" in places
    assert DOC_COMMANDS[0].args == ("build",)  # the README's first command: .venv/bin/feedpub build


def test_the_collector_reads_separators_comments_and_expected_exit_codes():
    line = 'python3 -m venv .venv && .venv/bin/feedpub check --strict   # exit 1 here: "a # b"'
    assert list(feedpub_commands(line)) == [(("check", "--strict"), 'exit 1 here: "a # b"')]
    assert list(feedpub_commands('feedpub new "A # title" --tags a,b')) == [(("new", "A # title", "--tags", "a,b"), "")]
    assert list(feedpub_commands('export PATH="$PWD/.venv/bin:$PATH"')) == []


@pytest.mark.parametrize("command", sorted(cli_commands()))
def test_every_command_has_an_example_that_is_run(command):
    assert command in {doc.name for doc in DOC_COMMANDS}, (
        f"no ```sh or ```console block in the docs shows `feedpub {command} ...`"
    )


@pytest.fixture
def sample_site(tmp_path, monkeypatch) -> Path:
    """A fresh copy of the shipped sample site as the current folder, and a HOME of its own."""
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy2(ROOT / "config.yaml", site / "config.yaml")
    shutil.copytree(ROOT / "posts", site / "posts")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.chdir(site)
    return home


def _in_home(arg: str, home: Path) -> str:
    for prefix in ("~/", "$HOME/"):
        if arg.startswith(prefix):
            return str(home / arg[len(prefix) :])
    return arg


@pytest.mark.parametrize("doc", DOC_COMMANDS, ids=[f"{d.place} feedpub {' '.join(d.args)}" for d in DOC_COMMANDS])
def test_every_command_in_the_docs_runs(doc, sample_site):
    outside = [arg for arg in doc.args if arg.startswith("/")]
    assert not outside, f"{doc.place}: use relative paths in examples, so they can run in a temporary copy: {outside}"
    args = [_in_home(arg, sample_site) for arg in doc.args]
    if doc.name in PARSE_ONLY:
        with cli_commands()[doc.name].make_context(doc.name, args[1:]) as context:
            assert context.params  # parsed and converted; the command itself is not started
        return
    result = CliRunner().invoke(main, args)
    assert result.exit_code == doc.exit_code, (
        f"{doc.place}: `feedpub {' '.join(doc.args)}` exited {result.exit_code}, "
        f"the docs expect {doc.exit_code}:\n{result.output}"
    )
