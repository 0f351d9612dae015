"""One outcome rule: any unexpected error, failed feed store or lost record fails the crawl.

A scheduled run is trusted when it exits 0, so nothing may go wrong in silence. Scrapy catches
exceptions in callbacks and errbacks, pipelines, signal handlers (the feed exporter writing a
record) and feed storages, logs them and carries on; the crawl would still finish as
``finished``. This extension turns each into the crawl's outcome:

- every exception Scrapy logs during the crawl (reduced to one ERROR line by
  :mod:`crawler.extensions.quietlog`) counts in ``wordpress/errors``, the first line is kept in
  ``wordpress/error``;
- a feed whose storage failed (Scrapy's ``feedexport/failed_count/*``) or that was never stored
  (its exporter failed while finishing) fails the crawl too.

:func:`crawl_failure` reads these from the stats: :mod:`crawler.commands.crawl` exits 1 with
it, ``crawlsites`` prints it, and :class:`crawler.extensions.state.CommitState` keeps the
previous state, so the next incremental run covers the lost records again.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter, is_item
from scrapy import signals
from scrapy.extensions.feedexport import FeedExporter
from scrapy.logformatter import LogFormatter

from crawler.extensions.quietlog import ERROR_MARK

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.logformatter import LogFormatterResult
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

ERRORS = "wordpress/errors"
"""Stat: how many unexpected errors the crawl had."""
ERROR = "wordpress/error"
"""Stat: the first of them, as its one log line."""
UNSTORED = "wordpress/feeds_not_stored"
"""Stat: feeds that had records but were never stored (their exporter failed at the end)."""


def failed_stores(stats: dict[str, Any]) -> int:
    """Feeds whose storage failed or that were never stored.

    >>> failed_stores({"feedexport/failed_count/FileFeedStorage": 2, UNSTORED: 1})
    3
    """
    failed = sum(v for k, v in stats.items() if k.startswith("feedexport/failed_count/"))
    return int(failed) + int(stats.get(UNSTORED, 0))


def crawl_failure(stats: dict[str, Any]) -> str | None:
    """Why the crawl failed by the outcome rule (``None``: no unexpected error, feeds stored).

    >>> crawl_failure({}) is None
    True
    >>> crawl_failure({ERRORS: 3, ERROR: "Error in parse_page on <GET x> (KeyError: 'id')"})
    "Error in parse_page on <GET x> (KeyError: 'id') (and 2 more errors)"
    >>> crawl_failure({"feedexport/failed_count/AtomicFileFeedStorage": 1})
    '1 feed could not be stored'
    """
    reasons = []
    errors = int(stats.get(ERRORS, 0))
    if errors:
        more = f" (and {errors - 1} more error{'s' if errors > 2 else ''})" if errors > 1 else ""
        reasons.append(f"{stats.get(ERROR) or 'an unexpected error'}{more}")
    failed = failed_stores(stats)
    if failed:
        reasons.append(f"{failed} feed{'s' if failed > 1 else ''} could not be stored")
    return "; ".join(reasons) or None


class ErrorWitness(logging.Handler):
    """A root log handler that records every unexpected error of one crawl in its stats."""

    def __init__(self, outcome: CrawlOutcome) -> None:
        super().__init__(level=logging.DEBUG)  # repeats are DEBUG, and still count
        self.outcome = outcome

    def emit(self, record: logging.LogRecord) -> None:
        marked = getattr(record, ERROR_MARK, None)
        unexpected = marked or (record.levelno >= logging.ERROR and bool(record.exc_info))
        if not unexpected:
            return
        spider = getattr(record, "spider", None)
        # A record without a spider (a signal sent without one) counts for every open crawl:
        # a false failure is better than a silent loss.
        if spider is None or spider is self.outcome.crawler.spider:
            self.outcome.record_error(record.getMessage())


class CrawlOutcome:
    """Fail the crawl on any unexpected error, failed feed store or lost record."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.witness: ErrorWitness | None = None
        self.closed_slots: list[Any] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlOutcome:
        extension = cls(crawler)
        connect = crawler.signals.connect
        connect(extension.spider_opened, signal=signals.spider_opened)
        connect(extension.feed_slot_closed, signal=signals.feed_slot_closed)
        connect(extension.feed_exporter_closed, signal=signals.feed_exporter_closed)
        connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self.witness = ErrorWitness(self)
        logging.root.addHandler(self.witness)

    def record_error(self, line: str) -> None:
        stats = self.crawler.stats
        stats.inc_value(ERRORS)
        if not stats.get_value(ERROR):
            stats.set_value(ERROR, line)

    def feed_slot_closed(self, slot: Any) -> None:
        self.closed_slots.append(slot)

    def feed_exporter_closed(self) -> None:
        """Count Scrapy's feeds that had records and were never stored, and close the files
        Scrapy leaves open when an exporter fails."""
        unstored = self.unstored_slots()
        if unstored:
            self.crawler.stats.set_value(UNSTORED, len(unstored))
            for slot in unstored:
                logger.error(
                    "The feed %s was not stored: its exporter failed while finishing; "
                    "its records are lost",
                    slot.uri,
                )
        exporter = self.crawler.get_extension(FeedExporter)
        for slot in exporter.slots if exporter is not None else []:
            # Also those whose only records failed to export: Scrapy skips them at close.
            if slot.file is not None and not any(slot is closed for closed in self.closed_slots):
                with contextlib.suppress(Exception):
                    slot.file.close()

    def unstored_slots(self) -> list[Any]:
        """Scrapy's feed slots with records (or stored empty) that were neither stored nor
        failed: their exporter raised while finishing, before the storage was reached."""
        exporter = self.crawler.get_extension(FeedExporter)
        if exporter is None:
            return []
        return [
            slot
            for slot in exporter.slots
            if (slot.itemcount or (slot.store_empty and slot.batch_id == 1))
            and not any(slot is closed for closed in self.closed_slots)
        ]

    def unstored_feeds(self) -> list[str]:
        """The URIs of :meth:`unstored_slots`."""
        return [str(slot.uri) for slot in self.unstored_slots()]

    def failure(self) -> str | None:
        """Why this crawl has failed so far (``None``: it has not)."""
        return crawl_failure(self.crawler.stats.get_stats())

    def engine_stopped(self) -> None:
        if self.witness is not None:
            logging.root.removeHandler(self.witness)
            self.witness = None
        failure = self.failure()
        if failure:
            logger.warning("The crawl failed: %s", failure)


