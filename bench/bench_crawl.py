"""Crawl benchmark: a site of N posts on 127.0.0.1, crawled by ``scrapy crawl``.

    python bench/bench_crawl.py                         # the demo server, N = 1,000 and 10,000
    python bench/bench_crawl.py --posts 5000
    python bench/bench_crawl.py --wordpress --posts 1000  # the real WordPress of the test suite
    python bench/bench_crawl.py --bound                   # also the server bound, and ours / bound
    python bench/bench_crawl.py --types posts --posts 20 --extra-media 20000  # some types only
    python -m wpsite start --posts 10000                  # a real WordPress left running, then:
    python bench/bench_crawl.py --url URL --rest-root ROOT --posts 10000 --bound
    python bench/bench_crawl.py --setting WORDPRESS_CONTENT_MARKDOWN=False   # any -s setting

The site is served by the demo server in its own process, so the figures are the crawler's own:
posts/s (wall clock), requests per post, CPU seconds per 1,000 posts (the crawl process and
its cleaning worker processes, which it reaps), peak memory (the crawl process's own peak RSS;
the largest worker's peak RSS; and the peak of the sum over the crawl's process tree, sampled
every 0.1 s), and the share of that CPU time spent cleaning HTML. With ``--bound``, the
same server is then asked for exactly the minimal pages (every collection the crawl listed, 100
records a page) by a tiny fetcher with the crawl's concurrency: the time the server alone needs,
and the crawl's time divided by it. The crawl runs with the project's default, polite settings. Peak memory
should not grow with N beyond the records in flight, because items stream to the feeds.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the demo server did not start on port {port}")


ENV = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
BOUND = False
"""Whether to time the server bound after each crawl (``--bound``)."""
TYPES: str | None = None
"""``-a types=`` of the crawl (``--types``): all public post types if ``None``."""
EXTRA_MEDIA = 0
"""Images no post links to, added to the generated site (``--extra-media``)."""
SETTINGS: list[str] = []
"""``-s NAME=VALUE`` of the crawl (``--setting``)."""
PROJECT = PROJECT_DIR
"""The checkout whose crawler runs (``--project``: compare another version on the same site)."""


def server_bound(api_root: str, totals: dict[str, int], concurrency: int = 4) -> dict[str, float]:
    """Fetch exactly the minimal pages of every collection (``per_page=100``) with
    ``concurrency`` workers, as fast as the server answers: the bound a crawl cannot beat."""
    urls = [
        f"{api_root}wp/v2/{name}?per_page=100&page={page}&orderby=id&order=asc"
        for name, total in totals.items()
        for page in range(1, max(1, math.ceil(total / 100)) + 1)
    ]

    def fetch(url: str) -> int:
        with urllib.request.urlopen(url, timeout=60) as answer:  # noqa: S310 - 127.0.0.1 only
            return len(answer.read())

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        size = sum(pool.map(fetch, urls))
    return {"bound_seconds": time.monotonic() - started, "bound_requests": len(urls),
            "bound_bytes": size}  # fmt: skip


def collection_totals(stats_file: Path) -> dict[str, int]:
    """``X-WP-Total`` of every collection a crawl listed, from its stats."""
    stats = json.loads(stats_file.read_text())
    return {
        key.split("/")[1]: int(value)
        for key, value in stats.items()
        if key.startswith("wordpress/") and key.endswith("/total") and "-" not in key.split("/")[1]
    }


def bench_demo_server(posts: int, workdir: Path, spelling: str) -> dict[str, float]:
    """Serve a generated site with the demo server (its own process) and crawl it."""
    site = workdir / f"site-{posts}-{EXTRA_MEDIA}"
    if not site.exists():
        subprocess.run(
            [sys.executable, "-m", "demo.generate", "--posts", str(posts), "--out", str(site),
             "--extra-media", str(EXTRA_MEDIA)],
            cwd=PROJECT_DIR, env=ENV, check=True, capture_output=True,
        )  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "demo.fake_wordpress", "--site", str(site), "--port", str(port),
         "--spelling", spelling],
        cwd=PROJECT_DIR, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(port)
        result = crawl(f"http://127.0.0.1:{port}/", posts, workdir)
        if BOUND:
            root = {"pathinfo": "index.php/wp-json/", "pretty": "wp-json/"}.get(spelling)
            if root is None:
                raise SystemExit("--bound needs --spelling pathinfo or pretty")
            totals = collection_totals(workdir / f"stats-{posts}.json")
            result |= server_bound(f"http://127.0.0.1:{port}/{root}", totals)
        return result
    finally:
        server.terminate()
        server.wait(timeout=10)


def bench_wordpress(posts: int, workdir: Path, spelling: str) -> dict[str, float]:
    """Seed and start the real WordPress of the test suite, then crawl it."""
    sys.path.insert(0, str(PROJECT_DIR))
    from wpsite.site import WordPressSite

    with WordPressSite(posts=posts) as site:
        print(f"WordPress seeded with {posts} posts: {site.timings}", flush=True)
        return crawl(site.url(spelling), posts, workdir)


def bench_running_site(
    url: str, rest_root: str | None, posts: int, workdir: Path
) -> dict[str, float]:
    """Crawl a site that is already running (``--url``), and time its bound (``--bound``)."""
    result = crawl(url, posts, workdir)
    if BOUND:
        if not rest_root:
            raise SystemExit("--bound with --url needs --rest-root")
        totals = collection_totals(workdir / f"stats-{posts}.json")
        result |= server_bound(rest_root, totals)
    return result


def _kib(status: str, field: str) -> int:
    """A ``/proc/PID/status`` field in KiB (0 if absent)."""
    for line in status.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class TreeMemory(threading.Thread):
    """Samples the memory of a process and its descendants (the cleaning workers) until it
    ends: its own peak RSS (``VmHWM``), the largest descendant's, and the peak of the sum."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.main_kib = self.worker_kib = self.tree_kib = 0
        self.done = threading.Event()

    def tree(self) -> list[int]:
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
        found, frontier = [self.pid], [self.pid]
        while frontier:
            frontier = [pid for pid, ppid in parents.items() if ppid in frontier]
            found += frontier
        return found

    def run(self) -> None:
        while not self.done.wait(self.interval):
            total = 0
            for pid in self.tree():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                if "resource_tracker" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace"):
                    continue  # Python's shared multiprocessing helper, a few MiB
                total += _kib(status, "VmRSS")
                peak = _kib(status, "VmHWM")
                if pid == self.pid:
                    self.main_kib = max(self.main_kib, peak)
                else:
                    self.worker_kib = max(self.worker_kib, peak)
            self.tree_kib = max(self.tree_kib, total)


