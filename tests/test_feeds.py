"""The custom post types' feeds and ``feeds_stored``, next to Scrapy's own feed exporter.

A crawler is built from the project's settings and driven through the signals a crawl sends
(spider opened, types found, items scraped, spider closed), so Scrapy's real ``FeedExporter``
writes the fixed feeds beside :class:`CustomTypeFeeds`, in-process and without a site. The
contract tests at the end pin the Scrapy API the extension is built from.
"""

from __future__ import annotations

import asyncio
import gzip
import inspect
import io
import json
import logging
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Spider, signals
from scrapy.exporters import JsonLinesItemExporter
from scrapy.extensions.feedexport import (
    FeedExporter,
    FeedStorageProtocol,
    FileFeedStorage,
    ItemFilter,
    apply_uri_params,
)
from scrapy.extensions.postprocessing import GzipPlugin, PostProcessingManager
from scrapy.settings import SETTINGS_PRIORITIES, Settings
from scrapy.utils.conf import feed_complete_default_values_from_settings
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.test import get_crawler
from twisted.internet.defer import Deferred

import crawler.settings as project_settings
from crawler import signals as wordpress_signals
from crawler.extensions.typefeeds import CustomTypeFeeds
from crawler.feeds import AtomicFileFeedStorage, FeedLayout
from crawler.state.resume import start_job

if TYPE_CHECKING:
    from pathlib import Path

HOST = "127.0.0.1_8080"
PROJECT = {
    name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()
}
NO_ENGINE = {  # extensions that need a running engine, which these crawls do not have
    "AUTOTHROTTLE_ENABLED": False,
    "LOGSTATS_INTERVAL": 0,
    "WORDPRESS_PROGRESS_INTERVAL": 0,
}
EVENTS = [("events", "event")]


def post(id_: int) -> dict[str, Any]:
    return {"type": "post", "id": id_, "title": f"Post {id_}"}


def event(id_: int) -> dict[str, Any]:
    return {"type": "event", "id": id_, "title": f"Event {id_}"}


def tombstone(type_: str, id_: int) -> dict[str, Any]:
    return {"type": type_, "id": id_, "deleted": True, "change": "deleted"}


class Crawl:
    """A crawler with the project's settings, its spider, and the signals a crawl sends."""

    def __init__(
        self,
        tmp_path: Path,
        *,
        gzip: bool = False,
        user_feeds: dict[str, Any] | None = None,
        **settings: Any,
    ) -> None:
        self.output = tmp_path / "output"
        layout = FeedLayout(str(self.output), gzip=gzip)

        class SiteSpider(Spider):
            name = "wordpress"
            url = "http://127.0.0.1:8080/"
            run_id = "20261128T150000Z"

            @classmethod
            def update_settings(cls, settings: Settings) -> None:
                # What the spider's use_default_feeds sets, and what -o/-O or -s FEEDS= set.
                settings.set("FEEDS", layout.feeds(), "spider")
                settings.set("WORDPRESS_FEED_LAYOUT", layout, "spider")
                if user_feeds is not None:
                    settings.set("FEEDS", user_feeds, "cmdline")

        self.crawler = get_crawler(SiteSpider, {**PROJECT, **NO_ENGINE, **settings})
        self.spider = SiteSpider.from_crawler(self.crawler)
        self.stored: list[dict[str, Any]] = []
        self.crawler.signals.connect(self.on_feeds_stored, wordpress_signals.feeds_stored)

    def on_feeds_stored(self, failed: int) -> None:
        """Record the call, and which feed files exist at that moment."""
        files = sorted(p.relative_to(self.output).as_posix() for p in self.output.rglob("*"))
        self.stored.append({"failed": failed, "files": files})

    def run(self, items: list[Any], types: list[tuple[str, str]] = EVENTS) -> None:
        async def crawl() -> None:
            send = self.crawler.signals.send_catch_log_async
            await send(signals.spider_opened, spider=self.spider)
            await send(wordpress_signals.custom_types_found, types=types, spider=self.spider)
            for item in items:
                await send(signals.item_scraped, item=item, response=None, spider=self.spider)
            await send(signals.spider_closed, spider=self.spider, reason="finished")

        asyncio.run(crawl())

    def feed(self, name: str) -> list[dict[str, Any]]:
        text = (self.output / HOST / name).read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines()]

    @property
    def stats(self) -> dict[str, Any]:
        return self.crawler.stats.get_stats()


