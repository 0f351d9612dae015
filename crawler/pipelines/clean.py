"""Clean each record's HTML into safe HTML, plain text and Markdown.

The work is done by :func:`crawler.cleaning.clean_content`, which other programs can import
without Scrapy; this pipeline only reads the settings, applies it through ``ItemAdapter`` and
counts what it did.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter

from crawler.cleaning import (
    DEFAULT_BOILERPLATE_PATTERNS,
    CleanOptions,
    clean_content,
    clean_excerpt,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class CleanContentPipeline:
    """Fill ``content_html`` (sanitized), ``content_text``, ``content_markdown``, ``word_count``,
    ``links``, ``images`` and, when asked, ``content_raw``, from the rendered ``content_html``;
    turn the rendered ``excerpt`` into plain text.

    Settings: ``WORDPRESS_CONTENT_MARKDOWN`` (default on), ``WORDPRESS_KEEP_RAW_HTML`` (default
    off), ``WORDPRESS_BOILERPLATE_PATTERNS`` (regexes of syndication lines to drop; ``[]`` keeps
    them all).
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        patterns = settings.getlist(
            "WORDPRESS_BOILERPLATE_PATTERNS", list(DEFAULT_BOILERPLATE_PATTERNS)
        )
        self.options = CleanOptions(
            markdown=settings.getbool("WORDPRESS_CONTENT_MARKDOWN", True),
            keep_raw=settings.getbool("WORDPRESS_KEEP_RAW_HTML", False),
            boilerplate_patterns=tuple(patterns),
        )
        # Comments have no Markdown field: not converting them saves most of their cost.
        self.options_without_markdown = dataclasses.replace(self.options, markdown=False)
        self.crawler = crawler
        self.seconds = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CleanContentPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        names = set(adapter.field_names())
        if "content_html" not in names:
            return item
        started = time.process_time()
        raw = adapter.get("content_html") or ""
        options = self.options if "content_markdown" in names else self.options_without_markdown
        cleaned = clean_content(raw, adapter.get("link"), options)
        outputs = {
            "content_html": cleaned.html,
            "content_text": cleaned.text,
            "content_markdown": cleaned.markdown,
            "content_raw": cleaned.raw,
            "word_count": cleaned.word_count,
            "links": cleaned.links,
            "images": cleaned.images,
        }
        for name, value in outputs.items():
            if name in names:  # comments have HTML and text only
                adapter[name] = value
        if "excerpt" in names:
            adapter["excerpt"] = clean_excerpt(adapter.get("excerpt") or "")
        self.seconds += time.process_time() - started
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("wordpress/cleaned")
        return item

    def close_spider(self) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("wordpress/cleaning_cpu_seconds", round(self.seconds, 3))
