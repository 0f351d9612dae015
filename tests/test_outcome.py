"""One outcome rule: an unexpected exception in any layer, a failed feed store or a lost record
fails the crawl (exit 1, one ERROR line, no traceback) and leaves the incremental state as it
was; and the state is per site and exclusive.

Each layer gets its exception from a test-only component configured through settings (a
pipeline, an exporter, a storage) or, for the spider's own callbacks, a patched function.
"""

from __future__ import annotations

import errno
import json
from typing import TYPE_CHECKING, Any

import pytest
from itemadapter import ItemAdapter
from scrapy.exporters import JsonLinesItemExporter

from crawler.feeds import AtomicFileFeedStorage
from crawler.settings import ITEM_PIPELINES
from crawler.state.resume import RUN_ID
from crawler.state.store import SiteLock, load_state, state_path
from tests.crawl import crawl, crawl_cli
from tests.hostile import LyingSite, post
from tests.test_sites import crawl_sites

if TYPE_CHECKING:
    from pathlib import Path


TIMEOUT = 60


def broken(item: Any) -> bool:
    """The records the failing components fail on: those with an even id."""
    return ItemAdapter(item).get("id", 1) % 2 == 0


class FailingPipeline:
    """A pipeline that fails on one record."""

    def process_item(self, item: Any) -> Any:
        if broken(item):
            raise ValueError("pipeline broke on purpose")
        return item


class FailingExporter(JsonLinesItemExporter):
    """An exporter that fails on one record (an encoding error, a full buffer...)."""

    def export_item(self, item: Any) -> None:
        if broken(item):
            raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
        super().export_item(item)


class FinishFailingExporter(JsonLinesItemExporter):
    """An exporter that fails when the feed is finished (the trailer of a format)."""

    def finish_exporting(self) -> None:
        raise OSError(errno.EIO, "exporter broke while finishing")


class FullDiskStorage(AtomicFileFeedStorage):
    """A feed storage on a full disk: the records are written, storing them fails."""

    def store(self, file: Any) -> None:
        file.close()
        raise OSError(errno.ENOSPC, "No space left on device")


LAYERS: dict[str, dict[str, Any]] = {
    "pipeline": {"ITEM_PIPELINES": {**ITEM_PIPELINES, f"{__name__}.FailingPipeline": 250}},
    "exporter": {"FEED_EXPORTERS": {"jsonlines": f"{__name__}.FailingExporter"}},
    "exporter-finish": {"FEED_EXPORTERS": {"jsonlines": f"{__name__}.FinishFailingExporter"}},
    "storage": {"FEED_STORAGES": dict.fromkeys(("", "file"), f"{__name__}.FullDiskStorage")},
}
"""Settings that make one layer fail."""

EXPECTED = {
    "pipeline": "An item pipeline failed on the post 4 record",
    "exporter": "UnicodeEncodeError",
    "exporter-finish": "posts.jsonl was not stored",
    "storage": "No space left on device",
}
"""What the one ERROR line says for each layer."""


