"""Feeds on remote storage (``s3://``): a temp folder per crawl, and the bucket checked first.

Scrapy writes a remote feed to a temp file and uploads it when the crawl closes, so a killed
crawl leaves no object behind (all or nothing, as the state commit), but it does leave its temp
files. Each crawl therefore gets its own ``FEED_TEMPDIR``, ``<system temp>/wordpress-feeds-<pid>-
<random>``, removed when the engine stops (after the uploads, failed ones too); a crawl that was
killed cannot remove it, so every crawl first removes the folders of processes that no longer
run on this machine (a worker's next job cleans after its killed one). A ``FEED_TEMPDIR`` the
user set is left alone.

An upload that fails at the end costs the whole crawl, so each ``s3://`` bucket of ``FEEDS`` is
checked when the spider opens: a missing bucket, an unreachable server or missing credentials
end the crawl at once with one ERROR line (the crawl fails, exit 1, no state committed). A
refused check (403: the keys may write objects without listing the bucket) is not an error.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.extensions.feedexport import S3FeedStorage
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from crawler.logsafety import safe_uri
from crawler.state.s3blobs import s3_client, s3_reason, shared_client

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

TEMPDIR_PREFIX = "wordpress-feeds-"
_TEMPDIR = re.compile(rf"{re.escape(TEMPDIR_PREFIX)}(\d+)-[A-Za-z0-9_]+")
MAX_STALE_CHECKED = 10_000
"""Entries of the temp folder looked at per crawl start, at most."""


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (one we may not signal counts)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_feed_tempdirs(root: str | Path) -> list[Path]:
    """The per-crawl feed temp folders under ``root`` whose process no longer runs.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as root:
    ...     for name in (f"wordpress-feeds-{os.getpid()}-a1", "wordpress-feeds-999999999-b2", "x"):
    ...         Path(root, name).mkdir()
    ...     [path.name for path in stale_feed_tempdirs(root)]
    ['wordpress-feeds-999999999-b2']
    """
    stale = []
    with contextlib.suppress(OSError), os.scandir(root) as entries:
        for count, entry in enumerate(entries):
            if count >= MAX_STALE_CHECKED:
                break
            match = _TEMPDIR.fullmatch(entry.name)
            if match and entry.is_dir(follow_symlinks=False) and not pid_alive(int(match[1])):
                stale.append(Path(entry.path))
    return stale


def clean_stale_feed_tempdirs(root: str | Path | None = None) -> int:
    """Remove :func:`stale_feed_tempdirs` (of the system temp folder by default); how many."""
    stale = stale_feed_tempdirs(root or tempfile.gettempdir())
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return len(stale)


class FeedTempDir:
    """Extension: a ``FEED_TEMPDIR`` of this crawl's own, removed when the engine stops."""

    def __init__(self, path: str) -> None:
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if settings.frozen or settings.get("FEED_TEMPDIR"):
            extension = cls("")  # the user's folder (or a test's frozen settings): theirs
        else:
            removed = clean_stale_feed_tempdirs()
            if removed:
                logger.info("Removed %d feed temp folders of crawls that were killed", removed)
            path = tempfile.mkdtemp(prefix=f"{TEMPDIR_PREFIX}{os.getpid()}-")
            settings.set("FEED_TEMPDIR", path, "default")
            extension = cls(path)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_stopped(self) -> None:
        if self.path:
            shutil.rmtree(self.path, ignore_errors=True)


def s3_buckets(feeds: dict[str, Any]) -> dict[str, str]:
    """Each fixed ``s3://`` bucket of ``FEEDS`` and the first feed URI that writes to it.
    Templated bucket names are checked by the upload only.

    >>> s3_buckets({"s3://k:s@b/%(site)s/p.jsonl": {}, "s3://b/x": {}, "s3://%(x)s/y": {}, "o/z": {}})
    {'b': 's3://k:s@b/%(site)s/p.jsonl'}
    """
    buckets: dict[str, str] = {}
    for uri in feeds:
        parts = urlsplit(str(uri))
        bucket = parts.hostname or ""
        if parts.scheme == "s3" and bucket and "%" not in bucket:
            buckets.setdefault(bucket, str(uri))
    return buckets


def check_bucket(bucket: str, settings: Any, uri: str) -> str | None:
    """Why feeds cannot be written to ``bucket`` (``None``: they can, as far as we can tell)."""
    try:
        s3_client(settings, uri=uri).head_bucket(Bucket=bucket)
    except Exception as exc:  # noqa: BLE001 - botocore's errors have no common base
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        if code in ("403", "AccessDenied"):
            return None  # keys that may put objects without listing the bucket
        if code in ("404", "NoSuchBucket"):
            return "the bucket does not exist; create it first"
        return s3_reason(exc)
    return None


class SharedClientS3FeedStorage(S3FeedStorage):
    """Scrapy's S3 feed storage, with the process's one client for its credentials
    (:func:`crawler.state.s3blobs.shared_client`) rather than a new one per feed: each costs
    ~0.2 s, seven feeds and the bucket check made S3 crawls ~1.5 s slower to start."""

    def __init__(
        self,
        uri: str,
        access_key: str | None = None,
        secret_key: str | None = None,
        acl: str | None = None,
        endpoint_url: str | None = None,
        *,
        feed_options: dict[str, Any] | None = None,
        session_token: str | None = None,
        region_name: str | None = None,
        max_pool_connections: int | None = None,
    ) -> None:
        parts = urlsplit(uri)
        self.bucketname = parts.hostname or ""
        self.access_key = parts.username or access_key
        self.secret_key = parts.password or secret_key
        self.session_token = session_token
        self.keyname = parts.path[1:]
        self.acl = acl
        self.endpoint_url = endpoint_url
        self.region_name = region_name
        self.max_pool_connections = max_pool_connections
        self.s3_client = shared_client(
            self.access_key, self.secret_key, session_token, endpoint_url, region_name,
            max_pool_connections=max_pool_connections,
        )  # fmt: skip
        if feed_options and feed_options.get("overwrite", True) is False:
            logger.warning("S3 does not append: the feed %s is overwritten", safe_uri(uri))


class S3FeedCheck:
    """Extension: ends the crawl at once, with one line, when an ``s3://`` feed cannot be
    written (see the module's docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        return extension

    async def spider_opened(self, spider: Spider) -> None:
        buckets = s3_buckets(self.crawler.settings.getdict("FEEDS"))
        if buckets:
            self.checked(await maybe_deferred_to_future(deferToThread(self.check, buckets)))

    def check(self, buckets: dict[str, str]) -> tuple[str, str] | None:
        for bucket, uri in buckets.items():
            reason = check_bucket(bucket, self.crawler.settings, uri)
            if reason:
                return safe_uri(uri), reason
        return None

    def checked(self, problem: tuple[str, str] | None) -> None:
        if problem is None:
            return
        feed, reason = problem
        logger.error("The feed %s cannot be stored: %s", feed, reason)
        engine = self.crawler.engine
        if engine is not None:
            deferred_from_coro(engine.close_spider_async(reason="feed_storage_unavailable"))
