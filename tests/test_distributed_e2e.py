"""End to end: a real redis-server, 3 real RQ workers, 6 fake sites, one worker SIGKILLed.

Every site is enqueued once (plus a duplicate enqueue of the same run, which queues nothing),
the workers crawl them in child processes, and one worker's whole process tree (worker, work
horse, crawl) is SIGKILLed mid-crawl. RQ's abandoned-job recovery re-runs that site on another
worker. Checked against what each fake site holds and served: every feed complete with no
duplicate, every job finished, no site ever answered more requests at once than one crawl may
send (so the killed crawl died with its worker), no lease left, the killed site re-run in time.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from crawler.distributed.queue import JobOptions, enqueue_sites, job_id
from crawler.feeds import site_slug
from crawler.state.backends import RedisStateBackend
from crawler.state.store import site_key
from demo.fake_wordpress import FakeWordPressServer
from demo.generate import generate_site
from tests.crawl import PROJECT_DIR

if TYPE_CHECKING:
    from collections.abc import Iterator
    from subprocess import Popen

    from rq import Queue

SITES = 6
WORKERS = 3
POSTS = 300
PER_PAGE = 10  # 30 pages of posts a site: crawls long enough to overlap and be killed mid-way
LATENCY = 0.1
PER_SITE_LIMIT = 4  # CONCURRENT_REQUESTS_PER_DOMAIN: one crawl's limit on one site
RERUN_WITHIN = 110.0  # seconds from the SIGKILL to the killed site's first new request
DEADLINE = 170.0

LEASE_TTL = 10  # seconds: a killed crawl's lease frees its site this long after the kill


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc): the work horse, the crawl, its cleaners."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = (entry / "stat").read_text()
            ppid = int(stat.rpartition(")")[2].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(pid: int) -> list[int]:
    """SIGSTOP then SIGKILL ``pid`` and everything below it (stopped first: nothing reacts)."""
    tree = [pid, *descendants(pid)]
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        for member in tree:
            with contextlib.suppress(ProcessLookupError):
                os.kill(member, sig)
    return tree


def kill_a_busy_worker(
    queue: Queue, sites: list[tuple[FakeWordPressServer, set[int]]], workers: list[Popen[bytes]]
) -> tuple[FakeWordPressServer, int, float]:
    """SIGKILL the process tree of the worker of the first site well into its crawl; returns
    that site, how many requests it had served then, and when."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for ident in queue.started_job_registry.get_job_ids():
            job = queue.fetch_job(ident)
            if job is None or not job.worker_name:
                continue
            site = next(server for server, _ in sites if server.home_url == job.meta["site"])
            served = len(site.requests)
            if served >= 8:
                kill_tree(workers[int(job.worker_name[1:])].pid)
                return site, served, time.monotonic()
        time.sleep(0.2)
    raise AssertionError("no crawl got far enough to be killed")


@pytest.fixture
def sites() -> Iterator[list[tuple[FakeWordPressServer, set[int]]]]:
    servers = []
    try:
        for number in range(SITES):
            data = generate_site(POSTS, seed=100 + number)
            server = FakeWordPressServer(data, spelling="pretty").start()
            server.set_faults(latency=LATENCY, max_per_page=PER_PAGE)
            servers.append((server, {post["id"] for post in data.collections["posts"]}))
        yield servers
    finally:
        for server, _ in servers:
            server.stop()


