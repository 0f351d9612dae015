"""WordPress.com-hosted sites (issue 12): the public API root, its layout, and the crawl of it.

A simple WordPress.com site serves its pages on its own host and its REST API on
``public-api.wordpress.com``, laid out as ``/wp/v2/sites/<site>/<collection>``. There is no
internet here, so the crawl tests run against :class:`demo.wpcom.FakeWordPressCom` (two origins
on 127.0.0.1) with ``WORDPRESS_COM_API`` pointed at its API; the expected records are the demo
site's own data.
"""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.crawl.answer import Answer
from crawler.crawl.classify import SiteKind, classify
from crawler.wordpress.routes import ApiRoot
from crawler.wordpress.wpcom import WpcomRoot, api_root, site_of, without_api_message, wpcom_root
from demo.wpcom import FakeWordPressCom
from tests.crawl import crawl, crawl_cli
from tests.test_crawl import assert_every_feed_complete, site_collection

SITE_DIR = Path(__file__).resolve().parent.parent / "demo" / "site"
API = "https://public-api.wordpress.com"
HTML = {"content-type": "text/html; charset=UTF-8"}


# The root ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("advertised", "site"),
    [
        (f"{API}/wp-json/?rest_route=/sites/news.wordpress.com", "news.wordpress.com"),
        (f"{API}/wp-json/?rest_route=/sites/news.wordpress.com/", "news.wordpress.com"),
        (f"{API}/wp-json?rest_route=/sites/Blog.Example.org", "blog.example.org"),
        (f"{API}/?rest_route=%2Fsites%2F1234567%2F", "1234567"),
    ],
)
def test_an_advertised_root_builds_the_layout_wordpress_com_serves(advertised, site):
    root = api_root(advertised)
    assert isinstance(root, WpcomRoot)
    assert root.route("wp/v2/posts", per_page=100, page=3) == (
        f"{API}/wp/v2/sites/{site}/posts?per_page=100&page=3"
    )
    assert root.route("/wp/v2/comments/") == f"{API}/wp/v2/sites/{site}/comments"
    assert root.route("") == advertised  # the index, as the site advertised it
    assert root.host == "public-api.wordpress.com"


@pytest.mark.parametrize(
    "site",
    [
        "",
        "a.com/wp/v2",
        "..",
        "a_b.com",
        "localhost",
        "a.com:443",
        "-a.com",
        "é.com",
        "a" * 64 + ".com",
    ],
)
def test_a_site_that_is_neither_a_host_name_nor_a_blog_id_is_not_a_wordpress_com_root(site):
    url = f"{API}/wp-json/?rest_route=/sites/{site}"
    assert site_of(url) is None
    assert wpcom_root(url) is None
    assert not isinstance(api_root(url), WpcomRoot)


@pytest.mark.parametrize(
    "route",
    ["wp/v2/posts", "wp/v2/pages", "wp/v2/categories", "wp/v2/types", "wp/v2/media", "wp/v2/users"],
)
def test_links_in_either_layout_map_back_to_their_route(route):
    root = wpcom_root(f"{API}/wp-json/?rest_route=/sites/a.blog")
    assert root is not None
    assert root.route_of(root.route(route, page=2)) == route
    rest = route.removeprefix("wp/v2/")
    assert root.route_of(f"{API}/wp/v2/sites/a.blog/{rest}/12") == f"{route}/12"
    assert (
        root.route_of(f"{API}/wp-json/?rest_route=%2Fsites%2Fa.blog%2F{route.replace('/', '%2F')}")
        == route
    )
    # another site on the same API, or the site's own host, is not under this root
    assert root.route_of(f"{API}/wp/v2/sites/b.blog/{rest}") is None
    assert root.route_of(f"https://a.blog/wp-json/{route}") is None


