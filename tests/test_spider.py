"""The spider's callbacks on built responses: discovery, paging and failures."""

from __future__ import annotations

import asyncio
import json

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.items import (
    CommentItem,
    FeaturedImage,
    MediaItem,
    PostItem,
    Ref,
    TermItem,
    UserItem,
)
from crawler.pipelines.changes import ChangePipeline
from crawler.spiders.wordpress import WordPressSpider
from crawler.state.store import PageState, SiteState, save_state, state_path
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
        "_links": {"self": [{"href": f"https://e.com/wp-json/wp/v2/posts/{post_id}"}]},
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


TYPES = {"post": {"rest_base": "posts", "taxonomies": ["category"]}}
TAXONOMIES = {"category": {"rest_base": "categories", "hierarchical": True}}


def catalog_requests(spider, root="https://e.com/wp-json/"):
    """Discovery up to the requests for /types and /taxonomies."""
    request = index_request(spider, root)
    _, requests = call(request, response_for(request, INDEX))
    return requests


def linked_requests(spider, root="https://e.com/wp-json/", types=TYPES):
    """Discovery up to the first pages of the linked collections (phase 1)."""
    types_request, taxonomies_request = catalog_requests(spider, root)
    assert call(types_request, response_for(types_request, types)) == ([], [])
    _, requests = call(taxonomies_request, response_for(taxonomies_request, TAXONOMIES))
    return requests


def first_page_request(spider, root="https://e.com/wp-json/", linked=None):
    """Discovery and empty linked collections, up to the first page of posts (phase 2)."""
    queue, content = linked_requests(spider, root), []
    while queue:
        request = queue.pop(0)
        if request.cb_kwargs["key"] == "posts":
            content.append(request)
            continue
        first = request.cb_kwargs["page"] == 1  # later pages: the end of the collection
        answer = (linked or {}).get(request.cb_kwargs["key"], []) if first else []
        queue += call(request, response_for(request, answer))[1]
    assert [r.cb_kwargs["key"] for r in content] == ["posts"]
    return content[0]


def test_bad_url_stops_before_any_request(caplog):
    spider = make_spider(url="not a url")
    with pytest.raises(StopAsyncIteration):
        start_request(spider)
    assert spider.stop_reason == "bad_argument"
    assert "is not an http(s) URL" in caplog.text


@pytest.mark.parametrize(("argument", "said"), [
    ({"sites": "sites.txt"}, "scrapy crawlsites FILE"),
    ({"incremetal": "true"}, "the wordpress spider takes -a url=, -a types=, -a incremental="),
])  # fmt: skip
def test_a_wrong_argument_stops_before_any_request(caplog, argument, said):
    crawler = get_crawler(WordPressSpider)
    spider = WordPressSpider.from_crawler(crawler, url="https://e.com/", **argument)
    crawler.spider = spider
    with pytest.raises(StopAsyncIteration):
        start_request(spider)
    assert spider.stop_reason == "bad_argument"
    assert said in caplog.text


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
    assert [r.url for r in requests] == [
        "https://e.com/index.php?rest_route=/wp/v2/types",
        "https://e.com/index.php?rest_route=/wp/v2/taxonomies",
    ]
    assert spider.run.site.name == "Example & Co"


def test_query_spelling_reaches_the_content_in_the_same_spelling():
    spider = make_spider(url="https://e.com/")
    request = first_page_request(spider, root="https://e.com/index.php?rest_route=/")
    assert request.url.startswith(
        "https://e.com/index.php?rest_route=/wp/v2/posts&per_page=100&page=1&orderby=id&order=asc"
        "&_fields=id,link,"  # only the fields the records read (#13)
    )


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
    assert requests[0].url == "https://e.com/index.php/wp-json/wp/v2/types"


def test_blocked_api_stops_with_the_plugin_named_when_only_rest_is_wanted(caplog):
    spider = make_spider(arguments={"source": "rest"})
    request = index_request(spider)
    body = {
        "code": "rest_cannot_access",
        "message": "DRA: Only authenticated users can access the REST API.",
        "data": {"status": 401},
    }
    assert call(request, response_for(request, body, status=401)) == ([], [])
    assert spider.stop_reason == "api_blocked"
    assert "Disable REST API" in caplog.text


