"""Run the ``wordpress`` spider as ``scrapy crawl`` does, and read what it left behind.

Two ways, one result (:class:`CrawlResult`):

- :func:`crawl`: in this process, with Scrapy's own crawler runner on the session's reactor
  (:mod:`tests.reactor_thread`). The settings are built as the command builds them (the
  project's settings, then ``-s`` values at command-line priority), the spider gets its
  ``-a`` arguments, and the exit code is derived the way ``crawler.commands.crawl`` derives
  it. Most end-to-end tests use this: no interpreter start-up, no import of Scrapy, per crawl.
- :func:`crawl_cli`: the real ``scrapy crawl`` in a subprocess, for what only the command
  shows (exit codes, ``-o``/``-O``, ``-a`` parsing, ``JOBDIR`` with a killed process).

Either way the feeds and the stats file are written under ``tmp_path`` and read back from disk.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema
from scrapy.crawler import AsyncCrawlerRunner
from scrapy.settings import Settings
from scrapy.utils.log import TopLevelFormatter

from crawler.commands.crawl import crawl_failed
from crawler.extensions.outcome import crawl_failure
from crawler.schema import SCHEMA_DIR
from tests import reactor_thread

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

PROJECT_DIR = Path(__file__).resolve().parent.parent
SETTINGS_MODULE = "crawler.settings"
SPIDER = "wordpress"


@dataclass
class CrawlResult:
    """What one crawl left behind."""

    returncode: int
    log: str
    stats: dict[str, Any]
    output_dir: Path

    def feed(self, name: str, *, missing_ok: bool = False) -> list[dict[str, Any]]:
        """The records of ``<name>.jsonl`` (in the host's folder, or the run's folder in it)."""
        paths = list(self.output_dir.glob(f"*/{name}.jsonl")) + list(
            self.output_dir.glob(f"*/*/{name}.jsonl")
        )
        if missing_ok and not paths:
            return []
        assert len(paths) == 1, f"expected one {name}.jsonl, found {paths}"
        return [json.loads(line) for line in paths[0].read_text(encoding="utf-8").splitlines()]

    @property
    def errors(self) -> list[str]:
        """The ERROR lines of the log."""
        return [line for line in self.log.splitlines() if "] ERROR:" in line or " ERROR: " in line]

    def assert_failed_in_one_line(self, expected: str) -> None:
        """The crawl failed (exit 1, the stats say so) with one ERROR line holding
        ``expected``, and no traceback."""
        assert self.returncode == 1, self.log[-3000:]
        assert "Traceback" not in self.log, self.log[-3000:]
        assert len(self.errors) == 1, self.errors
        assert expected in self.errors[0], self.errors
        assert crawl_failure(self.stats), self.stats


def command_settings(tmp_path: Path, settings: dict[str, Any] | None) -> dict[str, str]:
    """The ``-s NAME=VALUE`` pairs of a test crawl: feeds, state and stats under ``tmp_path``.

    Values are given as a user types them after ``-s``: strings (dicts and lists as JSON).
    """
    values = {
        "WORDPRESS_OUTPUT_DIR": tmp_path / "output",
        # Beside the run's folder, so runs in sibling folders (run1, run2) share a state.
        "STATE_DIR": tmp_path.parent / "state",
        "WORDPRESS_STATS_FILE": tmp_path / "stats.json",
        "LOG_LEVEL": "INFO",
        # AutoThrottle stays on, as for users, but starts from no delay: its default first
        # delay (0.5 s, halved on each answer) is politeness toward a remote site, and cost
        # every test crawl of a server on 127.0.0.1 about a second of waiting.
        "AUTOTHROTTLE_START_DELAY": 0,
        **(settings or {}),
    }
    return {
        key: json.dumps(value) if isinstance(value, dict | list) else str(value)
        for key, value in values.items()
    }


def schema_validator(name: str) -> Validator:
    """A validator of the committed JSON Schema ``name`` (``posts``, ``custom-types``...).

    The schema is checked once here; ``jsonschema.validate(record, schema)`` checks it again on
    every call, which made validating a crawl's feeds take half a minute.
    """
    schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=jsonschema.FormatChecker())


def read_stats(tmp_path: Path) -> dict[str, Any]:
    """The crawl's final stats, as ``FileStatsCollector`` wrote them (``{}`` if it did not)."""
    stats_file = tmp_path / "stats.json"
    return json.loads(stats_file.read_text(encoding="utf-8")) if stats_file.exists() else {}


# In this process ------------------------------------------------------------------------------


