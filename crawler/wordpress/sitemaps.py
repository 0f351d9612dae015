"""The sitemap inventory: which URLs a site lists, when its REST API is blocked.

Every sitemap a WordPress site may publish is tried in the order that keeps the most fields
exact: the ``Sitemap:`` lines of robots.txt, core's ``/wp-sitemap.xml`` (5.5+; ``?sitemap=index``
under plain permalinks), Yoast/Rank Math's ``/sitemap_index.xml``, then Jetpack's ``/sitemap.xml``.
Children are classified by file name (core ``wp-sitemap-posts-<type>-N.xml``, Yoast
``<type>-sitemap<N>.xml``), never by the shape of the URLs they list.

Parsing is Scrapy's own: :class:`scrapy.utils.sitemap.Sitemap` (lxml iterparse with
``resolve_entities=False``, ``recover=True``) and :func:`scrapy.utils.gz.gunzip` (size-capped).
Both are parsing helpers with no engine, so this module stays pure; Scrapy marks that module's
API "subject to change", so it is used in one place (:func:`read_sitemap`) and
``tests/test_sitemaps.py`` pins the behaviour relied on. robots.txt goes through protego, the
parser Scrapy's ``RobotsTxtMiddleware`` uses.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urljoin, urlsplit, urlunsplit

import lxml.etree
from protego import Protego
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap
from w3lib.url import canonicalize_url

from .records import web_url

if TYPE_CHECKING:
    from collections.abc import Sequence

MAX_ENTRIES = 50_000
"""The sitemap protocol's limit of URLs per file; more is not a sitemap WordPress wrote."""
MAX_ROBOTS_SITEMAPS = 50
"""``Sitemap:`` lines read from one robots.txt (a real one has one to a few)."""
MAX_ROBOTS_CHARS = 512 * 1024
"""robots.txt read this far, as Google does (500 KiB)."""
MAX_URL_CHARS = 2048
"""A ``<loc>`` longer than this is junk, not a permalink."""
MAX_NOISE_BYTES = 64 * 1024
"""How far into the body the XML may start after PHP notices."""
_GZIP_MAGIC = b"\x1f\x8b"
_DOC_START = re.compile(rb"<\?xml|<(?:\w+:)?(?:urlset|sitemapindex)[\s>]")
_DOC_END = re.compile(rb"</(?:\w+:)?(?:urlset|sitemapindex)\s*>\s*(?:<!--.*?-->\s*)*\Z", re.DOTALL)
_KEY = re.compile(r"[a-z0-9_-]{1,32}")
"""A post type or taxonomy name as WordPress stores it (``sanitize_key``, at most 32 chars)."""
_CORE_POSTS = re.compile(r"wp-sitemap-posts-([a-z0-9_-]{1,32}?)-\d{1,6}\.xml")
_CORE_TAXONOMIES = re.compile(r"wp-sitemap-taxonomies-([a-z0-9_-]{1,32}?)-\d{1,6}\.xml")
_CORE_USERS = re.compile(r"wp-sitemap-users-\d{1,6}\.xml")
_YOAST = re.compile(r"([a-z0-9_-]{1,32}?)-sitemap\d{0,6}\.xml")
_YOAST_POST_TYPES = frozenset({"post", "page"})
_YOAST_TAXONOMIES = frozenset({"category", "post_tag"})


def sitemap_candidates(home_url: str) -> list[str]:
    """Where a sitemap index may be, in order, under the home URL's path.

    >>> sitemap_candidates("https://e.com/blog?x=1")  # doctest: +NORMALIZE_WHITESPACE
    ['https://e.com/blog/wp-sitemap.xml', 'https://e.com/blog/?sitemap=index',
     'https://e.com/blog/sitemap_index.xml', 'https://e.com/blog/sitemap.xml']
    """
    parts = urlsplit(home_url)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    base = urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    return [
        base + name
        for name in ("wp-sitemap.xml", "?sitemap=index", "sitemap_index.xml", "sitemap.xml")
    ]