def test_blocked_api_crawls_the_pages_instead_by_default(caplog):
    spider = make_spider()
    request = index_request(spider)
    body = {
        "code": "rest_cannot_access",
        "message": "DRA: Only authenticated users can access the REST API.",
        "data": {"status": 401},
    }
    items, requests = call(request, response_for(request, body, status=401))
    assert items == []
    assert spider.stop_reason is None
    # The inventory and the feed, from the home page already read, on the polite slot.
    assert [r.url for r in requests] == ["https://e.com/robots.txt", "https://e.com/?feed=atom"]
    assert all(r.meta["download_slot"] == "wordpress-fallback" for r in requests)
    assert all(r.callback == spider.parse_fallback for r in requests)
    assert [r.cb_kwargs["url"] for r in requests] == [r.url for r in requests]
    (line,) = [rec.getMessage() for rec in caplog.records if "REST API blocked" in rec.getMessage()]
    assert "rest_cannot_access" in line
    assert "Disable REST API" in line
    assert spider.crawler.stats.get_value("wordpress/source") == "html"


ITSEC = {
    "code": "itsec_rest_api_access_restricted",
    "message": "Access to REST API requests is restricted by Solid Security settings.",
    "data": {"status": 401},
}


def test_routes_blocked_behind_an_open_index_crawl_the_pages_instead(caplog):
    spider = make_spider()
    types_request, taxonomies_request = catalog_requests(spider)
    items, requests = call(types_request, response_for(types_request, ITSEC, status=401))
    assert items == []
    assert spider.stop_reason is None
    assert spider.run is None
    assert spider.fallback is not None
    assert all(r.callback == spider.parse_fallback for r in requests)
    assert "itsec_rest_api_access_restricted" in caplog.text
    assert "its index answers" in caplog.text
    # The other catalog answer, still on its way, is dropped with the REST run.
    assert call(taxonomies_request, response_for(taxonomies_request, TAXONOMIES)) == ([], [])
    assert not spider.crawler.stats.get_value("wordpress/incomplete")


def test_routes_blocked_after_records_left_stop_and_say_how_to_read_the_pages():
    spider = make_spider()
    queue = linked_requests(spider)
    users = next(r for r in queue if r.cb_kwargs["key"] == "users")
    items, _ = call(users, response_for(users, [{"id": 1, "name": "A", "slug": "a"}]))
    assert items
    comments = next(r for r in queue if r.cb_kwargs["key"] == "comments")
    call(comments, response_for(comments, ITSEC, status=401))
    assert spider.stop_reason == "api_blocked"
    assert spider.fallback is None
    assert "-a source=html" in spider.crawler.stats.get_value("wordpress/failure")


def test_an_incremental_run_with_rest_blocked_asks_the_feed_whether_anything_changed(tmp_path):
    state = SiteState(
        "https://e.com/",
        mark="2024-05-01T10:00:00Z",
        runs=1,
        pages=PageState(last_modified="Wed, 01 May 2024 10:00:00 GMT", etag='"v1"'),
    )
    save_state(state_path(tmp_path, "https://e.com/"), state)
    spider = make_spider(arguments={"incremental": "true"}, STATE_DIR=str(tmp_path))
    request = index_request(spider)
    body = {"code": "rest_cannot_access", "message": "DRA", "data": {"status": 401}}
    _, requests = call(request, response_for(request, body, status=401))
    assert spider.stop_reason is None
    assert spider.fallback is not None
    # The home page given was read already: robots.txt, and the conditional request of the
    # comments feed with what the last run saw, whose 304 must reach the run.
    (updates,) = [r for r in requests if "withcomments=1" in r.url]
    assert updates.headers["If-Modified-Since"] == b"Wed, 01 May 2024 10:00:00 GMT"
    assert updates.headers["If-None-Match"] == b'"v1"'
    assert 304 in updates.meta["handle_httpstatus_list"]
    # Nothing changed: no feed page, no entry, the sitemaps only (for deletions).
    _, after = call(updates, response_for(updates, b"", status=304, html=True))
    assert all("feed=atom" not in r.url and "/feed/" not in r.url for r in after)
    assert spider.crawler.stats.get_value("wordpress/fallback/unchanged") is True
    spider.site_run.release()


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
    spider = make_spider(arguments={"source": "rest"})
    request = index_request(spider)
    assert call(request, response_for(request, {"namespaces": ["oembed/1.0"], "routes": {}})) == (
        [],
        [],
    )
    assert spider.stop_reason == "api_without_content"
    assert "older than 4.7" in caplog.text


def test_old_wordpress_without_wp_v2_is_crawled_from_its_pages_by_default(caplog):
    spider = make_spider()
    request = index_request(spider)
    _, requests = call(request, response_for(request, {"namespaces": ["oembed/1.0"], "routes": {}}))
    assert spider.stop_reason is None
    assert "https://e.com/robots.txt" in [r.url for r in requests]
    assert "has no wp/v2" in caplog.text


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
    assert spider.run.collections["posts"].done
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
    spider.closed("finished")
    stats = spider.crawler.stats
    assert stats.get_value("wordpress/posts/collected") == 1
    assert stats.get_value("wordpress/posts/total") == 2
    assert stats.get_value("wordpress/posts/shortfall") == 1
    assert "collected 1 of the 2" in caplog.text