def break_callback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the spider's page callback raise on the posts listing (as a malformed answer
    the spider did not expect would)."""
    from crawler.spiders import wordpress

    classify = wordpress.classify_page

    def failing(answer: Any, **kwargs: Any) -> Any:
        if "/wp/v2/posts" in answer.url:
            raise AttributeError("'list' object has no attribute 'get'")
        return classify(answer, **kwargs)

    monkeypatch.setattr(wordpress, "classify_page", failing)


def incremental_site_state(site: LyingSite, tmp_path: Path) -> Path:
    """A first, clean incremental run of ``site``; the state file it committed."""
    first = crawl(site.url, tmp_path / "run1", incremental="true", timeout=TIMEOUT)
    assert first.returncode == 0, first.log[-3000:]
    path = state_path(tmp_path / "state", site.url)
    assert path.exists()
    return path


@pytest.mark.parametrize("layer", [*LAYERS, "callback"])
def test_an_exception_in_any_layer_fails_the_crawl_and_keeps_the_state(
    layer, tmp_path, monkeypatch
):
    with LyingSite(posts=3) as site:
        state = incremental_site_state(site, tmp_path)
        before = state.read_bytes()
        # The site changed: a clean run would commit a new state.
        site.posts.append(post(4, link=f"{site.url}?p=4", modified_gmt="2030-01-01T00:00:00"))
        if layer == "callback":
            break_callback(monkeypatch)
        result = crawl(site.url, tmp_path / "run2", incremental="true",
                       settings=LAYERS.get(layer), timeout=TIMEOUT)  # fmt: skip
    expected = EXPECTED.get(layer, "Error in parse_page on <GET http://127.0.0.1")
    result.assert_failed_in_one_line(expected)
    assert result.stats.get("wordpress/state_committed") is False
    assert state.read_bytes() == before


def test_a_clean_second_run_commits(tmp_path):
    """The control of the test above: without the injected failure the state changes."""
    with LyingSite(posts=3) as site:
        state = incremental_site_state(site, tmp_path)
        before = state.read_bytes()
        site.posts.append(post(4, link=f"{site.url}?p=4", modified_gmt="2030-01-01T00:00:00"))
        result = crawl(site.url, tmp_path / "run2", incremental="true", timeout=TIMEOUT)
    assert result.returncode == 0, result.log[-3000:]
    assert result.errors == []
    assert state.read_bytes() != before


def test_a_full_crawl_with_a_broken_exporter_exits_1(tmp_path):
    """Not only incremental runs: a one-off crawl that lost records says so."""
    with LyingSite(posts=3) as site:
        result = crawl(site.url, tmp_path, settings=LAYERS["exporter"], timeout=TIMEOUT)
    result.assert_failed_in_one_line("UnicodeEncodeError")
    assert "Error caught on signal handler: FeedExporter.item_scraped" in result.errors[0]


def test_an_error_repeated_on_many_records_is_one_line_and_counted(tmp_path):
    with LyingSite(posts=5) as site:
        result = crawl(site.url, tmp_path, settings=LAYERS["pipeline"], timeout=TIMEOUT)
    result.assert_failed_in_one_line("An item pipeline failed on the post 2 record")
    assert "pipeline broke on purpose" in result.errors[0]
    assert result.stats["wordpress/errors"] == 2  # posts 2 and 4
    assert sorted(record["id"] for record in result.feed("posts")) == [1, 3, 5]


# State per site and exclusive ------------------------------------------------------------


def test_a_second_run_of_a_site_exits_before_any_request(tmp_path):
    with LyingSite(posts=3) as site:
        state = incremental_site_state(site, tmp_path)
        before, requests = state.read_bytes(), len(site.requests)
        lock = SiteLock.acquire(state)  # the first run is still going
        try:
            second = crawl(site.url, tmp_path / "run2", incremental="true", timeout=TIMEOUT)
        finally:
            lock.release()
        assert len(site.requests) == requests, "the second run requested something"
        third = crawl(site.url, tmp_path / "run3", incremental="true", timeout=TIMEOUT)
    assert second.returncode == 1
    assert "Traceback" not in second.log
    assert len(second.errors) == 1, second.errors
    assert "another crawl of this site is already running" in second.errors[0]
    assert state.read_bytes() != before  # the third run, once the lock was free, committed
    assert third.returncode == 0, third.log[-3000:]
    assert not list(state.parent.glob("*.lock")), "the lock file outlived the run"


def test_two_sites_on_one_host_keep_their_own_state(tmp_path):
    """A multisite network in subfolder mode: ``/a/`` and ``/b/`` on one host."""
    with LyingSite(posts=3) as site:
        for folder in ("/a/", "/b/"):
            site.route(folder, site.routes["/"])
        first = crawl(f"{site.url}a/", tmp_path / "a", incremental="true", timeout=TIMEOUT)
        second = crawl(f"{site.url}b/", tmp_path / "b", incremental="true", timeout=TIMEOUT)
    assert first.returncode == 0, first.log[-3000:]
    assert second.returncode == 0, second.log[-3000:]
    # B's first run is a first run: it exports every post (A's state would have skipped them).
    assert sorted((r["id"], r["change"]) for r in second.feed("posts")) == [
        (1, "added"), (2, "added"), (3, "added"),
    ]  # fmt: skip
    a = load_state(state_path(tmp_path / "state", f"{site.url}a/"), f"{site.url}a/")
    b = load_state(state_path(tmp_path / "state", f"{site.url}b/"), f"{site.url}b/")
    assert (a.site, b.site, a.runs, b.runs) == (f"{site.url}a/", f"{site.url}b/", 1, 1)


def test_two_sites_on_one_host_write_their_own_feeds(tmp_path):
    """One-off crawls of ``/a/`` and ``/b/`` into one output folder: neither replaces the
    other's feeds (a site at the root of its host keeps the host's folder name)."""
    with LyingSite(posts=3) as site:
        for folder in ("/a/", "/b/"):
            site.route(folder, site.routes["/"])
        results = [crawl(f"{site.url}{f}/", tmp_path, timeout=TIMEOUT) for f in ("a", "b")]
    assert [r.returncode for r in results] == [0, 0], results[0].log[-3000:]
    host = f"127.0.0.1_{site.port}"
    feeds = sorted((tmp_path / "output").glob("*/posts.jsonl"))
    assert [feed.parent.name for feed in feeds] == [f"{host}_a", f"{host}_b"]
    assert all(len(feed.read_text().splitlines()) == 3 for feed in feeds)


@pytest.mark.parametrize(("content", "message"), [
    ({"site": "https://another.example/"}, "is the state of https://another.example/, not of"),
    ({"runs": "x"}, "'runs' is not a count"),
    ({"mark": 5}, "'mark' is not a UTC date"),
    ({"records": ["x"]}, "malformed records"),
])  # fmt: skip
def test_a_state_file_that_cannot_be_used_is_one_line_before_any_request(
    tmp_path, content, message
):
    with LyingSite(posts=3) as site:
        path = state_path(tmp_path / "state", site.url)
        data = {"format": 1, "site": site.url, "mark": None, "runs": 1, "records": {}}
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({**data, **content}))
        before = path.read_bytes()
        result = crawl(site.url, tmp_path / "run", incremental="true", timeout=TIMEOUT)
        assert site.requests == []
    assert result.returncode == 1
    assert "Traceback" not in result.log
    assert len(result.errors) == 1, result.errors
    assert message in result.errors[0]
    assert path.read_bytes() == before
    assert not list(path.parent.glob("*.lock"))


def test_runs_started_together_get_their_own_folders(tmp_path):
    with LyingSite(posts=3) as site:
        runs = [crawl(site.url, tmp_path, incremental="false", timeout=TIMEOUT,
                      settings={"WORDPRESS_RUN_FOLDERS": True}) for _ in range(3)]  # fmt: skip
    assert [run.returncode for run in runs] == [0, 0, 0]
    folders = sorted(p.parent.name for p in (tmp_path / "output").glob("*/*/posts.jsonl"))
    assert len(folders) == 3
    assert all(RUN_ID.fullmatch(folder) for folder in folders)


# The commands ----------------------------------------------------------------------------


def test_scrapy_crawl_exits_1_on_a_full_disk_in_one_line(tmp_path):
    with LyingSite(posts=3) as site:
        result = crawl_cli(site.url, tmp_path, settings=LAYERS["storage"], timeout=TIMEOUT)
    result.assert_failed_in_one_line("No space left on device")


def test_scrapy_crawl_of_a_site_already_running_exits_1_before_any_request(tmp_path):
    with LyingSite(posts=3) as site:
        lock = SiteLock.acquire(state_path(tmp_path.parent / "state", site.url))
        try:
            result = crawl_cli(site.url, tmp_path, "-a", "incremental=true", timeout=TIMEOUT)
        finally:
            lock.release()
        assert site.requests == []
    assert result.returncode == 1
    assert "Traceback" not in result.log
    running = f"another crawl of this site is already running (it holds {lock.path})"
    assert [line.split("ERROR: ", 1)[1] for line in result.errors] == [
        f"Crawl stopped: {running}; wait for it to end"
    ]


def test_crawlsites_runs_sites_of_one_host_apart_and_fails_each_in_one_line(tmp_path):
    with LyingSite(posts=3) as site:
        for folder in ("/a/", "/b/"):
            site.route(folder, site.routes["/"])
        sites = [f"{site.url}a/", f"{site.url}b/"]
        first = crawl_sites(sites, tmp_path, "-a", "incremental=true")
        states = sorted((tmp_path / "state").iterdir())
        before = [path.read_bytes() for path in states]
        site.posts.append(post(4, link=f"{site.url}?p=4", modified_gmt="2030-01-01T00:00:00"))
        failing = crawl_sites(sites, tmp_path, "-a", "incremental=true",
                              "-s", f"FEED_STORAGES={json.dumps(LAYERS['storage']['FEED_STORAGES'])}")  # fmt: skip
    assert first.returncode == 0, first.stderr[-3000:]
    assert "Sites: 2 ok, 0 failed" in first.stdout
    assert len(states) == 2  # one state per site, no lock file left
    assert failing.returncode == 1, failing.stderr[-3000:]
    assert "Traceback" not in failing.stderr
    assert "Sites: 0 ok, 2 failed" in failing.stdout
    failed = [line for line in failing.stdout.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 2
    assert all("No space left on device" in line for line in failed), failed
    assert [path.read_bytes() for path in states] == before


@pytest.mark.parametrize(("level", "made"), [("DEBUG", True), ("INFO", False), (20, False)])
def test_per_record_debug_lines_are_only_made_when_the_log_shows_them(level, made):
    from scrapy.exceptions import DropItem
    from scrapy.utils.test import get_crawler

    from crawler.extensions.outcome import OutcomeLogFormatter
    from crawler.spiders.wordpress import WordPressSpider

    crawler = get_crawler(WordPressSpider, {"LOG_LEVEL": level})
    spider = WordPressSpider.from_crawler(crawler, url="https://e.com/")
    formatter = OutcomeLogFormatter.from_crawler(crawler)
    record = {"type": "post", "id": 1}
    assert (formatter.scraped(record, None, spider) is not None) == made
    unchanged = DropItem("unchanged since the last run", log_level="DEBUG")
    assert (formatter.dropped(record, unchanged, None, spider) is not None) == made
    dropped_loudly = DropItem("a pipeline refused it")  # Scrapy's default level: always logged
    assert formatter.dropped(record, dropped_loudly, None, spider) is not None
