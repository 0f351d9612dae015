"""Scrapy's own cost per record: the floor under the crawl's CPU that no code of ours can lower.

    python bench/bench_floor.py                 # 100,000 records, every variant
    python bench/bench_floor.py --records 30000

A spider answers 100 requests to a local server and yields N small dataclass records from
them, nothing else: no parsing, no cleaning. Each variant runs in a process of its own and
prints CPU microseconds per record, net of the start-up (a run of 1,000 records):

- ``scraper``: Scrapy's scraper and spider middlewares alone (no pipeline, no feed);
- ``+ pipeline``: one ``async def process_item`` that returns the record;
- ``+ feed``: and a JSON-lines feed written by the project's exporter;
- ``+ 3 receivers``: and three more ``item_scraped`` receivers that do nothing, which is what
  the crawl paid before :mod:`crawler.extensions.scraped` put its four behind one.

Multiply by the records per post of a site (3.6 on the test site: posts, media, comments,
terms, users) for the floor in CPU seconds per 1,000 posts.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.server
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
VARIANTS = {
    "scraper": (False, False, 0),
    "+ pipeline": (True, False, 0),
    "+ feed": (True, True, 0),
    "+ 3 receivers": (True, True, 3),
}
RESPONSES = 100


@dataclasses.dataclass
class Record:
    id: int
    type: str
    title: str
    link: str


class Pass:
    """A pipeline that does nothing."""

    async def process_item(self, item: Any) -> Any:
        return item


def run(records: int, pipeline: bool, feed: bool, receivers: int, output: str) -> float:
    """CPU seconds of one crawl of ``records`` records (in this process: call it once)."""
    from scrapy import Request, Spider, signals
    from scrapy.crawler import AsyncCrawlerProcess

    class Answer(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    per_response = records // RESPONSES

    class Floor(Spider):
        name = "floor"

        @classmethod
        def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Floor:
            spider = super().from_crawler(crawler, *args, **kwargs)
            for _ in range(receivers):
                crawler.signals.connect(Floor.ignore, signal=signals.item_scraped)
            return spider

        @staticmethod
        def ignore(item: Any) -> None:
            pass

        async def start(self) -> Any:
            for n in range(RESPONSES):
                yield Request(f"http://127.0.0.1:{port}/{n}", dont_filter=True)

        def parse(self, response: Any) -> Any:
            first = int(response.url.rsplit("/", 1)[1]) * per_response
            for n in range(first, first + per_response):
                yield Record(n, "post", "A title of a post", "https://example.com/a/")

    settings: dict[str, Any] = {
        "LOG_LEVEL": "ERROR",
        "ROBOTSTXT_OBEY": False,
        "TELNETCONSOLE_ENABLED": False,
        "FEED_EXPORTERS": {"jsonlines": "crawler.exporters.JsonLinesExporter"},
    }
    if pipeline:
        settings["ITEM_PIPELINES"] = {f"{__name__}.Pass": 100}
    if feed:
        settings["FEEDS"] = {output: {"format": "jsonlines", "overwrite": True}}
    started = time.process_time()
    process = AsyncCrawlerProcess(settings)
    process.crawl(Floor)
    process.start()
    return time.process_time() - started


def measure(variant: str, records: int) -> float:
    """CPU seconds of a crawl of ``records`` records, in a fresh process."""
    pipeline, feed, receivers = VARIANTS[variant]
    with tempfile.TemporaryDirectory() as folder:
        code = (
            "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]];"
            "import bench_floor;"
            "print(bench_floor.run(*map(int, sys.argv[3:7]), sys.argv[7]))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, str(PROJECT_DIR), str(PROJECT_DIR / "bench"),
             str(records), str(int(pipeline)), str(int(feed)), str(receivers),
             f"{folder}/feed.jsonl"],
            check=True, capture_output=True, text=True, cwd=PROJECT_DIR,
        )  # fmt: skip
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    print(f"{'variant':<15} {'CPU s':>7} {'µs per record':>14}")
    for variant in VARIANTS:
        base = measure(variant, 1_000)
        total = measure(variant, args.records)
        per_record = (total - base) / (args.records - 1_000) * 1e6
        print(f"{variant:<15} {total:7.2f} {per_record:14.1f}")


if __name__ == "__main__":
    main()
