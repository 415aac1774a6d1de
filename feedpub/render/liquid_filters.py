"""Jekyll's Liquid filters (Jekyll 4.3's filters.rb and filters/*.rb), over python-liquid's standard ones.

Each follows Jekyll's Ruby: what it returns for nil, for text where a list is
expected, and so on. Two cannot follow it: `sample` picks the same items in
every build (Jekyll picks at random), and "now" is the post's date (Jekyll
reads the clock), so that a build's output depends only on its input.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from urllib.parse import quote, quote_plus, urlsplit

from liquid import Environment, RenderContext
from liquid.builtin.filters.misc import date as liquid_date
from liquid.exceptions import FilterArgumentError
from liquid.filter import with_context

from feedpub.render.liquid_arrays import (
    find,
    find_exp,
    group_by,
    group_by_exp,
    items_of,
    pop,
    push,
    sample,
    shift,
    sort,
    unshift,
    where,
    where_exp,
)
from feedpub.render.liquid_state import current
from feedpub.render.liquid_values import RubyTime, nil, plain, ruby_inspect, ruby_text, to_integer, to_time
from feedpub.sources.jekyll_posts import slugify as jekyll_slugify
from feedpub.sources.typography import SMART_QUOTES
from feedpub.sources.typography import smartify as smart_quotes

# What Addressable keeps in a URL it normalises, and in one component (uri_escape).
_URL_SAFE = "/-._~!$&'()*+,;=:@?#[]%"
_COMPONENT_SAFE = ":/?#[]@!$&'()*+,;=%"
_CJK = r"\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_NON_CJK_WORD = re.compile(rf"[^{_CJK}\s]+")


# URLs ---------------------------------------------------------------------------------------------------------------
def relative_url(value: object) -> str | None:
    """The site's baseurl and the path, unless the URL is absolute already."""
    if nil(value):
        return None
    text = _url_of(value)
    if urlsplit(text).scheme:
        return text
    site = current().site
    base = ruby_text(site.get("baseurl")).removesuffix("/")
    return quote("".join(_leading_slash(part) for part in (base, text)), safe=_URL_SAFE)


def absolute_url(value: object) -> str | None:
    """site.url, the baseurl and the path, unless the URL is absolute already."""
    if nil(value):
        return None
    text = _url_of(value)
    if urlsplit(text).scheme:
        return text
    relative = relative_url(text) or ""
    site_url = ruby_text(current().site.get("url"))
    return site_url + relative if site_url else relative


def _url_of(value: object) -> str:
    # Jekyll gives a document's url for a document (a post of site.posts).
    if isinstance(value, Mapping) and "url" in value:
        return ruby_text(value["url"])
    return ruby_text(value)


def _leading_slash(part: str) -> str:
    return part if not part or part.startswith("/") else "/" + part


# dates --------------------------------------------------------------------------------------------------------------
def date_to_xmlschema(value: object) -> object:
    if _blank(value):
        return value
    return _time(value).isoformat()


def date_to_rfc822(value: object) -> object:
    if _blank(value):
        return value
    stamp = _time(value)
    # English names whatever the locale: strftime's %a and %b follow it.
    day = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[stamp.weekday()]
    return f"{day}, {stamp.day:02d} {_MONTHS[stamp.month - 1][:3]} {stamp:%Y %H:%M:%S %z}"


def date_to_string(value: object, kind: object = None, style: object = None) -> object:
    return _stringify_date(value, short=True, kind=kind, style=style)


def date_to_long_string(value: object, kind: object = None, style: object = None) -> object:
    return _stringify_date(value, short=False, kind=kind, style=style)


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _stringify_date(value: object, short: bool, kind: object, style: object) -> object:
    if _blank(value):
        return value
    stamp = _time(value)
    month = _MONTHS[stamp.month - 1][:3] if short else _MONTHS[stamp.month - 1]
    if kind == "ordinal":
        day = f"{stamp.day}{_ordinal(stamp.day)}"
        return f"{month} {day}, {stamp.year}" if style == "US" else f"{day} {month} {stamp.year}"
    return f"{stamp.day:02d} {month} {stamp.year}"


def _ordinal(day: int) -> str:
    if 11 <= day <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _blank(value: object) -> bool:
    return nil(value) or value == ""


