"""One crawl of one site, from its known types to the last page: the state of the run and its
decisions, with no Scrapy import.

The spider hands every page answer here as a :class:`~crawler.crawl.outcome.PageOutcome` and
gets back a :class:`Step`: the records to export, the pages to request next, or a reason to
stop. Along the way the run keeps each collection's paging state, the join's lookup tables, the
phase (linked collections, then content, then the fetches by id of incremental runs), the pages
of records held back for a linked record, and the versions of what it exported.

The phases overlap: content collections start as soon as every linked collection has answered
its first page (so the run knows whether the site hides its users, and content requests embed
their author from the start), and the server lists content while it is still listing media
and comments. A content record needs the complete tables (its author, terms, featured image,
and ``comment_count`` counted over the whole comments listing), so a content page that arrives
before they are complete is held as raw objects and exported once they are. At most
:data:`HOLD_PAGES` content pages are held or in flight meanwhile; the pages paging asks for
past that wait, as URLs, until the tables are complete, so memory stays flat whatever the
site's size. Linked pages carry a higher request priority (:data:`LINKED_PRIORITY`): they go
first, and content pages fill the gaps. Feeds therefore receive the first content pages in the
order the linked listings completed, not page by page after phase 1.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from crawler.items import (
    CommentItem,
    EntryItem,
    EntryRecord,
    MediaItem,
    Record,
    TombstoneItem,
    entry_class,
)
from crawler.state.changes import (
    VERSION_EXCLUDED,
    RunChanges,
    Version,
    entry_version,
    fingerprint,
    past_the_mark,
    since,
)
from crawler.wordpress import types as wp_types
from crawler.wordpress.errors import Problem
from crawler.wordpress.joins import Lookups
from crawler.wordpress.pagination import (
    MAX_PAGES,
    MAX_PER_PAGE,
    CollectionState,
    Cut,
    PageRef,
)
from crawler.wordpress.records import MalformedRecordError, record_id, utc_iso

from .listings import (
    Kind,
    Listing,
    Phase,
    by_id_listing,
    fetch_by_id,
    fields_mishandled,
    may_edit,
    plan_listings,
    public_listing,
)
from .outcome import PageOutcome, Stop, Verdict

if TYPE_CHECKING:
    from collections.abc import Iterable

    from crawler.wordpress.discovery import SiteInfo
    from crawler.wordpress.routes import ApiRoot
    from crawler.wordpress.types import Collection

logger = logging.getLogger(__name__)

HOLD_PAGES = 16
"""Content pages held or in flight at most while the linked collections are still listing, or,
when media are fetched by id, in flight or waiting for their media (``WORDPRESS_HOLD_PAGES``).
A held page is its raw JSON objects: 100 posts of 10 KB of HTML (a 1 MB answer) take 2.4 MB
of Python objects, so the hold costs at most ~40 MB whatever the site's size (10k posts or a
million), and nothing once the tables are complete."""

LINKED_PRIORITY = 10
"""Scrapy request priority of linked pages (content pages: 0), so linked collections finish
first and content pages use the concurrency they leave free."""


class Stats(Protocol):
    """The part of Scrapy's stats collector the run writes to."""

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...
    def set_value(self, key: str, value: Any) -> None: ...
    def get_value(self, key: str, default: Any = None) -> Any: ...


@dataclass(frozen=True)
class PageCall:
    """A page to request: which listing, which page, and its URL."""

    key: str
    ref: PageRef
    url: str
    priority: int = 0
    """Scrapy request priority: :data:`LINKED_PRIORITY` for linked pages, so they go first."""


@dataclass
class Step:
    """What the spider does next."""

    records: list[Record | TombstoneItem] = field(default_factory=list)
    pages: list[PageCall] = field(default_factory=list)
    stop: Stop | None = None
    """The crawl cannot go on (the API is blocked, no such types): stop with this line."""
    custom_types: list[tuple[str, str]] = field(default_factory=list)
    """``(rest_base, name)`` of the custom post types to crawl: each needs its feed."""

    def add(self, other: Step) -> Step:
        self.records += other.records
        self.pages += other.pages
        self.stop = self.stop or other.stop
        self.custom_types += other.custom_types
        return self


