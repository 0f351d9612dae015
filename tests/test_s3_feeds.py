"""Feeds on a real S3-compatible server (moto's standalone server, ``s3_server``), written by
real ``scrapy crawl`` processes of the bundled fake site; checked against the site's data."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from crawler.extensions.feedstorage import TEMPDIR_PREFIX
from crawler.feeds import FeedLayout, site_slug
from demo.fake_wordpress import FakeWordPressServer
from demo.faults import Faults
from testservers.s3 import ACCESS_KEY, SECRET_KEY

PROJECT_DIR = Path(__file__).resolve().parent.parent
SITE_DIR = PROJECT_DIR / "demo" / "site"

FEED_SOURCES = {
    "posts": ["posts"],
    "pages": ["pages"],
    "media": ["media"],
    "users": ["users"],
    "comments": ["comments"],
    "terms": ["categories", "tags", "venues"],
    "events": ["events"],
}
"""Each feed of the demo site and the site's data files its records come from."""


def site_ids(feed: str) -> list[int]:
    """The ids the site holds for a feed's records (ground truth, sorted)."""
    ids: list[int] = []
    for name in FEED_SOURCES[feed]:
        ids += [entry["id"] for entry in json.loads((SITE_DIR / f"{name}.json").read_text())]
    return sorted(ids)


def new_bucket(s3_server: Any) -> str:
    bucket = f"feeds-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=bucket)
    return bucket


def objects(s3_server: Any, bucket: str) -> dict[str, bytes]:
    client = s3_server.client()
    listing = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {
        o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listing
    }


def crawl_command(url: str, *settings: str, credentials_in_args: bool = False) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "wordpress", "-a", f"url={url}"]
    command += ["-s", "WORDPRESS_CLEANING_PROCESSES=1"]
    if credentials_in_args:
        command += [
            "-s",
            f"AWS_ACCESS_KEY_ID={ACCESS_KEY}",
            "-s",
            f"AWS_SECRET_ACCESS_KEY={SECRET_KEY}",
        ]
    for setting in settings:
        command += ["-s", setting]
    return command


def crawl_env(s3_server: Any, tmp_path: Path, *, with_keys: bool = True) -> dict[str, str]:
    """The environment a user is told to use: credentials and endpoint in AWS_* variables
    (boto's own chain), and a temp folder of the test's own."""
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    env = {**os.environ, **s3_server.settings(), "TMPDIR": str(temp)}
    if not with_keys:
        del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    return env


