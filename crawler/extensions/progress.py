"""Progress and summary: records so far against ``X-WP-Total``, rate and ETA, and the outcome.

The spider keeps two stats per feed, ``wordpress/<feed>/collected`` and ``wordpress/<feed>/total``
(the site's own count); this extension only reads them, on a timer and once at the end. With
``WORDPRESS_STATS_FILE`` set, :class:`FileStatsCollector` writes the final stats there as JSON,
for schedulers and monitoring that should not parse logs.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.statscollectors import MemoryStatsCollector
from twisted.internet import task

from crawler.extensions.typefeeds import CustomTypeFeeds
from crawler.feeds import site_slug

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


def progress_line(feed: str, collected: int, total: int | None, elapsed: float) -> str:
    """One progress line for a feed.

    >>> progress_line("posts", 250, 1000, 10.0)
    'posts: 250/1000 (25%), 25.0 records/s, about 30 s left'
    >>> progress_line("posts", 40, None, 4.0)
    'posts: 40 so far, 10.0 records/s'
    """
    rate = collected / elapsed if elapsed > 0 else 0.0
    if not total:
        return f"{feed}: {collected} so far, {rate:.1f} records/s"
    left = f", about {(total - collected) / rate:.0f} s left" if rate and total > collected else ""
    return f"{feed}: {collected}/{total} ({100 * collected // total}%), {rate:.1f} records/s{left}"


class CrawlProgress:
    """Log progress every ``WORDPRESS_PROGRESS_INTERVAL`` seconds and a summary at the end."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.interval = crawler.settings.getfloat("WORDPRESS_PROGRESS_INTERVAL", 15.0)
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    def spider_opened(self, spider: Spider) -> None:
        self.started = time.monotonic()
        if self.interval > 0:
            self.loop = task.LoopingCall(self.log_progress)
            self.loop.start(self.interval, now=False)

    def collections(self) -> list[str]:
        """The collections the spider has counted so far, in the order it met them."""
        names = []
        for key in self.stats.get_stats():
            parts = key.split("/")
            counted = (
                len(parts) == 3 and parts[0] == "wordpress" and parts[2] in ("collected", "total")
            )
            if counted and parts[1] not in names:
                names.append(parts[1])
        return names

    def log_progress(self) -> None:
        elapsed = time.monotonic() - self.started
        for name in self.collections():
            collected = self.stats.get_value(f"wordpress/{name}/collected", 0)
            total = self.stats.get_value(f"wordpress/{name}/total")
            logger.info("Progress %s", progress_line(name, collected, total, elapsed))

    def feeds(self) -> dict[str, Any]:
        """The feeds of this crawl: ``FEEDS``, then those opened during it (custom post types)."""
        feeds = dict(self.crawler.settings.getdict("FEEDS"))
        custom = self.crawler.get_extension(CustomTypeFeeds)
        if custom is not None:
            feeds.update(custom.feeds)
        return feeds

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        elapsed = time.monotonic() - self.started
        counts = []
        for feed in self.collections():
            collected = self.stats.get_value(f"wordpress/{feed}/collected", 0)
            total = self.stats.get_value(f"wordpress/{feed}/total")
            counts.append(f"{feed} {collected}" + (f" of {total}" if total is not None else ""))
        outcome = "incomplete" if self.stats.get_value("wordpress/incomplete") else reason
        logger.info(
            "Summary (%s): %s; %d requests, %d errors, %.1f s; feeds: %s",
            outcome,
            ", ".join(counts),
            self.stats.get_value("downloader/request_count", 0),
            self.stats.get_value("log_count/ERROR", 0),
            elapsed,
            ", ".join(feed_paths(self.feeds(), spider)) or "none",
        )


def feed_paths(feeds: dict[str, Any], spider: Spider) -> list[str]:
    """The feed URIs of this crawl with the ``%(host)s``/``%(name)s`` parameters filled in."""
    params = {
        "host": site_slug(getattr(spider, "url", "") or ""),
        "name": spider.name,
        "run": getattr(spider, "run_id", "run"),
    }
    paths = []
    for uri in feeds:
        try:
            paths.append(str(uri) % params)
        except (KeyError, ValueError, TypeError):
            paths.append(str(uri))
    return paths


class FileStatsCollector(MemoryStatsCollector):
    """Scrapy's stats, also written as JSON to ``WORDPRESS_STATS_FILE`` when the crawl closes.

    Stats are persisted after every ``spider_closed`` handler and feed has finished, so the file
    holds the final figures (the finish reason, whether the state was committed).
    """

    def _persist_stats(self, stats: dict[str, Any]) -> None:
        super()._persist_stats(stats)
        path = self._crawler.settings.get("WORDPRESS_STATS_FILE")
        if path:
            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps(stats, default=str, indent=2, sort_keys=True)
            target.write_text(text, encoding="utf-8")
