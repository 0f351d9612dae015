"""Signals the spider sends to the project's extensions, and they to the spider."""

custom_types_found = object()
"""The site's custom post types are known: ``types`` is a list of ``(rest_base, name)``."""

feeds_stored = object()
"""Every feed of the crawl is stored: Scrapy's ``FEEDS`` and the custom post types' feeds.

Sent once, while the spider closes (before the final stats are written), by
:class:`crawler.extensions.typefeeds.CustomTypeFeeds`. ``failed`` counts the feeds whose storage
failed (Scrapy's ``feedexport/failed_count/*`` stats); like Scrapy's ``feed_exporter_closed``,
the signal is sent after a failed store too.
"""
