"""Cleaning in worker processes: the same feeds as in-process, no worker outliving the crawl,
and a worker that raises or dies failing the crawl in one line.

The other end-to-end tests clean in-process (``tests/crawl.py`` sets
``WORDPRESS_CLEANING_PROCESSES=1``); these crawl the demo site with a pool of 2 processes (or
the default, auto) and compare the feeds with what the site serves, cleaned here by the pure
function, and with the in-process crawl.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from crawler.cleaning import CleanOptions, clean_content, clean_excerpt
from crawler.cleaning.batch import Cleaned, Job, clean_batch
from crawler.pipelines.clean import CleanContentPipeline
from crawler.speedups import choose_cleaner
from demo.fake_wordpress import FakeWordPressServer
from demo.faults import Faults
from demo.site import load_site
from tests.crawl import PROJECT_DIR, CrawlResult, cli_env, command_settings, crawl, crawl_cli

SITE_DIR = Path(__file__).resolve().parent.parent / "demo" / "site"
TIMEOUT = 180
POOL = {"WORDPRESS_CLEANING_PROCESSES": 2}
CLEANED_FEEDS = {"posts": "posts", "pages": "pages", "events": "events", "comments": "comments"}
"""Feed -> the site's collection, for the records that are cleaned."""


def by_id(records: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {record["id"]: record for record in records}


def children() -> dict[int, str]:
    """This process's ``multiprocessing`` worker processes (zombies too): pid -> command line.
    Python's resource tracker is left out: it is one per interpreter, shared by every pool, and
    ends with the interpreter. So are other children, such as the test WordPress's programs,
    which a session fixture may be starting meanwhile."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        if (
            ppid == os.getpid()
            and "multiprocessing" in command
            and "resource_tracker" not in command
        ):
            found[int(entry.name)] = command
    return found


def assert_cleaned_as_the_site_says(result: CrawlResult, origin: str) -> None:
    """Every cleaned record of the site is in its feed once, cleaned from what the site
    served (cleaned here, in this process, by the pure functions)."""
    site = load_site(SITE_DIR, origin, "pathinfo")
    options = CleanOptions()
    for feed, collection in CLEANED_FEEDS.items():
        served = [r for r in site.collections[collection] if r.get("status", "publish") in
                  ("publish", "approved")]  # fmt: skip
        records = result.feed(feed)
        assert len(records) == len({r["id"] for r in records}), f"duplicates in {feed}"
        got = by_id(records)
        assert set(got) == {r["id"] for r in served}, feed
        for record in served:
            cleaned = clean_content(record["content"]["rendered"], record.get("link"), options)
            mine = got[record["id"]]
            assert mine["content_html"] == cleaned.html, (feed, record["id"])
            assert mine["content_text"] == cleaned.text, (feed, record["id"])
            if "content_markdown" in mine:
                assert mine["content_markdown"] == cleaned.markdown, (feed, record["id"])
                assert mine["word_count"] == cleaned.word_count
                assert mine["links"] == cleaned.links
            if "excerpt" in record and "excerpt" in mine:
                assert mine["excerpt"] == clean_excerpt(record["excerpt"]["rendered"])


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    """Two crawls of one demo site: with 2 cleaning processes, and in-process; the site's
    origin and this process's children before and after the first."""
    with FakeWordPressServer(SITE_DIR, spelling="pathinfo") as wp:
        before = children()
        pooled = crawl(wp.home_url, tmp_path_factory.mktemp("pooled"), settings=POOL,
                       timeout=TIMEOUT)  # fmt: skip
        after = children()  # right away: the crawl itself reaps its workers
        alone = crawl(wp.home_url, tmp_path_factory.mktemp("alone"), timeout=TIMEOUT)
        yield pooled, alone, wp.origin, (before, after)


def test_a_pool_cleans_every_record_as_the_site_served_it(crawls):
    result, _, origin, _ = crawls
    assert result.returncode == 0, result.log[-3000:]
    assert not result.errors
    assert result.stats["wordpress/cleaning_processes"] == 2
    assert_cleaned_as_the_site_says(result, origin)
    cleaned = sum(len(result.feed(feed)) for feed in CLEANED_FEEDS)
    assert result.stats["wordpress/cleaned"] == cleaned
    assert result.stats["wordpress/cleaning_cpu_seconds"] > 0  # measured in the workers


def test_a_pool_exports_the_same_records_as_in_process(crawls):
    result, alone, _, _ = crawls
    assert alone.stats["wordpress/cleaning_processes"] == 1  # the tests' default
    for feed in [*CLEANED_FEEDS, "media", "users", "terms"]:
        pool_records, alone_records = result.feed(feed), alone.feed(feed)
        assert sorted(pool_records, key=lambda r: (r["type"], r["id"])) == sorted(
            alone_records, key=lambda r: (r["type"], r["id"])
        ), feed


def test_no_worker_process_outlives_the_crawl(crawls):
    _, _, _, (before, after) = crawls
    assert after == before


def test_a_record_whose_cleaning_raises_in_a_worker_fails_alone(tmp_path):
    with FakeWordPressServer(SITE_DIR, spelling="pathinfo") as wp:
        before = children()
        result = crawl(wp.home_url, tmp_path, settings=pipeline(RaisingPipeline), timeout=TIMEOUT)
        assert children() == before
    # AttributeError from the Python cleaner, TypeError from the compiled one.
    result.assert_failed_in_one_line("(CleaningFailed: ")
    assert result.stats["wordpress/posts/collected"] == 160
    assert len(result.feed("posts")) == 159  # only the one record is lost


def test_a_worker_that_dies_fails_the_crawl_in_one_line(tmp_path):
    with FakeWordPressServer(SITE_DIR, spelling="pathinfo") as wp:
        before = children()
        result = crawl(wp.home_url, tmp_path, settings=pipeline(DyingPipeline),
                       incremental="true", timeout=TIMEOUT)  # fmt: skip
        assert children() == before  # the pool's other workers are reaped too
    result.assert_failed_in_one_line("a cleaning worker process died")
    assert result.stats.get("wordpress/state_committed") is False


def test_the_command_cleans_in_a_pool_by_default(tmp_path):
    with FakeWordPressServer(SITE_DIR, spelling="pathinfo") as wp:
        result = crawl_cli(wp.home_url, tmp_path, timeout=TIMEOUT)
        assert result.returncode == 0, result.log[-3000:]
        assert result.stats["wordpress/cleaning_processes"] == len(os.sched_getaffinity(0))
        assert_cleaned_as_the_site_says(result, wp.origin)


def process_state(pid: int) -> str | None:
    """The state letter of a process (``Z``: ended, not reaped yet), ``None`` if it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return None


def cleaning_workers(pid: int) -> list[int]:
    """The worker processes ``multiprocessing`` spawned for the process ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rpartition(")")[2].split()[1]) == pid and b"spawn_main" in command:
            found.append(int(entry.name))
    return found


