"""One feed per custom post type (``events.jsonl``...), built from Scrapy's feed-export parts.

Why not plain ``FEEDS``: Scrapy's ``FeedExporter`` reads ``FEEDS`` once, when the crawler is
built, and fixes each feed's URI when it opens, while a site's custom post types are known only
once its ``/types`` route has answered; no ``FEEDS`` entry, URI parameter or item filter can
open a file per type found later. So, when the spider sends ``custom_types_found``, this opens
their feeds with the fixed feeds' options (``FeedLayout.options``) from the parts Scrapy builds
its own feeds from: the ``FEED_STORAGES`` storage (``AtomicFileFeedStorage``: ``.part`` write,
``JOBDIR`` append), the ``postprocessing`` plugins, the ``FEED_EXPORTERS`` exporter, the
``item_filter`` and ``FEED_URI_PARAMS``. As Scrapy does, a feed is written only once it has a
record (a failed re-run keeps yesterday's file) and stored when the spider closes, a failed
store is one ERROR line, and ``feedexport/success_count|failed_count/<Storage>`` count them.
Only the default feeds get these: a user's ``-o``/``-O``/``FEEDS`` gets every record as set.

Feed names come from the site, so they are slugged (:func:`crawler.feeds.custom_type_feed`),
never reused (a second type whose name slugs to a taken one gets a hash suffix and a warning),
``%``-escaped before Scrapy's URI templating, and checked to stay under the output folder (if
not: one ERROR line, the crawl marked incomplete). At most ``WORDPRESS_MAX_OPEN_FEEDS`` of these
files are open at once: when one more is needed, the least recently written one is closed and
reopened for appending when its next record comes (gzip feeds then hold several gzip members,
which gzip readers read as one stream), so a site with a thousand post types loses nothing to
"Too many open files".

It also sends :data:`crawler.signals.feeds_stored` once every feed of the crawl, Scrapy's and
these, is stored, so that the incremental state is committed only then.

Only public Scrapy names are used; those its docs do not describe are pinned by
``tests/test_feeds.py`` (see the Scrapy bound in ``pyproject.toml``).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any, cast
from urllib.parse import urlparse

from scrapy import signals
from scrapy.extensions.feedexport import FeedExporter, ItemFilter, apply_uri_params
from scrapy.extensions.postprocessing import PostProcessingManager
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet.defer import Deferred

from crawler import signals as wordpress_signals
from crawler.extensions.scraped import on_record_scraped
from crawler.feeds import (
    FEED_RECORD_TYPES,
    FeedLayout,
    RecordTypeFilter,
    custom_type_feed,
    default_feeds_in_use,
    inside,
    record_type_of,
    short_hash,
)

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.exporters import BaseItemExporter
    from scrapy.extensions.feedexport import FeedStorageProtocol

logger = logging.getLogger(__name__)


@dataclass
class TypeFeed:
    """One open custom-type feed: where it goes, and its file once it has a record."""

    uri: str
    options: dict[str, Any]
    storage: FeedStorageProtocol
    filter: ItemFilter
    file: IO[bytes] | PostProcessingManager | None = None
    exporter: BaseItemExporter | None = field(default=None, repr=False)
    count: int = 0
    suspended: bool = False
    """Its file was closed to bound the open files: the next record reopens it to append."""

    @property
    def reopenable(self) -> bool:
        return callable(getattr(self.storage, "reopen", None))


class CustomTypeFeeds:
    """Write each custom post type's records to its own feed; tell when all feeds are stored."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.feeds: dict[str, dict[str, Any]] = {}
        """The custom types' feeds, URI template → options, like the ``FEEDS`` setting."""
        self.open_feeds: list[TypeFeed] = []
        self.names: dict[str, str] = {}
        """Feed name → the post type whose records it holds."""
        self.post_types: set[str] = set()
        self.max_open = max(1, crawler.settings.getint("WORDPRESS_MAX_OPEN_FEEDS", 32))
        self.active: OrderedDict[int, TypeFeed] = OrderedDict()
        """The feeds with an open file, least recently written first."""
        self.scrapy_feeds_pending = False
        """Scrapy's feed exporter runs and has not stored its feeds yet."""
        self.stored = False
        self.sent = False
        self.spider: Spider | None = None
        """The spider whose custom types have feeds (their exporters are built for it)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CustomTypeFeeds:
        extension = cls(crawler)
        connect = crawler.signals.connect
        connect(extension.spider_opened, signal=signals.spider_opened)
        connect(extension.add_feeds, signal=wordpress_signals.custom_types_found)
        connect(extension.spider_closed, signal=signals.spider_closed)
        connect(extension.scrapy_feeds_stored, signal=signals.feed_exporter_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        # Scrapy's feed exporter is absent when no FEEDS are set or it refused them
        # (NotConfigured): then there is no feed_exporter_closed to wait for.
        self.scrapy_feeds_pending = self.crawler.get_extension(FeedExporter) is not None

    def add_feeds(self, types: list[tuple[str, str]], spider: Spider) -> None:
        """Open a feed for each custom type ``(rest_base, name)``, if the default feeds are on."""
        settings = self.crawler.settings
        self.spider = spider
        if not default_feeds_in_use(settings) or not self.scrapy_feeds_pending:
            return  # the user's own feeds, or none written at all: no custom-type feeds either
        layout: FeedLayout = settings["WORDPRESS_FEED_LAYOUT"]
        for rest_base, name in types:
            if name in self.post_types:
                continue  # already has its feed
            feed_name = self.unique_name(custom_type_feed(rest_base), name)
            template = layout.uri(feed_name)
            options = self.with_setting_defaults(layout.options(name))
            uri = apply_uri_params(template, self.uri_params(spider, options["uri_params"]))
            storage = self.build_storage(uri, options)
            path = getattr(storage, "path", None)
            if isinstance(path, str) and not inside(path, layout.root):
                logger.error(
                    "Not writing the records of post type %r: its feed %s would be outside the "
                    "output folder %s; check WORDPRESS_OUTPUT_DIR",
                    name, path, layout.root, extra={"spider": spider},
                )  # fmt: skip
                self.crawler.stats.inc_value("wordpress/feeds_refused")
                self.crawler.stats.set_value("wordpress/incomplete", True)
                continue
            if not self.open_feeds:  # records to route: only now (every listener costs)
                on_record_scraped(self.crawler, self.item_scraped)
            self.names[feed_name] = name
            self.post_types.add(name)
            self.feeds[template] = options
            self.open_feeds.append(
                TypeFeed(
                    uri=uri,
                    options=options,
                    storage=storage,
                    filter=load_object(options.get("item_filter", ItemFilter))(options),
                )
            )

    def unique_name(self, feed_name: str, post_type: str) -> str:
        """``feed_name``, or, if a fixed feed or another type has it, one with a hash suffix of
        the post type's name: two types never share a feed."""
        if feed_name not in self.names and feed_name not in FEED_RECORD_TYPES:
            return feed_name
        taken = self.names.keys() | FEED_RECORD_TYPES.keys()
        unique = f"{feed_name[:50]}-{short_hash(post_type)}"
        number = 2
        while unique in taken:
            unique, number = f"{feed_name[:50]}-{short_hash(post_type)}-{number}", number + 1
        logger.warning(
            "Post types %r and %r would both write %s; the records of %r go to %s instead",
            self.names.get(feed_name, feed_name), post_type, feed_name, post_type, unique,
        )  # fmt: skip
        self.crawler.stats.inc_value("wordpress/feed_names_renamed")
        return unique

    def with_setting_defaults(self, options: dict[str, Any]) -> dict[str, Any]:
        """Fill in what a ``FEEDS`` entry takes from the ``FEED_*`` settings when it omits it."""
        settings = self.crawler.settings
        indent = settings["FEED_EXPORT_INDENT"]
        return {
            "encoding": settings["FEED_EXPORT_ENCODING"],
            "fields": settings.getdictorlist("FEED_EXPORT_FIELDS") or None,
            "indent": None if indent is None else settings.getint("FEED_EXPORT_INDENT"),
            "store_empty": settings.getbool("FEED_STORE_EMPTY"),
            "uri_params": settings["FEED_URI_PARAMS"],
            "item_export_kwargs": {},
            **options,
        }

    @staticmethod
    def uri_params(spider: Spider, function: Any) -> dict[str, Any]:
        """The documented feed URI parameters (spider attributes, ``time``, ``batch_time``,
        ``batch_id``), passed through ``FEED_URI_PARAMS``."""
        params = {name: getattr(spider, name) for name in dir(spider)}
        now = datetime.now(tz=UTC)
        params["time"] = now.replace(microsecond=0).isoformat().replace(":", "-")
        params["batch_time"] = now.isoformat().replace(":", "-")
        params["batch_id"] = 1
        if not function:
            return params
        changed = load_object(function)(params, spider)
        return params if changed is None else cast("dict[str, Any]", changed)

    def build_storage(self, uri: str, options: dict[str, Any]) -> FeedStorageProtocol:
        """The ``FEED_STORAGES`` storage of the URI's scheme (local files when unknown)."""
        storages = {
            scheme: path
            for scheme, path in self.crawler.settings.getwithbase("FEED_STORAGES").items()
            if path is not None
        }
        path = storages.get(urlparse(uri).scheme) or storages["file"]
        storage: FeedStorageProtocol = build_from_crawler(
            load_object(path), self.crawler, uri, feed_options=options
        )
        return storage

    def start(self, feed: TypeFeed, spider: Spider) -> BaseItemExporter:
        """Open the storage (behind the post-processing plugins) and the item exporter; reopen
        a suspended feed to append. Another feed is suspended first if too many are open."""
        self.make_room()
        options = feed.options
        file = feed.storage.reopen() if feed.suspended else feed.storage.open(spider)  # type: ignore[attr-defined]
        self.active[id(feed)] = feed
        stats = self.crawler.stats
        most = max(len(self.active), stats.get_value("wordpress/feeds_open_max", 0))
        stats.set_value("wordpress/feeds_open_max", most)
        if options.get("postprocessing"):
            file = cast(
                "IO[bytes]", PostProcessingManager(options["postprocessing"], file, options)
            )
        exporter_class = load_object(
            self.crawler.settings.getwithbase("FEED_EXPORTERS")[options["format"]]
        )
        exporter: BaseItemExporter = build_from_crawler(
            exporter_class,
            self.crawler,
            file,
            fields_to_export=options["fields"],
            encoding=options["encoding"],
            indent=options["indent"],
            **options["item_export_kwargs"],
        )
        exporter.start_exporting()
        feed.file, feed.exporter = file, exporter
        return exporter

    def make_room(self) -> None:
        """Close the least recently written reopenable feeds until one more file may open."""
        for feed in list(self.active.values()):
            if len(self.active) < self.max_open:
                return
            if feed.reopenable:
                self.suspend(feed)

    def suspend(self, feed: TypeFeed) -> None:
        """Close a feed's file (complete: gzip trailer written) until its next record."""
        assert feed.exporter is not None
        assert feed.file is not None
        feed.exporter.finish_exporting()
        if isinstance(feed.file, PostProcessingManager):
            feed.file.close()  # flushes the plugins into the storage's file
            feed.file.file.close()
        else:
            feed.file.close()
        feed.file, feed.exporter, feed.suspended = None, None, True
        del self.active[id(feed)]
        self.crawler.stats.inc_value("wordpress/feeds_suspended")

    def item_scraped(self, item: Any) -> None:
        spider = self.spider
        assert spider is not None  # set with the first feed, before any record is routed
        record_type = record_type_of(item)
        for feed in self.open_feeds:
            if isinstance(feed.filter, RecordTypeFilter):
                if feed.filter.record_type != record_type:
                    continue  # the same test as accepts(), without an adapter per feed
            elif not feed.filter.accepts(item):
                continue
            exporter = feed.exporter or self.start(feed, spider)
            exporter.export_item(item)
            feed.count += 1
            self.active.move_to_end(id(feed))

    async def spider_closed(self, spider: Spider) -> None:
        for feed in self.open_feeds:
            await self.store(feed, spider)
        self.stored = True
        await self.send_feeds_stored()

    async def store(self, feed: TypeFeed, spider: Spider) -> None:
        """Finish and store one feed, logged and counted as Scrapy does its own."""
        if not feed.count and not feed.options["store_empty"]:
            return  # nothing written: the previous run's file stays as it was
        storage_name = type(feed.storage).__name__
        message = f"{feed.options['format']} feed ({feed.count} items) in: {feed.uri}"
        try:
            exporter = feed.exporter or self.start(feed, spider)
            exporter.finish_exporting()
            file = feed.file
            assert file is not None  # opened with the exporter
            if isinstance(file, PostProcessingManager):
                file.close()  # flushes the plugins (the gzip trailer) into the storage's file
                result = feed.storage.store(file.file)
            else:
                result = feed.storage.store(file)
            if isinstance(result, Deferred):
                await maybe_deferred_to_future(result)
        except Exception:
            self.active.pop(id(feed), None)
            logger.exception("Error storing %s", message, extra={"spider": spider})
            self.crawler.stats.inc_value(f"feedexport/failed_count/{storage_name}")
        else:
            self.active.pop(id(feed), None)
            logger.info("Stored %s", message, extra={"spider": spider})
            self.crawler.stats.inc_value(f"feedexport/success_count/{storage_name}")

    async def scrapy_feeds_stored(self) -> None:
        self.scrapy_feeds_pending = False
        await self.send_feeds_stored()

    async def send_feeds_stored(self) -> None:
        """Send ``feeds_stored`` once, when both Scrapy's feeds and these are stored.

        The two are stored concurrently, both in ``spider_closed``: whichever finishes last
        sends the signal.
        """
        if self.sent or not self.stored or self.scrapy_feeds_pending:
            return
        self.sent = True
        stats = self.crawler.stats.get_stats()
        failed = sum(v for k, v in stats.items() if k.startswith("feedexport/failed_count/"))
        await self.crawler.signals.send_catch_log_async(
            wordpress_signals.feeds_stored, failed=failed
        )