# Linked records ----------------------------------------------------------------------------

LINKED = {
    "users": [
        {"id": 2, "name": "Ann &amp; Bo", "slug": "ann", "link": "https://e.com/author/ann/"}
    ],
    "categories": [{"id": 7, "name": "News &amp; Events", "slug": "news", "taxonomy": "category"}],
    "media": [
        {
            "id": 9,
            "source_url": "https://e.com/a.jpg",
            "alt_text": "A",
            "mime_type": "image/jpeg",
            "media_details": {"width": 400, "height": 250},
            "post": 1,
        }
    ],
    "comments": [
        {"id": 1, "post": 1, "content": {"rendered": "<p>Hi</p>"}},
        {"id": 2, "post": 1, "parent": 1, "content": {"rendered": "<p>Yo</p>"}},
    ],
}


def linked_post(post_id=1, **extra):
    return {
        **post(post_id),
        "author": 2,
        "featured_media": 9,
        "categories": [7],
        "_links": {
            "wp:term": [
                {
                    "taxonomy": "category",
                    "embeddable": True,
                    "href": f"https://e.com/wp-json/wp/v2/categories?post={post_id}",
                }
            ]
        },
        **extra,
    }


def test_linked_collections_are_listed_before_the_content():
    spider = make_spider()
    keys = [r.cb_kwargs["key"] for r in linked_requests(spider)]
    assert keys == ["users", "media", "comments", "categories"]  # tags: not used by posts here
    assert spider.run.phase == 1


def test_content_waits_until_every_linked_collection_is_complete():
    spider = make_spider()
    requests = linked_requests(spider)
    for request in requests[:-1]:
        assert call(request, response_for(request, [])) == ([], [])
    _, content = call(requests[-1], response_for(requests[-1], []))
    assert [r.cb_kwargs["key"] for r in content] == ["posts"]


def test_posts_carry_their_links_resolved():
    spider = make_spider()
    request = first_page_request(spider, linked=LINKED)
    [item], _ = call(request, response_for(request, [linked_post()]))
    assert item.author == Ref(id=2, name="Ann & Bo", slug="ann")
    assert item.categories == [Ref(id=7, name="News & Events", slug="news")]
    assert item.featured_media == FeaturedImage(
        id=9,
        source_url="https://e.com/a.jpg",
        alt_text="A",
        mime_type="image/jpeg",
        width=400,
        height=250,
    )
    assert item.comment_count == 2
    assert item.terms == {}


def test_linked_records_are_exported_too():
    spider = make_spider()
    items = []
    for request in linked_requests(spider):
        items += call(request, response_for(request, LINKED.get(request.cb_kwargs["key"], [])))[0]
    assert sorted(type(i).__name__ for i in items) == sorted(
        ["UserItem", "TermItem", "MediaItem", "CommentItem", "CommentItem"]
    )
    term = next(i for i in items if isinstance(i, TermItem))
    assert (term.name, term.taxonomy) == ("News & Events", "category")
    assert next(i for i in items if isinstance(i, MediaItem)).width == 400
    assert next(i for i in items if isinstance(i, UserItem)).name == "Ann & Bo"
    assert [i.parent for i in items if isinstance(i, CommentItem)] == [None, 1]


def test_a_term_link_to_another_host_is_not_used():
    spider = make_spider()
    request = first_page_request(spider, linked=LINKED)
    evil = {
        "wp:term": [
            {"taxonomy": "category", "href": "https://evil.example/wp-json/wp/v2/categories?post=1"}
        ]
    }
    [item], _ = call(request, response_for(request, [linked_post(_links=evil)]))
    assert item.categories == []
    spider.closed("finished")
    assert spider.crawler.stats.get_value("wordpress/offsite_links") == 1


def test_hidden_users_fall_back_to_the_embedded_author(caplog):
    spider = make_spider()
    requests = linked_requests(spider)
    content = []
    for request in requests:
        if request.cb_kwargs["key"] == "users":
            refused = {"code": "rest_user_cannot_view", "message": "Sorry", "data": {"status": 401}}
            content += call(request, response_for(request, refused, status=401))[1]
        else:
            content += call(request, response_for(request, []))[1]
    assert "_embed=author" in content[0].url
    embedded = {"author": [{"id": 2, "name": "Ann", "slug": "ann"}]}
    [item], _ = call(content[0], response_for(content[0], [linked_post(_embedded=embedded)]))
    assert item.author == Ref(id=2, name="Ann", slug="ann")
    assert spider.crawler.stats.get_value("wordpress/users/refused") == "rest_user_cannot_view"
    assert not spider.crawler.stats.get_value("wordpress/incomplete")
    assert "hides its users" in caplog.text


