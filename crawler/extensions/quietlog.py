"""Errors as one log line, not a traceback.

Scrapy's robots.txt middleware logs a failed robots.txt download (a dead host, a refused
connection) at ERROR with the whole traceback. For this crawler that is an expected failure the
spider reports itself in one readable line, so the record is reduced to one WARNING line.

Every other exception Scrapy catches during a crawl (a callback or errback, a pipeline, a signal
handler such as the feed exporter's, a feed storage) is unexpected: it stays an ERROR, but as
one line ending with the exception's type and message, marked for
:class:`crawler.extensions.outcome.CrawlOutcome` (which fails the crawl); the traceback goes to
the ``crawler.tracebacks`` logger at DEBUG. Repeats of one error in one crawl (the same logger,
message and exception type: an exporter failing on every record) are logged at DEBUG only.
"""

from __future__ import annotations

import logging
import re
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

ROBOTS_LOGGER = "scrapy.downloadermiddlewares.robotstxt"

ERROR_LOGGERS = (
    "scrapy.core.scraper",
    "scrapy.core.engine",
    "scrapy.core.scheduler",
    "scrapy.utils.signal",
    "scrapy.extensions.feedexport",
    "scrapy.middleware",
    "crawler.extensions.typefeeds",
    "crawler.extensions.scraped",
    "crawler.extensions.state",
    "crawler.extensions.progress",
    "asyncio",
    "twisted",
)
"""Loggers that log caught, unexpected exceptions with their traceback."""

TRACEBACKS = logging.getLogger("crawler.tracebacks")
"""Where the tracebacks of the one-line errors go, at DEBUG."""

ERROR_MARK = "wordpress_error"
"""The attribute a reduced record carries: the exception, as ``Type: message``."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_RECEIVER = re.compile(r"<bound method (\S+) of <[^>]*>>")


def exception_summary(exc: BaseException | None, limit: int = 300) -> str:
    """An exception as ``Type: message``, on one line and at most ``limit`` characters.

    >>> exception_summary(ValueError("bad\\nvalue"))
    'ValueError: bad value'
    >>> exception_summary(KeyError("x" * 400))[-3:], len(exception_summary(KeyError("x" * 400)))
    ('...', 300)
    """
    if exc is None:
        return "unknown error"
    text = _CONTROL.sub(" ", f"{type(exc).__name__}: {exc}".rstrip(": ")).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def one_line(message: str) -> str:
    """A log message on one line, a signal receiver named by its qualified name.

    >>> one_line("Error caught on signal handler: <bound method F.item_scraped of <F at 0x1>>")
    'Error caught on signal handler: F.item_scraped'
    """
    return _CONTROL.sub(" ", _RECEIVER.sub(r"\1", message)).strip()


def _reported_elsewhere(record: logging.LogRecord) -> bool:
    """A Scrapy feed slot whose exporter failed while finishing leaves an unawaited task that
    asyncio reports, whenever it is collected; ``CrawlOutcome`` reports the feed itself."""
    return record.name == "asyncio" and "FeedExporter._close_slot" in str(record.msg)


class OneLineDownloadErrors(logging.Filter):
    """Strip tracebacks from robots.txt download errors and log them as warnings."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


class OneLineErrors(logging.Filter):
    """Reduce a logged exception to one ERROR line (the traceback to DEBUG), marked as such."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: weakref.WeakKeyDictionary[Any, set[tuple[str, str, str]]] = (
            weakref.WeakKeyDictionary()
        )

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.ERROR or getattr(record, ERROR_MARK, None):
            return True
        exc = record.exc_info[1] if record.exc_info else None
        if exc is None:
            return self.twisted_traceback(record)
        summary = exception_summary(exc)
        message, template = one_line(record.getMessage()), str(record.msg)
        TRACEBACKS.debug("Traceback of: %s", message, exc_info=record.exc_info)
        record.msg, record.args = f"{message} ({summary})", None
        record.exc_info, record.exc_text = None, None
        if _reported_elsewhere(record):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return True
        setattr(record, ERROR_MARK, summary)
        if self.repeated(record, template, type(exc).__name__):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True

    @staticmethod
    def twisted_traceback(record: logging.LogRecord) -> bool:
        """Twisted logs an unhandled error in a Deferred as text, its traceback included: keep
        the first line and the exception's."""
        text = record.getMessage()
        if record.name != "twisted" or "Traceback" not in text:
            return True
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        TRACEBACKS.debug("Traceback of: %s", text)
        summary = _CONTROL.sub(" ", lines[-1])[:300]
        record.msg, record.args = f"{one_line(lines[0])} ({summary})", None
        setattr(record, ERROR_MARK, summary)
        return True

    def repeated(self, record: logging.LogRecord, template: str, kind: str) -> bool:
        """Whether this crawl already logged this error (its spider, logger, message, type)."""
        spider = getattr(record, "spider", None)
        if spider is None:
            return False
        key = (record.name, template, kind)
        try:
            seen = self.seen.setdefault(spider, set())
        except TypeError:  # a spider that cannot be weakly referenced
            return False
        if key in seen:
            return True
        seen.add(key)
        return False


_FILTER = OneLineDownloadErrors()
_ERRORS = OneLineErrors()


class QuietExpectedErrors:
    """Install the filters (once per process, however many crawls run)."""

    def __init__(self) -> None:
        logging.getLogger(ROBOTS_LOGGER).addFilter(_FILTER)
        for name in ERROR_LOGGERS:
            logging.getLogger(name).addFilter(_ERRORS)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> QuietExpectedErrors:
        return cls()
