"""Build REST route URLs in both spellings WordPress uses.

A REST root is either a path (``https://example.com/wp-json/``,
``https://example.com/index.php/wp-json/``) or a query (``https://example.com/?rest_route=/``).
Many real sites answer only one of them, so every URL the crawler requests is built from the
root the site advertised, never from a hard-coded ``/wp-json/``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REST_ROUTE = "rest_route"

# Characters WordPress accepts unencoded in query values; keeping them readable makes logs useful.
_SAFE = "/,:[]"


@dataclass(frozen=True)
class ApiRoot:
    """The root URL of a site's REST API, normalised, and a builder for route URLs.

    >>> root = ApiRoot.from_url("https://example.com/blog/wp-json")
    >>> root.url
    'https://example.com/blog/wp-json/'
    >>> root.route("wp/v2/posts", per_page=100, page=2)
    'https://example.com/blog/wp-json/wp/v2/posts?per_page=100&page=2'
    >>> q = ApiRoot.from_url("http://127.0.0.1:8080/index.php?rest_route=/")
    >>> q.route("/wp/v2/posts", per_page=100)
    'http://127.0.0.1:8080/index.php?rest_route=/wp/v2/posts&per_page=100'
    >>> q.route("")
    'http://127.0.0.1:8080/index.php?rest_route=/'
    """

    url: str

    @classmethod
    def from_url(cls, url: str) -> ApiRoot:
        """Normalise a root as advertised by the site (trailing slash, ``rest_route=/``)."""
        parts = urlsplit(url.strip())
        query = parse_qsl(parts.query, keep_blank_values=True)
        if any(key == REST_ROUTE for key, _ in query):
            route = next(value for key, value in query if key == REST_ROUTE)
            route = "/" + route.strip("/")
            if route != "/":
                route += "/"
            query = [(k, v) for k, v in query if k != REST_ROUTE]
            new_query = urlencode([(REST_ROUTE, route), *query], safe=_SAFE)
            return cls(urlunsplit((parts.scheme, parts.netloc, parts.path or "/", new_query, "")))
        path = parts.path if parts.path.endswith("/") else parts.path + "/"
        return cls(urlunsplit((parts.scheme, parts.netloc, path, parts.query, "")))

    @property
    def uses_query(self) -> bool:
        """True for the ``?rest_route=`` spelling (plain permalinks)."""
        return f"{REST_ROUTE}=" in urlsplit(self.url).query

    @property
    def host(self) -> str:
        """The host (with port) the API lives on; it may differ from the site's pages."""
        return urlsplit(self.url).netloc

    def route(self, route: str, **params: object) -> str:
        """The URL of ``route`` (e.g. ``wp/v2/posts``) with query ``params``, in this root's spelling.

        Parameters whose value is ``None`` are left out; lists are joined with commas.

        >>> ApiRoot("https://e.com/wp-json/").route("wp/v2/posts", include=[3, 1], _fields=None)
        'https://e.com/wp-json/wp/v2/posts?include=3,1'
        """
        pairs = [(key, _format(value)) for key, value in params.items() if value is not None]
        parts = urlsplit(self.url)
        route = route.strip("/")
        if self.uses_query:
            base = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
            prefix = dict(base).get(REST_ROUTE, "/")
            full_route = prefix.rstrip("/") + "/" + route if route else prefix
            others = [(k, v) for k, v in base if k != REST_ROUTE]
            query = urlencode([(REST_ROUTE, full_route), *others, *pairs], safe=_SAFE)
            return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
        path = parts.path + route
        query = urlencode(pairs, safe=_SAFE)
        if parts.query:
            query = parts.query + ("&" + query if query else "")
        return urlunsplit((parts.scheme, parts.netloc, path, query, ""))

    def route_of(self, url: str) -> str | None:
        """The route a URL under this root points at, or ``None`` if it is not under this root.

        It accepts both spellings and a percent-encoded ``rest_route``, which WordPress itself
        emits in some ``_links``. A site that answers only one spelling still writes links in
        the other (WordPress builds ``_links`` from its permalink settings, not from the URL
        that was asked), so a link in the other spelling on the same host and install
        directory is mapped onto this root.

        >>> ApiRoot("https://e.com/wp-json/").route_of("https://e.com/wp-json/wp/v2/posts?page=2")
        'wp/v2/posts'
        >>> ApiRoot("http://e.com/index.php?rest_route=/").route_of(
        ...     "http://e.com/index.php?rest_route=%2Fwp%2Fv2%2Ftags&post=5")
        'wp/v2/tags'
        >>> ApiRoot("https://e.com/wp-json/").route_of("https://other.com/wp-json/wp/v2/posts") is None
        True
        >>> ApiRoot("https://e.com/blog/?rest_route=/").route_of("https://e.com/blog/wp-json/wp/v2/posts")
        'wp/v2/posts'
        >>> ApiRoot("https://e.com/?rest_route=/").route_of("https://e.com/index.php/wp-json/wp/v2/pages")
        'wp/v2/pages'
        >>> ApiRoot("https://e.com/blog/?rest_route=/").route_of("https://e.com/wp-json/wp/v2/posts") is None
        True
        >>> ApiRoot("https://e.com/wp-json/").route_of("http://[bad/wp-json/wp/v2/posts") is None  # not a URL
        True
        """
        try:
            parts = urlsplit(url)
            if request_host(url) != request_host(self.url):
                return None
        except ValueError:  # not a URL at all (an unclosed IPv6 bracket, a bad port)
            return None
        root = urlsplit(self.url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        if REST_ROUTE in query:
            return query[REST_ROUTE].strip("/")
        if not self.uses_query and parts.path.startswith(root.path):
            return parts.path[len(root.path) :].strip("/")
        base = self._install_dir()
        if base is None:
            return None
        for prefix in (base + "wp-json/", base + "index.php/wp-json/"):
            if parts.path.startswith(prefix):
                return parts.path[len(prefix) :].strip("/")
        return None

    def _install_dir(self) -> str | None:
        """The directory WordPress is installed in, as this root's spelling shows it; ``None``
        for a custom prefix (``rest_url_prefix``), whose other spelling cannot be known.

        >>> [ApiRoot(u)._install_dir() for u in ("https://e.com/blog/index.php/wp-json/",
        ...     "https://e.com/index.php?rest_route=/", "https://e.com/api/")]
        ['/blog/', '/', None]
        """
        path = urlsplit(self.url).path
        if self.uses_query:
            return path.rsplit("/", 1)[0] + "/"
        if not path.endswith("/wp-json/"):
            return None
        base = path.removesuffix("wp-json/")
        return base.removesuffix("index.php/")


def _format(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(str(v) for v in value)
    return str(value)


def request_host(url: str) -> str:
    """The host and port of ``url`` as Scrapy's requests carry them (see :func:`crawler.params.site_url`), for
    comparing hosts: a site may advertise its API root with a Unicode host name.

    >>> request_host("http://Bücher.example:8080/wp-json/"), request_host("http://[::1]:81/")
    ('xn--bcher-kva.example:8080', '[::1]:81')
    """
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    host = ascii_host(parts.hostname) if parts.hostname else None
    if host is None:
        return parts.netloc.lower()
    return host if port is None else f"{host}:{port}"


def ascii_host(hostname: str) -> str | None:
    """The host as requests carry it: IPv6 in brackets, names in IDNA (as w3lib encodes them
    for Scrapy: NFKC, then Python's ``idna`` codec), or ``None`` if it cannot be encoded.

    >>> ascii_host("bücher.example"), ascii_host("::1"), ascii_host("a..b")
    ('xn--bcher-kva.example', '[::1]', None)
    """
    if ":" in hostname:
        return f"[{hostname}]"
    if hostname.isascii():
        labels = hostname.rstrip(".").split(".")
        return hostname if all(0 < len(label) < 64 for label in labels) else None
    try:
        return unicodedata.normalize("NFKC", hostname).encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