def test_each_custom_type_gets_its_feed_with_its_tombstones(tmp_path):
    crawl = Crawl(tmp_path)
    crawl.run([post(1), event(2), tombstone("event", 3), tombstone("post", 4), event(5)])
    assert crawl.feed("events.jsonl") == [event(2), tombstone("event", 3), event(5)]
    assert crawl.feed("posts.jsonl") == [post(1), tombstone("post", 4)]
    assert sorted(p.name for p in (crawl.output / HOST).iterdir()) == [
        "events.jsonl",
        "posts.jsonl",
    ]
    assert crawl.stats["feedexport/success_count/AtomicFileFeedStorage"] == 2


def test_the_feed_of_a_type_called_like_a_fixed_feed_is_prefixed(tmp_path):
    crawl = Crawl(tmp_path)
    crawl.run([post(1), {"type": "custom", "id": 2}], types=[("posts", "custom")])
    assert crawl.feed("type-posts.jsonl") == [{"type": "custom", "id": 2}]
    assert crawl.feed("posts.jsonl") == [post(1)]


def test_the_feed_of_a_type_is_named_by_a_slug_of_its_rest_base(tmp_path):
    crawl = Crawl(tmp_path)
    crawl.run([{"type": "custom", "id": 2}], types=[("%(url)s/../Big Events", "custom")])
    assert crawl.feed("url-s-big-events-b45986db.jsonl") == [{"type": "custom", "id": 2}]


def test_gzip_custom_feeds(tmp_path):
    crawl = Crawl(tmp_path, gzip=True)
    crawl.run([post(1), event(2)])
    with gzip.open(crawl.output / HOST / "events.jsonl.gz", "rt", encoding="utf-8") as lines:
        assert [json.loads(line) for line in lines] == [event(2)]
    assert not (crawl.output / HOST / "events.jsonl").exists()


def test_custom_feeds_are_written_whole_and_in_place_only_when_stored(tmp_path):
    crawl = Crawl(tmp_path)
    target = crawl.output / HOST / "events.jsonl"
    target.parent.mkdir(parents=True)
    target.write_text("yesterday\n", encoding="utf-8")

    async def crawl_until_items() -> None:
        send = crawl.crawler.signals.send_catch_log_async
        await send(signals.spider_opened, spider=crawl.spider)
        await send(wordpress_signals.custom_types_found, types=EVENTS, spider=crawl.spider)
        await send(signals.item_scraped, item=event(1), response=None, spider=crawl.spider)

    asyncio.run(crawl_until_items())  # killed before closing: yesterday's file is untouched
    assert target.read_text(encoding="utf-8") == "yesterday\n"
    assert (target.parent / "events.jsonl.part").exists()


def test_a_custom_type_without_records_stores_nothing_and_keeps_yesterdays_feed(tmp_path):
    crawl = Crawl(tmp_path)
    target = crawl.output / HOST / "events.jsonl"
    target.parent.mkdir(parents=True)
    target.write_text("yesterday\n", encoding="utf-8")
    crawl.run([post(1)])
    assert target.read_text(encoding="utf-8") == "yesterday\n"
    assert not list(target.parent.glob("*.part"))
    assert crawl.stats["feedexport/success_count/AtomicFileFeedStorage"] == 1  # posts only


def test_a_users_own_feeds_get_every_record_and_no_custom_feed(tmp_path):
    mine = tmp_path / "mine.jsonl"
    crawl = Crawl(tmp_path, user_feeds={str(mine): {"format": "jsonlines"}})
    crawl.run([post(1), event(2)])
    assert [json.loads(line) for line in mine.read_text().splitlines()] == [post(1), event(2)]
    assert not crawl.output.exists()
    assert crawl.crawler.get_extension(CustomTypeFeeds).feeds == {}
    assert crawl.stored == [{"failed": 0, "files": []}]


def test_a_resumed_job_appends_to_its_custom_feeds(tmp_path):
    jobdir = tmp_path / "job"
    start_job(jobdir, "20261128T150000Z", "http://127.0.0.1:8080/")
    start_job(jobdir, "20261128T150000Z", "http://127.0.0.1:8080/")  # the resume
    crawl = Crawl(tmp_path, JOBDIR=str(jobdir))
    target = crawl.output / HOST / "events.jsonl"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(event(1)) + "\n", encoding="utf-8")
    crawl.run([event(2)])
    assert crawl.feed("events.jsonl") == [event(1), event(2)]


