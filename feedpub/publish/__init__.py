"""Stage 5, what a build keeps on disk: staged atomic writes and the manifest, the build lock, the cache.

The only stage that writes files.
"""
