"""``scrapy crawlsites sites.txt``: crawl every site of a file, each into its own feeds and state.

Each site is its own Scrapy crawler in one process, so one site's failure (down, blocked, not
WordPress) stops only that site. The command ends with one summary line per site and exits 1
if any site failed, so cron and schedulers notice.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError

from crawler.commands.crawl import crawl_failed, crawl_stats
from crawler.extensions.outcome import crawl_failure
from crawler.params import ArgumentError
from crawler.sites import read_sites

if TYPE_CHECKING:
    import argparse

    from scrapy.crawler import Crawler


def site_summary(url: str, crawler: Crawler) -> str:
    """One line: outcome, site, records per collection, or what went wrong."""
    stats = crawl_stats(crawler)
    if not crawl_failed(crawler):
        counts = [
            f"{key.split('/')[1]} {value}"
            for key, value in sorted(stats.items())
            if key.startswith("wordpress/") and key.endswith("/collected") and "-" not in key
        ]
        return f"ok      {url}  {', '.join(counts) or 'nothing new'}"
    reason = (
        stats.get("wordpress/failure")
        or crawl_failure(stats)
        or ("pages were lost" if stats.get("wordpress/incomplete") else stats.get("finish_reason"))
        or "the crawl did not start"
    )
    return f"FAILED  {url}  {reason}"


class Command(BaseRunSpiderCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] <sites file>"

    def short_desc(self) -> str:
        return "Crawl every WordPress site listed in a file (one URL a line), each on its own"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one sites file, e.g. scrapy crawlsites sites.txt")
        try:
            urls = read_sites(Path(args[0]))
        except ArgumentError as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        assert self.crawler_process
        crawlers = []
        for url in urls:
            crawler = self._create_crawler("wordpress")
            self.crawler_process.crawl(crawler, **{**opts.spargs, "url": url})
            crawlers.append((url, crawler))
        self.crawler_process.start()
        lines = [site_summary(url, crawler) for url, crawler in crawlers]
        failed = sum(line.startswith("FAILED") for line in lines)
        print(f"\nSites: {len(urls) - failed} ok, {failed} failed")
        print("\n".join(lines))
        if failed or self.crawler_process.bootstrap_failed:
            self.exitcode = 1