@pytest.mark.parametrize("slow", ["posts", "events", None])
def test_feeds_stored_is_sent_once_after_every_feed_is_stored(slow, tmp_path):
    crawl = Crawl(
        tmp_path,
        FEED_STORAGES={"": SlowStorage, "file": SlowStorage},
        SLOW_FEED=slow or "",
    )
    crawl.run([post(1), event(2)])
    assert crawl.stored == [
        {"failed": 0, "files": [HOST, f"{HOST}/events.jsonl", f"{HOST}/posts.jsonl"]}
    ]
    assert crawl.stats["feedexport/success_count/SlowStorage"] == 2


class SlowStorage(AtomicFileFeedStorage):
    """Stores one feed (``SLOW_FEED``) later, through a Deferred, as remote storages do."""

    @classmethod
    def from_crawler(cls, crawler: Any, uri: str, *, feed_options: Any = None) -> SlowStorage:
        storage = cls(uri, feed_options=feed_options)
        storage.slow = bool(crawler.settings["SLOW_FEED"]) and (
            f"/{crawler.settings['SLOW_FEED']}." in uri
        )
        return storage

    def store(self, file: Any) -> Deferred[None] | None:
        if not self.slow:
            return super().store(file)

        async def later() -> None:
            await asyncio.sleep(0.05)
            super(SlowStorage, self).store(file)

        return Deferred.fromFuture(asyncio.ensure_future(later()))


def test_feeds_stored_is_sent_without_any_feed(tmp_path):
    crawl = Crawl(tmp_path, user_feeds={})
    crawl.run([post(1), event(2)])
    assert crawl.crawler.get_extension(FeedExporter) is None  # Scrapy's: NotConfigured
    assert crawl.stored == [{"failed": 0, "files": []}]


def test_a_failed_store_is_one_error_line_counted_like_scrapys(tmp_path, caplog):
    crawl = Crawl(tmp_path)
    (crawl.output / HOST / "events.jsonl").mkdir(parents=True)  # the file cannot replace it
    with caplog.at_level(logging.INFO):
        crawl.run([post(1), event(2)])
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    [error] = [r.getMessage() for r in errors]
    # The line ends with its cause, e.g. "(IsADirectoryError: ...)": the traceback is at DEBUG.
    assert error.startswith(
        f"Error storing jsonlines feed (1 items) in: {crawl.output}/{HOST}/events.jsonl"
    )
    assert crawl.stats["feedexport/failed_count/AtomicFileFeedStorage"] == 1
    assert crawl.stats["feedexport/success_count/AtomicFileFeedStorage"] == 1
    assert crawl.stored[0]["failed"] == 1
    assert f"Stored jsonlines feed (1 items) in: {crawl.output}/{HOST}/posts.jsonl" in caplog.text


def test_the_summary_lists_the_custom_feeds(tmp_path, caplog):
    crawl = Crawl(tmp_path)
    with caplog.at_level(logging.INFO):
        crawl.run([post(1), event(2)])
    [summary] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Summary")]
    assert f"{crawl.output}/{HOST}/posts.jsonl" in summary
    assert summary.endswith(f"{crawl.output}/{HOST}/events.jsonl")


def test_custom_feeds_take_the_options_of_the_fixed_feeds(tmp_path):
    crawl = Crawl(tmp_path, FEED_EXPORT_FIELDS=["id", "type"], FEED_EXPORT_INDENT=2)
    crawl.run([post(1), event(2)])
    feeds = crawl.crawler.get_extension(CustomTypeFeeds).feeds
    [(uri, options)] = feeds.items()
    layout = crawl.crawler.settings["WORDPRESS_FEED_LAYOUT"]
    assert uri == layout.uri("events")
    # Exactly what Scrapy's FeedExporter makes of a FEEDS entry (batches are not supported).
    scrapy_options = feed_complete_default_values_from_settings(
        layout.options("event"), crawl.crawler.settings, uri
    )
    assert options == {k: v for k, v in scrapy_options.items() if k != "batch_item_count"}
    assert crawl.feed("events.jsonl") == [{"id": 2, "type": "event"}]