def test_site_jobs_survive_a_killed_worker(redis_url, sites, tmp_path):
    import redis
    from rq import Queue

    connection = redis.Redis.from_url(redis_url)
    out, logs = tmp_path / "out", tmp_path / "logs"
    settings = {"WORDPRESS_OUTPUT_DIR": str(out), "WORDPRESS_JOB_LOG_DIR": str(logs),
                "WORDPRESS_CLEANING_PROCESSES": "1"}  # fmt: skip
    # Incremental runs with their state and leases in the same Redis as the queue.
    settings |= {"STATE_URI": redis_url, "STATE_BLOB_URI": str(tmp_path / "state"),
                 "STATE_LEASE_TTL": str(LEASE_TTL)}  # fmt: skip
    spider_args = {"incremental": "true"}
    urls = [server.home_url for server, _ in sites]
    options = JobOptions(spider_args, settings, retries=3, retry_interval=5, timeout=300)
    queued = enqueue_sites(connection, urls, "e2e", options)
    duplicate = enqueue_sites(connection, urls[:1], "e2e", options)
    # A second run of site 0 while the first may be running: the lease makes it wait (busy,
    # retried) so the two never crawl the site at once; each run commits once.
    patient = JobOptions(spider_args, settings, retries=30, retry_interval=5, timeout=300)
    second = enqueue_sites(connection, urls[:1], "e2e-2", patient)
    assert [e.status for e in queued] == ["queued"] * SITES
    assert duplicate[0].status == "already queued"
    assert second[0].status == "queued"

    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    workers: list[subprocess.Popen[bytes]] = []
    started = time.monotonic()
    try:
        for number in range(WORKERS):
            log = (tmp_path / f"worker{number}.log").open("wb")
            workers.append(subprocess.Popen(
                [str(Path(sys.executable).parent / "rq"), "worker", "wordpress", "--url", redis_url,
                 "--name", f"w{number}", "-w", "crawler.distributed.worker.SiteWorker",
                 "--with-scheduler"],
                cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT))  # fmt: skip
            log.close()
        queue = Queue("wordpress", connection=connection)

        victim, served_before, killed_at = kill_a_busy_worker(queue, sites, workers)
        finished = set()
        expected = {job_id(url, "e2e") for url in urls} | {job_id(urls[0], "e2e-2")}
        rerun_after = None
        while time.monotonic() - started < DEADLINE:
            if rerun_after is None and len(victim.requests) > served_before + 2:
                rerun_after = time.monotonic() - killed_at
            finished = set(queue.finished_job_registry.get_job_ids())
            if expected <= finished:
                break
            time.sleep(0.5)
        wall = time.monotonic() - started
    finally:
        for worker in workers:
            kill_tree(worker.pid)
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.wait(timeout=10)

    failed = {
        ident: (queue.fetch_job(ident).exc_info or "")[-500:]  # type: ignore[union-attr]
        for ident in queue.failed_job_registry.get_job_ids()
    }
    assert failed == {}
    assert expected <= finished, f"after {wall:.0f} s, not finished: {expected - finished}"
    print(f"\nall {SITES} sites in {wall:.0f} s; killed site re-run {rerun_after or 0:.0f} s "
          "after the SIGKILL")  # fmt: skip
    assert rerun_after is not None
    assert rerun_after < RERUN_WITHIN

    peaks = [server.peak_in_flight for server, _ in sites]
    print(f"per-site peak requests in flight: {peaks}")
    assert max(peaks) >= 2  # the counter sees concurrency: the bound below means something
    for server, ids in sites:
        # One feed per site (in its run folder when the runs are incremental).
        (feed,) = (out / site_slug(server.home_url)).glob("**/posts.jsonl")
        lines = feed.read_text().splitlines()
        got = [json.loads(line)["id"] for line in lines]
        assert len(got) == len(set(got)), f"duplicates in {feed}"
        assert set(got) == ids, f"{feed}: {len(ids - set(got))} posts missing"
        # Server side: never more requests at once than one crawl sends (no orphan crawl
        # of the killed worker ran alongside its re-run, no two crawls of one site).
        assert server.peak_in_flight <= PER_SITE_LIMIT, server.home_url
    assert connection.keys("wp:lease:*") == []
    # The state: committed exactly once per run (site 0 had two runs), never by the killed one.
    states = RedisStateBackend(redis_url, {"STATE_BLOB_URI": str(tmp_path / "state")})
    for number, url in enumerate(urls):
        summary = states.summary(site_key(url))
        assert summary is not None, url
        runs = ["e2e", "e2e-2"] if number == 0 else ["e2e"]
        assert sorted(summary["recent_runs"]) == runs, url
        assert summary["runs"] == len(runs), url
        assert summary["counts"]["posts"] == POSTS, url
        # The first run to commit collected every post; a later run of the site, none new.
        first, *later = summary["recent_runs"]
        result = queue.fetch_job(job_id(url, first)).return_value()  # type: ignore[union-attr]
        assert result["changes"]["posts"] == {"added": POSTS}, url
        for run in later:
            result = queue.fetch_job(job_id(url, run)).return_value()  # type: ignore[union-attr]
            assert "posts" not in result["changes"], (url, result)
    states.close()
    # The killed crawl left no remote-control job file and no orphan process.
    assert all(worker.poll() is not None for worker in workers)
    connection.close()
