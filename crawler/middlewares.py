"""Downloader middlewares."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

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

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        allowed: set[str] | None = getattr(spider, "allowed_hosts", None)
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
