"""A Scrapy project that turns any WordPress site into clean JSONL feeds through its REST API.

The package is laid out by the data flow:

- ``crawler.wordpress``: the WordPress rules (routes, discovery, pagination, tolerant JSON,
  JSON to record), pure Python with no Scrapy import, so other programs can reuse them.
- ``crawler.cleaning``: the pure HTML cleaner.
- ``crawler.items``: the record classes, which are the feed schema.
- ``crawler.spiders``: the spider, thin Scrapy glue around the rules above.
- ``crawler.pipelines``, ``crawler.middlewares``, ``crawler.extensions``: Scrapy components.
- ``crawler.feeds``: the default per-record-type JSONL feeds.
"""

__version__ = "0.1.0"
