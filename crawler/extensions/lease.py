"""Keep the site's lease while the crawl runs; a lost lease stops the crawl.

The spider takes the site (:meth:`crawler.state.backends.StateBackend.begin`) before its first
request; this renews it every ``STATE_LEASE_TTL / 3`` seconds until the engine stops (feeds are
stored after the spider closes, and the commit needs the lease then too). When the lease is lost
(it expired: the process was stalled longer than the TTL, or Redis was unreachable that long,
and another run may hold the site now) the crawl stops with the reason ``lease_lost`` and its
state is not committed (the commit is fenced anyway).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from crawler.state.store import StateError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class RenewLease:
    """Renew the site run's lease on a looping call."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.ttl = max(1.0, crawler.settings.getfloat("STATE_LEASE_TTL", 30.0))
        self.loop: task.LoopingCall | None = None
        self.renewed_at = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RenewLease:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def spider_opened(self) -> None:
        if getattr(self.crawler.spider, "site_run", None) is None:
            return
        self.renewed_at = time.monotonic()
        self.loop = task.LoopingCall(self.renew)
        self.loop.start(self.ttl / 3, now=False)

    def engine_stopped(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()

    def renew(self) -> None:
        site_run = getattr(self.crawler.spider, "site_run", None)
        if site_run is None or getattr(site_run, "released", False):
            self.engine_stopped()  # committed or released: nothing left to keep
            return
        try:
            held = site_run.renew()
        except StateError as exc:  # Redis away for a moment: try again until the TTL
            if time.monotonic() - self.renewed_at < self.ttl:
                logger.warning("Could not renew the site's lease (%s); trying again", exc)
                return
            held = False
        if held:
            self.renewed_at = time.monotonic()
            return
        self.engine_stopped()
        self.lost()

    def lost(self) -> None:
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value("wordpress/lease_lost", True)
        logger.error(
            "Crawl stopped: the site's lease was lost (another run may hold it now); "
            "the state is not committed, the next run covers this one"
        )
        if self.crawler.crawling and self.crawler.engine is not None:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="lease_lost"))
