"""The media files pipeline without a site: names that stay inside FILES_STORE, the caps, the
state's stored files, and what the pipeline leaves alone."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import TYPE_CHECKING

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse
from scrapy.pipelines.media import FileException
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler.items import ImageSize, MediaItem, PostItem
from crawler.pipelines.media_files import MediaFilesPipeline, default_store
from crawler.state.changes import RunChanges
from crawler.state.store import SiteState, StateError, load_state, save_state
from crawler.wordpress.mediafiles import file_urls, refusal
from tests.crawl import crawl
from tests.hostile import Answer, LyingSite, paged
from tests.test_addresses import (
    LYING,
    guard,  # noqa: F401  # the network guard (autouse)
    hosts_asked,
    through_proxy,
)

if TYPE_CHECKING:
    from pathlib import Path

HOSTILE_URLS = [
    "http://e.com/wp-content/uploads/../../x.jpg",
    "http://e.com/wp-content/uploads/%2e%2e%2f%2e%2e%2fx.jpg",
    "http://e.com/wp-content/uploads/..%2f..%2f..%2fetc%2fpasswd",
    "http://e.com/wp-content/uploads/%2e%2e/%2e%2e/%2e%2e/x.php%00.png",
    "http://e.com/wp-content/uploads/" + "a" * 5000 + ".jpg",
    "http://e.com/wp-content/uploads/x.jpg?name=../../../y.jpg",
    "http://e.com/wp-content/uploads/C:%5CWindows%5Cx.jpg",
    "http://e.com/wp-content/uploads/%00/x",
]


class FakeSpider:
    """What the pipeline reads of the spider: its hosts and, in incremental runs, the changes."""

    def __init__(self, changes: RunChanges | None = None) -> None:
        self.allowed_hosts = {"e.com"}
        self.changes = changes


def pipeline(tmp_path: Path, **settings: object) -> MediaFilesPipeline:
    crawler = get_crawler(
        settings_dict={
            "WORDPRESS_DOWNLOAD_MEDIA": True,
            "FILES_STORE": str(tmp_path / "store"),
            **settings,
        }
    )
    files = MediaFilesPipeline.from_crawler(crawler)
    crawler.spider = FakeSpider()  # type: ignore[assignment]
    files.open_spider()  # type: ignore[call-arg]
    return files


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_a_hostile_file_name_is_stored_inside_files_store(tmp_path, url):
    files = pipeline(tmp_path)
    request = Request(url, meta={"wordpress_media_id": 1})
    response = HtmlResponse(url, body=b"\xff\xd8 image bytes", request=request)
    result = asyncio.run(files.media_downloaded(response, request, files.spiderinfo))

    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) == 1
    store = (tmp_path / "store").resolve()
    assert written[0].resolve().is_relative_to(store)
    assert written[0].read_bytes() == b"\xff\xd8 image bytes"
    assert written[0].resolve() == store / result["path"]
    assert len(written[0].name) <= 40 + 9
    assert result["checksum"] == hashlib.md5(b"\xff\xd8 image bytes").hexdigest()
    assert result["size"] == len(b"\xff\xd8 image bytes")  # type: ignore[typeddict-item]


def test_an_error_answer_is_a_failed_file_not_an_exception(tmp_path):
    """No exception: MediaPipeline would log it as an ERROR with a traceback, failing the crawl."""
    files = pipeline(tmp_path)
    url = "http://e.com/wp-content/uploads/gone.jpg"
    request = Request(url)
    for status, body, reason in ((404, b"not found", "HTTP 404"), (200, b"", "empty file")):
        response = HtmlResponse(url, status=status, body=body, request=request)
        result = asyncio.run(files.media_downloaded(response, request, files.spiderinfo))
        assert result["status"] == "failed"
        assert files.failures[url] == reason
    files.media_failed(Failure(IgnoreRequest("offsite: x")), request, files.spiderinfo)
    assert files.failures[url].startswith("refused")
    assert not (tmp_path / "store" / "full").exists()


def test_item_completed_sets_file_counts_failures_and_notes_the_state(tmp_path, caplog):
    files = pipeline(tmp_path, WORDPRESS_MEDIA_SIZES="full,large")
    run = RunChanges(SiteState("http://e.com/"))
    files.crawler.spider.changes = run  # type: ignore[union-attr]
    item = MediaItem(
        site="http://e.com/",
        id=7,
        source_url="http://e.com/wp-content/uploads/a.jpg",
        sizes={
            "full": ImageSize(source_url="http://e.com/wp-content/uploads/a.jpg"),
            "large": ImageSize(source_url="http://e.com/wp-content/uploads/a-1024.jpg"),
        },
    )
    requests = files.get_media_requests(item, files.spiderinfo)
    assert [r.url for r in requests] == [
        "http://e.com/wp-content/uploads/a.jpg",
        "http://e.com/wp-content/uploads/a.jpg",
        "http://e.com/wp-content/uploads/a-1024.jpg",
    ]
    done = {"url": requests[0].url, "path": "full/x.jpg", "checksum": "c", "size": 3}
    failure = FileException("HTTP 404: http://e.com/wp-content/uploads/a-1024.jpg")
    results = [(True, done), (True, done), (False, Failure(failure))]
    files.item_completed(results, item, files.spiderinfo)  # type: ignore[arg-type]

    assert item.file is not None
    assert (item.file.path, item.file.size) == ("full/x.jpg", 3)
    assert set(item.size_files) == {"full"}
    assert files.crawler.stats.get_value("wordpress/media_files/failed") == 1
    assert "media 7 not downloaded" in caplog.text
    assert "a-1024.jpg" in caplog.text
    assert run.media_files == {7: {"full/x.jpg": {"checksum": "c", "size": 3}}}


def test_caps_per_file_and_in_total(tmp_path):
    files = pipeline(tmp_path, WORDPRESS_MEDIA_MAX_FILE_BYTES=1000, WORDPRESS_MEDIA_MAX_BYTES=1500)
    item = MediaItem(site="http://e.com/", id=1, source_url="http://e.com/wp-content/uploads/a.jpg")
    assert files.get_media_requests(item, files.spiderinfo)[0].meta["download_maxsize"] == 1000
    files.stored_bytes = 1200
    assert files.get_media_requests(item, files.spiderinfo)[0].meta["download_maxsize"] == 300
    files.stored_bytes = 1500
    assert files.get_media_requests(item, files.spiderinfo) == []
    assert files.crawler.stats.get_value("wordpress/media_files/over_total") == 1


def test_only_the_site_and_its_uploads_hosts(tmp_path):
    files = pipeline(tmp_path)
    item = MediaItem(site="http://e.com/", id=1, source_url="http://evil.test/x.jpg")
    assert files.get_media_requests(item, files.spiderinfo) == []
    assert files.crawler.stats.get_value("wordpress/media_files/refused") == 1
    cdn = MediaItem(
        site="http://e.com/", id=2, source_url="https://cdn.e.net/wp-content/uploads/x.jpg"
    )
    assert len(files.get_media_requests(cdn, files.spiderinfo)) == 1
    assert "cdn.e.net" in files.crawler.spider.allowed_hosts  # type: ignore[union-attr]
    assert refusal("javascript:x", {"e.com"}, set()) is not None
    assert file_urls("data:image/png;base64,xx", {}, []) == {}


def test_other_records_pass_at_once_and_the_pipeline_is_opt_in(tmp_path):
    files = pipeline(tmp_path)
    post = PostItem(site="http://e.com/", id=1)
    assert asyncio.run(files.process_item(post)) is post
    with pytest.raises(NotConfigured):
        MediaFilesPipeline.from_crawler(get_crawler(settings_dict={"FILES_STORE": "x"}))
    assert default_store({"WORDPRESS_OUTPUT_DIR": "o"}, "http://../") == "o/host-5ec1f7e7/files"


def test_stored_files_round_trip_through_the_state(tmp_path):
    path = tmp_path / "s.json"
    state = SiteState(
        "http://e.com/", media_files={7: {"full/a.jpg": {"checksum": "c", "size": 3}}}
    )
    save_state(path, state)
    assert load_state(path, "http://e.com/").media_files == state.media_files
    save_state(path, SiteState("http://e.com/"))
    assert "media_files" not in json.loads(path.read_text())
    path.write_text(json.dumps({"format": 1, "site": "http://e.com/", "media_files": {"x": {}}}))
    with pytest.raises(StateError, match="malformed media files"):
        load_state(path, "http://e.com/")


def media(record_id: int, source_url: str) -> dict[str, object]:
    return {
        "id": record_id,
        "date_gmt": "2024-01-01T00:00:00",
        "modified_gmt": "2024-01-01T00:00:00",
        "slug": f"m{record_id}",
        "title": {"rendered": f"M{record_id}"},
        "source_url": source_url,
        "mime_type": "image/jpeg",
        "media_type": "image",
        "media_details": {},
    }


def test_files_follow_the_scope_and_the_address_policy(tmp_path, monkeypatch):
    """The files' requests go through the crawl's downloader middlewares: a host that is not
    the site's and holds no uploads is refused by the pipeline, an uploads host on a private
    address by the address policy; neither is contacted, and the crawl still succeeds."""
    with LyingSite(posts=1) as site:
        own = f"{site.url}wp-content/uploads/2024/01/a.jpg"
        private = f"http://internal.test:{site.port}/wp-content/uploads/b.jpg"
        offsite = f"http://public.test:{site.port}/elsewhere/c.jpg"
        hostile = f"{site.url}wp-content/uploads/..%2f..%2f..%2fd.jpg"
        records = [media(1, own), media(2, private), media(3, offsite), media(4, hostile)]
        site.route("/wp-json/wp/v2/media", paged(records))
        site.route("/wp-content/uploads/2024/01/a.jpg", lambda _: Answer(200, b"A" * 10))
        site.route("/wp-content/uploads/..%2f..%2f..%2fd.jpg", lambda _: Answer(200, b"D" * 5))
        through_proxy(monkeypatch, site)
        result = crawl(
            site.url,
            tmp_path,
            settings={**LYING, "WORDPRESS_DOWNLOAD_MEDIA": True},
            timeout=60,
        )
    assert result.returncode == 0, result.log[-3000:]
    assert hosts_asked(site) == {"127.0.0.1"}
    files = {r["id"]: r["file"] for r in result.feed("media")}
    assert files[2] is None
    assert files[3] is None
    (store,) = result.output_dir.glob("*/files")
    assert (store / files[1]["path"]).read_bytes() == b"A" * 10
    assert (store / files[4]["path"]).read_bytes() == b"D" * 5
    written = [p.resolve() for p in tmp_path.rglob("*") if p.is_file() and p.suffix == ".jpg"]
    assert all(p.is_relative_to(store.resolve()) for p in written)
    assert len(written) == 2
    assert result.stats["wordpress/address_blocked"] == 1
    assert result.stats["wordpress/media_files/refused"] == 1
    assert result.stats["wordpress/media_files/failed"] == 1
    lines = [line for line in result.log.splitlines() if "not downloaded" in line]
    assert len(lines) == 2, lines
    assert any("media 2 " in line and private in line for line in lines)
    assert any("media 3 " in line and offsite in line for line in lines)
