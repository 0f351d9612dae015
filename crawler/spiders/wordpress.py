"""The ``wordpress`` spider: discover the REST API, then page through the site's collections.

The spider is glue. WordPress rules live in :mod:`crawler.wordpress` (routes, discovery,
pagination, tolerant JSON, records); this module turns their decisions into requests and items,
and turns every failure into one log line that says what happened and what to do.

Flow: the page given → its advertised REST root (or probes) → the REST index → ``wp/v2/posts``
pages (the first page tells how many there are; the rest are requested concurrently) → items.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
)
from scrapy.utils.defer import deferred_from_coro

from crawler.feeds import default_feeds
from crawler.items import PostItem
from crawler.params import ArgumentError, CrawlParams
from crawler.wordpress.discovery import (
    SiteInfo,
    api_root_from_headers,
    api_root_from_html,
    is_rest_index,
    probe_candidates,
    site_info,
)
from crawler.wordpress.errors import Problem, diagnose, error_code
from crawler.wordpress.jsonbody import NotJsonError, parse_json
from crawler.wordpress.pagination import (
    END_OF_COLLECTION_CODES,
    CollectionState,
    PageRef,
    header_int,
)
from crawler.wordpress.records import MalformedRecordError, post_record
from crawler.wordpress.routes import ApiRoot

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

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

COLLECTIONS = {"posts": ("wp/v2/posts", PostItem)}
"""Feeds crawled, with their route and item class."""


class WordPressSpider(Spider):
    """Crawl a WordPress site's posts through its REST API into JSONL feeds.

    Arguments: ``-a url=<any page of the site, or its REST root>``.
    """

    name = "wordpress"

    def __init__(self, *args: Any, url: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.argument_error: str | None = None
        try:
            self.params: CrawlParams | None = CrawlParams.from_arguments(url=url, **kwargs)
        except ArgumentError as exc:
            self.params, self.argument_error = None, str(exc)
        self.url = self.params.url if self.params else ""
        self.allowed_hosts: set[str] = {urlsplit(self.url).netloc.lower()} if self.url else set()
        self.root: ApiRoot | None = None
        self.site: SiteInfo | None = None
        self.collections: dict[str, CollectionState] = {}
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
        """The REST index: learn the site, then start its collections."""
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
        for feed, (route, _item_class) in COLLECTIONS.items():
            state = self.collections.setdefault(feed, CollectionState(route))
            yield self._page_request(feed, state.first_page())

    # Collections -------------------------------------------------------------------------

    def _page_request(self, feed: str, ref: PageRef) -> Request:
        assert self.root is not None
        url = self.root.route(
            self.collections[feed].route,
            per_page=ref.per_page,
            page=ref.page,
            orderby="id",
            order="asc",
        )
        return Request(
            url,
            headers=JSON_HEADERS,
            callback=self.parse_page,
            errback=self.on_page_error,
            cb_kwargs={"feed": feed, "page": ref.page, "per_page": ref.per_page},
            meta={"handle_httpstatus_list": API_STATUSES},
        )

    def parse_page(
        self, response: Response, feed: str, page: int, per_page: int
    ) -> Iterator[Request | Any]:
        """One page of a collection: records, then the pages to request next."""
        state, ref = self.collections[feed], PageRef(page, per_page)
        if response.status != 200:
            yield from self._on_page_status(response, feed, ref)
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
            self._report_lost_page(feed, ref, problem)
            return
        total = header_int(response.headers.get("X-WP-Total"))
        state.note_total(total)
        if state.total is not None:
            self.crawler.stats.set_value(f"wordpress/{feed}/total", state.total)
        yield from self._records(feed, data)
        total_pages = header_int(response.headers.get("X-WP-TotalPages"))
        for next_ref in state.after_page(ref, count=len(data), total_pages=total_pages):
            yield self._page_request(feed, next_ref)

    def _records(self, feed: str, objects: list[Any]) -> Iterator[Any]:
        state, stats = self.collections[feed], self.crawler.stats
        item_class = COLLECTIONS[feed][1]
        assert self.site is not None
        for data in objects:
            try:
                record = post_record(data, site=self.site.home)
            except MalformedRecordError as exc:
                stats.inc_value("wordpress/records_malformed")
                self.logger.warning("Skipping a malformed %s record: %s (%.80r)", feed, exc, data)
                continue
            if not state.accept(record["id"]):
                stats.inc_value(f"wordpress/{feed}/duplicates")
                continue
            stats.inc_value(f"wordpress/{feed}/collected")
            yield item_class(**record)

    def _on_page_status(self, response: Response, feed: str, ref: PageRef) -> Iterator[Request]:
        state = self.collections[feed]
        problem = diagnose(response.status, _lower_headers(response), response.body, response.url)
        if response.status == 400 and problem.code in END_OF_COLLECTION_CODES:
            state.after_end(ref)
            return
        if not _page_too_large(response.status, problem):
            state.after_failure(ref)
            self._report_lost_page(feed, ref, problem)
            return
        smaller = state.after_too_large(ref)
        if not smaller:
            self._report_lost_page(feed, ref, problem)
            return
        self.logger.warning(
            "%s: the site failed on %d records a page (%s); retrying with %d a page",
            feed,
            ref.per_page,
            problem.message,
            smaller[0].per_page,
        )
        self.crawler.stats.inc_value("wordpress/page_size_reduced")
        for smaller_ref in smaller:
            yield self._page_request(feed, smaller_ref)

    def on_page_error(self, failure: Failure) -> None:
        """A page could not be downloaded at all (after retries)."""
        request = failure.request  # type: ignore[attr-defined]
        feed, ref = (
            request.cb_kwargs["feed"],
            PageRef(request.cb_kwargs["page"], request.cb_kwargs["per_page"]),
        )
        self.collections[feed].after_failure(ref)
        problem = Problem("network", f"could not fetch {request.url}: {failure.getErrorMessage()}")
        self._report_lost_page(feed, ref, problem)

    def _report_lost_page(self, feed: str, ref: PageRef, problem: Problem) -> None:
        stats = self.crawler.stats
        stats.inc_value("wordpress/pages_failed")
        stats.set_value("wordpress/incomplete", True)
        if problem.blocks_crawl:
            self.fail(f"api_{problem.kind}", problem.message)
            return
        self.logger.error(
            "Lost page %d of %s (%d records a page): %s",
            ref.page,
            feed,
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
