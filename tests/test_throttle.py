"""The throttle: AutoThrottle whose target concurrency follows the site's latency.

``LatencyThrottle`` overrides ``AutoThrottle._adjust_delay``, a method Scrapy does not document:
the first test pins what it relies on (like ``tests/test_feeds.py`` for the feed parts), so a
Scrapy release that changes it fails here rather than in a crawl.
"""

from __future__ import annotations

import inspect
from types import SimpleNamespace

import pytest
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.extensions.throttle import LatencyThrottle


def test_scrapy_autothrottle_still_has_what_the_throttle_overrides() -> None:
    parameters = list(inspect.signature(AutoThrottle._adjust_delay).parameters)
    assert parameters == ["self", "slot", "latency", "response"]
    assert "self.target_concurrency" in inspect.getsource(AutoThrottle._adjust_delay)


def test_the_project_uses_it_in_place_of_autothrottle() -> None:
    extensions = project_settings.EXTENSIONS
    assert extensions["scrapy.extensions.throttle.AutoThrottle"] is None
    assert extensions["crawler.extensions.throttle.LatencyThrottle"] is not None


def _delay_after(latency: float, *, status: int = 200, delay: float = 0.0) -> float:
    """The slot delay after one answer that took ``latency`` seconds."""
    crawler = get_crawler(
        settings_dict={
            "AUTOTHROTTLE_ENABLED": True,
            "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
            "AUTOTHROTTLE_FAST_LATENCY": 0.5,
            "AUTOTHROTTLE_SLOW_LATENCY": 2.0,
        }
    )
    throttle = LatencyThrottle(crawler)
    throttle.mindelay, throttle.maxdelay = 0.0, 30.0
    slot = SimpleNamespace(delay=delay)
    throttle._adjust_delay(slot, latency, Response("http://127.0.0.1/", status=status))  # type: ignore[arg-type]
    return float(slot.delay)


@pytest.mark.parametrize(
    ("latency", "expected"),
    [
        (0.1, 0.1 / 4),  # fast: the per-domain cap in flight
        (0.5, 0.5 / 4),
        (1.25, 1.25 / 3),  # half way: a straight line from 4 to 2
        (2.0, 2.0 / 2),  # slow: AutoThrottle's own target of 2, no less polite
        (6.0, 6.0 / 2),
    ],
)
def test_the_target_concurrency_follows_the_latency(latency: float, expected: float) -> None:
    assert _delay_after(latency) == pytest.approx(expected)


def test_error_answers_never_shorten_the_delay() -> None:
    assert _delay_after(0.1, status=503, delay=5.0) == 5.0
