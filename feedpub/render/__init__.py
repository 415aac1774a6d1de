"""Stage 2, post bodies to HTML: Markdown engines, summaries, relative URLs made absolute.

Pure functions of (post, engine): the same post always renders to the same HTML.
"""
