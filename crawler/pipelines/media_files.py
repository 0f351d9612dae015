"""Download the files of media records (opt-in: ``-s WORDPRESS_DOWNLOAD_MEDIA=True``).

Scrapy's ``FilesPipeline``, so any ``FILES_STORE`` works (a folder, ``s3://``, ``gs://``,
``ftp://``); unset, files go to ``<WORDPRESS_OUTPUT_DIR>/<site>/files/`` beside the feeds. The
requests go through the downloader middlewares like the crawl's own: the site's scope, the
address policy (never a private address other than the site's own host), robots.txt, retries.
What to download, from which hosts and under which name is decided by
:mod:`crawler.wordpress.mediafiles`; this module only downloads and counts.

- Each file is capped (``WORDPRESS_MEDIA_MAX_FILE_BYTES``, else ``DOWNLOAD_MAXSIZE``, through
  the request's ``download_maxsize``) and all of them together (``WORDPRESS_MEDIA_MAX_BYTES``:
  once reached, no more files are started).
- A file that fails is counted (``wordpress/media_files/failed``) and named in one WARNING line;
  its record is exported with ``file: null``, and the crawl's outcome does not change.
- Full crawls download every file. Incremental runs never see unchanged media (the change
  pipeline drops them first), and for an updated record a file already stored with the
  checksum the state recorded is not downloaded again (``wordpress/media_files/unchanged``).
  A record whose files failed (or were over the total cap) is marked in the state, so the next
  incremental run exports it again (``updated``) and retries them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, cast

from itemadapter import ItemAdapter
from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline
from scrapy.utils.defer import ensure_awaitable

from crawler.feeds import site_slug
from crawler.items import MediaItem, StoredFile
from crawler.wordpress.mediafiles import (
    ORIGINAL,
    file_path,
    file_urls,
    known_file,
    refusal,
    wanted_sizes,
)
from crawler.wordpress.routes import request_host

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.pipelines.media import FileInfo, FileInfoOrError, MediaPipeline

    from crawler.state.changes import RunChanges

logger = logging.getLogger(__name__)

STATS = "wordpress/media_files"
FAILED = "failed"
MAX_FAILURES_KEPT = 100_000
"""Reasons of failed files kept for their log line (by URL), at most."""
LABEL, RECORD = "wordpress_media_label", "wordpress_media_id"


def shown(url: str, limit: int = 300) -> str:
    """A site's URL as a log line shows it: at most ``limit`` characters (the log filter removes
    control characters).

    >>> shown("http://e.com/" + "a" * 500)[-12:], len(shown("http://e.com/" + "a" * 500))
    ('aaaaaaaaaaa…', 301)
    """
    return url if len(url) <= limit else url[:limit] + "…"


def default_store(settings: Any, site_url: str) -> str:
    """``FILES_STORE`` when unset: ``<WORDPRESS_OUTPUT_DIR>/<site>/files``, the site's folder
    of feeds (shared by the run folders of incremental runs, so files are kept across runs).

    >>> default_store({"WORDPRESS_OUTPUT_DIR": "out"}, "http://127.0.0.1:8080/")
    'out/127.0.0.1_8080/files'
    """
    return str(Path(settings.get("WORDPRESS_OUTPUT_DIR") or "output", site_slug(site_url), "files"))


class MediaFilesPipeline(FilesPipeline):
    """The files of media records, into ``FILES_STORE``; ``file``/``size_files`` on the record."""

    LOG_FAILED_RESULTS = False  # failures are counted and named in one line each, below

    def __init__(self, store_uri: str, *, crawler: Crawler) -> None:
        super().__init__(store_uri, crawler=crawler)
        settings = crawler.settings
        self.sizes = wanted_sizes(settings.get("WORDPRESS_MEDIA_SIZES"))
        self.max_file_bytes = settings.getint("WORDPRESS_MEDIA_MAX_FILE_BYTES") or (
            settings.getint("DOWNLOAD_MAXSIZE")
        )
        self.max_bytes = settings.getint("WORDPRESS_MEDIA_MAX_BYTES")
        self.stored_bytes = 0
        self.cdn_hosts: set[str] = set()
        self.over_total_logged = False
        self.failures: dict[str, str] = {}
        """Why each failed file failed, by URL (``MediaPipeline`` keeps no reason)."""
        self.requested: dict[int, list[str]] = {}
        """The URLs requested for each record in the pipeline (by ``id()``), until completed."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("WORDPRESS_DOWNLOAD_MEDIA"):
            raise NotConfigured  # no message: Scrapy would log one WARNING each crawl
        store = settings.get("FILES_STORE") or default_store(
            settings, getattr(crawler.spider, "url", "") or ""
        )
        cls._update_stores(settings)
        return cls(store, crawler=crawler)

    @property
    def changes(self) -> RunChanges | None:
        return getattr(self.crawler.spider, "changes", None)

    def inc(self, name: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"{STATS}/{name}", count)

    async def process_item(self, item: Any, spider: Any = None) -> Any:
        """Only media records wait for downloads; every other record passes at once."""
        if not isinstance(item, MediaItem) or not item.source_url:
            return item
        return await super().process_item(item)

    def get_media_requests(self, item: Any, info: MediaPipeline.SpiderInfo) -> list[Request]:
        adapter = ItemAdapter(item)
        record_id = adapter.get("id")
        site_hosts: set[str] = set(getattr(self.crawler.spider, "allowed_hosts", ()))
        requests = []
        for label, url in file_urls(
            adapter.get("source_url"), adapter.get("sizes"), self.sizes
        ).items():
            reason = refusal(url, site_hosts, self.cdn_hosts)
            if reason is not None:
                self.inc("refused")
                logger.warning(
                    "Media file of media %s not downloaded (%s): %s", record_id, reason, shown(url)
                )
                continue
            if request_host(url) in self.cdn_hosts and request_host(url) not in site_hosts:
                # The site's own records point at this uploads host: it joins the crawl's scope
                # (the address policy still refuses private addresses).
                logger.info("Media files come from %s, the site's uploads host", request_host(url))
                hosts: set[str] = getattr(self.crawler.spider, "allowed_hosts", set())
                hosts.add(request_host(url))
            cap = self.max_file_bytes
            if self.max_bytes:
                left = self.max_bytes - self.stored_bytes
                if left <= 0:
                    self.inc("over_total")
                    changes = self.changes
                    if changes is not None and isinstance(record_id, int):
                        changes.note_files_failed(record_id)  # tried again by the next run
                    if not self.over_total_logged:
                        self.over_total_logged = True
                        logger.warning(
                            "Media files reached WORDPRESS_MEDIA_MAX_BYTES (%d bytes): no more "
                            "are downloaded (counted in %s/over_total)", self.max_bytes, STATS,
                        )  # fmt: skip
                    continue
                cap = min(cap, left) if cap else left
            meta = {LABEL: label, RECORD: record_id}
            if cap:
                meta["download_maxsize"] = cap
            requests.append(Request(url, callback=NO_CALLBACK, meta=meta))
        if requests:
            self.requested[id(item)] = list(dict.fromkeys(r.url for r in requests))
        return requests

    def file_path(
        self,
        request: Request,
        response: Response | None = None,
        info: MediaPipeline.SpiderInfo | None = None,
        *,
        item: Any = None,
    ) -> str:
        return file_path(request.url)

    async def media_to_download(  # type: ignore[override]  # awaited by MediaPipeline
        self, request: Request, info: MediaPipeline.SpiderInfo, *, item: Any = None
    ) -> FileInfo | None:
        """A file the state says this run's store already holds, checksum verified: not
        downloaded again. ``None``: download it (always, in full crawls)."""
        changes = self.changes
        if changes is None:
            return None
        path = self.file_path(request)
        known = known_file(changes.previous.media_files.get(request.meta.get(RECORD, -1)), path)
        if known is None:
            return None
        try:
            stat: dict[str, Any] = await ensure_awaitable(self.store.stat_file(path, info))  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001  # an unreachable store: download it again
            return None
        if not stat or stat.get("checksum") != known["checksum"]:
            return None
        self.inc("unchanged")
        return cast("FileInfo", {"url": request.url, "path": path,
                                 "checksum": known["checksum"], "status": "uptodate",
                                 "size": known["size"]})  # fmt: skip

    def media_failed(self, failure: Any, request: Request, info: MediaPipeline.SpiderInfo) -> Any:
        """Note why, for :meth:`item_completed` to count and name it in one line; return (not
        raise), so ``MediaPipeline`` logs no ERROR with a traceback, which would fail the
        crawl (a failed file is not fatal)."""
        reason = "refused" if isinstance(failure.value, IgnoreRequest) else "failed"
        return self.failed(request, f"{reason} ({failure.value})")

    def failed(self, request: Request, reason: str) -> FileInfo:
        if len(self.failures) < MAX_FAILURES_KEPT:
            self.failures[request.url] = reason
        return cast("FileInfo", {"url": request.url, "path": "", "checksum": None,
                                 "status": FAILED})  # fmt: skip

    async def media_downloaded(
        self,
        response: Response,
        request: Request,
        info: MediaPipeline.SpiderInfo,
        *,
        item: Any = None,
    ) -> FileInfo:
        if response.status != 200:
            return self.failed(request, f"HTTP {response.status}")
        if not response.body:
            return self.failed(request, "empty file")
        result = await super().media_downloaded(response, request, info, item=item)
        size = len(response.body)
        self.stored_bytes += size
        self.inc("downloaded")
        self.inc("bytes", size)
        return cast("FileInfo", {**result, "size": size})

    def item_completed(
        self, results: list[FileInfoOrError], item: Any, info: MediaPipeline.SpiderInfo
    ) -> Any:
        adapter = ItemAdapter(item)
        record_id = adapter.get("id")
        labels: dict[str, list[str]] = {}
        for label, url in file_urls(
            adapter.get("source_url"), adapter.get("sizes"), self.sizes
        ).items():
            labels.setdefault(url, []).append(label)
        stored: dict[str, StoredFile] = {}
        for ok, value in results:
            done = cast("dict[str, Any] | None", value if ok else None)
            if done is not None and done.get("status") != FAILED:
                for label in labels.get(done["url"], ()):
                    stored[label] = StoredFile(
                        path=done["path"], checksum=done["checksum"], size=done["size"]
                    )
        # Every file requested and not stored failed (media_failed returns no result to tell).
        changes = self.changes
        for url in self.requested.pop(id(item), ()):
            if any(label in stored for label in labels.get(url, ())):
                continue
            if changes is not None and isinstance(record_id, int):
                changes.note_files_failed(record_id)
            self.inc("failed")
            reason = self.failures.get(url, "failed")
            logger.warning(
                "Media file of media %s not downloaded (%s): %s", record_id, reason, shown(url)
            )
        adapter["file"] = stored.pop(ORIGINAL, None)
        adapter["size_files"] = stored
        if changes is not None and isinstance(record_id, int):
            files = [f for f in (adapter["file"], *stored.values()) if f is not None]
            changes.note_media_files(
                record_id, {f.path: {"checksum": f.checksum, "size": f.size} for f in files}
            )
        return item
