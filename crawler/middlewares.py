"""Downloader middlewares: keep the crawl on the site and off private addresses, and back off
when the site asks."""

from __future__ import annotations

import logging
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.misc import load_object
from twisted.internet.threads import deferToThread
from w3lib.url import safe_url_string

from crawler.netpolicy import AllowList, address_of, refusal

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.internet.defer import Deferred

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
            logger.info("The site redirects to %s; it joins the crawl's scope", host)
            allowed.add(host)
        if host not in allowed:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("wordpress/offsite_blocked")
            logger.warning("Not following %s: it is outside the crawled site", request.url)
            raise IgnoreRequest(f"offsite: {host}")


ADDRESS_HINT = (
    "only public addresses are visited besides the site's own host; "
    "to allow a host or network: -s WORDPRESS_ALLOWED_ADDRESSES=..."
)


class AddressPolicyMiddleware:
    """Never contact a private, loopback or link-local address the site pointed at.

    The host the user gave may be anything, loopback included: it is their choice. Any other
    host (the REST root the site advertises, a redirect, a CDN) is resolved first, through the
    ``WORDPRESS_ADDRESS_RESOLVER`` function (``host, port -> addresses``), and refused unless
    every address is public (:func:`crawler.netpolicy.refusal`), one of the user's host's own
    addresses, or listed in ``WORDPRESS_ALLOWED_ADDRESSES``. A host that does not resolve is
    refused too: the download's own lookup, or a proxy's, could get another answer. A refused
    request is dropped with one WARNING line and counted (``wordpress/address_blocked``);
    verdicts are kept per host for the crawl.

    It runs after :class:`SiteScopeMiddleware`, so hosts outside the site are dropped without
    even a DNS lookup, and before the download, which resolves the host again: a host whose
    DNS answer changes between the two lookups (DNS rebinding) is not caught. Pinning the
    address would need a reactor-wide resolver, shared by every site of a ``crawlsites`` run.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.allowed = AllowList.parse(settings.get("WORDPRESS_ALLOWED_ADDRESSES"))
        self.resolve: Callable[[str, int], list[str]] = load_object(
            settings.get("WORDPRESS_ADDRESS_RESOLVER", "crawler.netpolicy.resolve")
        )
        self.verdicts: dict[str, str | None] = {}
        """Host -> why it is refused (``None``: allowed)."""
        self.own_addresses: list[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressPolicyMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        own = self._own_host()
        parts = urlsplit(request.url)
        host = (parts.hostname or "").lower()
        if not host or own is None or host == own:
            return
        if host not in self.verdicts:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            addresses = await self._lookup(host, port)
            if self.own_addresses is None:
                self.own_addresses = await self._lookup(own, port)
            self.verdicts[host] = refusal(host, addresses, self.allowed, self.own_addresses)
        reason = self.verdicts[host]
        if reason is not None:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("wordpress/address_blocked")
            logger.warning("Not visiting %s: %s (%s)", request.url, reason, ADDRESS_HINT)
            raise IgnoreRequest(f"{reason} ({ADDRESS_HINT})")

    def _own_host(self) -> str | None:
        """The host the user gave (``None`` before the spider knows it: nothing to check)."""
        url = getattr(self.crawler.spider, "url", "") or ""
        host = urlsplit(safe_url_string(url)).hostname  # as in requests: IDN hosts in punycode
        return host.lower() if host else None

    async def _lookup(self, host: str, port: int) -> list[str]:
        literal = address_of(host)
        if literal is not None:  # an address in the URL is checked as it is
            return [str(literal)]
        deferred: Deferred[list[str]] = deferToThread(self.resolve, host, port)
        addresses: list[str] = await maybe_deferred_to_future(deferred)
        return addresses


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