def test_the_workers_end_with_a_crawl_killed_outright(tmp_path):
    """SIGKILL leaves the crawl no chance to shut its pool down: the workers end anyway."""
    faults = Faults(max_per_page=10, latency=0.2)  # a crawl long enough to be killed mid-way
    with FakeWordPressServer(SITE_DIR, spelling="pathinfo", faults=faults) as wp:
        command = [sys.executable, "-m", "scrapy", "crawl", "wordpress", "-a", f"url={wp.home_url}"]
        for key, value in command_settings(tmp_path, None).items():
            command += ["-s", f"{key}={value}"]
        quiet = subprocess.DEVNULL
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=cli_env(), stdout=quiet, stderr=quiet
        )
        try:
            deadline = time.monotonic() + 60
            while len(workers := cleaning_workers(process.pid)) < 2:
                assert time.monotonic() < deadline, "no cleaning workers started"
                assert process.poll() is None, "the crawl ended before it was killed"
                time.sleep(0.05)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            deadline = time.monotonic() + 10
            while any(process_state(pid) not in (None, "Z") for pid in workers):
                assert time.monotonic() < deadline, [process_state(pid) for pid in workers]
                time.sleep(0.05)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def test_a_batch_keeps_its_order_and_fails_only_the_record_that_raised():
    jobs = [Job(f"<p>record {n}</p>", None, True, None) for n in range(5)]
    jobs[2] = Job(12345, None, True, None)  # type: ignore[arg-type]  # not a string: raises
    results, seconds = clean_batch(jobs, CleanOptions())
    assert [r.text for r in results] == ["record 0", "record 1", "", "record 3", "record 4"]
    assert results[2].error is not None
    assert results[2].error.startswith("AttributeError")
    assert seconds >= 0