def crawl(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip


def records(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def test_crawl_to_s3_stores_every_feed_with_the_sites_records_and_no_secret(s3_server, tmp_path):
    bucket = new_bucket(s3_server)
    stats_file = tmp_path / "stats.json"
    with FakeWordPressServer(SITE_DIR) as wp:
        result = crawl(
            crawl_command(
                wp.home_url,
                f"WORDPRESS_OUTPUT_DIR=s3://{bucket}/nightly/",
                f"WORDPRESS_STATS_FILE={stats_file}",
                credentials_in_args=True,
            ),
            crawl_env(s3_server, tmp_path, with_keys=False),
        )
        site = site_slug(wp.home_url)
    assert result.returncode == 0, result.stderr[-3000:]
    stored = objects(s3_server, bucket)
    assert sorted(stored) == sorted(f"nightly/{site}/{feed}.jsonl" for feed in FEED_SOURCES)
    for feed in FEED_SOURCES:
        lines = records(stored[f"nightly/{site}/{feed}.jsonl"])
        assert sorted(record["id"] for record in lines) == site_ids(feed), feed
    # The secret given with -s reaches neither the log, nor the stats, nor any feed.
    assert "Overridden settings" in result.stderr
    assert "'AWS_SECRET_ACCESS_KEY': '<redacted>'" in result.stderr
    for where, text in [
        ("log", result.stdout + result.stderr),
        ("stats", stats_file.read_text()),
        *((key, data.decode("utf-8")) for key, data in stored.items()),
    ]:
        assert SECRET_KEY not in text, where
    # The crawl's feed temp folder is gone once it has finished.
    assert not list((tmp_path / "tmp").glob(f"{TEMPDIR_PREFIX}*"))


def test_gzip_run_folders_on_s3_are_readable_and_a_rerun_overwrites(s3_server, tmp_path):
    bucket = new_bucket(s3_server)
    env = crawl_env(s3_server, tmp_path)
    with FakeWordPressServer(SITE_DIR) as wp:
        gzipped = crawl(
            crawl_command(
                wp.home_url, f"WORDPRESS_OUTPUT_DIR=s3://{bucket}/",
                "WORDPRESS_RUN_FOLDERS=True", "WORDPRESS_FEED_GZIP=True",
            ),
            env,
        )  # fmt: skip
        assert gzipped.returncode == 0, gzipped.stderr[-3000:]
        stored = objects(s3_server, bucket)
        site = site_slug(wp.home_url)
        runs = {key.split("/")[1] for key in stored}
        assert len(runs) == 1
        (run,) = runs
        assert sorted(stored) == sorted(f"{site}/{run}/{feed}.jsonl.gz" for feed in FEED_SOURCES)
        for feed in FEED_SOURCES:
            lines = records(gzip.decompress(stored[f"{site}/{run}/{feed}.jsonl.gz"]))
            assert sorted(record["id"] for record in lines) == site_ids(feed), feed
        # The same key written twice (a killed job's re-run) holds one copy of each record.
        feeds = json.dumps({f"s3://{bucket}/%(site)s/fixed/posts.jsonl": {"format": "jsonlines"}})
        for _ in range(2):
            again = crawl(crawl_command(wp.home_url, f"FEEDS={feeds}"), env)
            assert again.returncode == 0, again.stderr[-3000:]
    posts = records(objects(s3_server, bucket)[f"{site}/fixed/posts.jsonl"])
    assert sorted(record["id"] for record in posts if record["type"] == "post") == site_ids("posts")


def test_a_killed_crawl_leaves_no_object_and_the_next_crawl_removes_its_temp_folder(
    s3_server, tmp_path
):
    bucket = new_bucket(s3_server)
    env = crawl_env(s3_server, tmp_path)
    log = tmp_path / "killed.log"
    with FakeWordPressServer(SITE_DIR, faults=Faults(latency=1.0)) as wp:
        with log.open("w") as stderr:
            process = subprocess.Popen(
                crawl_command(wp.home_url, f"WORDPRESS_OUTPUT_DIR=s3://{bucket}/"),
                cwd=PROJECT_DIR, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
                start_new_session=True,
            )  # fmt: skip
            try:
                deadline = time.monotonic() + 60
                while "Crawling posts" not in log.read_text() and time.monotonic() < deadline:
                    assert process.poll() is None, log.read_text()[-3000:]
                    time.sleep(0.1)
                time.sleep(1.5)  # records in flight into the temp files
                assert process.poll() is None, "the crawl ended before it could be killed"
            finally:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
        assert "Crawling posts" in log.read_text()
        assert objects(s3_server, bucket) == {}
        left = list((tmp_path / "tmp").glob(f"{TEMPDIR_PREFIX}{process.pid}-*"))
        assert len(left) == 1
        assert [p.name for p in left[0].iterdir() if p.name.startswith("feed-")]
        wp.set_faults(latency=0.0)
        after = crawl(crawl_command(wp.home_url, f"WORDPRESS_OUTPUT_DIR=s3://{bucket}/"), env)
    assert after.returncode == 0, after.stderr[-3000:]
    assert "Removed 1 feed temp folders of crawls that were killed" in after.stderr
    assert not list((tmp_path / "tmp").glob(f"{TEMPDIR_PREFIX}*"))


def test_a_missing_bucket_fails_the_crawl_in_one_line_and_commits_no_state(s3_server, tmp_path):
    state_dir = tmp_path / "state"
    with FakeWordPressServer(SITE_DIR) as wp:
        result = crawl(
            [
                *crawl_command(wp.home_url, "WORDPRESS_OUTPUT_DIR=s3://no-such-bucket/"),
                *("-s", f"STATE_DIR={state_dir}", "-a", "incremental=true"),
            ],
            crawl_env(s3_server, tmp_path),
        )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if " ERROR: " in line]
    feed = FeedLayout("s3://no-such-bucket/", run_folders=True).uri("posts")
    expected = (
        f"{errors[0][:19]} [crawler.extensions.feedstorage] ERROR: The feed {feed} cannot be "
        "stored: the bucket does not exist; create it first"
    )
    assert errors == [expected]
    assert "Traceback" not in result.stderr
    assert "'finish_reason': 'feed_storage_unavailable'" in result.stderr
    assert "[crawler.extensions.state] WARNING: State not updated" in result.stderr
    assert "'wordpress/state_committed': False" in result.stderr
    assert "'downloader/request_count'" not in result.stderr  # nothing crawled for nothing
    assert not list(state_dir.glob("**/*.json*")), "state committed after a failed crawl"


def test_a_failed_upload_fails_the_crawl_without_traceback_and_commits_no_state(
    s3_server, tmp_path
):
    """The bucket is there when the crawl starts and gone when it uploads its feeds."""
    bucket = new_bucket(s3_server)
    state_dir = tmp_path / "state"
    log = tmp_path / "crawl.log"
    with FakeWordPressServer(SITE_DIR, faults=Faults(latency=0.5)) as wp, log.open("w") as stderr:
        process = subprocess.Popen(
            [
                *crawl_command(wp.home_url, f"WORDPRESS_OUTPUT_DIR=s3://{bucket}/"),
                *("-s", f"STATE_DIR={state_dir}", "-a", "incremental=true"),
            ],
            cwd=PROJECT_DIR, env=crawl_env(s3_server, tmp_path), stdout=subprocess.DEVNULL,
            stderr=stderr,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while "Crawling posts" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        s3_server.client().delete_bucket(Bucket=bucket)
        assert process.wait(timeout=120) == 1
    text = log.read_text()
    assert "Traceback" not in text
    failed = [line for line in text.splitlines() if " ERROR: Error storing jsonlines feed" in line]
    # One line per kind of failure (repeats are DEBUG), each naming a feed and the reason.
    assert failed
    assert all(f"in: s3://{bucket}/" in line and "NoSuchBucket" in line for line in failed)
    assert f"{len(FEED_SOURCES)} feeds could not be stored" in text
    assert "'wordpress/state_committed': False" in text
    assert not list(state_dir.glob("**/*.json*")), "state committed after a failed upload"


@pytest.mark.parametrize("output", ["s3://feeds/", "s3://feeds/%(name)s/"])
def test_remote_layouts_have_no_local_folder_check(output):
    layout = FeedLayout(output)
    assert not layout.local
    assert all("output_root" not in options for options in layout.feeds().values())
    assert FeedLayout("out").feeds()[FeedLayout("out").uri("posts")]["output_root"] == "out"
