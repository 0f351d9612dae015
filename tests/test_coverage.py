"""The closing coverage line: records rebuilt without REST per feed and source, the fields
they miss and how often, failed URLs; nothing at all when every record came from REST."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from scrapy import signals
from scrapy.utils.test import get_crawler

from crawler.crawl.coverage import MAX_LISTED, MAX_NAMES, Coverage
from crawler.extensions.coverage import FallbackCoverage, url_failed
from crawler.items import CommentItem, EntryItem, FeaturedImage, PageItem, PostItem, TombstoneItem
from demo.fake_wordpress import FakeWordPressServer
from tests.crawl import crawl, schema_validator

SITE = "https://e.com/"
SITE_DIR = Path(__file__).resolve().parent.parent / "demo" / "site"
PAGE_NULLS = ["date_gmt", "modified_gmt", "author"]


# The pure counter -------------------------------------------------------------------------


def test_the_line_counts_rebuilt_records_null_fields_and_failed_urls():
    cov = Coverage()
    for _ in range(300):
        cov.add("posts", "html", ["featured_media.id"])
    for _ in range(5):
        cov.add("pages", "html", PAGE_NULLS)
    cov.add("users", "rest")
    assert cov.line() == (
        "Rebuilt without REST: posts 300/300 from html, pages 5/5 from html; "
        "null: featured_media.id 300 (posts), author 5 (pages), date_gmt 5 (pages), "
        "modified_gmt 5 (pages); failed URLs: 0"
    )
    assert cov.stats() == {
        "wordpress/fallback/posts/html": 300,
        "wordpress/fallback/pages/html": 5,
        "wordpress/fallback/missing/featured_media.id": 300,
        "wordpress/fallback/missing/date_gmt": 5,
        "wordpress/fallback/missing/modified_gmt": 5,
        "wordpress/fallback/missing/author": 5,
    }


def test_mixed_sources_and_feeds_are_told_apart():
    cov = Coverage()
    for source in ["rest"] * 3 + ["html"] * 2 + ["sitemap"]:
        cov.add("posts", source, [] if source in ("rest", "html") else ["title"])
    cov.add("pages", "feed", ["title"])
    cov.add_failed("page")
    cov.add_failed("page")
    cov.add_failed("sitemap")
    assert cov.line() == (
        "Rebuilt without REST: posts 3/6 (2 from html, 1 from sitemap), pages 1/1 from feed; "
        "null: title 2 (posts 1, pages 1); failed URLs: 3 (page 2, sitemap 1)"
    )
    stats = cov.stats()
    assert "wordpress/fallback/posts/rest" not in stats
    assert (stats["wordpress/fallback/posts/sitemap"], stats["wordpress/fallback/failed"]) == (1, 3)
    assert stats["wordpress/fallback/failed/page"] == 2


def test_nothing_to_say_when_every_record_came_from_rest():
    cov = Coverage()
    for _ in range(10):
        cov.add("posts", "rest", ["ignored"])
    assert cov.line() is None
    assert cov.stats() == {}


def test_failed_urls_alone_are_reported():
    cov = Coverage()
    cov.add("posts", "rest")
    cov.add_failed("sitemap")
    assert cov.line() == "Rebuilt without REST: no records; null: none; failed URLs: 1 (sitemap 1)"


def test_site_strings_never_reach_the_line():
    cov = Coverage()
    evil = ["\x1b[31mred", "a\nERROR fake", "<script>", "https://evil.test/x", "Ünï", "x" * 500]
    for text in evil:
        cov.add(text, "html", [text])
        cov.add("posts", text, [text, "title"])
        cov.add_failed(text)
    line = cov.line()
    assert line is not None
    for text in evil:
        assert text not in line
    assert line.isascii()
    assert line.isprintable()
    assert "posts 6/6 from other" in line
    assert "title 6 (posts)" in line
    assert all(key.isascii() and "\n" not in key for key in cov.stats())


def test_counts_stay_bounded_whatever_a_builder_sends():
    cov = Coverage()
    for n in range(1000):
        cov.add(f"feed{n}", "html", [f"field{n}_{k}" for k in range(100)])
        cov.add_failed(f"kind{n}")
    assert len(cov.records) <= MAX_NAMES + 1
    assert len(cov.missing) <= MAX_NAMES + 1
    assert len(cov.failed) <= MAX_NAMES + 1
    line = cov.line()
    assert line is not None
    assert line.count(" (") <= len(cov.records) + MAX_LISTED + 1
    assert f"and {len(cov.missing) - MAX_LISTED} more fields" in line
    assert sum(cov.failed.values()) == 1000  # every failure counted, under "other" past the cap
    cov.add("posts", "html", "title")  # a string, not a list: one name, not five letters
    assert "t" not in cov.missing


# The extension ----------------------------------------------------------------------------


def scraped(items, failed=()):
    """The extension fed ``items`` and ``failed`` URL kinds through the crawl's signals; its
    crawler's stats."""
    crawler = get_crawler(settings_dict={})
    crawler.stats.open_spider()
    extension = FallbackCoverage.from_crawler(crawler)  # held: signals keep weak references
    for item in items:
        crawler.signals.send_catch_log(signals.item_scraped, item=item, response=None, spider=None)
    for kind in failed:
        crawler.signals.send_catch_log(url_failed, url_kind=kind)
    extension.spider_closed()  # as the spider_closed signal would (Scrapy's CoreStats needs a
    # real crawl there)
    return crawler.stats.get_stats()


