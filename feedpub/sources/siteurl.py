"""Whether a URL can be a site's base URL: every feed and entry URL is built on it."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

# What a URL may not carry unescaped (RFC 3986), besides control characters.
_URL_FORBIDDEN = re.compile(r'[\s"<>\\^`{|}\x00-\x1f\x7f]')
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def site_url_problem(url: str) -> str | None:
    """Why `url` cannot be the site's base URL (an absolute http(s) folder URL), or None.

    Every feed and entry URL is built on it, so a flaw here reaches every reader:
    credentials would be published, a query or fragment (even an empty "?" or
    "#") would end up in the middle of each URL.
    """
    found = _URL_FORBIDDEN.search(url)
    if found:
        what = "a space" if found.group() == " " else repr(found.group())
        return f'"{url}" contains {what}, which a URL cannot hold (write it %-encoded)'
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:  # an invalid [IPv6] host or a port that is no number
        return f'"{url}" is not a valid URL ({err})'
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f'"{url}" is not an absolute http(s) URL (e.g. https://example.com/)'
    if "@" in parts.netloc:
        # The URL is not repeated: it holds a password.
        return "must not contain a user name or password: every feed would publish them"
    if "?" in url or "#" in url:
        return f'"{url}" must not have a query or fragment'
    if port == 0:
        return f'"{url}" has an invalid port 0'
    if not _is_host(parts.hostname or ""):
        return f'"{url}" has an invalid host name "{parts.hostname or ""}"'
    return None


def _is_host(host: str) -> bool:
    """A DNS name (international ones too) or an IP address."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_host.removesuffix(".").split(".")
    return all(_HOST_LABEL.match(label) for label in labels)
