"""AutoThrottle whose target concurrency follows the server's latency.

Scrapy's AutoThrottle keeps ``AUTOTHROTTLE_TARGET_CONCURRENCY`` requests in flight on average,
whatever the server's latency. A site that answers in a few milliseconds has spare capacity
that a fixed target of 2 leaves idle; a site that needs a second per page does not. So the
target here moves with the latency of each answer: the per-domain cap
(``CONCURRENT_REQUESTS_PER_DOMAIN``) for answers faster than ``AUTOTHROTTLE_FAST_LATENCY``,
``AUTOTHROTTLE_TARGET_CONCURRENCY`` (as polite as plain AutoThrottle) from
``AUTOTHROTTLE_SLOW_LATENCY`` on, and in between a straight line. Everything else (the delay
rule, error answers never shortening it, the start and maximum delays) is AutoThrottle's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.extensions.throttle import AutoThrottle

if TYPE_CHECKING:
    from scrapy.core.downloader import Slot
    from scrapy.crawler import Crawler
    from scrapy.http import Response


def target_concurrency(
    latency: float, *, fast: float, slow: float, most: float, least: float
) -> float:
    """Requests to keep in flight for a server that answered in ``latency`` seconds.

    >>> rule = dict(fast=0.05, slow=0.25, most=4.0, least=2.0)
    >>> [target_concurrency(x, **rule) for x in (0.001, 0.05, 0.15, 0.25, 3.0)]
    [4.0, 4.0, 3.0, 2.0, 2.0]
    """
    if latency <= fast or slow <= fast:
        return most if latency <= fast else least
    if latency >= slow:
        return least
    return most - (most - least) * (latency - fast) / (slow - fast)


class LatencyThrottle(AutoThrottle):
    """AutoThrottle with a target concurrency that follows the latency (module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.least = self.target_concurrency
        self.most = max(self.least, settings.getfloat("CONCURRENT_REQUESTS_PER_DOMAIN"))
        self.fast = settings.getfloat("AUTOTHROTTLE_FAST_LATENCY", 0.5)
        self.slow = settings.getfloat("AUTOTHROTTLE_SLOW_LATENCY", 2.0)

    def _adjust_delay(self, slot: Slot, latency: float, response: Response) -> None:
        self.target_concurrency = target_concurrency(
            latency, fast=self.fast, slow=self.slow, most=self.most, least=self.least
        )
        super()._adjust_delay(slot, latency, response)
