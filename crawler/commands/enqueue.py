"""``scrapy enqueue sites.txt --redis URL``: one RQ site job per site, for workers anywhere.

Every line of the sites file is validated before anything is queued (a typo never queues half
a night's run). Each job is ``crawler.distributed.jobs.crawl_site(url, run_id)``, with an id
from the site and the run id, so running the same enqueue twice queues nothing new. Workers:
``rq worker-pool -n <cores> wordpress --url URL --with-scheduler`` (see the README).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.exceptions import UsageError
from scrapy.utils.conf import arglist_to_dict

from crawler.distributed.cli import QueueCommand
from crawler.distributed.connection import RedisUnavailable, connect
from crawler.distributed.jobs import check_run_id
from crawler.distributed.queue import (
    RETRIES,
    RETRY_INTERVAL,
    JobOptions,
    enqueue_sites,
)
from crawler.params import ArgumentError
from crawler.sites import read_sites

if TYPE_CHECKING:
    import argparse


def default_run_id(now: datetime | None = None) -> str:
    """The run id when none is given: the hour (UTC), so a cron job re-run within the hour
    queues nothing twice.

    >>> default_run_id(datetime(2026, 11, 30, 22, 5, tzinfo=UTC))
    '2026-11-30T22'
    """
    return (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H")


class Command(QueueCommand):
    def syntax(self) -> str:
        return "[options] <sites file> --redis URL"

    def short_desc(self) -> str:
        return "Queue one crawl job per site of a file for RQ workers"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--run-id", help="the run's id (default: the hour, UTC)")
        parser.add_argument(
            "-a", dest="spargs", action="append", default=[], metavar="NAME=VALUE",
            help="spider argument for every site (may be repeated)",
        )  # fmt: skip
        parser.add_argument("--retries", type=int, default=RETRIES, help="runs after the first")
        parser.add_argument("--retry-interval", type=int, default=RETRY_INTERVAL, metavar="SECONDS")
        parser.add_argument(
            "--timeout", type=int, metavar="SECONDS",
            help="a crawl running longer is stopped and failed (default: WORDPRESS_JOB_TIMEOUT)",
        )  # fmt: skip

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one sites file, e.g. scrapy enqueue sites.txt --redis URL")
        try:
            spider_args = arglist_to_dict(opts.spargs)
            settings = arglist_to_dict(opts.set)
        except ValueError:
            raise UsageError("use -a NAME=VALUE and -s NAME=VALUE", print_help=False) from None
        try:
            run_id = check_run_id(opts.run_id or default_run_id())
            urls = read_sites(Path(args[0]))
        except (ArgumentError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        assert self.settings is not None
        options = JobOptions(
            spider_args=spider_args,
            settings=settings,
            retries=max(0, opts.retries),
            retry_interval=max(0, opts.retry_interval),
            timeout=opts.timeout or self.settings.getint("WORDPRESS_JOB_TIMEOUT"),
        )
        try:
            connection = connect(opts.redis)
        except RedisUnavailable as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        from redis.exceptions import RedisError  # noqa: PLC0415 - installed, connect() checked

        try:
            done = enqueue_sites(connection, urls, run_id, options, opts.queue)
        except RedisError as exc:
            print(
                f"error: Redis failed while queuing ({type(exc).__name__}); run the same "
                "enqueue again: sites already queued are not queued twice",
                file=sys.stderr,
            )
            self.exitcode = 2
            return
        for enqueued in done:
            print(enqueued.line())
        queued = sum(item.status == "queued" for item in done)
        print(
            f"\nRun {run_id}: {queued} site(s) queued on {opts.queue!r}, "
            f"{len(done) - queued} already there"
        )
