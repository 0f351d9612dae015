"""Request benchmark of the REST-off fallback: the real WordPress with REST blocked, crawled by
``scrapy crawl wordpress -a source=auto``, against a REST crawl of the same site.

    python bench/bench_fallback.py                      # a temporary site of 1,000 posts
    python bench/bench_fallback.py --posts 300
    python bench/bench_fallback.py --dir /tmp/wp-bench  # reuse (or create) a site there
    python bench/bench_fallback.py --block wall --mode plain
    python bench/bench_fallback.py --incremental        # runs with -a incremental=true (edits the site)

Reports, for each crawl: requests (``downloader/request_count``) in total and per published
post, bytes received (``downloader/response_bytes``), wall time and the records of each feed.
The issue's target for the fallback is at most 1.5 requests per post; the REST crawl is there
for comparison (about one request per 100 records). The site runs from ``wpsite`` on
127.0.0.1 (``python -m wpsite start``); with ``--dir`` a running or seeded site of the same
size is reused and left as it was found, otherwise a temporary one is seeded and removed.
Both crawls run with the project's default, polite settings. Exit status 1 when a crawl
fails, with one line saying why and where its log is.

``--incremental`` measures incremental runs without REST instead: a first run (everything), a
run after no change (the conditional request answers 304), and a run after ``--changes`` edits
of old posts, one new post and one deleted post; each with its requests and the records it
exported. It changes the site (a temporary one unless ``--dir`` is given).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from wpsite.install import SiteUnavailable  # noqa: E402 - after the path insert
from wpsite.site import REST_BLOCKS, WordPressSite  # noqa: E402

FEEDS = ("posts", "pages", "events", "terms", "users", "comments", "media")
TARGET = 1.5  # requests per post, from the issue


class CrawlFailed(Exception):
    """A crawl exited non-zero; the message is the one line to print."""


def last_error(log: Path) -> str:
    """The last ERROR line of a crawl's log (its one-line diagnosis), or its last line."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines() if log.exists() else []
    errors = [line for line in lines if " ERROR: " in line or "] ERROR:" in line]
    found = errors[-1] if errors else (lines[-1] if lines else "no output")
    return found[:500]


