"""Stage 1, what the site is made of: config.yaml and post files in, `Config` and `Post` values out.

Front matter is read with line numbers, dates and slugs are normalised, and
every problem becomes a `Problem(path, line, message)`.
"""
