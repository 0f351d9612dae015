"""Incremental runs export only what changed, and say how.

The crawl run notes the version of every record it lists
(:meth:`crawler.state.changes.RunChanges.note_listed`); this pipeline compares it with the
previous state: a record seen before in the same version (the overlap before the mark) is
dropped, the others get ``change: added|updated``. Once a record reaches the feeds its version
goes into the next state; one that never does keeps the state from being committed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured

from crawler.extensions.scraped import on_record_scraped
from crawler.items import TombstoneItem

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.state.changes import RunChanges


class ChangePipeline:
    """Drop unchanged records, mark the others ``added`` or ``updated`` (incremental runs)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ChangePipeline:
        if getattr(crawler.spider, "changes", None) is None:
            # Not an incremental run (the spider reads its state when it is built, before the
            # pipelines): off, so records do not pay for one more pipeline step each.
            raise NotConfigured  # no message: Scrapy would log one WARNING each crawl
        pipeline = cls(crawler)
        on_record_scraped(crawler, pipeline.item_scraped)
        return pipeline

    @property
    def changes(self) -> RunChanges | None:
        return getattr(self.crawler.spider, "changes", None)

    def process_item(self, item: Any) -> Any:
        changes = self.changes
        if changes is None or isinstance(item, TombstoneItem):
            return item
        adapter = ItemAdapter(item)
        key = (adapter["type"], adapter["id"])
        version = changes.pending.get(key)
        if version is None:
            return item  # not listed by this run: nothing to compare it with
        change = changes.change_of(key)
        assert self.crawler.stats is not None
        if change is None:
            self.crawler.stats.inc_value(f"wordpress/{version.collection}/unchanged")
            raise DropItem("unchanged since the last run", log_level="DEBUG")
        adapter["change"] = change
        self.crawler.stats.inc_value(f"wordpress/{version.collection}/{change}")
        return item

    def item_scraped(self, item: Any) -> None:
        """The record is in the feeds: its version may go into the next state."""
        changes = self.changes
        if changes is not None and not isinstance(item, TombstoneItem):
            adapter = ItemAdapter(item)
            changes.reached_feeds((adapter["type"], adapter["id"]))
