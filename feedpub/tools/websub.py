"""WebSub publisher notifications: tell each hub which feeds just changed.

Runs after the feeds are published, so a hub that is down never costs a
subscriber a feed; it only delays the push.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from feedpub import __version__

TIMEOUT_SECONDS = 10.0
ATTEMPTS = 3
BACKOFF_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class PingFailure:
    hub: str
    reason: str

    def __str__(self) -> str:
        return f"{self.hub}: hub not notified: {self.reason}"


def ping_hubs(
    hubs: Sequence[str], feed_urls: Sequence[str], timeout: float = TIMEOUT_SECONDS, attempts: int = ATTEMPTS
) -> list[PingFailure]:
    """POST hub.mode=publish with every changed feed's URL to each hub; nothing when none changed."""
    if not feed_urls:
        return []
    body = urlencode([("hub.mode", "publish")] + [("hub.url", url) for url in feed_urls]).encode("ascii")
    failures = []
    for hub in hubs:
        reason = _post_with_retries(hub, body, timeout, attempts)
        if reason:
            failures.append(PingFailure(hub, reason))
    return failures


def _post_with_retries(hub: str, body: bytes, timeout: float, attempts: int) -> str | None:
    reason = None
    for attempt in range(attempts):
        if attempt:
            time.sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
        reason = _post(hub, body, timeout)
        if reason is None or reason.startswith("HTTP 4"):
            return reason  # success, or a refusal that repeating will not change
    return f"{reason} (after {attempts} attempts)"


def _post(hub: str, body: bytes, timeout: float) -> str | None:
    request = urllib.request.Request(
        hub,
        data=body,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": f"feedpub/{__version__}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read(65536)
            return None if 200 <= response.status < 300 else f"HTTP {response.status}"
    except urllib.error.HTTPError as err:
        return f"HTTP {err.code} {err.reason}"
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        return f"{type(reason).__name__}: {reason}" if not isinstance(reason, str) else reason