class _LogCapture(logging.StreamHandler):
    """The root handler ``scrapy crawl`` installs (format, level, short names), writing to a
    string instead of stderr."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(io.StringIO())
        self.setLevel(settings.get("LOG_LEVEL"))
        self.setFormatter(
            logging.Formatter(
                fmt=settings.get("LOG_FORMAT"), datefmt=settings.get("LOG_DATEFORMAT")
            )
        )
        if settings.getbool("LOG_SHORT_NAMES"):
            self.addFilter(TopLevelFormatter(["scrapy"]))
        # The fake site serves from this process too; its log is not the crawl's.
        self.addFilter(lambda record: not record.name.startswith("demo."))

    @property
    def text(self) -> str:
        return self.stream.getvalue()


_twisted_log_routed = False


def _route_twisted_log() -> None:
    """Send Twisted's log (unhandled errors in Deferreds) to Python's logging at ERROR, as the
    command's ``configure_logging`` does, so a traceback there shows in the captured log too."""
    global _twisted_log_routed
    if not _twisted_log_routed:
        from twisted.python import log as twisted_log

        twisted_log.PythonLoggingObserver("twisted").start()
        logging.getLogger("twisted").setLevel(logging.ERROR)
        _twisted_log_routed = True


def project_settings(values: dict[str, str]) -> Settings:
    """The project's settings with ``values`` at command-line priority, as ``scrapy crawl -s``."""
    settings = Settings()
    settings.setmodule(SETTINGS_MODULE, priority="project")
    settings.setdict(values, priority="cmdline")
    return settings


def crawl(
    url: str | None,
    tmp_path: Path,
    *,
    settings: dict[str, Any] | None = None,
    timeout: float = 300,
    **arguments: str,
) -> CrawlResult:
    """``scrapy crawl wordpress -a url=URL [-a NAME=VALUE ...] -s ...``, in this process.

    ``arguments`` are the other ``-a`` arguments (``types="pages"``, ``incremental="true"``).
    """
    spider_args = ({"url": url} if url is not None else {}) | arguments
    # Clean in this process unless a test asks for the pool (tests/test_cleaning_pool.py): most
    # crawls are of a few dozen records, for which starting worker processes costs more.
    settings = {"WORDPRESS_CLEANING_PROCESSES": 1} | (settings or {})
    crawl_settings = project_settings(command_settings(tmp_path, settings))
    capture = _LogCapture(crawl_settings)
    _route_twisted_log()
    root = logging.getLogger()
    level = root.level
    # The command lets every record reach its handler, which drops those under LOG_LEVEL; here
    # they are not even made (pytest's own log capture would keep them all).
    root.setLevel(capture.level)
    root.addHandler(capture)
    runner: AsyncCrawlerRunner | None = None
    crawler = None
    bootstrap_failed = False
    try:
        reactor_thread.start()
        runner = AsyncCrawlerRunner(crawl_settings)
        crawler = runner.create_crawler(SPIDER)

        async def run() -> None:
            assert runner is not None
            await runner.crawl(crawler, **spider_args)

        try:
            reactor_thread.run(run(), timeout)
        except TimeoutError:
            reactor_thread.run(crawler.stop_async(), 60)  # leave no crawl running
            raise
        except Exception:  # noqa: BLE001 - whatever escapes, the command would print it and exit 1
            capture.stream.write(traceback.format_exc())
            bootstrap_failed = True
    finally:
        root.removeHandler(capture)
        root.setLevel(level)
    failed = bootstrap_failed or runner.bootstrap_failed or crawl_failed(crawler)
    return CrawlResult(int(failed), capture.text, read_stats(tmp_path), tmp_path / "output")


# In a subprocess ------------------------------------------------------------------------------


def cli_env() -> dict[str, str]:
    """The environment of a ``scrapy`` subprocess: this checkout first on the path."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    return env


def crawl_cli(
    url: str | None,
    tmp_path: Path,
    *extra: str,
    settings: dict[str, Any] | None = None,
    timeout: float = 300,
) -> CrawlResult:
    """The real ``scrapy crawl wordpress -a url=URL -s ... EXTRA`` in a subprocess."""
    command = [sys.executable, "-m", "scrapy", "crawl", SPIDER]
    if url is not None:
        command += ["-a", f"url={url}"]
    for key, value in command_settings(tmp_path, settings).items():
        command += ["-s", f"{key}={value}"]
    command += list(extra)
    process = subprocess.run(
        command,
        cwd=PROJECT_DIR,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return CrawlResult(
        process.returncode,
        process.stderr + process.stdout,
        read_stats(tmp_path),
        tmp_path / "output",
    )