def robots_sitemaps(robots_text: str, robots_url: str) -> list[str]:
    """The ``Sitemap:`` URLs of a robots.txt, absolute, http(s) only, deduplicated, capped.

    >>> robots_sitemaps("User-agent: *\\nDisallow: /wp-admin/\\n\\nSitemap: /wp-sitemap.xml\\n"
    ...                 "sitemap: https://e.com/wp-sitemap.xml\\nSitemap: javascript:x",
    ...                 "https://e.com/robots.txt")
    ['https://e.com/wp-sitemap.xml']
    """
    found: list[str] = []
    for value in Protego.parse(robots_text[:MAX_ROBOTS_CHARS]).sitemaps:
        try:
            url = web_url(urljoin(robots_url, value.strip()[:MAX_URL_CHARS]))
        except ValueError:  # a bad port or IPv6 literal
            continue
        if url and url not in found:
            found.append(url)
            if len(found) >= MAX_ROBOTS_SITEMAPS:
                break
    return found


@dataclass(frozen=True)
class SitemapEntry:
    """One ``<url>`` or ``<sitemap>`` element."""

    loc: str
    lastmod: str | None
    """``YYYY-MM-DDTHH:MM:SS`` in UTC, or None (absent, unreadable, or a date with no time)."""


@dataclass(frozen=True)
class SitemapDoc:
    """A parsed sitemap file: an index of sitemaps, or a list of page URLs."""

    kind: str
    """``sitemapindex`` or ``urlset``."""
    entries: tuple[SitemapEntry, ...]
    complete: bool = True
    """False when the file stops before its closing tag (a cut download): entries are a prefix."""


def read_sitemap(body: bytes, *, max_size: int = 50 * 1024 * 1024) -> SitemapDoc | None:
    """The entries of a sitemap file; None when ``body`` is not a ``<urlset>``/``<sitemapindex>``.

    Some sites answer a missing sitemap with their home page and HTTP 200, so the root element
    decides, not the status. Gzip is recognised by its magic bytes; the body and what it inflates
    to are capped at ``max_size``. Duplicate and non-http(s) locations are dropped.

    >>> doc = read_sitemap(b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/'
    ...     b'sitemap/0.9"><url><loc>https://e.com/a/</loc><lastmod>2024-05-01T12:00:00+02:00'
    ...     b'</lastmod></url><url><loc>ftp://e.com/b</loc></url></urlset>')
    >>> doc.kind, doc.entries
    ('urlset', (SitemapEntry(loc='https://e.com/a/', lastmod='2024-05-01T10:00:00'),))
    >>> read_sitemap(b"<!DOCTYPE html><html><body>Home</body></html>") is None
    True
    """
    if len(body) > max_size:
        return None
    if body[:2] == _GZIP_MAGIC:
        try:
            body = gunzip(body, max_size=max_size)
        except (OSError, EOFError, ValueError, struct.error, zlib.error):
            return None
    sitemap = _parse(body)
    if sitemap is None:
        # PHP notices or stray output before the XML declaration (a known Yoast support case):
        # the document starts at its declaration or root tag, if one is near the start.
        start = _DOC_START.search(body, 0, MAX_NOISE_BYTES)
        sitemap = _parse(body[start.start() :]) if start and start.start() > 0 else None
        if sitemap is None:
            return None
    entries: list[SitemapEntry] = []
    seen: set[str] = set()
    try:
        for element in sitemap:
            loc = element.get("loc")
            url = web_url(loc[:MAX_URL_CHARS] if isinstance(loc, str) else None)
            if url is None or url in seen:
                continue
            seen.add(url)
            entries.append(SitemapEntry(url, w3c_to_utc(element.get("lastmod"))))
            if len(entries) >= MAX_ENTRIES:
                break
    except lxml.etree.LxmlError:
        pass  # a truncated file: keep what was read, and say so
    complete = _DOC_END.search(body[-1024:]) is not None
    return SitemapDoc(sitemap.type, tuple(entries), complete)


def _parse(body: bytes) -> Sitemap | None:
    """Scrapy's parser over ``body`` when its root is a sitemap element, else None."""
    try:
        sitemap = Sitemap(body)
    except (lxml.etree.LxmlError, StopIteration, ValueError):
        return None
    return sitemap if sitemap.type in ("urlset", "sitemapindex") else None


