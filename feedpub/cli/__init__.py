"""The command line: parses options, calls the library, prints, picks the exit code.

One module per group of commands; `main` is the click group they register on,
each module imported when one of its commands runs (cli.common.COMMAND_MODULES).
"""

from feedpub.cli.common import main

__all__ = ["main"]