def fallback_post(n, **fields):
    return PostItem(site=SITE, id=n, source="html", **fields)


def test_the_extension_logs_one_line_from_the_scraped_records(caplog):
    items = [
        *(fallback_post(n, missing=["featured_media.id"], featured_media=FeaturedImage(id=None))
          for n in range(1, 4)),
        PostItem(site=SITE, id=9),  # REST
        PageItem(site=SITE, id=10, source="html", missing=["date_gmt"]),
        EntryItem(site=SITE, id=11, type="\x1b[2Jevil-type", source="sitemap", missing=["title"],
                  title=None),
        CommentItem(site=SITE, id=12),
        TombstoneItem(type="post", id=13, site=SITE, detected_at="2024-01-01T00:00:00Z"),
    ]  # fmt: skip
    with caplog.at_level(logging.INFO, logger="crawler.extensions.coverage"):
        stats = scraped(items, failed=["page"])
    lines = [r.getMessage() for r in caplog.records if r.name == "crawler.extensions.coverage"]
    assert lines == [
        (
            "Rebuilt without REST: posts 3/4 from html, pages 1/1 from html, "
            "custom-types 1/1 from sitemap; null: featured_media.id 3 (posts), "
            "date_gmt 1 (pages), title 1 (custom-types); failed URLs: 1 (page 1)"
        )
    ]
    assert caplog.records[-1].levelno == logging.INFO
    assert stats["wordpress/fallback/posts/html"] == 3
    assert stats["wordpress/fallback/custom-types/sitemap"] == 1
    assert stats["wordpress/fallback/missing/featured_media.id"] == 3
    assert stats["wordpress/fallback/failed/page"] == 1
    assert "wordpress/fallback/comments/rest" not in stats


def test_the_extension_says_nothing_when_every_record_came_from_rest(caplog):
    with caplog.at_level(logging.DEBUG, logger="crawler.extensions.coverage"):
        stats = scraped([PostItem(site=SITE, id=n) for n in range(50)])
    assert not [r for r in caplog.records if r.name == "crawler.extensions.coverage"]
    assert not [key for key in stats if key.startswith("wordpress/fallback")]


@pytest.fixture(scope="module")
def rest_crawl(tmp_path_factory):
    with FakeWordPressServer(SITE_DIR, spelling="pathinfo") as wp:
        yield crawl(wp.home_url, tmp_path_factory.mktemp("rest"))


def test_a_rest_crawl_logs_no_coverage_line(rest_crawl):
    assert rest_crawl.returncode == 0, rest_crawl.log[-3000:]
    assert rest_crawl.feed("posts")
    assert "Rebuilt without REST" not in rest_crawl.log
    assert not [key for key in rest_crawl.stats if key.startswith("wordpress/fallback")]
    assert all(r["source"] == "rest" and r["missing"] == [] for r in rest_crawl.feed("posts"))


class PagesFromHtml:
    """A stand-in for the fallback (not written yet): every page comes out as if rebuilt from
    its HTML, which on core WordPress shows no dates."""

    def process_item(self, item):
        if isinstance(item, PageItem):
            item.source, item.missing = "html", ["date_gmt", "modified_gmt"]
            item.date_gmt = item.modified_gmt = None
        return item


def test_a_crawl_with_rebuilt_records_ends_with_the_line(tmp_path):
    pipelines = {"crawler.pipelines.clean.CleanContentPipeline": 300,
                 f"{__name__}.PagesFromHtml": 400}  # fmt: skip
    with FakeWordPressServer(SITE_DIR, spelling="pathinfo") as wp:
        result = crawl(wp.home_url, tmp_path, settings={"ITEM_PIPELINES": pipelines})
    assert result.returncode == 0, result.log[-3000:]
    pages = result.feed("pages")
    assert pages
    assert all(p["source"] == "html" and p["date_gmt"] is None for p in pages)
    n = len(pages)
    line = f"Rebuilt without REST: pages {n}/{n} from html; null: date_gmt {n} (pages), "
    line += f"modified_gmt {n} (pages); failed URLs: 0"
    assert result.log.count("Rebuilt without REST") == 1
    assert f"INFO: {line}\n" in result.log
    assert result.stats["wordpress/fallback/pages/html"] == n
    assert result.stats["wordpress/fallback/missing/date_gmt"] == n
    assert "wordpress/fallback/posts/rest" not in result.stats
    validator = schema_validator("pages")
    for page in pages:
        validator.validate(page)
