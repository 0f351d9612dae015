"""Clean each record's HTML into safe HTML, plain text and Markdown, on every core.

The work is done by :func:`crawler.cleaning.clean_content`, which other programs can import
without Scrapy; this pipeline reads the settings, sends each record's HTML to a pool of worker
processes (:mod:`crawler.cleaning.batch`) in small batches, applies the outputs through
``ItemAdapter`` and counts what it did.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import multiprocessing
import os
import sys
import time
import types
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy import signals

from crawler.cleaning import DEFAULT_BOILERPLATE_PATTERNS, CleanOptions
from crawler.speedups import choose_cleaner

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from scrapy.crawler import Crawler

    from crawler.cleaning.batch import Cleaned, Job

logger = logging.getLogger(__name__)


class CleaningFailed(Exception):
    """Cleaning one record failed in a worker process, or the worker processes died."""


def cleaning_processes(setting: int) -> int:
    """How many processes clean: the setting, or the usable cores for 0 (auto).

    >>> cleaning_processes(3), cleaning_processes(1), cleaning_processes(0) >= 1
    (3, 1, True)
    """
    if setting > 0:
        return setting
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


class CleanContentPipeline:
    """Fill ``content_html`` (sanitized), ``content_text``, ``content_markdown``, ``word_count``,
    ``links``, ``images`` and, when asked, ``content_raw``, from the rendered ``content_html``;
    turn the rendered ``excerpt`` into plain text. A null ``content_html`` or ``excerpt`` (a
    record rebuilt without REST whose source could not tell it) stays null: its text,
    Markdown and word count are null too, its links and images empty.

    Settings: ``WORDPRESS_CONTENT_MARKDOWN`` (default on), ``WORDPRESS_KEEP_RAW_HTML`` (default
    off), ``WORDPRESS_BOILERPLATE_PATTERNS`` (regexes of syndication lines to drop; ``[]`` keeps
    them all), ``WORDPRESS_MAX_CONTENT_BYTES`` (content larger than this is cut to it before
    cleaning, with a WARNING and the ``wordpress/content_truncated`` stat: cleaning costs about
    90 times its input in memory, so one 60 MB post would take gigabytes; 0: no cap),
    ``WORDPRESS_CLEANING_PROCESSES`` (0: one worker process per usable core; 1: clean in the
    crawl process itself; N: N worker processes).

    With worker processes, records wait in a batch until it has :attr:`batch_size` records or
    :attr:`batch_delay` seconds have passed (at once if a worker is free); at most
    :attr:`batches_per_process` batches a process are in flight, the rest wait here, at most
    :attr:`waiting_batches` batches' worth a process: past that, a record is cleaned in the
    crawl process itself, which holds the crawl back until the workers catch up.
    Only the capped HTML, the URL and the excerpt go to a worker; only the outputs come back.
    A record waits for its own outputs, then goes on to the feeds: the records of one batch
    reach them in the order they arrived, but a batch cleaned by another worker may overtake
    the previous one. The feeds were never sorted (concurrent requests answer in any order);
    sort by ``id`` where order matters.

    The pool starts with the first record to clean (measured faster for small crawls than at
    the crawl's opening), all its processes at once, with ``spawn`` (a fork inside the running
    reactor, which has threads, is unsafe); the workers import the cleaner, not the program's
    ``__main__``. It is shut down, its processes reaped, when the crawl closes. A record whose
    cleaning raises fails alone, as it would in-process; a worker that dies fails its records
    and every later one, which fails the crawl.
    """

    batch_size = 16
    """Records in a batch: enough that the per-record cost of a round trip is small."""
    batch_delay = 0.02
    """Seconds the first record of an unfilled batch may wait for others."""
    batches_per_process = 2
    """Batches in flight per worker process: one it cleans, one queued behind it."""
    waiting_batches = 4
    """Batches' worth of records that may wait for a worker; past that, records are cleaned in
    the crawl process. Scrapy bounds what enters by response size (5 MB), not by records: a
    hundred pages of comments is 10,000 records to clean, which would otherwise all wait."""
    worker: Callable[[list[Job], CleanOptions], tuple[list[Cleaned], float]] | None = None
    """The batch function the workers run (module-level, so ``spawn`` workers import it);
    None: the chosen cleaner's ``clean_batch``."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        patterns = settings.getlist(
            "WORDPRESS_BOILERPLATE_PATTERNS", list(DEFAULT_BOILERPLATE_PATTERNS)
        )
        # The compiled cleaner's classes are its own: jobs and options are made with them.
        self.cleaner = choose_cleaner(settings.getbool("WORDPRESS_COMPILED_CLEANER", True))
        batch = self.cleaner.batch
        self.make_job: type[Job] = batch.Job
        self.clean_job: Callable[[Job, CleanOptions], Cleaned] = batch.clean_job
        self.untold: Callable[[], Cleaned] = batch.untold
        self.start_worker: Callable[[int], None] = batch.start_worker
        self.run_batch = self.worker or batch.clean_batch
        self.options: CleanOptions = batch.CleanOptions(
            markdown=settings.getbool("WORDPRESS_CONTENT_MARKDOWN", True),
            keep_raw=settings.getbool("WORDPRESS_KEEP_RAW_HTML", False),
            boilerplate_patterns=tuple(patterns),
        )
        self.max_bytes = settings.getint("WORDPRESS_MAX_CONTENT_BYTES", 2 * 1024 * 1024)
        self.processes = cleaning_processes(settings.getint("WORDPRESS_CLEANING_PROCESSES", 0))
        self.max_waiting = self.waiting_batches * self.batch_size * self.processes
        self.crawler = crawler
        self.seconds = 0.0
        self.pool: ProcessPoolExecutor | None = None
        self.waiting: list[tuple[Job, asyncio.Future[Cleaned]]] = []
        self.in_flight = 0
        self.timer: asyncio.TimerHandle | None = None
        self.broken: str | None = None
        self.closed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CleanContentPipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_idle, signal=signals.spider_idle)
        return pipeline

    def open_spider(self) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("wordpress/cleaning_processes", self.processes)
        self.crawler.stats.set_value(
            "wordpress/cleaner", "compiled" if self.cleaner.compiled else "python"
        )
        log = logger.warning if self.cleaner.stale else logger.info
        log("Cleaning with %s", self.cleaner.reason)

    async def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        names = set(adapter.field_names())
        if "content_html" not in names:
            return item
        html = adapter.get("content_html")
        job = self.make_job(
            # None: a record rebuilt without REST whose source could not tell its content.
            None if html is None else self._capped(adapter, html),
            adapter.get("link"),
            # Comments have no Markdown field: not converting them saves most of their cost.
            "content_markdown" in names,
            adapter.get("excerpt") if "excerpt" in names else None,
        )
        if job.html is None and job.excerpt is None:
            cleaned = self.untold()  # nothing to clean: no round trip to a worker
        elif self.processes == 1 or len(self.waiting) >= self.max_waiting:
            # In-process: no pool, or the workers are behind. Cleaning here then holds the
            # crawl back, so no more records arrive meanwhile: what waits stays bounded.
            started = time.process_time()
            cleaned = self.clean_job(job, self.options)
            self.seconds += time.process_time() - started
            if self.processes > 1:
                assert self.crawler.stats is not None
                self.crawler.stats.inc_value("wordpress/cleaned_in_crawl_process")
        else:
            cleaned = await self._submit(job)
            if cleaned.error is not None:
                raise CleaningFailed(cleaned.error)
        outputs = {
            "content_html": cleaned.html,
            "content_text": cleaned.text,
            "content_markdown": cleaned.markdown,
            "content_raw": cleaned.raw,
            "word_count": cleaned.word_count,
            "links": cleaned.links,
            "images": cleaned.images,
        }
        for name, value in outputs.items():
            if name in names:  # comments have HTML and text only
                adapter[name] = value
        if cleaned.excerpt is not None:
            adapter["excerpt"] = cleaned.excerpt
        if job.html is not None or job.excerpt is not None:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("wordpress/cleaned")
        return item

    def _capped(self, adapter: ItemAdapter, raw: str) -> str:
        """``raw``, cut to ``WORDPRESS_MAX_CONTENT_BYTES`` of UTF-8 if it is larger."""
        cut = truncate_utf8(raw, self.max_bytes)
        if cut is not raw:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("wordpress/content_truncated")
            logger.warning(
                "%s %s: content of %d characters is over WORDPRESS_MAX_CONTENT_BYTES (%d); "
                "exported cleaned from its first %d bytes only (raise the setting to keep it all)",
                adapter.get("type"), adapter.get("id"), len(raw), self.max_bytes, self.max_bytes,
            )  # fmt: skip
        return cut

    # The pool ---------------------------------------------------------------------------------

    def _submit(self, job: Job) -> asyncio.Future[Cleaned]:
        """The outputs of ``job``, once its batch comes back (on the crawl's asyncio loop,
        which Scrapy's default reactor runs)."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Cleaned] = loop.create_future()
        if self.broken is not None:
            waiter.set_exception(CleaningFailed(self.broken))
            return waiter
        self.waiting.append((job, waiter))
        if len(self.waiting) >= self.batch_size:
            self._dispatch(full_only=True)
        if self.waiting and self.timer is None:
            # A worker is free: send at the end of this turn of the loop (with the records that
            # arrive in the same turn); else wait for more, a little.
            delay = 0.0 if self.in_flight < self.processes else self.batch_delay
            self.timer = loop.call_later(delay, self._on_timer)
        return waiter

    def _on_timer(self) -> None:
        self.timer = None
        self._dispatch(full_only=False)

    def spider_idle(self) -> None:
        self._dispatch(full_only=False)

    def _dispatch(self, *, full_only: bool) -> None:
        """Send waiting records to the pool, in batches, as far as the in-flight bound allows."""
        limit = self.processes * self.batches_per_process
        while self.waiting and self.in_flight < limit:
            if full_only and len(self.waiting) < self.batch_size:
                return
            batch, self.waiting = self.waiting[: self.batch_size], self.waiting[self.batch_size :]
            jobs = [job for job, _ in batch]
            waiters = [waiter for _, waiter in batch]
            try:
                future = asyncio.wrap_future(
                    self._start_pool().submit(self.run_batch, jobs, self.options)
                )
            except (BrokenProcessPool, RuntimeError) as exc:
                self._fail(waiters, exc)
                continue
            self.in_flight += 1
            future.add_done_callback(functools.partial(self._returned, waiters=waiters))

    def _returned(
        self,
        done: asyncio.Future[tuple[list[Cleaned], float]],
        *,
        waiters: list[asyncio.Future[Cleaned]],
    ) -> None:
        """A batch is back: each record gets its outputs, in the batch's order."""
        self.in_flight -= 1
        try:
            results, seconds = done.result()
        except BaseException as exc:  # noqa: BLE001 - each record of the batch fails with it
            self._fail(waiters, exc)
        else:
            self.seconds += seconds
            for waiter, cleaned in zip(waiters, results, strict=True):
                if not waiter.done():
                    waiter.set_result(cleaned)
        self._dispatch(full_only=False)

    def _fail(self, waiters: list[asyncio.Future[Cleaned]], exc: BaseException) -> None:
        if isinstance(exc, BrokenProcessPool) and self.broken is None:
            self.broken = (
                "a cleaning worker process died (killed, or out of memory?); "
                "the records it had and every later one are not cleaned"
            )
        reason = self.broken or f"{type(exc).__name__}: {exc}"
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(CleaningFailed(reason))

    def _start_pool(self) -> ProcessPoolExecutor:
        """The pool, all its processes started at once."""
        if self.closed:
            raise RuntimeError("the crawl is closed")
        if self.pool is None:
            self.pool = ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=self.start_worker,
                initargs=(os.getpid(),),
            )
            with without_main_module():
                # One task a process: the pool starts a process for each while none is idle.
                for _ in range(self.processes):
                    self.pool.submit(self.run_batch, [], self.options)
        return self.pool

    def close_spider(self) -> None:
        self.closed = True
        if self.timer is not None:
            self.timer.cancel()
        self.timer = None
        if self.pool is not None:
            # Every record is done by now (Scrapy closes once its records are); this waits for
            # the workers to exit and reaps them.
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("wordpress/cleaning_cpu_seconds", round(self.seconds, 3))


@contextlib.contextmanager
def without_main_module() -> Iterator[None]:
    """Start processes that do not import the program's ``__main__``: ``spawn`` re-imports it
    in each, so a script that runs a crawl without the ``if __name__ == "__main__":`` guard
    would run its crawl again in every worker. The workers need only the cleaner."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def truncate_utf8(text: str, max_bytes: int) -> str:
    """``text`` itself if it is at most ``max_bytes`` in UTF-8, else its longest prefix that is
    (never a split character); ``max_bytes`` of 0 or less means no cap.

    >>> truncate_utf8("caf\u00e9!", 5), truncate_utf8("caf\u00e9!", 4), truncate_utf8("abc", 0)
    ('caf\u00e9', 'caf', 'abc')
    """
    if max_bytes <= 0 or len(text) * 4 <= max_bytes:  # at most 4 bytes a character: fits
        return text
    head = text[: max_bytes + 1].encode("utf-8", "surrogatepass")  # the rest cannot fit anyway
    if len(head) <= max_bytes and len(text) <= max_bytes:
        return text
    return head[:max_bytes].decode("utf-8", "ignore")
