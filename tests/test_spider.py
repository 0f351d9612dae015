"""The spider's callbacks on built responses: discovery, paging and failures."""

from __future__ import annotations

import asyncio
import json

import pytest

from crawler.items import PostItem
from tests.utils import call, make_spider, response_for

INDEX = {
    "name": "Example &amp; Co",
    "home": "https://e.com",
    "namespaces": ["oembed/1.0", "wp/v2"],
    "routes": {"/wp/v2/posts": {"endpoints": [{"methods": ["GET"], "args": {"page": {}}}]}},
}


def post(post_id: int) -> dict:
    return {
        "id": post_id,
        "link": f"https://e.com/?p={post_id}",
        "title": {"rendered": f"Post &#8220;{post_id}&#8221;"},
        "date_gmt": "2024-01-01T00:00:00",
        "modified_gmt": "2024-01-02T00:00:00",
        "content": {"rendered": "<p>x</p>", "protected": False},
        "excerpt": {"rendered": "<p>x</p>", "protected": False},
        "categories": [1],
        "tags": [],
    }


def start_request(spider):
    async def first():
        return await anext(spider.start())

    return asyncio.run(first())


def index_request(spider, root="https://e.com/wp-json/"):
    """Discovery up to the request for the REST index."""
    entry = start_request(spider)
    _, requests = call(
        entry,
        response_for(
            entry,
            "<html></html>",
            html=True,
            headers={"Link": f'<{root}>; rel="https://api.w.org/"'},
        ),
    )
    return requests[0]


def first_page_request(spider, root="https://e.com/wp-json/"):
    request = index_request(spider, root)
    _, requests = call(request, response_for(request, INDEX))
    return requests[0]


def test_bad_url_stops_before_any_request(caplog):
    spider = make_spider(url="not a url")
    with pytest.raises(StopAsyncIteration):
        start_request(spider)
    assert spider.stop_reason == "bad_argument"
    assert "is not an http(s) URL" in caplog.text


def test_link_header_leads_to_the_index():
    spider = make_spider()
    request = index_request(spider, "https://e.com/index.php/wp-json/")
    assert request.url == "https://e.com/index.php/wp-json/"
    assert request.headers["Accept"] == b"application/json"


def test_link_tag_leads_to_the_index():
    spider = make_spider()
    entry = start_request(spider)
    html = '<html><head><link rel="https://api.w.org/" href="https://e.com/?rest_route=/"></head></html>'
    _, requests = call(entry, response_for(entry, html, html=True))
    assert [r.url for r in requests] == ["https://e.com/?rest_route=/"]


def test_a_rest_root_given_as_url_is_used_directly():
    spider = make_spider(url="https://e.com/index.php?rest_route=/")
    entry = start_request(spider)
    _, requests = call(entry, response_for(entry, INDEX))
    assert requests[0].url == (
        "https://e.com/index.php?rest_route=/wp/v2/posts&per_page=100&page=1&orderby=id&order=asc"
    )
    assert spider.site.name == "Example & Co"


def test_api_on_another_host_is_allowed():
    spider = make_spider()
    index_request(spider, "https://api.e.com/wp-json/")
    assert spider.allowed_hosts == {"e.com", "api.e.com"}


def test_probes_in_order_then_a_clear_error(caplog):
    spider = make_spider(url="https://e.com/")
    entry = start_request(spider)
    _, requests = call(entry, response_for(entry, "<html><title>Shop</title></html>", html=True))
    tried = []

    def answer_not_found():
        nonlocal requests
        while requests:
            tried.append(requests[0].url)
            not_found = response_for(requests[0], "<h1>Not Found</h1>", status=404, html=True)
            _, requests = call(requests[0], not_found)

    answer_not_found()
    assert tried == [
        "https://e.com/wp-json/",
        "https://e.com/index.php/wp-json/",
        "https://e.com/?rest_route=/",
    ]
    assert spider.stop_reason == "api_not_found"
    message = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"][-1]
    assert "no WordPress REST API found for https://e.com/" in message
    assert all(url in message for url in tried)


def test_probe_finds_the_api_on_the_second_try():
    spider = make_spider()
    entry = start_request(spider)
    _, requests = call(entry, response_for(entry, "<html></html>", html=True))
    _, requests = call(
        requests[0], response_for(requests[0], "<html>404</html>", status=404, html=True)
    )
    assert requests[0].url == "https://e.com/index.php/wp-json/"
    _, requests = call(requests[0], response_for(requests[0], INDEX))
    assert requests[0].url.startswith("https://e.com/index.php/wp-json/wp/v2/posts?")


def test_blocked_api_stops_with_the_plugin_named(caplog):
    spider = make_spider()
    request = index_request(spider)
    body = {
        "code": "rest_cannot_access",
        "message": "DRA: Only authenticated users can access the REST API.",
        "data": {"status": 401},
    }
    assert call(request, response_for(request, body, status=401)) == ([], [])
    assert spider.stop_reason == "api_blocked"
    assert "Disable REST API" in caplog.text


