"""feedpub: Atom, RSS and JSON feeds for a site, each category and each tag, from a folder of Markdown posts."""

__version__ = "0.1.0"