# Injected failures -----------------------------------------------------------------------------


def pipeline(cls: type) -> dict[str, Any]:
    """Settings that clean with ``cls`` in 2 worker processes instead of the project's."""
    return POOL | {
        "ITEM_PIPELINES": {
            "crawler.pipelines.resume.ResumePipeline": 100,
            "crawler.pipelines.changes.ChangePipeline": 200,
            f"{__name__}.{cls.__name__}": 300,
        }
    }


POISONED = "/index.php/2019/01/five-things-to-know-about-city-parks/"
"""The link of one post of the demo site."""
crawl_batch = choose_cleaner().batch.clean_batch
"""The batch function a crawl's workers run (the compiled cleaner's, when it is built)."""


def raising_batch(jobs: list[Job], options: CleanOptions) -> tuple[list[Cleaned], float]:
    """The real batch, but one post's HTML is not a string, so cleaning it raises."""
    jobs = [job._replace(html=12345) if (job.base_url or "").endswith(POISONED) else job
            for job in jobs]  # fmt: skip
    return crawl_batch(jobs, options)


def dying_batch(jobs: list[Job], options: CleanOptions) -> tuple[list[Cleaned], float]:
    """A worker that dies as one killed by the system would."""
    os._exit(9)


class RaisingPipeline(CleanContentPipeline):
    worker = staticmethod(raising_batch)
    waiting_batches = 10**6  # every record goes to a worker, none is cleaned in the crawl


class DyingPipeline(CleanContentPipeline):
    worker = staticmethod(dying_batch)
    waiting_batches = 10**6


def slow_batch(jobs: list[Job], options: CleanOptions) -> tuple[list[Cleaned], float]:
    """The real batch, on a worker far slower than the crawl."""
    time.sleep(0.2)
    return crawl_batch(jobs, options)


class SlowPipeline(CleanContentPipeline):
    worker = staticmethod(slow_batch)
    most_waiting = 0
    """The most records seen waiting for a worker, over the crawl."""

    def _submit(self, job: Job) -> Any:
        waiter = super()._submit(job)
        SlowPipeline.most_waiting = max(SlowPipeline.most_waiting, len(self.waiting))
        return waiter


def test_records_waiting_for_slow_workers_stay_bounded(tmp_path):
    """Workers far behind the crawl: records past the bound are cleaned in the crawl process,
    so what waits stays bounded (4 batches of 16 a process), and every record is still cleaned
    as the site served it."""
    SlowPipeline.most_waiting = 0
    with FakeWordPressServer(SITE_DIR, spelling="pathinfo") as wp:
        result = crawl(wp.home_url, tmp_path, settings=pipeline(SlowPipeline), timeout=TIMEOUT)
        assert result.returncode == 0, result.log[-3000:]
        assert 0 < SlowPipeline.most_waiting <= 4 * 16 * 2
        assert result.stats["wordpress/cleaned_in_crawl_process"] > 0
        assert_cleaned_as_the_site_says(result, wp.origin)
