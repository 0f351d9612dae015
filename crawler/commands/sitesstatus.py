"""``scrapy sitesstatus --redis URL``: per site, the last good run, what runs, what failed.

Read from RQ's registries on the queue (finished results with their counts, running jobs and
their workers, failed jobs with their one-line reason) and, when the state lives in Redis
(``STATE_URI=redis://…``), from the state backend: its committed runs outlive RQ's results.
``--json`` prints the same for programs.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import UsageError

from crawler.distributed.cli import QueueCommand
from crawler.distributed.connection import RedisUnavailable, connect
from crawler.distributed.queue import job_rows
from crawler.distributed.status import site_statuses, status_table
from crawler.state.backends import RedisStateBackend
from crawler.state.store import StateError

if TYPE_CHECKING:
    import argparse

MAX_STATE_SITES = 100_000


def state_summaries(redis_url: str) -> dict[str, dict[str, Any]]:
    """The state backend's summary of every site it knows, by site key (empty without one).

    The committed state (``STATE_URI`` on the same Redis) says what each site's last committed
    run exported; the lease says which run holds it now.
    """
    try:
        backend = RedisStateBackend(redis_url, {})
    except StateError:
        return {}  # the queue's view still helps
    summaries: dict[str, dict[str, Any]] = {}
    try:
        for number, key in enumerate(backend.sites()):
            if number >= MAX_STATE_SITES:
                break
            summary = dict(backend.summary(key) or {})
            summary["lease_holder"] = backend.lease_holder(key)
            summaries[str(key)] = summary
    except StateError:
        return {}
    finally:
        backend.close()
    return summaries


class Command(QueueCommand):
    def syntax(self) -> str:
        return "--redis URL [--queue NAME] [--json]"

    def short_desc(self) -> str:
        return "Per site: the last good run, its counts, what is running, what failed and why"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--json", action="store_true", help="print JSON, one object a site")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError("sitesstatus takes no arguments, only --redis URL")
        try:
            connection = connect(opts.redis)
        except RedisUnavailable as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        from redis.exceptions import RedisError  # noqa: PLC0415 - installed, connect() checked

        try:
            rows = job_rows(connection, opts.queue)
        except RedisError as exc:
            print(f"error: Redis failed while reading the queue ({type(exc).__name__})",
                  file=sys.stderr)  # fmt: skip
            self.exitcode = 2
            return
        statuses = site_statuses(rows, state_summaries(opts.redis))
        if opts.json:
            print(json.dumps([s.as_json() for s in statuses], ensure_ascii=False, indent=1))
        else:
            print(status_table(statuses))
