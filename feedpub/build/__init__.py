"""Stage 6, the one orchestrating function: config and a clock reading in, a `Report` out."""

from feedpub.build.pipeline import BuildOptions, build, read_site

__all__ = ["BuildOptions", "build", "read_site"]
