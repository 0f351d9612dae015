"""One Twisted reactor for the whole test session, running in a background thread.

A Twisted reactor cannot be restarted, so crawls that run inside the pytest process share one.
It is the reactor ``scrapy crawl`` uses (Scrapy's default ``TWISTED_REACTOR``, the asyncio
reactor), driven by :class:`scrapy.crawler.AsyncCrawlerRunner`, so an in-process crawl takes
the same code path as the command: the same download handler, the same ``LoopingCall`` timers,
the same coroutine plumbing. The test thread hands it a coroutine and blocks until it is done:
crawls never overlap, and the test reads the results afterwards, as it would from a
subprocess.

Why a thread, and not the alternatives that were tried:

- Scrapy's reactorless mode (``TWISTED_REACTOR_ENABLED=False``, a new asyncio loop per crawl)
  downloads with another handler (aiohttp) than ``scrapy crawl`` does, and the project's
  ``CrawlProgress`` extension imports the reactor for its ``LoopingCall``: the first crawl
  loses its progress timer and the second refuses to start ("TWISTED_REACTOR_ENABLED is False
  but a Twisted reactor is installed").
- pytest-twisted runs the reactor in a greenlet, but a plain test cannot wait on it
  (``blockon`` is refused inside tests): every crawl test would become an ``async`` test,
  with greenlet as one more dependency. Its crawls took the same time as these.
- crochet runs the reactor in a thread as this module does, as a dependency.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any, TypeVar

from scrapy.settings.default_settings import TWISTED_REACTOR
from scrapy.utils.reactor import install_reactor, is_reactor_installed

if TYPE_CHECKING:
    from collections.abc import Coroutine

T = TypeVar("T")

_lock = threading.Lock()
_thread: threading.Thread | None = None
_loop: asyncio.AbstractEventLoop | None = None


def _run(ready: threading.Event, failure: list[BaseException]) -> None:
    global _loop
    try:
        if not is_reactor_installed():
            install_reactor(TWISTED_REACTOR)  # also makes this thread's asyncio loop
        from twisted.internet import asyncioreactor, reactor

        if not isinstance(reactor, asyncioreactor.AsyncioSelectorReactor):
            raise RuntimeError(
                f"in-process crawls need {TWISTED_REACTOR}, but {type(reactor).__name__} "
                "was installed first"
            )
        _loop = reactor._asyncioEventloop
        asyncio.set_event_loop(_loop)
    except BaseException as exc:  # noqa: BLE001 - handed to the thread that waits in start()
        failure.append(exc)
        ready.set()
        return
    reactor.callWhenRunning(ready.set)
    reactor.run(installSignalHandlers=False)  # signals belong to the main thread (pytest)


def start() -> None:
    """Install the asyncio reactor and run it in a daemon thread (once; later calls do nothing)."""
    global _thread
    with _lock:
        if _thread is not None:
            return
        ready, failure = threading.Event(), []
        thread = threading.Thread(
            target=_run, args=(ready, failure), name="twisted-reactor", daemon=True
        )
        thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        _thread = thread


def run(coroutine: Coroutine[Any, Any, T], timeout: float) -> T:
    """Run ``coroutine`` on the reactor's event loop and wait for its result."""
    start()
    assert _loop is not None
    future = asyncio.run_coroutine_threadsafe(coroutine, _loop)
    try:
        return future.result(timeout)
    except TimeoutError:
        future.cancel()
        raise


def stop() -> None:
    """Stop the reactor and wait for its thread (at the end of the session)."""
    global _thread
    with _lock:
        if _thread is None:
            return
        from twisted.internet import reactor

        reactor.callFromThread(reactor.stop)
        _thread.join(timeout=30)
        _thread = None
