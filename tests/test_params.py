"""Spider arguments: validated up front, with messages that say what to give."""

import pytest

from crawler.params import ArgumentError, CrawlParams


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com", "https://example.com/"),
        ("http://127.0.0.1:8080/blog/", "http://127.0.0.1:8080/blog/"),
        ("example.com/blog", "https://example.com/blog"),
        ("  https://example.com/wp-json/  ", "https://example.com/wp-json/"),
        ("https://example.com/?rest_route=/", "https://example.com/?rest_route=/"),
        ("https://example.com/#top", "https://example.com/"),
    ],
)
def test_valid_urls(url, expected):
    assert CrawlParams.from_arguments(url=url).url == expected


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        (None, "no url given"),
        ("", "no url given"),
        ("not a url", "is not an http(s) URL"),
        ("ftp://example.com/", "is not an http(s) URL"),
        ("http://", "is not an http(s) URL"),
        ("http://example.com:99999/", "invalid port"),
        ("localhost", "is not an http(s) URL"),
    ],
)
def test_invalid_urls(url, fragment):
    with pytest.raises(ArgumentError, match="-a url=") as info:
        CrawlParams.from_arguments(url=url)
    assert fragment in str(info.value)


def test_scrapyd_arguments_are_ignored():
    assert CrawlParams.from_arguments(url="https://e.com", _job="abc123").url == "https://e.com/"
