"""A resumed job (``JOBDIR``) does not write again what its feeds already hold.

A job killed mid-way is planned again on its next start (see :mod:`crawler.state.resume`), so
its listings return records that an earlier start already wrote; their ``(type, id)`` are read
back from the feed files when the job opens, and those records are dropped here.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured

from crawler.feeds import site_slug
from crawler.state.resume import exported_records, record_key

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class ResumePipeline:
    """Drop the records an earlier start of the same job already exported."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.exported: set[tuple[str, int | str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ResumePipeline:
        if not crawler.settings.get("JOBDIR"):
            # No job to resume: off, so records do not pay for one more pipeline step each.
            raise NotConfigured  # no message: Scrapy would log one WARNING each crawl
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        job = getattr(spider, "job", None)
        layout = self.crawler.settings.get("WORDPRESS_FEED_LAYOUT")
        if job is None or not job.resuming or layout is None:
            return
        params = {
            "host": site_slug(getattr(spider, "url", "")),
            "run": getattr(spider, "run_id", ""),
        }
        folder = Path(layout.uri("feed") % params).parent
        self.exported = exported_records(folder) if folder.is_dir() else set()
        logger.info(
            "Resuming the job in %s (start %d): %d records are already in %s and will not be "
            "written again",
            job.path.parent, job.starts, len(self.exported), folder,
        )  # fmt: skip

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        if record_key(adapter) in self.exported:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("wordpress/resume_skipped")
            raise DropItem("already in the feeds of this job", log_level="DEBUG")
        return item
