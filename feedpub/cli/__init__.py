"""The command line: parses options, calls the library, prints, picks the exit code.

One module per group of commands; `main` is the click group they register on.
"""

from feedpub.cli import authoring, building, inspecting, serving  # noqa: F401 - importing registers the commands
from feedpub.cli.common import main

__all__ = ["main"]