def record_name(item: Any) -> str:
    """A record as ``type id`` for a log line (never the whole record).

    >>> record_name({"type": "post", "id": 12}), record_name(object())
    ('post 12', 'object')
    """
    if is_item(item):
        adapter = ItemAdapter(item)
        return f"{adapter.get('type', type(item).__name__)} {adapter.get('id', '')}".strip()
    return type(item).__name__


class OutcomeLogFormatter(LogFormatter):
    """Scrapy's log lines, with spider and pipeline errors saying what failed and where (and
    never the whole record, which can be megabytes of content). The per-record DEBUG lines
    ("Scraped from", a record dropped as unchanged) are not even made unless the log shows
    DEBUG: thousands of records a minute would each build a log record only to discard it."""

    def __init__(self, *, debug: bool = True) -> None:
        super().__init__()
        self.debug = debug

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        level = crawler.settings.get("LOG_LEVEL", "DEBUG")
        numeric = logging.getLevelName(level) if isinstance(level, str) else level
        return cls(debug=not isinstance(numeric, int) or numeric <= logging.DEBUG)

    def scraped(  # type: ignore[override]  # Scrapy skips the line on None
        self, item: Any, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult | None:
        return super().scraped(item, response, spider) if self.debug else None

    def dropped(  # type: ignore[override]  # Scrapy skips the line on None
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> LogFormatterResult | None:
        if not self.debug and getattr(exception, "log_level", None) == "DEBUG":
            return None  # an unchanged record of an incremental run, a resumed job's record
        return super().dropped(item, exception, response, spider)

    def spider_error(
        self, failure: Failure, request: Request, response: Response | Failure, spider: Spider
    ) -> LogFormatterResult:
        errback = not hasattr(response, "status")
        function = request.errback if errback else request.callback
        name = getattr(function, "__name__", None) or ("errback" if errback else "parse")
        return {
            "level": logging.ERROR,
            "msg": "Error in %(function)s on %(request)s",
            "args": {"function": name, "request": request},
        }

    def item_error(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> LogFormatterResult:
        return {
            "level": logging.ERROR,
            "msg": "An item pipeline failed on the %(record)s record%(where)s",
            "args": {
                "record": record_name(item),
                "where": f" from {url}" if (url := getattr(response, "url", None)) else "",
            },
        }
