"""GitHub Flavored Markdown through cmarkgfm, without its memory leak.

cmarkgfm's own `github_flavored_markdown_to_html` frees neither the parsed
document nor the rendered string: about 75 KB per post, which grew a render
worker to 300 MB on a 10,000-post site. This does the same calls and frees
both, through the cmark-gfm functions its extension module exports.
"""

from __future__ import annotations

import ctypes
from functools import lru_cache

# GFM's extensions less two that kramdown (Jekyll's engine) lacks: `autolink` (kramdown leaves a bare
# URL as text) and `tagfilter`, which escapes <iframe>, <script> and <style>: a video embed would show
# as its markup, where raw HTML is the author's to write.
GFM_EXTENSIONS = ("table", "strikethrough", "tasklist")


@lru_cache(maxsize=1)
def _native():
    """(cmarkgfm's cffi module, its cmark_node_free, libc's free), or None where not exported."""
    from cmarkgfm import _cmark

    try:
        node_free = ctypes.CDLL(_cmark.__file__).cmark_node_free
        libc_free = ctypes.CDLL(None).free
    except (OSError, AttributeError):
        return None
    node_free.argtypes = [ctypes.c_void_p]
    libc_free.argtypes = [ctypes.c_void_p]
    return _cmark, node_free, libc_free


def gfm_to_html(text: str, smart: bool = True, single_tilde: bool = True) -> str:
    """HTML for GitHub Flavored Markdown with footnotes and smart punctuation; raw HTML passes through.

    `smart=False` leaves quotes, dashes and dots as written, for a caller that
    applies kramdown's own rules to them (render/cmark_typography.py);
    `single_tilde=False` strikes through `~~x~~` only, as kramdown does.
    """
    from cmarkgfm import cmark
    from cmarkgfm.cmark import Options

    options = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES | Options.CMARK_OPT_GITHUB_PRE_LANG
    if smart:
        # kramdown's typography (“quotes”, – and —, …), which Jekyll's posts show.
        options |= Options.CMARK_OPT_SMART
    if not single_tilde:
        options |= Options.CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE
    native = _native()
    if native is None:  # pragma: no cover - a cmarkgfm build without exported symbols
        return cmark.github_flavored_markdown_to_html(text, options=options)
    module, node_free, libc_free = native
    cmark.core_extensions_ensure_registered()
    parser = cmark.parser_new(options)
    try:
        for name in GFM_EXTENSIONS:
            cmark.parser_attach_syntax_extension(parser, cmark.find_syntax_extension(name))
        cmark.parser_feed(parser, text)
        root = cmark.parser_finish(parser)
        raw = module.lib.cmark_render_html(root, options, cmark.parser_get_syntax_extensions(parser))
        try:
            return module.ffi.string(raw).decode("utf-8")
        finally:
            libc_free(int(module.ffi.cast("uintptr_t", raw)))
            node_free(int(module.ffi.cast("uintptr_t", root)))
    finally:
        cmark.parser_free(parser)
