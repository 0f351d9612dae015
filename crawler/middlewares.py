"""Downloader middlewares: keep the crawl on the site, and back off when the site asks."""

from __future__ import annotations

import logging
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class SiteScopeMiddleware:
    """Only let requests reach the crawled site's own hosts.

    The spider keeps ``allowed_hosts`` (the host given by the user and the host of the REST root
    the site advertised). Anything else, such as a ``_links`` href or a pagination URL pointing
    at another host, is dropped and counted, so a hostile or broken site cannot send the crawler
    elsewhere. The one exception is a redirect during discovery (``example.com`` to
    ``www.example.com``): the site's canonical host becomes part of the site.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteScopeMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        allowed: set[str] | None = getattr(self.crawler.spider, "allowed_hosts", None)
        if not allowed:
            return
        host = urlsplit(request.url).netloc.lower()
        if (
            host not in allowed
            and request.meta.get("wordpress_discovery")
            and request.meta.get("redirect_urls")
        ):
            logger.info("Following the site's redirect to %s", host)
            allowed.add(host)
        if host not in allowed:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("wordpress/offsite_blocked")
            logger.warning("Not following %s: it is outside the crawled site", request.url)
            raise IgnoreRequest(f"offsite: {host}")


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    >>> retry_after_seconds(b"120")
    120.0
    >>> retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0)
    10.0
    >>> retry_after_seconds("soon") is None, retry_after_seconds(None) is None
    (True, True)
    """
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries, plus ``Retry-After`` on 429 and 503.

    Scrapy retries at once, which a rate-limited site answers with another 429. Here the site's
    download slot is slowed to the delay the site asked for (capped by
    ``WORDPRESS_RETRY_AFTER_MAX``) before the retry; AutoThrottle then eases it back down as
    normal answers come in.
    """

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        # ``spider`` only keeps the signature of RetryMiddleware's: Scrapy no longer passes it.
        if response.status in (429, 503) and not request.meta.get("dont_retry", False):
            self._slow_down(request, retry_after_seconds(response.headers.get("Retry-After")))
        return super().process_response(request, response)

    def _slow_down(self, request: Request, seconds: float | None) -> None:
        if seconds is None or self.crawler.engine is None:
            return
        cap = self.crawler.settings.getfloat("WORDPRESS_RETRY_AFTER_MAX", 120.0)
        slots = self.crawler.engine.downloader.slots
        slot = slots.get(request.meta.get("download_slot", ""))
        if slot is None:
            return
        delay = min(seconds, cap)
        if delay > slot.delay:
            logger.info("The site asked to wait %.0f s (Retry-After); slowing down", delay)
            slot.delay = delay
