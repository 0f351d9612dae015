"""Commit an incremental run's state, only after a clean crawl whose feeds are stored.

The state is what the next run starts from, so it must never claim more than the feeds hold:
it is written (atomically, :func:`crawler.state.store.save_state`) once the spider has closed
with ``finished`` and every feed is stored, and only if the run lost nothing
(:meth:`crawler.crawl.run.CrawlRun.commit_problems`) and broke no outcome rule (no unexpected
error, every feed stored: :mod:`crawler.extensions.outcome`). Otherwise the previous state stays
and the next run covers this run's changes again. The site's lock or lease
(:meth:`crawler.state.backends.StateBackend.begin`, taken by the spider before any request) is
released when the engine stops, after the commit.

The commit goes through :meth:`crawler.state.backends.SiteRun.commit`, fenced: a run whose lease
moved to another run writes nothing. With a shared backend (Redis) clean non-incremental runs
commit too: their run id and manifest (the feed URIs of the run), without versions.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.extensions.feedexport import FeedExporter

from crawler import signals as wordpress_signals
from crawler.extensions.outcome import CrawlOutcome, crawl_failure
from crawler.state.backends import LeaseLostError
from crawler.state.store import SiteState, StateError

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
        """Release the site's lock or lease: the run is over, its state committed or not."""
        site_run = getattr(self.crawler.spider, "site_run", None)
        if site_run is not None:
            site_run.release()

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

    def manifest(self) -> dict[str, Any]:
        """What a reader of committed runs needs: this run's feed URIs (credentials removed)."""
        exporter = self.crawler.get_extension(FeedExporter)
        uris = sorted({slot.uri for slot in getattr(exporter, "slots", [])})
        return {"feeds": [_without_credentials(uri) for uri in uris[:1000]]}

    def commit(self) -> None:
        spider, stats = self.crawler.spider, self.crawler.stats
        site_run = getattr(spider, "site_run", None)
        run_id = getattr(spider, "run_id", "")
        if site_run is None or stats is None:
            return  # no state for this run (a full run with files as state)
        if not (self.feeds_stored and self.close_reason):
            return
        changes = getattr(spider, "changes", None)
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
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        state = (
            changes.next_state(now)
            if changes is not None
            else SiteState(site=site_run.previous.site)
        )
        try:
            site_run.commit(state, self.manifest())
        except LeaseLostError as exc:
            stats.set_value("wordpress/state_committed", False)
            stats.set_value("wordpress/lease_lost", True)
            logger.error("State not updated: %s", exc)
            return
        except StateError as exc:
            stats.set_value("wordpress/state_committed", False)
            logger.error("State not updated: %s", exc)
            return
        stats.set_value("wordpress/state_committed", True)
        if changes is None:
            logger.info("Run %s committed (no versions: not an incremental run)", run_id)
            return
        logger.info(
            "State committed for run %s: %d records, mark %s",
            run_id, sum(len(ids) for ids in state.records.values()), state.mark,
        )  # fmt: skip


def _without_credentials(uri: str) -> str:
    """A feed URI as the manifest keeps it: no user or password (``s3://KEY:SECRET@b/x``).

    >>> _without_credentials("s3://KEY:SECRET@bucket/a/posts.jsonl"), _without_credentials("/x/p.jsonl")
    ('s3://bucket/a/posts.jsonl', '/x/p.jsonl')
    """
    parts = urlsplit(uri)
    if "@" not in parts.netloc:
        return uri
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
