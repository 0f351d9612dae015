"""Commit an incremental run's state, only after a clean crawl whose feeds are stored.

The state is what the next run starts from, so it must never claim more than the feeds hold:
it is written (atomically, :func:`crawler.state.store.save_state`) once the spider has closed
with ``finished`` and every feed is stored, and only if the run lost nothing
(:meth:`crawler.crawl.run.CrawlRun.commit_problems`) and broke no outcome rule (no unexpected
error, every feed stored: :mod:`crawler.extensions.outcome`). Otherwise the previous state stays
and the next run covers this run's changes again. The site's lock
(:class:`crawler.state.store.SiteLock`, taken by the spider before any request) is released when
the engine stops, after the commit.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scrapy import signals

from crawler import signals as wordpress_signals
from crawler.extensions.outcome import CrawlOutcome, crawl_failure
from crawler.state.store import save_state

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class CommitState:
    """Write the state of an incremental run when its crawl closed clean and its feeds are
    stored (in whichever order the two signals come)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.close_reason: str | None = None
        self.feeds_stored = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CommitState:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.feeds_closed, signal=wordpress_signals.feeds_stored)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_stopped(self) -> None:
        """Release the site's lock: the run is over, its state committed or not."""
        lock = getattr(self.crawler.spider, "state_lock", None)
        if lock is not None:
            lock.release()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.close_reason = reason
        self.commit()

    def feeds_closed(self) -> None:
        self.feeds_stored = True
        self.commit()

    def outcome_problems(self) -> list[str]:
        """What broke the outcome rule so far: unexpected errors, feeds not stored."""
        assert self.crawler.stats is not None
        failure = crawl_failure(self.crawler.stats.get_stats())
        problems = [failure] if failure else []
        outcome = self.crawler.get_extension(CrawlOutcome)
        unstored = outcome.unstored_feeds() if outcome is not None else []
        if unstored and not self.crawler.stats.get_value("wordpress/feeds_not_stored"):
            problems.append(f"{len(unstored)} feeds were not stored")
        return problems

    def commit(self) -> None:
        spider, stats = self.crawler.spider, self.crawler.stats
        changes, path = getattr(spider, "changes", None), getattr(spider, "state_file", None)
        if changes is None or path is None or stats is None:
            return  # not an incremental run
        if not (self.feeds_stored and self.close_reason):
            return
        run = getattr(spider, "run", None) or getattr(spider, "fallback", None)
        if run is not None:
            problems = run.commit_problems(self.close_reason)
        else:
            problems = [f"the crawl ended with {self.close_reason!r} before listing anything"]
        problems += self.outcome_problems()
        if problems:
            stats.set_value("wordpress/state_committed", False)
            logger.warning(
                "State not updated (%s); the next run covers this run's changes again",
                "; ".join(problems),
            )
            return
        state = changes.next_state(datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        save_state(path, state)
        stats.set_value("wordpress/state_committed", True)
        logger.info(
            "State saved to %s: %d records, mark %s",
            path, sum(len(ids) for ids in state.records.values()), state.mark,
        )  # fmt: skip
