"""Which collections a site has: its public post types and taxonomies.

``/wp/v2/types`` and ``/wp/v2/taxonomies`` answer objects keyed by name. The collection URL
is taken from ``_links["wp:items"]`` (or ``rest_namespace`` + ``rest_base``), never from a
pluralised name: WooCommerce's ``product`` lives at ``/wp/v2/product``. WordPress's own
internals (menus, blocks, templates...) are not content and are skipped.

The answers come from sites we do not control, so every shape is checked before use (a wrong
one is skipped, never raised on), routes must be plain paths under the site's API root (no
``..``, ``%``-templates, control characters), and a collection may not take the key of a core
one or of another (``posts`` in ``my/v1``, the same ``rest_base`` twice): each such entry is
skipped, with one warning per answer and the ``wordpress/catalog_skipped`` stat when the caller
passes its stats.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import unquote

from .errors import error_code
from .routes import ApiRoot  # noqa: TC001 - the doctests use it

logger = logging.getLogger(__name__)

INTERNAL_TYPES = frozenset({"attachment", "nav_menu_item"})
"""Types that are not crawled as content: media has its own feed, menus are site chrome."""
INTERNAL_TAXONOMIES = frozenset({"nav_menu", "link_category", "post_format", "wp_theme"})

DEFAULT_TYPES = {
    "post": {"rest_base": "posts", "taxonomies": ["category", "post_tag"]},
    "page": {"rest_base": "pages"},
}
"""What every WordPress 4.7+ has, for sites whose ``/types`` route is blocked."""
DEFAULT_TAXONOMIES = {
    "category": {"rest_base": "categories"},
    "post_tag": {"rest_base": "tags"},
}


CORE_ROUTES = {
    base: f"wp/v2/{base}"
    for base in ("posts", "pages", "media", "users", "comments", "categories", "tags")
}
"""The core collections, by key: no other route may take one of these keys."""
CORE_OWNERS = {"posts": "post", "pages": "page", "categories": "category", "tags": "post_tag"}
"""Which post type or taxonomy a core key belongs to (media, users, comments: none)."""

OTHER_RECORD_TYPES = frozenset({"media", "term", "user", "comment"})
"""The ``type`` of the other records: a post type of one of these names would have its records
mixed into that feed."""

MAX_ROUTE_LENGTH = 500
_SEGMENT = re.compile(r"(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})+")
"""One path segment as RFC 3986 allows it: no ``/``, ``?``, ``#``, space, control character,
non-ASCII character or ``%`` that is not an escape (``%(host)s``)."""


class Counter(Protocol):
    """The part of Scrapy's stats collector this module counts in."""

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...


def valid_route(route: str) -> bool:
    """Whether a route is a plain path: segments allowed in a URL, none of them ``.``/``..``.

    >>> valid_route("wp/v2/posts"), valid_route("wc/v3/product"), valid_route("wp/v2/%C3%A9")
    (True, True, True)
    >>> [valid_route(r) for r in ("wp/v2/%(host)s", "wp/v2/../x", "wp/v2/%2e%2E", "wp//x", "")]
    [False, False, False, False, False]
    >>> valid_route("wp/v2/a" + chr(0)), valid_route("wp/v2/" + "a" * 600)
    (False, False)
    """
    if not route or len(route) > MAX_ROUTE_LENGTH:
        return False
    return all(
        _SEGMENT.fullmatch(segment) and unquote(segment) not in (".", "..")
        for segment in route.split("/")
    )


@dataclass(frozen=True)
class Collection:
    """A post type or taxonomy the crawler can page through."""

    name: str
    """WordPress's name for it: ``post``, ``page``, ``event``, ``category``, ``post_tag``..."""
    rest_base: str
    """The last segment of its route: its key in stats and the crawl state, unique among the
    collections of one answer (a clash is skipped, see the module docstring)."""
    route: str
    """Its collection route under the API root, e.g. ``wp/v2/posts``."""
    taxonomies: tuple[str, ...] = ()
    """For post types: the taxonomies its records are classified by."""


def _is_internal(name: str, internal: frozenset[str]) -> bool:
    return name in internal or name.startswith("wp_")


def _route(spec: dict[str, Any], root: ApiRoot) -> str | None:
    """The collection route of a type or taxonomy, on the site's own API root only."""
    links = spec.get("_links")
    items = links.get("wp:items") if isinstance(links, dict) else None
    for link in items if isinstance(items, list) else []:
        href = link.get("href") if isinstance(link, dict) else None
        if isinstance(href, str):
            return root.route_of(href)  # None for another host: not followed
    base, namespace = spec.get("rest_base"), spec.get("rest_namespace") or "wp/v2"
    if isinstance(base, str) and base and isinstance(namespace, str):
        return f"{namespace.strip('/')}/{base.strip('/')}"
    return None


