"""The cleaning pipeline on records rebuilt without REST: a null ``content_html`` or
``excerpt`` (the source could not tell it) stays null, and nothing is derived from it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from crawler.cleaning.batch import Job, clean_batch
from crawler.cleaning.content import CleanOptions
from crawler.items import CommentItem, PostItem
from crawler.pipelines.clean import CleanContentPipeline

SITE = "https://e.com/"
CONTENT = '<p>Two <a href="/x">words</a></p><img src="/a.jpg" alt="A">'


def cleaned(items: list[Any], processes: int = 1) -> tuple[list[Any], dict[str, Any]]:
    """``items`` through the cleaning pipeline (``processes`` as its setting) and its stats."""
    crawler = get_crawler(settings_dict={"WORDPRESS_CLEANING_PROCESSES": processes})
    crawler.stats.open_spider()
    pipeline = CleanContentPipeline.from_crawler(crawler)
    pipeline.open_spider()

    async def run() -> list[Any]:
        try:
            return list(await asyncio.gather(*(pipeline.process_item(i) for i in items)))
        finally:
            pipeline.close_spider()

    return asyncio.run(run()), crawler.stats.get_stats()


def fallback_post(**fields: Any) -> PostItem:
    return PostItem(site=SITE, id=5, link="https://e.com/p/", source="html", **fields)


UNTOLD_CONTENT = {"content_html": None, "content_text": None, "word_count": None}


@pytest.mark.parametrize("processes", [1, 2])
def test_null_content_and_excerpt_stay_null(processes):
    untold = fallback_post(missing=["content_html", "content_text", "excerpt", "word_count"],
                           excerpt=None, **UNTOLD_CONTENT)  # fmt: skip
    told = fallback_post(content_html=CONTENT, excerpt="<p>Teaser [&hellip;]</p>")
    (record, other), stats = cleaned([untold, told], processes)
    assert (record.content_html, record.content_text, record.content_markdown) == (None,) * 3
    assert (record.word_count, record.excerpt, record.content_raw) == (None, None, None)
    assert (record.links, record.images) == ([], [])
    # The record beside it is cleaned as ever.
    assert other.content_text == "Two words"
    assert other.links == ["https://e.com/x"]
    assert other.excerpt == "Teaser…"
    assert stats["wordpress/cleaned"] == 1  # the untold one was not cleaned
    assert "wordpress/cleaned_in_crawl_process" not in stats  # 2: the told one went to a worker


@pytest.mark.parametrize("processes", [1, 2])
def test_an_excerpt_without_content_is_cleaned_alone(processes):
    (record,), _ = cleaned([fallback_post(excerpt="<p>Teaser [&hellip;]</p>", **UNTOLD_CONTENT)],
                           processes)  # fmt: skip
    assert record.excerpt == "Teaser…"
    assert (record.content_html, record.content_text, record.word_count) == (None, None, None)
    assert (record.content_markdown, record.links, record.images) == (None, [], [])


def test_content_without_an_excerpt_leaves_the_excerpt_null():
    (record,), _ = cleaned([fallback_post(content_html=CONTENT, excerpt=None)])
    assert record.excerpt is None
    assert (record.content_text, record.word_count) == ("Two words", 2)
    assert record.images == [{"src": "https://e.com/a.jpg", "alt": "A"}]


def test_a_comment_without_content_keeps_its_text_null():
    comment = CommentItem(site=SITE, id=3, source="html", missing=["content_html"],
                          content_html=None, content_text=None)  # fmt: skip
    (record,), _ = cleaned([comment])
    assert (record.content_html, record.content_text) == (None, None)


def test_untold_records_do_not_share_their_lists():
    first, second = cleaned([fallback_post(excerpt=None, **UNTOLD_CONTENT) for _ in range(2)])[0]
    first.links.append("https://e.com/y")
    assert second.links == []


def test_a_batch_mixes_null_and_real_content():
    results, _ = clean_batch(
        [Job(None, None, True, None), Job("<p>a b</p>", None, True, None),
         Job(None, None, True, "<p>x</p>")],
        CleanOptions(),
    )  # fmt: skip
    assert [(r.html, r.text, r.word_count, r.excerpt) for r in results] == [
        (None, None, None, None),
        ("<p>a b</p>", "a b", 2, None),
        (None, None, None, "x"),
    ]
    assert all(r.error is None for r in results)
