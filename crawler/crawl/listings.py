"""Which collections a crawl lists, in which phase, and what their records become.

A full crawl lists every linked collection once (phase 1) and the content (phase 2), which
starts once every linked collection answered its first page; content records are joined once
the linked tables are complete (see :mod:`crawler.crawl.run`). A crawl of some post types may
fetch the media its content links to by id instead of listing them all (:func:`fetch_by_id`).
An incremental run lists the same, but asks the content and media collections only for what
changed since the mark (``modified_after``), and adds a cheap id listing
(``_fields=id,modified_gmt``, with ``status`` when authenticated) per collection to find
deletions and anything the date filter missed, which is fetched by id at the end (phase 3).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import IntEnum, StrEnum
from typing import Any

from crawler.items import (
    CommentItem,
    EntryRecord,
    MediaItem,
    Record,
    TermItem,
    UserItem,
    entry_class,
)
from crawler.wordpress.edit_context import edit_params, unlocked, was_protected, with_edit_fields
from crawler.wordpress.records import (
    comment_record,
    entry_record,
    media_record,
    term_record,
    user_record,
)
from crawler.wordpress.types import Collection  # noqa: TC001 - the doctests use it

logger = logging.getLogger(__name__)


class Phase(IntEnum):
    """The phases of a crawl, in order."""

    LINKED = 1
    """The linked collections (users, media, comments, terms), into the join's tables."""
    CONTENT = 2
    """Posts, pages and custom types, started while phase 1 lists; joined on complete tables."""
    FINAL = 3
    """Incremental runs: tombstones, and fetches by id of what the date filter missed."""


class Kind(StrEnum):
    """What a listing asks the site for."""

    FULL = "full"
    """Every record."""
    CHANGES = "changes"
    """Records modified since the mark (``modified_after``)."""
    NEWEST = "newest"
    """Newest first until past the mark (sites without ``modified_after``)."""
    IDS = "ids"
    """Ids and versions only: what the site shows now, for deletions and missed changes."""
    BY_ID = "by_id"
    """Records named by id: changes the date filter missed."""
    LOOKUP = "lookup"
    """Linked records (featured images) that changed records need and no table holds."""

    @property
    def counted(self) -> bool:
        """Whether the listing pages through a whole collection, so ``X-WP-Total`` applies."""
        return self in (Kind.FULL, Kind.CHANGES, Kind.IDS)

    @property
    def by_id(self) -> bool:
        """Whether the listing names its records by id (at most 100: size is never the issue)."""
        return self in (Kind.BY_ID, Kind.LOOKUP)


RECORD_FIELDS: dict[type[Record], tuple[str, ...]] = {
    EntryRecord: (
        "id", "link", "slug", "status", "date_gmt", "modified_gmt", "title", "content", "excerpt",
        "comment_status", "sticky", "format", "parent", "menu_order", "author", "featured_media",
    ),
    MediaItem: (
        "id", "link", "slug", "date_gmt", "modified_gmt", "title", "source_url", "mime_type",
        "media_type", "alt_text", "caption", "post", "author", "media_details",
    ),
    TermItem: ("id", "link", "taxonomy", "name", "slug", "parent", "count", "description"),
    UserItem: ("id", "link", "name", "slug", "url", "description"),
    CommentItem: ("id", "link", "post", "parent", "author_name", "date_gmt", "content", "status"),
}  # fmt: skip
"""The top-level REST fields each record builder of :mod:`crawler.wordpress.records` reads,
asked with ``_fields=``: a site's plugins can double what a page of posts weighs with fields
the records never read."""
PRIVATE_USER_FIELDS = ("email", "roles", "first_name", "last_name")
"""What users show in the edit context, asked only with ``-a include_private_user_fields``."""
TERM_LINKS = "_links.wp:term"
"""The links the join reads a post type's term fields from (WordPress 5.3+ filters nested
fields; an older one drops ``_links``: see :func:`fields_mishandled`)."""
PLUGIN_FIELDS = (
    "meta", "acf", "yoast_head_json", "lang", "translations", "wpml_current_locale",
    "wpml_translations",
)  # fmt: skip
"""The plugin fields the records read; asking for one a site does not have costs nothing."""