def _collections(
    index: dict[str, Any],
    root: ApiRoot,
    internal: frozenset[str],
    *,
    what: str,
    core: frozenset[str],
    stats: Counter | None,
) -> list[Collection]:
    found: list[Collection] = []
    skipped: dict[str, list[str]] = {}
    keys: set[str] = set()
    candidates = []
    for name, spec in index.items():
        if _is_internal(name, internal):
            continue
        if isinstance(spec, dict):
            candidates.append((name, spec, _route(spec, root)))
        else:
            skipped.setdefault("not a JSON object", []).append(name)
    # Core collections claim their keys first, wherever the answer lists them.
    candidates.sort(key=lambda c: c[2] is None or c[2] != CORE_ROUTES.get(c[2].split("/")[-1]))
    for name, spec, route in candidates:
        if route is None:
            skipped.setdefault("no route under the API root", []).append(name)
            continue
        if not valid_route(route):
            skipped.setdefault("not a plain route", []).append(name)
            continue
        if "posts" in core and name in OTHER_RECORD_TYPES:
            skipped.setdefault("named like the records of another feed", []).append(name)
            continue
        key = route.rsplit("/", 1)[-1]
        owner = CORE_OWNERS.get(key)
        if key in CORE_ROUTES and (key not in core or route != CORE_ROUTES[key] or owner != name):
            skipped.setdefault("takes the key of a core collection", []).append(name)
            continue
        if key in keys or key.removesuffix("-ids") in keys or f"{key}-ids" in keys:
            skipped.setdefault("has the key of another collection", []).append(name)
            continue
        keys.add(key)
        taxonomies = spec.get("taxonomies")
        found.append(
            Collection(
                name=name,
                rest_base=key,
                route=route,
                taxonomies=tuple(
                    t
                    for t in (taxonomies if isinstance(taxonomies, list) else [])
                    if isinstance(t, str)
                ),
            )
        )
    for reason, names in skipped.items():
        shown = ", ".join(repr(name[:40]) for name in names[:5])
        more = f" and {len(names) - 5} more" if len(names) > 5 else ""
        logger.warning(
            "Skipping %d %s of this site (%s%s): %s; their records are not crawled",
            len(names), what, shown, more, reason,
        )  # fmt: skip
        if stats is not None:
            stats.inc_value("wordpress/catalog_skipped", len(names))
    return found


def content_types(types: Any, root: ApiRoot, *, stats: Counter | None = None) -> list[Collection]:
    """The crawlable post types of a ``/wp/v2/types`` answer (defaults if it is unusable).

    >>> root = ApiRoot("https://e.com/wp-json/")
    >>> found = content_types({
    ...     "post": {"rest_base": "posts", "taxonomies": ["category", "post_tag"]},
    ...     "attachment": {"rest_base": "media"},
    ...     "wp_block": {"rest_base": "blocks"},
    ...     "product": {"rest_base": "product", "_links": {"wp:items": [
    ...         {"href": "https://e.com/wp-json/wp/v2/product"}]}},
    ... }, root)
    >>> [(c.name, c.route) for c in found]
    [('post', 'wp/v2/posts'), ('product', 'wp/v2/product')]
    """
    if not isinstance(types, dict) or not types or error_code(types):
        types = DEFAULT_TYPES
    return _collections(
        types, root, INTERNAL_TYPES, what="post types", core=frozenset({"posts", "pages"}),
        stats=stats,
    )  # fmt: skip


def taxonomies(answer: Any, root: ApiRoot, *, stats: Counter | None = None) -> list[Collection]:
    """The public taxonomies of a ``/wp/v2/taxonomies`` answer (defaults if it is unusable).

    >>> root = ApiRoot("https://e.com/wp-json/")
    >>> [c.route for c in taxonomies({"category": {"rest_base": "categories"},
    ...     "genre": {"rest_base": "tags", "rest_namespace": "x/v1"}, "venue": []}, root)]
    ['wp/v2/categories']
    """
    if not isinstance(answer, dict) or not answer or error_code(answer):
        answer = DEFAULT_TAXONOMIES
    return _collections(
        answer, root, INTERNAL_TAXONOMIES, what="taxonomies",
        core=frozenset({"categories", "tags"}), stats=stats,
    )  # fmt: skip


def select(types: list[Collection], wanted: str | None) -> list[Collection]:
    """Keep the types named in ``-a types=`` (by REST base or name); all when not given.

    >>> posts = Collection("post", "posts", "wp/v2/posts")
    >>> pages = Collection("page", "pages", "wp/v2/pages")
    >>> [c.name for c in select([posts, pages], "pages")], len(select([posts, pages], None))
    (['page'], 2)
    """
    if not wanted:
        return types
    names = {name.strip() for name in wanted.split(",") if name.strip()}
    return [t for t in types if t.rest_base in names or t.name in names]
