"""``make demo``: serve the bundled site on 127.0.0.1, crawl it with ``scrapy crawl``, summarise.

The crawl is the real command a user runs; only the site is local. The summary at the end reads
the crawl's stats file and its feeds, so it shows what a user's own crawl would produce.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

from demo.fake_wordpress import FakeWordPressServer

PROJECT_DIR = Path(__file__).resolve().parent.parent
SITE_DIR = Path(__file__).resolve().parent / "site"
PREFERRED_PORT = 8089


def free_port(preferred: int) -> int:
    """``preferred`` if it is free on 127.0.0.1 (stable output folder names), else any free port."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
        except OSError:
            return 0
    return preferred


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=PROJECT_DIR / "output", help="feeds folder")
    output = parser.parse_args(argv).output.resolve()
    recorded = json.loads((SITE_DIR / "site.json").read_text(encoding="utf-8"))
    stats_file = output / "demo-stats.json"
    with FakeWordPressServer(SITE_DIR, spelling="pathinfo", port=free_port(PREFERRED_PORT)) as wp:
        print(
            f"Demo site ({recorded.get('recorded_from', 'WordPress')}, PATHINFO permalinks) at {wp.home_url}"
        )
        print(f"Running: scrapy crawl wordpress -a url={wp.home_url}\n", flush=True)
        started = time.monotonic()
        command = [
            sys.executable, "-m", "scrapy", "crawl", "wordpress",
            "-a", f"url={wp.home_url}",
            "-s", f"WORDPRESS_STATS_FILE={stats_file}",
            "-s", f"WORDPRESS_OUTPUT_DIR={output}",
        ]  # fmt: skip
        returncode = subprocess.run(command, cwd=PROJECT_DIR, check=False).returncode
        elapsed = time.monotonic() - started
        port = wp.port
    stats = json.loads(stats_file.read_text(encoding="utf-8")) if stats_file.exists() else {}
    print("\nDemo summary")
    print(
        f"  outcome:  {'ok' if returncode == 0 else 'FAILED'} ({stats.get('finish_reason', '?')})"
    )
    print(f"  requests: {stats.get('downloader/request_count', 0)}, time: {elapsed:.1f} s")
    for feed in sorted(output.glob(f"127.0.0.1_{port}/*.jsonl")):
        with feed.open(encoding="utf-8") as lines:
            count = sum(1 for _ in lines)
        print(f"  {feed}: {count} records")
    return returncode


if __name__ == "__main__":
    sys.exit(main())
