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
    them all), ``WORDPRESS_MAX_CONTENT_BYTES`` (content larger than this is cut to it before
    cleaning, with a WARNING and the ``wordpress/content_truncated`` stat: cleaning costs about
    90 times its input in memory, so one 60 MB post would take gigabytes; 0: no cap).
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
        self.max_bytes = settings.getint("WORDPRESS_MAX_CONTENT_BYTES", 2 * 1024 * 1024)
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
        raw = self._capped(adapter, adapter.get("content_html") or "")
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

    def _capped(self, adapter: ItemAdapter, raw: str) -> str:
        """``raw``, cut to ``WORDPRESS_MAX_CONTENT_BYTES`` of UTF-8 if it is larger."""
        cut = truncate_utf8(raw, self.max_bytes)
        if cut is not raw:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("wordpress/content_truncated")
            logger.warning(
                "%s %s: content of %d characters is over WORDPRESS_MAX_CONTENT_BYTES (%d); "
                "exported cleaned from its first %d bytes only (raise the setting to keep it all)",
                adapter.get("type"), adapter.get("id"), len(raw), self.max_bytes, self.max_bytes,
            )  # fmt: skip
        return cut

    def close_spider(self) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("wordpress/cleaning_cpu_seconds", round(self.seconds, 3))


def truncate_utf8(text: str, max_bytes: int) -> str:
    """``text`` itself if it is at most ``max_bytes`` in UTF-8, else its longest prefix that is
    (never a split character); ``max_bytes`` of 0 or less means no cap.

    >>> truncate_utf8("caf\u00e9!", 5), truncate_utf8("caf\u00e9!", 4), truncate_utf8("abc", 0)
    ('caf\u00e9', 'caf', 'abc')
    """
    if max_bytes <= 0 or len(text) * 4 <= max_bytes:  # at most 4 bytes a character: fits
        return text
    head = text[: max_bytes + 1].encode("utf-8", "surrogatepass")  # the rest cannot fit anyway
    if len(head) <= max_bytes and len(text) <= max_bytes:
        return text
    return head[:max_bytes].decode("utf-8", "ignore")