class CrawlRun:
    """The run of one crawl once the REST index is known (see the module docstring)."""

    def __init__(  # noqa: PLR0915 - one attribute per setting of the run, each documented
        self,
        site: SiteInfo,
        root: ApiRoot,
        stats: Stats,
        *,
        types: str | None = None,
        changes: RunChanges | None = None,
        overlap: float = 3600,
        max_pages: int = MAX_PAGES,
        hold_pages: int = HOLD_PAGES,
        ignore_totals: bool = False,
        authenticated: bool = False,
        private_user_fields: bool = False,
        extra_fields: tuple[str, ...] = (),
        ask_fields: bool = True,
        moderate_comments: bool = False,
        capabilities: dict[str, Any] | None = None,
    ) -> None:
        self.site, self.root, self.stats, self.changes = site, root, stats, changes
        self.authenticated = authenticated
        """An application password is sent: every status, in the edit context."""
        self.moderate_comments = authenticated and moderate_comments
        """The user may moderate comments: pending comments are listed too."""
        self.capabilities = capabilities
        """``users/me``'s capabilities (authenticated runs): which post types the user may
        list with every status (see :func:`~crawler.crawl.listings.may_edit`)."""
        self.own_types: set[str] = set()
        """Collections of an authenticated run whose type the user may edit only their own
        records of: listed with every status in the view context (``X-WP-Total`` then also
        counts others' drafts the user may not read)."""
        self.public_types: set[str] = set()
        """Collections of an authenticated run listed as an anonymous run does: the user may
        not edit their post type (decided up front, or on WordPress's refusal)."""
        self.private_user_fields = private_user_fields
        """Users' e-mail, roles and names are exported (needs ``authenticated``)."""
        self.extra_fields = tuple(dict.fromkeys(n.strip() for n in extra_fields if n.strip()))
        """Top-level REST fields copied into each record's ``extra`` (``WORDPRESS_EXTRA_FIELDS``)."""
        self.ask_fields = ask_fields
        """Ask only for the fields the records read (``_fields=``, ``WORDPRESS_REST_FIELDS``)."""
        self.unfielded: set[str] = set()
        """Collections whose site mishandles ``_fields=``: asked for whole records."""
        self.fielded: set[tuple[str, int, int]] = set()
        """Pages asked with ``_fields=`` and not answered yet (listing key, page, size)."""
        self.ignore_totals = ignore_totals
        """The site's ``X-WP-Total``/``X-WP-TotalPages`` are unreliable (WordPress.com): every
        collection is paged to its empty page or WordPress's 400, and no total is reported."""
        self.wanted_types = types
        """The ``types`` argument: post types to crawl (all public ones if ``None``)."""
        self.overlap = overlap
        """Seconds before the mark from which an incremental run asks for changes."""
        self.max_pages = max_pages
        """Pages requested per collection at most (``WORDPRESS_MAX_PAGES``)."""
        self.hold_pages = max(1, hold_pages)
        """Content pages held or in flight at most before the tables are complete."""
        self.catalog: dict[str, dict[str, Any] | None] = {}
        """``/types`` and ``/taxonomies`` as they arrive (``None``: WordPress's defaults)."""
        self.listings: dict[str, Listing] = {}
        self.collections: dict[str, CollectionState] = {}
        self.lookups = Lookups()
        self.phase: Phase | None = None
        self.stopped = False
        """The crawl is stopping: no new phase starts."""
        self.embed_author = False
        """The site hides its users: content requests embed each record's author."""
        self.refused: set[str] = set()
        """Collections the site would not show: no conclusion about their deletions."""
        self.waiting: dict[str, tuple[str, list[Any]]] = {}
        """Content pages waiting for the linked media they need: lookup key → (key, objects)."""
        self.selective = types is not None and changes is None
        """A full crawl of some post types: linked media may be fetched by id instead."""
        self.media_by_id: bool | None = None
        """Whether media are fetched by id (``None``: not decided yet, see :func:`fetch_by_id`)."""
        self.parked: list[tuple[list[Any], list[PageRef]]] = []
        """Media pages answered, and the pages to request after them, until that decision."""
        self.held: list[tuple[str, list[Any]]] = []
        """Content pages that arrived before the tables were complete: (key, objects)."""
        self.deferred: list[PageCall] = []
        """Content pages paging asked for while the hold was full: requested once it empties."""
        self.sent_content = 0
        """Content pages requested and not answered yet, while the hold applies."""
        self.batches = 0
        self._reported: set[str] = set()
        """The collections cut short whose line was logged: one line each."""

    # Planning -----------------------------------------------------------------------------

    def on_catalog(
        self, kind: str, data: dict[str, Any] | None, problem: Problem | None = None
    ) -> Step:
        """``/types`` or ``/taxonomies`` is known, or could not be read (``problem``: then
        WordPress's defaults are assumed, unless the whole API is blocked); once both are
        known, plan the crawl and start it."""
        if problem is not None:
            if problem.blocks_crawl:
                self.stopped = True
                return Step(stop=Stop.blocked(problem))
            logger.warning(
                "Could not read %s (%s); assuming WordPress's defaults", kind, problem.message
            )
        self.catalog[kind] = data
        if len(self.catalog) < 2 or self.phase is not None:
            return Step()
        available = wp_types.content_types(self.catalog["types"], self.root, stats=self.stats)
        content = wp_types.select(available, self.wanted_types)
        if not content and not available:
            return Step(stop=Stop("no_post_types",
                f"the REST API at {self.root.url} lists no post type with a route (its /types "
                "answered none): there is no content to crawl through it"))  # fmt: skip
        if not content:
            return Step(stop=Stop("no_such_types",
                f"none of the post types {self.wanted_types!r} exist on this site; it has "
                + ", ".join(t.rest_base for t in available)))  # fmt: skip
        taxonomies = wp_types.taxonomies(self.catalog["taxonomies"], self.root, stats=self.stats)
        self.catalog.clear()
        changes_since = None
        if self.changes is not None and self.changes.previous.runs:
            changes_since = (
                since(self.changes.previous.mark, self.overlap) or "1970-01-01T00:00:00Z"
            )
            logger.info(
                "Incremental run: changes since %s (the mark %s minus %.0f s), deletions by id listing",
                changes_since, self.changes.previous.mark, self.overlap,
            )  # fmt: skip
        step = self.plan(content, taxonomies, changes_since)
        step.custom_types = [
            (t.rest_base, t.name) for t in content if entry_class(t.name) is EntryItem
        ]
        logger.info(
            "Crawling %s, with %s",
            ", ".join(t.rest_base for t in content),
            ", ".join(k for k, x in self.listings.items() if x.phase == Phase.LINKED),
        )
        return step

    def plan(
        self,
        content: list[Collection],
        taxonomies: list[Collection],
        changes_since: str | None = None,
    ) -> Step:
        """Plan the listings and start phase 1, the linked collections."""
        site = self.site
        public, own = set(), set()
        if self.authenticated:
            public = {c.name for c in content if not may_edit(c.name, self.capabilities)}
            own = {
                c.name
                for c in content
                if c.name not in public and not may_edit(c.name, self.capabilities, others=True)
            }
            self.own_types = {c.rest_base for c in content if c.name in own}
        plan = plan_listings(
            content,
            taxonomies,
            changes_since=changes_since,
            supports_modified_after=lambda route: site.supports(route, "modified_after"),
            authenticated=self.authenticated,
            moderate_comments=self.moderate_comments,
            private_user_fields=self.private_user_fields,
            extra_fields=self.extra_fields,
            public_types=frozenset(public),
            own_types=frozenset(own),
        )
        self.listings = {listing.key: listing for listing in plan}
        self._public_only([c.rest_base for c in content if c.name in public])
        if self.own_types:
            logger.info(
                "Listing %s with every status the user may read, in the view context: the user "
                "may edit only their own (their drafts and private records, and published ones)",
                ", ".join(sorted(self.own_types)),
            )
        return self._start_phase(Phase.LINKED)

    def _public_only(self, collections: list[str], problem: Problem | None = None) -> None:
        """Say once which post types are listed as public only, and why."""
        fresh = [c for c in collections if c not in self.public_types]
        if not fresh:
            return
        self.public_types.update(fresh)
        for collection in fresh:
            self.stats.set_value(f"wordpress/{collection}/public_only", True)
        why = (
            f"WordPress refused every status ({problem.code})"
            if problem
            else "per its capabilities"
        )
        logger.info(
            "Listing %s as public only (published records, as an anonymous crawl): the user "
            "may not edit them (%s)", ", ".join(fresh), why,
        )  # fmt: skip

    def asks_edit(self, key: str) -> bool:
        """Whether ``key`` lists content with every status or in the edit context, so a
        refusal of its first page means the user may not edit the type (see
        :attr:`~crawler.crawl.outcome.Verdict.EDIT_REFUSED`)."""
        listing = self.listings.get(key)
        return bool(
            listing and listing.post_type is not None and (listing.edit or listing.every_status)
        )

    def _go_public(self, key: str, ref: PageRef, outcome: PageOutcome) -> Step:
        """The site refused ``key`` with every status: list it again as public only, once."""
        problem = outcome.problem or Problem("unknown", "no answer")
        if not self.asks_edit(key):  # already public: nothing else to try
            self.collections[key].after_failure(ref)
            return Step(stop=self._lost(key, ref, problem))
        listing = public_listing(self.listings[key])
        self.listings[key] = listing
        self.stats.inc_value("wordpress/edit_refused")
        self._public_only([listing.collection], problem)
        state = self.collections[key] = self._collection(listing.route)
        return Step(pages=[self._call(key, state.first_page())])

    def _start_phase(self, phase: Phase) -> Step:
        self.phase = phase
        step = Step()
        for key, listing in self.listings.items():
            if listing.phase == phase:
                state = self.collections.setdefault(key, self._collection(listing.route))
                step.pages.append(self._call(key, state.first_page()))
        return step

    @property
    def tables_complete(self) -> bool:
        """Whether every linked listing is done, so content records can be joined."""
        return not self.parked and all(
            self.collections[key].done
            for key, listing in self.listings.items()
            if listing.phase == Phase.LINKED and listing.kind != Kind.LOOKUP
            and key in self.collections
        )  # fmt: skip

    def _linked_started(self) -> bool:
        """Whether every linked collection answered its first page (content may start)."""
        return all(
            self.collections[key].first_answered or self.collections[key].done
            for key, listing in self.listings.items()
            if listing.phase == Phase.LINKED and key in self.collections
        )

    def _holds(self, listing: Listing) -> bool:
        """Whether pages of ``listing`` are held back until the tables are complete."""
        return (
            listing.phase == Phase.CONTENT
            and listing.kind not in (Kind.IDS, Kind.LOOKUP)
            and not self.tables_complete
        )

    def _limited(self, listing: Listing) -> bool:
        """Whether pages of ``listing`` count against :data:`HOLD_PAGES`: content pages while
        they may be held, or, when media are fetched by id, may wait for their media."""
        return (
            listing.phase == Phase.CONTENT
            and listing.kind not in (Kind.IDS, Kind.LOOKUP)
            and (bool(self.media_by_id) or not self.tables_complete)
        )

    def _gate(self, step: Step) -> Step:
        """Defer the content pages of ``step`` past the hold (see :data:`HOLD_PAGES`)."""
        pages = []
        for call in step.pages:
            if not self._limited(self.listings[call.key]):
                pages.append(call)
            elif self.sent_content + len(self.held) + len(self.waiting) < self.hold_pages:
                self.sent_content += 1
                pages.append(call)
            else:
                self.deferred.append(call)
        step.pages = pages
        return step

    def _decide_media(self) -> Step:
        """Once every selected content listing answered its first page: list the rest of the
        media, or drop the listing and fetch each content page's featured images by id."""
        content = [
            self.collections.get(key)
            for key, listing in self.listings.items()
            if listing.phase == Phase.CONTENT
        ]
        if not all(state and (state.first_answered or state.done) for state in content):
            return Step()
        totals = [state.total for state in content if state]
        pages = None if None in totals else sum(-(-(t or 0) // MAX_PER_PAGE) for t in totals)
        media = self.collections["media"]
        self.media_by_id = fetch_by_id(media.total, pages)
        parked, self.parked = self.parked, []
        if self.media_by_id:
            for _, refs in parked:
                for ref in refs:
                    media.after_end(ref)
            self.stats.set_value("wordpress/media/by_id", True)
            logger.info(
                "media: fetching the featured images of %d content pages by id rather than "
                "listing all %s media", pages, media.total,
            )  # fmt: skip
            return Step()
        step = Step()
        for objects, refs in parked:
            step.records += self._export(self.listings["media"], objects)
            step.pages += [self._call("media", ref) for ref in refs]
        return step

    def _release_held(self) -> Step:
        """The tables are complete: export the held pages (the deferred ones follow)."""
        step, held, self.held = Step(), self.held, []
        if not self.media_by_id:  # no content page will wait any more: no count either
            self.sent_content = 0
        for key, objects in held:
            step.add(self._records(key, objects))
        return step

    def _collection(self, route: str) -> CollectionState:
        return CollectionState(route, max_pages=self.max_pages)

    def _call(self, key: str, ref: PageRef) -> PageCall:
        listing = self.listings[key]
        params: dict[str, Any] = {
            "per_page": ref.per_page,
            "page": ref.page,
            "orderby": "id",
            "order": "asc",
            **dict(listing.params),
        }
        if self.embed_author and listing.post_type is not None:
            params["_embed"] = "author"  # with _fields, older WordPress would drop it: none
        elif self.ask_fields and listing.fields and listing.collection not in self.unfielded:
            params["_fields"] = ",".join(listing.fields)
            if len(self.fielded) < MAX_PAGES:
                self.fielded.add((key, ref.page, ref.per_page))
        priority = LINKED_PRIORITY if listing.phase == Phase.LINKED else 0
        return PageCall(key, ref, self.root.route(listing.route, **params), priority)

    def _advance(self) -> Step:
        """Start the content once the linked collections answered their first pages, release
        the held pages once the tables are complete, and move to phase 3 once all is done."""
        if self.stopped or self.phase is None:
            return Step()
        step = Step()
        if self.phase == Phase.LINKED and self._linked_started():
            step.add(self._start_phase(Phase.CONTENT))
        if self.parked and self.phase == Phase.CONTENT:
            step.add(self._decide_media())
        if self.held and self.tables_complete:
            step.add(self._release_held())
        if self.deferred and self.tables_complete:  # the caller's _gate sends what fits
            step.pages, self.deferred = step.pages + self.deferred, []
        if self.waiting or self.held or self.deferred or self.phase != Phase.CONTENT:
            return step
        if all(
            self.collections[key].done
            for key, listing in self.listings.items()
            if listing.phase in (Phase.LINKED, Phase.CONTENT) and key in self.collections
        ):
            self.phase = Phase.FINAL
            step.add(Step(records=list(self._deletions())).add(self._missed_changes()))
        return step

    # Pages --------------------------------------------------------------------------------

    def on_page(self, key: str, ref: PageRef, outcome: PageOutcome) -> Step:
        """Act on the verdict on one page: export, page on, shrink, or note the loss."""
        if self.ignore_totals:
            outcome = replace(outcome, total=None, total_pages=None)
        state, listing = self.collections[key], self.listings[key]
        if self.sent_content and self._limited(listing):
            self.sent_content -= 1
        if ref.page == 1 and outcome.verdict != Verdict.TOO_LARGE:
            state.first_answered = True
        if outcome.verdict in (Verdict.RECORDS, Verdict.EDIT_REFUSED):
            answered = (
                self._on_records(key, ref, outcome)
                if outcome.verdict == Verdict.RECORDS
                else self._go_public(key, ref, outcome)
            )
            return self._gate(answered.add(self._advance()))
        problem = outcome.problem or Problem("unknown", "no answer")
        step = Step()
        if outcome.verdict == Verdict.END:
            state.after_end(ref)
        elif outcome.verdict == Verdict.REFUSED:
            state.after_end(ref)
            self._refused(key, problem)
        elif outcome.verdict == Verdict.TOO_LARGE and not listing.kind.by_id:
            smaller = state.after_too_large(ref)
            if smaller:
                logger.warning(
                    "%s: the site failed on %d records a page (%s); retrying with %d a page",
                    key, ref.per_page, problem.message, smaller[0].per_page,
                )  # fmt: skip
                self.stats.inc_value("wordpress/page_size_reduced")
                step.pages += [self._call(key, smaller_ref) for smaller_ref in smaller]
            else:
                step.stop = self._lost(key, ref, problem)
        else:
            state.after_failure(ref)
            step.stop = self._lost(key, ref, problem)
        if not step.stop:  # a failed page frees its place in the window for the next ones
            step.pages += [self._call(key, next_ref) for next_ref in state.more()]
        if step.stop:
            self.stopped = True
        return self._gate(step.add(self._release_waiting(key)).add(self._advance()))

    def _fields_mishandled(self, listing: Listing, ref: PageRef, outcome: PageOutcome) -> bool:
        """Whether a page asked with ``_fields=`` shows the site mishandles it (see
        :func:`fields_mishandled`): its collection is then asked whole, said once."""
        page = (listing.key, ref.page, ref.per_page)
        if page not in self.fielded:
            return False
        self.fielded.discard(page)
        if not fields_mishandled(listing.fields, outcome.records):
            return False
        if listing.collection not in self.unfielded:
            self.unfielded.add(listing.collection)
            self.stats.inc_value("wordpress/fields_unsupported")
            logger.warning(
                "%s: the site mishandles _fields= (records without ids, or without the links "
                "asked for); asking for whole records instead", listing.collection,
            )  # fmt: skip
        return True  # also a page sent with _fields before the switch, answered after

    def _on_records(self, key: str, ref: PageRef, outcome: PageOutcome) -> Step:
        state, listing = self.collections[key], self.listings[key]
        if self._fields_mishandled(listing, ref, outcome):
            return Step(pages=[self._call(key, ref)])  # the same page, asked whole
        if listing.kind != Kind.NEWEST:  # newest-first listings stop early: totals do not apply
            state.note_total(outcome.total)
        if state.total is not None and listing.kind.counted:
            self.stats.set_value(f"wordpress/{key}/total", state.total)
        fresh = state.fresh(_ids(outcome.records), also=self._held_ids(key))
        park = key == "media" and self.selective and self.media_by_id is None
        step = Step() if park else self._records(key, outcome.records)
        total_pages = outcome.total_pages
        if listing.kind == Kind.NEWEST and listing.since:
            modified = [
                utc_iso(d.get("modified_gmt")) for d in outcome.records if isinstance(d, dict)
            ]
            if past_the_mark(modified, listing.since):
                state.after_end(ref)
                return step
            total_pages = None  # one page after another, never all at once
        next_refs = state.after_page(
            ref,
            count=len(outcome.records),
            total_pages=total_pages,
            total=outcome.total if listing.kind != Kind.NEWEST else None,
            fresh=fresh,
        )
        if park:  # until the content's size says whether to list the rest or fetch by id
            self.parked.append((outcome.records, next_refs))
            return step
        step.pages += [self._call(key, next_ref) for next_ref in next_refs]
        if state.cut is not None and f"wordpress/{key}/cut" not in self._reported:
            self._report_cut(key, ref, state)
        return step

    def _report_cut(self, key: str, ref: PageRef, state: CollectionState) -> None:
        """One line for a collection cut short: an ERROR and an incomplete crawl when records
        the site has were left out, a WARNING when nothing says any were."""
        self._reported.add(f"wordpress/{key}/cut")
        assert state.cut is not None
        self.stats.set_value(f"wordpress/{key}/cut", state.cut.value)
        if state.cut == Cut.MAX_PAGES:
            message = (
                f"{key}: stopped after {state.requested} pages (WORDPRESS_MAX_PAGES) and the site "
                "has more; the rest of this collection is not crawled. If the site really is "
                "that large, raise it: -s WORDPRESS_MAX_PAGES=N"
            )
        else:
            message = (
                f"{key}: page {ref.page} only repeats records already collected (a cache that "
                "ignores ?page=?); stopped paging this collection"
            )
            if state.lost:
                message += (
                    f" with {len(state.seen)} of the {state.total} records the site reports "
                    "(X-WP-Total): ask the site owner to keep /wp-json/ out of the cache"
                )
        if state.lost:
            self.stats.set_value("wordpress/incomplete", True)
            logger.error("%s", message)
        else:
            logger.warning("%s", message)

    def _lost(self, key: str, ref: PageRef, problem: Problem) -> Stop | None:
        """Count a page lost for good; a block of the whole API stops the crawl (the spider
        may crawl the pages instead, so it is not counted as a lost page)."""
        if problem.blocks_crawl:
            return Stop.blocked(problem)
        self.stats.inc_value("wordpress/pages_failed")
        self.stats.set_value("wordpress/incomplete", True)
        logger.error(
            "Lost page %d of %s (%d records a page): %s",
            ref.page, key, ref.per_page, problem.message,
        )  # fmt: skip
        return None

    def _refused(self, key: str, problem: Problem) -> None:
        """A whole collection is not public: not a failed crawl, the rest goes on without it."""
        self.stats.set_value(f"wordpress/{key}/refused", problem.code or problem.kind)
        self.refused.add(self.listings[key].collection)
        if key == "users":
            self.embed_author = True
            logger.warning(
                "The site hides its users (%s); author names come from each record's embedded "
                "author where the site shows it, otherwise only the author id is exported",
                problem.code or problem.message,
            )
        else:
            logger.warning(
                "Skipping %s: the site does not show them anonymously (%s)", key, problem.message
            )

    # Records ------------------------------------------------------------------------------

    def _records(self, key: str, objects: list[Any], *, ready: bool = False) -> Step:
        """Records of one page: ids noted, linked records looked up, the rest exported."""
        listing = self.listings[key]
        if listing.kind == Kind.IDS:
            self._note_ids(listing, objects)
            return Step()
        if listing.kind == Kind.LOOKUP:
            return self._lookup_answer(key, objects)
        if self._holds(listing):
            self.held.append((key, objects))
            return Step()
        by_id = self.changes is not None or self.media_by_id
        if by_id and not ready and not listing.item_class.linked:
            missing = self._missing_media(listing, objects)
            if missing:
                call = self._by_id_call(self.listings["media"], missing, Kind.LOOKUP)
                self.waiting[call.key] = (key, objects)
                return Step(pages=[call])
        return Step(records=list(self._export(listing, objects)))

    def _export(self, listing: Listing, objects: list[Any]) -> Iterable[Record]:
        state = self.collections[listing.key]
        for data in objects:
            try:
                record = listing.build(data, site=self.site.home)
            except MalformedRecordError as exc:
                self.stats.inc_value("wordpress/records_malformed")
                logger.warning("Skipping a malformed %s record: %s (%.80r)", listing.key, exc, data)
                continue
            if not state.accept(record.id):
                self.stats.inc_value(f"wordpress/{listing.key}/duplicates")
                continue
            self.stats.inc_value(f"wordpress/{listing.key}/collected")
            if self.changes is not None:  # full crawls need no versions: no fingerprinting
                self.changes.note_listed((record.type, record.id), _version(listing, record))
            if isinstance(record, CommentItem) and record.status == "hold":
                pass  # WordPress's comment_count counts approved comments only
            elif record.linked:
                self.lookups.add(record)
            else:
                assert isinstance(record, EntryRecord)
                self.lookups.resolve(record, data, self.root)
            yield record

    def _note_ids(self, listing: Listing, objects: list[Any]) -> None:
        """An id listing's page: which records the site shows now, and their versions."""
        assert self.changes is not None
        state = self.collections[listing.key]
        for data in objects:
            try:
                found = record_id(data)
            except MalformedRecordError:
                continue
            if state.accept(found):
                self.stats.inc_value(f"wordpress/{listing.key}/collected")
            self.changes.note_present(
                listing.collection, found, self._listed_version(listing, data)
            )

    def _listed_version(self, listing: Listing, data: dict[str, Any]) -> str:
        """The version of a content object as listed: ``modified_gmt``, with its status in
        listings with every status (the same as :func:`_version` of its record)."""
        modified = utc_iso(data.get("modified_gmt")) or ""
        if listing.every_status and listing.post_type is not None:
            return entry_version(modified, data.get("status"))
        return modified

    # Linked media of incremental runs -------------------------------------------------------

    def _missing_media(self, listing: Listing, objects: list[Any]) -> list[int]:
        """Featured images of the changed records here that no table holds yet."""
        missing = set()
        for data in objects:
            if not isinstance(data, dict) or not isinstance(data.get("id"), int):
                continue
            version = self._listed_version(listing, data)
            changes = self.changes
            if changes and changes.classify(listing.collection, data["id"], version) is None:
                continue  # unchanged (the overlap): not exported, no link needed
            media_id = data.get("featured_media")
            if (
                isinstance(media_id, int)
                and media_id > 0
                and not self.lookups.knows_media(media_id)
            ):
                missing.add(media_id)
        return sorted(missing)[:100]

    def _lookup_answer(self, key: str, objects: list[Any]) -> Step:
        """Linked media a page of records needed: into the table (and, when media are fetched
        by id rather than listed, into the feed), then the records."""
        asked = {int(i) for i in dict(self.listings[key].params)["include"].split(",")}
        step = Step()
        media = self.collections["media"]
        for data in objects:
            try:
                record = self.listings[key].build(data, site=self.site.home)
            except MalformedRecordError:
                continue
            self.lookups.add(record)
            if self.media_by_id and media.accept(record.id):
                self.stats.inc_value("wordpress/media/collected")
                step.records.append(record)
        self.lookups.hidden_media.update(asked - set(self.lookups.media))
        return step.add(self._release_waiting(key))

    def _release_waiting(self, key: str) -> Step:
        """Export the records that waited for ``key``'s answer; if it failed, their featured
        image is exported as an id only, rather than hold them back."""
        if key not in self.waiting:  # e.g. the empty page that closes a header-less listing
            return Step()
        waiting_key, objects = self.waiting.pop(key)
        return self._records(waiting_key, objects, ready=True)

    def _by_id_call(self, listing: Listing, ids: list[int], kind: Kind) -> PageCall:
        self.batches += 1
        batch = by_id_listing(listing, ids, self.batches, kind=kind)
        self.listings[batch.key] = batch
        state = self.collections.setdefault(batch.key, self._collection(batch.route))
        return self._call(batch.key, state.first_page())

    # Phase 3 of incremental runs ------------------------------------------------------------

    def _deletions(self) -> Iterable[TombstoneItem]:
        """Tombstones for what the previous state had and the site no longer lists."""
        if self.changes is None or not self.changes.previous.runs:
            return
        detected_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        by_collection: dict[str, list[Listing]] = {}
        for listing in self.listings.values():
            by_collection.setdefault(listing.collection, []).append(listing)
        for collection, listings in by_collection.items():
            states = [self.collections[x.key] for x in listings if x.key in self.collections]
            if collection in self.refused or any(
                state.failed_pages or state.cut for state in states
            ):
                continue  # refused, a lost page or paging cut short: absence proves nothing
            if any(x.kind == Kind.IDS for x in listings):
                present = set(self.changes.present.get(collection, {}))
            else:
                present = set(self.collections[collection].seen)
            record_type = listings[0].post_type or listings[0].item_class.record_type or ""
            for gone in self.changes.deleted(collection, present):
                self.stats.inc_value(f"wordpress/{collection}/deleted")
                self.changes.record_removed(collection, gone)
                yield TombstoneItem(
                    type=record_type, id=gone, site=self.site.home, detected_at=detected_at
                )

    def _missed_changes(self) -> Step:
        """Fetch by id what the id listings show changed and the date filter did not return."""
        step = Step()
        if self.changes is None:
            return step
        for listing in list(self.listings.values()):
            if listing.kind != Kind.IDS:
                continue
            missed = self.changes.missed(listing.collection)
            if missed:
                self.stats.inc_value(f"wordpress/{listing.collection}/fetched_by_id", len(missed))
                logger.info(
                    "%s: %d changes the date filter did not return; fetching them by id",
                    listing.collection, len(missed),
                )  # fmt: skip
            for start in range(0, len(missed), 100):
                step.pages.append(
                    self._by_id_call(listing, missed[start : start + 100], Kind.BY_ID)
                )
        return step

    # The end ------------------------------------------------------------------------------

    def close(self) -> None:
        """Compare what was collected with what the site said it has, into the stats.

        A shortfall is reported, not failed: ``X-WP-Total`` counts records that permissions
        then hide (media of private posts), so only lost pages make a crawl incomplete.
        """
        for name, count in self.lookups.unresolved.items():
            self.stats.set_value(f"wordpress/unresolved_links/{name}", count)
        if self.lookups.offsite_links:
            self.stats.set_value("wordpress/offsite_links", self.lookups.offsite_links)
        for key, state in self.collections.items():
            if state.failed_pages or state.lost:
                self.stats.set_value("wordpress/incomplete", True)
            if not self.listings[key].kind.counted:
                continue  # fetches by id: counted under their collection
            self.stats.set_value(f"wordpress/{key}/collected", len(state.seen))
            if key == "media" and self.media_by_id:
                continue  # only the media the content links to were asked for
            if state.shortfall:
                self.stats.set_value(f"wordpress/{key}/shortfall", state.shortfall)
                logger.warning(
                    "%s: collected %d of the %d the site reported (X-WP-Total)%s",
                    key, len(state.seen), state.total,
                    "; pages were lost, see the errors above"
                    if state.failed_pages
                    else "; paging was cut short, see above"
                    if state.cut
                    else "; the site may count records it does not show",
                )  # fmt: skip

    def commit_problems(self, close_reason: str) -> list[str]:
        """Why the state may not be committed after this run (nothing: it may).

        A crawl that failed, was stopped, lost a page, came up short of ``X-WP-Total`` on its
        content, or left records on their way to the feeds leaves the previous state as it
        was, so the next run covers the gap again.
        """
        problems = []
        if close_reason != "finished":
            problems.append(f"the crawl ended with {close_reason!r}")
        if self.stats.get_value("wordpress/incomplete"):
            problems.append("pages were lost")
        for key, state in self.collections.items():
            listing = self.listings[key]
            content = listing.dated and listing.item_class is not MediaItem
            if listing.collection in self.own_types:
                continue  # X-WP-Total also counts others' drafts the user may not read
            if listing.kind in (Kind.FULL, Kind.IDS) and content and state.shortfall:
                problems.append(f"{key} came up {state.shortfall} short of X-WP-Total")
        if self.waiting or self.held:
            problems.append("records still waiting")
        if self.changes is not None and self.changes.pending:
            problems.append(f"{len(self.changes.pending)} records did not reach the feeds")
        return problems

    def _held_ids(self, key: str) -> set[int]:
        """Ids of the held pages of ``key``: collected, though not exported yet."""
        return {i for held_key, objects in self.held if held_key == key for i in _ids(objects)}


def _ids(objects: list[Any]) -> list[int]:
    """The record ids of a page, leaving out what has none (malformed records).

    >>> _ids([{"id": 3}, {"id": "x"}, "junk", {"id": 4}])
    [3, 4]
    """
    ids = []
    for data in objects:
        try:
            ids.append(record_id(data))
        except MalformedRecordError:
            continue
    return ids


def _version(listing: Listing, record: Record) -> Version:
    """A record's version: ``modified_gmt`` when dated (with an entry's status when the
    listing sees every status: WP-cron publishes without touching ``modified_gmt``; a type the
    user may not edit is listed public only, with plain versions), else a fingerprint."""
    modified = getattr(record, "modified_gmt", None) if listing.dated else None
    if listing.dated:
        value = modified or ""
        if listing.every_status and listing.post_type is not None:
            value = entry_version(value, getattr(record, "status", None))
        return Version(listing.collection, value, modified)
    fields = {k: v for k, v in asdict(record).items() if k not in VERSION_EXCLUDED}
    return Version(listing.collection, fingerprint(fields))
