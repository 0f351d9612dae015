"""The ``wordpress`` spider: discover the REST API, then list every collection once and join.

The spider is glue. WordPress rules live in :mod:`crawler.wordpress` (routes, discovery, types,
pagination, tolerant JSON, records, joins); this module turns their decisions into requests
and items, and every failure into one log line that says what happened and what to do.

Flow, one way: the page given → its advertised REST root (or probes) → the REST index →
``/types`` and ``/taxonomies`` → phase 1, the linked collections (users, terms, media,
comments), paged concurrently and kept as small lookup tables → phase 2, the content
collections (posts, pages, custom types), each record joined with its links as it arrives.
Every collection costs one request per 100 records, however many links its records have.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
)
from scrapy.utils.defer import deferred_from_coro

from crawler import signals as wordpress_signals
from crawler.feeds import default_feeds
from crawler.items import (
    CommentItem,
    EntryItem,
    MediaItem,
    PageItem,
    PostItem,
    TermItem,
    UserItem,
    build_item,
)
from crawler.params import ArgumentError, CrawlParams
from crawler.wordpress import types as wp_types
from crawler.wordpress.discovery import (
    SiteInfo,
    api_root_from_headers,
    api_root_from_html,
    is_rest_index,
    probe_candidates,
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
from crawler.wordpress.records import (
    MalformedRecordError,
    comment_record,
    entry_record,
    media_record,
    term_record,
    user_record,
)
from crawler.wordpress.routes import ApiRoot

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings
    from twisted.python.failure import Failure

JSON_HEADERS = {"Accept": "application/json"}
"""WordPress 5.0+ turns PHP's error display off for JSON requests, so notices stay out of bodies."""

# Statuses whose bodies the spider reads itself (WordPress error JSON, block pages). Redirects
# are not listed: RedirectMiddleware must keep following them. 429 and 5xx arrive here only
# after RetryMiddleware has given up on them.
API_STATUSES = [400, 401, 403, 404, 405, 410, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524]

LINKED, CONTENT = 1, 2
"""The two phases: linked collections first, so content records can be joined on arrival."""


@dataclass(frozen=True)
class Listing:
    """One collection to page through, and what its records become."""

    key: str
    """Name in stats and cb_kwargs: the REST base (``posts``, ``categories``, ``events``...)."""
    route: str
    phase: int
    build: Callable[..., dict[str, Any]]
    item_class: type
    record_type: str | None = None
    """For content: the post type's name (``post``, ``page``, ``event``)."""


def plan_listings(
    content: list[wp_types.Collection], taxonomies: list[wp_types.Collection]
) -> list[Listing]:
    """Every collection of a full crawl: linked ones (phase 1), then content (phase 2).

    Only the taxonomies the crawled types use are listed.
    """
    used = {name for ctype in content for name in ctype.taxonomies}
    listings = [
        Listing("users", "wp/v2/users", LINKED, user_record, UserItem),
        Listing("media", "wp/v2/media", LINKED, media_record, MediaItem),
        Listing("comments", "wp/v2/comments", LINKED, comment_record, CommentItem),
    ]
    listings += [
        Listing(tax.rest_base, tax.route, LINKED, term_record, TermItem)
        for tax in taxonomies
        if tax.name in used
    ]
    for ctype in content:
        item_class = {"post": PostItem, "page": PageItem}.get(ctype.name, EntryItem)
        listings.append(
            Listing(ctype.rest_base, ctype.route, CONTENT, entry_record, item_class, ctype.name)
        )
    return listings


