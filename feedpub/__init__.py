"""feedpub: Atom and RSS feeds for a folder of Markdown posts."""

__version__ = "0.1.0"
