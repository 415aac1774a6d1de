"""feeds.html: every feed of the site on one page a person can open, with subscribe links in each format.

A browser that meets a feed link shows XML, or a banner over what feed.xsl
makes of it: this page is plain HTML instead. It reads with JavaScript off;
the little script adds a filter box (for sites with thousands of tags, and
`feeds.html?filter=区块链` links) and a copy button per feed. No CDN, no font
from elsewhere. The bytes depend only on the feeds, as the feeds' do.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from feedpub.feeds.formats import FILENAMES, MEDIA_TYPES
from feedpub.feeds.opml import GROUPS
from feedpub.model import FeedSpec, Site

_FORMAT_NAMES = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}

_STYLE = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC",sans-serif;
max-width:54rem;margin:0 auto;padding:1rem;color:#1d1d1f;background:#fff}
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
ul{list-style:none;padding:0;margin:0}li{padding:.45rem 0;border-bottom:1px solid #e5e5e5}
.name{font-weight:600}.meta{color:#6e6e73;font-size:.9rem;margin-left:.5rem}
.links a,.links button{margin-right:.6rem;font-size:.9rem}
input[type=search]{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}
@media (prefers-color-scheme:dark){body{color:#f5f5f7;background:#1d1d1f}li{border-color:#3a3a3c}}
"""

# Unhides the filter and the copy buttons (without JavaScript neither would work), filters as typed,
# and takes ?filter= from the address so that a filtered list can be linked to.
_SCRIPT = """
(function(){
var box=document.getElementById("filter"),items=document.querySelectorAll("li[data-name]");
function apply(){var q=box.value.trim().toLowerCase();
for(var i=0;i<items.length;i++){items[i].hidden=q!==""&&items[i].dataset.name.indexOf(q)<0;}
var groups=document.querySelectorAll("section[data-group]");
for(var j=0;j<groups.length;j++){groups[j].hidden=!groups[j].querySelector("li[data-name]:not([hidden])");}}
box.hidden=false;box.addEventListener("input",apply);
var wanted=new URLSearchParams(location.search).get("filter");if(wanted){box.value=wanted;}apply();
var buttons=document.querySelectorAll("button[data-url]");
for(var k=0;k<buttons.length;k++){buttons[k].hidden=false;buttons[k].addEventListener("click",function(e){
var b=e.currentTarget;navigator.clipboard.writeText(b.dataset.url).then(function(){b.textContent="Copied";});});}
})();
"""


def feeds_page(feeds: Sequence[FeedSpec], site: Site, formats: Sequence[str], opml: str | None) -> bytes:
    """The page: a section per kind of feed (site, categories, tags, ...), archive pages left out.

    `opml` is the OPML index's file name when one is published.
    """
    title = f"{site.title} · Feeds"
    lines = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(site.language or "und")}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        *_autodiscovery(feeds, site, formats),
        f"<style>{_STYLE.strip()}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{escape(title)}</h1>",
        *([f"<p>{escape(site.description)}</p>"] if site.description else []),
        "<p>Subscribe by giving a feed's address to your feed reader."
        + (f' <a href="{escape(opml)}">Every feed as OPML</a>, to subscribe to them all at once.' if opml else "")
        + "</p>",
        "</header>",
        '<input id="filter" type="search" placeholder="Filter feeds by name" aria-label="Filter feeds by name" '
        'autocomplete="off" hidden>',
    ]
    for kind, label in GROUPS:
        members = [feed for feed in feeds if feed.kind == kind and not feed.archive]
        if members:
            lines.extend(_section(kind, label, members, site, formats))
    lines.extend([f"<script>{_SCRIPT.strip()}</script>", "</body>", "</html>", ""])
    return "\n".join(lines).encode("utf-8")


def _autodiscovery(feeds: Sequence[FeedSpec], site: Site, formats: Sequence[str]) -> list[str]:
    """The site feed's <link rel=alternate> tags, so a reader given this page finds the feed."""
    home = next((feed for feed in feeds if feed.kind == "site" and not feed.archive), None)
    if home is None:
        return []
    return [
        f'<link rel="alternate" type="{MEDIA_TYPES[fmt]}" title="{escape(home.title)}" '
        f'href="{escape(home.url(site, FILENAMES[fmt]))}">'
        for fmt in formats
    ]


def _section(kind: str, label: str, members: list[FeedSpec], site: Site, formats: Sequence[str]) -> list[str]:
    lines = [f'<section data-group="{kind}">', f"<h2>{escape(label)} ({len(members)})</h2>", "<ul>"]
    for feed in members:
        # A custom feed's name is its folder: its title says what it holds.
        name = feed.title if feed.kind in ("site", "custom") or not feed.name else feed.name
        count = len(feed.entries)
        newest = max((post.published for post in feed.entries), default=None)
        links = " ".join(
            f'<a href="{escape(feed.url(site, FILENAMES[fmt]))}" type="{MEDIA_TYPES[fmt]}">{_FORMAT_NAMES[fmt]}</a>'
            for fmt in formats
        )
        first = feed.url(site, FILENAMES[formats[0]])
        lines.append(
            f'<li data-name="{escape((name + " " + feed.title).casefold())}"><span class="name">{escape(name)}</span> '
            f'<span class="meta">{count} {"entry" if count == 1 else "entries"}'
            + (
                f', newest <time datetime="{newest.date().isoformat()}">{newest.date().isoformat()}</time>'
                if newest
                else ""
            )
            + f'</span><br>\n<span class="links">{links} <button type="button" data-url="{escape(first)}" hidden>'
            "Copy the address</button></span></li>"
        )
    lines.extend(["</ul>", "</section>"])
    return lines