def run_crawl(
    url: str,
    source: str | None,
    workdir: Path,
    label: str | None = None,
    *,
    incremental: bool = False,
) -> dict[str, Any]:
    """``scrapy crawl wordpress -a url=URL [-a source=SOURCE]`` in a subprocess; its figures.

    The REST crawl passes no source: the default, as users run it. Incremental runs share one
    state folder."""
    label = label or ("fallback" if source else "rest")
    out = workdir / label
    out.mkdir(parents=True, exist_ok=True)
    stats_file, log = out / "stats.json", out / "crawl.log"
    state = workdir / "state" if incremental else out / "state"
    command = [
        sys.executable, "-m", "scrapy", "crawl", "wordpress",
        "-a", f"url={url}", *(["-a", f"source={source}"] if source else []),
        *(["-a", "incremental=true"] if incremental else []),
        "-s", f"WORDPRESS_OUTPUT_DIR={out / 'output'}",
        "-s", f"WORDPRESS_STATS_FILE={stats_file}",
        "-s", f"STATE_DIR={state}",
        "-s", "LOG_LEVEL=INFO",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(PROJECT_DIR)
    started = time.monotonic()
    with log.open("wb") as sink:
        code = subprocess.run(
            command, cwd=PROJECT_DIR, env=env, stdout=sink, stderr=subprocess.STDOUT, check=False
        ).returncode
    seconds = time.monotonic() - started
    if code != 0:
        raise CrawlFailed(
            f"the {source} crawl failed (exit {code}): {last_error(log)} [log: {log}]"
        )
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    records = {
        name: sum(
            len(path.read_text(encoding="utf-8").splitlines())
            for path in (out / "output").rglob(f"{name}.jsonl")
        )
        for name in FEEDS
    }
    sources: dict[str, int] = {}
    for path in (out / "output").rglob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            value = str(json.loads(line).get("source"))
            sources[value] = sources.get(value, 0) + 1
    return {
        "seconds": seconds,
        "requests": int(stats.get("downloader/request_count", 0)),
        "bytes": int(stats.get("downloader/response_bytes", 0)),
        "records": records,
        "sources": sources,
        "fallback_stats": {k: v for k, v in stats.items() if k.startswith("wordpress/fallback/")},
    }


def row(label: str, figures: dict[str, Any], posts: int) -> str:
    records = " ".join(f"{figures['records'][name]:>6}" for name in FEEDS)
    return (
        f"{label:<9} {figures['requests']:>8} {figures['requests'] / posts:>8.3f} "
        f"{figures['bytes'] / 2**20:>9.1f} {figures['seconds']:>7.1f}  {records}"
    )


def bench(site: WordPressSite, mode: str, block: str, workdir: Path) -> int:
    posts = len(site.ground_truth(mode)["posts"])
    url = site.url(mode)
    print(f"{posts} published posts at {url} ({mode} permalinks); REST blocked: {block}")
    header = " ".join(f"{name[:6]:>6}" for name in FEEDS)
    print(f"{'crawl':<9} {'requests':>8} {'req/post':>8} {'MiB recv':>9} {'seconds':>7}  {header}")
    rest = run_crawl(url, None, workdir)
    print(row("rest", rest, posts), flush=True)
    with site.rest_blocked(block):
        fallback = run_crawl(url, "auto", workdir)
    print(row(f"{block}", fallback, posts))
    print(f"record sources of the fallback crawl: {fallback['sources']}")
    if fallback["fallback_stats"]:
        print(f"fallback stats: {fallback['fallback_stats']}")
    per_post = fallback["requests"] / posts
    verdict = "within" if per_post <= TARGET else "OVER"
    print(
        f"fallback: {per_post:.3f} requests per post ({verdict} the target of {TARGET}), "
        f"{fallback['requests'] / max(rest['requests'], 1):.1f}x the requests and "
        f"{fallback['bytes'] / max(rest['bytes'], 1):.1f}x the bytes of REST, "
        f"{fallback['seconds'] / max(rest['seconds'], 0.001):.1f}x its time"
    )
    if "html" not in fallback["sources"]:
        print("no record came from the HTML path: the fallback did not run", file=sys.stderr)
        return 1
    return 0


def edit_site(site: WordPressSite, mode: str, count: int) -> int:
    """Edit ``count`` old posts, add one and delete one; the number of changed posts."""
    posts = site.ground_truth(mode)["posts"]
    old = [p["id"] for p in posts if not p["protected"]][-(count + 1) :]
    edits = "".join(
        f"wp_update_post(['ID' => {post_id}, 'post_content' => '<p>Edited for the benchmark.</p>']);"
        for post_id in old[:count]
    )
    site.php(
        f"""{edits}
        wp_insert_post(['post_title' => 'Benchmark: a new post', 'post_status' => 'publish',
            'post_content' => '<p>New.</p>', 'post_author' => 1]);
        wp_delete_post({old[-1]}, true);""",
        mode,
    )
    return count + 2


def bench_incremental(site: WordPressSite, mode: str, block: str, workdir: Path, count: int) -> int:
    posts = len(site.ground_truth(mode)["posts"])
    url = site.url(mode)
    print(f"{posts} published posts at {url} ({mode} permalinks); REST blocked: {block}")
    header = " ".join(f"{name[:6]:>6}" for name in FEEDS)
    print(f"{'run':<9} {'requests':>8} {'req/post':>8} {'MiB recv':>9} {'seconds':>7}  {header}")
    with site.rest_blocked(block):
        first = run_crawl(url, "auto", workdir, "first", incremental=True)
        print(row("first", first, posts), flush=True)
        quiet = run_crawl(url, "auto", workdir, "nochange", incremental=True)
        print(row("nochange", quiet, posts), flush=True)
        changed = edit_site(site, mode, count)
        after = run_crawl(url, "auto", workdir, "changes", incremental=True)
        print(row("changes", after, posts))
    print(
        f"after no change: {quiet['requests']} requests ({quiet['requests'] / first['requests']:.1%} "
        f"of the first run); after {changed} changed posts: {after['requests']} requests "
        f"({after['requests'] / changed:.1f} per change, {after['requests'] / first['requests']:.1%} "
        "of the first run)"
    )
    requests = {
        k.rsplit("/", 1)[-1]: v
        for k, v in after["fallback_stats"].items()
        if k.startswith("wordpress/fallback/requests/")
    }
    print(f"requests of the run after changes, by kind: {requests}")
    if after["records"]["posts"] < changed:
        print(f"the run after changes exported {after['records']['posts']} posts", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000, help="published posts (default 1000)")
    parser.add_argument("--dir", type=Path, help="site directory to reuse (default: temporary)")
    parser.add_argument("--mode", default="pretty", choices=["plain", "pathinfo", "pretty"])
    parser.add_argument("--block", default="all", choices=[k for k in REST_BLOCKS if k != "429"])
    parser.add_argument(
        "--incremental", action="store_true", help="measure incremental runs (edits the site)"
    )
    parser.add_argument("--changes", type=int, default=10, help="old posts edited (incremental)")
    args = parser.parse_args()
    site = WordPressSite(args.dir, posts=args.posts)
    try:
        site.start()
        print(f"WordPress test site ready: {site.timings}", flush=True)
        workdir = Path(tempfile.mkdtemp(prefix="wp-bench-fallback-"))
        if args.incremental:
            code = bench_incremental(site, args.mode, args.block, workdir, args.changes)
        else:
            code = bench(site, args.mode, args.block, workdir)
        if code == 0:
            shutil.rmtree(workdir)  # kept when something failed, for its logs
        return code
    except SiteUnavailable as exc:
        print(f"cannot start the WordPress test site: {exc}", file=sys.stderr)
        return 1
    except CrawlFailed as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        if not site.adopted:
            site.stop()


if __name__ == "__main__":
    sys.exit(main())