# The Scrapy API CustomTypeFeeds and AtomicFileFeedStorage are built from. The documented parts
# (signals, FEEDS options, Crawler.get_extension, build_from_crawler, item exporters, the
# post-processing plugin interface, maybe_deferred_to_future) and the parts only the code
# describes (the storage protocol, FileFeedStorage's attributes, PostProcessingManager,
# apply_uri_params). If one of these fails after a Scrapy upgrade, adapt the extension before
# raising the Scrapy bound in pyproject.toml.


def test_contract_storage_protocol():
    def parameters(function: Any) -> list[str]:
        return list(inspect.signature(function).parameters)

    assert parameters(FeedStorageProtocol.open) == ["self", "spider"]
    assert parameters(FeedStorageProtocol.store) == ["self", "file"]
    init = inspect.signature(FeedStorageProtocol.__init__).parameters
    assert init["feed_options"].kind is inspect.Parameter.KEYWORD_ONLY
    base = Settings().getwithbase("FEED_STORAGES")
    assert load_object(base[""]) is FileFeedStorage
    assert load_object(base["file"]) is FileFeedStorage


def test_contract_file_storage_write_modes_and_path(tmp_path):
    crawler = get_crawler(Spider)
    overwrite = build_from_crawler(
        FileFeedStorage, crawler, str(tmp_path / "a.jsonl"), feed_options={"overwrite": True}
    )
    append = FileFeedStorage(f"file://{tmp_path}/b.jsonl", feed_options={"overwrite": False})
    assert (overwrite.path, overwrite.write_mode) == (str(tmp_path / "a.jsonl"), "wb")
    assert (append.path, append.write_mode) == (str(tmp_path / "b.jsonl"), "ab")
    spider = Spider.from_crawler(crawler, name="s")
    file = overwrite.open(spider)
    file.write(b"x\n")
    assert overwrite.store(file) is None
    assert (tmp_path / "a.jsonl").read_bytes() == b"x\n"


def test_contract_atomic_storage_built_as_scrapy_builds_storages(tmp_path):
    crawler = get_crawler(Spider, {"JOBDIR": str(tmp_path / "job")})
    uri = str(tmp_path / "posts.jsonl")
    storage = build_from_crawler(
        AtomicFileFeedStorage, crawler, uri, feed_options={"overwrite": True}
    )
    assert isinstance(storage, FileFeedStorage)
    assert (storage.path, storage.write_mode, storage.jobdir) == (uri, "wb", str(tmp_path / "job"))


def test_contract_item_exporters():
    assert load_object(Settings().getwithbase("FEED_EXPORTERS")["jsonlines"]) is (
        JsonLinesItemExporter
    )
    file = io.BytesIO()
    exporter = build_from_crawler(
        JsonLinesItemExporter,
        get_crawler(Spider),
        file,
        fields_to_export=None,
        encoding="utf-8",
        indent=None,
    )
    exporter.start_exporting()
    exporter.export_item(event(1))
    exporter.finish_exporting()
    assert json.loads(file.getvalue()) == event(1)


def test_contract_post_processing_manager():
    target = io.BytesIO()
    manager = PostProcessingManager([GzipPlugin], target, {"gzip_mtime": 0})
    assert manager.file is target
    exporter = JsonLinesItemExporter(manager, encoding="utf-8")
    exporter.start_exporting()
    exporter.export_item(event(1))
    exporter.finish_exporting()
    manager.close()
    assert json.loads(gzip.decompress(target.getvalue())) == event(1)
    assert not target.closed  # the storage closes it when it stores it


def test_contract_uri_params_item_filter_and_signals():
    assert apply_uri_params("out%20x/%(host)s/%(run)s.jsonl", {"host": "h", "run": "r"}) == (
        "out%20x/h/r.jsonl"
    )
    assert ItemFilter({"item_classes": [dict]}).accepts({}) is True
    assert ItemFilter(None).accepts(object()) is True
    assert SETTINGS_PRIORITIES["spider"] < SETTINGS_PRIORITIES["cmdline"]
    assert signals.feed_exporter_closed is not None
    crawler = get_crawler(Spider, {"FEEDS": {"x.jsonl": {"format": "jsonlines"}}})
    assert isinstance(crawler.get_extension(FeedExporter), FeedExporter)