def record_fields(
    item_class: type[Record],
    *,
    taxonomy_bases: tuple[str, ...] = (),
    extra_fields: tuple[str, ...] = (),
) -> tuple[str, ...]:
    """The ``_fields`` of a listing of ``item_class``: what its builder reads, the term id
    fields of the post type's taxonomies (by REST base) and their links, the plugin fields and
    ``extra_fields``.

    >>> record_fields(UserItem, extra_fields=("avatar_urls",))[-3:]
    ('wpml_current_locale', 'wpml_translations', 'avatar_urls')
    >>> from crawler.items import PostItem
    >>> record_fields(PostItem, taxonomy_bases=("categories", "tags"))[16:19]
    ('categories', 'tags', '_links.wp:term')
    """
    own = next(f for cls, f in RECORD_FIELDS.items() if issubclass(item_class, cls))
    terms = (*taxonomy_bases, TERM_LINKS) if taxonomy_bases else ()
    plugins = () if item_class is CommentItem else PLUGIN_FIELDS
    return tuple(dict.fromkeys((*own, *terms, *plugins, *extra_fields)))


def fields_mishandled(fields: tuple[str, ...], records: list[Any]) -> bool:
    """Whether a page asked with ``fields`` shows the site mishandles ``_fields=``: records
    without an ``id`` (a cache or plugin that breaks it), or none with the ``_links`` asked for
    (WordPress before 5.3 cannot pick nested fields, and the terms would be lost).

    >>> fields_mishandled(("id", TERM_LINKS), [{"id": 1, "_links": {}}]), fields_mishandled(("id",), [])
    (False, False)
    >>> fields_mishandled(("id",), [{"title": "x"}]), fields_mishandled(("id", TERM_LINKS), [{"id": 1}])
    (True, True)
    """
    if not fields or not records:
        return False
    if not any(isinstance(r, dict) and isinstance(r.get("id"), int) for r in records):
        return True
    return TERM_LINKS in fields and not any(isinstance(r, dict) and "_links" in r for r in records)


Builder = Callable[[Any], Record]
"""Builds one record from a REST object (the site's home URL already bound)."""

_BUILDERS: dict[type[Record], Callable[..., Record]] = {
    UserItem: user_record,
    MediaItem: media_record,
    CommentItem: comment_record,
    TermItem: term_record,
}


@dataclass(frozen=True)
class Listing:
    """One collection to page through, and what its records become."""

    key: str
    """Name in stats and cb_kwargs: the REST base (``posts``, ``categories``...), with a suffix
    for the extra listings of incremental runs (``posts-ids``)."""
    collection: str
    """The collection the records belong to, in the crawl state (the REST base)."""
    route: str
    phase: Phase
    item_class: type[Record]
    post_type: str | None = None
    """For content: the post type's name (``post``, ``page``, ``event``), the records' type."""
    kind: Kind = Kind.FULL
    params: tuple[tuple[str, Any], ...] = ()
    """Extra query parameters of every page request."""
    since: str | None = None
    """For ``newest`` listings: stop paging once records are older than this."""
    edit: bool = False
    """Authenticated crawls: the answers are in the edit context (see
    :mod:`crawler.wordpress.edit_context`)."""
    private_user_fields: bool = False
    """Users' e-mail, roles and names are exported (``-a include_private_user_fields=true``)."""
    extra_fields: tuple[str, ...] = ()
    """Top-level REST fields copied into each record's ``extra`` (``WORDPRESS_EXTRA_FIELDS``)."""
    fields: tuple[str, ...] = ()
    """The fields to ask for with ``_fields=`` (see :func:`record_fields`); none: every field."""

    @property
    def every_status(self) -> bool:
        """Whether the listing asks for every status (``status=any``): versions then carry
        the status (see :func:`crawler.state.changes.entry_version`)."""
        return ("status", "any") in self.params

    @property
    def dated(self) -> bool:
        """Whether records carry ``modified_gmt`` (content, media) rather than a fingerprint."""
        return self.item_class.dated

    def build(self, data: Any, *, site: str) -> Record:
        """The record of one REST object of this listing (``MalformedRecordError`` if none)."""
        extra = self.extra_fields
        if not self.edit:
            if self.post_type is not None:
                return entry_record(data, site=site, post_type=self.post_type, extra_fields=extra)
            return _BUILDERS[self.item_class](data, site=site, extra_fields=extra)
        opened = unlocked(data)  # a protected body the edit context sent is kept
        record: Record
        if self.post_type is not None:
            record = entry_record(opened, site=site, post_type=self.post_type, extra_fields=extra)
        else:
            record = _BUILDERS[self.item_class](opened, site=site, extra_fields=extra)
        return with_edit_fields(
            record,
            data,
            protected=was_protected(data),
            private_user_fields=self.private_user_fields,
        )


