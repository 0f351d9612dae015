"""The ``wordpress`` spider: discover the REST API, then list every collection once and join.

The spider is glue. WordPress rules live in :mod:`crawler.wordpress` (routes, discovery, types,
pagination, tolerant JSON, records, joins); this module turns their decisions into requests
and items, and every failure into one log line that says what happened and what to do.

Flow, one way: the page given → its advertised REST root (or probes) → the REST index →
``/types`` and ``/taxonomies`` → phase 1, the linked collections (users, terms, media,
comments), paged concurrently and kept as small lookup tables → phase 2, the content
collections (posts, pages, custom types), each record joined with its links as it arrives →
(incremental runs) phase 3, tombstones and fetches by id → items to the cleaning pipeline and
the feeds → the state, committed once the feeds are stored. Every collection costs one request
per 100 records, however many links its records have.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.utils.defer import deferred_from_coro

from crawler import signals as wordpress_signals
from crawler.feeds import FeedLayout, host_slug, use_default_feeds
from crawler.items import CommentItem, MediaItem, TermItem, UserItem, build_item
from crawler.params import ArgumentError, CrawlParams
from crawler.spiders.discovery import API_STATUSES, JSON_HEADERS, DiscoveryMixin
from crawler.spiders.incremental import IncrementalMixin
from crawler.spiders.plan import (
    BY_ID,
    CHANGES,
    CONTENT,
    FINAL,
    FULL,
    IDS,
    LINKED,
    LINKED_CLASSES,
    LOOKUP,
    NEWEST,
    Listing,
    plan_listings,
)
from crawler.spiders.responses import lower_headers
from crawler.state.changes import RunChanges, fingerprint, past_the_mark, since
from crawler.state.store import StateError, load_state, state_path
from crawler.wordpress import types as wp_types
from crawler.wordpress.discovery import (
    SiteInfo,
    site_info,
)
from crawler.wordpress.errors import Problem, diagnose, error_code
from crawler.wordpress.joins import Lookups
from crawler.wordpress.jsonbody import NotJsonError, parse_json
from crawler.wordpress.pagination import (
    END_OF_COLLECTION_CODES,
    CollectionState,
    PageRef,
    header_int,
)
from crawler.wordpress.records import MalformedRecordError, utc_iso
from crawler.wordpress.routes import ApiRoot

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure


class WordPressSpider(DiscoveryMixin, IncrementalMixin, Spider):
    """Crawl a WordPress site's content and everything it links to, through its REST API.

    Arguments (validated by :class:`crawler.params.CrawlParams`): ``-a url=`` any page of the
    site or its REST root; ``-a types=posts,pages`` only those post types; ``-a
    incremental=true`` only what changed since the last clean run. Discovery lives in
    :class:`~crawler.spiders.discovery.DiscoveryMixin`, change tracking and resume in
    :class:`~crawler.spiders.incremental.IncrementalMixin`.
    """

    name = "wordpress"

    def __init__(
        self,
        *args: Any,
        url: str | None = None,
        types: str | None = None,
        incremental: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.argument_error: str | None = None
        try:
            self.params: CrawlParams | None = CrawlParams.from_arguments(
                url=url, types=types, incremental=incremental
            )
        except ArgumentError as exc:
            self.params, self.argument_error = None, str(exc)
        self.run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.url = self.params.url if self.params else ""
        self.allowed_hosts: set[str] = {urlsplit(self.url).netloc.lower()} if self.url else set()
        self.root: ApiRoot | None = None
        self.site: SiteInfo | None = None
        self.catalog: dict[str, Any] = {}
        self.listings: dict[str, Listing] = {}
        self.collections: dict[str, CollectionState] = {}
        self.lookups = Lookups()
        self.phase = 0
        self.embed_author = False
        self.stop_reason: str | None = None
        self.close_reason: str | None = None
        self.state_file: Path | None = None
        self.changes: RunChanges | None = None
        """Incremental runs: the previous state and what this run exported."""
        self.present: dict[str, dict[int, str]] = {}
        """Incremental runs: ids and ``modified_gmt`` the id listings found, per collection."""
        self.yielded: dict[str, dict[int, str]] = {}
        """Versions yielded this run, per collection (to know what the date filter missed)."""
        self.versions: dict[tuple[str, int], tuple[str, str | None]] = {}
        """Versions of yielded records, until they are exported."""
        self.waiting: dict[str, tuple[str, list[Any]]] = {}
        """Content pages waiting for the linked media they need: lookup key → (key, objects)."""
        self.batches = 0
        self.feeds_stored = False
        self.refused: set[str] = set()
        """Collections the site would not show: no conclusion about their deletions."""
        self.already_exported: set[tuple[str, int]] = set()
        """A resumed job: the ``(type, id)`` of records its feeds hold from earlier starts."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> WordPressSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        incremental = bool(spider.params and spider.params.incremental)
        layout = FeedLayout.from_settings(crawler.settings, incremental=incremental)
        # Spider priority: a user's -o/-O (command-line priority) or FEEDS setting wins.
        use_default_feeds(crawler.settings, layout)
        if incremental and spider.params:
            spider.state_file = state_path(
                crawler.settings.get("STATE_DIR", "state"), host_slug(spider.url)
            )
            try:
                spider.changes = RunChanges(load_state(spider.state_file, spider.url))
            except StateError as exc:
                spider.params, spider.argument_error = None, str(exc)
        jobdir = crawler.settings.get("JOBDIR")
        if jobdir and spider.params:
            spider.resume_job(jobdir, layout)
        crawler.signals.connect(spider.on_closed, signal=signals.spider_closed)
        crawler.signals.connect(spider.on_item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(spider.commit_state, signal=wordpress_signals.feeds_stored)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        if self.params is None:
            self.fail("bad_argument", str(self.argument_error))
            return
        self.logger.info("Looking for the WordPress REST API of %s", self.url)
        yield Request(
            self.url,
            callback=self.parse_entry,
            errback=self.on_entry_error,
            meta={"handle_httpstatus_list": API_STATUSES, "wordpress_discovery": True},
            dont_filter=True,
        )

    # Discovery ---------------------------------------------------------------------------

    def on_index(self, response: Response, index: dict[str, Any]) -> Iterator[Request]:
        """The REST index: learn the site, then ask which post types and taxonomies it has."""
        self.root = ApiRoot.from_url(response.url)
        self.allowed_hosts.add(self.root.host.lower())
        home = urlsplit(self.url)._replace(path="/", query="").geturl()
        self.site = site_info(index, home)
        self.logger.info(
            "Found the REST API of %r at %s (namespaces: %s)",
            self.site.name,
            self.root.url,
            ", ".join(self.site.namespaces) or "none",
        )
        if not self.site.has_wp_v2:
            self.fail(
                "api_without_content",
                f"the REST API at {self.root.url} has no wp/v2 routes (WordPress older than 4.7, "
                "or a plugin removed them); there is no content to crawl through it",
            )
            return
        for kind in ("types", "taxonomies"):
            yield Request(
                self.root.route(f"wp/v2/{kind}"),
                headers=JSON_HEADERS,
                callback=self.parse_catalog,
                errback=self.on_catalog_error,
                cb_kwargs={"kind": kind},
                meta={"handle_httpstatus_list": API_STATUSES},
                dont_filter=True,
            )

    def parse_catalog(self, response: Response, kind: str) -> Iterator[Request]:
        """``/types`` or ``/taxonomies``; when refused, WordPress's defaults are assumed."""
        data = self._json_or_none(response)
        if not isinstance(data, dict) or error_code(data):
            problem = diagnose(
                response.status, lower_headers(response), response.body, response.url
            )
            if problem.blocks_crawl:
                self.fail(f"api_{problem.kind}", problem.message)
                return
            self.logger.warning(
                "Could not read %s (%s); assuming WordPress's defaults", kind, problem.message
            )
            data = None
        self.catalog[kind] = data
        yield from self._start_when_catalog_known()

    def on_catalog_error(self, failure: Failure) -> Iterator[Request]:
        kind = failure.request.cb_kwargs["kind"]  # type: ignore[attr-defined]
        self.logger.warning(
            "Could not fetch %s (%s); assuming WordPress's defaults",
            kind,
            failure.getErrorMessage(),
        )
        self.catalog[kind] = None
        yield from self._start_when_catalog_known()

    def _start_when_catalog_known(self) -> Iterator[Request]:
        if len(self.catalog) < 2 or self.phase:
            return
        assert self.root is not None
        assert self.params is not None
        content = wp_types.select(
            wp_types.content_types(self.catalog["types"], self.root), self.params.types
        )
        if not content:
            self.fail(
                "no_such_types",
                f"none of the post types {self.params.types!r} exist on this site; it has "
                + ", ".join(
                    t.rest_base for t in wp_types.content_types(self.catalog["types"], self.root)
                ),
            )
            return
        taxonomies = wp_types.taxonomies(self.catalog["taxonomies"], self.root)
        changes_since = None
        if self.changes is not None and self.changes.previous.runs:
            overlap = self.crawler.settings.getfloat("WORDPRESS_INCREMENTAL_OVERLAP", 3600)
            changes_since = since(self.changes.previous.mark, overlap) or "1970-01-01T00:00:00Z"
            self.logger.info(
                "Incremental run: changes since %s (the mark %s minus %.0f s), deletions by id listing",
                changes_since, self.changes.previous.mark, overlap,
            )  # fmt: skip
        site = self.site
        assert site is not None
        plan = plan_listings(
            content,
            taxonomies,
            changes_since=changes_since,
            supports_modified_after=lambda route: site.supports(route, "modified_after"),
        )
        self.listings = {listing.key: listing for listing in plan}
        custom = [(t.rest_base, t.name) for t in content if t.name not in ("post", "page")]
        if custom:
            self.crawler.signals.send_catch_log(
                wordpress_signals.custom_types_found, types=custom, spider=self
            )
        self.logger.info(
            "Crawling %s, with %s",
            ", ".join(t.rest_base for t in content),
            ", ".join(key for key, listing in self.listings.items() if listing.phase == LINKED),
        )
        self.catalog.clear()
        yield from self._start_phase(LINKED)

    def _start_phase(self, phase: int) -> Iterator[Request]:
        self.phase = phase
        for key, listing in self.listings.items():
            if listing.phase == phase:
                state = self.collections.setdefault(key, CollectionState(listing.route))
                yield self._page_request(key, state.first_page())

    def _advance(self) -> Iterator[Any]:
        """Move to the next phase once every collection of this one is complete."""
        if self.stop_reason or not self.phase or self.waiting:
            return
        if not all(
            self.collections[key].done
            for key, listing in self.listings.items()
            if listing.phase == self.phase and key in self.collections
        ):
            return
        if self.phase == LINKED:
            yield from self._start_phase(CONTENT)
        elif self.phase == CONTENT:
            self.phase = FINAL
            yield from self._deletions()
            yield from self._missed_changes()

    # Collections -------------------------------------------------------------------------

    def _page_request(self, key: str, ref: PageRef) -> Request:
        assert self.root is not None
        listing = self.listings[key]
        params: dict[str, Any] = {
            "per_page": ref.per_page,
            "page": ref.page,
            "orderby": "id",
            "order": "asc",
            **dict(listing.params),
        }
        if self.embed_author and listing.dated and listing.item_class is not MediaItem:
            params["_embed"] = "author"
        return Request(
            self.root.route(listing.route, **params),
            headers=JSON_HEADERS,
            callback=self.parse_page,
            errback=self.on_page_error,
            cb_kwargs={"key": key, "page": ref.page, "per_page": ref.per_page},
            meta={"handle_httpstatus_list": API_STATUSES},
            # Each page is planned once (CollectionState); a resumed job plans them again.
            dont_filter=True,
        )

    def parse_page(self, response: Response, key: str, page: int, per_page: int) -> Iterator[Any]:
        """One page of a collection: records, then the pages to request next."""
        state, ref = self.collections[key], PageRef(page, per_page)
        if response.status != 200:
            yield from self._on_page_status(response, key, ref)
            yield from self._release_waiting(key)
            yield from self._advance()
            return
        try:
            data = parse_json(response.body)
        except NotJsonError:
            data = None
        if not isinstance(data, list):
            problem = diagnose(200, lower_headers(response), response.body, response.url)
            if data is not None and error_code(data) is None:
                problem = Problem(
                    "not_json", f"expected a JSON list of records from {response.url}"
                )
            state.after_failure(ref)
            self._report_lost_page(key, ref, problem)
            yield from self._advance()
            return
        listing = self.listings[key]
        if listing.kind != NEWEST:  # newest-first listings stop early: totals do not apply
            state.note_total(header_int(response.headers.get("X-WP-Total")))
        if state.total is not None and listing.kind in (FULL, CHANGES, IDS):
            self.crawler.stats.set_value(f"wordpress/{key}/total", state.total)
        yield from self._records(key, data)
        if listing.kind == NEWEST and listing.since:
            modified = [utc_iso(d.get("modified_gmt")) for d in data if isinstance(d, dict)]
            if past_the_mark(modified, listing.since):
                state.after_end(ref)
                yield from self._advance()
                return
            total_pages = None  # one page after another, never all at once
        else:
            total_pages = header_int(response.headers.get("X-WP-TotalPages"))
        for next_ref in state.after_page(ref, count=len(data), total_pages=total_pages):
            yield self._page_request(key, next_ref)
        yield from self._advance()

    def _records(self, key: str, objects: list[Any], *, ready: bool = False) -> Iterator[Any]:
        """Records of one page: ids noted, linked records looked up, the rest exported."""
        listing = self.listings[key]
        if listing.kind == IDS:
            self._note_ids(listing, objects)
            return
        if listing.kind == LOOKUP:
            yield from self._lookup_answer(key, objects)
            return
        if self.changes is not None and not ready and listing.item_class not in LINKED_CLASSES:
            missing = self._missing_media(listing, objects)
            if missing:
                request = self._by_id_request(self.listings["media"], missing, LOOKUP)
                self.waiting[request.cb_kwargs["key"]] = (key, objects)
                yield request
                return
        yield from self._export(key, objects)

    def _export(self, key: str, objects: list[Any]) -> Iterator[Any]:
        listing, state, stats = self.listings[key], self.collections[key], self.crawler.stats
        assert self.site is not None
        assert self.root is not None
        add = {
            UserItem: self.lookups.add_user,
            TermItem: self.lookups.add_term,
            MediaItem: self.lookups.add_media,
            CommentItem: self.lookups.add_comment,
        }.get(listing.item_class)
        for data in objects:
            try:
                if listing.record_type:
                    record = listing.build(
                        data, site=self.site.home, record_type=listing.record_type
                    )
                else:
                    record = listing.build(data, site=self.site.home)
            except MalformedRecordError as exc:
                stats.inc_value("wordpress/records_malformed")
                self.logger.warning("Skipping a malformed %s record: %s (%.80r)", key, exc, data)
                continue
            if not state.accept(record["id"]):
                stats.inc_value(f"wordpress/{key}/duplicates")
                continue
            stats.inc_value(f"wordpress/{key}/collected")
            change = version = None
            if self.changes is not None:  # full crawls need no versions: no fingerprinting
                version = (
                    (record.get("modified_gmt") or "") if listing.dated else fingerprint(record)
                )
                change = self.changes.classify(listing.collection, record["id"], version)
            if add is not None:
                add(record)
            else:
                record = self.lookups.resolve(record, data, self.root)
            if self.changes is not None:
                if change is None:
                    stats.inc_value(f"wordpress/{listing.collection}/unchanged")
                    continue
                record["change"] = change
                stats.inc_value(f"wordpress/{listing.collection}/{change}")
                self.yielded.setdefault(listing.collection, {})[record["id"]] = version
                self.versions[(record["type"], record["id"])] = (
                    listing.collection,
                    version,
                    record.get("modified_gmt") if listing.dated else None,
                )
            if (record["type"], record["id"]) in self.already_exported:
                stats.inc_value("wordpress/resume_skipped")
                continue
            yield build_item(listing.item_class, record)

    def _on_page_status(self, response: Response, key: str, ref: PageRef) -> Iterator[Request]:
        state = self.collections[key]
        problem = diagnose(response.status, lower_headers(response), response.body, response.url)
        if response.status == 400 and problem.code in END_OF_COLLECTION_CODES:
            state.after_end(ref)
            return
        if response.status in (401, 403, 404) and ref.page == 1 and not problem.blocks_crawl:
            state.after_end(ref)
            self._refused(key, problem)
            return
        by_id = self.listings[key].kind in (BY_ID, LOOKUP)  # at most 100 ids: size is not it
        if by_id or not _page_too_large(response.status, problem):
            state.after_failure(ref)
            self._report_lost_page(key, ref, problem)
            return
        smaller = state.after_too_large(ref)
        if not smaller:
            self._report_lost_page(key, ref, problem)
            return
        self.logger.warning(
            "%s: the site failed on %d records a page (%s); retrying with %d a page",
            key,
            ref.per_page,
            problem.message,
            smaller[0].per_page,
        )
        self.crawler.stats.inc_value("wordpress/page_size_reduced")
        for smaller_ref in smaller:
            yield self._page_request(key, smaller_ref)

    def _refused(self, key: str, problem: Problem) -> None:
        """A whole collection is not public: not a failed crawl, the rest goes on without it."""
        self.crawler.stats.set_value(f"wordpress/{key}/refused", problem.code or problem.kind)
        self.refused.add(self.listings[key].collection)
        if key == "users":
            self.embed_author = True
            self.logger.warning(
                "The site hides its users (%s); author names come from each record's embedded "
                "author where the site shows it, otherwise only the author id is exported",
                problem.code or problem.message,
            )
        else:
            self.logger.warning(
                "Skipping %s: the site does not show them anonymously (%s)", key, problem.message
            )

    def on_page_error(self, failure: Failure) -> Iterator[Request]:
        """A page could not be downloaded at all (after retries)."""
        request = failure.request  # type: ignore[attr-defined]
        key = request.cb_kwargs["key"]
        ref = PageRef(request.cb_kwargs["page"], request.cb_kwargs["per_page"])
        self.collections[key].after_failure(ref)
        problem = Problem("network", f"could not fetch {request.url}: {failure.getErrorMessage()}")
        self._report_lost_page(key, ref, problem)
        yield from self._release_waiting(key)
        yield from self._advance()

    def _report_lost_page(self, key: str, ref: PageRef, problem: Problem) -> None:
        stats = self.crawler.stats
        stats.inc_value("wordpress/pages_failed")
        stats.set_value("wordpress/incomplete", True)
        if problem.blocks_crawl:
            self.fail(f"api_{problem.kind}", problem.message)
            return
        self.logger.error(
            "Lost page %d of %s (%d records a page): %s",
            ref.page,
            key,
            ref.per_page,
            problem.message,
        )

    # Outcome -----------------------------------------------------------------------------

    def fail(self, reason: str, message: str) -> None:
        """Stop the crawl with one readable line; what was already exported stays in the feeds.

        The engine is asked to close rather than ``CloseSpider`` raised, because an exception
        raised in an errback makes Scrapy log the download error again with a traceback.
        """
        if self.stop_reason:
            return  # already stopping; the first reason is the one that matters
        self.stop_reason = reason
        self.logger.error("Crawl stopped: %s", message)
        self.crawler.stats.set_value("wordpress/failure", message)
        if self.crawler.crawling:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))

    def on_closed(self, spider: Spider, reason: str) -> None:
        """Compare what was collected with what the site said it has.

        A shortfall is reported, not failed: ``X-WP-Total`` counts records that permissions
        then hide (media of private posts), so only lost pages make a crawl incomplete.
        """
        stats = self.crawler.stats
        for name, count in self.lookups.unresolved.items():
            stats.set_value(f"wordpress/unresolved_links/{name}", count)
        if self.lookups.offsite_links:
            stats.set_value("wordpress/offsite_links", self.lookups.offsite_links)
        for feed, state in self.collections.items():
            if state.failed_pages:
                stats.set_value("wordpress/incomplete", True)
            if self.listings[feed].kind not in (FULL, CHANGES, IDS):
                continue  # fetches by id: counted under their collection
            stats.set_value(f"wordpress/{feed}/collected", len(state.seen))
            if state.shortfall:
                stats.set_value(f"wordpress/{feed}/shortfall", state.shortfall)
                self.logger.warning(
                    "%s: collected %d of the %d the site reported (X-WP-Total)%s",
                    feed,
                    len(state.seen),
                    state.total,
                    "; pages were lost, see the errors above"
                    if state.failed_pages
                    else "; the site may count records it does not show",
                )
        self.close_reason = reason
        self._commit_when_feeds_are_stored()

    # Crawl state (incremental runs) ---------------------------------------------------------

    # Helpers ------------------------------------------------------------------------------


def _page_too_large(status: int, problem: Problem) -> bool:
    """Whether a failed page might succeed with fewer records a page."""
    if status == 400:
        return problem.code == "rest_invalid_param"
    return status >= 500 and problem.kind in {"server_error", "http_error"}
