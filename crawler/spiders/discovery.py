"""Finding the REST API: the spider's first requests, from the page given to the REST index.

A mixin of :class:`crawler.spiders.wordpress.WordPressSpider`; the decisions themselves are the
pure functions of :mod:`crawler.wordpress.discovery` and :mod:`crawler.wordpress.errors`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
)

from crawler.spiders.responses import is_html, lower_headers
from crawler.wordpress.discovery import (
    api_root_from_headers,
    api_root_from_html,
    is_rest_index,
    probe_candidates,
)
from crawler.wordpress.errors import Problem, diagnose
from crawler.wordpress.jsonbody import NotJsonError, parse_json

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scrapy.http import Response
    from twisted.python.failure import Failure

JSON_HEADERS = {"Accept": "application/json"}
"""WordPress 5.0+ turns PHP's error display off for JSON requests, so notices stay out of bodies."""

# Statuses whose bodies the spider reads itself (WordPress error JSON, block pages). Redirects
# are not listed: RedirectMiddleware must keep following them. 429 and 5xx arrive here only
# after RetryMiddleware has given up on them.
API_STATUSES = [400, 401, 403, 404, 405, 410, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524]


class DiscoveryMixin:
    """From any URL of the site to its REST index: Link header, ``<link>`` tag, then probes."""

    url: str
    allowed_hosts: set[str]

    def fail(self, reason: str, message: str) -> None:  # provided by the spider
        raise NotImplementedError

    def on_index(self, response: Response, index: dict[str, Any]) -> Iterator[Request]:
        raise NotImplementedError

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
        if root is None and is_html(response):
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
        problem = diagnose(response.status, lower_headers(response), response.body, response.url)
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

    def _json_or_none(self, response: Response) -> Any:
        if not 200 <= response.status < 300:
            return None
        try:
            return parse_json(response.body)
        except NotJsonError:
            return None

    def _stop_if_blocked(self, response: Response) -> bool:
        problem = diagnose(response.status, lower_headers(response), response.body, response.url)
        if problem.blocks_crawl:
            self.fail(f"api_{problem.kind}", problem.message)
        return problem.blocks_crawl
