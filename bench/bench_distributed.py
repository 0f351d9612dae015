"""Site jobs on RQ: sites per minute with 1, 2 and 4 workers, per-job overhead, recovery time.

    python bench/bench_distributed.py                          # 100 sites x 200 posts; 1, 2, 4 workers
    python bench/bench_distributed.py --sites 30 --workers 1,2 # a reduced run
    python bench/bench_distributed.py --skip-recovery

Jobs run as recommended: incremental, state and leases in the queue's Redis (``STATE_URI``),
versions objects in a folder (``STATE_BLOB_URI``); the figures include Redis memory per site.

A private redis-server (Debian's, as the tests start it) and N fake sites (the demo server, one
port each, served from this process) on 127.0.0.1. For each worker count the sites are
enqueued (``crawler.distributed.queue.enqueue_sites``) and that many ``rq worker --burst``
processes (``SiteWorker``) crawl them: sites per minute = sites / wall time until the last
worker exits. Per-job overhead: a 1-post site crawled by ``crawl_site`` (process start,
discovery, feeds, exit), median of 3. Recovery: a slow site's worker is SIGKILLed with its
whole process tree mid-crawl; the time until the site is asked for pages again by another
worker, with SiteWorker's recommended settings.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from crawler.distributed.jobs import crawl_site  # noqa: E402
from crawler.distributed.queue import JobOptions, enqueue_sites  # noqa: E402
from demo.fake_wordpress import FakeWordPressServer  # noqa: E402
from demo.generate import generate_site  # noqa: E402
from testservers.redis import RedisServer  # noqa: E402

RQ = str(Path(sys.executable).parent / "rq")


def tree(pid: int) -> list[int]:
    """``pid`` and every process below it (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [pid], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(pid: int) -> None:
    members = tree(pid)
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        for member in members:
            with contextlib.suppress(ProcessLookupError):
                os.kill(member, sig)


def start_workers(
    count: int, url: str, folder: Path, *, burst: bool
) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    workers = []
    for number in range(count):
        log = (folder / f"worker{number}.log").open("ab")
        command = [RQ, "worker", "wordpress", "--url", url, "--name", f"w{number}",
                   "-w", "crawler.distributed.worker.SiteWorker", "--with-scheduler"]  # fmt: skip
        if burst:
            command.append("--burst")
        workers.append(subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=log,
                                        stderr=subprocess.STDOUT))  # fmt: skip
        log.close()
    return workers


def throughput(redis_url: str, urls: list[str], workers: int, folder: Path) -> dict[str, float]:
    """Crawl every site with ``workers`` burst workers; sites per minute and job seconds."""
    import redis
    from rq import Queue

    connection = redis.Redis.from_url(redis_url)
    connection.flushall()
    # The recommended set-up: incremental runs, their state and leases in the queue's Redis.
    settings = {"WORDPRESS_OUTPUT_DIR": str(folder / f"out{workers}"),
                "WORDPRESS_JOB_LOG_DIR": str(folder / f"logs{workers}"),
                "STATE_URI": redis_url, "STATE_BLOB_URI": str(folder / f"state{workers}")}  # fmt: skip
    options = JobOptions({"incremental": "true"}, settings, retries=0)
    enqueue_sites(connection, urls, f"bench-{workers}", options)
    started = time.monotonic()
    processes = start_workers(workers, redis_url, folder, burst=True)
    try:
        for process in processes:
            process.wait(timeout=3600)
    finally:
        for process in processes:
            if process.poll() is None:
                kill_tree(process.pid)
                process.wait()
    wall = time.monotonic() - started
    queue = Queue("wordpress", connection=connection)
    finished = queue.finished_job_registry.get_job_ids()
    seconds = [queue.fetch_job(ident).return_value()["seconds"] for ident in finished]  # type: ignore[union-attr]
    failed = len(queue.failed_job_registry.get_job_ids())
    state_keys = connection.keys("wp:state:*")
    memory = [connection.memory_usage(key) or 0 for key in state_keys]
    blobs = [path.stat().st_size for path in (folder / f"state{workers}").rglob("*.json.gz")]
    connection.close()
    return {"workers": workers, "wall": wall, "sites_per_minute": len(finished) / wall * 60,
            "finished": len(finished), "failed": failed,
            "job_median_s": statistics.median(seconds) if seconds else 0.0,
            "committed": len(state_keys),
            "redis_bytes_per_site": statistics.mean(memory) if memory else 0.0,
            "blob_bytes_per_site": statistics.mean(blobs) if blobs else 0.0}  # fmt: skip


