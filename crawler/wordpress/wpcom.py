"""WordPress.com-hosted sites: their REST API lives on the public API host, not on the site.

A simple WordPress.com site advertises ``Link: <https://public-api.wordpress.com/wp-json/
?rest_route=/sites/<site>>; rel="https://api.w.org/"``, where ``<site>`` is the site's host
name or its numeric blog id. The index is served there, but the collections are served at
``https://public-api.wordpress.com/wp/v2/sites/<site>/posts`` (the namespace first, then the
site): a plain :class:`~crawler.wordpress.routes.ApiRoot` would build ``?rest_route=/sites/
<site>/wp/v2/posts``, which WordPress.com does not serve. :class:`WpcomRoot` builds the served
layout and maps both layouts back to routes, so ``_links`` and paging work unchanged.

The API origin is a parameter (the ``WORDPRESS_COM_API`` setting), so tests can point it at a
fake on 127.0.0.1; only a root on exactly that origin is treated as WordPress.com.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from .routes import _SAFE, REST_ROUTE, ApiRoot, _format, request_host

DEFAULT_API = "https://public-api.wordpress.com"
"""The WordPress.com public API origin (the ``WORDPRESS_COM_API`` setting's default)."""

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_SITE = re.compile(rf"[0-9]{{1,20}}|(?:{_LABEL}\.)+{_LABEL}")
"""A blog id (digits) or a host name of at least two labels: nothing else reaches a URL."""
_SITE_ROUTE = re.compile(r"/sites/([^/]{1,253})/?")


def api_origin(api: str) -> str | None:
    """``scheme://host[:port]`` of a configured API origin, lower-cased; ``None`` if not http(s).

    >>> api_origin("https://Public-API.WordPress.com/"), api_origin("ftp://x"), api_origin("")
    ('https://public-api.wordpress.com', None, None)
    """
    try:
        parts = urlsplit(api.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{request_host(api.strip())}"


def is_wpcom_api(url: str, api: str = DEFAULT_API) -> bool:
    """Whether ``url`` is on the configured WordPress.com API origin (scheme, host and port).

    >>> is_wpcom_api("https://public-api.wordpress.com/wp-json/?rest_route=/sites/a.b")
    True
    >>> is_wpcom_api("http://public-api.wordpress.com/wp-json/"), is_wpcom_api("https://e.com/")
    (False, False)
    >>> is_wpcom_api("http://127.0.0.1:81/wp-json/", "http://127.0.0.1:81")
    True
    """
    origin = api_origin(api)
    return origin is not None and api_origin(url) == origin


def site_of(url: str, api: str = DEFAULT_API) -> str | None:
    """The ``<site>`` of an advertised WordPress.com root, validated, or ``None`` if ``url`` is
    not one (another origin, another path, a site that is neither a host name nor a blog id).

    >>> site_of("https://public-api.wordpress.com/wp-json/?rest_route=/sites/Example.WordPress.com/")
    'example.wordpress.com'
    >>> site_of("https://public-api.wordpress.com/wp-json/?rest_route=%2Fsites%2F123")
    '123'
    >>> [site_of("https://public-api.wordpress.com/wp-json/?rest_route=/sites/" + s)
    ...  for s in ("a.com/wp/v2", "../x", "a_b.com", "localhost", "a.com:8080", "")]
    [None, None, None, None, None, None]
    >>> site_of("https://evil.example/wp-json/?rest_route=/sites/a.com") is None
    True
    """
    if not is_wpcom_api(url, api):
        return None
    parts = urlsplit(url.strip())
    if parts.path.rstrip("/") not in ("/wp-json", ""):
        return None
    route = dict(parse_qsl(parts.query, keep_blank_values=True)).get(REST_ROUTE, "")
    match = _SITE_ROUTE.fullmatch(route)
    if match is None:
        return None
    site = match.group(1).lower()
    return site if _SITE.fullmatch(site) else None


@dataclass(frozen=True)
class WpcomRoot(ApiRoot):
    """The REST root of a WordPress.com site: the index as advertised, ``wp/v2`` routes at
    ``{api}/wp/v2/sites/<site>/…``.

    >>> root = wpcom_root("https://public-api.wordpress.com/wp-json/?rest_route=/sites/A.blog")
    >>> root.url, root.site  # the index stays as advertised
    ('https://public-api.wordpress.com/wp-json/?rest_route=/sites/A.blog', 'a.blog')
    >>> root.route("wp/v2/posts", per_page=100, page=2)
    'https://public-api.wordpress.com/wp/v2/sites/a.blog/posts?per_page=100&page=2'
    >>> root.route("wp/v2/types"), root.route("")
    ('https://public-api.wordpress.com/wp/v2/sites/a.blog/types', 'https://public-api.wordpress.com/wp-json/?rest_route=/sites/A.blog')
    >>> root.route("oembed/1.0/embed", url="x")
    'https://public-api.wordpress.com/wp-json/?rest_route=/sites/a.blog/oembed/1.0/embed&url=x'
    >>> root.host, root.uses_query
    ('public-api.wordpress.com', False)
    """

    api: str = DEFAULT_API
    """The API origin, ``scheme://host[:port]``."""
    site: str = ""
    """The site's host name or blog id, validated by :func:`site_of`."""

    @property
    def uses_query(self) -> bool:
        """The ``wp/v2`` routes are paths (the index alone is a query)."""
        return False

    def route(self, route: str, **params: object) -> str:
        """The URL of ``route`` with query ``params``: ``wp/v2`` in the path layout
        WordPress.com serves, any other namespace under the advertised index."""
        route = route.strip("/")
        pairs = [(key, _format(value)) for key, value in params.items() if value is not None]
        if not route and not pairs:
            return self.url
        if route == "wp/v2" or route.startswith("wp/v2/"):
            rest = route.removeprefix("wp/v2").strip("/")
            path = f"/wp/v2/sites/{self.site}" + (f"/{quote(rest, safe='/')}" if rest else "")
            query = urlencode(pairs, safe=_SAFE)
            return self.api + path + (f"?{query}" if query else "")
        full = f"/sites/{self.site}/" + route if route else f"/sites/{self.site}/"
        query = urlencode([(REST_ROUTE, full), *pairs], safe=_SAFE)
        return f"{self.api}/wp-json/?{query}"

    def route_of(self, url: str) -> str | None:
        """The route of a URL in either layout of this site, or ``None`` if it is not one.

        >>> root = wpcom_root("https://public-api.wordpress.com/wp-json/?rest_route=/sites/a.blog")
        >>> root.route_of("https://public-api.wordpress.com/wp/v2/sites/a.blog/posts?page=2")
        'wp/v2/posts'
        >>> root.route_of("https://public-api.wordpress.com/wp-json/?rest_route=%2Fsites%2Fa.blog%2Fwp%2Fv2%2Ftags&post=5")
        'wp/v2/tags'
        >>> root.route_of("https://public-api.wordpress.com/wp/v2/sites/b.blog/posts") is None
        True
        >>> root.route_of("https://a.blog/wp-json/wp/v2/posts") is None
        True
        >>> root.route_of("http://[bad/wp/v2/sites/a.blog/posts") is None
        True
        """
        try:
            if not is_wpcom_api(url, self.api):
                return None
            parts = urlsplit(url)
        except ValueError:
            return None
        prefix, path = f"/wp/v2/sites/{self.site}", parts.path
        if path.lower() == prefix or path.lower().startswith(prefix + "/"):
            return ("wp/v2/" + path[len(prefix) :].strip("/")).strip("/")
        route = dict(parse_qsl(parts.query, keep_blank_values=True)).get(REST_ROUTE)
        if route is None or parts.path.rstrip("/") not in ("/wp-json", ""):
            return None
        head = f"/sites/{self.site}"
        if route.lower() == head or route.lower().startswith(head + "/"):
            return route[len(head) :].strip("/")
        return None


def wpcom_root(url: str, api: str = DEFAULT_API) -> WpcomRoot | None:
    """The WordPress.com root advertised at ``url``, or ``None`` if ``url`` is not one.

    >>> wpcom_root("https://public-api.wordpress.com/wp-json/?rest_route=/sites/12345").site
    '12345'
    >>> wpcom_root("https://e.com/wp-json/") is None
    True
    """
    site = site_of(url, api)
    origin = api_origin(api)
    if site is None or origin is None:
        return None
    return WpcomRoot(url.strip(), api=origin, site=site)


def api_root(url: str, *, wpcom_api: str = DEFAULT_API) -> ApiRoot:
    """The root to build every REST URL from: WordPress.com's layout for a root on the
    configured WordPress.com API origin, the site's own spelling for any other.

    >>> type(api_root("https://public-api.wordpress.com/wp-json/?rest_route=/sites/a.blog")).__name__
    'WpcomRoot'
    >>> api_root("https://public-api.wordpress.com/wp-json/?rest_route=/sites/a.blog",
    ...          wpcom_api="http://127.0.0.1:8080").route("wp/v2/posts")
    'https://public-api.wordpress.com/wp-json/?rest_route=/sites/a.blog/wp/v2/posts'
    """
    return wpcom_root(url, wpcom_api) or ApiRoot.from_url(url)


def without_api_message(home_url: str, hint: str, api: str = DEFAULT_API) -> str:
    """The one line for a WordPress.com site that advertises no API root: the crawler does not
    guess another host, the user may name it.

    >>> without_api_message("https://a.wordpress.com/", "a wordpress.com host")
    'https://a.wordpress.com/ looks hosted by WordPress.com (a wordpress.com host) but advertises no REST API root, and the crawler does not guess one; if it is a WordPress.com site, crawl its public API: -a url=https://public-api.wordpress.com/wp-json/?rest_route=/sites/a.wordpress.com'
    """
    host = (urlsplit(home_url).hostname or "").lower()
    site = host if _SITE.fullmatch(host) else "<site>"
    origin = api_origin(api) or DEFAULT_API
    return (
        f"{home_url} looks hosted by WordPress.com ({hint}) but advertises no REST API root, "
        "and the crawler does not guess one; if it is a WordPress.com site, crawl its public "
        f"API: -a url={origin}/wp-json/?{REST_ROUTE}=/sites/{site}"
    )
