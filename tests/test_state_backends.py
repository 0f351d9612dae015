"""State backends: files (unchanged behaviour), object stores, and Redis (the real server)."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis

from crawler.state.backends import (
    LeaseLostError,
    RedisStateBackend,
    RunAlreadyCommitted,
    SiteBusyError,
    open_backend,
)
from crawler.state.blobs import BlobMissing, FileBlobStore, open_blobs
from crawler.state.lease import SiteLease, lease_key, state_key
from crawler.state.store import SiteState, load_state, save_state, site_key, state_path
from demo.fake_wordpress import FakeWordPressServer
from demo.faults import Faults
from tests.crawl import PROJECT_DIR, SPIDER, cli_env, command_settings, crawl, crawl_cli

SITE_DIR = Path(__file__).resolve().parent.parent / "demo" / "site"
URL = "https://e.com/blog/"


def served(name: str) -> dict[int, str]:
    """What the demo site holds: published records of a collection, id -> modified_gmt."""
    records = json.loads((SITE_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return {r["id"]: r["modified_gmt"] for r in records if r.get("status", "publish") == "publish"}


# Files ------------------------------------------------------------------------------------------


def test_file_backend_reads_and_writes_todays_state_files(tmp_path):
    old = SiteState(site=URL, mark="2026-01-01T00:00:00Z", records={"posts": {1: "a"}}, runs=3)
    save_state(state_path(tmp_path, URL), old)
    backend = open_backend(None, {"STATE_DIR": str(tmp_path)})
    run = backend.begin(URL, "r1")
    assert run.previous == old
    with pytest.raises(SiteBusyError, match="already running"):
        backend.begin(URL, "r2")
    new = SiteState(site=URL, mark="2026-02-01T00:00:00Z", records={"posts": {1: "b"}}, runs=4)
    run.commit(new, {"feeds": []})
    run.release()
    assert load_state(state_path(tmp_path, URL), URL) == new
    again = open_backend(f"file://{tmp_path}/", {}).begin(URL, "r3")
    assert again.previous == new
    again.release()


def test_file_blobs_are_atomic_and_keys_cannot_leave_the_root(tmp_path):
    store = open_blobs(f"file://{tmp_path}/blobs", {})
    assert isinstance(store, FileBlobStore)
    uri = store.put("e.com_blog/r1.json.gz", b"data")
    assert Path(uri.removeprefix("file://")).read_bytes() == b"data"
    assert store.get("e.com_blog/r1.json.gz") == b"data"
    with pytest.raises(BlobMissing):
        store.get("e.com_blog/r2.json.gz")
    (tmp_path / "outside").write_bytes(b"secret")
    for key in ("../outside", "a/../../outside", "/etc/passwd", "", "a//b", "./x"):
        with pytest.raises(ValueError, match="leaves the store"):
            store.put(key, b"x")
        with pytest.raises(ValueError, match="leaves the store"):
            store.get(key)
    assert (tmp_path / "outside").read_bytes() == b"secret"
    assert not list((tmp_path / "blobs").glob("*.tmp"))
    assert not list(tmp_path.glob("*.tmp"))


# Redis ------------------------------------------------------------------------------------------


@pytest.fixture
def backend(redis_url, tmp_path):
    backend = RedisStateBackend(
        redis_url, {"STATE_BLOB_URI": f"file://{tmp_path}/blobs", "STATE_LEASE_TTL": 5}
    )
    yield backend
    backend.close()


def test_redis_commit_points_at_an_immutable_versions_object(backend, tmp_path):
    run = backend.begin(URL, "r1")
    assert run.previous == SiteState(site=URL)
    assert backend.lease_holder(site_key(URL)) == "r1"
    state = SiteState(site=URL, mark="2026-01-01T00:00:00Z", records={"posts": {1: "a", 2: "b"}},
                      runs=1, committed_at="2026-01-01T00:00:01Z")  # fmt: skip
    run.commit(state, {"feeds": ["s3://b/e.com_blog/r1/posts.jsonl.gz"]})
    summary = backend.summary(site_key(URL))
    assert summary["run"] == "r1"
    assert summary["mark"] == state.mark
    assert summary["counts"] == {"posts": 2}
    assert summary["manifest"] == {"feeds": ["s3://b/e.com_blog/r1/posts.jsonl.gz"]}
    blob = Path(summary["blob"].removeprefix("file://"))
    assert blob.is_relative_to(tmp_path / "blobs")
    assert blob.name == "r1.json.gz"
    assert json.loads(gzip.decompress(blob.read_bytes())) == state.to_json()
    assert backend.lease_holder(site_key(URL)) is None, "the commit released the lease"
    assert backend.sites() == [site_key(URL)]
    second = backend.begin(URL, "r2")
    assert second.previous == state
    second.release()


def test_a_committed_run_returns_at_once_and_a_held_site_is_busy(backend):
    run = backend.begin(URL, "r1")
    with pytest.raises(SiteBusyError, match=r"run r1 holds its lease.*STATE_LEASE_TTL"):
        backend.begin(URL, "r2")
    run.commit(SiteState(site=URL, runs=1), {"feeds": []})
    with pytest.raises(RunAlreadyCommitted):
        backend.begin(URL, "r1")
    assert backend.lease_holder(site_key(URL)) is None, "refused without taking the lease"
    other = backend.begin("https://e.com/shop/", "r1")  # another site on the same host
    other.release()


def test_a_run_that_lost_its_lease_commits_nothing(backend):
    first = SiteState(site=URL, mark="2026-01-01T00:00:00Z", records={"posts": {1: "a"}}, runs=1)
    run = backend.begin(URL, "r1")
    run.commit(first, {"feeds": []})
    before = backend.client.get(state_key(site_key(URL)))
    stale = backend.begin(URL, "r2")
    backend.client.delete(lease_key(site_key(URL)))  # expired...
    taker = SiteLease(backend.client, site_key(URL), "r3:1:x", 5000)
    assert taker.acquire()  # ...and taken by another run
    assert not stale.renew()
    with pytest.raises(LeaseLostError, match="moved to another run"):
        stale.commit(SiteState(site=URL, mark="2027-01-01T00:00:00Z", runs=2), {"feeds": []})
    assert backend.client.get(state_key(site_key(URL))) == before
    assert backend.lease_holder(site_key(URL)) == "r3"
    stale.release()
    assert backend.lease_holder(site_key(URL)) == "r3", "a stale release leaves it alone"


def test_redis_unreachable_is_one_line_without_the_password(tmp_path):
    backend = RedisStateBackend("redis://:hunter2@127.0.0.1:1/0", {"STATE_DIR": str(tmp_path)})
    with pytest.raises(Exception, match=r"cannot reach Redis at redis://127.0.0.1:1/0") as info:
        backend.begin(URL, "r1")
    assert "hunter2" not in str(info.value)


# Crawls -----------------------------------------------------------------------------------------


def _settings(redis_url: str, tmp_path: Path, **more: object) -> dict[str, object]:
    return {"STATE_URI": redis_url, "STATE_BLOB_URI": f"file://{tmp_path}/blobs", **more}


def _summary(redis_url: str, url: str) -> dict | None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        text = client.get(state_key(site_key(url)))
        return json.loads(text) if text else None
    finally:
        client.close()


def test_redis_state_crawl_then_an_incremental_run_fetches_only_changes(redis_url, tmp_path):
    with FakeWordPressServer(SITE_DIR) as wp:
        settings = _settings(redis_url, tmp_path)
        first = crawl(wp.home_url, tmp_path / "a", incremental="true", run="night-1",
                      settings=settings)  # fmt: skip
        assert first.returncode == 0, first.log[-2000:]
        summary = _summary(redis_url, wp.home_url)
        assert summary["run"] == "night-1"
        assert summary["runs"] == 1
        assert summary["counts"]["posts"] == len(served("posts"))
        blob = Path(summary["blob"].removeprefix("file://"))
        versions = json.loads(gzip.decompress(blob.read_bytes()))["records"]["posts"]
        assert {int(i) for i in versions} == set(served("posts"))
        feeds = [Path(uri.removeprefix("file://")) for uri in summary["manifest"]["feeds"]]
        assert feeds
        assert all(path.exists() and "night-1" in path.parts for path in feeds)
        wp.requests.clear()
        second = crawl(wp.home_url, tmp_path / "b", incremental="true", run="night-2",
                       settings=settings)  # fmt: skip
        assert second.returncode == 0, second.log[-2000:]
        assert any("modified_after" in line for line in wp.requests)
        assert not second.feed("posts", missing_ok=True), "nothing changed on the site"
        summary = _summary(redis_url, wp.home_url)
        assert (summary["run"], summary["runs"]) == ("night-2", 2)
        assert summary["recent_runs"] == ["night-1", "night-2"]
        again = crawl(wp.home_url, tmp_path / "c", incremental="true", run="night-2",
                      settings=settings)  # fmt: skip
        assert again.returncode == 0
        assert "already committed" in again.log
        assert _summary(redis_url, wp.home_url)["runs"] == 2


def test_a_full_run_with_redis_state_records_its_run_and_feeds(redis_url, tmp_path):
    with FakeWordPressServer(SITE_DIR) as wp:
        result = crawl(wp.home_url, tmp_path / "a", run="full-1",
                       settings=_settings(redis_url, tmp_path))  # fmt: skip
        assert result.returncode == 0, result.log[-2000:]
        summary = _summary(redis_url, wp.home_url)
        assert summary["run"] == "full-1"
        assert summary["incremental"] is False
        assert summary["blob"] is None
        assert summary["mark"] is None
        feeds = {Path(u.removeprefix("file://")).name for u in summary["manifest"]["feeds"]}
        assert "posts.jsonl" in feeds


def _start_crawl(url: str, tmp_path: Path, settings: dict[str, object]) -> subprocess.Popen:
    command = [sys.executable, "-m", "scrapy", "crawl", SPIDER, "-a", f"url={url}"]
    for key, value in command_settings(tmp_path, settings).items():
        command += ["-s", f"{key}={value}"]
    return subprocess.Popen(
        command, cwd=PROJECT_DIR, env=cli_env(), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def _wait_for_lease(client: redis.Redis, url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while client.get(lease_key(site_key(url))) is None:
        assert process.poll() is None, "the crawl ended before taking the lease"
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_two_crawls_of_one_site_at_once_the_second_stops_busy(redis_url, tmp_path):
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    with FakeWordPressServer(SITE_DIR, faults=Faults(latency=0.3)) as wp:
        settings = _settings(redis_url, tmp_path)
        first = _start_crawl(wp.home_url, tmp_path / "a", settings)
        try:
            _wait_for_lease(client, wp.home_url, first)
            second = crawl_cli(wp.home_url, tmp_path / "b", settings=settings)
            assert second.returncode == 1
            busy = [line for line in second.log.splitlines() if "Crawl stopped" in line]
            assert len(busy) == 1, second.log[-2000:]
            assert "another crawl of" in busy[0]
            assert "Traceback" not in second.log
            assert not second.feed("posts", missing_ok=True)
            assert _summary(redis_url, wp.home_url) is None, "nothing committed by either yet"
            assert first.wait(300) == 0
        finally:
            if first.poll() is None:
                os.killpg(first.pid, signal.SIGKILL)
                first.wait()
    summary = _summary(redis_url, wp.home_url)
    assert summary is not None
    assert summary["counts"] == {}
    assert summary["incremental"] is False
    assert client.get(lease_key(site_key(wp.home_url))) is None
    client.close()


def test_a_killed_crawl_leaves_the_state_and_its_lease_expires(redis_url, tmp_path):
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    # One post a page: a crawl of several seconds, still running when it is killed.
    with FakeWordPressServer(SITE_DIR, faults=Faults(latency=0.3, max_per_page=1)) as wp:
        settings = _settings(redis_url, tmp_path, STATE_LEASE_TTL=2)
        crawler = _start_crawl(wp.home_url, tmp_path / "a", settings)
        try:
            _wait_for_lease(client, wp.home_url, crawler)
            time.sleep(3)  # renewed past its first TTL while crawling
            assert crawler.poll() is None
            assert client.get(lease_key(site_key(wp.home_url))) is not None
        finally:
            os.killpg(crawler.pid, signal.SIGKILL)
            crawler.wait()
        killed_at = time.monotonic()
        assert client.get(state_key(site_key(wp.home_url))) is None, "nothing committed"
        while client.get(lease_key(site_key(wp.home_url))) is not None:
            assert time.monotonic() - killed_at < 2.5, "the lease outlived its TTL"
            time.sleep(0.05)
        assert client.smembers("wp:sites") == set()
    client.close()


def test_a_crawl_whose_lease_is_taken_stops_with_lease_lost(redis_url, tmp_path):
    client = redis.Redis.from_url(redis_url, decode_responses=True)

    def steal() -> None:  # the lease expired (a stall) and another run took it
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            keys = client.keys("wp:lease:*")
            if keys:
                client.set(keys[0], "other-run:1:x", px=60_000)
                return
            time.sleep(0.05)

    with FakeWordPressServer(SITE_DIR, faults=Faults(latency=0.3)) as wp:
        thief = threading.Timer(1.0, steal)
        thief.start()
        result = crawl(wp.home_url, tmp_path / "a", incremental="true",
                       settings=_settings(redis_url, tmp_path, STATE_LEASE_TTL=1.5))  # fmt: skip
        thief.join()
        assert result.returncode == 1
        assert result.stats["finish_reason"] == "lease_lost", result.log[-2000:]
        assert result.stats.get("wordpress/state_committed") is not True
        assert _summary(redis_url, wp.home_url) is None, "nothing committed"
        assert client.get(lease_key(site_key(wp.home_url))) == "other-run:1:x", "not released"
    client.close()
