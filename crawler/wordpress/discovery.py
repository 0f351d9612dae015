"""Find a site's REST API root from any URL on the site.

WordPress advertises its root on every front-end page, in a ``Link`` header and in a ``<link>``
tag, both with ``rel="https://api.w.org/"``. The root can be on another path or host than the
page (subdirectory installs, headless setups), so the advertised URL is used exactly as given.
When neither is there (a cache stripped the header, a theme has no ``wp_head()``), the crawler
probes the three places WordPress serves the API from, in the order real sites answer them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from html import unescape
from itertools import islice
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from crawler.logsafety import safe_for_log

from .jsonbody import html_selector
from .records import web_url

logger = logging.getLogger(__name__)

NAME_MAX = 200
"""The site's name is only shown in the log: control characters removed, this long at most."""

API_REL = "https://api.w.org/"

# One link-value of an RFC 8288 Link header: <uri> followed by ;-separated parameters.
_LINK_VALUE = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,<]+(?:=\s*(?:\"[^\"]*\"|[^;,]*))?)*)")
_REL_PARAM = re.compile(r"""rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))""", re.IGNORECASE)


def link_header_targets(values: list[str], rel: str) -> list[str]:
    """The URIs with relation ``rel`` in one or more ``Link`` header values.

    >>> link_header_targets(['<https://e.com/wp-json/>; rel="https://api.w.org/"'], API_REL)
    ['https://e.com/wp-json/']
    >>> link_header_targets(['<https://e.com/?p=1>; rel=shortlink, <https://e.com/wp-json/wp/v2/posts/1>; '
    ...                      'rel="alternate"; type="application/json"'], "alternate")
    ['https://e.com/wp-json/wp/v2/posts/1']
    """
    targets = []
    for value in values:
        for match in _LINK_VALUE.finditer(value):
            for rel_match in _REL_PARAM.finditer(match.group(2)):
                rels = (rel_match.group(1) or rel_match.group(2) or "").split()
                if rel in rels:
                    targets.append(match.group(1).strip())
    return targets


# Where the page's body starts: a <link> after it is content, not the site's own.
_BODY_TAG = re.compile(r"<body[\s/>]", re.IGNORECASE)


def api_root_from_html(text: str, page_url: str) -> str | None:
    """The root advertised by ``<link rel="https://api.w.org/" href=...>`` in a page's head.

    Only what comes before the ``<body>`` tag is read, and not by its place in the parsed
    tree: PHP notices printed before ``<!DOCTYPE html>`` make libxml2 start the body early.

    >>> api_root_from_html('<head><link rel="https://api.w.org/" href="/blog/wp-json/" /></head>',
    ...                    "https://e.com/blog/")
    'https://e.com/blog/wp-json/'
    >>> api_root_from_html('<b>Notice</b>: x<br />\\n<!DOCTYPE html><html><head><link '
    ...                    'rel="https://api.w.org/ other" href="/wp-json/">', "https://e.com/")
    'https://e.com/wp-json/'
    >>> api_root_from_html("<p>no link</p>", "https://e.com/") is None
    True
    """
    # The tag is in <head>; reading the first 256 KiB is enough even for bloated heads.
    head = text[:262_144]
    body = _BODY_TAG.search(head)
    if body:
        head = head[: body.start()]
    if not head.strip():
        return None
    hrefs = html_selector(head).css(f'link[rel~="{API_REL}"]::attr(href)').getall()
    href = next((h.strip() for h in hrefs if h.strip()), None)
    return urljoin(page_url, href) if href else None


def api_root_from_headers(link_values: list[str], page_url: str) -> str | None:
    """The root advertised by a ``Link: <...>; rel="https://api.w.org/"`` response header."""
    targets = link_header_targets(link_values, API_REL)
    return urljoin(page_url, targets[0]) if targets else None


def probe_candidates(url: str) -> list[str]:
    """Where to look for the API when the site does not advertise it, in order.

    The directory of the given URL comes first (subdirectory installs), then the host root.

    >>> probe_candidates("https://e.com/blog/")  # doctest: +NORMALIZE_WHITESPACE
    ['https://e.com/blog/wp-json/', 'https://e.com/blog/index.php/wp-json/',
     'https://e.com/blog/?rest_route=/',
     'https://e.com/wp-json/', 'https://e.com/index.php/wp-json/', 'https://e.com/?rest_route=/']
    >>> probe_candidates("http://127.0.0.1:8080")
    ['http://127.0.0.1:8080/wp-json/', 'http://127.0.0.1:8080/index.php/wp-json/', 'http://127.0.0.1:8080/?rest_route=/']
    """
    parts = urlsplit(url)
    directory = parts.path.rsplit("/", 1)[0] + "/" if parts.path else "/"
    bases = [directory] if directory == "/" else [directory, "/"]
    candidates: list[str] = []
    for base in bases:
        for suffix, query in (("wp-json/", ""), ("index.php/wp-json/", ""), ("", "rest_route=/")):
            candidate = urlunsplit((parts.scheme, parts.netloc, base + suffix, query, ""))
            if candidate not in candidates:
                candidates.append(candidate)
    return candidates


def is_rest_index(data: Any) -> bool:
    """Whether a parsed body is a WordPress REST index (what the root answers).

    >>> is_rest_index({"name": "x", "namespaces": ["wp/v2"], "routes": {}})
    True
    >>> is_rest_index([{"id": 1}])
    False
    """
    return isinstance(data, dict) and isinstance(data.get("namespaces"), list) and "routes" in data


@dataclass(frozen=True)
class SiteInfo:
    """What the REST index tells about a site, kept small: the index itself can be megabytes."""

    name: str
    home: str
    namespaces: tuple[str, ...]
    route_args: dict[str, frozenset[str]] = field(default_factory=dict)
    """The query arguments each collection GET route accepts (``wp/v2/posts``, and custom types'
    own namespaces, ``cookbook/v1/guides``), for feature detection."""

    def supports(self, route: str, arg: str) -> bool:
        """Whether ``route`` (e.g. ``wp/v2/posts``) accepts ``arg`` (e.g. ``modified_after``).

        WordPress silently ignores unknown arguments, so this is the only safe way to know.
        """
        return arg in self.route_args.get(route.strip("/"), frozenset())

    @property
    def has_wp_v2(self) -> bool:
        """Whether the core content routes exist (WordPress 4.7+, not removed by a plugin)."""
        return "wp/v2" in self.namespaces


MAX_ROUTES = 5000
"""Routes of the REST index read at most (a large site with many plugins has about 1,000)."""


def site_info(index: dict[str, Any], fallback_home: str) -> SiteInfo:
    """Extract a :class:`SiteInfo` from a REST index body, whatever shapes its parts have.

    A part of the wrong shape (``routes`` a list, an ``endpoints`` or ``args`` that is not
    what WordPress sends) counts as absent. The home, the ``site`` of every record, must be
    an ``http(s)`` URL; otherwise the URL the user gave (``fallback_home``) is used.

    >>> info = site_info({"name": "News &amp; Views", "home": "https://e.com", "namespaces": ["wp/v2"],
    ...     "routes": {"/wp/v2/posts": {"endpoints": [{"methods": ["GET"], "args": {"page": {}}}]}}},
    ...     "https://e.com/")
    >>> info.name, info.supports("wp/v2/posts", "page"), info.supports("wp/v2/posts", "modified_after")
    ('News & Views', True, False)
    >>> info = site_info({"name": ["x"], "home": "javascript:alert(1)", "namespaces": ["wp/v2", 3],
    ...     "routes": {"/wp/v2/posts": {"endpoints": [{"methods": "GET", "args": ["page"]}, 5]},
    ...                "/wp/v2/pages": {"endpoints": {"GET": 1}}, "/wp/v2/tags": "x"}},
    ...     "https://e.com/")
    >>> info.name, info.home, info.namespaces, info.supports("wp/v2/posts", "page")
    ('', 'https://e.com/', ('wp/v2',), False)
    >>> site_info({"name": "\\x1b[31mRed\\x1b[0m", "namespaces": []}, "https://e.com/").name
    'Red'
    >>> site_info({"namespaces": [], "routes": ["/wp/v2/posts"]}, "https://e.com/").route_args
    {}

    A custom type registered in its own namespace is detected from its own route's arguments;
    single-record routes (``(?P<id>...)``) are not indexed, and at most :data:`MAX_ROUTES`:

    >>> info = site_info({"routes": {"/cookbook/v1/guides": {"endpoints": [{"methods": ["GET"],
    ...     "args": {"modified_after": {}}}]}, "/cookbook/v1/guides/(?P<id>[0-9]+)": {}}}, "https://e.com/")
    >>> info.supports("cookbook/v1/guides", "modified_after"), list(info.route_args)
    (True, ['cookbook/v1/guides'])
    """
    routes = index.get("routes")
    route_args = {}
    for route, spec in islice(routes.items() if isinstance(routes, dict) else (), MAX_ROUTES):
        if isinstance(route, str) and route.count("/") >= 3 and "(?P<" not in route:
            route_args[route.strip("/")] = _get_args(spec)
    namespaces = index.get("namespaces")
    name, home = index.get("name"), index.get("home")
    valid_home = web_url(home)
    if valid_home is None and home is not None:
        logger.warning(
            "The site's REST index gives its home as %r, which is not an http(s) URL; "
            "records name the site %s instead",
            home, fallback_home,
        )  # fmt: skip
    return SiteInfo(
        name=safe_for_log(unescape(name))[:NAME_MAX] if isinstance(name, str) else "",
        home=(valid_home or fallback_home).rstrip("/") + "/",
        namespaces=tuple(ns for ns in _list(namespaces) if isinstance(ns, str)),
        route_args=route_args,
    )


def _get_args(spec: Any) -> frozenset[str]:
    """The query arguments of a route's GET endpoints, as the index describes them."""
    args: set[str] = set()
    endpoints = spec.get("endpoints") if isinstance(spec, dict) else None
    for endpoint in _list(endpoints):
        if isinstance(endpoint, dict) and "GET" in _list(endpoint.get("methods")):
            endpoint_args = endpoint.get("args")
            if isinstance(endpoint_args, dict):
                args.update(endpoint_args)
    return frozenset(args)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