def test_a_public_api_root_on_another_origin_than_the_configured_one_is_an_ordinary_root():
    advertised = f"{API}/wp-json/?rest_route=/sites/a.blog"
    root = api_root(advertised, wpcom_api="http://127.0.0.1:8080")
    assert type(root) is ApiRoot
    assert root.route("wp/v2/posts") == f"{API}/wp-json/?rest_route=/sites/a.blog/wp/v2/posts"
    home = Answer(
        200,
        HTML,
        b"<html></html>",
        "https://a.blog/",
        (f'<{advertised}>; rel="https://api.w.org/"',),
    )
    assert classify(home, None, None, wpcom_api="http://127.0.0.1:8080").kind != SiteKind.WPCOM
    assert classify(home, None, None).api_root == advertised  # the default origin: WordPress.com
    # a look-alike host or plain http is not the API either
    for fake in (
        "https://public-api.wordpress.com.evil.example",
        "http://public-api.wordpress.com",
    ):
        link = (f'<{fake}/wp-json/?rest_route=/sites/a.blog>; rel="https://api.w.org/"',)
        verdict = classify(Answer(200, HTML, b"<html></html>", "https://a.blog/", link), None, None)
        assert verdict.kind != SiteKind.WPCOM
        assert type(api_root(f"{fake}/wp-json/?rest_route=/sites/a.blog")) is ApiRoot


@pytest.mark.parametrize(
    ("url", "headers", "links"),
    [
        ("https://news.wordpress.com/", HTML, ()),
        ("https://blog.example.org/", HTML | {"host-header": "WordPress.com"}, ()),
        ("https://blog.example.org/", HTML, ("<https://wp.me/p1-2>; rel=shortlink",)),
    ],
)
def test_a_wordpress_com_site_without_an_advertised_root_stops_with_the_url_to_pass(
    url, headers, links
):
    home = Answer(200, headers, b"<html></html>", url, links)
    missing = Answer(404, HTML, b"<html>Not found</html>", url + "wp-json/")
    verdict = classify(home, missing, None)
    assert (verdict.kind, verdict.api_root) == (SiteKind.WPCOM, None)
    host = urlsplit(url).hostname
    assert "WordPress.com" in verdict.reason
    assert f"-a url={API}/wp-json/?rest_route=/sites/{host}" in verdict.reason
    assert "\n" not in verdict.reason


def test_the_stop_line_never_puts_an_odd_host_into_the_url():
    message = without_api_message("http://[::1]:8080/", "wp.me shortlink")
    assert message.endswith(f"-a url={API}/wp-json/?rest_route=/sites/<site>")


# The fake ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wpcom():
    with FakeWordPressCom(SITE_DIR) as server:
        yield server


