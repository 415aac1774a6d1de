"""Warnings `feedpub check` adds about plain-text fields that feed readers and validators take for HTML.

Feeds carry titles, names, categories and the site's description as text,
escaped once. Readers that unescape them again and render HTML show `</b>`
or `&eacute;` otherwise than written, and the W3C Feed Validation Service
warns (ContainsHTML, ContainsUndeclaredHTML); it also warns about an email
address in a name (ContainsEmail) and a blank feed title (NotBlank).
"""

from __future__ import annotations

import re
from html.entities import name2codepoint

from feedpub.model import Author, Config, Post, Problem, Site
from feedpub.render.markup import HTML_ELEMENTS, title_text

# The validator's test for HTML in a plain-text element: an end tag of an element it
# knows (its list has a few draft names more than HTML's), or "&" before a reference.
_END_TAG = re.compile(r"</(\w+)>")
_REFERENCE = re.compile(r"&(#?\w+)")
_VALIDATOR_ELEMENTS = HTML_ELEMENTS | {"command", "comment", "datagrid", "eventsource", "m"}
# And its test for an email address in a name: one in angle brackets.
_BRACKETED_EMAIL = re.compile(r"<[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+>")


def markup_in_text(text: str) -> str | None:
    """The part of a plain-text field that readers and the W3C validator take for HTML; None if nothing."""
    for name in _END_TAG.findall(text):
        if name.lower() in _VALIDATOR_ELEMENTS:
            return f"</{name}>"
    for reference in _REFERENCE.findall(text):
        if reference in name2codepoint or reference == "apos" or not reference.isalpha():
            return f"&{reference}"
    return None


def text_warnings(post: Post, site: Site) -> list[Problem]:
    """A post's title, authors, categories and tags as the feeds show them."""
    found = title_warnings(post)
    own_authors = [author for author in post.authors if author != site.author]  # the site's is checked once
    author_line = post.line_of("author") or post.line_of("authors")
    found += [_warning(post, author_line, message) for message in author_messages(own_authors)]
    for kind, names, key in (("category", post.categories, "categories"), ("tag", post.tags, "tags")):
        line = post.line_of(key) or post.line_of("category")
        for name in names:
            markup = markup_in_text(name)
            if markup:
                found.append(_warning(post, line, f'{kind} "{name}" holds "{markup}", which readers take for HTML'))
    return found


def title_warnings(post: Post) -> list[Problem]:
    """A title whose HTML leaves no text, or whose text still reads as HTML once its HTML is removed."""
    line = post.line_of("title")  # None while sources keep no title line: the message names the key
    # title_text() gives a title with no text back as written; a letter before it tells the two apart.
    if title_text("x" + post.title) == "x":
        return [
            _warning(post, line, "title: has no text once its HTML is removed: feeds show it as written, tags and all")
        ]
    shown = title_text(post.title)
    markup = markup_in_text(shown)
    if markup is None:
        return []
    message = f'title: the feeds show "{shown}" as text, and readers that take titles for HTML read "{markup}" as HTML'
    return [_warning(post, line, message)]


def author_messages(authors: list[Author]) -> list[str]:
    """What is wrong with how each author's name reads in a feed, as messages that start with `author`."""
    messages = []
    for author in authors:
        if _BRACKETED_EMAIL.search(author.name):
            messages.append(f'author "{author.name}": an email address in the name; give it as email: instead')
        markup = markup_in_text(author.name)
        if markup:
            messages.append(f'author "{author.name}" holds "{markup}", which readers take for HTML')
    return messages


def site_warnings(config: Config) -> list[Problem]:
    """The site's title, description and author as every feed shows them."""
    site, found = config.site, []
    if not site.title.strip():
        found.append("site.title is blank: every feed's title is blank")
    for key, text in (("site.title", site.title), ("site.description", site.description)):
        markup = markup_in_text(text)
        if markup:
            found.append(f'{key} holds "{markup}", which readers take for HTML')
    found += [f"site.{message}" for message in author_messages([site.author] if site.author else [])]
    return [Problem(config.path, None, message, "warning") for message in found]


def _warning(post: Post, line: int | None, message: str) -> Problem:
    return Problem(post.path, line, message, "warning")
