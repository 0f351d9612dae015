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

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from crawler.cleaning import clean_inline_text

from .routes import ApiRoot

Ref = dict[str, Any]


def _ref(record: dict[str, Any]) -> Ref:
    return {"id": record["id"], "name": record.get("name"), "slug": record.get("slug")}


def _unknown(record_id: int) -> Ref:
    return {"id": record_id, "name": None, "slug": None}


@dataclass
class Lookups:
    """What linked records resolve to, filled while their collections are crawled."""

    users: dict[int, Ref] = field(default_factory=dict)
    terms: dict[tuple[str, int], Ref] = field(default_factory=dict)
    media: dict[int, dict[str, Any]] = field(default_factory=dict)
    comment_counts: Counter[int] = field(default_factory=Counter)
    unresolved: Counter[str] = field(default_factory=Counter)
    """Links that named a record the site does not show anonymously, by kind."""
    offsite_links: int = 0
    """``_links`` hrefs on another host, which were not used."""
    hidden_media: set[int] = field(default_factory=set)
    """Media ids asked for by id that the site did not show (not asked again)."""

    def add_user(self, record: dict[str, Any]) -> None:
        self.users[record["id"]] = _ref(record)

    def add_term(self, record: dict[str, Any]) -> None:
        self.terms[(record["taxonomy"] or "", record["id"])] = _ref(record)

    def add_media(self, record: dict[str, Any]) -> None:
        self.media[record["id"]] = {
            key: record.get(key)
            for key in ("id", "source_url", "alt_text", "mime_type", "width", "height")
        }

    def add_comment(self, record: dict[str, Any]) -> None:
        if record.get("post"):
            self.comment_counts[record["post"]] += 1

    def resolve(
        self, record: dict[str, Any], data: dict[str, Any], root: ApiRoot
    ) -> dict[str, Any]:
        """``record`` with its links resolved (``data`` is the REST object it came from).

        >>> lookups = Lookups()
        >>> lookups.add_user({"id": 2, "name": "Ann", "slug": "ann"})
        >>> lookups.add_term({"id": 7, "taxonomy": "category", "name": "News", "slug": "news"})
        >>> root = ApiRoot("https://e.com/wp-json/")
        >>> data = {"id": 1, "author": 2, "categories": [7, 8], "_links": {"wp:term": [
        ...     {"taxonomy": "category", "href": "https://e.com/wp-json/wp/v2/categories?post=1"}]}}
        >>> rec = lookups.resolve({"id": 1, "author": 2, "featured_media": None}, data, root)
        >>> rec["author"], rec["categories"]
        ({'id': 2, 'name': 'Ann', 'slug': 'ann'}, [{'id': 7, 'name': 'News', 'slug': 'news'}, {'id': 8, 'name': None, 'slug': None}])
        >>> dict(lookups.unresolved)
        {'terms': 1}
        """
        author = record.get("author")
        if author:
            record["author"] = self.users.get(author) or self._embedded_author(data, author)
        media_id = record.get("featured_media")
        if media_id:
            media = self.media.get(media_id)
            if media is None:
                self.unresolved["media"] += 1
                media = {"id": media_id, "source_url": None, "alt_text": None,
                         "mime_type": None, "width": None, "height": None}  # fmt: skip
            record["featured_media"] = media
        terms: dict[str, list[Ref]] = {}
        for taxonomy, ids in self.term_ids(data, root).items():
            terms[taxonomy] = [self._term(taxonomy, term_id) for term_id in ids]
        record["categories"] = terms.pop("category", [])
        record["tags"] = terms.pop("post_tag", [])
        record["terms"] = terms
        record["comment_count"] = self.comment_counts.get(record["id"], 0)
        return record

    def term_ids(self, data: dict[str, Any], root: ApiRoot) -> dict[str, list[int]]:
        """Term ids by taxonomy, found through the record's ``wp:term`` links."""
        found: dict[str, list[int]] = {}
        for link in (data.get("_links") or {}).get("wp:term") or []:
            if not isinstance(link, dict):
                continue
            taxonomy, href = link.get("taxonomy"), link.get("href")
            if not isinstance(taxonomy, str) or not isinstance(href, str):
                continue
            route = root.route_of(href)
            if route is None:
                self.offsite_links += 1
                continue
            ids = data.get(route.rsplit("/", 1)[-1])
            if isinstance(ids, list):
                found[taxonomy] = [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]
        return found

    def _term(self, taxonomy: str, term_id: int) -> Ref:
        ref = self.terms.get((taxonomy, term_id))
        if ref is None:
            self.unresolved["terms"] += 1
            return _unknown(term_id)
        return ref

    def _embedded_author(self, data: dict[str, Any], author: int) -> Ref:
        """The author embedded in the post (``_embed=author``), when users are not listed."""
        embedded = (data.get("_embedded") or {}).get("author") or []
        for entry in embedded:
            if isinstance(entry, dict) and entry.get("id") == author and "code" not in entry:
                return {"id": author, "name": clean_inline_text(entry.get("name") or ""),
                        "slug": entry.get("slug")}  # fmt: skip
        self.unresolved["users"] += 1
        return _unknown(author)
