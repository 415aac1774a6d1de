"""The feed formats: the file each one is published as, and its media type."""

FILENAMES = {"atom": "atom.xml", "rss": "rss.xml", "json": "feed.json"}
MEDIA_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml", "json": "application/feed+json"}
XML_FORMATS = ("atom", "rss")
