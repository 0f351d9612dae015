"""Expected network failures as one log line, not a traceback.

Scrapy's robots.txt middleware logs a failed robots.txt download (a dead host, a refused
connection) at ERROR with the whole traceback. For this crawler that is an expected failure the
spider reports itself in one readable line, so the record is reduced to one WARNING line.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

ROBOTS_LOGGER = "scrapy.downloadermiddlewares.robotstxt"


class OneLineDownloadErrors(logging.Filter):
    """Strip tracebacks from robots.txt download errors and log them as warnings."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


_FILTER = OneLineDownloadErrors()


class QuietExpectedErrors:
    """Install :class:`OneLineDownloadErrors` (once per process, however many crawls run)."""

    def __init__(self) -> None:
        logging.getLogger(ROBOTS_LOGGER).addFilter(_FILTER)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> QuietExpectedErrors:
        return cls()
