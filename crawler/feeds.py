"""The default feeds: one JSONL file per record type under ``<output dir>/<host>/``.

They are plain Scrapy ``FEEDS`` entries routed by ``item_classes``, set at the spider's priority,
so a user's own ``-o``/``-O``/``FEEDS`` replaces them without any special case.

Overwritten feeds are written to ``<file>.part`` and moved into place when the crawl closes, so
the previous run's file stays whole until a new one is complete: a crawl that is killed, or
that finds nothing (a site that is down), never leaves a truncated or empty feed behind.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy.extensions.feedexport import (
    FeedExporter,
    FileFeedStorage,
    ItemFilter,
    apply_uri_params,
)
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.utils.conf import feed_complete_default_values_from_settings

from crawler import signals as wordpress_signals
from crawler.items import RECORD_CLASSES

if TYPE_CHECKING:
    from scrapy import Spider


def _feed_options(**routing: Any) -> dict[str, Any]:
    return {
        "format": "jsonlines",
        "encoding": "utf-8",
        "overwrite": True,
        "store_empty": False,
        **routing,
    }


def feed_uri(output_dir: str, feed: str) -> str:
    """The URI template of one default feed.

    >>> feed_uri("output/", "posts")
    'output/%(host)s/posts.jsonl'
    """
    return f"{output_dir.rstrip('/') or '.'}/%(host)s/{feed}.jsonl"


def default_feeds(output_dir: str) -> dict[str, dict[str, Any]]:
    """``FEEDS`` for every record type with a fixed feed, written under ``output_dir``.

    >>> [uri.rsplit("/", 1)[1] for uri in default_feeds("output")]
    ['posts.jsonl', 'pages.jsonl', 'media.jsonl', 'terms.jsonl', 'users.jsonl', 'comments.jsonl']
    """
    return {
        feed_uri(output_dir, feed): _feed_options(item_classes=[item_class])
        for feed, item_class in RECORD_CLASSES.items()
    }


def host_slug(url: str) -> str:
    """A file-name-safe form of a URL's host and port.

    >>> host_slug("http://127.0.0.1:8080/blog/"), host_slug("https://Example.com")
    ('127.0.0.1_8080', 'example.com')
    """
    return (urlsplit(url).netloc.lower() or "unknown").replace(":", "_")


def uri_params(params: dict[str, Any], spider: Spider) -> dict[str, Any]:
    """``FEED_URI_PARAMS`` hook: adds ``%(host)s`` for the crawled site."""
    return {**params, "host": host_slug(getattr(spider, "url", "") or "")}


class AtomicFileFeedStorage(FileFeedStorage):
    """Local feed files that replace the previous file only once the new one is complete.

    Appending feeds (``-o``) are written in place, as Scrapy does.
    """

    def open(self, spider: Spider) -> IO[bytes]:
        if self.write_mode != "wb":
            return super().open(spider)
        part = Path(self.path + ".part")
        part.parent.mkdir(parents=True, exist_ok=True)
        return part.open("wb")

    def store(self, file: IO[bytes]) -> None:
        file.close()
        if self.write_mode == "wb":
            os.replace(self.path + ".part", self.path)


class RecordTypeFilter(ItemFilter):
    """Accept the records whose ``type`` is the feed's ``record_type`` option (a custom post type)."""

    def __init__(self, feed_options: dict[str, Any] | None) -> None:
        super().__init__(feed_options)
        self.record_type = (feed_options or {}).get("record_type")

    def accepts(self, item: Any) -> bool:
        return ItemAdapter(item).get("type") == self.record_type


class WordPressFeedExporter(FeedExporter):
    """Scrapy's feed exporter, plus one feed per custom post type, opened when the site's types
    are known (``events.jsonl``, ``products.jsonl``...).

    Scrapy reads ``FEEDS`` once, before the crawl starts, while a site's custom types are only
    known from its ``/types`` route; this subclass adds their feeds at that moment. It does so
    only when the default feeds are in use: a user's own ``-o``/``-O``/``FEEDS`` gets every
    record as configured.
    """

    @classmethod
    def from_crawler(cls, crawler: Any) -> WordPressFeedExporter:
        exporter = super().from_crawler(crawler)
        crawler.signals.connect(
            exporter.add_custom_type_feeds, signal=wordpress_signals.custom_types_found
        )
        return exporter

    def add_custom_type_feeds(self, types: list[tuple[str, str]], spider: Spider) -> None:
        if self.settings.getpriority("FEEDS") != SETTINGS_PRIORITIES["spider"]:
            return
        output_dir = self.settings.get("WORDPRESS_OUTPUT_DIR", "output")
        for rest_base, name in types:
            feed = rest_base if rest_base not in RECORD_CLASSES else f"type-{rest_base}"
            uri = feed_uri(output_dir, feed)
            options = feed_complete_default_values_from_settings(
                _feed_options(item_filter=RecordTypeFilter, record_type=name), self.settings, uri
            )
            self.feeds[uri] = options
            self.filters[uri] = self._load_filter(options)
            uri_params = self._get_uri_params(spider, options["uri_params"])
            self.slots.append(
                self._start_new_batch(
                    batch_id=1,
                    uri=apply_uri_params(uri, uri_params),
                    feed_options=options,
                    spider=spider,
                    uri_template=uri,
                )
            )
