"""Bounds against hostile sites: what a lying site can make one crawl request, parse and hold.

Each test runs the real crawler against :class:`tests.hostile.LyingSite` and checks what the
site received (requests counted by the site, not by the crawler), the exit code and the one line
that says what happened. Every crawl has a watchdog (``timeout``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

from crawler.pipelines.clean import truncate_utf8
from tests.crawl import PROJECT_DIR, SPIDER, CrawlResult, cli_env, command_settings, crawl
from tests.crawl import read_stats as read_crawl_stats
from tests.hostile import Answer, LyingSite, post

if TYPE_CHECKING:
    from pathlib import Path

    from tests.hostile import Handler, Request

POSTS = "/wp-json/wp/v2/posts"
TIMEOUT = 90


def endless(
    site: LyingSite, *, headers: dict[str, str] | None = None, size: int | None = None
) -> Handler:
    """Every page brings new posts, forever: the site never ends. ``size`` posts a page (the
    page size asked for by default: full pages); the ids are the page's offsets."""

    def answer(request: Request) -> Answer:
        per_page, page = request.int("per_page", 10), request.int("page", 1)
        first = (page - 1) * per_page + 1
        count = size or per_page
        records = [post(i, link=f"{site.url}?p={i}") for i in range(first, first + count)]
        return Answer(200, records, dict(headers or {}))

    return answer


def errors(result: CrawlResult) -> list[str]:
    return [line for line in result.log.splitlines() if " ERROR: " in line]


def no_traceback(result: CrawlResult) -> bool:
    return "Traceback" not in result.log


# Pages per collection -------------------------------------------------------------------------


def test_a_billion_total_pages_next_to_an_honest_total_costs_one_page(tmp_path):
    with LyingSite(posts=3) as site:
        pages = {"X-WP-Total": "3", "X-WP-TotalPages": "1000000000"}
        site.route(POSTS, lambda _: Answer(200, site.posts, pages))
        result = crawl(site.url, tmp_path, timeout=TIMEOUT)
        assert site.requested(POSTS) == 1
    assert result.returncode == 0, result.log
    assert len(result.feed("posts")) == 3


def test_a_billion_total_pages_stops_at_the_page_cap(tmp_path):
    with LyingSite() as site:
        site.route(POSTS, endless(site, headers={"X-WP-TotalPages": "1000000000"}, size=2))
        result = crawl(site.url, tmp_path, timeout=TIMEOUT, settings={"WORDPRESS_MAX_PAGES": 25})
        assert site.requested(POSTS) == 25
    assert result.returncode == 1
    [line] = errors(result)
    assert "WORDPRESS_MAX_PAGES" in line
    assert len(result.feed("posts")) == 25 * 2
    assert no_traceback(result)


def test_total_pages_past_what_the_total_allows_are_not_fanned_out(tmp_path):
    """``X-WP-Total: 150`` and 100,000 pages of full pages: two pages at once, then one at a
    time (sites understate both headers) up to the cap, then one ERROR."""
    with LyingSite() as site:
        headers = {"X-WP-Total": "150", "X-WP-TotalPages": "100000"}
        in_flight, most = [0], [0]

        def watched(request: Request) -> Answer:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
            time.sleep(0.05)  # let concurrent requests overlap, if the crawler sends any
            in_flight[0] -= 1
            return endless(site, headers=headers)(request)

        site.route(POSTS, watched)
        result = crawl(site.url, tmp_path, timeout=TIMEOUT, settings={"WORDPRESS_MAX_PAGES": 12})
        assert site.requested(POSTS) == 12
    assert most[0] <= 2  # page 2, and (while it is served) nothing else past the total
    assert result.returncode == 1
    [line] = errors(result)
    assert "WORDPRESS_MAX_PAGES" in line
    assert no_traceback(result)


def test_an_endless_site_without_headers_stops_at_the_page_cap(tmp_path):
    with LyingSite() as site:
        site.route(POSTS, endless(site, size=2))  # short pages: without headers, not the end
        result = crawl(site.url, tmp_path, timeout=TIMEOUT, settings={"WORDPRESS_MAX_PAGES": 30})
        assert site.requested(POSTS) == 30
    assert result.returncode == 1
    [line] = errors(result)
    assert "stopped after 30 pages" in line
    assert result.stats["wordpress/posts/cut"] == "max_pages"


def test_the_page_cap_is_a_setting_with_a_sane_default():
    from crawler import settings

    assert settings.WORDPRESS_MAX_PAGES == 10_000


# A cache that ignores ?page= -------------------------------------------------------------------