def plan_listings(
    content: list[Collection],
    taxonomies: list[Collection],
    *,
    changes_since: str | None = None,
    supports_modified_after: Callable[[str], bool] = lambda route: True,
    authenticated: bool = False,
    private_user_fields: bool = False,
    extra_fields: tuple[str, ...] = (),
    moderate_comments: bool = False,
    public_types: frozenset[str] = frozenset(),
    own_types: frozenset[str] = frozenset(),
) -> list[Listing]:
    """Every collection of a crawl: linked ones (phase 1), then content (phase 2).

    An ``authenticated`` crawl lists content with ``status=any`` and ``context=edit``, and
    users in the edit context when ``private_user_fields``; comments with ``status=all``
    (approved and pending) when the user may ``moderate_comments`` (WordPress refuses any
    other status to others). The post types in ``public_types`` (the user may not edit
    them, see :func:`may_edit`) are listed as in an anonymous crawl; those in ``own_types``
    (the user may edit only their own: the edit context would show nothing else) with every
    status the user may read, in the view context (see :func:`own_listing`).

    Only the taxonomies the crawled types use are listed. With ``changes_since`` (an
    incremental run after a first one), media and content are asked for changes only, plus an
    id listing each. ``extra_fields`` go into every listing (see :attr:`Listing.extra_fields`).
    A route without ``modified_after`` (WordPress before 5.7) is read newest
    first, one page after another, until the records are older than the mark.

    >>> posts = Collection("post", "posts", "wp/v2/posts", taxonomies=("category",))
    >>> tags = Collection("post_tag", "tags", "wp/v2/tags")
    >>> [(x.key, x.phase.name) for x in plan_listings([posts], [tags])][-1]
    ('posts', 'CONTENT')
    >>> [(x.key, x.kind.value) for x in plan_listings([posts], [], changes_since="2024-01-01")][-2:]
    [('posts', 'changes'), ('posts-ids', 'ids')]
    >>> [(x.key, x.params) for x in plan_listings([posts], [], authenticated=True)][::3]
    [('users', ()), ('posts', (('status', 'any'), ('context', 'edit')))]
    >>> [x.params for x in plan_listings([posts], [], authenticated=True,
    ...                                  moderate_comments=True) if x.key == "comments"]
    [(('status', 'all'),)]
    >>> pages = Collection("page", "pages", "wp/v2/pages")
    >>> [(x.key, x.params) for x in plan_listings([posts, pages], [], authenticated=True,
    ...     changes_since="2024-01-01", public_types=frozenset({"page"}))][-2:]
    [('pages', (('modified_after', '2024-01-01'), ('orderby', 'modified'))), ('pages-ids', (('_fields', 'id,modified_gmt'),))]
    """
    used = {name for ctype in content for name in ctype.taxonomies}
    # Listing keys are unique: a taxonomy may not take the key of a post type (or of its id
    # listing), or its listing would silently replace the type's.
    taken = {"users", "media", "comments", "media-ids"}
    taken |= {key for c in content for key in (c.rest_base, f"{c.rest_base}-ids")}
    clashing = [t.name for t in taxonomies if t.name in used and t.rest_base in taken]
    if clashing:
        logger.warning(
            "Skipping the taxonomies %s: their REST base is also a post type's; their terms "
            "are not crawled", ", ".join(repr(name) for name in clashing),
        )  # fmt: skip
    listings = [
        Listing("users", "users", "wp/v2/users", Phase.LINKED, UserItem),
        *_dated("media", "wp/v2/media", phase=Phase.LINKED, item_class=MediaItem, post_type=None,
                changes_since=changes_since, supports_modified_after=supports_modified_after),
        Listing("comments", "comments", "wp/v2/comments", Phase.LINKED, CommentItem),
    ]  # fmt: skip
    listings += [
        Listing(tax.rest_base, tax.rest_base, tax.route, Phase.LINKED, TermItem)
        for tax in taxonomies
        if tax.name in used and tax.name not in clashing
    ]
    for ctype in content:
        listings += _dated(ctype.rest_base, ctype.route, phase=Phase.CONTENT,
                           item_class=entry_class(ctype.name), post_type=ctype.name,
                           changes_since=changes_since,
                           supports_modified_after=supports_modified_after)  # fmt: skip
    if authenticated:
        listings = [
            x
            if x.post_type in public_types
            else own_listing(x)
            if x.post_type in own_types
            else _authenticated(x, private_user_fields)
            for x in listings
        ]
        if moderate_comments:
            listings = [
                replace(x, params=(*x.params, ("status", "all"))) if x.key == "comments" else x
                for x in listings
            ]
    bases = {tax.name: tax.rest_base for tax in taxonomies}
    bases.update(category="categories", post_tag="tags")  # WordPress's, when /taxonomies failed
    for_type = {c.name: tuple(bases[t] for t in c.taxonomies if t in bases) for c in content}
    return [
        replace(
            listing,
            extra_fields=extra_fields,
            fields=()
            if listing.kind == Kind.IDS
            else record_fields(
                listing.item_class,
                taxonomy_bases=for_type.get(listing.post_type or "", ()),
                extra_fields=extra_fields,
            )
            + (PRIVATE_USER_FIELDS if listing.private_user_fields else ()),
        )
        for listing in listings
    ]


