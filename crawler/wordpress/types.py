"""Which collections a site has: its public post types and taxonomies.

``/wp/v2/types`` and ``/wp/v2/taxonomies`` answer objects keyed by name. The collection URL
is taken from ``_links["wp:items"]`` (or ``rest_namespace`` + ``rest_base``), never from a
pluralised name: WooCommerce's ``product`` lives at ``/wp/v2/product``. WordPress's own
internals (menus, blocks, templates...) are not content and are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import error_code
from .routes import ApiRoot  # noqa: TC001 - the doctests use it

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


@dataclass(frozen=True)
class Collection:
    """A post type or taxonomy the crawler can page through."""

    name: str
    """WordPress's name for it: ``post``, ``page``, ``event``, ``category``, ``post_tag``..."""
    rest_base: str
    """The last segment of its route, also the key of its ids in linked records."""
    route: str
    """Its collection route under the API root, e.g. ``wp/v2/posts``."""
    taxonomies: tuple[str, ...] = ()
    """For post types: the taxonomies its records are classified by."""


def _is_internal(name: str, internal: frozenset[str]) -> bool:
    return name in internal or name.startswith("wp_")


def _route(spec: dict[str, Any], root: ApiRoot) -> str | None:
    """The collection route of a type or taxonomy, on the site's own API root only."""
    items = (spec.get("_links") or {}).get("wp:items") or []
    for link in items:
        href = link.get("href") if isinstance(link, dict) else None
        if isinstance(href, str):
            return root.route_of(href)  # None for another host: not followed
    base = spec.get("rest_base")
    if isinstance(base, str) and base:
        return f"{spec.get('rest_namespace') or 'wp/v2'}/{base.strip('/')}"
    return None


def _collections(
    index: dict[str, Any], root: ApiRoot, internal: frozenset[str]
) -> list[Collection]:
    found = []
    for name, spec in index.items():
        if not isinstance(spec, dict) or _is_internal(name, internal):
            continue
        route = _route(spec, root)
        if not route:
            continue
        found.append(
            Collection(
                name=name,
                rest_base=route.rsplit("/", 1)[-1],
                route=route,
                taxonomies=tuple(t for t in spec.get("taxonomies") or [] if isinstance(t, str)),
            )
        )
    return found


def content_types(types: Any, root: ApiRoot) -> list[Collection]:
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
    return _collections(types, root, INTERNAL_TYPES)


def taxonomies(answer: Any, root: ApiRoot) -> list[Collection]:
    """The public taxonomies of a ``/wp/v2/taxonomies`` answer (defaults if it is unusable)."""
    if not isinstance(answer, dict) or not answer or error_code(answer):
        answer = DEFAULT_TAXONOMIES
    return _collections(answer, root, INTERNAL_TAXONOMIES)


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
