"""The default feeds: one JSONL file per record type under ``<output dir>/<host>/[<run>/]``.

They are plain Scrapy ``FEEDS`` entries routed by each record's ``type`` (``item_filter``), set
at the spider's priority, so a user's own ``-o``/``-O``/``FEEDS`` replaces them without any
special case. A site's custom post types get a feed each with the same options, opened once the
site's types are known (:mod:`crawler.extensions.typefeeds`).

Overwritten feeds are written to ``<file>.part`` and moved into place when the crawl closes, so
the previous run's file stays whole until a new one is complete: a crawl that is killed, or
that finds nothing (a site that is down), never leaves a truncated or empty feed behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy.extensions.feedexport import FileFeedStorage, ItemFilter
from scrapy.settings import SETTINGS_PRIORITIES

from crawler.items import RECORD_CLASSES
from crawler.state.resume import job_starts

if TYPE_CHECKING:
    from scrapy import Spider


FEED_RECORD_TYPES: dict[str, str] = {
    feed: record_class.record_type or "" for feed, record_class in RECORD_CLASSES.items()
}
"""Each fixed feed and the record ``type`` it holds; custom post types get a feed each."""


def custom_type_feed(rest_base: str) -> str:
    """The feed name of a custom post type: its ``rest_base``, unless a fixed feed has that name.

    >>> custom_type_feed("events"), custom_type_feed("posts")
    ('events', 'type-posts')
    """
    return f"type-{rest_base}" if rest_base in FEED_RECORD_TYPES else rest_base


@dataclass(frozen=True)
class FeedLayout:
    """Where the default feeds go and how they are written.

    Scheduled (incremental) runs write each run into its own folder, so one run never replaces
    another's records; a one-off crawl overwrites ``<dir>/<host>/<feed>.jsonl``.
    """

    output_dir: str = "output"
    run_folders: bool = False
    gzip: bool = False

    def uri(self, feed: str) -> str:
        """The URI template of one feed.

        >>> FeedLayout("output/").uri("posts")
        'output/%(host)s/posts.jsonl'
        >>> FeedLayout("out", run_folders=True, gzip=True).uri("posts")
        'out/%(host)s/%(run)s/posts.jsonl.gz'
        """
        folder = "%(host)s/%(run)s" if self.run_folders else "%(host)s"
        suffix = ".jsonl.gz" if self.gzip else ".jsonl"
        return f"{self.output_dir.rstrip('/') or '.'}/{folder}/{feed}{suffix}"

    def options(self, record_type: str) -> dict[str, Any]:
        """Feed options routing the records of ``record_type`` (tombstones included)."""
        options: dict[str, Any] = {
            "format": "jsonlines",
            "encoding": "utf-8",
            "overwrite": True,
            "store_empty": False,
            "item_filter": RecordTypeFilter,
            "record_type": record_type,
        }
        if self.gzip:
            options["postprocessing"] = ["scrapy.extensions.postprocessing.GzipPlugin"]
        return options

    def feeds(self) -> dict[str, dict[str, Any]]:
        """``FEEDS`` for every fixed feed.

        >>> [uri.rsplit("/", 1)[1] for uri in FeedLayout().feeds()]
        ['posts.jsonl', 'pages.jsonl', 'media.jsonl', 'terms.jsonl', 'users.jsonl', 'comments.jsonl']
        """
        return {
            self.uri(feed): self.options(record_type)
            for feed, record_type in FEED_RECORD_TYPES.items()
        }

    @classmethod
    def from_settings(cls, settings: Any, *, incremental: bool = False) -> FeedLayout:
        run_folders = settings.get("WORDPRESS_RUN_FOLDERS")
        return cls(
            output_dir=settings.get("WORDPRESS_OUTPUT_DIR", "output"),
            run_folders=incremental
            if run_folders in (None, "")
            else settings.getbool("WORDPRESS_RUN_FOLDERS"),
            gzip=settings.getbool("WORDPRESS_FEED_GZIP", False),
        )


def use_default_feeds(settings: Any, layout: FeedLayout) -> None:
    """Set the default ``FEEDS`` at spider priority: a user's ``-o``/``-O``/``FEEDS`` wins."""
    if settings.frozen:  # a crawler built by tests; real crawls set this before freezing
        return
    settings.set("FEEDS", layout.feeds(), "spider")
    settings.set("WORDPRESS_FEED_LAYOUT", layout, "spider")


def default_feeds_in_use(settings: Any) -> bool:
    """Whether ``FEEDS`` are still the default ones: no ``-o``/``-O``/``FEEDS`` of the user's."""
    return (
        settings.getpriority("FEEDS") == SETTINGS_PRIORITIES["spider"]
        and settings.get("WORDPRESS_FEED_LAYOUT") is not None
    )


def host_slug(url: str) -> str:
    """A file-name-safe form of a URL's host and port.

    >>> host_slug("http://127.0.0.1:8080/blog/"), host_slug("https://Example.com")
    ('127.0.0.1_8080', 'example.com')
    """
    return (urlsplit(url).netloc.lower() or "unknown").replace(":", "_")


def uri_params(params: dict[str, Any], spider: Spider) -> dict[str, Any]:
    """``FEED_URI_PARAMS`` hook: ``%(host)s`` of the crawled site and ``%(run)s``, the run's
    start time in UTC (``20261128T143000Z``), the same for every feed of a run."""
    return {
        **params,
        "host": host_slug(getattr(spider, "url", "") or ""),
        "run": getattr(spider, "run_id", "run"),
    }


class AtomicFileFeedStorage(FileFeedStorage):
    """Local feed files that replace the previous file only once the new one is complete.

    Appending feeds (``-o``) are written in place, as Scrapy does. In a job (``JOBDIR``), whose
    records must survive a kill, an overwritten feed is written in place from the job's first
    start and appended to on every resume.
    """

    def __init__(
        self, uri: str, *, feed_options: dict[str, Any] | None = None, jobdir: str = ""
    ) -> None:
        super().__init__(uri, feed_options=feed_options)
        self.jobdir = jobdir

    @classmethod
    def from_crawler(
        cls, crawler: Any, uri: str, *, feed_options: dict[str, Any] | None = None
    ) -> AtomicFileFeedStorage:
        return cls(uri, feed_options=feed_options, jobdir=crawler.settings.get("JOBDIR") or "")

    def open(self, spider: Spider) -> IO[bytes]:
        if self.write_mode != "wb":
            return super().open(spider)
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.jobdir:
            return path.open("ab" if job_starts(self.jobdir) > 1 else "wb")
        return Path(self.path + ".part").open("wb")

    def store(self, file: IO[bytes]) -> None:
        file.close()
        if self.write_mode == "wb" and not self.jobdir:
            Path(self.path + ".part").replace(self.path)


class RecordTypeFilter(ItemFilter):
    """Accept the records whose ``type`` is the feed's ``record_type`` option.

    Routing by ``type`` rather than by item class lets a feed hold its records and their
    deletion tombstones alike.
    """

    def __init__(self, feed_options: dict[str, Any] | None) -> None:
        super().__init__(feed_options)
        self.record_type = (feed_options or {}).get("record_type")

    def accepts(self, item: Any) -> bool:
        return ItemAdapter(item).get("type") == self.record_type
