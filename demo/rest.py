"""The REST API itself: routes, collections, single items, embedding, and WordPress's headers.

Transport-free: :meth:`RestApi.dispatch` maps ``(route, query)`` to status, body and headers,
so the HTTP layer only adds transport faults and bytes. Data must already be rebased to the
serving origin and spelling (see :meth:`demo.site.SiteData.rebased`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from demo.catalog import Catalog, Collection, Kind
from demo.params import Query, add_query_args, parse_list, parse_query
from demo.query import Listing, QueryContext, run_query
from demo.shaping import embed_view, field_mask, shape_fields
from demo.spelling import Spelling, api_root, rest_url, split_rest_url
from demo.wp_errors import (
    AUTH_ONLY_ROUTES,
    WPError,
    invalid_id,
    invalid_params,
    no_route,
    users_blocked,
)

if TYPE_CHECKING:
    from demo.faults import Faults
    from demo.site import SiteData

_ITEM_ROUTE = re.compile(r"/wp/v2/([a-z0-9_-]+)(?:/(\d+)(/revisions)?)?")
_META_ROUTE = re.compile(r"/wp/v2/(types|taxonomies)(?:/([a-z0-9_-]+))?")
_CONTEXTS = ["view", "embed", "edit"]
_EDIT_DENIED = {
    Kind.POST: "Sorry, you are not allowed to edit posts in this post type.",
    Kind.TERM: "Sorry, you are not allowed to edit terms in this taxonomy.",
    Kind.USER: "Sorry, you are not allowed to list users.",
    Kind.COMMENT: "Sorry, you are not allowed to edit comments.",
}
_BASE_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("Access-Control-Expose-Headers", "X-WP-Total, X-WP-TotalPages, Link"),
    (
        "Access-Control-Allow-Headers",
        "Authorization, X-WP-Nonce, Content-Disposition, Content-MD5, Content-Type",
    ),
]


@dataclass
class RestResult:
    """A REST response before serialisation; ``matched`` is whether a route handled it."""

    status: int
    body: Any
    headers: list[tuple[str, str]] = field(default_factory=list)
    matched: bool = True


def encode_json(body: Any) -> bytes:
    """``wp_json_encode()`` output: compact, ASCII with ``\\uXXXX``, slashes escaped as ``\\/``."""
    return json.dumps(body, separators=(",", ":")).replace("/", "\\/").encode("ascii")


class RestApi:
    """Answers REST routes for one site, in one spelling, like WordPress 6.1 for anonymous users."""

    def __init__(self, site: SiteData, spelling: Spelling) -> None:
        self.site = site
        self.spelling = spelling
        self.origin = site.origin
        self.root = api_root(site.origin, spelling)
        self.catalog = Catalog(site)
        term_bases = frozenset(
            c.base for c in self.catalog.collections.values() if c.kind is Kind.TERM
        )
        self.context = QueryContext(
            zone=site_zone(site.index),
            taxonomy_bases=term_bases,
            find_post=self.catalog.post,
        )

    def collection_base(self, route: str) -> str | None:
        """The REST base if ``route`` is a collection route (``/wp/v2/<base>``), else ``None``."""
        match = _ITEM_ROUTE.fullmatch(route.lower())
        if match and match.group(2) is None and self.catalog.get(match.group(1)):
            return match.group(1)
        return None

    def dispatch(self, route: str, query: Query, faults: Faults) -> RestResult:
        """Serve one request: body and headers as WordPress would send them."""
        try:
            result = self._route(route.lower(), query, faults)
        except WPError as error:
            result = RestResult(error.status, error.body(), matched=error.code != "rest_no_route")
        else:
            embed = query.get("_embed")
            if embed is not None and result.status == 200:
                result.body = self._embed_all(result.body, _embed_rels(embed), faults)
        result.headers = self._headers(result)
        return result

    def error(self, error: WPError) -> RestResult:
        """An error raised before routing (auth plugins, fatal errors): no ``Allow`` header."""
        result = RestResult(error.status, error.body(), matched=False)
        result.headers = self._headers(result)
        return result

    def _headers(self, result: RestResult) -> list[tuple[str, str]]:
        pagination = [value for name, value in result.headers if name == "Link"]
        headers = [("Content-Type", "application/json; charset=UTF-8"), ("X-Robots-Tag", "noindex")]
        if not pagination:  # PHP's header() lets the pagination Link replace this one
            headers.append(("Link", f'<{self.root}>; rel="https://api.w.org/"'))
        headers.extend(_BASE_HEADERS)
        headers.extend(result.headers)
        if result.matched:
            headers.append(("Allow", "GET"))
        headers.append(("Vary", "Origin"))
        return headers

    # Routing -----------------------------------------------------------------------------

    def _route(self, route: str, query: Query, faults: Faults) -> RestResult:
        mask = field_mask(query.get("_fields"))
        if route == "/":
            return RestResult(200, shape_fields(self.site.index, mask))
        if route == "/wp/v2":
            return RestResult(200, shape_fields(self._namespace_index(), mask))
        denied = AUTH_ONLY_ROUTES.get(_collection_route(route))
        if denied:
            raise WPError(401, *denied)
        meta = _META_ROUTE.fullmatch(route)
        if meta:
            return RestResult(200, shape_fields(self._meta(meta.group(1), meta.group(2)), mask))
        match = _ITEM_ROUTE.fullmatch(route)
        collection = self.catalog.get(match.group(1)) if match else None
        if match is None or collection is None:
            raise no_route()
        context = _context(query, collection.kind)
        if collection.kind is Kind.USER and faults.block_users:
            if match.group(2) is None:
                raise users_blocked()
            raise invalid_id(Kind.USER)
        if match.group(3):
            self._item(collection, int(match.group(2)))
            raise WPError(
                401,
                "rest_cannot_read",
                "Sorry, you are not allowed to view revisions of this post.",
            )
        if match.group(2) is not None:
            item = self._item(collection, int(match.group(2)))
            body = embed_view(item, collection.kind) if context == "embed" else item
            return RestResult(200, shape_fields(body, mask))
        listing = run_query(collection, query, self.context)
        items = listing.items
        if context == "embed":
            items = [embed_view(item, collection.kind) for item in items]
        headers = (
            []
            if faults.strip_total_headers
            else self._paging_headers(collection, query, listing, faults)
        )
        return RestResult(200, shape_fields(items, mask), headers)

    def _item(self, collection: Collection, item_id: int) -> dict[str, Any]:
        item = collection.by_id.get(item_id)
        if item is None:
            raise invalid_id(collection.kind)
        return item

    def _meta(self, what: str, name: str | None) -> Any:
        objects = self.site.types if what == "types" else self.site.taxonomies
        if name is None:
            return objects
        if name not in objects:
            if what == "types":
                raise WPError(404, "rest_type_invalid", "Invalid post type.")
            raise WPError(404, "rest_taxonomy_invalid", "Invalid taxonomy.")
        return objects[name]

    def _namespace_index(self) -> dict[str, Any]:
        routes = self.site.index.get("routes", {})
        return {
            "namespace": "wp/v2",
            "routes": {key: value for key, value in routes.items() if key.startswith("/wp/v2")},
            "_links": {"up": [{"href": self.root}]},
        }

    def _paging_headers(
        self, collection: Collection, query: Query, listing: Listing, faults: Faults
    ) -> list[tuple[str, str]]:
        """X-WP-Total, X-WP-TotalPages and the prev/next ``Link``, built like ``get_items()``."""
        total, pages = listing.total, listing.total_pages
        if faults.wrong_total_pages and pages > 1:
            pages = max(1, pages // 2)
            total = min(total, pages * listing.per_page)
        headers = [("X-WP-Total", str(total)), ("X-WP-TotalPages", str(pages))]
        base = add_query_args(
            rest_url(self.origin, self.spelling, f"/wp/v2/{collection.base}"), query
        )
        links = []
        if listing.page > 1:
            links.append(
                f'<{add_query_args(base, {"page": str(min(listing.page - 1, pages))})}>; rel="prev"'
            )
        if pages > listing.page:
            links.append(f'<{add_query_args(base, {"page": str(listing.page + 1)})}>; rel="next"')
        if links:
            headers.append(("Link", ", ".join(links)))
        return headers

    # Embedding -------------------------------------------------------------------------

    def _embed_all(self, body: Any, rels: set[str] | None, faults: Faults) -> Any:
        if isinstance(body, list):
            return [self._embed_one(item, rels, faults) for item in body]
        return self._embed_one(body, rels, faults)

    def _embed_one(self, item: Any, rels: set[str] | None, faults: Faults) -> Any:
        """``WP_REST_Server::embed_links()``: embeddable links fetched with ``context=embed``."""
        if not isinstance(item, dict) or not isinstance(item.get("_links"), dict):
            return item
        embedded: dict[str, list[Any]] = {}
        for rel, links in item["_links"].items():
            if rels is not None and rel not in rels:
                continue
            found = [self._embed_link(link, faults) for link in links]
            if any(found):
                embedded[rel] = found
        return {**item, "_embedded": embedded} if embedded else item

    def _embed_link(self, link: dict[str, Any], faults: Faults) -> Any:
        parts = split_rest_url(link.get("href", ""), self.origin, self.spelling)
        if not link.get("embeddable") or parts is None:
            return []
        route, raw_query = parts
        query = parse_query(raw_query)
        query.setdefault("context", "embed")
        try:
            return self._route(route.rstrip("/").lower() or "/", query, faults).body
        except WPError as error:
            return error.body()


def site_zone(index: dict[str, Any]) -> tzinfo:
    """``wp_timezone()``: the index's ``timezone_string`` if known, else its ``gmt_offset``."""
    name = index.get("timezone_string") or ""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return timezone(timedelta(hours=float(index.get("gmt_offset") or 0)))


def _collection_route(route: str) -> str:
    """``/wp/v2/menus/5`` -> ``/wp/v2/menus``, for matching whole families of routes."""
    parts = route.split("/")
    return "/".join(parts[:4])


def _context(query: Query, kind: Kind) -> str:
    value = query.get("context", "view")
    if value not in _CONTEXTS:
        message = "context is not one of view, embed, and edit."
        raise invalid_params({"context": ("rest_not_in_enum", message)})
    if value == "edit":
        raise WPError(401, "rest_forbidden_context", _EDIT_DENIED[kind])
    return str(value)


def _embed_rels(value: Any) -> set[str] | None:
    """``rest_parse_embed_param()``: ``None`` embeds every rel, a set only those rels."""
    if value in ("", "1", "true") or not isinstance(value, (str, list)):
        return None
    rels = parse_list(value)
    return set(rels) if rels else None