def test_wordfence_embedded_errors_leave_the_author_id_only():
    spider = make_spider()
    request = first_page_request(spider)
    embedded = {
        "author": [{"code": "rest_user_invalid_id", "message": "x", "data": {"status": 404}}]
    }
    [item], _ = call(request, response_for(request, [linked_post(_embedded=embedded)]))
    assert item.author == Ref(id=2, name=None, slug=None)


def test_types_argument_limits_the_crawl():
    spider = make_spider()
    spider.params = type(spider.params)(url=spider.url, types="pages")
    types = {**TYPES, "page": {"rest_base": "pages", "hierarchical": True}}
    requests = linked_requests(spider, types=types)
    assert "categories" not in [r.cb_kwargs["key"] for r in requests]  # only posts use them
    assert [x.key for x in spider.run.listings.values() if x.phase == 2] == ["pages"]


def test_custom_post_types_become_entries_with_their_own_feed_signal():
    from crawler import signals as wordpress_signals

    spider = make_spider()
    found = []
    spider.crawler.signals.connect(
        lambda types, spider: found.extend(types),
        signal=wordpress_signals.custom_types_found,
        weak=False,
    )
    types = {**TYPES, "event": {"rest_base": "events", "taxonomies": ["venue"]}}
    linked_requests(spider, types=types)
    assert found == [("events", "event")]
    assert spider.run.listings["events"].post_type == "event"


def test_refused_types_route_falls_back_to_posts_and_pages(caplog):
    spider = make_spider()
    types_request, taxonomies_request = catalog_requests(spider)
    refused = {"code": "rest_cannot_view", "message": "no", "data": {"status": 401}}
    call(types_request, response_for(types_request, refused, status=401))
    call(taxonomies_request, response_for(taxonomies_request, TAXONOMIES))
    assert [key for key, listing in spider.run.listings.items() if listing.phase == 2] == [
        "posts",
        "pages",
    ]
    assert "assuming WordPress's defaults" in caplog.text


# Incremental runs -------------------------------------------------------------------------


def changed(spider, items):
    """The items an incremental run exports: those the change pipeline lets through."""
    pipeline, kept = ChangePipeline(spider.crawler), []
    for item in items:
        try:
            kept.append(pipeline.process_item(item))
        except DropItem:
            continue
    return kept


def incremental_spider(mark="2024-05-01T00:00:00Z", known=None):
    from crawler.state.changes import RunChanges
    from crawler.state.store import SiteState

    spider = make_spider()
    spider.changes = RunChanges(
        SiteState("https://e.com/", mark=mark, records={"posts": known or {}}, runs=1)
    )
    return spider


def content_requests(spider):
    """Answer every linked collection with nothing; return the content phase's first requests."""
    queue, content = linked_requests(spider), []
    while queue:
        request = queue.pop(0)
        if spider.run.listings[request.cb_kwargs["key"]].phase == 2:
            content.append(request)
            continue
        queue += call(request, response_for(request, []))[1]
    return {r.cb_kwargs["key"]: r for r in content}


def dated_post(post_id, modified):
    return {**post(post_id), "modified_gmt": modified}


def test_without_modified_after_changes_are_read_newest_first_until_past_the_mark():
    spider = incremental_spider(known={1: "2024-01-01T00:00:00Z"})
    requests = content_requests(spider)
    assert set(requests) == {"posts", "posts-ids"}
    first = requests["posts"]
    assert "orderby=modified&order=desc" in first.url
    newer = [dated_post(9, "2024-06-03T00:00:00"), dated_post(8, "2024-06-02T00:00:00")]
    items, more = call(first, response_for(first, newer, headers={"X-WP-TotalPages": "5"}))
    assert [(i.id, i.change) for i in changed(spider, items)] == [(9, "added"), (8, "added")]
    assert [r.cb_kwargs["page"] for r in more if r.cb_kwargs["key"] == "posts"] == [
        2
    ]  # one at a time
    second = next(r for r in more if r.cb_kwargs["key"] == "posts")
    older = [dated_post(7, "2024-05-15T00:00:00"), dated_post(1, "2024-01-01T00:00:00")]
    items, more = call(second, response_for(second, older, headers={"X-WP-TotalPages": "5"}))
    assert [(i.id, i.change) for i in changed(spider, items)] == [(7, "added")]  # 1: unchanged
    assert not [r for r in more if r.cb_kwargs["key"] == "posts"], "past the mark: no more pages"