def _authenticated(listing: Listing, private_user_fields: bool) -> Listing:
    """``listing`` of an authenticated crawl (see :func:`edit_params`)."""
    access = edit_params(
        content=listing.post_type is not None, private_user_fields=private_user_fields
    )
    if listing.item_class is UserItem:
        return replace(listing, params=listing.params + access, edit=bool(access),
                       private_user_fields=private_user_fields)  # fmt: skip
    if not access or listing.post_type is None:
        return listing
    if listing.kind == Kind.IDS:  # every status, or drafts would look deleted; the status is
        # part of the version (WP-cron publishes a scheduled post without a new modified_gmt)
        return replace(listing, params=(*access[:1], ("_fields", "id,modified_gmt,status")))
    return replace(listing, params=listing.params + access, edit=True)


def public_listing(listing: Listing) -> Listing:
    """``listing`` as an anonymous crawl asks it: published records in the view context
    (the user may not edit its post type, see :func:`may_edit`).

    >>> posts = Collection("post", "posts", "wp/v2/posts")
    >>> [(x.params, x.edit) for x in map(public_listing, plan_listings([posts], [],
    ...     authenticated=True, changes_since="2024-01-01"))][-2:]
    [((('modified_after', '2024-01-01'), ('orderby', 'modified')), False), ((('_fields', 'id,modified_gmt'),), False)]
    """
    if listing.kind == Kind.IDS:
        return replace(listing, params=(("_fields", "id,modified_gmt"),), edit=False)
    params = tuple((k, v) for k, v in listing.params if k not in ("status", "context"))
    return replace(listing, params=params, edit=False)


def own_listing(listing: Listing) -> Listing:
    """``listing`` for a user who may edit only their own records of its type: WordPress's
    edit context leaves out every record the user may not edit (others' published posts), so
    it is asked with ``status=any`` in the view context: all the records the user may read
    (published ones, and the user's own drafts and private ones), with their status.

    >>> posts = Collection("post", "posts", "wp/v2/posts")
    >>> [(x.params, x.edit) for x in map(own_listing, plan_listings([posts], [],
    ...     changes_since="2024-01-01"))][-2:]
    [((('modified_after', '2024-01-01'), ('orderby', 'modified'), ('status', 'any')), False), ((('status', 'any'), ('_fields', 'id,modified_gmt,status')), False)]
    """
    if listing.kind == Kind.IDS:
        return replace(listing, params=(("status", "any"), ("_fields", "id,modified_gmt,status")))
    return replace(listing, params=(*listing.params, ("status", "any")), edit=False)


EDIT_CAPABILITIES = {"post": "edit_posts", "page": "edit_pages"}
"""The capability WordPress checks before it lists a built-in post type with every status."""


