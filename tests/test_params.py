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


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://Bücher.Example/", "http://xn--bcher-kva.example/"),
        ("bücher.example:8080/blog/", "https://xn--bcher-kva.example:8080/blog/"),
        ("http://[::1]:8080/", "http://[::1]:8080/"),
        ("[::1]:8080", "https://[::1]:8080/"),
        ("http://[2001:DB8::1]/", "http://[2001:db8::1]/"),
        ("127.0.0.1:8080", "https://127.0.0.1:8080/"),
        ("localhost:8080", "https://localhost:8080/"),
    ],
)
def test_hosts_are_written_as_requests_carry_them(url, expected):
    assert CrawlParams.from_arguments(url=url).url == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://admin:s3cr3t-pw@example.com/",
        "admin:s3cr3t-pw@example.com",
        "http://:s3cr3t-pw@e.com",
    ],
)
def test_credentials_are_refused_without_repeating_them(url):
    with pytest.raises(ArgumentError, match="an application password") as info:
        CrawlParams.from_arguments(url=url)
    assert "s3cr3t-pw" not in str(info.value)


def test_a_scheme_given_or_not():
    assert CrawlParams.from_arguments(url="example.com").scheme_guessed
    assert not CrawlParams.from_arguments(url="https://example.com").scheme_guessed


def test_unknown_arguments_are_one_error_listing_the_valid_ones():
    with pytest.raises(ArgumentError) as info:
        CrawlParams.from_arguments(url="https://e.com", incremetal="true", typse="posts")
    assert str(info.value) == (
        "unknown arguments -a incremetal=, -a typse=; "
        "the wordpress spider takes -a url=, -a types=, -a incremental=, -a source=, "
        "-a auth=, -a user=, -a allow_insecure_auth=, -a include_private_user_fields=, -a run="
    )


@pytest.mark.parametrize(
    ("given", "source"), [(None, "auto"), ("HTML", "html"), (" rest ", "rest")]
)
def test_source_takes_rest_html_or_auto(given, source):
    assert CrawlParams.from_arguments(url="https://e.com", source=given).source == source


def test_an_unknown_source_is_one_error():
    with pytest.raises(ArgumentError, match="source='api' is not one of rest, html, auto"):
        CrawlParams.from_arguments(url="https://e.com", source="api")


def test_scrapyd_arguments_stay_accepted():
    params = CrawlParams.from_arguments(url="https://e.com", _job="abc", _version="r1")
    assert params.url == "https://e.com/"