def test_cloudflare_challenge_on_the_entry_page_stops(caplog):
    spider = make_spider()
    entry = start_request(spider)
    response = response_for(
        entry,
        "<title>Just a moment...</title>",
        status=403,
        html=True,
        headers={"cf-mitigated": "challenge"},
    )
    assert call(entry, response) == ([], [])
    assert spider.stop_reason == "api_challenge"
    assert "Cloudflare" in caplog.text


def test_old_wordpress_without_wp_v2_is_explained(caplog):
    spider = make_spider()
    request = index_request(spider)
    assert call(request, response_for(request, {"namespaces": ["oembed/1.0"], "routes": {}})) == (
        [],
        [],
    )
    assert spider.stop_reason == "api_without_content"
    assert "older than 4.7" in caplog.text


def test_first_page_fans_out_and_yields_items():
    spider = make_spider()
    request = first_page_request(spider)
    response = response_for(
        request,
        [post(i) for i in range(1, 101)],
        headers={"X-WP-Total": "250", "X-WP-TotalPages": "3"},
    )
    items, requests = call(request, response)
    assert len(items) == 100
    assert all(isinstance(item, PostItem) for item in items)
    assert items[0].title == "Post “1”"
    assert items[0].site == "https://e.com/"
    assert [r.cb_kwargs["page"] for r in requests] == [2, 3]
    assert spider.crawler.stats.get_value("wordpress/posts/total") == 250


def test_duplicates_across_pages_are_dropped():
    spider = make_spider()
    request = first_page_request(spider)
    items, requests = call(
        request, response_for(request, [post(1), post(2)], headers={"X-WP-TotalPages": "2"})
    )
    items2, _ = call(requests[0], response_for(requests[0], [post(2), post(3)]))
    assert [i.id for i in items + items2] == [1, 2, 3]
    assert spider.crawler.stats.get_value("wordpress/posts/duplicates") == 1


def test_end_of_collection_400_is_not_an_error():
    spider = make_spider()
    request = first_page_request(spider)
    _, requests = call(request, response_for(request, [post(i) for i in range(100)]))  # no headers
    body = {"code": "rest_post_invalid_page_number", "message": "x", "data": {"status": 400}}
    items, more = call(requests[0], response_for(requests[0], body, status=400))
    assert (items, more) == ([], [])
    assert spider.collections["posts"].done
    assert not spider.crawler.stats.get_value("wordpress/incomplete")


def test_server_error_steps_the_page_size_down():
    spider = make_spider()
    request = first_page_request(spider)
    _, requests = call(
        request,
        response_for(
            request, "<b>Fatal error</b>: Allowed memory size exhausted", status=500, html=True
        ),
    )
    assert [(r.cb_kwargs["page"], r.cb_kwargs["per_page"]) for r in requests] == [(1, 50), (2, 50)]
    assert "per_page=50" in requests[0].url


def test_html_instead_of_json_loses_the_page_loudly(caplog):
    spider = make_spider()
    request = first_page_request(spider)
    items, requests = call(
        request, response_for(request, "<html><title>Security check</title></html>", html=True)
    )
    assert (items, requests) == ([], [])
    assert spider.crawler.stats.get_value("wordpress/incomplete") is True
    assert spider.crawler.stats.get_value("wordpress/pages_failed") == 1
    assert '"Security check"' in caplog.text


def test_malformed_records_are_skipped_and_counted():
    spider = make_spider()
    request = first_page_request(spider)
    items, _ = call(request, response_for(request, [post(1), {"title": "no id"}, "junk", post(2)]))
    assert [i.id for i in items] == [1, 2]
    assert spider.crawler.stats.get_value("wordpress/records_malformed") == 2


def test_php_notice_before_the_json_is_tolerated():
    spider = make_spider()
    request = first_page_request(spider)
    body = b"<br />\n<b>Notice</b>: x on line <b>3</b><br />\n" + json.dumps([post(7)]).encode()
    items, _ = call(request, response_for(request, body))
    assert [i.id for i in items] == [7]


def test_shortfall_against_x_wp_total_is_recorded_and_warned(caplog):
    spider = make_spider()
    request = first_page_request(spider)
    call(
        request,
        response_for(request, [post(1)], headers={"X-WP-Total": "2", "X-WP-TotalPages": "1"}),
    )
    spider.on_closed(spider, "finished")
    stats = spider.crawler.stats
    assert stats.get_value("wordpress/posts/collected") == 1
    assert stats.get_value("wordpress/posts/total") == 2
    assert stats.get_value("wordpress/posts/shortfall") == 1
    assert "collected 1 of the 2" in caplog.text