def may_edit(post_type: str, capabilities: Any, *, others: bool = False) -> bool:
    """Whether a user with ``capabilities`` (``users/me``'s, in the edit context) may list
    ``post_type`` with every status in the edit context (``others``: may edit others'
    records too, with ``edit_others_<type>s``). A custom type's capability is not
    in the REST index: ``edit_<name>s`` when the user has it, else ``edit_posts`` (the
    default ``capability_type``); unknown capabilities: yes (a refusal is still caught, see
    :class:`~crawler.crawl.outcome.Verdict`).

    >>> author = {"edit_posts": True, "publish_posts": True, "read": True}
    >>> may_edit("post", author), may_edit("page", author), may_edit("event", author)
    (True, False, True)
    >>> may_edit("event", {"read": True, "edit_events": True}), may_edit("event", {"read": True})
    (True, False)
    >>> may_edit("page", None), may_edit("page", {"edit_pages": "yes"})
    (True, False)
    >>> editor = {**author, "edit_others_posts": True, "edit_pages": True, "edit_others_pages": True}
    >>> may_edit("post", author, others=True), may_edit("page", editor, others=True)
    (False, True)
    """
    if not isinstance(capabilities, dict):
        return True
    prefix = "edit_others_" if others else "edit_"
    capability = EDIT_CAPABILITIES.get(post_type, "").replace("edit_", prefix)
    if not capability and capabilities.get(f"{prefix}{post_type}s") is True:
        return True
    return capabilities.get(capability or f"{prefix}posts") is True


def _dated(
    base: str,
    route: str,
    *,
    phase: Phase,
    item_class: type[Record],
    post_type: str | None,
    changes_since: str | None,
    supports_modified_after: Callable[[str], bool],
) -> list[Listing]:
    full = Listing(base, base, route, phase, item_class, post_type)
    if changes_since is None:
        return [full]
    if supports_modified_after(route):
        changes = replace(
            full,
            kind=Kind.CHANGES,
            params=(("modified_after", changes_since), ("orderby", "modified")),
        )
    else:  # WordPress before 5.7 ignores modified_after: newest first, until past the mark
        changes = replace(
            full,
            kind=Kind.NEWEST,
            since=changes_since,
            params=(("orderby", "modified"), ("order", "desc")),
        )
    ids = replace(full, key=f"{base}-ids", kind=Kind.IDS, params=(("_fields", "id,modified_gmt"),))
    return [changes, ids]  # fmt: skip


def by_id_listing(
    listing: Listing, ids: list[int], number: int, *, kind: Kind = Kind.BY_ID
) -> Listing:
    """A listing of at most 100 records of ``listing``'s collection, named by id (in an
    authenticated crawl, with every status and the edit context, as its listing)."""
    kept = tuple((k, v) for k, v in listing.params if k in ("status", "context"))
    return replace(
        listing,
        key=f"{listing.collection}-{kind.value}-{number}",
        phase=Phase.FINAL if kind == Kind.BY_ID else listing.phase,
        kind=kind,
        params=(("include", ",".join(map(str, ids))), ("orderby", "include"), *kept),
        since=None,
    )


def fetch_by_id(linked_total: int | None, content_pages: int | None, per_page: int = 100) -> bool:
    """Whether a crawl of some post types fetches the linked records its content needs by id
    (``include=``) rather than listing their whole collection.

    The rule: listing the rest of the collection costs ``ceil(linked_total / per_page) - 1``
    more requests (its first page, which gave ``X-WP-Total``, is already fetched); fetching by
    id costs at most one request per page of selected content (a page of 100 records names at
    most 100 featured images: one ``include=`` batch). Fetch by id only when that is strictly
    fewer requests; a total the site did not send means listing, as without a selection.

    >>> fetch_by_id(100_000, 1)  # a small blog with a huge media library: 1 request, not 999
    True
    >>> fetch_by_id(10_000, 100)  # 10k posts, 10k media: 100 pages by id against 99
    False
    >>> fetch_by_id(None, 1), fetch_by_id(50, 1), fetch_by_id(1000, None)
    (False, False, False)
    """
    if linked_total is None or content_pages is None:
        return False
    return content_pages < -(-linked_total // per_page) - 1