def test_deleted_records_become_tombstones_after_the_id_listing():
    spider = incremental_spider(known={1: "2024-01-01T00:00:00Z", 2: "2024-01-01T00:00:00Z"})
    requests = content_requests(spider)
    call(requests["posts"], response_for(requests["posts"], []))
    ids = [{"id": 1, "modified_gmt": "2024-01-01T00:00:00"}]
    items, more = call(requests["posts-ids"], response_for(requests["posts-ids"], ids))
    assert not items  # the listing is not over yet: no conclusion about deletions
    items, _ = call(more[0], response_for(more[0], []))
    tombstones = [i for i in items if type(i).__name__ == "TombstoneItem"]
    assert [(t.type, t.id, t.deleted, t.change) for t in tombstones] == [
        ("post", 2, True, "deleted")
    ]


def test_a_refused_collection_produces_no_tombstones():
    from crawler.state.changes import RunChanges
    from crawler.state.store import SiteState

    spider = make_spider()
    spider.changes = RunChanges(SiteState("https://e.com/", mark="2024-05-01T00:00:00Z",
                                          records={"users": {2: "sha1:x"}, "posts": {}}, runs=1))  # fmt: skip
    queue, items = linked_requests(spider), []
    refused = {"code": "rest_user_cannot_view", "message": "no", "data": {"status": 401}}
    while queue:
        request = queue.pop(0)
        key = request.cb_kwargs["key"]
        answer = (
            response_for(request, refused, status=401)
            if key == "users"
            else response_for(request, [])
        )
        found, more = call(request, answer)
        items += found
        queue += more
    assert spider.run.phase == 3
    assert not [i for i in items if type(i).__name__ == "TombstoneItem"]


def test_records_waiting_for_media_are_exported_even_if_the_media_request_fails():
    spider = incremental_spider()
    requests = content_requests(spider)
    first = requests["posts"]
    changed = [{**linked_post(5), "modified_gmt": "2024-06-01T00:00:00"}]
    items, more = call(first, response_for(first, changed, headers={"X-WP-TotalPages": "1"}))
    assert not items
    [lookup] = [r for r in more if "-lookup-" in r.cb_kwargs["key"]]
    assert "include=9" in lookup.url
    items, _ = call(lookup, response_for(lookup, "<html>boom</html>", status=500, html=True))
    assert [(i.id, i.featured_media.id, i.featured_media.source_url) for i in items] == [
        (5, 9, None)
    ]


def _entry_error(spider, error):
    from twisted.python.failure import Failure

    entry = start_request(spider)
    failure = Failure(error)
    failure.request = entry  # type: ignore[attr-defined] - as Scrapy sets it
    return list(spider.on_discovery_error(failure))


def test_no_scheme_and_https_refused_tries_http(caplog):
    from scrapy.exceptions import DownloadConnectionRefusedError

    spider = make_spider(url="e.com:8080")
    (retry,) = _entry_error(spider, DownloadConnectionRefusedError("refused"))
    assert retry.url == "http://e.com:8080/"
    assert retry.callback == spider.parse_entry
    assert spider.stop_reason is None
    assert "no scheme given: https://e.com:8080/ did not answer" in caplog.text
    # http refused too: one line, the crawl stops
    failure_requests = _entry_error(spider, DownloadConnectionRefusedError("refused"))
    assert failure_requests == []


def test_a_scheme_given_is_not_changed(caplog):
    from scrapy.exceptions import DownloadConnectionRefusedError

    spider = make_spider(url="https://e.com:8080/")
    assert _entry_error(spider, DownloadConnectionRefusedError("refused")) == []
    assert spider.stop_reason == "site_unreachable"


def test_no_scheme_and_no_such_host_stops_at_once():
    from scrapy.exceptions import CannotResolveHostError

    spider = make_spider(url="e.com")
    assert _entry_error(spider, CannotResolveHostError("no such host")) == []
    assert spider.stop_reason == "site_unreachable"


def test_an_idn_site_and_its_unicode_root_are_in_scope_in_punycode():
    spider = make_spider(url="https://Bücher.example/")
    assert spider.allowed_hosts == {"xn--bcher-kva.example"}
    index_request(spider, root="https://api.bücher.example/wp-json/")
    assert spider.allowed_hosts == {"xn--bcher-kva.example", "api.xn--bcher-kva.example"}