def w3c_to_utc(value: object) -> str | None:
    """A W3C datetime with a zone as ``YYYY-MM-DDTHH:MM:SS`` UTC; None without a time or zone.

    A bare date is not turned into midnight: that would read like a time the site never gave.

    >>> w3c_to_utc("2024-05-01T12:00:00+02:00"), w3c_to_utc("2024-05-01T10:00:00.5Z")
    ('2024-05-01T10:00:00', '2024-05-01T10:00:00')
    >>> w3c_to_utc("2024-05-01"), w3c_to_utc("2024-05-01T10:00:00"), w3c_to_utc("soon")
    (None, None, None)
    """
    if not isinstance(value, str) or not 10 < len(value.strip()) <= 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


@dataclass(frozen=True)
class SitemapFile:
    """What one child sitemap lists, by its file name."""

    url: str
    provider: str
    """``posts``, ``taxonomies``, ``users``, or ``unknown``."""
    subtype: str | None
    """The post type or taxonomy (``post``, ``event``, ``post_tag``); None for users/unknown."""


def classify_sitemap(url: str) -> SitemapFile:
    """What a child sitemap lists, from its file name (core, Yoast/Rank Math, Jetpack).

    >>> classify_sitemap("https://e.com/wp-sitemap-posts-event-1.xml")
    SitemapFile(url='https://e.com/wp-sitemap-posts-event-1.xml', provider='posts', subtype='event')
    >>> classify_sitemap("https://e.com/?sitemap=taxonomies&sitemap-subtype=post_tag&paged=1").subtype
    'post_tag'
    >>> [classify_sitemap(f"https://e.com/{n}").provider for n in
    ...  ("wp-sitemap-users-1.xml", "post-sitemap2.xml", "category-sitemap.xml", "author-sitemap.xml")]
    ['users', 'posts', 'taxonomies', 'users']
    >>> f = classify_sitemap("https://e.com/venue-sitemap.xml"); f.provider, f.subtype  # Yoast: decided later
    ('unknown', 'venue')
    >>> classify_sitemap("https://e.com/sitemap-1.xml").provider
    'unknown'
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return SitemapFile(url, "unknown", None)
    name = parts.path.rsplit("/", 1)[-1].lower()
    query = parse_qs(parts.query[:MAX_URL_CHARS])
    provider = (query.get("sitemap") or [""])[0]
    if provider in ("posts", "taxonomies"):
        subtype = (query.get("sitemap-subtype") or [""])[0]
        if _KEY.fullmatch(subtype):
            return SitemapFile(url, provider, subtype)
        return SitemapFile(url, "unknown", None)
    if provider == "users":
        return SitemapFile(url, "users", None)
    for pattern, kind in ((_CORE_POSTS, "posts"), (_CORE_TAXONOMIES, "taxonomies")):
        if match := pattern.fullmatch(name):
            return SitemapFile(url, kind, match.group(1))
    if _CORE_USERS.fullmatch(name):
        return SitemapFile(url, "users", None)
    if name.startswith("wp-sitemap"):
        return SitemapFile(url, "unknown", None)
    if match := _YOAST.fullmatch(name):
        subtype = match.group(1)
        if subtype == "author":
            return SitemapFile(url, "users", None)
        if subtype in _YOAST_POST_TYPES:
            return SitemapFile(url, "posts", subtype)
        if subtype in _YOAST_TAXONOMIES:
            return SitemapFile(url, "taxonomies", subtype)
        return SitemapFile(url, "unknown", subtype)
    return SitemapFile(url, "unknown", None)


def same_page(url: str) -> str:
    """A URL in the form used to compare two of them: canonical, no trailing slash, no default port.

    >>> same_page("HTTP://E.com:80/blog/") == same_page("http://e.com/blog")
    True
    """
    try:
        parts = urlsplit(canonicalize_url(url.strip()))
        port = parts.port
    except ValueError:
        return url
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme)
    netloc = host if port in (None, default) else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/") or "/", parts.query, ""))


def without_home(entries: Sequence[SitemapEntry], home_url: str) -> list[SitemapEntry]:
    """``entries`` without the home URL, which heads core's page sitemap (show_on_front=posts).

    >>> without_home([SitemapEntry("https://e.com/", None), SitemapEntry("https://e.com/about/", None)],
    ...              "https://e.com")
    [SitemapEntry(loc='https://e.com/about/', lastmod=None)]
    """
    home = same_page(home_url)
    return [entry for entry in entries if same_page(entry.loc) != home]
