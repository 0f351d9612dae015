"""The three ways a WordPress site spells its REST URLs, chosen by its permalink setting.

``pretty`` (``/wp-json/``), ``pathinfo`` (``/index.php/wp-json/``) and ``plain``
(``/index.php?rest_route=/``). The same helpers build hrefs for the data and parse requests,
so both always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

from demo.params import Query, add_query_args

Spelling = Literal["pretty", "pathinfo", "plain"]
SPELLINGS: tuple[Spelling, ...] = ("pretty", "pathinfo", "plain")

_PRETTY = "/wp-json"
_PATHINFO = "/index.php/wp-json"
_PREFIXES: dict[str, str] = {"pretty": _PRETTY, "pathinfo": _PATHINFO}
# Front-end paths where WordPress reads the ``rest_route`` query var.
_REST_ROUTE_PATHS = ("/", "/index.php")


def check_spelling(spelling: str) -> Spelling:
    """Return ``spelling`` if it is one of :data:`SPELLINGS`, else raise ``ValueError``."""
    if spelling not in SPELLINGS:
        raise ValueError(f"unknown spelling {spelling!r}; use one of {', '.join(SPELLINGS)}")
    return spelling  # type: ignore[return-value]


def rest_url(origin: str, spelling: Spelling, route: str, args: Query | None = None) -> str:
    """``rest_url(route)`` plus ``add_query_arg(args)``, as WordPress builds hrefs.

    >>> rest_url("http://h", "pretty", "/wp/v2/comments", {"post": "7"})
    'http://h/wp-json/wp/v2/comments?post=7'
    >>> rest_url("http://h", "plain", "/wp/v2/posts/7")
    'http://h/index.php?rest_route=/wp/v2/posts/7'
    >>> rest_url("http://h", "plain", "/wp/v2/comments", {"post": "7"})
    'http://h/index.php?rest_route=%2Fwp%2Fv2%2Fcomments&post=7'
    """
    if spelling == "plain":
        url = f"{origin}/index.php?rest_route={route}"
    else:
        url = origin + _PREFIXES[spelling] + route
    return add_query_args(url, args) if args else url


def api_root(origin: str, spelling: Spelling) -> str:
    """The REST root a site advertises in its ``Link: <...>; rel="https://api.w.org/"``."""
    return rest_url(origin, spelling, "/")


def split_rest_url(url: str, origin: str, spelling: Spelling) -> tuple[str, str] | None:
    """Inverse of :func:`rest_url`: ``(route, raw query)``, or ``None`` for a non-REST URL.

    >>> split_rest_url("http://h/index.php?rest_route=%2Fwp%2Fv2%2Ftags&post=7", "http://h", "plain")
    ('/wp/v2/tags', 'post=7')
    >>> split_rest_url("http://h/wp-json/wp/v2/tags?post=7", "http://h", "pretty")
    ('/wp/v2/tags', 'post=7')
    >>> split_rest_url("http://h/2024/05/hello/", "http://h", "pretty") is None
    True
    """
    if not url.startswith(origin):
        return None
    rest = url[len(origin) :]
    if spelling == "plain":
        for head in ("/index.php?rest_route=", "/?rest_route="):
            if rest.startswith(head):
                route, _, query = rest[len(head) :].partition("&")
                return unquote(route), query
        return None
    prefix = _PREFIXES[spelling]
    if rest == prefix or rest.startswith((prefix + "/", prefix + "?")):
        path, _, query = rest[len(prefix) :].partition("?")
        return path or "/", query
    return None


@dataclass(frozen=True, slots=True)
class Target:
    """Where a request lands: a REST ``route``, the web server's own 404, or a front-end page."""

    kind: Literal["rest", "server_404", "frontend"]
    route: str = ""


def normalise_route(route: str) -> str:
    """``rest_api_loaded()``: untrailingslashit, one leading slash, empty means the index."""
    return "/" + route.strip("/")


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def resolve(path: str, query: Query, spelling: Spelling) -> Target:
    """Classify a request path the way WordPress behind nginx/php -S would.

    The ``rest_route`` query var wins over the path, as in ``WP::parse_request()``.

    >>> resolve("/wp-json/wp/v2/posts/", {}, "pretty")
    Target(kind='rest', route='/wp/v2/posts')
    >>> resolve("/wp-json/wp/v2/posts", {}, "pathinfo").kind
    'server_404'
    >>> resolve("/", {"rest_route": "/wp/v2/posts"}, "plain")
    Target(kind='rest', route='/wp/v2/posts')
    """
    if spelling == "pretty":
        rest_paths = (_PRETTY, _PATHINFO)
        missing: tuple[str, ...] = ()
    elif spelling == "pathinfo":
        rest_paths, missing = (_PATHINFO,), (_PRETTY,)
    else:
        rest_paths, missing = (), (_PRETTY, _PATHINFO)
    on_rest_path = next((p for p in rest_paths if _under(path, p)), None)
    rest_route = query.get("rest_route")
    if isinstance(rest_route, str) and (path in _REST_ROUTE_PATHS or on_rest_path):
        return Target("rest", normalise_route(rest_route))
    if on_rest_path is not None:
        return Target("rest", normalise_route(path[len(on_rest_path) :]))
    if any(_under(path, p) for p in missing):
        return Target("server_404")
    return Target("frontend")
