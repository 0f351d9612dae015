"""Downloader middlewares: the crawl never leaves the site nor visits a private address other
than the user's host; Retry-After slows the site's slot."""

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest

from crawler.middlewares import AddressPolicyMiddleware, SiteScopeMiddleware
from tests import reactor_thread
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


class StubDNS:
    """A resolver for :class:`AddressPolicyMiddleware` that answers from a table and records
    what it was asked (no real lookup)."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        return self.table.get(host, [])


def address_policy(url: str, table: dict[str, list[str]], **settings):
    spider = make_spider(url, **settings)
    middleware = AddressPolicyMiddleware(spider.crawler)
    middleware.resolve = StubDNS(table)
    return spider, middleware


def visit(middleware: AddressPolicyMiddleware, url: str) -> None:
    reactor_thread.run(middleware.process_request(Request(url)), 10)


def test_the_users_own_host_may_be_any_address_and_is_not_even_resolved():
    spider, middleware = address_policy("http://10.0.0.5:8080/", {})
    visit(middleware, "http://10.0.0.5:8080/wp-json/")
    visit(middleware, "https://10.0.0.5/wp-json/")  # another port of the same host
    assert middleware.resolve.asked == []
    assert spider.crawler.stats.get_value("wordpress/address_blocked") is None


def test_other_hosts_must_resolve_to_public_addresses_only():
    table = {
        "api.e.com": ["93.184.216.34", "2606:2800:220:1::"],
        "internal.e.com": ["93.184.216.34", "10.0.0.7"],  # one private address is enough
        "meta.e.com": ["169.254.169.254"],
        "six.e.com": ["::ffff:127.0.0.1"],
    }
    spider, middleware = address_policy("https://e.com/", table)
    visit(middleware, "https://api.e.com/wp-json/")
    for url in ("https://internal.e.com/wp-json/", "http://meta.e.com/latest/", "http://[::1]/"):
        with pytest.raises(IgnoreRequest, match="WORDPRESS_ALLOWED_ADDRESSES"):
            visit(middleware, url)
    with pytest.raises(IgnoreRequest, match=r"six.e.com resolves to ::ffff:127.0.0.1, a loopback"):
        visit(middleware, "http://six.e.com/")
    with pytest.raises(IgnoreRequest):  # the verdict is kept: no second lookup
        visit(middleware, "https://internal.e.com/wp-json/wp/v2/posts")
    assert middleware.resolve.asked.count("internal.e.com") == 1
    assert spider.crawler.stats.get_value("wordpress/address_blocked") == 5


def test_allowed_addresses_let_intranet_hosts_through():
    table = {"wiki.corp": ["10.9.9.9"], "api.corp": ["10.1.2.3"], "db.corp": ["10.2.0.1"]}
    spider, middleware = address_policy(
        "https://e.com/", table, WORDPRESS_ALLOWED_ADDRESSES='["10.1.0.0/16", "wiki.corp"]'
    )
    visit(middleware, "http://wiki.corp/")
    visit(middleware, "http://api.corp/")
    with pytest.raises(IgnoreRequest):
        visit(middleware, "http://db.corp/")
    assert spider.crawler.stats.get_value("wordpress/address_blocked") == 1


def test_another_name_of_the_users_own_address_is_the_users_choice_too():
    table = {"wp.lan": ["192.168.1.20"], "192.168.1.20": ["192.168.1.20"]}
    _, middleware = address_policy("http://wp.lan/", table)
    visit(middleware, "http://192.168.1.20/wp-json/")


def test_a_host_that_does_not_resolve_is_refused_unless_allowed():
    """Its address cannot be checked: the download's own lookup (or a proxy's) may differ."""
    _, middleware = address_policy("https://e.com/", {})
    with pytest.raises(IgnoreRequest, match=r"gone\.example does not resolve"):
        visit(middleware, "https://gone.example/wp-json/")
    _, middleware = address_policy("https://e.com/", {}, WORDPRESS_ALLOWED_ADDRESSES="gone.example")
    visit(middleware, "https://gone.example/wp-json/")


def test_an_idn_host_given_by_the_user_is_their_own_host_in_punycode_too():
    _, middleware = address_policy("http://bücher.lan/", {})
    visit(middleware, "http://xn--bcher-kva.lan/wp-json/")
    assert middleware.resolve.asked == []
