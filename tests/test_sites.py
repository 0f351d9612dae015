"""Many sites in one command: each on its own, one site's failure not stopping the others."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from scrapy import Spider
from scrapy.crawler import Crawler

from crawler.commands.crawl import crawl_failed
from crawler.commands.crawlsites import site_summary
from crawler.params import ArgumentError
from crawler.sites import parse_sites, read_sites
from tests.crawl import PROJECT_DIR

if TYPE_CHECKING:
    from pathlib import Path


def dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/"


def crawl_sites(sites: list[str], tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    sites_file = tmp_path / "sites.txt"
    sites_file.write_text(
        "# scheduled sites\n" + "\n".join(f"{url}  # a site" for url in sites) + "\n"
    )
    command = [sys.executable, "-m", "scrapy", "crawlsites", str(sites_file),
               "-s", f"WORDPRESS_OUTPUT_DIR={tmp_path / 'output'}", "-s", f"STATE_DIR={tmp_path / 'state'}",
               "-s", "RETRY_TIMES=0", *extra]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    return subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
                          timeout=600, check=False)  # fmt: skip


def test_sites_file_parsing():
    assert parse_sites("a.example\n  # comment\nhttps://b.example/x # note\n") == [
        "a.example", "https://b.example/x"]  # fmt: skip
    with pytest.raises(ArgumentError, match="line 2"):
        parse_sites("a.example\nftp://b.example/\n")
    with pytest.raises(ArgumentError, match="lists no site"):
        parse_sites("# nothing\n")


def test_a_crawler_that_never_started_is_a_failure_not_a_traceback():
    crawler = Crawler(Spider)  # Scrapy sets crawler.stats only when the crawl starts
    assert crawl_failed(crawler)
    assert site_summary("https://a.example/", crawler) == (
        "FAILED  https://a.example/  the crawl did not start"
    )


@pytest.mark.wordpress
def test_one_site_down_does_not_stop_the_other(wordpress_site, tmp_path):
    live, dead = wordpress_site.url("pretty"), dead_url()
    result = crawl_sites([dead, live], tmp_path, "-a", "incremental=true")
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert "Sites: 1 ok, 1 failed" in result.stdout
    assert f"FAILED  {dead}  could not reach" in result.stdout
    ok_line = next(line for line in result.stdout.splitlines() if line.startswith("ok"))
    published = len(wordpress_site.ground_truth("pretty")["posts"])
    assert f"{live}  " in ok_line
    assert f"posts {published}" in ok_line
    host = live.split("//")[1].rstrip("/").replace(":", "_")
    assert len(list((tmp_path / "output" / host).glob("*/posts.jsonl"))) == 1  # a run folder
    # The site that was down committed no state: its next run starts from scratch.
    assert sorted(p.name for p in (tmp_path / "state").iterdir()) == [f"{host}.json"]


def test_a_bad_sites_file_is_one_clear_line(tmp_path):
    (tmp_path / "sites.txt").write_text("https://ok.example/\nnot a url\n")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    result = subprocess.run([sys.executable, "-m", "scrapy", "crawlsites", str(tmp_path / "sites.txt")],
                            cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120,
                            check=False)  # fmt: skip
    assert result.returncode == 2
    assert "line 2" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
    ],
)
def test_sites_files_in_utf8_with_or_without_bom_and_utf16(tmp_path, encoding, bom):
    text = "# Bücher\r\nhttps://bücher.example/\r\nhttps://a.example/  # café\r\nbücher.example\r\n"
    sites_file = tmp_path / "sites.txt"
    sites_file.write_bytes(bom + text.encode(encoding))
    assert read_sites(sites_file) == ["https://xn--bcher-kva.example/", "https://a.example/"]


def test_a_latin1_sites_file_is_one_error_naming_file_and_line(tmp_path):
    sites_file = tmp_path / "sites.txt"
    sites_file.write_bytes("https://a.example/\nhttps://bücher.example/\n".encode("latin-1"))
    with pytest.raises(ArgumentError) as info:
        read_sites(sites_file)
    assert str(info.value) == (
        f"{sites_file}, line 2: byte 0xfc at column 10 is not UTF-8; "
        "save the file as UTF-8 (or UTF-16 with a BOM)"
    )


def test_a_broken_utf16_file_is_one_error(tmp_path):
    sites_file = tmp_path / "sites.txt"
    sites_file.write_bytes(b"\xff\xfe" + "a.example".encode("utf-16-le") + b"\x00\xd8")
    with pytest.raises(ArgumentError, match="not valid UTF-16"):
        read_sites(sites_file)


def test_crawlsites_with_an_undecodable_file_exits_2_with_one_line(tmp_path):
    sites_file = tmp_path / "sites.txt"
    sites_file.write_bytes(b"# caf\xe9\nhttps://a.example/\n")
    command = [sys.executable, "-m", "scrapy", "crawlsites", str(sites_file)]
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    process = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
                             timeout=120, check=False)  # fmt: skip
    assert process.returncode == 2
    assert (
        f"error: {sites_file}, line 1: byte 0xe9 at column 6 is not UTF-8; "
        "save the file as UTF-8 (or UTF-16 with a BOM)\n"
    ) in process.stderr
    assert "Traceback" not in process.stderr