def test_a_cache_that_ignores_the_page_ends_the_collection_at_the_second_page(tmp_path):
    """Without headers nothing says more posts exist: a warning, and the crawl is complete."""
    with LyingSite(posts=100) as site:
        site.route(POSTS, lambda _: Answer(200, site.posts))
        result = crawl(site.url, tmp_path, timeout=TIMEOUT)
        assert site.requested(POSTS) == 2
    assert result.returncode == 0, result.log
    assert "only repeats records already collected" in result.log
    assert result.stats["wordpress/posts/cut"] == "repeated"
    assert len(result.feed("posts")) == 100


def test_a_cache_that_ignores_the_page_but_keeps_the_total_is_incomplete(tmp_path):
    with LyingSite(posts=100) as site:
        headers = {"X-WP-Total": "450", "X-WP-TotalPages": "5"}
        site.route(POSTS, lambda _: Answer(200, site.posts, headers))
        result = crawl(site.url, tmp_path, timeout=TIMEOUT)
        assert site.requested(POSTS) <= 5
    assert result.returncode == 1
    [line] = errors(result)
    assert "100 of the 450" in line
    assert len(result.feed("posts")) == 100


# Tolerant JSON ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"[0 " * 533_000, "not JSON"),  # 1.6 MB of false starts: was 15 s of CPU (quadratic)
        (b"[0," * 533_000, "nested too deeply"),  # RecursionError escaped the callback
        (b'[{"id": ' + b"9" * 5000 + b"}]", "4300 digits"),  # ValueError escaped the callback
    ],
    ids=["false-starts", "deep", "huge-id"],
)
def test_hostile_json_is_a_lost_page_in_bounded_time(tmp_path, body, said):
    with LyingSite() as site:
        site.route(POSTS, lambda _: Answer(200, body))
        started = time.process_time()
        result = crawl(site.url, tmp_path, timeout=TIMEOUT)
        cpu = time.process_time() - started
    assert result.returncode == 1
    [line] = errors(result)
    assert said in line
    # Unreadable JSON is not blamed on a block page; a body that is not JSON at all may be one.
    assert ("anti-bot" in line) == (said == "not JSON")
    assert no_traceback(result)
    assert cpu < 10  # the whole crawl, generously; the quadratic parse alone took 15 s


# Content size -----------------------------------------------------------------------------------


def test_truncate_utf8_never_splits_a_character():
    text = "\u00e9" * 10
    assert truncate_utf8(text, 5) == "\u00e9\u00e9"
    assert truncate_utf8(text, 20) is text
    assert truncate_utf8("a" * 10, 9) == "a" * 9
    assert truncate_utf8("a" * 10, 0) == "a" * 10


def crawl_peak_memory(url: str, tmp_path: Path, settings: dict[str, str]) -> tuple[int, int, str]:
    """The real ``scrapy crawl`` in a child: exit code, peak resident memory (bytes), log."""
    command = [sys.executable, "-m", "scrapy", "crawl", SPIDER, "-a", f"url={url}"]
    for key, value in command_settings(tmp_path, settings).items():
        command += ["-s", f"{key}={value}"]
    log = tmp_path / "crawl.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=cli_env(), stdout=subprocess.DEVNULL, stderr=stderr
        )
        deadline = time.monotonic() + 300
        while True:  # the watchdog: wait4 without blocking, so a hang is killed
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                pytest.fail("the crawl hung")
            time.sleep(0.2)
        process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss * 1024, log.read_text()


def test_a_60_mb_post_is_cleaned_from_its_first_bytes_in_bounded_memory(tmp_path):
    paragraph = '<p>Some <strong>text</strong> with a <a href="/x">link</a> and words.</p>\n'
    content = paragraph * (60_000_000 // len(paragraph))
    with LyingSite(posts=0) as site:
        record = post(1, link=f"{site.url}?p=1", content={"rendered": content, "protected": False})
        body = json.dumps([record]).encode()
        headers = {"X-WP-Total": "1", "X-WP-TotalPages": "1"}
        site.route(POSTS, lambda _: Answer(200, body, headers))
        returncode, peak, log = crawl_peak_memory(site.url, tmp_path, {})
    assert returncode == 0, log
    assert "over WORDPRESS_MAX_CONTENT_BYTES" in log
    assert read_crawl_stats(tmp_path)["wordpress/content_truncated"] == 1
    [exported] = CrawlResult(returncode, log, {}, tmp_path / "output").feed("posts")
    assert 0 < len(exported["content_text"]) < 2 * 1024 * 1024
    # Measured: about 380 MB (the body, its text and its JSON, plus cleaning 2 MiB); without
    # the cap more than 4 GB.
    assert peak < 1024 * 1024 * 1024
