"""Collections ready to query: objects indexed by id, plus sort orders and groupings built once.

Sorting 10,000 posts per request would make the server the bottleneck of a benchmark, so each
order (and each ``field -> items`` grouping used by filters) is computed on first use and kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from demo.wp_errors import AUTH_ONLY_ROUTES

if TYPE_CHECKING:
    from demo.site import SiteData

Item = dict[str, Any]
SortKey = Callable[[Item], Any]


class Kind(StrEnum):
    """Which REST controller serves a collection; each pages, sorts and fails differently."""

    POST = "post"  # posts, pages, media and custom post types
    TERM = "term"
    USER = "user"
    COMMENT = "comment"


def _rendered(name: str) -> SortKey:
    return lambda item: str((item.get(name) or {}).get("rendered", "")).lower()


def _number(name: str) -> SortKey:
    return lambda item: item.get(name) or 0


def _text(name: str) -> SortKey:
    return lambda item: str(item.get(name) or "")


# orderby value -> sort key, per kind. Keys listed in the enum but not here sort by id.
SORT_KEYS: dict[Kind, dict[str, SortKey]] = {
    Kind.POST: {
        "author": _number("author"),
        "date": lambda item: item.get("date", ""),
        "id": lambda item: item["id"],
        "modified": lambda item: item.get("modified", ""),
        "parent": lambda item: item.get("parent", item.get("post")) or 0,
        "slug": _text("slug"),
        "title": _rendered("title"),
        "menu_order": _number("menu_order"),
    },
    Kind.TERM: {
        "id": lambda item: item["id"],
        "name": lambda item: str(item.get("name", "")).lower(),
        "slug": _text("slug"),
        "description": _text("description"),
        "count": _number("count"),
    },
    Kind.USER: {
        "id": lambda item: item["id"],
        "name": lambda item: str(item.get("name", "")).lower(),
        "slug": _text("slug"),
        "url": _text("url"),
    },
    Kind.COMMENT: {
        "date": lambda item: item.get("date", ""),
        "date_gmt": lambda item: item.get("date_gmt", ""),
        "id": lambda item: item["id"],
        "post": _number("post"),
        "parent": _number("parent"),
        "type": _text("type"),
    },
}


@dataclass
class Collection:
    """One REST collection (``/wp/v2/<base>``) and its cached orders and groupings."""

    base: str
    kind: Kind
    name: str  # post type or taxonomy slug; "user"/"comment" otherwise
    items: list[Item]
    hierarchical: bool = False
    by_id: dict[int, Item] = field(init=False)
    _orders: dict[str, list[Item]] = field(init=False, default_factory=dict)
    _ranks: dict[str, dict[int, int]] = field(init=False, default_factory=dict)
    _groups: dict[str, dict[Any, list[Item]]] = field(init=False, default_factory=dict)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.items = sorted(self.items, key=lambda item: item["id"])
        self.by_id = {item["id"]: item for item in self.items}
        self._orders["id"] = self.items

    def ordered(self, orderby: str) -> list[Item]:
        """Items in ascending ``orderby`` order; ties keep id order (MySQL gives no guarantee)."""
        order = self._orders.get(orderby)
        if order is None:
            key = SORT_KEYS[self.kind].get(orderby, SORT_KEYS[self.kind]["id"])
            with self._lock:
                order = self._orders.setdefault(orderby, sorted(self.items, key=key))
        return order

    def rank(self, orderby: str) -> dict[int, int]:
        """``id -> position`` in :meth:`ordered`, to sort a few picked items without a full scan."""
        rank = self._ranks.get(orderby)
        if rank is None:
            rank = {item["id"]: index for index, item in enumerate(self.ordered(orderby))}
            with self._lock:
                rank = self._ranks.setdefault(orderby, rank)
        return rank

    def group(self, name: str) -> dict[Any, list[Item]]:
        """``value -> items`` for a field; list-valued fields (``categories``) index every value."""
        groups = self._groups.get(name)
        if groups is None:
            groups = {}
            for item in self.items:
                value = item.get(name)
                for one in value if isinstance(value, list) else [value]:
                    groups.setdefault(one, []).append(item)
            with self._lock:
                groups = self._groups.setdefault(name, groups)
        return groups


class Catalog:
    """All collections of a site by REST base, and a site-wide post lookup for ``?post=`` filters."""

    def __init__(self, site: SiteData) -> None:
        self.collections: dict[str, Collection] = {}
        for name, info in site.types.items():
            base = info.get("rest_base", name)
            if (
                info.get("rest_namespace", "wp/v2") != "wp/v2"
                or f"/wp/v2/{base}" in AUTH_ONLY_ROUTES
            ):
                continue
            items = site.collections.get(base, [])
            hierarchical = bool(info.get("hierarchical"))
            self.collections[base] = Collection(base, Kind.POST, name, items, hierarchical)
        for name, info in site.taxonomies.items():
            base = info.get("rest_base", name)
            if f"/wp/v2/{base}" in AUTH_ONLY_ROUTES:
                continue
            items = site.collections.get(base, [])
            hierarchical = bool(info.get("hierarchical"))
            self.collections[base] = Collection(base, Kind.TERM, name, items, hierarchical)
        self.collections["users"] = Collection(
            "users", Kind.USER, "user", site.collections.get("users", [])
        )
        self.collections["comments"] = Collection(
            "comments", Kind.COMMENT, "comment", site.collections.get("comments", [])
        )
        for base, items in site.collections.items():
            if base not in self.collections:
                self.collections[base] = Collection(base, Kind.POST, base, items)
        self._posts: dict[int, Item] = {}
        for collection in self.collections.values():
            if collection.kind is Kind.POST:
                self._posts.update(collection.by_id)

    def get(self, base: str) -> Collection | None:
        """The collection served at ``/wp/v2/<base>``, if any."""
        return self.collections.get(base)

    def post(self, post_id: int) -> Item | None:
        """Any public post-type object (post, page, attachment, CPT) by id."""
        return self._posts.get(post_id)
