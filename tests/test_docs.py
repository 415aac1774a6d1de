"""README.md is the manual: every command-line option and every config key is in it."""

from __future__ import annotations

import re

import click
import pytest
from conftest import ROOT

from feedpub.cli import main
from feedpub.sources.config import _SCHEMA

README = (ROOT / "README.md").read_text("utf-8")


def cli_options() -> list[tuple[str, str]]:
    """(command, option) for every option string of every subcommand, e.g. ("build", "--now")."""
    return [
        (name, opt)
        for name, command in sorted(main.commands.items())
        for param in command.params
        if isinstance(param, click.Option)
        for opt in param.opts + param.secondary_opts
    ]


def config_keys() -> list[str]:
    """Every key of the config schema: top-level keys as-is, nested ones as section.key."""
    return [f"{section}.{key}" if section else key for section, keys in _SCHEMA.items() for key in keys]


def test_introspection_finds_the_build_options_and_the_config_keys():
    assert ("build", "--now") in cli_options()
    assert {"site.url", "feeds.limit", "posts_dir"} <= set(config_keys())


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_is_in_the_readme(command):
    assert re.search(rf"\bfeedpub {re.escape(command)}\b", README), f"`feedpub {command}` is not in README.md"


@pytest.mark.parametrize("command, option", cli_options(), ids=[f"{c} {o}" for c, o in cli_options()])
def test_every_cli_option_is_in_the_readme(command, option):
    assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", README), (
        f"`feedpub {command} {option}` is not in README.md"
    )


@pytest.mark.parametrize("key", config_keys())
def test_every_config_key_is_in_the_readme(key):
    assert f"`{key}" in README, f"config key `{key}` is not in README.md"
