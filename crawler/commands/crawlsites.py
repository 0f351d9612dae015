"""``scrapy crawlsites sites.txt``: crawl every site of a file, each into its own feeds and state.

Each site is its own Scrapy crawler in one process, so one site's failure (down, blocked, not
WordPress) stops only that site. The command ends with one summary line per site and exits 1
if any site failed, so cron and schedulers notice.

With ``-j N`` (N > 1) up to N sites are crawled at a time, each in its own ``scrapy crawl``
process through :func:`crawler.distributed.jobs.crawl_site` (the function RQ workers run), so
one machine uses all its cores; the summary and exit code are the same.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError
from scrapy.utils.conf import arglist_to_dict

from crawler.commands.crawl import crawl_failed, crawl_stats
from crawler.distributed.jobs import SiteBusy, SiteFailed, crawl_site, stop_running_crawls
from crawler.extensions.result import failure_line
from crawler.params import ArgumentError
from crawler.sites import read_sites
from crawler.state.resume import new_run_id

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
    return f"FAILED  {url}  {failure_line(stats)}"


def job_summary(
    url: str, run_id: str, spider_args: dict[str, str], settings: dict[str, str]
) -> str:
    """Crawl one site as a site job and return its summary line (as :func:`site_summary`)."""
    try:
        result = crawl_site(url, run_id, spider_args, settings)
    except SiteBusy:
        return f"FAILED  {url}  another crawl of this site is running"
    except SiteFailed as exc:
        return f"FAILED  {url}  {str(exc).removeprefix(f'{url}: ')}"
    counts: dict[str, Any] = result.get("counts") or {}
    text = ", ".join(f"{name} {count}" for name, count in counts.items())
    return f"ok      {url}  {text or 'nothing new'}"


class Command(BaseRunSpiderCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] <sites file>"

    def short_desc(self) -> str:
        return "Crawl every WordPress site listed in a file (one URL a line), each on its own"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "-j", "--jobs", type=int, default=1, metavar="N",
            help="crawl up to N sites at a time, each in its own process (default: 1)",
        )  # fmt: skip

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one sites file, e.g. scrapy crawlsites sites.txt")
        if opts.jobs < 1:
            raise UsageError("-j takes a number of sites at a time, 1 or more")
        if opts.jobs > 1 and (opts.output or opts.overwrite_output):
            raise UsageError("-o/-O cannot be used with -j; set FEEDS or WORDPRESS_OUTPUT_DIR")
        try:
            urls = read_sites(Path(args[0]))
        except ArgumentError as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        if opts.jobs > 1:
            self.run_jobs(urls, opts)
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

    def run_jobs(self, urls: list[str], opts: argparse.Namespace) -> None:
        """Up to ``opts.jobs`` sites at a time, each a ``scrapy crawl`` child process."""
        run_id = new_run_id()
        settings = arglist_to_dict(opts.set)
        with ThreadPoolExecutor(max_workers=opts.jobs, thread_name_prefix="site") as pool:
            futures = [
                pool.submit(job_summary, url, run_id, dict(opts.spargs), settings) for url in urls
            ]
            try:
                lines = [future.result() for future in futures]
            except KeyboardInterrupt:
                for future in futures:
                    future.cancel()
                stop_running_crawls()
                raise
        failed = sum(line.startswith("FAILED") for line in lines)
        print(f"\nSites: {len(urls) - failed} ok, {failed} failed")
        print("\n".join(lines))
        if failed:
            self.exitcode = 1
