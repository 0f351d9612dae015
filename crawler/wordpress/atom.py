"""WordPress's Atom feed, read for the fields only it gives exactly when REST is blocked.

``feed-atom.php`` prints per post the permalink, the guid, ``<published>`` and ``<updated>`` in
UTC to the second, the author's name and website, the comment count (``thr:total``) and the
category and tag names. Those are what this module keeps. The body comes from the post's own page
(feeds staticize emoji and trim excerpts differently from REST), so the summary is kept only as a
hint.

Parsing is feedparser's, with its HTML sanitizer and relative-URI rewriting off: the project's own
cleaner runs later on the original markup, and feedparser's sanitizer drops ``data-*``
attributes. feedparser also reads a feed that a PHP notice or a BOM precedes (it flags it
``bozo`` and goes on), where a strict XML parser fails and lxml's recover mode finds no entries.
"""

from __future__ import annotations

import calendar
import html
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser
from w3lib.html import remove_tags

from .records import web_url

MAX_FEED_BYTES = 20 * 1024 * 1024
"""A feed page larger than this is not one of WordPress's (``posts_per_rss`` items)."""
MAX_ENTRIES = 1000
"""Entries read from one feed page; WordPress prints ``posts_per_rss`` (10 by default)."""
MAX_CATEGORIES = 200
"""Category and tag names kept per entry."""
MAX_TEXT = 10_000
"""Characters kept of a title, guid or name: more is junk, not WordPress output."""
MAX_ID_DIGITS = 19
"""A post id fits a signed 64-bit integer."""
_RSS_FEED = re.compile(r"(?P<path>.*/feed)(?:/(?:rss2?|rdf|atom))?/?")


@dataclass(frozen=True)
class FeedEntry:
    """One ``<entry>``: the fields of a post the Atom feed gives exactly."""

    link: str | None
    """``rel=alternate`` href: the permalink."""
    guid: str | None
    post_id: int | None
    """From a guid of the form ``…?p=ID`` (posts created in the editor), else None."""
    title: str | None
    """Plain text, entities decoded (protected posts carry "Protected: ")."""
    published_gmt: str | None
    """``YYYY-MM-DDTHH:MM:SS`` UTC."""
    updated_gmt: str | None
    author_name: str | None
    author_uri: str | None
    """The author's website, http(s) only."""
    comment_count: int | None
    """``thr:total`` (pingbacks and trackbacks included), None when absent."""
    replies_link: bool
    """A ``rel="replies"`` link is present: comments are open, or the post has comments."""
    summary_html: str | None
    categories: tuple[str, ...]
    """Category and tag names, merged and de-duplicated by name (no ids, no hierarchy)."""


@dataclass(frozen=True)
class FeedPage:
    entries: tuple[FeedEntry, ...]
    updated_gmt: str | None
    """The feed's own ``<updated>``: the newest change among its posts."""


def read_atom(body: bytes) -> FeedPage | None:
    """The entries of one feed page; None when ``body`` is not a feed (an HTML page, junk).

    >>> page = read_atom(b'<br /><b>Notice</b>: x<br />\\n<?xml version="1.0" encoding="UTF-8"?>'
    ...     b'<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">'
    ...     b'<updated>2025-01-15T00:00:00Z</updated><entry><author><name>Li Wei</name>'
    ...     b'<uri>https://e.com/li</uri></author><title type="html"><![CDATA[Tom &#038; Jerry]]></title>'
    ...     b'<link rel="alternate" type="text/html" href="https://e.com/tom-jerry/" />'
    ...     b'<id>https://e.com/?p=42</id><updated>2024-12-24T08:00:00Z</updated>'
    ...     b'<published>2024-12-23T21:40:08Z</published><thr:total>3</thr:total></entry></feed>')
    >>> entry = page.entries[0]
    >>> entry.title, entry.post_id, entry.published_gmt, entry.comment_count, page.updated_gmt
    ('Tom & Jerry', 42, '2024-12-23T21:40:08', 3, '2025-01-15T00:00:00')
    >>> read_atom(b"<!DOCTYPE html><html><body>Not found</body></html>") is None
    True
    """
    if not body or len(body) > MAX_FEED_BYTES:
        return None
    # Always bytes: given a str, feedparser would treat a URL-looking one as an address to fetch.
    parsed = feedparser.parse(bytes(body), sanitize_html=False, resolve_relative_uris=False)
    if not parsed.get("version"):
        return None
    entries = tuple(_entry(raw) for raw in parsed.get("entries", [])[:MAX_ENTRIES])
    return FeedPage(entries, _utc(_own(parsed.get("feed", {}), "updated_parsed")))


def _entry(raw: Any) -> FeedEntry:
    links = [link for link in raw.get("links", []) if isinstance(link, dict)]
    alternate = next(
        (link.get("href") for link in links if link.get("rel", "alternate") == "alternate"),
        None,
    )
    author = raw.get("author_detail") or {}
    guid = _text(raw.get("id"))
    summary = raw.get("summary_detail") or {}
    return FeedEntry(
        link=web_url(alternate),
        guid=guid,
        post_id=post_id_from_guid(guid),
        title=plain_text(raw.get("title")),
        published_gmt=_utc(_own(raw, "published_parsed")),
        updated_gmt=_utc(_own(raw, "updated_parsed")),
        author_name=plain_text(author.get("name")),
        author_uri=web_url(_text(author.get("href"))),
        comment_count=_count(raw.get("thr_total")),
        replies_link=any(link.get("rel") == "replies" for link in links),
        summary_html=summary.get("value") if isinstance(summary.get("value"), str) else None,
        categories=tuple(
            name
            for name in (
                plain_text(tag.get("term")) for tag in raw.get("tags", [])[:MAX_CATEGORIES]
            )
            if name
        ),
    )