def overhead(folder: Path) -> float:
    """Median seconds of a site job for a 1-post site: the fixed cost of one job."""
    data = generate_site(1, seed=7)
    times = []
    with FakeWordPressServer(data, spelling="pretty") as wp:
        for attempt in range(3):
            started = time.monotonic()
            crawl_site(wp.home_url, f"overhead-{attempt}", settings={
                "WORDPRESS_OUTPUT_DIR": str(folder / "overhead"),
                "WORDPRESS_JOB_LOG_DIR": str(folder / "overhead-logs")})  # fmt: skip
            times.append(time.monotonic() - started)
    return statistics.median(times)


def recovery(redis_url: str, folder: Path) -> float:
    """Seconds from SIGKILLing a worker mid-crawl to its site being crawled again."""
    import redis
    from rq import Queue

    connection = redis.Redis.from_url(redis_url)
    connection.flushall()
    data = generate_site(200, seed=8)
    with FakeWordPressServer(data, spelling="pretty") as wp:
        wp.set_faults(latency=0.2, max_per_page=10)
        settings = {"WORDPRESS_OUTPUT_DIR": str(folder / "recovery"),
                    "WORDPRESS_JOB_LOG_DIR": str(folder / "recovery-logs")}  # fmt: skip
        enqueue_sites(connection, [wp.home_url], "recovery",
                      JobOptions(settings=settings, retries=3, retry_interval=5))  # fmt: skip
        processes = start_workers(2, redis_url, folder, burst=False)
        queue = Queue("wordpress", connection=connection)
        try:
            while len(wp.requests) < 8:
                time.sleep(0.1)
            (ident,) = queue.started_job_registry.get_job_ids()
            job = queue.fetch_job(ident)
            assert job is not None
            assert job.worker_name is not None
            served = len(wp.requests)
            kill_tree(processes[int(job.worker_name[1:])].pid)
            killed = time.monotonic()
            while len(wp.requests) <= served + 2:
                if time.monotonic() - killed > 900:
                    return float("nan")
                time.sleep(0.2)
            return time.monotonic() - killed
        finally:
            for process in processes:
                kill_tree(process.pid)
                process.wait()
            connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--skip-recovery", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-distributed-"))
    print(f"{args.sites} sites x {args.posts} posts; work files in {folder}", flush=True)
    data = generate_site(args.posts, seed=1)
    servers = [FakeWordPressServer(data, spelling="pretty").start() for _ in range(args.sites)]
    redis_server = RedisServer().start()
    try:
        print(f"per-job overhead (1-post site): {overhead(folder):.2f} s", flush=True)
        urls = [server.home_url for server in servers]
        for workers in (int(n) for n in args.workers.split(",")):
            figures = throughput(redis_server.url, urls, workers, folder)
            print(f"{workers} worker(s): {figures['sites_per_minute']:.1f} sites/min "
                  f"({figures['finished']} finished, {figures['failed']} failed in "
                  f"{figures['wall']:.0f} s; median job {figures['job_median_s']:.2f} s); "
                  f"{figures['committed']} states committed, Redis {figures['redis_bytes_per_site']:.0f} "
                  f"bytes and a versions object of {figures['blob_bytes_per_site']:.0f} bytes a site",
                  flush=True)  # fmt: skip
        if not args.skip_recovery:
            print(f"SIGKILL to re-run: {recovery(redis_server.url, folder):.0f} s", flush=True)
    finally:
        redis_server.stop()
        for server in servers:
            server.stop()


if __name__ == "__main__":
    main()
