"""The closing coverage line of a crawl that rebuilt records without REST, and its stats.

Counts every record the feeds get (``item_scraped``, through :mod:`crawler.extensions.scraped`)
by feed and ``source``, and the ``missing`` fields of those not built from REST, with
:class:`crawler.crawl.coverage.Coverage`;
at the close it sets the ``wordpress/fallback/...`` stats and logs one INFO line, or nothing
when every record came from REST and no URL failed. A REST record costs a dictionary look-up
and a counter: it is counted from its class and its ``source`` attribute, without building an
adapter. The crawl reports URLs it lost after retries with the :data:`url_failed` signal.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from scrapy import signals

from crawler.crawl.coverage import Coverage, feed_of
from crawler.extensions.scraped import on_record_scraped
from crawler.items import REST

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

url_failed = object()
"""Signal: a URL of the fallback was lost after retries. Send it with ``url_kind``, the kind
of URL in our own words (``sitemap``, ``page``, ``feed``, ``archive``...), never the URL:
``crawler.signals.send_catch_log(url_failed, url_kind="sitemap")``."""

_UNSEEN = object()


class FallbackCoverage:
    """Feed :class:`~crawler.crawl.coverage.Coverage` from the scraped records; log it at the
    close."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.coverage = Coverage()
        self.feeds: dict[type, str | None] = {}
        """Record class -> its feed name (``None``: not a record, e.g. a tombstone)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        on_record_scraped(crawler, extension.item_scraped)
        crawler.signals.connect(extension.url_failed, signal=url_failed)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def item_scraped(self, item: Any) -> None:
        kind = type(item)
        feed = self.feeds.get(kind, _UNSEEN)
        if feed is _UNSEEN:
            feed = self.feeds[kind] = feed_of(kind)
        if feed is None:
            return
        assert isinstance(feed, str)
        source = getattr(item, "source", REST)
        if source == REST:
            self.coverage.add(feed, REST)
            return
        missing = ItemAdapter(item).get("missing")
        self.coverage.add(feed, source, missing if isinstance(missing, list | tuple) else ())

    def url_failed(self, url_kind: str) -> None:
        self.coverage.add_failed(url_kind)

    def spider_closed(self) -> None:
        stats = self.crawler.stats
        assert stats is not None
        for key, value in self.coverage.stats().items():
            stats.set_value(key, value)
        line = self.coverage.line()
        if line is not None:
            logger.info("%s", line)
