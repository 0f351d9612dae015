"""The default feeds: one JSONL file per record type under ``<output dir>/<host>/``.

They are plain Scrapy ``FEEDS`` entries routed by ``item_classes``, set at the spider's priority,
so a user's own ``-o``/``-O``/``FEEDS`` replaces them without any special case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

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