class WordPressSpider(Spider):
    """Crawl a WordPress site's content and everything it links to, through its REST API.

    Arguments: ``-a url=<any page of the site, or its REST root>``, optionally
    ``-a types=posts,pages`` to crawl only those post types (REST base or name).
    """

    name = "wordpress"

    def __init__(
        self, *args: Any, url: str | None = None, types: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.argument_error: str | None = None
        try:
            self.params: CrawlParams | None = CrawlParams.from_arguments(url=url, types=types)
        except ArgumentError as exc:
            self.params, self.argument_error = None, str(exc)
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

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        # Spider priority: a user's -o/-O (command-line priority) or FEEDS setting wins.
        settings.set(
            "FEEDS", default_feeds(settings.get("WORDPRESS_OUTPUT_DIR", "output")), "spider"
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> WordPressSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_closed, signal=signals.spider_closed)
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

    def parse_entry(self, response: Response) -> Iterator[Request]:
        """The page the user gave: a REST root itself, or a page that advertises one."""
        index = self._json_or_none(response)
        if is_rest_index(index):
            yield from self.on_index(response, index)
            return
        if self._stop_if_blocked(response):
            return
        link_values = [v.decode("latin-1") for v in response.headers.getlist("Link")]
        root = api_root_from_headers(link_values, response.url)
        if root is None and _is_html(response):
            root = api_root_from_html(response.text, response.url)
        if root is not None:
            self.logger.info("The site advertises its REST API at %s", root)
            yield self._index_request(root, tried=[], fallbacks=probe_candidates(self.url))
            return
        self.logger.info("No REST API link on %s; probing the usual places", response.url)
        yield from self._probe(tried=[], candidates=probe_candidates(self.url))

    def parse_index(
        self, response: Response, tried: list[str], fallbacks: list[str]
    ) -> Iterator[Request]:
        """A candidate REST root: the index, a block, or nothing (then the next candidate)."""
        tried = [*tried, response.request.url if response.request else response.url]
        index = self._json_or_none(response)
        if is_rest_index(index):
            yield from self.on_index(response, index)
            return
        problem = diagnose(response.status, _lower_headers(response), response.body, response.url)
        if problem.blocks_crawl:
            self.fail(f"api_{problem.kind}", problem.message)
            return
        yield from self._probe(tried=tried, candidates=fallbacks, last_problem=problem)

    def on_index_error(self, failure: Failure) -> Iterator[Request]:
        """A candidate root could not be fetched at all: try the next one."""
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(CannotResolveHostError, DownloadConnectionRefusedError):
            self.on_entry_error(failure)
            return
        yield from self._probe(
            tried=[*request.cb_kwargs["tried"], request.url],
            candidates=request.cb_kwargs["fallbacks"],
        )

    def on_entry_error(self, failure: Failure) -> None:
        """The site did not answer at all: nothing to crawl."""
        url = failure.request.url  # type: ignore[attr-defined]
        host = urlsplit(url).netloc
        if failure.check(CannotResolveHostError):
            why = f"the host name {host} does not resolve; check the URL for typos"
        elif failure.check(DownloadConnectionRefusedError):
            why = f"{host} refused the connection; check the URL, the port and that the site is up"
        elif failure.check(DownloadTimeoutError):
            why = f"{host} did not answer in time; the site may be down or very slow (raise -s DOWNLOAD_TIMEOUT)"
        else:
            why = f"{failure.getErrorMessage()}"
        self.fail("site_unreachable", f"could not reach {url}: {why}")

    def _probe(
        self, *, tried: list[str], candidates: list[str], last_problem: Problem | None = None
    ) -> Iterator[Request]:
        remaining = [c for c in candidates if c not in tried]
        if not remaining:
            detail = f" (last answer: {last_problem.message})" if last_problem else ""
            self.fail(
                "api_not_found",
                f"no WordPress REST API found for {self.url}; tried {', '.join(tried)}{detail}. "
                "Is it a WordPress site? If its API lives elsewhere, pass the API root as -a url=",
            )
            return
        yield self._index_request(remaining[0], tried=tried, fallbacks=remaining[1:])

    def _index_request(self, url: str, *, tried: list[str], fallbacks: list[str]) -> Request:
        self.allowed_hosts.add(urlsplit(url).netloc.lower())
        return Request(
            url,
            headers=JSON_HEADERS,
            callback=self.parse_index,
            errback=self.on_index_error,
            cb_kwargs={"tried": tried, "fallbacks": fallbacks},
            meta={"handle_httpstatus_list": API_STATUSES, "wordpress_discovery": True},
            dont_filter=True,
        )

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
                response.status, _lower_headers(response), response.body, response.url
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
        self.listings = {listing.key: listing for listing in plan_listings(content, taxonomies)}
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

    def _advance(self) -> Iterator[Request]:
        """Start the content once every linked collection is complete."""
        if (
            self.phase == LINKED
            and not self.stop_reason
            and all(
                self.collections[key].done
                for key, listing in self.listings.items()
                if listing.phase == LINKED
            )
        ):
            yield from self._start_phase(CONTENT)

    # Collections -------------------------------------------------------------------------

    def _page_request(self, key: str, ref: PageRef) -> Request:
        assert self.root is not None
        listing = self.listings[key]
        url = self.root.route(
            listing.route,
            per_page=ref.per_page,
            page=ref.page,
            orderby="id",
            order="asc",
            _embed="author" if self.embed_author and listing.phase == CONTENT else None,
        )
        return Request(
            url,
            headers=JSON_HEADERS,
            callback=self.parse_page,
            errback=self.on_page_error,
            cb_kwargs={"key": key, "page": ref.page, "per_page": ref.per_page},
            meta={"handle_httpstatus_list": API_STATUSES},
        )

    def parse_page(self, response: Response, key: str, page: int, per_page: int) -> Iterator[Any]:
        """One page of a collection: records, then the pages to request next."""
        state, ref = self.collections[key], PageRef(page, per_page)
        if response.status != 200:
            yield from self._on_page_status(response, key, ref)
            yield from self._advance()
            return
        try:
            data = parse_json(response.body)
        except NotJsonError:
            data = None
        if not isinstance(data, list):
            problem = diagnose(200, _lower_headers(response), response.body, response.url)
            if data is not None and error_code(data) is None:
                problem = Problem(
                    "not_json", f"expected a JSON list of records from {response.url}"
                )
            state.after_failure(ref)
            self._report_lost_page(key, ref, problem)
            yield from self._advance()
            return
        state.note_total(header_int(response.headers.get("X-WP-Total")))
        if state.total is not None:
            self.crawler.stats.set_value(f"wordpress/{key}/total", state.total)
        yield from self._records(key, data)
        total_pages = header_int(response.headers.get("X-WP-TotalPages"))
        for next_ref in state.after_page(ref, count=len(data), total_pages=total_pages):
            yield self._page_request(key, next_ref)
        yield from self._advance()

    def _records(self, key: str, objects: list[Any]) -> Iterator[Any]:
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
            if add is not None:
                add(record)
            else:
                record = self.lookups.resolve(record, data, self.root)
            yield build_item(listing.item_class, record)

    def _on_page_status(self, response: Response, key: str, ref: PageRef) -> Iterator[Request]:
        state = self.collections[key]
        problem = diagnose(response.status, _lower_headers(response), response.body, response.url)
        if response.status == 400 and problem.code in END_OF_COLLECTION_CODES:
            state.after_end(ref)
            return
        if response.status in (401, 403, 404) and ref.page == 1 and not problem.blocks_crawl:
            state.after_end(ref)
            self._refused(key, problem)
            return
        if not _page_too_large(response.status, problem):
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
            stats.set_value(f"wordpress/{feed}/collected", len(state.seen))
            if state.failed_pages:
                stats.set_value("wordpress/incomplete", True)
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

    # Helpers ------------------------------------------------------------------------------

    def _json_or_none(self, response: Response) -> Any:
        if not 200 <= response.status < 300:
            return None
        try:
            return parse_json(response.body)
        except NotJsonError:
            return None

    def _stop_if_blocked(self, response: Response) -> bool:
        problem = diagnose(response.status, _lower_headers(response), response.body, response.url)
        if problem.blocks_crawl:
            self.fail(f"api_{problem.kind}", problem.message)
        return problem.blocks_crawl


def _lower_headers(response: Response) -> dict[str, str]:
    return {
        key.decode("latin-1").lower(): b", ".join(values).decode("latin-1")
        for key, values in response.headers.items()
    }


def _is_html(response: Response) -> bool:
    content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
    return "html" in content_type


def _page_too_large(status: int, problem: Problem) -> bool:
    """Whether a failed page might succeed with fewer records a page."""
    if status == 400:
        return problem.code == "rest_invalid_param"
    return status >= 500 and problem.kind in {"server_error", "http_error"}
