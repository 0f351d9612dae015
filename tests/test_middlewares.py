"""Downloader middlewares: the crawl never leaves the site; Retry-After slows the site's slot."""

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest

from crawler.middlewares import SiteScopeMiddleware
from tests.utils import make_spider


def test_requests_to_other_hosts_are_dropped_and_counted():
    spider = make_spider("https://e.com/")
    spider.allowed_hosts.add("api.e.com")
    middleware = SiteScopeMiddleware(spider.crawler)
    assert middleware.process_request(Request("https://e.com/wp-json/")) is None
    assert middleware.process_request(Request("https://api.e.com/wp-json/wp/v2/posts")) is None
    for url in (
        "https://evil.example/wp-json/",
        "http://169.254.169.254/latest/meta-data/",
        "https://e.com.evil.example/",
        "https://sub.e.com/",
    ):
        with pytest.raises(IgnoreRequest):
            middleware.process_request(Request(url))
    assert spider.crawler.stats.get_value("wordpress/offsite_blocked") == 4


def test_a_discovery_redirect_to_the_canonical_host_is_followed():
    spider = make_spider("https://e.com/")
    middleware = SiteScopeMiddleware(spider.crawler)
    redirected = Request(
        "https://www.e.com/",
        meta={"wordpress_discovery": True, "redirect_urls": ["https://e.com/"]},
    )
    assert middleware.process_request(redirected) is None
    assert "www.e.com" in spider.allowed_hosts
    with pytest.raises(IgnoreRequest):  # a redirect of a content request is not trusted
        middleware.process_request(
            Request("https://cdn.example/", meta={"redirect_urls": ["https://e.com/x"]})
        )