def crawl(url: str, posts: int, workdir: Path) -> dict[str, float]:
    """Run ``scrapy crawl`` on ``url``; the figures of that one process."""
    stats_file = workdir / f"stats-{posts}.json"
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", "wordpress",
         "-a", f"url={url}",
         *(["-a", f"types={TYPES}"] if TYPES else []),
         "-s", f"WORDPRESS_OUTPUT_DIR={workdir / 'output'}",
         "-s", f"WORDPRESS_STATS_FILE={stats_file}",
         "-s", "LOG_LEVEL=WARNING",
         *[arg for setting in SETTINGS for arg in ("-s", setting)]],
        cwd=PROJECT, env={**ENV, "PYTHONPATH": str(PROJECT)},
    )  # fmt: skip
    memory = TreeMemory(process.pid)
    memory.start()
    # wait4 gives the CPU time of this process and of the workers it reaped, not the server's.
    _, status, usage = os.wait4(process.pid, 0)
    memory.done.set()
    memory.join()
    returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    if returncode != 0:
        raise RuntimeError(f"the crawl exited with {returncode}")
    stats = json.loads(stats_file.read_text())
    collected = stats.get("wordpress/posts/collected", 0)
    if collected != posts:
        raise RuntimeError(f"collected {collected} of {posts} posts")
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "posts": posts,
        "seconds": wall,
        "posts_per_s": posts / wall,
        "requests": stats["downloader/request_count"],
        "requests_per_post": stats["downloader/request_count"] / posts,
        "cpu_s_per_1000_posts": cpu / posts * 1000,
        # wait4's is the largest of the process and its workers: the process's own high-water
        # mark, sampled, when it had workers (VmHWM only grows, so the last sample is close).
        "peak_rss_mib": (memory.main_kib if memory.worker_kib else usage.ru_maxrss) / 1024,
        "worker_peak_rss_mib": memory.worker_kib / 1024,
        "tree_peak_rss_mib": memory.tree_kib / 1024,
        "cleaning_share": stats.get("wordpress/cleaning_cpu_seconds", 0.0) / cpu if cpu else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, action="append", help="site size (repeatable)")
    parser.add_argument("--spelling", default="pathinfo", choices=["pathinfo", "plain", "pretty"])
    parser.add_argument("--wordpress", action="store_true", help="crawl the real test WordPress")
    parser.add_argument("--bound", action="store_true", help="also time the server bound")
    parser.add_argument("--types", help="crawl only these post types (-a types=...)")
    parser.add_argument("--extra-media", type=int, default=0, help="images no post links to")
    parser.add_argument("--url", help="crawl this running site (e.g. python -m wpsite start)")
    parser.add_argument("--rest-root", help="with --url and --bound: the site's REST root")
    parser.add_argument("--setting", action="append", default=[], help="-s NAME=VALUE")
    parser.add_argument("--project", type=Path, default=PROJECT_DIR, help="checkout to run")
    args = parser.parse_args()
    global BOUND, TYPES, EXTRA_MEDIA, SETTINGS, PROJECT
    BOUND, TYPES, EXTRA_MEDIA = args.bound, args.types, args.extra_media
    SETTINGS, PROJECT = args.setting, args.project.resolve()
    sizes = args.posts or ([1000] if args.wordpress else [1000, 10000])
    with tempfile.TemporaryDirectory(prefix="wp-bench-") as tmp:
        print(f"{'posts':>7} {'seconds':>8} {'posts/s':>8} {'requests':>8} {'req/post':>9} "
              f"{'CPU s/1k':>9} {'peak MiB':>9} {'worker':>7} {'tree':>6} {'cleaning':>9}")  # fmt: skip
        for posts in sorted(sizes):
            if args.url:
                r = bench_running_site(args.url, args.rest_root, posts, Path(tmp))
            else:
                run = bench_wordpress if args.wordpress else bench_demo_server
                r = run(posts, Path(tmp), args.spelling)
            print(f"{r['posts']:>7} {r['seconds']:>8.1f} {r['posts_per_s']:>8.0f} {r['requests']:>8} "
                  f"{r['requests_per_post']:>9.3f} {r['cpu_s_per_1000_posts']:>9.2f} "
                  f"{r['peak_rss_mib']:>9.0f} {r['worker_peak_rss_mib']:>7.0f} "
                  f"{r['tree_peak_rss_mib']:>6.0f} {r['cleaning_share']:>9.0%}")  # fmt: skip
            if "bound_seconds" in r:
                print(f"        server bound: {r['bound_requests']} pages in "
                      f"{r['bound_seconds']:.1f} s; ours / bound = "
                      f"{r['seconds'] / r['bound_seconds']:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
