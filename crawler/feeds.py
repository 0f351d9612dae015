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

from scrapy.extensions.feedexport import FileFeedStorage

from crawler.items import RECORD_CLASSES

if TYPE_CHECKING:
    from scrapy import Spider


def default_feeds(output_dir: str) -> dict[str, dict[str, Any]]:
    """``FEEDS`` for every record type, written under ``output_dir``.

    >>> sorted(default_feeds("output"))
    ['output/%(host)s/posts.jsonl']
    """
    output_dir = output_dir.rstrip("/") or "."
    return {
        f"{output_dir}/%(host)s/{feed}.jsonl": {
            "format": "jsonlines",
            "encoding": "utf-8",
            "item_classes": [item_class],
            "overwrite": True,
            "store_empty": False,
        }
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