def _own(parsed: Any, key: str) -> Any:
    """A key feedparser set itself: its mapping would answer ``updated`` with ``published``
    when the entry has no ``<updated>`` (a date the site never gave, and a warning)."""
    return dict.get(parsed, key) if isinstance(parsed, dict) else None


def _text(value: Any) -> str | None:
    return value.strip()[:MAX_TEXT] or None if isinstance(value, str) else None


def plain_text(value: Any) -> str | None:
    """Text of a feed title or name: tags removed, entities decoded, None when empty.

    >>> plain_text("Tom &#038; Jerry &#8211; <em>live</em>"), plain_text("  ")
    ('Tom & Jerry – live', None)
    """
    text = _text(value)
    return _text(html.unescape(remove_tags(text))) if text else None


def post_id_from_guid(guid: str | None) -> int | None:
    """The post id of a guid ``…/?p=ID`` (WordPress's own guid for editor-created posts).

    Seeded or imported posts carry their first permalink instead, so None is common.

    >>> post_id_from_guid("https://e.com/?p=42"), post_id_from_guid("https://e.com/2024/12/x/")
    (42, None)
    >>> post_id_from_guid("https://e.com/?p=0"), post_id_from_guid("https://e.com/?p=1e9")
    (None, None)
    """
    if not guid:
        return None
    try:
        query = urlsplit(guid).query
    except ValueError:
        return None
    values = [value for key, value in parse_qsl(query) if key == "p"]
    if len(values) != 1 or not values[0].isascii() or not values[0].isdigit():
        return None
    if len(values[0]) > MAX_ID_DIGITS or int(values[0]) == 0:
        return None
    return int(values[0])


def _utc(value: Any) -> str | None:
    """feedparser's parsed date (a UTC ``struct_time``) as ``YYYY-MM-DDTHH:MM:SS``."""
    if not isinstance(value, time.struct_time):
        return None
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(calendar.timegm(value)))
    except (OverflowError, ValueError):
        return None


def _count(value: Any) -> int | None:
    text = value.strip() if isinstance(value, str) else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 12 else None


def atom_feed_url(
    home_url: str,
    rss_href: str | None,
    *,
    page: int = 1,
    post_type: str | None = None,
    modified_order: bool = False,
    with_comments: bool = False,
) -> str:
    """The Atom feed page in the site's own spelling, so no page costs a redirect.

    It is derived from the RSS2 link the home page advertises: ``…/feed/`` becomes
    ``…/feed/atom/``, ``?feed=rss2`` becomes ``?feed=atom``; ``/index.php/feed/`` keeps its
    ``index.php``. A link to another host (FeedBurner) or of another shape is not used: then
    ``?feed=atom`` under the home URL, which every permalink mode answers.

    ``with_comments`` turns it into WordPress's comments feed (one page, no paging): its
    ``Last-Modified``/``ETag`` cover posts and comments, so it is the one conditional request
    that answers "anything changed?" (304 when nothing did).

    >>> atom_feed_url("https://e.com/", "https://e.com/feed/", page=2)
    'https://e.com/feed/atom/?paged=2'
    >>> atom_feed_url("http://e.com/", "http://e.com/index.php/feed/", post_type="event")
    'http://e.com/index.php/feed/atom/?post_type=event'
    >>> atom_feed_url("http://e.com/", "http://e.com/?feed=rss2", page=3, modified_order=True)
    'http://e.com/?feed=atom&orderby=modified+ID&order=DESC&paged=3'
    >>> atom_feed_url("https://e.com/blog", None, with_comments=True)
    'https://e.com/blog/?feed=atom&withcomments=1'
    >>> atom_feed_url("https://e.com/", "https://feeds.feedburner.com/e")
    'https://e.com/?feed=atom'
    """
    home = urlsplit(home_url)
    derived = _atom_from_rss(home, rss_href)
    if derived is None:
        path = home.path if home.path.endswith("/") else home.path + "/"
        base, query = urlunsplit((home.scheme, home.netloc, path, "", "")), [("feed", "atom")]
    else:
        base, query = derived
    if post_type:
        query.append(("post_type", post_type))
    if modified_order:
        # Ties broken by id: records saved in the same second (a bulk edit) would otherwise
        # move between pages, and one could be skipped (WP_Query takes several, space-separated).
        query += [("orderby", "modified ID"), ("order", "DESC")]
    if with_comments:
        query.append(("withcomments", "1"))
    if page > 1:
        query.append(("paged", str(page)))
    return f"{base}?{urlencode(query)}" if query else base


def _atom_from_rss(home: Any, rss_href: str | None) -> tuple[str, list[tuple[str, str]]] | None:
    """The Atom feed's address (without query) and query pairs, from the RSS2 link."""
    href = web_url(rss_href)
    if href is None:
        return None
    try:
        rss = urlsplit(href)
        if (rss.hostname, rss.port) != (home.hostname, home.port) or rss.scheme != home.scheme:
            return None
    except ValueError:
        return None
    query = parse_qsl(rss.query)
    if any(key == "feed" for key, _ in query):
        pairs = [(key, "atom" if key == "feed" else value) for key, value in query]
        return urlunsplit((rss.scheme, rss.netloc, rss.path, "", "")), pairs
    if match := _RSS_FEED.fullmatch(rss.path):
        path = match.group("path") + "/atom/"
        return urlunsplit((rss.scheme, rss.netloc, path, "", "")), query
    return None
