"""Resolve a record's links (author, terms, featured image, comments) from collections crawled once.

A post only names its links by id. Fetching each link per post costs several requests per post;
instead, every linked collection (users, terms, media, comments) is paged through once, kept
here as small lookup tables, and each post is joined in memory as soon as it arrives. Only the
few fields a consumer needs are kept per linked record, so the tables stay small.

``_links`` is the map of what a record links to: each ``wp:term`` link names a taxonomy and
an href whose route (``wp/v2/categories?post=5``) says where that taxonomy's ids are. An href
on another host is not used and is counted.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from crawler.cleaning import clean_inline_text
from crawler.items import (
    CommentItem,
    EntryRecord,
    FeaturedImage,
    MediaItem,
    Record,
    Ref,
    TermItem,
    UserItem,
)

from .records import int_list, linked_id
from .routes import ApiRoot  # noqa: TC001 - the doctests use it

_POST_ID = re.compile(r"([?&]post=)[0-9]+")
"""The record's id in a ``wp:term`` link (``…/wp/v2/tags?post=12``)."""
_MAX_ROUTES = 1024
"""Links remembered by :meth:`Lookups._route_of` at most."""


@dataclass
class Lookups:
    """What linked records resolve to, filled while their collections are crawled."""

    users: dict[int, Ref] = field(default_factory=dict)
    terms: dict[tuple[str, int], Ref] = field(default_factory=dict)
    media: dict[int, FeaturedImage] = field(default_factory=dict)
    comment_counts: Counter[int] = field(default_factory=Counter)
    unresolved: Counter[str] = field(default_factory=Counter)
    """Links that named a record the site does not show anonymously, by kind."""
    offsite_links: int = 0
    """``_links`` hrefs on another host, which were not used."""
    hidden_media: set[int] = field(default_factory=set)
    """Media ids asked for by id that the site did not show (not asked again)."""
    _routes: dict[str, str | None] = field(default_factory=dict, repr=False)
    """``wp:term`` links without their ``post=`` id → their route (:meth:`_route_of`)."""

    def add(self, record: Record) -> None:
        """Keep what links to ``record`` resolve to (a user, term, attachment or comment)."""
        if isinstance(record, UserItem):
            self.users[record.id] = Ref(id=record.id, name=record.name, slug=record.slug)
        elif isinstance(record, TermItem):
            ref = Ref(id=record.id, name=record.name, slug=record.slug)
            self.terms[(record.taxonomy or "", record.id)] = ref
        elif isinstance(record, MediaItem) and record.id is not None:
            self.media[record.id] = FeaturedImage(
                id=record.id,
                source_url=record.source_url,
                alt_text=record.alt_text,
                mime_type=record.mime_type,
                width=record.width,
                height=record.height,
            )
        elif isinstance(record, CommentItem) and record.post:
            self.comment_counts[record.post] += 1

    def knows_media(self, media_id: int) -> bool:
        """Whether the featured image ``media_id`` needs no request: known, or known hidden."""
        return media_id in self.media or media_id in self.hidden_media

    def resolve(self, record: EntryRecord, data: dict[str, Any], root: ApiRoot) -> None:
        """Fill ``record``'s links from the tables (``data`` is the REST object it came from).

        >>> from crawler.items import PostItem
        >>> lookups = Lookups()
        >>> lookups.add(UserItem(site="s", id=2, name="Ann", slug="ann"))
        >>> lookups.add(TermItem(site="s", id=7, taxonomy="category", name="News", slug="news"))
        >>> root = ApiRoot("https://e.com/wp-json/")
        >>> data = {"id": 1, "author": 2, "categories": [7, 8], "_links": {"wp:term": [
        ...     {"taxonomy": "category", "href": "https://e.com/wp-json/wp/v2/categories?post=1"}]}}
        >>> post = PostItem(site="s", id=1)
        >>> lookups.resolve(post, data, root)
        >>> post.author, post.categories
        (Ref(id=2, name='Ann', slug='ann'), [Ref(id=7, name='News', slug='news'), Ref(id=8, name=None, slug=None)])
        >>> dict(lookups.unresolved)
        {'terms': 1}

        Links of the wrong shape (``_links`` a list, ``wp:term`` an object, ``_embedded`` a
        string) link nothing, and never raise:

        >>> post = PostItem(site="s", id=1)
        >>> lookups.resolve(post, {"id": 1, "author": 3, "categories": [7], "_embedded": "x",
        ...     "_links": {"wp:term": {"taxonomy": "category"}}}, root)
        >>> post.author, post.categories
        (Ref(id=3, name=None, slug=None), [])
        >>> lookups.resolve(post, {"id": 1, "_links": [1], "_embedded": {"author": 5}}, root)
        """
        author = linked_id(data, "author")
        if author:
            record.author = self.users.get(author) or self._embedded_author(data, author)
        media_id = linked_id(data, "featured_media")
        if media_id:
            media = self.media.get(media_id)
            if media is None:
                self.unresolved["media"] += 1
                media = FeaturedImage(id=media_id)
            record.featured_media = media
        terms: dict[str, list[Ref]] = {}
        for taxonomy, ids in self.term_ids(data, root).items():
            terms[taxonomy] = [self._term(taxonomy, term_id) for term_id in ids]
        record.categories = terms.pop("category", [])
        record.tags = terms.pop("post_tag", [])
        record.terms = terms
        record.comment_count = self.comment_counts.get(record.id, 0)

    def term_ids(self, data: dict[str, Any], root: ApiRoot) -> dict[str, list[int]]:
        """Term ids by taxonomy, found through the record's ``wp:term`` links."""
        found: dict[str, list[int]] = {}
        for link in _list(_dict(data.get("_links")).get("wp:term")):
            if not isinstance(link, dict):
                continue
            taxonomy, href = link.get("taxonomy"), link.get("href")
            if not isinstance(taxonomy, str) or not isinstance(href, str):
                continue
            route = self._route_of(href, root)  # None: another host, or not a URL at all
            if route is None:
                self.offsite_links += 1
                continue
            ids = data.get(route.rsplit("/", 1)[-1])
            if isinstance(ids, list):
                found[taxonomy] = int_list(ids)
        return found

    def _route_of(self, href: str, root: ApiRoot) -> str | None:
        """``root.route_of(href)``, read once per taxonomy: the links differ only in their
        ``post=`` id, which does not change the route (bounded: a hostile site's links can
        all differ).

        >>> lookups, root = Lookups(), ApiRoot("https://e.com/?rest_route=/")
        >>> [lookups._route_of(f"https://e.com/?rest_route=/wp/v2/tags&post={i}", root) for i in (1, 2)]
        ['wp/v2/tags', 'wp/v2/tags']
        >>> list(lookups._routes)
        ['https://e.com/?rest_route=/wp/v2/tags&post=']
        """
        key = _POST_ID.sub(r"\1", href)
        try:
            return self._routes[key]
        except KeyError:
            if len(self._routes) >= _MAX_ROUTES:
                self._routes.clear()
            route = self._routes[key] = root.route_of(key)
            return route

    def _term(self, taxonomy: str, term_id: int) -> Ref:
        ref = self.terms.get((taxonomy, term_id))
        if ref is None:
            self.unresolved["terms"] += 1
            return Ref(id=term_id)
        return ref

    def _embedded_author(self, data: dict[str, Any], author: int) -> Ref:
        """The author embedded in the post (``_embed=author``), when users are not listed."""
        for entry in _list(_dict(data.get("_embedded")).get("author")):
            if isinstance(entry, dict) and entry.get("id") == author and "code" not in entry:
                name, slug = entry.get("name"), entry.get("slug")
                return Ref(
                    id=author,
                    name=clean_inline_text(name if isinstance(name, str) else ""),
                    slug=slug if isinstance(slug, str) else None,
                )
        self.unresolved["users"] += 1
        return Ref(id=author)


def _dict(value: Any) -> dict[str, Any]:
    """``value`` if the site sent an object, else an empty one: a wrong shape links nothing."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    """``value`` if the site sent a list, else an empty one."""
    return value if isinstance(value, list) else []
