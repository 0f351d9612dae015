"""Site jobs: the result file, crawl_site against a live fake site, enqueue's idempotence and
validation, the status table, and ``crawlsites -j``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from crawler.distributed.jobs import (
    SiteFailed,
    crawl_command,
    crawl_site,
    split_settings,
)
from crawler.distributed.queue import JobOptions, JobRow, enqueue_sites, job_id
from crawler.distributed.status import site_statuses, status_table
from crawler.extensions.result import crawl_result
from crawler.feeds import site_slug
from demo.fake_wordpress import FakeWordPressServer
from demo.generate import generate_site
from tests.crawl import PROJECT_DIR

if TYPE_CHECKING:
    from demo.site import SiteData


def dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/"


def post_ids(feed: Path) -> list[int]:
    return [json.loads(line)["id"] for line in feed.read_text().splitlines()]


def truth(data: SiteData) -> set[int]:
    return {post["id"] for post in data.collections["posts"]}


def scrapy(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=PROJECT_DIR, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)  # fmt: skip


# The result file's rules ----------------------------------------------------------------


def test_the_result_tells_busy_failed_and_clean_runs_apart():
    clean = crawl_result({"finish_reason": "finished", "wordpress/posts/collected": 5,
                          "wordpress/state_committed": True}, "http://a/", "r1")  # fmt: skip
    assert (clean["failed"], clean["busy"], clean["counts"], clean["state_committed"]) == (
        False, False, {"posts": 5}, True)  # fmt: skip
    lost = crawl_result({"finish_reason": "finished", "wordpress/incomplete": 3}, "http://a/", "r")
    assert lost["failed"]
    assert lost["failure"] == "pages were lost"
    errors = crawl_result({"finish_reason": "finished", "wordpress/errors": 1,
                           "wordpress/error": "boom\nsecond line"}, "http://a/", "r")  # fmt: skip
    assert errors["failed"]
    assert errors["failure"] == "boom second line"
    busy = crawl_result({"finish_reason": "site_busy"}, "http://a/", "r")
    assert busy["busy"]
    assert busy["failed"]


def test_secrets_stay_off_the_command_line():
    settings = {"AWS_SECRET_ACCESS_KEY": "k-s3cr3t", "STATE_URI": "redis://:pw-s3cr3t@h:6379/0",
                "LOG_LEVEL": "INFO"}  # fmt: skip
    plain, environment, private = split_settings(settings)
    argv = crawl_command("http://a/", "r1", {"incremental": "true"}, plain)
    assert not any("s3cr3t" in arg for arg in argv)
    assert environment == {"AWS_SECRET_ACCESS_KEY": "k-s3cr3t"}
    assert private == {"STATE_URI": "redis://:pw-s3cr3t@h:6379/0"}
    assert "LOG_LEVEL=INFO" in argv


# crawl_site against a live fake site ------------------------------------------------------


def test_crawl_site_crawls_one_site_in_a_child_process_and_returns_its_result(tmp_path):
    data = generate_site(60, seed=3)
    with FakeWordPressServer(data, spelling="pretty") as wp:
        result = crawl_site(wp.home_url, "run-1", settings={
            "WORDPRESS_OUTPUT_DIR": str(tmp_path / "out"),
            "WORDPRESS_JOB_LOG_DIR": str(tmp_path / "logs"),
            "AWS_SECRET_ACCESS_KEY": "never-in-argv",
            "STATE_URI_PASSWORD_CHECK": "x",  # a private setting: the crawl still runs
        })  # fmt: skip
        site = wp.home_url
    assert result["finish_reason"] == "finished"
    assert not result["failed"]
    assert result["counts"]["posts"] == len(truth(data))
    feed = tmp_path / "out" / site_slug(site) / "posts.jsonl"
    ids = post_ids(feed)
    assert sorted(ids) == sorted(truth(data))  # every post, once
    log = tmp_path / "logs" / site_slug(site) / "run-1.log"
    assert str(log) == result["log"]
    text = log.read_text()
    assert "Spider closed (finished)" in text
    assert "never-in-argv" not in text
    # The job's private folder (result file, settings module) is gone.
    assert len(json.dumps(result)) < 2000  # small: counts, never records


def test_crawl_site_of_a_dead_site_raises_one_line(tmp_path):
    url = dead_url()
    with pytest.raises(SiteFailed) as failure:
        crawl_site(url, "r1", settings={"WORDPRESS_OUTPUT_DIR": str(tmp_path / "out"),
                                        "WORDPRESS_JOB_LOG_DIR": str(tmp_path / "logs"),
                                        "RETRY_TIMES": "0"})  # fmt: skip
    message = str(failure.value)
    assert "\n" not in message
    assert message.startswith(url)
    assert "could not reach" in message


def test_crawl_site_stops_a_crawl_past_its_timeout(tmp_path):
    data = generate_site(30, seed=4)
    with FakeWordPressServer(data, spelling="pretty") as wp:
        wp.set_faults(latency=2.0)
        with pytest.raises(SiteFailed, match="longer than 3 s"):
            crawl_site(wp.home_url, "r1", settings={
                "WORDPRESS_OUTPUT_DIR": str(tmp_path / "out"),
                "WORDPRESS_JOB_LOG_DIR": str(tmp_path / "logs"),
                "WORDPRESS_JOB_TIMEOUT": "3"})  # fmt: skip


def test_bad_site_or_run_id_is_one_line_before_any_process():
    with pytest.raises(SiteFailed, match="run id"):
        crawl_site("http://a.example/", "../../etc")
    with pytest.raises(SiteFailed):
        crawl_site("ftp://a.example/", "r1")


# crawlsites -j --------------------------------------------------------------------------------


def test_crawlsites_j_runs_sites_in_parallel_processes_with_todays_summary(tmp_path):
    sites = [generate_site(40, seed=seed) for seed in (5, 6)]
    with FakeWordPressServer(sites[0], spelling="pretty") as a, \
         FakeWordPressServer(sites[1], spelling="plain") as b:  # fmt: skip
        dead = dead_url()
        (tmp_path / "sites.txt").write_text(f"{a.home_url}\n{b.home_url}\n{dead}\n")
        result = scrapy("crawlsites", str(tmp_path / "sites.txt"), "-j", "3",
                        "-s", f"WORDPRESS_OUTPUT_DIR={tmp_path / 'out'}",
                        "-s", f"WORDPRESS_JOB_LOG_DIR={tmp_path / 'logs'}",
                        "-s", "RETRY_TIMES=0")  # fmt: skip
        urls = [a.home_url, b.home_url]
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert "Sites: 2 ok, 1 failed" in result.stdout
    assert f"FAILED  {dead}  could not reach" in result.stdout
    for url, data in zip(urls, sites, strict=True):
        assert f"ok      {url}  " in result.stdout
        assert f"posts {len(truth(data))}" in result.stdout
        feed = tmp_path / "out" / site_slug(url) / "posts.jsonl"
        assert sorted(post_ids(feed)) == sorted(truth(data))


# enqueue and status --------------------------------------------------------------------------


def test_job_ids_are_one_per_site_and_run():
    assert job_id("https://e.com/a/", "r1") == job_id("https://E.COM/a", "r1")
    assert len({job_id("https://e.com/a/", "r1"), job_id("https://e.com/b/", "r1"),
                job_id("https://e.com/a/", "r2")}) == 3  # fmt: skip
    long = job_id("https://" + "x" * 300 + ".example/" + "y/" * 200, "r" * 100)
    assert len(long) < 130


def test_enqueue_twice_queues_each_site_once(redis_url):
    import redis
    from rq import Queue

    connection = redis.Redis.from_url(redis_url)
    urls = ["http://127.0.0.1:1/", "http://127.0.0.1:2/blog/", "http://127.0.0.1:2/shop/"]
    first = enqueue_sites(connection, urls, "r1", JobOptions(retries=2, retry_interval=5))
    again = enqueue_sites(connection, urls, "r1", JobOptions())
    assert [e.status for e in first] == ["queued"] * 3
    assert [e.status for e in again] == ["already queued"] * 3
    queue = Queue("wordpress", connection=connection)
    assert len(queue) == 3
    job = queue.fetch_job(first[1].job_id)
    assert job is not None
    assert job.args == ("http://127.0.0.1:2/blog/", "r1")
    assert job.meta == {"site": "http://127.0.0.1:2/blog/", "run": "r1"}
    assert job.retries_left == 2
    assert job.timeout is not None
    assert job.timeout > 6 * 3600
    another_run = enqueue_sites(connection, urls[:1], "r2")
    assert another_run[0].status == "queued"
    assert len(queue) == 4
    connection.close()


def test_enqueue_command_validates_every_line_first(redis_url, tmp_path):
    import redis

    (tmp_path / "sites.txt").write_text("http://127.0.0.1:1/\nnot a url\n")
    result = scrapy("enqueue", str(tmp_path / "sites.txt"), "--redis", redis_url)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "line 2" in result.stderr
    assert redis.Redis.from_url(redis_url).keys("rq:job:*") == []  # nothing queued

    (tmp_path / "sites.txt").write_text("http://127.0.0.1:1/\nhttp://127.0.0.1:2/\n")
    result = scrapy("enqueue", str(tmp_path / "sites.txt"), "--redis", redis_url, "--run-id", "n1",
                    "-a", "incremental=true", "-s", "LOG_LEVEL=INFO")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Run n1: 2 site(s) queued on 'wordpress', 0 already there" in result.stdout
    again = scrapy("enqueue", str(tmp_path / "sites.txt"), "--redis", redis_url, "--run-id", "n1")
    assert "0 site(s) queued on 'wordpress', 2 already there" in again.stdout


def test_enqueue_and_status_with_redis_down_are_one_line(tmp_path):
    (tmp_path / "sites.txt").write_text("http://127.0.0.1:1/\n")
    down = dead_url().replace("http://", "redis://:pass-s3cr3t@") + "0"
    for command in (("enqueue", str(tmp_path / "sites.txt")), ("sitesstatus",)):
        result = scrapy(*command, "--redis", down)
        assert result.returncode == 2
        assert result.stderr.startswith("error: cannot reach Redis at redis://127.0.0.1:")
        assert result.stderr.strip().count("\n") == 0
        assert "s3cr3t" not in result.stderr + result.stdout


def test_status_shows_last_good_run_running_and_failures():
    rows = [
        JobRow("http://a/", "r1", "finished", 10.0, result={"counts": {"posts": 3}}),
        JobRow("http://a/", "r2", "failed", 20.0, failure="SiteFailed: http://a/: site down"),
        JobRow("http://b/", "r1", "failed", 5.0, failure="SiteFailed: old"),
        JobRow("http://b/", "r2", "finished", 15.0, result={"counts": {"posts": 7}}),
        JobRow("http://c/", "r2", "scheduled", 30.0),
        JobRow("http://c/", "r2", "running", 31.0, worker="w1"),
    ]
    statuses = {s.site: s for s in site_statuses(rows)}
    assert statuses["http://a/"].failure == "r2: SiteFailed: http://a/: site down"
    assert statuses["http://b/"].failure == ""  # a later run went well
    assert statuses["http://b/"].counts == {"posts": 7}
    assert statuses["http://c/"].running == "running on w1"
    table = status_table(list(statuses.values()))
    assert table.splitlines()[0].split() == ["SITE", "LAST", "RUN", "OUTCOME", "COUNTS", "NOW",
                                             "FAILED"]  # fmt: skip
    assert "3 site(s): 2 ok, 1 running or waiting, 1 failed" in table


def test_a_killed_job_takes_its_crawl_with_it(tmp_path):
    """PR_SET_PDEATHSIG: SIGKILL only the process that called crawl_site (an RQ work horse)
    and its crawl dies too, instead of writing feeds beside the site's re-run."""
    data = generate_site(40, seed=9)
    with FakeWordPressServer(data, spelling="pretty") as wp:
        wp.set_faults(latency=1.0, max_per_page=5)
        code = ("import sys; from crawler.distributed.jobs import crawl_site; "
                "crawl_site(sys.argv[1], 'r1', settings={'WORDPRESS_OUTPUT_DIR': sys.argv[2], "
                "'WORDPRESS_JOB_LOG_DIR': sys.argv[2]})")  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
        job = subprocess.Popen([sys.executable, "-c", code, wp.home_url, str(tmp_path)],
                               cwd=PROJECT_DIR, env=env)  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while len(wp.requests) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            crawls = children(job.pid)
            assert len(crawls) == 1
        finally:
            job.kill()
            job.wait()
        deadline = time.monotonic() + 10
        while Path(f"/proc/{crawls[0]}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not Path(f"/proc/{crawls[0]}").exists()  # no orphan crawl
        served = len(wp.requests)
        time.sleep(2.5)
        assert len(wp.requests) == served


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found