def _get(url: str, user_agent: str | None = "tests") -> tuple[int, http.client.HTTPMessage, bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    connection.request("GET", target, headers={"User-Agent": user_agent} if user_agent else {})
    response = connection.getresponse()
    try:
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_the_fake_home_page_advertises_the_api_and_wordpress_com(wpcom):
    status, headers, _ = _get(wpcom.home_url)
    assert status == 200
    links = headers.get_all("Link")
    assert f'<{wpcom.advertised_root}>; rel="https://api.w.org/"' in links
    assert "<https://wp.me/p1-2>; rel=shortlink" in links
    assert headers["host-header"] == "WordPress.com"


def test_the_fake_api_refuses_requests_without_a_user_agent(wpcom):
    assert _get(wpcom.collection_url("posts"), user_agent=None)[0] == 403
    assert _get(wpcom.collection_url("posts"))[0] == 200


def test_the_fake_api_serves_the_layout_and_lies_about_totals(wpcom):
    status, _, body = _get(wpcom.advertised_root)
    assert status == 200
    index = json.loads(body)
    assert "wp/v2" in index["namespaces"]
    assert f"/sites/{wpcom.site_name}/wp/v2/posts" in index["routes"]  # not the core keys
    status, headers, body = _get(wpcom.collection_url("posts", per_page=100))
    posts = json.loads(body)
    assert status == 200
    assert len(posts) == 100
    assert int(headers["X-WP-Total"]) > len(site_collection("posts"))  # the lie
    self_link = posts[0]["_links"]["self"][0]["href"]
    assert self_link == f"{wpcom.api_origin}/wp/v2/sites/{wpcom.site_name}/posts/{posts[0]['id']}"
    assert posts[0]["link"].startswith(wpcom.home_url)  # the pages are on the site's origin


# The crawl ---------------------------------------------------------------------------------


def test_a_wordpress_com_site_is_crawled_completely_through_its_public_api(tmp_path):
    with FakeWordPressCom(SITE_DIR) as wpcom:
        result = crawl(wpcom.home_url, tmp_path, settings={"WORDPRESS_COM_API": wpcom.api_origin})
        requested = wpcom.requests
        refused = wpcom.api.without_user_agent
        origins = {wpcom.pages.origin, wpcom.api_origin}
        collection_pages = [u for u in requested if "/wp/v2/sites/example.wordpress.com/" in u]
    assert result.returncode == 0, result.log[-3000:]
    assert_every_feed_complete(result)
    # every request the crawl made reached one of the two origins, none was refused
    assert result.stats["downloader/request_count"] == len(requested)
    assert {f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in requested} == origins
    assert refused == 0
    assert "downloader/response_status_count/403" not in result.stats
    assert collection_pages
    assert all(u.startswith(wpcom.api_origin) for u in collection_pages)
    # the lying totals were not believed: no total reported, no shortfall, paged to the end
    assert not [key for key in result.stats if key.endswith("/total")]
    assert "short of" not in result.log


def test_a_public_api_root_on_another_origin_is_not_crawled_as_wordpress_com(tmp_path):
    with FakeWordPressCom(SITE_DIR) as wpcom:
        result = crawl(wpcom.home_url, tmp_path)  # WORDPRESS_COM_API is the real one
        requested = wpcom.requests
    assert not [u for u in requested if "/wp/v2/sites/" in u]
    assert result.returncode == 1


def test_without_an_advertised_root_the_crawl_stops_and_names_the_root_to_pass(tmp_path):
    settings = {}
    with FakeWordPressCom(SITE_DIR, advertise=False) as wpcom:
        settings["WORDPRESS_COM_API"] = wpcom.api_origin
        result = crawl(wpcom.home_url, tmp_path / "guess", settings=settings)
        requested = wpcom.requests
        root = f"{wpcom.api_origin}/wp-json/?rest_route=/sites/127.0.0.1"
        # the API is never guessed; the site's own host only was probed
        assert not [u for u in requested if u.startswith(wpcom.api_origin)]
        assert result.returncode == 1
        assert result.stats["finish_reason"] == "wpcom_without_api"
        assert result.stats["wordpress/site_kind"] == "wpcom"
        assert len(result.errors) == 1, result.errors
        assert "WordPress.com (host-header: WordPress.com)" in result.errors[0]
        assert f"-a url={root}" in result.errors[0]
        # the user may pass the public API root itself (the real command: a URL with a query)
        given = crawl_cli(wpcom.advertised_root, tmp_path / "given", settings=settings)
    assert given.returncode == 0, given.log[-3000:]
    assert_every_feed_complete(given)


def test_a_private_wordpress_com_site_stops_with_one_line_that_says_so(tmp_path):
    with FakeWordPressCom(SITE_DIR, private=True) as wpcom:
        settings = {"WORDPRESS_COM_API": wpcom.api_origin}
        result = crawl(wpcom.home_url, tmp_path, settings=settings)
        api_requests = [
            u for u in wpcom.requests if u.startswith(wpcom.api_origin) and "robots" not in u
        ]
    assert api_requests == [wpcom.advertised_root]  # asked once, refused (403)
    assert result.returncode == 1
    assert result.stats["finish_reason"] == "wpcom_refused"
    assert len(result.errors) == 1, result.errors
    assert f"advertises the WordPress.com API {wpcom.advertised_root}" in result.errors[0]
    assert "private and coming-soon WordPress.com sites" in result.errors[0]
