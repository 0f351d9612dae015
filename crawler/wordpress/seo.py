"""Publication and modification times from SEO-plugin metadata (Yoast, Rank Math, AIOSEO).

Core WordPress prints no date for pages, and themes print none either in Twenty Twenty-One,
so a crawl without REST has no ``date_gmt``/``modified_gmt`` for them. SEO plugins do: a
JSON-LD graph (``<script type="application/ld+json">``) whose ``WebPage`` or ``Article`` node
carries ``datePublished``/``dateModified``, and OpenGraph ``article:published_time`` /
``article:modified_time``. JSON-LD wins: Yoast prints it for every post type, while its
OpenGraph published time is for posts only and its modified time only when the post was edited
after its publication (``strtotime(modified) > strtotime(date)``).

Exactness: Yoast writes both JSON-LD dates from the GMT columns (``post_date_gmt``,
``post_modified_gmt``) as W3C times with ``+00:00`` (``Date_Helper::format``): to the second,
as REST's ``date_gmt``/``modified_gmt`` (``dateModified`` is ``post_modified_gmt`` itself, even
when older than the publication; only Yoast's sitemap ``lastmod`` is the later of the two, and
its OpenGraph time is absent when the post was never edited: an absent time says nothing).
Other plugins may print local times with an offset (not verified here): the same instant once
converted. A date ``0000-00-00 00:00:00`` (Yoast prints it unchanged) is rejected. Only times
with an offset are used (a time without one is in an unknown zone); they are converted to UTC.
Only a node that names this page (its ``url``/``@id``, or for an article the page it is
``mainEntityOfPage``/``isPartOf``) counts: graphs also describe the site, breadcrumbs and
other pages. Records carry no local time, so none is derived. Parsing is bounded (scripts, bytes, nodes): junk gives ``None``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from w3lib.url import canonicalize_url

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "MAX_JSON_CHARS",
    "SeoDates",
    "jsonld_dates",
    "opengraph_dates",
    "seo_dates",
    "zoned_utc",
]

MAX_JSON_CHARS = 512 * 1024
"""A JSON-LD script longer than this is not parsed (Yoast's graph is a few KB)."""
MAX_SCRIPTS = 20
"""JSON-LD scripts read from one page at most."""
MAX_NODES = 5_000
"""JSON values visited in one script at most."""

_ARTICLE_SUFFIXES = ("Article", "Posting")


@dataclass(frozen=True)
class SeoDates:
    """What SEO metadata says of one page, in UTC (``YYYY-MM-DDTHH:MM:SS``), and from where."""

    published: str | None = None
    modified: str | None = None
    published_from: str | None = None  # "json-ld" or "opengraph"
    modified_from: str | None = None


def zoned_utc(value: object) -> str | None:
    """A W3C date-time that carries an offset, in UTC; None without an offset or for junk.

    >>> zoned_utc("2019-01-05T20:37:19+01:00"), zoned_utc("2019-01-05T19:37:19Z")
    ('2019-01-05T19:37:19', '2019-01-05T19:37:19')
    >>> zoned_utc("2019-01-05T20:37:19"), zoned_utc("2019-01-05"), zoned_utc(5), zoned_utc("x" * 99)
    (None, None, None, None)
    >>> zoned_utc("0000-00-00 00:00:00"), zoned_utc("0001-01-01T00:00:00+01:00")
    (None, None)
    """
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
        if moment.tzinfo is None:
            return None
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    except (ValueError, OverflowError):
        return None


def _page_key(url: object) -> str:
    """A URL without fragment, scheme or case differences, for "is this node this page"."""
    if not isinstance(url, str) or not url.strip() or len(url) > 4096:
        return ""
    try:
        key = canonicalize_url(url.strip(), keep_fragments=False)
    except ValueError:
        return ""
    return key.split("://", 1)[-1].rstrip("/")


def _ids(value: object) -> list[str]:
    """``"url"`` or ``{"@id": "url"}`` (or a list of them): the URLs a reference names."""
    items = value if isinstance(value, list) else [value]
    found = []
    for item in items[:10]:
        ref = item.get("@id") or item.get("url") if isinstance(item, dict) else item
        if isinstance(ref, str):
            found.append(ref)
    return found


def _types(node: dict[str, object]) -> list[str]:
    value = node.get("@type")
    items = value if isinstance(value, list) else [value]
    return [item for item in items[:10] if isinstance(item, str)]


def _nodes(data: object) -> list[dict[str, object]]:
    """Every JSON object of a document (``@graph`` lists and nested ones), bounded."""
    found: list[dict[str, object]] = []
    stack, seen = [data], 0
    while stack and seen < MAX_NODES:
        item = stack.pop()
        seen += 1
        if isinstance(item, dict):
            found.append(item)
            stack.extend(reversed(list(item.values())[:MAX_NODES]))
        elif isinstance(item, list):
            stack.extend(reversed(item[:MAX_NODES]))
    return found


def _names_page(node: dict[str, object], pages: set[str]) -> bool:
    """Whether ``node`` is a ``WebPage``/``Article`` node that describes one of ``pages``."""
    types = _types(node)
    article = any(t.endswith(_ARTICLE_SUFFIXES) for t in types)
    webpage = any(t.endswith("Page") and t != "WebPageElement" for t in types)
    refs = _ids(node.get("url")) + _ids(node.get("@id"))
    if article:  # Yoast: "<page>#article", isPartOf/mainEntityOfPage → the WebPage
        refs += _ids(node.get("mainEntityOfPage")) + _ids(node.get("isPartOf"))
    elif not webpage:
        return False
    return any(_page_key(ref) in pages for ref in refs)


def jsonld_dates(scripts: Iterable[str], page_urls: Iterable[str]) -> SeoDates:
    """``datePublished``/``dateModified`` of the JSON-LD node that describes the page.

    >>> graph = '''{"@context": "https://schema.org", "@graph": [
    ...   {"@type": "WebSite", "@id": "https://e.com/#website", "url": "https://e.com/"},
    ...   {"@type": ["WebPage", "AboutPage"], "@id": "https://e.com/about/",
    ...    "url": "https://e.com/about/", "datePublished": "2024-01-02T03:04:05+00:00",
    ...    "dateModified": "2024-02-03T05:06:07+01:00"}]}'''
    >>> jsonld_dates([graph], ["https://e.com/about/"])
    SeoDates(published='2024-01-02T03:04:05', modified='2024-02-03T04:06:07', published_from='json-ld', modified_from='json-ld')
    >>> jsonld_dates([graph], ["https://e.com/other/"]).published is None  # another page's node
    True
    >>> jsonld_dates(["{not json", "[]", '"x"'], ["https://e.com/"])
    SeoDates(published=None, modified=None, published_from=None, modified_from=None)
    """
    pages = {key for url in list(page_urls)[:10] if (key := _page_key(url))}
    published = modified = None
    for text in list(scripts)[:MAX_SCRIPTS]:
        if len(text) > MAX_JSON_CHARS:
            continue
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            continue
        for node in _nodes(data):
            if not _names_page(node, pages):
                continue
            published = published or zoned_utc(node.get("datePublished"))
            modified = modified or zoned_utc(node.get("dateModified"))
        if published and modified:
            break
    return SeoDates(
        published=published,
        modified=modified,
        published_from="json-ld" if published else None,
        modified_from="json-ld" if modified else None,
    )


def opengraph_dates(properties: Iterable[tuple[str, str]], page_urls: Iterable[str]) -> SeoDates:
    """OpenGraph ``article:published_time``/``article:modified_time`` (``<meta property>``
    pairs); none when ``og:url`` names another page.

    >>> meta = [("og:url", "https://e.com/a/"), ("article:modified_time", "2024-02-03T04:06:07+00:00")]
    >>> opengraph_dates(meta, ["https://e.com/a/"]).modified
    '2024-02-03T04:06:07'
    >>> opengraph_dates(meta, ["https://e.com/b/"]).modified is None
    True
    """
    pairs = [(str(p).strip().lower(), str(v)) for p, v in list(properties)[:500]]
    pages = {key for url in list(page_urls)[:10] if (key := _page_key(url))}
    og_urls = [_page_key(value) for name, value in pairs if name == "og:url"]
    if og_urls and not any(url in pages for url in og_urls):
        return SeoDates()
    published = next(
        (t for n, v in pairs if n == "article:published_time" and (t := zoned_utc(v))), None
    )
    modified = next(
        (t for n, v in pairs if n == "article:modified_time" and (t := zoned_utc(v))), None
    )
    return SeoDates(
        published=published,
        modified=modified,
        published_from="opengraph" if published else None,
        modified_from="opengraph" if modified else None,
    )


def seo_dates(jsonld: SeoDates, opengraph: SeoDates) -> SeoDates:
    """JSON-LD first, OpenGraph second, field by field.

    >>> seo_dates(SeoDates("2024-01-01T00:00:00", None, "json-ld", None),
    ...           SeoDates("2023-01-01T00:00:00", "2024-05-01T00:00:00", "opengraph", "opengraph"))
    SeoDates(published='2024-01-01T00:00:00', modified='2024-05-01T00:00:00', published_from='json-ld', modified_from='opengraph')
    """
    published = jsonld if jsonld.published else opengraph
    modified = jsonld if jsonld.modified else opengraph
    return SeoDates(
        published.published, modified.modified, published.published_from, modified.modified_from
    )
