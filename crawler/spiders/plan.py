"""Which collections a crawl lists, in which phase, and what their records become.

A full crawl lists every linked collection once (phase 1) and then the content (phase 2), so
content records are joined on arrival. An incremental run lists the same, but asks the content
and media collections only for what changed since the mark (``modified_after``), and adds a
cheap id listing (``_fields=id,modified_gmt``) per collection to find deletions and anything the
date filter missed, which is fetched by id at the end (phase 3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crawler.items import (
    CommentItem,
    EntryItem,
    MediaItem,
    PageItem,
    PostItem,
    TermItem,
    UserItem,
)
from crawler.wordpress.records import (
    comment_record,
    entry_record,
    media_record,
    term_record,
    user_record,
)
from crawler.wordpress.types import Collection

LINKED_CLASSES = (UserItem, MediaItem, CommentItem, TermItem)
"""Records other records link to: they fill the lookup tables of the join."""
RECORD_TYPES = {
    UserItem: "user",
    MediaItem: "media",
    CommentItem: "comment",
    TermItem: "term",
    PostItem: "post",
    PageItem: "page",
}
"""The ``type`` of each item class (custom types take their post type's name)."""

LINKED, CONTENT, FINAL = 1, 2, 3
"""Phases: linked collections, then content (joined on arrival), then fetches by id."""

FULL, CHANGES, NEWEST, IDS, BY_ID, LOOKUP = "full", "changes", "newest", "ids", "by_id", "lookup"
"""Kinds of listing: every record; records modified since the mark; newest first until past the
mark (sites without ``modified_after``); ids and versions only; records named by id (what the
date filter missed); linked records a changed record needs."""


@dataclass(frozen=True)
class Listing:
    """One collection to page through, and what its records become."""

    key: str
    """Name in stats and cb_kwargs: the REST base (``posts``, ``categories``...), with a suffix
    for the extra listings of incremental runs (``posts-ids``)."""
    collection: str
    """The collection the records belong to, in the crawl state (the REST base)."""
    route: str
    phase: int
    build: Callable[..., dict[str, Any]]
    item_class: type
    record_type: str | None = None
    """For content: the post type's name (``post``, ``page``, ``event``)."""
    kind: str = FULL
    params: tuple[tuple[str, Any], ...] = ()
    """Extra query parameters of every page request."""
    since: str | None = None
    """For ``newest`` listings: stop paging once records are older than this."""

    @property
    def dated(self) -> bool:
        """Whether records carry ``modified_gmt`` (content, media) rather than a fingerprint."""
        return self.item_class not in (TermItem, UserItem, CommentItem)


def plan_listings(
    content: list[Collection],
    taxonomies: list[Collection],
    *,
    changes_since: str | None = None,
    supports_modified_after: Callable[[str], bool] = lambda route: True,
) -> list[Listing]:
    """Every collection of a crawl: linked ones (phase 1), then content (phase 2).

    Only the taxonomies the crawled types use are listed. With ``changes_since`` (an
    incremental run after a first one), media and content are asked for changes only, plus an
    id listing each. A route without ``modified_after`` (WordPress before 5.7) is read newest
    first, one page after another, until the records are older than the mark.
    """
    used = {name for ctype in content for name in ctype.taxonomies}
    listings = [
        Listing("users", "users", "wp/v2/users", LINKED, user_record, UserItem),
        *_dated("media", "wp/v2/media", LINKED, media_record, MediaItem, None, changes_since,
                supports_modified_after),
        Listing("comments", "comments", "wp/v2/comments", LINKED, comment_record, CommentItem),
    ]  # fmt: skip
    listings += [
        Listing(tax.rest_base, tax.rest_base, tax.route, LINKED, term_record, TermItem)
        for tax in taxonomies
        if tax.name in used
    ]
    for ctype in content:
        item_class = {"post": PostItem, "page": PageItem}.get(ctype.name, EntryItem)
        listings += _dated(ctype.rest_base, ctype.route, CONTENT, entry_record, item_class,
                           ctype.name, changes_since, supports_modified_after)  # fmt: skip
    return listings


def _dated(
    base: str,
    route: str,
    phase: int,
    build: Callable[..., dict[str, Any]],
    item_class: type,
    record_type: str | None,
    changes_since: str | None,
    supports_modified_after: Callable[[str], bool],
) -> list[Listing]:
    if changes_since is None:
        return [Listing(base, base, route, phase, build, item_class, record_type)]
    if supports_modified_after(route):
        changes = Listing(base, base, route, phase, build, item_class, record_type, CHANGES,
                          (("modified_after", changes_since), ("orderby", "modified")))  # fmt: skip
    else:  # WordPress before 5.7 ignores modified_after: newest first, until past the mark
        changes = Listing(base, base, route, phase, build, item_class, record_type, NEWEST,
                          (("orderby", "modified"), ("order", "desc")), since=changes_since)  # fmt: skip
    ids = Listing(f"{base}-ids", base, route, phase, build, item_class, record_type, IDS,
                  (("_fields", "id,modified_gmt"),))  # fmt: skip
    return [changes, ids]


def by_id_listing(listing: Listing, ids: list[int], number: int, *, kind: str = BY_ID) -> Listing:
    """A listing of at most 100 records of ``listing``'s collection, named by id."""
    return Listing(
        f"{listing.collection}-{kind}-{number}",
        listing.collection,
        listing.route,
        FINAL if kind == BY_ID else listing.phase,
        listing.build,
        listing.item_class,
        listing.record_type,
        kind,
        (("include", ",".join(map(str, ids))), ("orderby", "include")),
    )
