"""The project's extensions follow every record through one ``item_scraped`` receiver."""

from __future__ import annotations

import logging

from pydispatch.dispatcher import getAllReceivers, liveReceivers
from scrapy import Spider, signals
from scrapy.utils.test import get_crawler

from crawler.extensions import scraped
from crawler.extensions.quietlog import ERROR_MARK
from crawler.extensions.scraped import on_record_scraped


def receivers(crawler) -> list[object]:
    sender = crawler.signals.sender
    return list(liveReceivers(getAllReceivers(sender, signals.item_scraped)))


def test_every_listener_gets_every_record_through_one_receiver():
    crawler = get_crawler(Spider)
    before = len(receivers(crawler))
    seen: list[tuple[str, object]] = []
    on_record_scraped(crawler, lambda item: seen.append(("a", item)))
    on_record_scraped(crawler, lambda item: seen.append(("b", item)))
    assert len(receivers(crawler)) == before + 1  # one receiver, whatever the listeners
    for item in ({"id": 1}, {"id": 2}):
        crawler.signals.send_catch_log(signals.item_scraped, item=item, response=None, spider=None)
    assert seen == [("a", {"id": 1}), ("b", {"id": 1}), ("a", {"id": 2}), ("b", {"id": 2})]


def test_crawls_keep_their_own_listeners():
    first, second = get_crawler(Spider), get_crawler(Spider)
    seen: list[str] = []
    on_record_scraped(first, lambda item: seen.append("first"))
    on_record_scraped(second, lambda item: seen.append("second"))
    second.signals.send_catch_log(signals.item_scraped, item={}, response=None, spider=None)
    assert seen == ["second"]


def test_a_failing_listener_is_logged_as_a_receiver_and_the_others_still_run(caplog):
    crawler = get_crawler(Spider)
    seen: list[object] = []

    def broken(item: object) -> None:
        raise KeyError("boom")

    on_record_scraped(crawler, broken)
    on_record_scraped(crawler, seen.append)
    with caplog.at_level(logging.ERROR):
        crawler.signals.send_catch_log(
            signals.item_scraped, item={"id": 1}, response=None, spider=None
        )
    assert seen == [{"id": 1}]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "Error caught on signal handler:" in errors[0].getMessage()
    assert "broken" in errors[0].getMessage()
    # The crawl's outcome counts it as unexpected: a traceback, or the mark of the filter that
    # reduces it to one line (installed once a crawl has run in this process).
    assert errors[0].exc_info is not None or getattr(errors[0], ERROR_MARK, None)


def test_the_projects_settings_leave_one_receiver_for_feeds_stats_and_coverage(tmp_path):
    import crawler.settings as project

    settings = {name: getattr(project, name) for name in dir(project) if name.isupper()}
    settings["FEEDS"] = {str(tmp_path / "x.jsonl"): {"format": "jsonlines"}}
    crawler = get_crawler(Spider, settings)
    crawler._apply_settings()  # builds the extensions, as a crawl does
    assert [getattr(r, "__qualname__", r) for r in receivers(crawler)] == [
        "_Listeners.item_scraped"
    ]
    listening = [function.__qualname__ for function in scraped._LISTENERS[crawler].functions]
    assert {"FeedExporter.item_scraped", "CoreStats.count_scraped"} <= set(listening)
    assert "FallbackCoverage.item_scraped" in listening
