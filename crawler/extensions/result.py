"""The crawl's result as a small JSON file, for the process that started the crawl.

A job runner (an RQ worker, ``crawlsites -j N``) cannot judge a crawl by its exit code alone:
``scrapy crawl`` of a site that was down, busy or cut short must be told apart from a clean
run, and the runner needs the counts for its summary. Enabled by
``-s WORDPRESS_RESULT_FILE=path``; at engine stop it writes (atomically, so a reader never sees
half a file)::

    {"site": ..., "run": ..., "finish_reason": ..., "failed": bool, "failure": str | null,
     "counts": {"posts": 12, ...}, "changes": {"posts": {"added": 12}, ...},
     "state_committed": bool | null, "busy": bool}
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.extensions.outcome import crawl_failure
from crawler.logsafety import safe_for_log, without_secrets
from crawler.state.store import write_atomically

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

MAX_FAILURE_LENGTH = 500
"""A failure line is cut to this many characters: it ends up in job results and tables."""

BUSY_REASONS = frozenset({"site_busy"})
"""Finish reasons that mean another crawl of the site holds its lease (the spider's
``setup()`` closes with ``site_busy`` when :meth:`crawler.state.backends.StateBackend.begin`
finds the site held)."""
BUSY_STAT = "wordpress/busy"


def is_busy(stats: dict[str, Any]) -> bool:
    """Whether the crawl stopped because another crawl of the site holds its lease.

    >>> is_busy({"finish_reason": "site_busy"}), is_busy({BUSY_STAT: True}), is_busy({})
    (True, True, False)
    """
    return stats.get("finish_reason") in BUSY_REASONS or bool(stats.get(BUSY_STAT))


def failure_line(stats: dict[str, Any]) -> str:
    """Why a failed crawl failed, as one line (what ``crawlsites`` prints after FAILED).

    >>> failure_line({"wordpress/failure": "the site is down"})
    'the site is down'
    >>> failure_line({"finish_reason": "finished", "wordpress/incomplete": 1})
    'pages were lost'
    >>> failure_line({"finish_reason": "shutdown"}), failure_line({})
    ('shutdown', 'the crawl did not start')
    """
    reason = (
        stats.get("wordpress/failure")
        or crawl_failure(stats)
        or ("pages were lost" if stats.get("wordpress/incomplete") else stats.get("finish_reason"))
        or "the crawl did not start"
    )
    return one_line(str(reason))


def one_line(text: str, limit: int = MAX_FAILURE_LENGTH) -> str:
    """``text`` on one line, without control characters, at most ``limit`` characters.

    >>> one_line("a\\nb\\x1b[31m c"), len(one_line("x" * 900))
    ('a b c', 500)
    """
    flat = " ".join(without_secrets(safe_for_log(text)).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def is_failed(stats: dict[str, Any]) -> bool:
    """The rule of :func:`crawler.commands.crawl.crawl_failed`, on the stats alone.

    >>> is_failed({"finish_reason": "finished"}), is_failed({"finish_reason": "shutdown"})
    (False, True)
    >>> is_failed({"finish_reason": "finished", "wordpress/incomplete": 2})
    True
    """
    return (
        stats.get("finish_reason") != "finished"
        or bool(stats.get("wordpress/incomplete"))
        or crawl_failure(stats) is not None
    )


def collected_counts(stats: dict[str, Any]) -> dict[str, int]:
    """Records collected per collection, from the ``wordpress/<collection>/collected`` stats.

    >>> collected_counts({"wordpress/posts/collected": 3, "wordpress/a-b/collected": 1, "x": 2})
    {'posts': 3}
    """
    counts = {}
    for key, value in stats.items():
        parts = key.split("/")
        if (
            len(parts) == 3
            and parts[0] == "wordpress"
            and parts[2] == "collected"
            and "-" not in parts[1]
            and isinstance(value, int)
        ):
            counts[parts[1]] = value
    return dict(sorted(counts.items()))


CHANGES = ("added", "updated", "deleted")


def change_counts(stats: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Incremental runs: records exported per collection and change, from the
    ``wordpress/<collection>/<change>`` stats (empty for a full crawl).

    >>> change_counts({"wordpress/posts/added": 3, "wordpress/posts/unchanged": 9, "x/y/added": 1})
    {'posts': {'added': 3}}
    """
    counts: dict[str, dict[str, int]] = {}
    for key, value in stats.items():
        parts = key.split("/")
        if (
            len(parts) == 3
            and parts[0] == "wordpress"
            and parts[2] in CHANGES
            and "-" not in parts[1]
            and isinstance(value, int)
        ):
            counts.setdefault(parts[1], {})[parts[2]] = value
    return dict(sorted(counts.items()))


def crawl_result(stats: dict[str, Any], site: str, run: str | None) -> dict[str, Any]:
    """The result of a crawl from its stats (what the result file holds).

    >>> r = crawl_result({"finish_reason": "finished", "wordpress/posts/collected": 2}, "s", "r")
    >>> r["failed"], r["failure"], r["counts"], r["busy"]
    (False, None, {'posts': 2}, False)
    """
    failed = is_failed(stats)
    committed = stats.get("wordpress/state_committed")
    return {
        "site": site,
        "run": run,
        "finish_reason": stats.get("finish_reason"),
        "failed": failed,
        "failure": failure_line(stats) if failed else None,
        "counts": collected_counts(stats),
        "changes": change_counts(stats),
        "state_committed": committed if isinstance(committed, bool) else None,
        "busy": is_busy(stats),
    }


def write_json_atomically(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` to ``path`` so a reader never sees half a file."""
    write_atomically(path, json.dumps(data, ensure_ascii=False).encode("utf-8"))


class ResultFile:
    """Write the crawl's result to ``WORDPRESS_RESULT_FILE`` when the engine stops."""

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("WORDPRESS_RESULT_FILE")
        if not path:
            raise NotConfigured
        extension = cls(crawler, Path(path))
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_stopped(self) -> None:
        try:
            stats = self.crawler.stats.get_stats()
        except RuntimeError:  # the crawl never started
            stats = {}
        spider = self.crawler.spider
        site = str(getattr(spider, "url", "") or "")
        run = getattr(spider, "run_id", None)
        result = crawl_result(stats, site, run if isinstance(run, str) else None)
        try:
            write_json_atomically(self.path, result)
        except OSError as exc:
            logger.error("Cannot write the result file: %s", exc.strerror)