def _time(value: object) -> RubyTime:
    run = current()
    stamp = to_time(value, run.tz, run.now)
    if stamp is None:
        raise FilterArgumentError(f"Invalid Date: '{ruby_inspect(value)}' is not a valid datetime.", token=None)
    return stamp


@with_context
def date_filter(value: object, fmt: object = None, *, context: RenderContext) -> object:
    """Liquid's `date`, with "now" and "today" the post's date rather than the clock."""
    if isinstance(value, str) and value.strip().lower() in ("now", "today"):
        value = current().now
    elif isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).isdigit():
        value = to_time(value, current().tz, current().now)  # Time.at, in the site's zone
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time.min)
    return liquid_date(value, fmt, environment=context.env)


# text ---------------------------------------------------------------------------------------------------------------
def xml_escape(value: object) -> str:
    text = "" if nil(value) else ruby_text(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def cgi_escape(value: object) -> str:
    return quote_plus(ruby_text(value), safe="~")


def uri_escape(value: object) -> str:
    return quote(ruby_text(value), safe=_COMPONENT_SAFE)


def markdownify(value: object) -> str:
    return current().markdownify("" if nil(value) else ruby_text(value))


def smartify(value: object) -> str:
    # Jekyll's SmartyPants converter takes the site's kramdown options, smart_quotes among them.
    config = current().config
    quotes = config.smart_quotes if config is not None else SMART_QUOTES
    return smart_quotes("" if nil(value) else ruby_text(value), quotes)


def slugify(value: object, mode: object = None) -> str | None:
    """Utils.slugify: raw, default, pretty, ascii and latin; any other mode only lowercases."""
    if nil(value):
        return None
    text, mode = ruby_text(value), "default" if nil(mode) else ruby_text(mode)
    if mode == "latin":
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join("?" if ord(ch) > 127 else ch for ch in decomposed if not unicodedata.combining(ch))
        mode = "default"
    if mode not in ("raw", "default", "pretty", "ascii"):
        return text.lower()
    return jekyll_slugify(text, mode)


def normalize_whitespace(value: object) -> str:
    return " ".join(ruby_text(value).split())


def number_of_words(value: object, mode: object = None) -> int:
    text = ruby_text(value)
    if mode == "cjk":
        return len(_CJK_CHAR.findall(text)) + len(_NON_CJK_WORD.findall(text))
    if mode == "auto":
        cjk = len(_CJK_CHAR.findall(text))
        return len(text.split()) if not cjk else cjk + len(_NON_CJK_WORD.findall(text))
    return len(text.split())


def array_to_sentence_string(value: object, connector: object = "and") -> str:
    items = [ruby_text(item) for item in items_of(value)]
    word = ruby_text(connector)
    if len(items) < 3:
        return f" {word} ".join(items)
    return f"{', '.join(items[:-1])}, {word} {items[-1]}"


def jsonify(value: object) -> str:
    return json.dumps(plain(value), ensure_ascii=False, separators=(",", ":"), default=ruby_text)


def inspect(value: object) -> str:
    return xml_escape(ruby_inspect(value))


FILTERS: dict[str, Callable[..., object]] = {
    "relative_url": relative_url,
    "absolute_url": absolute_url,
    "date_to_xmlschema": date_to_xmlschema,
    "date_to_rfc822": date_to_rfc822,
    "date_to_string": date_to_string,
    "date_to_long_string": date_to_long_string,
    "date": date_filter,
    "xml_escape": xml_escape,
    "cgi_escape": cgi_escape,
    "uri_escape": uri_escape,
    "markdownify": markdownify,
    "smartify": smartify,
    "slugify": slugify,
    "normalize_whitespace": normalize_whitespace,
    "number_of_words": number_of_words,
    "array_to_sentence_string": array_to_sentence_string,
    "jsonify": jsonify,
    "inspect": inspect,
    "to_integer": to_integer,
    "where": where,
    "where_exp": where_exp,
    "find": find,
    "find_exp": find_exp,
    "group_by": group_by,
    "group_by_exp": group_by_exp,
    "sort": sort,
    "push": push,
    "pop": pop,
    "shift": shift,
    "unshift": unshift,
    "sample": sample,
}


def add_jekyll_filters(environment: Environment) -> None:
    for name, function in FILTERS.items():
        environment.add_filter(name, function)
