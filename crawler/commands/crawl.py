"""``scrapy crawl``, exiting non-zero when a crawl failed or ended incomplete.

Scrapy's own ``crawl`` exits 0 whenever the spider started, so cron jobs and schedulers could
not tell a blocked or partial crawl from a good one. This command keeps every option of the
original and only sets the exit code from the crawl's outcome.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from crawler.extensions.outcome import crawl_failure

if TYPE_CHECKING:
    import argparse

    from scrapy.crawler import Crawler


def crawl_stats(crawler: Crawler) -> dict[str, Any]:
    """The stats of a crawl; empty if it never started (Scrapy creates them when it starts)."""
    try:
        return crawler.stats.get_stats()
    except RuntimeError:  # Crawler.stats is not set yet
        return {}


def crawl_failed(crawler: Crawler) -> bool:
    """Whether a finished crawl failed: closed for another reason than ``finished``, lost
    pages (incomplete), or broke the outcome rule (an unexpected error, a feed not stored)."""
    stats = crawl_stats(crawler)
    return (
        stats.get("finish_reason") != "finished"
        or bool(stats.get("wordpress/incomplete"))
        or crawl_failure(stats) is not None
    )


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name, e.g. scrapy crawl wordpress")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed or crawl_failed(crawler):
            self.exitcode = 1
